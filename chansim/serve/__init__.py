"""``chansim serve``: the training app in Voilà, with defaults that are safe for a class.

Voilà serves the ``notebooks/`` folder on 127.0.0.1; the home page is
``/voila/render/00-home.ipynb``. Defaults: sources stripped, tracebacks hidden, no code
execution from the page (Voilà only accepts widget messages), one preheated kernel per
notebook so a page opens fast, idle kernels culled after an hour so a long workshop does
not run out of memory.
"""

from __future__ import annotations

import importlib.util
import os
import socket
import sys
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["HOME_NOTEBOOK", "ServeOptions", "ServeError", "find_notebooks", "port_is_free", "voila_command"]

HOME_NOTEBOOK = "00-home.ipynb"


class ServeError(ValueError):
    """Something the user gave ``chansim serve`` that cannot work; the message says what is allowed."""


@dataclass(frozen=True)
class ServeOptions:
    """The settings of a Voilà server for the exercises."""

    notebooks: Path
    port: int = 8866
    ip: str = "127.0.0.1"
    preheat: bool = True
    pool_size: int = 1
    language: str | None = None
    token: str | None = None
    cull_idle_seconds: int = 60
    cull_interval_seconds: int = 30
    max_kernels: int = 60
    max_kernels_per_client: int = 4
    timeout_seconds: int = 120
    show_tracebacks: bool = False
    extra: tuple[str, ...] = field(default_factory=tuple)

    @property
    def home_url(self) -> str:
        """The URL of the home page."""
        query = f"?lang={self.language}" if self.language else ""
        host = "127.0.0.1" if self.ip in ("0.0.0.0", "") else self.ip
        return f"http://{host}:{self.port}/voila/render/{HOME_NOTEBOOK}{query}"


def find_notebooks(given: str | os.PathLike[str] | None = None) -> Path:
    """The folder of exercise notebooks: ``given``, else ``./notebooks``, else the ones shipped with chansim.

    The shipped notebooks are package data of the installed wheel (``chansim/notebooks``),
    or the ``notebooks/`` folder of a source checkout (:func:`chansim.io.bundled_folder`).

    Raises:
        ServeError: when the folder does not exist or has no home notebook.

    """
    from chansim.io import bundled_folder

    candidates = [Path(given)] if given is not None else [Path.cwd() / "notebooks", bundled_folder("notebooks")]
    for path in candidates:
        if (path / HOME_NOTEBOOK).is_file():
            return path.resolve()
    if given is not None:
        raise ServeError(
            f"--notebooks {given}: no {HOME_NOTEBOOK} there; give the folder with the chansim exercise notebooks"
        )
    raise ServeError(
        f"cannot find the exercise notebooks (a notebooks/ folder with {HOME_NOTEBOOK}): the chansim installation "
        "is incomplete; reinstall it or give --notebooks DIR"
    )


def port_is_free(ip: str, port: int) -> bool:
    """Whether ``ip:port`` can be bound now."""
    with socket.socket() as s:
        try:
            s.bind((ip, port))
        except OSError:
            return False
    return True


def voila_command(options: ServeOptions) -> list[str]:
    """The ``voila`` command line for ``options``.

    Raises:
        ServeError: when Voilà is not installed.

    """
    if importlib.util.find_spec("voila") is None:
        raise ServeError(
            "Voila is not installed: install the app with  python3 -m pip install 'chansim[ui]'"
            "  (in a checkout: -e '.[ui]')"
        )
    # this interpreter's Voila: its kernels then run this Python and import this chansim (a
    # ``voila`` found on PATH may belong to another environment)
    cmd = [
        sys.executable,
        "-m",
        "voila",
        str(options.notebooks),
        "--no-browser",
        f"--port={options.port}",
        f"--Voila.ip={options.ip}",
        "--strip_sources=True",
        f"--show_tracebacks={options.show_tracebacks}",
        f"--VoilaExecutor.timeout={options.timeout_seconds}",
        f"--MappingKernelManager.cull_idle_timeout={options.cull_idle_seconds}",
        "--MappingKernelManager.cull_interval=300",
    ]
    if options.preheat:
        cmd += ["--preheat_kernel=True", f"--pool_size={options.pool_size}"]
    if options.token:
        cmd += [f"--token={options.token}"]
    return [*cmd, *options.extra]
