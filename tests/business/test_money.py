"""One money convention (chansim.config.money): whole cents inside, rounded once, half up.

Every equality here is exact (integers of cents, no tolerance): for every bundled scenario
with a business layer and for random scenarios over many seeds, invoiced = cash received +
receivables + bad debt per seller and partner and in total, incentive income = expense, and
every business amount of the money table is a whole number of cents.
"""

from __future__ import annotations

import math
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import simpy
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

import chansim
from chansim.business.order_to_cash import (
    CreditDesk,
    CreditPolicy,
    Ledger,
    OrderToCash,
    OrderToCashConfig,
    PaymentBehaviour,
)
from chansim.config.money import Cents, cents_of, cents_times, to_cents, to_units, units_of
from tests.strategies import scenario_dicts

ROOT = Path(__file__).resolve().parents[2]
ACCOUNTS = ("invoiced", "cash_received", "bad_debt", "receivables_end")


# --------------------------------------------------------------------------- the conversions


def test_to_cents_rounds_the_printed_decimal_half_up() -> None:
    assert to_cents(0.005) == 1 and to_cents(0.004999) == 0
    assert to_cents(2.675) == 268  # the float is 2.67499999...; it prints as 2.675, which rounds up
    assert to_cents(0.285) == 29  # round(0.285 * 100) would give 28 (28.499999999999996)
    assert to_cents(1.005) == 101
    assert to_cents(19.99) == 1999 and to_cents(15_000) == 1_500_000
    assert to_cents(Decimal("0.125")) == 13 and to_cents(Decimal("40.005")) == 4001
    assert to_cents(-0.005) == -1  # ties away from zero
    assert type(to_cents(1.5)) is int
    for bad in (math.nan, math.inf, -math.inf):
        with pytest.raises(ValueError, match="finite"):
            to_cents(bad)


def test_cents_times_is_exact_then_rounded_once() -> None:
    assert cents_times(13335, 0.3) == 4001  # 4 000.5 exactly; the float product is 4000.4999...
    assert cents_times(1999, 0.5) == 1000  # 999.5 -> 1 000
    assert cents_times(1, 0.49) == 0 and cents_times(0, 0.7) == 0
    assert cents_times(100, Decimal("0.125")) == 13


def test_units_round_trip() -> None:
    assert to_units(1234) == 12.34 and units_of(1234) == Decimal("12.34")
    with pytest.raises(ValueError, match="whole cents"):
        cents_of([1.0, 12.345])
    with pytest.raises(ValueError, match="finite"):
        cents_of([math.nan])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(-(10**13), 10**13), max_size=50))
def test_a_table_column_gives_back_the_same_cents(cents: list[int]) -> None:
    """cents -> currency units (the tables) -> cents is the identity, so table totals are exact."""
    column = pd.Series([to_units(c) for c in cents], dtype="float64")
    assert cents_of(column).tolist() == cents
    assert all(to_cents(to_units(c)) == c for c in cents)


# --------------------------------------------------------------------------- each amount rounded once


def test_an_order_value_is_rounded_once_at_the_desk_and_invoiced_as_reserved() -> None:
    env = simpy.Environment()
    otc = OrderToCash(env, OrderToCashConfig(), seed=1)
    order = otc.place("o1", "d1", 3 * 0.095)  # 0.285 (float 0.28500000000000003): 28.5 cents -> 29
    env.run()
    outcome = order.value
    assert (outcome.credit.requested_cents, outcome.credit.granted_cents) == (29, 29)
    assert outcome.invoice.amount_cents == 29 and outcome.invoice.amount == 0.29
    assert otc.ledger.totals_cents()["invoiced"] == 29


def test_a_partial_grant_is_whole_cents_and_the_remainder_is_exact() -> None:
    env = simpy.Environment()
    ledger = Ledger(
        env, PaymentBehaviour(), delay_rng=np.random.default_rng(0), insolvency_rng=np.random.default_rng(0)
    )
    desk = CreditDesk(env, CreditPolicy(default_credit_limit=100.005, on_exceed="partial"), ledger)
    assert desk.credit_limit("d1") == 100.01  # the limit becomes cents once, half up
    first = desk.check("a", "d1", 60.004)  # 6 000.4 -> 6 000 cents
    second = desk.check("b", "d1", 50.0)
    assert (first.status, first.granted_cents) == ("accepted", 6000)
    assert (second.status, second.requested_cents, second.granted_cents) == ("partial", 5000, 4001)
    assert desk.available("d1") == 0.0
    desk.bill("a")
    desk.bill("b")
    assert ledger.open_cents("d1") == 10001


