"""Refactorings change no exercise result: each exercise played with a fixed script, digested, as recorded.

A regression test pinned to one seed on purpose (the exercises' claims are tested elsewhere).
When a change of results is intended, re-record with ``python tests/golden/exercises.py --write``
and say why in the commit.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

# loaded by path: ``tests/exercises`` is a package of the same name
_PATH = Path(__file__).resolve().parent / "golden" / "exercises.py"
_SPEC = importlib.util.spec_from_file_location("golden_exercises", _PATH)
assert _SPEC is not None and _SPEC.loader is not None
golden = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(golden)

RECORDED = json.loads(golden.GOLDEN.read_text())


@pytest.mark.parametrize("name", sorted(golden.PLAYS))
def test_exercise_results_identical_to_recorded(name: str) -> None:
    now = golden.PLAYS[name]()
    changed = sorted(k for k in set(now) | set(RECORDED[name]) if now.get(k) != RECORDED[name].get(k))
    assert not changed, f"{name}: results changed: {changed}"


@pytest.mark.parametrize("name", sorted(golden.CONTRACT_PLAYS))
def test_the_same_script_through_the_contract_gives_the_recorded_results(name: str) -> None:
    now = golden.CONTRACT_PLAYS[name]()
    changed = sorted(k for k in set(now) | set(RECORDED[name]) if now.get(k) != RECORDED[name].get(k))
    assert not changed, f"{name}: results through the contract differ: {changed}"


def test_every_exercise_is_recorded() -> None:
    from chansim.exercises import EXERCISES

    assert set(RECORDED) == set(golden.PLAYS) == set(golden.CONTRACT_PLAYS) == set(EXERCISES)
