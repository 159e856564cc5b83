"""Named records of the business layer (chansim.business.records) and their builders.

The order-to-cash components and the funnel append plain tuples in the declared field order;
these tests hold the record types, the rows the runtime keeps and the tables built from them
to each other, so a field added to one and not the others fails here.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import chansim
from chansim.business import order_to_cash
from chansim.business.funnel import FUNNEL_EVENTS, RECORD_COLUMNS, funnel_tables
from chansim.business.records import (
    AUDIT_TABLE_COLUMNS,
    ORDER_TO_CASH,
    PARTNERS,
    RUNTIME,
    AuditRow,
    FunnelRecord,
    audit_frame,
)
from chansim.engine import Session

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


def test_record_types_match_the_table_columns() -> None:
    assert order_to_cash.AUDIT_COLUMNS == ("time", "actor", "action", "subject", "value", "detail")
    assert AuditRow._fields == (*order_to_cash.AUDIT_COLUMNS, "source")
    assert set(AUDIT_TABLE_COLUMNS) == set(AuditRow._fields)
    assert RECORD_COLUMNS == FunnelRecord._fields


def test_a_six_tuple_is_an_order_to_cash_row() -> None:
    frame = audit_frame(
        [(1.0, "credit", "held", 5, 2.5, "p: over limit"), AuditRow(2.0, "engine", "allocation", "n", 3, "x", RUNTIME)],
        [(3, "setup", "tier_change", "p", "silver", "gold")],
    )
    assert list(frame.columns) == list(AUDIT_TABLE_COLUMNS)
    assert frame["source"].tolist() == [ORDER_TO_CASH, RUNTIME, PARTNERS]
    assert frame["subject"].tolist() == ["5", "n", "p"]
    assert frame["value"].tolist() == ["2.5", "3", "silver"]


@pytest.mark.parametrize("name", ["stage-4-operations.yaml", "stage-3-training.yaml"])
def test_runtime_rows_are_named_and_built_into_the_audit_table(name: str) -> None:
    session = Session(chansim.load_scenario(SCENARIOS / name), seed=5).advance(periods=60)
    business = session.result().audit
    runtime = session.business
    rows = [AuditRow(*r) for r in runtime.audit]
    assert rows  # allocation rows at least
    mine = [r for r in rows if r.source == RUNTIME]
    assert {r.action for r in mine} >= {"allocation"}
    assert all(r.actor not in ("credit", "ledger", "approval") for r in mine)
    # order-to-cash rows only where the scenario has order-to-cash
    has_otc = session.scenario.business.order_to_cash is not None
    assert any(r.source == ORDER_TO_CASH for r in rows) == has_otc
    built = audit_frame(runtime.audit, runtime.book.audit)
    assert business[list(AUDIT_TABLE_COLUMNS)].reset_index(drop=True).equals(built)


def test_funnel_records_build_the_funnel_tables() -> None:
    session = Session(chansim.load_scenario(SCENARIOS / "stage-3-training.yaml"), seed=5).advance(periods=60)
    records = [FunnelRecord(*r) for r in session.business.funnel_records]
    assert records and {r.event for r in records} <= FUNNEL_EVENTS
    leads = funnel_tables(records).leads
    assert len(leads) == sum(r.event == "lead_created" for r in records)
