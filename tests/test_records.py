"""Named records for the levels and events tables (chansim.records) and their accessors.

The engine keeps level rows column-wise and events as tuples in field order; these tests
hold the declared record types, the tables built from them and the ``Session`` accessors
to each other, so a field added to one and not the others fails here.
"""

from __future__ import annotations

import gc
from pathlib import Path

import numpy as np
import pytest

import chansim
from chansim.engine import Session
from chansim.records import LEVEL_WIDTH, EventRow, LevelRow, StoredLevelRow
from chansim.results import EVENT_COLUMNS, LEVEL_COLUMNS

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"


@pytest.fixture(scope="module", params=["two-tier-regional.yaml", "stage-4-operations.yaml"])
def scenario(request):  # type: ignore[no-untyped-def]
    """Without a business layer (receipts from the engine's calendar) and with one (SimPy events)."""
    return chansim.load_scenario(SCENARIOS / request.param)


def test_record_types_match_the_table_columns() -> None:
    assert list(EventRow._fields) == EVENT_COLUMNS
    assert LEVEL_WIDTH == len(StoredLevelRow._fields)
    numbers = list(StoredLevelRow._fields[2:])
    assert list(LevelRow._fields) == ["day", "node", "sku", *numbers]
    assert LEVEL_COLUMNS == ["day", "node", "sku", *numbers, "unit_price", "supplier_index"]


def test_level_rows_equal_the_levels_table(scenario) -> None:  # type: ignore[no-untyped-def]
    session = Session(scenario, seed=3).advance(periods=150)  # the level buffer grows twice on the way
    rows = session.level_rows()
    table = session.result().levels
    assert len(rows) == len(table) == 150 * len(session.sequence)
    assert all(isinstance(row, LevelRow) for row in rows)
    expected = table[list(LevelRow._fields)].astype({"node": str, "sku": str})
    assert [tuple(row) for row in rows] == list(expected.itertuples(index=False, name=None))
    assert {type(row.orders_placed) for row in rows} == {int}
    assert sum(row.demand for row in rows) > 0  # the flows are there, not only the stock


def test_level_rows_of_the_last_periods(scenario) -> None:  # type: ignore[no-untyped-def]
    session = Session(scenario, seed=3).advance(periods=10)
    every = session.level_rows()
    n = len(session.sequence)
    assert session.level_rows(3) == every[-3 * n :]
    assert {row.day for row in session.level_rows(1)} == {9.0 * session.period_days}
    assert session.level_rows(50) == every  # more periods than simulated: all of them


def test_event_rows_equal_the_events_table(scenario) -> None:  # type: ignore[no-untyped-def]
    session = Session(scenario, seed=5, record_events=True).advance(periods=30)
    rows = session.event_rows()
    table = session.result().events
    assert len(rows) == len(table) > 0
    assert all(isinstance(row, EventRow) for row in rows)
    assert [tuple(row) for row in rows] == list(table[EVENT_COLUMNS].itertuples(index=False, name=None))
    assert Session(scenario, seed=5, record_events=False).advance(periods=30).event_rows() == []


def test_result_is_a_snapshot_of_the_level_log(scenario) -> None:  # type: ignore[no-untyped-def]
    session = Session(scenario, seed=1).advance(periods=5)
    early = session.result()
    session.advance(periods=5)  # the session goes on recording; the result keeps what it had
    assert len(early.levels) == 5 * len(session.sequence)
    assert len(session.result().levels) == 10 * len(session.sequence)


def test_empty_levels_table_keeps_columns_and_dtypes(scenario) -> None:  # type: ignore[no-untyped-def]
    empty = Session(scenario, seed=1).result().levels
    full = Session(scenario, seed=1).advance(periods=1).result().levels
    assert len(empty) == 0
    assert list(empty.columns) == list(full.columns)
    assert (empty.dtypes == full.dtypes).all()
    assert full["orders_placed"].dtype == np.int64 and full["day"].dtype == np.int64



def test_run_leaves_its_records_with_the_result() -> None:
    """run() discards its session, a reference cycle; the run's orders must not wait in it for the GC."""
    scenario = chansim.load_scenario(SCENARIOS / "beer-game.yaml")
    gc.collect()
    collecting = gc.isenabled()
    gc.disable()
    try:
        result = chansim.run(scenario, seed=1, days=20 * 364, record_events=False)
        orders = len(result.orders)
        del result
        in_cycles = gc.collect()  # what only the cyclic collector could free
    finally:
        if collecting:
            gc.enable()
    assert orders > 4000
    assert in_cycles < orders / 2, f"{in_cycles} objects in reference cycles for {orders} orders"
