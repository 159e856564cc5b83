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
from chansim.serve import HOME_NOTEBOOK, ServeOptions, find_notebooks, voila_command

ROOT = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_the_voila_command_has_safe_defaults():
    cmd = voila_command(ServeOptions(notebooks=ROOT / "notebooks"))
    assert "--Voila.ip=127.0.0.1" in cmd
    assert "--strip_sources=True" in cmd and "--show_tracebacks=False" in cmd
    assert "--preheat_kernel=True" in cmd and "--no-browser" in cmd
    assert any(arg.startswith("--MappingKernelManager.cull_idle_timeout=") for arg in cmd)
    no_heat = voila_command(ServeOptions(notebooks=ROOT / "notebooks", preheat=False, token="s3cret"))
    assert "--preheat_kernel=True" not in no_heat and "--token=s3cret" in no_heat


def test_dry_run_prints_the_command():
    result = CliRunner().invoke(cli, ["serve", "--dry-run", "--port", "9123", "--notebooks", str(ROOT / "notebooks")])
    assert result.exit_code == 0, result.output
    assert "--port=9123" in result.output and "voila" in result.output


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


def test_serve_answers_with_the_home_page_without_its_source():
    port = _free_port()
    exe = Path(sys.executable).with_name("chansim")
    proc = subprocess.Popen(
        [str(exe), "serve", "--port", str(port), "--no-preheat"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env={**os.environ, "MPLBACKEND": "Agg"},
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
