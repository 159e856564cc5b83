"""The join and leave handlers of the class server (chansim.serve.identity) on a live ``chansim serve``.

Two servers (with a store on a temp SQLite file): one on localhost without a token, one that
requires its token. Plain HTTP requests stand for the browser's form posts.
"""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import time
import urllib.parse

import pytest

from chansim.serve import ServeOptions
from chansim.serve.identity import COOKIE, HANDLERS, JOIN_ERRORS, JoinLimiter, same_origin, session_key
from chansim.store import Store
from chansim.ui.apps import base, home
from tests.ui.conftest import NOTEBOOKS, ROOT, _free_port


def test_session_key_parsing() -> None:
    key = "A" * 43
    assert session_key(f"a=1; {COOKIE}={key}; b=2") == key
    assert session_key("a=1") is None and session_key("") is None
    assert session_key(f"{COOKIE}=short") is None
    assert session_key(f'{COOKIE}="<script>alert(1)</script>xxxxxxxxxxxxxxx"') is None
    assert session_key('bad"cookie; ===') is None
    # the kernel side reads the same cookie (ui and serve do not import each other)
    assert base.COOKIE == COOKIE and base.session_key(f"x=1; {COOKIE}={key}") == key
    assert home.JOIN_ERRORS == JOIN_ERRORS


def test_same_origin() -> None:
    assert same_origin({"Origin": "http://h:1"}, "h:1")
    assert same_origin({"Referer": "http://h:1/voila/render/00-home.ipynb"}, "H:1")
    assert not same_origin({"Origin": "http://evil:1"}, "h:1")
    assert not same_origin({"Origin": "null"}, "h:1")
    assert not same_origin({}, "h:1")
    assert not same_origin({"Origin": "http://evil", "Referer": "http://h:1/"}, "h:1")  # Origin wins


def test_join_limiter_counts_per_client_in_a_window() -> None:
    now = [0.0]
    limiter = JoinLimiter(limit=3, window_seconds=60, clients=2, clock=lambda: now[0])
    assert [limiter.allow("a") for _ in range(4)] == [True, True, True, False]
    assert limiter.allow("b")
    assert not limiter.allow("c")  # the table is full of live clients
    now[0] = 61.0
    assert limiter.allow("a") and limiter.allow("c")  # the window moved on; old clients were dropped


def test_handlers_are_exported_for_the_launcher() -> None:
    assert [pattern for pattern, _ in HANDLERS] == ["chansim/join", "chansim/leave"]


def _serve(tmp_path, *, token: str | None = None):
    port = _free_port()
    db = tmp_path / "class.db"
    options = ServeOptions(notebooks=NOTEBOOKS, port=port, preheat=False, store=f"sqlite:///{db}", token=token)
    from chansim.serve.launcher import spawn

    log = open(tmp_path / "serve.log", "w")  # noqa: SIM115 - closed by the fixture
    env = {**os.environ, "MPLBACKEND": "Agg", "PYTHONPATH": str(ROOT)}
    proc = spawn(options, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=str(ROOT))
    end = time.monotonic() + 90
    while time.monotonic() < end:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                break
        if proc.poll() is not None:
            pytest.fail((tmp_path / "serve.log").read_text()[-2000:])
        time.sleep(0.1)
    return proc, port, db, log


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("identity")
    proc, port, db, log = _serve(tmp)
    yield port, db
    proc.terminate()
    proc.wait(timeout=30)
    log.close()


def post(port: int, path: str, fields: dict[str, str], **headers: str):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"Host": f"127.0.0.1:{port}", "Content-Type": "application/x-www-form-urlencoded", **headers}
    conn.request("POST", path, urllib.parse.urlencode(fields), headers)
    response = conn.getresponse()
    body = response.read().decode("utf-8", "replace")
    cookies = [v for k, v in response.getheaders() if k.lower() == "set-cookie" and v.startswith(COOKIE)]
    return response.status, response.getheader("Location"), cookies, body


def test_join_sets_an_httponly_lax_cookie_and_goes_home(server) -> None:
    port, db = server
    origin = f"http://127.0.0.1:{port}"
    status, location, cookies, _ = post(port, "/chansim/join", {"name": "Ann", "lang": "zh_CN"}, Origin=origin)
    assert status == 303 and location == "/voila/render/00-home.ipynb?lang=zh_CN"
    (cookie,) = cookies
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/" in cookie
    key = cookie.split(";")[0].split("=", 1)[1]
    with Store.open(f"sqlite:///{db}") as store:
        assert store.trainee(key).name == "Ann"
    # leave clears it
    status, location, cookies, _ = post(port, "/chansim/leave", {"lang": "en_US"}, Referer=origin + "/voila/")
    assert status == 303 and location.endswith("?lang=en_US")
    assert cookies and cookies[0].startswith(f'{COOKIE}=""') and "expires" in cookies[0].lower()


@pytest.mark.parametrize(
    "headers",
    [{}, {"Origin": "http://evil.example"}, {"Referer": "http://evil.example/x"}, {"Origin": "null"}],
    ids=["no-origin", "other-origin", "other-referer", "null-origin"],
)
def test_a_join_from_another_site_is_refused(server, headers) -> None:
    port, db = server
    status, _, cookies, body = post(port, "/chansim/join", {"name": "Mallory<script>", "lang": "en_US"}, **headers)
    assert status == 403 and not cookies
    assert "<script>" not in body and "Traceback" not in body
    with Store.open(f"sqlite:///{db}") as store:
        assert all(t.name != "Mallory<script>" for t in store.trainees())


def test_a_refused_join_names_the_problem_without_reflecting_input(server) -> None:
    port, _ = server
    origin = f"http://127.0.0.1:{port}"
    status, location, cookies, _ = post(port, "/chansim/join", {"name": "x" * 41, "lang": 'x"><img>'}, Origin=origin)
    assert status == 303 and location == "/voila/render/00-home.ipynb?join_error=name" and not cookies
    post(port, "/chansim/join", {"name": "Pia", "pin": "4711", "lang": "en_US"}, Origin=origin)
    status, location, cookies, _ = post(port, "/chansim/join", {"name": "pia", "pin": "0000"}, Origin=origin)
    assert location.endswith("join_error=pin") and not cookies
    status, location, cookies, _ = post(port, "/chansim/join", {"name": "x" * 5000}, Origin=origin)
    assert location.endswith("join_error=name") and not cookies


def test_get_is_not_a_join(server) -> None:
    port, _ = server
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request("GET", "/chansim/join?name=Ann", headers={"Host": f"127.0.0.1:{port}"})
    response = conn.getresponse()
    assert response.status == 405
    assert not [v for k, v in response.getheaders() if k.lower() == "set-cookie" and v.startswith(COOKIE)]


def test_joins_are_rate_limited(server) -> None:
    port, _ = server
    origin = f"http://127.0.0.1:{port}"
    locations = [post(port, "/chansim/join", {"name": f"Rate {i}"}, Origin=origin)[1] for i in range(12)]
    assert locations[-1].endswith("join_error=too_many")  # ten joins a minute from one address


def test_a_server_with_a_token_refuses_a_join_without_it(tmp_path) -> None:
    token = "t0ken-" + "x" * 20
    proc, port, db, log = _serve(tmp_path, token=token)
    try:
        origin = f"http://127.0.0.1:{port}"
        status, _, cookies, _ = post(port, "/chansim/join", {"name": "Ann"}, Origin=origin)
        assert status == 403 and not cookies
        status, location, cookies, _ = post(port, f"/chansim/join?token={token}", {"name": "Ann"}, Origin=origin)
        assert status == 303 and cookies and token not in location
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()
