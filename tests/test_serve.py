"""``chansim serve``: safe defaults, clear errors, and a real server answering with the home page."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner

from chansim.cli import cli
from chansim.serve import HOME_NOTEBOOK, ServeError, ServeOptions, find_notebooks, voila_command

ROOT = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_the_server_configuration_has_safe_defaults():
    from chansim.serve.launcher import QuietWebsocketConnection, build_config

    c = build_config(ServeOptions(notebooks=ROOT / "notebooks"))
    assert c.Voila.ip == "127.0.0.1" and c.Voila.port_retries == 0 and c.Voila.config_file_paths == []
    assert c.VoilaConfiguration.strip_sources is True and c.VoilaConfiguration.show_tracebacks is False
    assert c.VoilaConfiguration.allow_theme_override == "NO" and c.VoilaConfiguration.allow_template_override == "NO"
    assert c.VoilaConfiguration.http_header_envs == ["Cookie"]
    assert c.VoilaConfiguration.preheat_kernel is True and c.VoilaConfiguration.default_pool_size == 1
    assert c.Voila.kernel_websocket_connection_class is QuietWebsocketConnection
    assert c.MappingKernelManager.cull_idle_timeout == ServeOptions(notebooks=ROOT).cull_idle_seconds
    no_heat = build_config(ServeOptions(notebooks=ROOT / "notebooks", preheat=False, token="s3cret-s3cret-s3cret"))
    assert no_heat.VoilaConfiguration.preheat_kernel is False
    assert "s3cret" not in repr(no_heat), "the token never goes into Voila's configuration"


def test_the_child_command_never_holds_a_token():
    cmd = voila_command(ServeOptions(notebooks=ROOT / "notebooks", port=9123))
    assert cmd[1:3] == ["-m", "chansim.serve.launcher"] and '"port": 9123' in cmd[-1]
    with pytest.raises(ServeError, match="never goes on a command line"):
        voila_command(ServeOptions(notebooks=ROOT / "notebooks", token="s3cret-s3cret-s3cret"))


def test_dry_run_prints_the_settings_with_the_token_redacted():
    args = ["serve", "--dry-run", "--port", "9123", "--notebooks", str(ROOT / "notebooks")]
    result = CliRunner().invoke(cli, [*args, "--token", "s3cret-s3cret-s3cret"])
    assert result.exit_code == 0, result.output
    assert "Voila.port = 9123" in result.output and "allow_template_override = 'NO'" in result.output
    assert "s3cret" not in result.output and "token=<redacted>" in result.output
    plain = CliRunner().invoke(cli, args)
    assert plain.exit_code == 0 and "token" not in plain.output.split("url:")[1].split("\n")[0]


def test_notebooks_folder_is_found_from_the_checkout(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no notebooks/ here: falls back to the one next to the package
    assert (find_notebooks() / HOME_NOTEBOOK).is_file()


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--notebooks", "/nonexistent/dir"], "--notebooks /nonexistent/dir: no 00-home.ipynb"),
        (["--port", "80"], "1024<=x<=65535"),
        (["--port", "abc"], "'abc' is not a valid integer"),
        (["--lang", "fr"], "'fr' is not one of 'zh_CN', 'en_US'"),
        (["--pool-size", "0"], "1<=x<=16"),
    ],
)
def test_bad_flags_exit_2_with_a_message(args, needle):
    result = CliRunner().invoke(cli, ["serve", *args])
    assert result.exit_code == 2
    assert needle in result.output
    assert "Traceback" not in result.output


def test_a_port_in_use_is_refused_clearly():
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = CliRunner().invoke(cli, ["serve", "--port", str(port)])
    assert result.exit_code == 2
    assert f"--port {port}: already in use" in result.output


def test_serve_answers_with_the_home_page_without_its_source(tmp_path):
    port = _free_port()
    env = {**os.environ, "MPLBACKEND": "Agg", "CHANSIM_STORE": f"sqlite:///{tmp_path / 'store.db'}"}
    exe = Path(sys.executable).with_name("chansim")
    proc = subprocess.Popen(
        [str(exe), "serve", "--port", str(port), "--no-preheat"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
    )  # fmt: skip
    try:
        body = ""
        end = time.monotonic() + 120
        while time.monotonic() < end:
            try:
                url = f"http://127.0.0.1:{port}/voila/render/{HOME_NOTEBOOK}"
                with urllib.request.urlopen(url, timeout=60) as response:
                    body = response.read().decode("utf-8")
                break
            except OSError:
                assert proc.poll() is None, proc.stdout.read()
                time.sleep(0.3)
        assert "application/vnd.jupyter.widget-view+json" in body, body[:500]
        assert "home.app()" not in body, "sources must be stripped"
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=30)
    assert f"http://127.0.0.1:{port}/voila/render/{HOME_NOTEBOOK}" in out
