"""A LAN-style server (token required, Host allow-list) refuses what it must, over HTTP and websockets.

The server is ``chansim serve --require-token`` bound to 127.0.0.1 (see conftest.py): the same
gate as ``--public``, without exposing this machine.
"""

from __future__ import annotations

import html
import re
import time
import urllib.parse
from pathlib import Path

from .conftest import SECRET_DETAIL, TOKEN, descendants, http, websocket_status

HOME = "/voila/render/00-home.ipynb"
XSS = 'x"><img src=x onerror=alert(1)>'


def _cookie(headers: dict) -> str:
    match = re.search(r"(chansim_auth_\d+=[0-9a-f]+)", headers["set-cookie"])
    assert match, f"no auth cookie in {headers['set-cookie']!r}"
    return match.group(1)


def _kernel_ids(server) -> list[str]:
    return re.findall(r"Kernel started: ([0-9a-f-]{36})", server.log_text())


def _wait_for(predicate, what: str, timeout: float = 90) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}")


def test_without_the_token_every_kind_of_request_gets_a_plain_403(lan_server):
    base = lan_server.base
    _wait_for(lambda: _kernel_ids(lan_server), "a preheated kernel")
    kernel = _kernel_ids(lan_server)[0]
    for path in [HOME, "/", "/voila/tree", f"/api/kernels/{kernel}", "/voila/static/voila.js", "/login",
                 "/voila/api/contents/", f"{HOME}?token=wrong-token-0123456789"]:  # fmt: skip
        status, headers, body = http(base + path)
        assert status == 403, (path, status)
        assert "<form" not in body.lower() and "password" not in body.lower(), path
        assert "set-cookie" not in headers or "chansim_auth" not in headers["set-cookie"]
    # websockets: Voila's request-info socket (it hands out the page's request headers) and the kernel's
    assert websocket_status(lan_server.port, f"/voila/query/{kernel}") == 403
    assert websocket_status(lan_server.port, f"/api/kernels/{kernel}/channels") == 403
    assert websocket_status(lan_server.port, f"/chansim-kernel/not-the-key/voila/query/{kernel}") == 403
    assert websocket_status(lan_server.port, "/voila/query/x", {"Cookie": "chansim_auth_1=0000"}) == 403


def test_with_the_token_pages_then_the_cookie_are_accepted(lan_server):
    base = lan_server.base
    status, headers, body = http(f"{base}{HOME}?lang=en_US&token={TOKEN}")
    assert status == 200
    assert "application/vnd.jupyter.widget-view+json" in body
    cookie = _cookie(headers)
    assert TOKEN not in cookie and "HttpOnly" in headers["set-cookie"] and "SameSite=Lax" in headers["set-cookie"]
    assert headers["referrer-policy"] == "same-origin", "the URL with the token must not leave as a Referer"
    # the preheated kernel of the page got the request (through the gate, under its own key: it
    # has no token), without the token
    assert "QS=[lang=en_US]" in body, "the kernel did not get its request, or got the token with it"
    assert TOKEN not in body
    # the cookie alone is enough afterwards, for pages and websockets; it reaches no kernel
    status, _, body = http(f"{base}{HOME}?lang=zh_CN", {"Cookie": f"{cookie}; chansim_trainee=abc"})
    assert status == 200
    assert "QS=[lang=zh_CN]" in body and "COOKIE=[chansim_trainee=abc]" in body
    assert "chansim_auth" not in body
    ws = websocket_status(lan_server.port, "/voila/query/00000000-0000-0000-0000-000000000000", {"Cookie": cookie})
    assert ws == 101
    status, _, _ = http(f"{base}/voila/tree", {"Authorization": f"token {TOKEN}"})
    assert status == 200


def test_a_host_outside_the_allow_list_is_refused(lan_server):
    for host in ["evil.example", "evil.example:8866", "127.0.0.1.nip.io", "[::2]", "localhost:80:80", "<script>"]:
        status, _, body = http(f"{lan_server.base}{HOME}?token={TOKEN}", {"Host": host})
        # tornado answers 400 itself to a Host header that is not a host name at all
        assert status == (400 if host == "<script>" else 403), host
        assert "<script>" not in body and "evil" not in body
    for host in ["localhost", f"127.0.0.1:{lan_server.port}", f"LOCALHOST:{lan_server.port}"]:
        status, _, _ = http(f"{lan_server.base}/voila/tree?token={TOKEN}", {"Host": host})
        assert status == 200, host


