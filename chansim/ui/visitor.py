"""Wait, in a preheated kernel, for the visitor whose page it will serve (Voilà's protocol, light imports).

Voilà (``--preheat``) keeps kernels that ran a notebook ahead; when a page request takes
one, the server sends the request's details (``QUERY_STRING``, ``SCRIPT_NAME``...) as one
JSON message over the websocket ``{VOILA_WS_BASE_URL}voila/query/{VOILA_KERNEL_ID}``, and
the kernel puts them into its environment. ``voila.utils.wait_for_request`` does exactly
this, but importing ``voila.utils`` imports Voilà's server extension and with it the whole
Jupyter server (measured: ~1.9 s of CPU and tens of MB in every kernel, the largest part
of a kernel's start). This module speaks the same protocol with the synchronous client of
``websockets`` (the library Voilà itself uses), nothing else.
"""

from __future__ import annotations

import json
import os
import warnings

__all__ = ["query_url", "wait_for_request"]

#: Seconds one attempt waits for the websocket to open (Voilà's own value); the message itself
#: may take as long as nobody asks for the page.
OPEN_TIMEOUT_SECONDS = 5
#: Seconds to keep trying to open it. Voilà gives up after one attempt, and the page then runs
#: without its visitor's query string and cookie (wrong language, no trainee): on a loaded
#: server (a class arriving at once) one attempt is not enough.
CONNECT_SECONDS = 120


def query_url(environ: dict[str, str] | None = None) -> str:
    """The websocket URL of this kernel's request details, from Voilà's environment variables."""
    env = os.environ if environ is None else environ
    protocol = env.get("VOILA_WS_PROTOCOL", "ws")
    server_ip = env.get("VOILA_APP_IP", "127.0.0.1")
    server_port = env.get("VOILA_APP_PORT", "8866")
    base = env.get("VOILA_WS_BASE_URL", env.get("VOILA_SERVER_URL", "/"))
    return f"{protocol}://{server_ip}:{server_port}{base}voila/query/{env.get('VOILA_KERNEL_ID')}"


def wait_for_request(url: str | None = None, *, connect_seconds: float | None = None) -> dict[str, str] | None:
    """In a preheated kernel, block until a visitor takes it; put their request into ``os.environ``.

    Does nothing (returns None) outside a preheated kernel (``VOILA_PREHEAT`` not ``"True"``).
    Returns the request details set, or None when the server could not be reached within
    ``connect_seconds`` (default :data:`CONNECT_SECONDS`) or refused the connection (with a
    warning; the page then runs with the environment it has).
    """
    if os.environ.get("VOILA_PREHEAT", "False") != "True":
        return None
    import time

    from websockets.exceptions import InvalidStatus, WebSocketException
    from websockets.sync.client import connect

    deadline = time.monotonic() + (CONNECT_SECONDS if connect_seconds is None else connect_seconds)
    while True:
        try:
            with connect(url or query_url(), open_timeout=OPEN_TIMEOUT_SECONDS) as websocket:
                message = websocket.recv()
            break
        except (OSError, TimeoutError, WebSocketException) as exc:
            # a refusal (HTTP 4xx: no such kernel) or the time is up: the page runs as it is
            if isinstance(exc, InvalidStatus) or time.monotonic() + 0.5 >= deadline:
                warnings.warn(f"could not reach the Voila server for this page's request: {exc}", stacklevel=2)
                return None
            time.sleep(0.5)
    details = {str(k): str(v) for k, v in json.loads(message).items()}
    os.environ.update(details)
    return details
