"""The engine and the exercise controllers do not import the UI stack (ipywidgets, matplotlib, IPython):
they run in scripts, batch sweeps and tests without it, and the widgets hold no simulation logic."""

from __future__ import annotations

import subprocess
import sys

CONTROLLERS = [
    "chansim", "chansim.engine", "chansim.business.runtime", "chansim.exercises.game", "chansim.exercises.beer_game",
    "chansim.exercises.order_desk", "chansim.exercises.feedback", "chansim.exercises.planning",
    "chansim.exercises.recruitment", "chansim.exercises.training", "chansim.exercises.evaluation",
]  # fmt: skip


def test_controllers_do_not_import_the_ui_stack():
    code = (
        "import importlib, sys\n"
        f"for name in {CONTROLLERS!r}: importlib.import_module(name)\n"
        "print(sorted(m for m in ('ipywidgets', 'matplotlib', 'IPython') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout + out.stderr
