"""The built wheel works outside a checkout: bundled scenarios run by name and ``chansim serve`` renders.

The wheel is built from a copy of the sources, installed into a fresh virtual environment
(``--system-site-packages`` only to reuse the installed dependencies), and every command
runs from an empty folder with ``PYTHONPATH`` unset, so chansim can only come from the wheel.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ["pyproject.toml", "setup.py", "README.md", "chansim", "scenarios", "notebooks"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("wheel")
    source = base / "src"
    source.mkdir()
    for name in SOURCES:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(ROOT / name, source / name)
    dist = base / "dist"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(dist), str(source)],
        check=True, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    (wheel,) = dist.glob("chansim-*.whl")
    venv = base / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)], check=True, timeout=300)
    python = venv / "bin" / "python"
    subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "--no-deps", "--no-index", "--ignore-installed", str(wheel)],
        check=True, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    elsewhere = base / "elsewhere"
    elsewhere.mkdir()
    return {"wheel": wheel, "python": python, "chansim": venv / "bin" / "chansim", "cwd": elsewhere, "venv": venv}


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    return {**env, "MPLBACKEND": "Agg"}


def _run(installed: dict[str, Path], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(installed["chansim"]), *args], cwd=installed["cwd"], env=_env(), capture_output=True, text=True,
        timeout=300,
    )  # fmt: skip


def test_the_wheel_ships_the_scenarios_the_notebooks_and_the_data(installed: dict[str, Path]) -> None:
    names = set(zipfile.ZipFile(installed["wheel"]).namelist())
    for folder, pattern in (("scenarios", "*.yaml"), ("notebooks", "*.ipynb")):
        for path in (ROOT / folder).glob(pattern):
            assert f"chansim/{folder}/{path.name}" in names
    for path in (ROOT / "chansim" / "data").rglob("*.yaml"):
        assert path.relative_to(ROOT).as_posix() in names


def test_chansim_is_imported_from_the_wheel(installed: dict[str, Path]) -> None:
    code = "import chansim, chansim.io as io; print(chansim.__file__); print(io.bundled_folder('notebooks'))"
    done = subprocess.run(
        [str(installed["python"]), "-c", code], cwd=installed["cwd"], env=_env(), capture_output=True, text=True,
        check=True,
    )  # fmt: skip
    module, notebooks = (Path(line) for line in done.stdout.split())
    assert module.is_relative_to(installed["venv"]), module
    assert notebooks.is_relative_to(installed["venv"]) and (notebooks / "00-home.ipynb").is_file()


def test_bundled_scenarios_are_listed_and_run_by_name(installed: dict[str, Path]) -> None:
    listed = _run(installed, "scenarios")
    assert listed.returncode == 0, listed.stderr
    names = [line.split()[0] for line in listed.stdout.splitlines()]
    assert names == sorted(p.stem for p in (ROOT / "scenarios").glob("*.yaml"))
    done = _run(installed, "run", "beer-game", "--format", "json", "-q")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["scenario"] == "beer-game"


def test_serve_renders_the_home_page_from_the_installed_wheel(installed: dict[str, Path]) -> None:
    port = _free_port()
    # the venv reuses this environment's packages, Voila among them: its templates are data files here
    env = {**_env(), "JUPYTER_PATH": str(Path(sys.prefix) / "share" / "jupyter")}
    proc = subprocess.Popen(
        [str(installed["chansim"]), "serve", "--port", str(port), "--no-preheat"],
        cwd=installed["cwd"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        body, status = "", None
        end = time.monotonic() + 180
        while time.monotonic() < end:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/voila/render/00-home.ipynb", timeout=90) as r:
                    status, body = r.status, r.read().decode("utf-8")
                break
            except OSError:
                assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
                time.sleep(0.5)
        assert status == 200
        assert "application/vnd.jupyter.widget-view+json" in body, body[:500]
        assert "Traceback" not in body and "ModuleNotFoundError" not in body
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=30)
    assert str(installed["venv"]) in out  # the notebooks folder served is the wheel's
