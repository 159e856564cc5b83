"""A live class server for the security tests: ``chansim serve --require-token`` on 127.0.0.1.

The server is what a trainer starts on a LAN (token mandatory, Host allow-list), bound to
127.0.0.1 so the test exposes nothing. It serves a small folder made here: a home page that
waits for its request like chansim's pages do (so the preheated kernel asks the server for the
request through the gate), prints what its kernel received, and has a button whose callback
fails with a recognisable message.
"""

from __future__ import annotations

import base64
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "test-token-0123456789abcdefXYZ"
SECRET_DETAIL = "chansim-secret-detail-42"

HOME_CELLS = [
    # a preheated kernel waits here until a page is requested, then gets the request's environment
    "import os\nfrom chansim.ui.visitor import wait_for_request\nwait_for_request()",
    "print('QS=[' + os.environ.get('QUERY_STRING', '') + ']')\n"
    "print('COOKIE=[' + os.environ.get('HTTP_COOKIE', '') + ']')\n"
    "print('URL=[' + os.environ.get('VOILA_REQUEST_URL', '') + ']')",
    "import ipywidgets as w\n"
    "import traceback\n"
    "label = w.Label('ready', _dom_classes=['probe-label'])\n"
    "button = w.Button(description='fail')\n"
    "def boom(_):\n"
    "    label.value = 'clicked'\n"
    f"    raise RuntimeError('{SECRET_DETAIL}')\n"
    "button.on_click(boom)\n"
    "printer = w.Button(description='print-traceback')\n"
    "def printed(_):\n"
    "    try:\n"
    f"        raise ValueError('{SECRET_DETAIL}-printed')\n"
    "    except ValueError:\n"
    "        traceback.print_exc()\n"
    "    label.value = 'printed'\n"
    "printer.on_click(printed)\n"
    "slider = w.IntSlider(0)\n"
    "def observe(change):\n"
    "    label.value = 'observed'\n"
    f"    raise KeyError('{SECRET_DETAIL}-observed')\n"
    "slider.observe(observe, 'value')\n"
    "w.VBox([label, button, printer, slider])",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_notebooks(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(src) for src in HOME_CELLS]
    nbformat.write(nb, folder / "00-home.ipynb")
    return folder


@dataclass
class Server:
    port: int
    proc: subprocess.Popen
    log: Path

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")


def http(url: str, headers: dict[str, str] | None = None, timeout: float = 90) -> tuple[int, dict, str]:
    """GET ``url``: status, headers (lower-case names, Set-Cookie joined), body; no redirects followed."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):  # noqa: ANN002, ANN003
            return None

    opener = urllib.request.build_opener(NoRedirect)
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with opener.open(request, timeout=timeout) as response:
            return response.status, _headers(response.headers), response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        return error.code, _headers(error.headers), error.read().decode("utf-8", "replace")


def _headers(message) -> dict:  # noqa: ANN001
    out = {k.lower(): v for k, v in message.items()}
    out["set-cookie"] = "\n".join(message.get_all("Set-Cookie") or [])
    return out


def websocket_status(port: int, path: str, headers: dict[str, str] | None = None) -> int:
    """The status of a websocket handshake for ``path`` (101 = opened)."""
    key = base64.b64encode(os.urandom(16)).decode()
    lines = [
        f"GET {path} HTTP/1.1", f"Host: 127.0.0.1:{port}", "Upgrade: websocket", "Connection: Upgrade",
        f"Sec-WebSocket-Key: {key}", "Sec-WebSocket-Version: 13", f"Origin: http://127.0.0.1:{port}",
    ]  # fmt: skip
    lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
    with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
        s.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        status_line = s.recv(4096).split(b"\r\n", 1)[0].decode()
    return int(status_line.split()[1])


def start_server(folder: Path, log: Path, *args: str, env: dict[str, str] | None = None) -> Server:
    port = free_port()
    exe = Path(sys.executable).with_name("chansim")
    env = {"CHANSIM_STORE": f"sqlite:///{log.parent / 'store.db'}", **(env or {})}
    handle = open(log, "w")  # noqa: SIM115 - the child writes it; closed when the process ends
    proc = subprocess.Popen(
        [str(exe), "serve", "--port", str(port), "--notebooks", str(folder), *args],
        cwd=str(ROOT), stdout=handle, stderr=subprocess.STDOUT, env={**os.environ, "MPLBACKEND": "Agg", **env},
    )  # fmt: skip
    handle.close()
    server = Server(port, proc, log)
    end = time.monotonic() + 120
    while time.monotonic() < end:
        if proc.poll() is not None:
            pytest.fail(f"the server exited: {server.log_text()[-3000:]}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return server
        time.sleep(0.2)
    stop(server)
    pytest.fail(f"the server did not listen within 120 s: {server.log_text()[-3000:]}")


def stop(server: Server) -> None:
    server.proc.terminate()
    try:
        server.proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.proc.kill()
        server.proc.wait(timeout=10)


@pytest.fixture(scope="module")
def lan_server(tmp_path_factory):
    """``chansim serve --require-token`` (token from CHANSIM_TOKEN) on 127.0.0.1, preheated, pool of 1."""
    folder = make_notebooks(tmp_path_factory.mktemp("notebooks"))
    log = tmp_path_factory.mktemp("log") / "server.log"
    # every test page comes from this one client, and plain HTTP clients never close theirs:
    # no cap per client here (the caps have tests of their own)
    args = ["--require-token", "--pool-size", "1", "--max-kernels-per-client", "0"]
    server = start_server(folder, log, *args, env={"CHANSIM_TOKEN": TOKEN})
    try:
        yield server
    finally:
        stop(server)
        artifacts = ROOT / "test-artifacts"
        artifacts.mkdir(exist_ok=True)
        (artifacts / f"serve-security-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}.log").write_text(
            server.log_text()
        )


def descendants(pid: int) -> list[int]:
    """The process ids of every descendant of ``pid`` (read from /proc)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    out, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out
