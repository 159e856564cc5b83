"""The trainee identity on a served class: join with a name (and PIN), leave, a session cookie.

Two small tornado handlers that the class server adds to Voilà's web app
(:data:`HANDLERS`, URL patterns relative to the server's base URL):

- ``POST /chansim/join`` (form fields ``name``, optional ``pin`` and ``workshop``, ``lang``):
  :meth:`chansim.store.Store.join`, then the cookie :data:`COOKIE` ``= <session key>``
  (HttpOnly, SameSite=Lax, Path = the base URL) and a redirect to the home page. A refused
  join redirects to the home page with ``?join_error=<code>`` (:data:`JOIN_ERRORS`), which the
  home page shows in the trainee's language; nothing the trainee typed is reflected.
- ``POST /chansim/leave``: the cookie cleared, back to the home page.

Safety: both are POST only and check that the request comes from a page of this server
(``Origin``, else ``Referer``, must name the request's ``Host``; the cookie is also
SameSite=Lax), so another site cannot make a trainee join or leave. They run behind the
server's own authentication (the token of a LAN server): an unauthenticated request gets
403. Joins are rate-limited per client address (:class:`JoinLimiter`). Every field is
bounded before it reaches the store.

The kernel of an exercise page reads the cookie from ``HTTP_COOKIE`` (Voilà passes the
``Cookie`` header with ``http_header_envs``): :func:`session_key`.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import html
import logging
import re
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlencode, urlsplit

from tornado import web

from chansim.store.identity import COOKIE, SESSION_DAYS, session_key

__all__ = [
    "COOKIE",
    "HANDLERS",
    "JOIN_ERRORS",
    "JoinHandler",
    "JoinLimiter",
    "LeaveHandler",
    "same_origin",
    "session_key",
]

log = logging.getLogger("chansim.serve")

#: How long the browser keeps the session cookie: as long as the store accepts its key.
COOKIE_DAYS = SESSION_DAYS
#: The codes of a refused join (``?join_error=``); the home page has a message for each.
JOIN_ERRORS = ("name", "pin", "too_many", "store", "refused")
#: The most characters a form field may carry (the store allows fewer; this bounds the work).
FIELD_LIMIT = 200
_LANG = re.compile(r"^[a-z]{2}_[A-Z]{2}$")


def same_origin(headers: Mapping[str, str], host: str) -> bool:
    """Whether a request with ``headers`` comes from a page of ``host`` (Origin, else Referer)."""
    source = headers.get("Origin") or headers.get("Referer")
    if not source or source == "null":
        return False
    try:
        netloc = urlsplit(source).netloc
    except ValueError:
        return False
    return bool(host) and netloc.lower() == host.lower()


class JoinLimiter:
    """At most ``limit`` joins per client address in ``window_seconds`` (and a bounded table)."""

    def __init__(
        self, limit: int = 10, window_seconds: float = 60.0, *, clients: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:  # fmt: skip
        self.limit, self.window, self.clients, self._clock = limit, window_seconds, clients, clock
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def allow(self, client: str) -> bool:
        """Count one join of ``client``; False when it is over the limit."""
        now = self._clock()
        with self._lock:
            if len(self._hits) >= self.clients and client not in self._hits:
                for name in [c for c, hits in self._hits.items() if not hits or now - hits[-1] > self.window]:
                    del self._hits[name]
                if len(self._hits) >= self.clients:
                    return False
            hits = self._hits.setdefault(client, deque())
            while hits and now - hits[0] > self.window:
                hits.popleft()
            if len(hits) >= self.limit:
                return False
            hits.append(now)
            return True


_stores: dict[str, Any] = {}
_stores_lock = threading.Lock()


def _store_for(settings: Mapping[str, Any]) -> Any:
    """The server's store: ``settings["chansim_store"]`` (a Store), else one opened from ``$CHANSIM_STORE``."""
    given = settings.get("chansim_store")
    if given is not None:
        return given
    from chansim.store import Store, default_url

    url = default_url()
    with _stores_lock:
        if url not in _stores:
            _stores[url] = Store.open(url)
        return _stores[url]


_LIMITER = JoinLimiter()
#: the threads that run joins (the store is thread-safe; scrypt needs 16 MiB each)
_JOINS = concurrent.futures.ThreadPoolExecutor(max_workers=2, thread_name_prefix="chansim-join")

try:  # the handlers live in the web app of Voilà (a Jupyter server app)
    from jupyter_server.base.handlers import JupyterHandler as _Handler
