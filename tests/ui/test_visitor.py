"""chansim.ui.visitor: a preheated kernel learns its visitor's request over Voilà's query websocket."""

from __future__ import annotations

import json
import subprocess
import sys
import threading

import pytest
from websockets.sync.server import serve

from chansim.ui.visitor import query_url, wait_for_request


@pytest.fixture
def query_server():
    """A websocket server that answers a connection to /voila/query/<kernel> with request details."""
    seen: list[str] = []

    def handler(websocket):
        seen.append(websocket.request.path)
        websocket.send(json.dumps({"QUERY_STRING": "lang=zh_CN&x=1", "SCRIPT_NAME": "/voila/render/a.ipynb"}))

    with serve(handler, "127.0.0.1", 0) as server:
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        yield server.socket.getsockname()[1], seen
        server.shutdown()
    thread.join(5)


def test_the_url_is_built_from_voilas_environment():
    env = {"VOILA_APP_IP": "10.0.0.5", "VOILA_APP_PORT": "8899", "VOILA_WS_BASE_URL": "/k/", "VOILA_KERNEL_ID": "k1"}
    assert query_url(env) == "ws://10.0.0.5:8899/k/voila/query/k1"
    assert (
        query_url({"VOILA_SERVER_URL": "/base/", "VOILA_KERNEL_ID": "k2"}) == "ws://127.0.0.1:8866/base/voila/query/k2"
    )


def test_a_preheated_kernel_gets_the_visitors_query_string(query_server, monkeypatch):
    port, seen = query_server
    monkeypatch.setenv("VOILA_PREHEAT", "True")
    monkeypatch.setenv("VOILA_APP_PORT", str(port))
    monkeypatch.setenv("VOILA_WS_BASE_URL", "/")
    monkeypatch.setenv("VOILA_KERNEL_ID", "kernel-7")
    monkeypatch.setenv("QUERY_STRING", "")
    monkeypatch.setenv("SCRIPT_NAME", "")
    details = wait_for_request()
    assert details == {"QUERY_STRING": "lang=zh_CN&x=1", "SCRIPT_NAME": "/voila/render/a.ipynb"}
    import os

    assert os.environ["QUERY_STRING"] == "lang=zh_CN&x=1"
    assert seen == ["/voila/query/kernel-7"]


def test_outside_a_preheated_kernel_nothing_is_waited_for(monkeypatch):
    monkeypatch.setenv("VOILA_PREHEAT", "False")
    monkeypatch.setenv("VOILA_APP_PORT", "1")  # nothing listens there: a wait would fail
    assert wait_for_request() is None


def test_an_unreachable_server_warns_and_leaves_the_environment(monkeypatch):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        free = s.getsockname()[1]
    monkeypatch.setenv("VOILA_PREHEAT", "True")
    monkeypatch.setenv("QUERY_STRING", "lang=en_US")
    with pytest.warns(UserWarning, match="could not reach the Voila server"):
        assert wait_for_request(f"ws://127.0.0.1:{free}/voila/query/x", connect_seconds=1.5) is None
    import os

    assert os.environ["QUERY_STRING"] == "lang=en_US"


def test_a_server_that_is_slow_to_listen_is_waited_for(monkeypatch):
    """Voilà tries once for 5 s; under load the kernel must keep trying (else: no query string, no cookie)."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("VOILA_PREHEAT", "True")

    def handler(websocket):
        websocket.send(json.dumps({"QUERY_STRING": "lang=zh_CN"}))

    def late_server(ready: threading.Event):
        import time

        time.sleep(1.5)  # the kernel's first attempts are refused
        with serve(handler, "127.0.0.1", port) as server:
            ready.set()
            server.serve_forever()

    ready = threading.Event()
    threading.Thread(target=late_server, args=(ready,), daemon=True).start()
    details = wait_for_request(f"ws://127.0.0.1:{port}/voila/query/k", connect_seconds=20)
    assert ready.is_set()
    assert details == {"QUERY_STRING": "lang=zh_CN"}


def test_a_refused_query_socket_is_not_retried(monkeypatch):
    import time

    from websockets.sync.server import serve as serve_ws

    def refuse(connection, request):
        return connection.respond(404, "no such kernel\n")

    monkeypatch.setenv("VOILA_PREHEAT", "True")
    with serve_ws(lambda ws: None, "127.0.0.1", 0, process_request=refuse) as server:
        threading.Thread(target=server.serve_forever, daemon=True).start()
        port = server.socket.getsockname()[1]
        t0 = time.monotonic()
        with pytest.warns(UserWarning, match="could not reach"):
            assert wait_for_request(f"ws://127.0.0.1:{port}/voila/query/k", connect_seconds=30) is None
        assert time.monotonic() - t0 < 10
        server.shutdown()


def test_the_wait_imports_neither_voila_nor_the_jupyter_server():
    code = (
        "import sys, os, warnings; warnings.simplefilter('ignore')\n"
        "os.environ.update(VOILA_PREHEAT='True', VOILA_APP_PORT='1', VOILA_KERNEL_ID='x')\n"
        "import chansim.ui.visitor as v; v.CONNECT_SECONDS = 1.0\n"
        "from chansim.ui.widgets import initial_language; initial_language()  # the wait, its imports, a refusal\n"
        "bad = [m for m in ('voila', 'jupyter_server', 'jupyterlab_server') if m in sys.modules]\n"
        "print(bad)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