def test_the_theme_payload_is_not_reflected(lan_server):
    query = urllib.parse.urlencode({"token": TOKEN, "theme": XSS})
    status, _, body = http(f"{lan_server.base}{HOME}?{query}")
    assert status == 200
    assert "onerror=alert(1)" not in body and "onerror" not in html.unescape(body)
    assert 'class="jp-Notebook theme-light"' in body


def test_a_template_override_is_ignored_and_served_by_a_preheated_kernel(lan_server):
    def used() -> int:
        return lan_server.log_text().count("Using pre-heated kernel")

    _wait_for(lambda: "Kernel pool of 00-home.ipynb is filled" in lan_server.log_text(), "the pool")
    before = used()
    status, _, body = http(f"{lan_server.base}{HOME}?token={TOKEN}&template=python")
    assert status == 200
    assert "application/vnd.jupyter.widget-view+json" in body and "jp-Notebook" in body
    assert "<script>window.voila_heartbeat()</script>" not in body
    # Voila starts a kernel of its own for any ?template= it has not preheated; stripped, the pool serves it
    assert used() == before + 1


def test_the_token_is_on_no_command_line_and_in_no_kernel_environment(lan_server):
    _wait_for(lambda: _kernel_ids(lan_server), "a kernel")
    kernels = [pid for pid in descendants(lan_server.proc.pid) if b"ipykernel" in _read(pid, "cmdline")]
    assert kernels, "no kernel process found under the server"
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            assert TOKEN.encode() not in _read(int(entry.name), "cmdline"), (
                f"the token is on the command line of {entry.name}"
            )
    for pid in kernels:
        environ = _read(pid, "environ")
        assert environ, f"cannot read the environment of kernel {pid}"
        assert TOKEN.encode() not in environ and b"CHANSIM_TOKEN" not in environ


def test_the_xss_payload_does_not_run_in_chromium(lan_server, browser):
    dialogs: list[str] = []
    page = browser.new_page()
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    query = urllib.parse.urlencode({"token": TOKEN, "theme": XSS, "template": "python"})
    try:
        page.goto(f"{lan_server.base}{HOME}?{query}", timeout=90_000)
        page.wait_for_selector(".probe-label", timeout=90_000)
        page.wait_for_timeout(1000)
        content = page.content()
    finally:
        page.close()
    assert not dialogs, f"a dialog fired: {dialogs}"
    assert "onerror=alert(1)" not in content and "onerror" not in content


def test_no_traceback_reaches_the_browser(lan_server, browser):
    frames: list[str] = []
    dialogs: list[str] = []
    page = browser.new_page()
    page.on("websocket", lambda ws: ws.on("framereceived", lambda payload: frames.append(_text(payload))))
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    query = urllib.parse.urlencode({"token": TOKEN, "theme": XSS})
    try:
        page.goto(f"{lan_server.base}{HOME}?{query}", timeout=90_000)
        page.wait_for_selector(".probe-label", timeout=90_000)
        page.click("button:has-text('fail')")
        page.wait_for_selector(".probe-label:has-text('clicked')", timeout=60_000)
        page.click("button:has-text('print-traceback')")
        page.wait_for_selector(".probe-label:has-text('printed')", timeout=60_000)
        page.focus(".widget-slider .noUi-handle")
        page.keyboard.press("ArrowRight")
        page.wait_for_selector(".probe-label:has-text('observed')", timeout=60_000)
        page.wait_for_timeout(2000)  # let the error messages that follow the label update arrive
        content = page.content()
        text = page.inner_text("body")
    finally:
        page.close()
    assert not dialogs, f"a dialog fired: {dialogs}"
    assert "onerror=alert(1)" not in content
    assert frames, "no websocket frame was seen"
    leaked = [f for f in frames if SECRET_DETAIL in f or "Traceback" in f]
    assert not leaked, f"a traceback reached the browser: {leaked[0][:500]}"
    assert SECRET_DETAIL not in text and "Traceback" not in text
    # the errors did happen: their details are in the server's log
    log = lan_server.log_text()
    assert SECRET_DETAIL in log and f"{SECRET_DETAIL}-printed" in log


def _text(payload) -> str:  # noqa: ANN001
    return payload.decode("utf-8", "replace") if isinstance(payload, bytes) else payload


def _read(pid: int, name: str) -> bytes:
    try:
        return Path(f"/proc/{pid}/{name}").read_bytes()
    except OSError:
        return b""
