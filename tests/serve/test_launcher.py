"""The launcher without a live server: options resolved, the gate's decisions, the hooks, bad flags."""

from __future__ import annotations

import importlib.machinery
import shutil
import socket
import sys
import types
from pathlib import Path

import pytest
import tornado.web
from click.testing import CliRunner
from tornado import httputil

from chansim.cli import cli
from chansim.serve import MIN_TOKEN_LENGTH, ServeError, ServeOptions, allowed_hosts, check_host_name, launcher, resolve

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
TOKEN = "a-token-of-24-characters"


def _request(uri: str, headers: dict[str, str] | None = None, version: str = "HTTP/1.1") -> httputil.HTTPServerRequest:
    start = httputil.RequestStartLine("GET", uri, version)
    return httputil.HTTPServerRequest(start_line=start, headers=httputil.HTTPHeaders(headers or {}))


def _gate(**kw) -> launcher.Gate:
    return launcher.Gate(resolve(ServeOptions(notebooks=NOTEBOOKS, port=8866, **kw), check_port=False))


# ---- options -------------------------------------------------------------------------------


def test_loopback_needs_no_token_unless_asked():
    assert resolve(ServeOptions(notebooks=NOTEBOOKS), check_port=False).token is None
    asked = resolve(ServeOptions(notebooks=NOTEBOOKS, require_token=True), check_port=False)
    assert asked.token and len(asked.token) >= MIN_TOKEN_LENGTH
    assert asked.share_url.endswith(f"?token={asked.token}") and asked.share_url.startswith("http://127.0.0.1:")


def test_public_means_a_generated_token_and_this_machines_names():
    options = resolve(ServeOptions(notebooks=NOTEBOOKS, public=True, ip="0.0.0.0"), check_port=False)
    assert options.bind_ip == "0.0.0.0" and options.token_required
    assert options.token and len(options.token) >= MIN_TOKEN_LENGTH
    assert socket.gethostname().lower() in options.allow_hosts
    assert {"localhost", "127.0.0.1", "::1"} <= set(options.allow_hosts)
    assert "0.0.0.0" not in options.share_url and f"token={options.token}" in options.share_url
    again = resolve(ServeOptions(notebooks=NOTEBOOKS, public=True, ip="0.0.0.0"), check_port=False)
    assert again.token != options.token


def test_allow_hosts_are_normalised():
    assert check_host_name("Class.Example.ORG.") == "class.example.org"
    assert check_host_name("[::1]") == "::1"
    hosts = allowed_hosts(ServeOptions(notebooks=NOTEBOOKS, allow_hosts=("Trainer-PC",)))
    assert hosts[:3] == ("localhost", "127.0.0.1", "::1") and "trainer-pc" in hosts


def test_options_round_trip_through_json_without_the_token():
    options = ServeOptions(notebooks=NOTEBOOKS, port=9000, token=TOKEN, allow_hosts=("a",), store="sqlite:///x.db")
    text = options.to_json()
    assert TOKEN not in text
    back = ServeOptions.from_json(text)
    assert back.port == 9000 and back.allow_hosts == ("a",) and back.store == "sqlite:///x.db" and back.token is None
    with pytest.raises(ServeError, match="unknown server options: bogus"):
        ServeOptions.from_json('{"notebooks": "x", "bogus": 1}')
    assert TOKEN not in repr(options)


# ---- the gate ------------------------------------------------------------------------------


def test_the_gate_takes_token_theme_and_template_out_of_the_request():
    gate = _gate(token=TOKEN)
    uri = f"/voila/render/00-home.ipynb?lang=zh_CN&token={TOKEN}&theme=dark&template=python"
    request = _request(uri, {"Host": "localhost:8866", "Cookie": "a=1; chansim_auth_8866=zz; chansim_trainee=k"})
    assert gate.refusal(request) is None
    assert request.query == "lang=zh_CN" and request.uri == "/voila/render/00-home.ipynb?lang=zh_CN"
    assert set(request.arguments) == {"lang"} and set(request.query_arguments) == {"lang"}
    assert request.headers["Cookie"] == "a=1; chansim_trainee=k"
    assert request in gate.fresh, "a request that gave the token gets the auth cookie"