# --------------------------------------------------------------------------- whole runs


def test_in_a_run_each_order_value_is_rounded_once_and_a_partial_grant_shrinks_the_order() -> None:
    """Prices with fractions of a cent (97.4925): the invoice of a fully granted order is the
    order's value rounded once, half up; a partly granted order keeps the units its whole-cent
    grant pays for (no tolerance in the comparison of grant and value)."""
    doc = chansim.load_scenario(ROOT / "chansim" / "data" / "default.yaml").model_dump(mode="json")
    doc["horizon_days"] = 60
    credit = {"default_credit_limit": 700.0, "on_exceed": "partial", "default_terms_days": 5}
    doc["business"] = {"order_to_cash": {"credit": credit}}
    result = chansim.run(chansim.parse_scenario(doc), seed=1)
    price = result.parameters.set_index(["node", "sku"])["purchase_price"]
    rows = result.business["invoices"].merge(result.orders, on="order_id")
    assert len(rows) and (price.mul(100) % 1 != 0).any()  # some prices have fractions of a cent
    full = rows[rows["cancelled"] == 0]
    shrunk = rows[rows["cancelled"] > 0]
    assert len(full) and len(shrunk)
    for row in full.itertuples():
        assert cents_of([row.amount])[0] == to_cents(row.qty * price[row.customer, row.sku])
    for row in shrunk.itertuples():
        assert row.qty - row.cancelled == math.floor(row.amount / price[row.customer, row.sku] + 1e-9)
    _check_money(result)


def _check_money(result: Any) -> dict[str, int]:
    """Every exact money identity of one run; returns the totals in cents by account."""
    business = result.business
    money = result.money
    settled = money[money["sku"].isna()]  # business rows: order-to-cash, programmes, incentives
    cents = cents_of(settled["amount"])  # raises unless every amount is a whole number of cents
    assert (cents >= 0).all()
    by = pd.Series(cents, index=settled.index).groupby([settled["node"].astype(str), settled["account"].astype(str)])
    totals = by.sum()
    accounts = totals.groupby(level=1).sum()
    if "receivables_money" in business:
        rm = business["receivables_money"]
        assert (cents_of(rm["amount"]) == rm["amount_cents"].to_numpy()).all()
        for _, rows in rm.groupby(["node", "partner"]):  # per seller and partner
            got = rows.groupby("account")["amount_cents"].sum().reindex(ACCOUNTS, fill_value=0)
            assert got["invoiced"] == got["cash_received"] + got["bad_debt"] + got["receivables_end"]
        for seller in rm["node"].unique():  # per seller, from the money table
            got = totals.loc[str(seller)].reindex(ACCOUNTS, fill_value=0)
            assert got["invoiced"] == got["cash_received"] + got["bad_debt"] + got["receivables_end"]
        grand = accounts.reindex(ACCOUNTS, fill_value=0)
        assert grand["invoiced"] == grand["cash_received"] + grand["bad_debt"] + grand["receivables_end"]
        invoices = business["invoices"]
        invoiced = cents_of(invoices["amount"])
        assert invoiced.sum() == grand["invoiced"]
        closed = invoices["status"] != "open"
        parts = cents_of(invoices["paid"]) + cents_of(invoices["recovered"]) + cents_of(invoices["written_off"])
        assert (parts[closed.to_numpy()] == invoiced[closed.to_numpy()]).all()
        assert cents_of(invoices.loc[~closed, "amount"]).sum() == grand["receivables_end"]
        settlements = business["settlements"]
        assert (cents_of(settlements["amount"]) == settlements["amount_cents"].to_numpy()).all()
        write_offs = settlements.loc[settlements["kind"] == "write_off", "amount_cents"].sum()
        assert write_offs == grand["bad_debt"]
    for kind in ("rebate", "commission"):
        income = accounts.get(f"{kind}_income", 0)
        assert income == accounts.get(f"{kind}_expense", 0)
    if len(result.incentives):
        assert cents_of(result.incentives["amount"]).sum() == accounts.filter(like="_income").sum()
    if "partner_money" in business:
        cents_of(business["partner_money"]["amount"])
    return {str(k): int(v) for k, v in accounts.items()}


