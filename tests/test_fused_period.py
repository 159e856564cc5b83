"""The engine's fused period (plain base-stock items, no business layer, no event records)
gives exactly the tables of its general path.

A run with ``record_events=True`` takes the general path (one method per step), one with
``record_events=False`` the fused one when every item is plain; the levels, orders and
money tables must be identical, to the last bit, on networks that exercise every branch of
the fused loop: backorders, books of several orders (first come and priority), end-customer
orders waiting in a book, the outside source, continuous and discrete units, periods of
several days. A change through ``session.control`` mid-run (the plan no longer holds) and
a non-plain item (the general path for the whole period) must match too.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

import chansim
from chansim import Session, parse_scenario

TABLES = ("levels", "orders", "money")


def network(
    *,
    units: str = "discrete",
    period_days: int = 1,
    allocation: str = "first_come",
    demand: dict[str, Any] | None = None,
    dealers: int = 2,
    horizon: int = 120,
) -> dict[str, Any]:
    """factory <- distributor <- ``dealers`` dealers (each with a market), base stock everywhere."""
    P = period_days
    nodes: list[dict[str, Any]] = [
        {
            "name": "factory",
            "kind": "factory",
            "lanes": [{"supplier": None, "lead_time_days": 2 * P}],
            "policy": {"type": "base_stock", "order_up_to": 30},
            "initial": {"on_hand": 10},
        },
        {
            "name": "dist",
            "kind": "distributor",
            "allocation": allocation,
            "lanes": [{"supplier": "factory", "lead_time_days": P}],
            "policy": {"type": "base_stock", "order_up_to": 25},
            "initial": {"on_hand": 5},
        },
    ]
    markets = []
    for i in range(dealers):
        nodes.append(
            {
                "name": f"dealer{i}",
                "kind": "dealer",
                "priority": i,
                "lanes": [{"supplier": "dist", "lead_time_days": (1 + i) * P}],
                "policy": {"type": "base_stock", "order_up_to": 9 + 2 * i},
                "initial": {"on_hand": 3},
                "holding_cost_per_unit_day": 0.5,
                "backorder_cost_per_unit_day": 2.0,
            }
        )
        markets.append(
            {
                "name": f"town{i}",
                "served_by": f"dealer{i}",
                "demand": [{"sku": "widget", "distribution": demand or {"type": "poisson", "mean": 4 + i}}],
            }
        )
    return {
        "name": "fused",
        "period_days": P,
        "horizon_days": horizon * P,
        "units": units,
        "skus": [{"name": "widget", "unit_cost": 6, "list_price": 10}],
        "nodes": nodes,
        "markets": markets,
    }


def assert_same_tables(a, b) -> None:  # type: ignore[no-untyped-def]
    for name in TABLES:
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name), check_exact=True, obj=name)


CASES = {
    "discrete, first come": {},
    "discrete, priority": {"allocation": "priority"},
    "continuous normal demand": {"units": "continuous", "demand": {"type": "normal", "mean": 5.0, "std": 3.0}},
    "weekly periods": {"period_days": 7},
    "one dealer": {"dealers": 1},
    "four dealers, priority": {"dealers": 4, "allocation": "priority"},
}


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("seed", [0, 3])
def test_fused_period_gives_the_general_paths_tables(case: str, seed: int) -> None:
    scenario = parse_scenario(network(**CASES[case]))
    fused = chansim.run(scenario, seed=seed, record_events=False)
    general = chansim.run(scenario, seed=seed, record_events=True)
    assert (fused.levels["backorder"] > 0).any()  # the shortage branches ran
    assert_same_tables(fused, general)


def test_a_control_change_mid_run_drops_the_fused_plan() -> None:
    scenario = parse_scenario(network(dealers=3))
    results = []
    for record_events in (False, True):
        session = Session(scenario, seed=5, record_events=record_events)
        session.advance(days=30)
        control = session.control
        control.add_customer_order(control.item("dealer1", "widget"), "walk-in", 7)  # placed on the clock's day
        control.set_demand_factor(control.item("dealer0", "widget"), 1.7)  # not plain from now on
        session.advance(days=30)
        control.set_demand_factor(control.item("dealer0", "widget"), 1.0)  # plain again
        control.set_allocation("dist", "priority")
        session.advance(days=30)
        control.set_allocation("dist", "proportional")  # not plain
        session.advance(days=30)
        results.append(session.result())
    assert_same_tables(*results)


@pytest.mark.parametrize("steps", [[120], [40, 80], [1, 2, 3, 114], [60, 1, 59]])
def test_advancing_in_steps_gives_the_straight_run(steps: list[int]) -> None:
    scenario = parse_scenario(network(dealers=2))
    straight = Session(scenario, seed=4, record_events=True).advance(days=120).result()
    session = Session(scenario, seed=4, record_events=False)
    for days in steps:
        session.advance(days=days)
        assert session.day == sum(steps[: steps.index(days) + 1])
    assert_same_tables(session.result(), straight)


def test_a_fork_continues_the_fused_run_exactly() -> None:
    scenario = parse_scenario(network(dealers=2))
    straight = Session(scenario, seed=2, record_events=False).advance(days=120).result()
    session = Session(scenario, seed=2, record_events=False).advance(days=40)
    twin = session.fork()
    assert_same_tables(twin.advance(days=80).result(), straight)
    assert_same_tables(session.advance(days=80).result(), straight)
