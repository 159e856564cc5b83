"""Notebooks stay thin (logic lives in the package), are committed without outputs, and are all linked."""

from __future__ import annotations

import nbformat
import pytest

from tests.ui.conftest import NOTEBOOKS

NAMES = sorted(p.name for p in NOTEBOOKS.glob("*.ipynb"))


def test_there_is_a_notebook_per_exercise_and_a_home():
    assert len(NAMES) >= 7 and NAMES[0] == "00-home.ipynb"


@pytest.mark.parametrize("name", NAMES)
def test_notebook_is_thin_and_cleared(name):
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    nbformat.validate(nb)
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    assert 1 <= len(code) <= 2 and len(nb.cells) <= 4, f"{name}: keep notebooks to a few cells"
    # every visible string comes from the message catalogue (and follows the language switch)
    assert all(cell.cell_type == "code" for cell in nb.cells), f"{name}: no markdown text outside the catalogue"
    for cell in code:
        assert not cell.outputs and cell.execution_count is None, f"{name}: clear the outputs before committing"
        lines = [line for line in cell.source.splitlines() if line.strip()]
        assert len(lines) <= 4, f"{name}: a notebook calls the package; logic belongs in chansim/"
        assert any(line.startswith("from chansim.ui.apps import") for line in lines)
    assert nb.metadata["kernelspec"]["name"] == "python3"


def test_home_links_every_exercise_notebook():
    from chansim.ui.apps import home

    linked = {ex.notebook for ex in home.EXERCISES}
    assert linked == set(NAMES) - {"00-home.ipynb"}