BUSINESS_SCENARIOS = sorted(
    p.name for p in (ROOT / "scenarios").glob("*.yaml") if chansim.load_scenario(p).business is not None
)


@pytest.mark.parametrize("name", BUSINESS_SCENARIOS)
def test_every_bundled_business_scenario_balances_to_the_cent(name: str) -> None:
    scenario = chansim.load_scenario(ROOT / "scenarios" / name)
    for seed in (7, 2024):
        totals = _check_money(chansim.run(scenario, seed=seed, days=min(200, scenario.horizon_days)))
        assert totals  # every business scenario books some money


def test_the_order_desk_exercise_scenario_balances_to_the_cent() -> None:
    from chansim.exercises.order_desk import order_desk_scenario

    totals = _check_money(chansim.run(order_desk_scenario(), seed=3))
    assert totals["invoiced"] > 0


@st.composite
def business_sections(draw: st.DrawFn) -> dict[str, Any]:
    limit = draw(st.one_of(st.none(), st.floats(0, 5_000), st.integers(0, 50_000)))
    credit: dict[str, Any] = {
        "default_credit_limit": limit,
        "on_exceed": draw(st.sampled_from(["hold", "reject", "partial"])),
        "default_terms_days": draw(st.integers(0, 45)),
    }
    if draw(st.booleans()):
        credit["max_hold_days"] = draw(st.integers(1, 30))
    payment = {
        "base_delay_days": draw(st.floats(0, 10)),
        "delay_slope_days": draw(st.floats(0, 20)),
        "delay_distribution": draw(st.sampled_from(["exponential", "deterministic"])),
        "insolvency_probability_per_year": draw(st.sampled_from([0.0, 0.5, 0.99])),
        "recovery_share": draw(st.floats(0, 1)),
        "default_health": draw(st.floats(0, 0.5)),  # weak partners: insolvencies within the run are common
    }
    section: dict[str, Any] = {
        "order_to_cash": {
            "credit": credit,
            "approver_pools": [
                {
                    "name": "ops",
                    "approvers": draw(st.integers(1, 2)),
                    "service_time_days": {"type": "exponential", "mean": draw(st.floats(0.01, 3))},
                },
            ],  # fmt: skip
            "approval_path": [{"pool": "ops", "amount_above": draw(st.floats(0, 2_000))}],
            "payment": payment,
        }
    }
    if draw(st.integers(0, 2)):
        rate = draw(st.integers(1, 2_000)) / 100
        section["incentives"] = {
            "plans": [
                {"name": "vol", "period_days": 7,
                 "scheme": {"type": "volume_rebate", "mode": draw(st.sampled_from(["retroactive", "marginal"])),
                            "tiers": [[0, rate], [draw(st.floats(1, 500)), rate + 1]]}},
                {"name": "ovr", "period_days": 7, "payer": draw(st.sampled_from(["top", "supplier"])),
                 "scheme": {"type": "override", "rate_pct": draw(st.integers(0, 300)) / 100}},
            ],
        }  # fmt: skip
    return section


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(doc=scenario_dicts(period_days=1, min_periods=14, max_periods=42), business=business_sections(),
       seed=st.integers(0, 2**31))  # fmt: skip
def test_random_scenarios_balance_to_the_cent(doc: dict[str, Any], business: dict[str, Any], seed: int) -> None:
    scenario = chansim.parse_scenario({**doc, "business": business})
    result = chansim.run(scenario, seed=seed)
    totals = _check_money(result)
    event("invoiced" if totals.get("invoiced") else "nothing invoiced")
    event("bad debt" if totals.get("bad_debt") else "no bad debt")
    event("incentives paid" if totals.get("rebate_income") or totals.get("commission_income") else "no incentives")
    assert set(totals) <= {*ACCOUNTS, "rebate_income", "rebate_expense", "commission_income", "commission_expense"}


def test_cents_type_is_an_int() -> None:
    assert Cents(5) == 5 and isinstance(Cents(5), int)