def test_the_gate_refuses_without_token_and_accepts_the_cookie_or_header():
    gate = _gate(token=TOKEN)
    assert "needs its token" in gate.refusal(_request("/", {"Host": "localhost"}))
    assert "needs its token" in gate.refusal(_request("/?token=wrong", {"Host": "localhost"}))
    assert "needs its token" in gate.refusal(_request("/", {"Host": "localhost", "Cookie": "chansim_auth_8866=bad"}))
    cookie = f"chansim_auth_8866={launcher.auth_cookie_value(TOKEN)}"
    with_cookie = _request("/", {"Host": "localhost", "Cookie": cookie})
    assert gate.refusal(with_cookie) is None and "Cookie" not in with_cookie.headers
    header = _request("/", {"Host": "localhost", "Authorization": f"token {TOKEN}"})
    assert gate.refusal(header) is None and "Authorization" not in header.headers
    assert launcher.auth_cookie_value(TOKEN) != TOKEN and TOKEN not in gate.set_cookie_header()


def test_the_gate_checks_the_host_first():
    gate = _gate()
    assert gate.refusal(_request("/", {"Host": "127.0.0.1:8866"})) is None
    assert gate.refusal(_request("/", {"Host": "[::1]:8866"})) is None
    for host in ["evil.example", "localhost.evil.example", "127.0.0.2", "localhost:8866:1", "[::1", ""]:
        assert "host name" in gate.refusal(_request("/", {"Host": host})), host
    # HTTP/1.0 needs no Host (tornado then assumes 127.0.0.1): refused all the same
    assert "host name" in gate.refusal(_request("/", {}, version="HTTP/1.0"))


def test_kernels_reach_the_request_info_socket_only_with_their_key():
    gate = _gate(token=TOKEN)
    prefix = gate.kernel_environment()["VOILA_WS_BASE_URL"]
    assert prefix.startswith(launcher.KERNEL_PREFIX) and TOKEN not in prefix
    ok = _request(f"{prefix}voila/query/abc", {"Host": "127.0.0.1:8866"})
    assert gate.refusal(ok) is None and ok.path == "/voila/query/abc"
    assert gate.refusal(_request(f"{launcher.KERNEL_PREFIX}wrong/voila/query/abc", {"Host": "127.0.0.1"}))
    assert gate.refusal(_request(f"{prefix}voila/render/00-home.ipynb", {"Host": "127.0.0.1"}))


def test_the_refusal_page_is_plain_and_escaped():
    app = tornado.web.Application()
    request = _request("/", {"Host": "x"})
    request.connection = types.SimpleNamespace(set_close_callback=lambda cb: None, context=None)
    handler = launcher.RefusedHandler(app, request, reason="<b>x</b>")
    chunks: list[bytes] = []
    handler.flush = lambda *a, **k: None  # type: ignore[method-assign]
    handler.write = lambda chunk: chunks.append(chunk.encode() if isinstance(chunk, str) else chunk)  # type: ignore[method-assign]
    handler.finish = lambda chunk=None: chunks.append(chunk.encode())  # type: ignore[method-assign]
    handler.prepare()
    body = b"".join(chunks).decode()
    assert handler.get_status() == 403 and "&lt;b&gt;x&lt;/b&gt;" in body and "<b>" not in body
    assert "<form" not in body


# ---- hooks ---------------------------------------------------------------------------------


class _Join(tornado.web.RequestHandler):
    pass


def _fake_module(name: str, **attrs) -> types.ModuleType:
    module = types.ModuleType(name)
    module.__spec__ = importlib.machinery.ModuleSpec(name, None)
    for key, value in attrs.items():
        setattr(module, key, value)
    return module


