"""The README's two commands: what they are, and that ``.ci/run`` runs the second exactly.

On Debian and Ubuntu the system ``python3`` refuses ``pip install`` outside a virtual
environment (PEP 668), so both commands make one first; a command that installs into the
system interpreter would fail on a stock machine.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Two commands", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```bash\n(.*?)```", section, re.S)
    assert block, "the README's 'Two commands' section has no bash block"
    return [line for line in block.group(1).splitlines() if line.strip() and not line.startswith("#")]


def test_the_readme_has_two_commands_each_in_its_own_virtual_environment() -> None:
    commands = _readme_commands()
    assert len(commands) == 2, commands
    for command in commands:
        steps = [step.strip() for step in command.split("&&")]
        assert steps[0] == "python3 -m venv .venv", command
        # nothing is installed into, or run by, the system interpreter after the venv exists
        assert all(step.startswith(".venv/bin/") for step in steps[1:]), command
    assert "chansim serve" in commands[0]
    assert "pytest" in commands[1]


def test_ci_runs_the_readme_test_command_exactly() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    last = [line for line in ci if line.strip() and not line.lstrip().startswith("#")][-1]
    assert last.strip() == _readme_commands()[1]
