"""Helpers of the live server tests: a ``chansim serve`` child process, its kernels, Chromium.

Kernels are counted as the server process's children running ``ipykernel`` (``/proc``): Voilà
has no kernel list endpoint, and a process that exists is what costs memory.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
_FILLED = re.compile(r"Kernel pool of (\S+) is filled")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def kernel_pids(server_pid: int) -> set[int]:
    """The live kernel processes of the server ``server_pid``."""
    pids = set()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            if ppid != server_pid:
                continue
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                if b"ipykernel" in f.read():
                    pids.add(int(entry))
        except (OSError, ValueError, IndexError):
            continue
    return pids


def _start_time(pid: int) -> str | None:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return None


def rss_mb(pid: int) -> float:
    """Resident memory of ``pid`` in MiB (0 when it is gone)."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def wait_until(predicate: Callable[[], Any], timeout: float, what: str, every: float = 0.5) -> Any:
    """Poll ``predicate`` until it is truthy (returned) or fail after ``timeout`` seconds naming ``what``."""
    end = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > end:
            pytest.fail(f"timed out after {timeout:.0f} s waiting for {what} (last: {value!r})")
        time.sleep(every)


def copy_notebooks(target: Path, names: list[str]) -> Path:
    target.mkdir(parents=True, exist_ok=True)
    for name in names:
        shutil.copy(NOTEBOOKS / name, target / name)
    return target


class Server:
    """A running server: ``url``, ``proc``, ``log`` (its output so far), kernel counting."""

    def __init__(self, proc: subprocess.Popen[bytes], port: int, log_path: Path) -> None:
        self.proc, self.port, self.log_path = proc, port, log_path
        self.url = f"http://127.0.0.1:{port}"

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def kernels(self) -> set[int]:
        return kernel_pids(self.proc.pid)

    def filled_pools(self) -> set[str]:
        return set(_FILLED.findall(self.log()))


@contextmanager
def serve(options: Any, log_path: Path, env: dict[str, str] | None = None) -> Iterator[Server]:
    """Run ``options`` with :func:`chansim.serve.launcher.spawn`; stop it and its kernels afterwards.

    Without ``options.store`` the server stores decisions in an SQLite file next to ``log_path``.
    """
    import dataclasses

    from chansim.serve.launcher import spawn

    if options.store is None:  # a store of the test's own, never the user's default one
        options = dataclasses.replace(options, store=f"sqlite:///{log_path.parent / 'store.db'}")
    log = open(log_path, "wb")  # noqa: SIM115 - closed below
    full_env = {**os.environ, "PYTHONPATH": str(ROOT), "MPLBACKEND": "Agg", **(env or {})}
    proc = spawn(options, stdout=log, stderr=subprocess.STDOUT, env=full_env, cwd=str(ROOT))
    server = Server(proc, options.port, log_path)
    seen: dict[int, str | None] = {}

    def remember() -> None:
        for pid in server.kernels():
            seen.setdefault(pid, _start_time(pid))

    try:

        def listening() -> bool:
            if proc.poll() is not None:
                pytest.fail(f"the server exited ({proc.returncode}): {server.log()[-3000:]}")
            with socket.socket() as s:
                return s.connect_ex(("127.0.0.1", options.port)) == 0

        wait_until(listening, 120, "the server to listen")
        yield server
    finally:
        remember()
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        for pid, started in seen.items():  # kernels this test's server started that outlived it
            if started is not None and _start_time(pid) == started:  # the same process, not a reused pid
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
        log.close()