def test_the_hooks_of_kernels_and_identity_are_called(monkeypatch, tmp_path):
    calls = []
    kernels = _fake_module(
        "chansim.serve.kernels",
        install=lambda app, options: calls.append(("install", app, options)),
        configure=lambda config, options: calls.append(("configure", config, options)),
    )
    identity = _fake_module("chansim.serve.identity", HANDLERS=[("/chansim/join", _Join)])
    monkeypatch.setitem(sys.modules, "chansim.serve.kernels", kernels)
    monkeypatch.setitem(sys.modules, "chansim.serve.identity", identity)
    monkeypatch.setattr(launcher.ChansimVoila, "listen", lambda self: None)
    monkeypatch.setenv("VOILA_WS_BASE_URL", "")  # start() sets it; monkeypatch restores it
    options = resolve(ServeOptions(notebooks=NOTEBOOKS, preheat=False, port=8899), check_port=False)
    app = launcher.make_app(options)
    try:
        app.start()
        assert [c[0] for c in calls] == ["configure", "install"]
        assert calls[1][1] is app.app and calls[1][2] == options
        assert app.app.settings["chansim_options"] == options and app.app.settings["voila"] is app
        delegate = app.app.find_handler(_request("/chansim/join", {"Host": "localhost"}))
        assert delegate.handler_class is _Join
        refused = app.app.find_handler(_request("/chansim/join", {"Host": "evil.example"}))
        assert refused.handler_class is launcher.RefusedHandler
    finally:
        shutil.rmtree(app.connection_dir, ignore_errors=True)


# ---- bad flags -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--ip", "10.255.255.254"], "--ip 10.255.255.254: not an address of this machine"),
        (["--ip", "my laptop"], "--ip 'my laptop': not an IP address"),
        (["--public", "--ip", "127.0.0.2"], "--public and --ip 127.0.0.2: give one of them"),
        (["--allow-host", "bad host!"], "--allow-host 'bad host!': not a host name"),
        (["--allow-host", "-x.org"], "--allow-host '-x.org': not a host name"),
        (["--token", "short"], f"give at least {MIN_TOKEN_LENGTH} printable characters"),
        (["--token", "   "], "--token (or CHANSIM_TOKEN): empty"),
        (["--token", "with spaces in the middle"], "too short or has spaces"),
        (["--token-file", "/nonexistent/token"], "--token-file /nonexistent/token: cannot read it"),
        (["--token-file", "/"], "--token-file /: cannot read it"),
        (["--token", TOKEN, "--token-file", "/x"], "--token and --token-file: give one of them"),
    ],
)
def test_bad_flags_exit_2_with_one_line(args, needle):
    result = CliRunner().invoke(cli, ["serve", "--dry-run", "--notebooks", str(NOTEBOOKS), *args])
    assert result.exit_code == 2, result.output
    assert needle in result.output
    assert "Traceback" not in result.output and len(result.output.strip().splitlines()) == 1


def test_a_short_token_from_the_environment_or_an_empty_file_is_refused(tmp_path):
    result = CliRunner().invoke(cli, ["serve", "--dry-run"], env={"CHANSIM_TOKEN": "short"})
    assert result.exit_code == 2 and "CHANSIM_TOKEN" in result.output
    empty = tmp_path / "token"
    empty.write_text("\n")
    result = CliRunner().invoke(cli, ["serve", "--dry-run", "--token-file", str(empty)])
    assert result.exit_code == 2 and f"--token-file {empty}: empty" in result.output


def test_the_token_file_is_read_and_never_printed(tmp_path):
    file = tmp_path / "token"
    file.write_text(TOKEN + "\n")
    result = CliRunner().invoke(cli, ["serve", "--dry-run", "--token-file", str(file)])
    assert result.exit_code == 0, result.output
    assert TOKEN not in result.output and "token=<redacted>" in result.output


def test_public_warns_what_is_exposed_and_prints_the_url_with_its_token(monkeypatch, tmp_path):
    seen = []
    monkeypatch.setattr(launcher, "run", lambda options, store=None: (seen.append(options), store.close()))
    db = tmp_path / "class.db"
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    result = CliRunner().invoke(cli, ["serve", "--public", "--port", str(port), "--store", f"sqlite:///{db}"])
    assert result.exit_code == 0, result.output + result.stderr
    (options,) = seen
    assert options.bind_ip == "0.0.0.0" and options.token and len(options.token) >= MIN_TOKEN_LENGTH
    assert f"?token={options.token}" in result.stdout and f":{port}/voila/render/00-home.ipynb" in result.stdout
    warning = result.stderr
    assert "WARNING" in warning and "0.0.0.0" in warning and f"port {port}" in warning
    assert "start kernels" in warning and str(db) in warning
    assert options.token not in warning


