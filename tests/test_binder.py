"""The Binder folder: pinned requirements covering every runtime and ui dependency, Python 3.11."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BINDER = ROOT / "binder"


def _name(spec: str) -> str:
    return re.split(r"[<>=!~\[; ]", spec, maxsplit=1)[0].lower().replace("_", "-")


def test_requirements_pin_every_runtime_and_ui_dependency():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    needed = {_name(s) for s in project["dependencies"] + project["optional-dependencies"]["ui"]}
    pinned = {}
    for line in (BINDER / "requirements.txt").read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            assert "==" in line, f"binder/requirements.txt: pin {line!r} with =="
            pinned[_name(line)] = line
    assert needed <= set(pinned), f"not pinned for Binder: {sorted(needed - set(pinned))}"


def test_runtime_postbuild_and_fonts():
    assert (BINDER / "runtime.txt").read_text().strip() == "python-3.11"
    post = (BINDER / "postBuild").read_text().splitlines()
    assert post[0].startswith("#!")
    assert any(line.strip() == "set -euo pipefail" for line in post[:4])
    assert any("pip install" in line for line in post)
    assert (BINDER / "postBuild").stat().st_mode & 0o111, "postBuild must be executable"
    assert "fonts-wqy-microhei" in (BINDER / "apt.txt").read_text()
