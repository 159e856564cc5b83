"""Refactorings change no result: every table of every bundled scenario, digested, as recorded.

A regression test pinned to seeds on purpose (the claims about behaviour are tested elsewhere
over many seeds). When a change of results is intended, re-record with
``python tests/golden/tables.py --write`` and say why in the commit.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent / "golden"))
import tables as golden  # noqa: E402

RECORDED = json.loads(golden.GOLDEN.read_text())


@pytest.mark.parametrize("key", sorted(RECORDED))
def test_tables_identical_to_recorded(key: str) -> None:
    name, seed = key.rsplit("@", 1)
    now = golden.tables_of(golden.ROOT / "scenarios" / name, int(seed))
    changed = sorted(t for t in set(now) | set(RECORDED[key]) if now.get(t) != RECORDED[key].get(t))
    assert not changed, f"{key}: tables changed: {changed}"


def test_every_bundled_scenario_is_recorded() -> None:
    names = {key.rsplit("@", 1)[0] for key in RECORDED}
    assert names == {p.name for p in golden.scenario_files()}