except ImportError:  # pragma: no cover - chansim without the ui extra has no server at all
    _Handler = web.RequestHandler  # type: ignore[misc,assignment]


class _IdentityHandler(_Handler):  # type: ignore[misc,valid-type]
    """What both handlers share: same-origin POST only, behind the server's authentication."""

    def check_xsrf_cookie(self) -> None:
        """A form of this server's own page: Origin (else Referer) names the Host (instead of ``_xsrf``).

        The page is a Voilà page whose HTML is written in the kernel, which cannot know the
        browser's ``_xsrf`` value before the first request; a same-origin check is the OWASP
        alternative, with the SameSite=Lax cookie as the second line.
        """
        if not same_origin(self.request.headers, self.request.host):
            raise web.HTTPError(403, "chansim: a join or leave must come from a page of this server")

    def get(self, *args: Any) -> None:
        raise web.HTTPError(405)

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        """A plain page with the status and its reason, escaped (never a traceback, no template needed)."""
        reason = self._reason
        error = kwargs.get("exc_info", (None, None))[1]
        if isinstance(error, web.HTTPError) and error.log_message:
            reason = error.log_message
        self.set_header("Content-Type", "text/html; charset=UTF-8")
        self.set_header("Cache-Control", "no-store")
        self.finish(
            f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{status_code}</title></head>"
            f"<body><h1>{status_code}</h1><p>{html.escape(str(reason))}</p></body></html>"
        )

    def _lang(self) -> str:
        lang = self.get_body_argument("lang", "")[:8]
        return lang if _LANG.match(lang) else ""

    def _home(self, **query: str) -> str:
        from chansim.serve import HOME_NOTEBOOK

        params = {k: v for k, v in query.items() if v}
        tail = f"?{urlencode(params)}" if params else ""
        return f"{self.base_url}voila/render/{HOME_NOTEBOOK}{tail}"

    def _field(self, name: str) -> str:
        value = self.get_body_argument(name, "")
        if len(value) > FIELD_LIMIT:
            raise ValueError(name)
        return value


class JoinHandler(_IdentityHandler):
    """``POST /chansim/join``: the trainee's name (and PIN, workshop code) -> the session cookie."""

    limiter: JoinLimiter = _LIMITER

    @web.authenticated
    async def post(self) -> None:
        """Join (rate-limited, bounded fields), set the cookie, back to the home page (or say why not there)."""
        lang = self._lang()
        if not self.limiter.allow(self.request.remote_ip or "?"):
            self.redirect(self._home(lang=lang, join_error="too_many"), status=303)
            return
        try:
            name, pin, workshop = self._field("name"), self._field("pin"), self._field("workshop")
        except ValueError as error:
            self.redirect(self._home(lang=lang, join_error="pin" if str(error) == "pin" else "name"), status=303)
            return
        from chansim.store import StoreError

        try:
            store = _store_for(self.settings)
            # a PIN check is ~50 ms of scrypt: off the event loop, two at a time (the rest queue)
            trainee = await asyncio.get_running_loop().run_in_executor(
                _JOINS, lambda: store.join(name, pin=pin.strip() or None, workshop=workshop.strip() or None)
            )
        except StoreError as error:
            message = str(error).lower()
            code = "pin" if "pin" in message else "store" if _is_storage(message) else "name"
            log.info("chansim join refused (%s): %s", code, error)
            self.redirect(self._home(lang=lang, join_error=code), status=303)
            return
        except Exception:  # noqa: BLE001 - the trainee sees a message, the log the traceback
            log.exception("chansim join failed")
            self.redirect(self._home(lang=lang, join_error="refused"), status=303)
            return
        self.set_cookie(
            COOKIE, trainee.key, path=self.base_url, httponly=True, samesite="Lax",
            secure=self.request.protocol == "https", expires_days=COOKIE_DAYS,
        )  # fmt: skip
        self.redirect(self._home(lang=lang), status=303)


class LeaveHandler(_IdentityHandler):
    """``POST /chansim/leave``: the session cookie cleared (the games stay stored)."""

    @web.authenticated
    async def post(self) -> None:
        """Clear the session cookie and go back to the home page."""
        self.clear_cookie(COOKIE, path=self.base_url)
        self.redirect(self._home(lang=self._lang()), status=303)


def _is_storage(message: str) -> bool:
    return any(word in message for word in ("database", "locked", "permission", "corrupt", "schema", "driver"))


#: The handlers to add to the web app, as (pattern relative to the base URL, handler class).
HANDLERS: list[tuple[str, type]] = [
    (r"chansim/join", JoinHandler),
    (r"chansim/leave", LeaveHandler),
]