def test_a_voila_json_in_the_working_directory_changes_nothing(monkeypatch, tmp_path):
    (tmp_path / "voila.json").write_text(
        '{"VoilaConfiguration": {"allow_theme_override": "YES", "show_tracebacks": true}, "Voila": {"ip": "0.0.0.0"}}'
    )
    monkeypatch.chdir(tmp_path)
    app = launcher.make_app(resolve(ServeOptions(notebooks=NOTEBOOKS, preheat=False), check_port=False))
    assert app.voila_configuration.allow_theme_override == "NO"
    assert app.voila_configuration.show_tracebacks is False and app.ip == "127.0.0.1"


def test_a_corrupt_store_stops_the_server_before_any_kernel(tmp_path):
    bad = tmp_path / "class.db"
    bad.write_bytes(b"this is not an SQLite database" * 100)
    before = bad.read_bytes()
    result = CliRunner().invoke(cli, ["serve", "--notebooks", str(NOTEBOOKS), "--store", f"sqlite:///{bad}"])
    assert result.exit_code == 2, result.output
    assert result.output.startswith(f"chansim: error: --store sqlite:///{bad}: ") and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert bad.read_bytes() == before, "a file that is not a store is never modified"


def test_the_store_is_opened_once_handed_to_the_server_and_exported_to_kernels(monkeypatch, tmp_path):
    seen = []
    monkeypatch.setattr(launcher, "run", lambda options, store=None: seen.append((options, store)))
    url = f"sqlite:///{tmp_path / 'class.db'}"
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    result = CliRunner().invoke(cli, ["serve", "--port", str(port), "--store", url])
    assert result.exit_code == 0, result.output
    ((options, store),) = seen
    try:
        assert options.store == url and store is not None and (tmp_path / "class.db").is_file()
        assert f"decisions are stored in {tmp_path / 'class.db'}" in result.output
    finally:
        store.close()
    monkeypatch.setenv("CHANSIM_TOKEN", TOKEN)
    monkeypatch.setenv("JUPYTER_TOKEN", TOKEN)
    monkeypatch.delenv("CHANSIM_STORE", raising=False)
    launcher.prepare_environment(options)
    import os

    assert os.environ["CHANSIM_STORE"] == url
    assert "CHANSIM_TOKEN" not in os.environ and "JUPYTER_TOKEN" not in os.environ


def test_a_password_in_the_store_url_is_never_printed():
    from chansim.serve import redact_url

    assert redact_url("postgresql+psycopg://ada:s3cret@db/class") == "postgresql+psycopg://ada:***@db/class"
    assert redact_url("sqlite:///x.db") == "sqlite:///x.db"
    args = ["serve", "--dry-run", "--store", "postgresql+psycopg://ada:s3cret@db/class"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0 and "s3cret" not in result.output and "ada:***@db" in result.output


def test_the_child_launcher_takes_the_token_from_stdin_only(monkeypatch, capsys):
    import io

    seen = []
    monkeypatch.setattr(launcher, "run", lambda options: seen.append(options))
    options = ServeOptions(notebooks=NOTEBOOKS, port=9001, require_token=True)
    monkeypatch.setattr(sys, "stdin", io.StringIO(TOKEN + "\n"))
    assert launcher.main(["--options-json", options.to_json(), "--token-stdin"]) == 0
    assert seen[-1].token == TOKEN and seen[-1].port == 9001
    monkeypatch.setenv("CHANSIM_TOKEN", TOKEN + "-env")
    assert launcher.main(["--options-json", options.to_json()]) == 0
    assert seen[-1].token == TOKEN + "-env"
    assert launcher.main(["--options-json", '{"notebooks": "x", "port": "nope", "bogus": 1}']) == 2
    assert "unknown server options: bogus" in capsys.readouterr().err
