"""Deterministic unit tests: exact event logs and levels computed by hand.

Every expected number below follows the period structure documented in
``chansim/engine.py`` and ``docs/scenario-format.md``: receipts first, then nodes
downstream first (demand, fill, order), then the end-of-period record. A lead time of
L days means units shipped in the period starting on day t are usable on day t + L.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from typing import Any

import pytest

import chansim
from chansim import SimulationError, parse_scenario

COLUMNS = ["day", "event", "node", "counterpart", "sku", "qty", "order_id"]


def events(result, days: int | None = None) -> list[tuple]:  # type: ignore[no-untyped-def]
    ev = result.events
    if days is not None:
        ev = ev[ev["day"] < days]
    return [tuple(row) for row in ev[COLUMNS].itertuples(index=False)]


def series(result, node: str, column: str, sku: str = "widget") -> list[float]:  # type: ignore[no-untyped-def]
    lv = result.levels
    rows = lv[(lv["node"] == node) & (lv["sku"] == sku)].sort_values("day")
    return rows[column].tolist()


def dealer_doc(
    *,
    policy: dict[str, Any],
    on_hand: float = 0,
    demand: float = 3,
    lead: int = 2,
    horizon: int = 6,
    lane: dict[str, Any] | None = None,
    **node: Any,
) -> dict[str, Any]:
    """One dealer supplied from outside, deterministic demand from one market."""
    return {
        "name": "unit",
        "horizon_days": horizon,
        "skus": [{"name": "widget", "unit_cost": 6, "list_price": 10}],
        "nodes": [
            {
                "name": "dealer",
                "kind": "dealer",
                "policy": policy,
                "initial": {"on_hand": on_hand},
                "lanes": [{"supplier": None, "lead_time_days": lead, **(lane or {})}],
                **node,
            }
        ],
        "markets": [
            {
                "name": "town",
                "served_by": "dealer",
                "demand": [{"sku": "widget", "distribution": {"type": "deterministic", "value": demand}}],
            }
        ],
    }


def chain_doc(*, dealers: list[dict[str, Any]], supplier: dict[str, Any], horizon: int = 5) -> dict[str, Any]:
    """A distributor `dist` (outside lane, lead 1) and dealers buying from it (no end demand)."""
    return {
        "name": "chain",
        "horizon_days": horizon,
        "skus": [{"name": "widget", "unit_cost": 6, "list_price": 10}],
        "nodes": [
            {
                "name": "dist",
                "kind": "distributor",
                "lanes": [{"supplier": None, "lead_time_days": 1}],
                "policy": {"type": "manual"},
                **supplier,
            },
            *[
                {
                    "kind": "dealer",
                    "policy": {"type": "manual"},
                    "lanes": [{"supplier": "dist", "lead_time_days": 1}],
                    **d,
                }
                for d in dealers
            ],
        ],
        "markets": [
            {
                "name": f"market_{d['name']}",
                "served_by": d["name"],
                "demand": [{"sku": "widget", "distribution": {"type": "deterministic", "value": 0}}],
            }
            for d in dealers
        ],
    }


# --------------------------------------------------------------------------- base stock


def test_base_stock_single_dealer_exact_levels_and_events() -> None:
    """Demand 3/day, S = 10, L = 2 days, 10 on hand.

    day 0: demand 3 -> on hand 7; IP 7 -> order 3 (arrives day 2).
    day 1: demand 3 -> on hand 4; IP 4 + 3 = 7 -> order 3.
    day k >= 2: receive 3 -> 7; demand 3 -> 4; IP 4 + 3 = 7 -> order 3.
    """
    result = chansim.run(parse_scenario(dealer_doc(policy={"type": "base_stock", "order_up_to": 10}, on_hand=10)))
    assert series(result, "dealer", "on_hand") == [7, 4, 4, 4, 4, 4]
    assert series(result, "dealer", "backorder") == [0] * 6
    assert series(result, "dealer", "on_order") == [3, 6, 6, 6, 6, 6]
    assert series(result, "dealer", "in_transit") == [3, 6, 6, 6, 6, 6]
    assert series(result, "dealer", "ordered") == [3] * 6
    assert series(result, "dealer", "received") == [0, 0, 3, 3, 3, 3]
    assert series(result, "dealer", "demand") == [3] * 6
    assert events(result, days=3) == [
        (0, "demand", "dealer", "town", "widget", 3, 1),
        (0, "shipped", "dealer", "town", "widget", 3, 1),
        (0, "ordered", "dealer", "external", "widget", 3, 2),
        (0, "shipped", "external", "dealer", "widget", 3, 2),
        (1, "demand", "dealer", "town", "widget", 3, 3),
        (1, "shipped", "dealer", "town", "widget", 3, 3),
        (1, "ordered", "dealer", "external", "widget", 3, 4),
        (1, "shipped", "external", "dealer", "widget", 3, 4),
        (2, "received", "dealer", "external", "widget", 3, 2),  # receipts come first
        (2, "demand", "dealer", "town", "widget", 3, 5),
        (2, "shipped", "dealer", "town", "widget", 3, 5),
        (2, "ordered", "dealer", "external", "widget", 3, 6),
        (2, "shipped", "external", "dealer", "widget", 3, 6),
    ]


def test_base_stock_backorders_are_served_first_when_stock_arrives() -> None:
    """Demand 3/day, S = 10, L = 2, only 5 on hand.

    day 0: demand 3 -> on hand 2; IP 2 -> order 8.
    day 1: demand 3 -> ship 2, backorder 1; IP 0 + 8 - 1 = 7 -> order 3 (on order 11).
    day 2: receive 8; ship the backorder 1 then today's 3 -> on hand 4; IP 4 + 3 = 7 -> order 3.
    """
    result = chansim.run(parse_scenario(dealer_doc(policy={"type": "base_stock", "order_up_to": 10}, on_hand=5)))
    assert series(result, "dealer", "on_hand") == [2, 0, 4, 4, 4, 4]
    assert series(result, "dealer", "backorder") == [0, 1, 0, 0, 0, 0]
    assert series(result, "dealer", "on_order") == [8, 11, 6, 6, 6, 6]
    assert series(result, "dealer", "ordered") == [8, 3, 3, 3, 3, 3]
    assert series(result, "dealer", "shipped") == [3, 2, 4, 3, 3, 3]
    day1_and_2 = [e for e in events(result) if e[0] in (1, 2)]
    assert day1_and_2 == [
        (1, "demand", "dealer", "town", "widget", 3, 3),
        (1, "shipped", "dealer", "town", "widget", 2, 3),
        (1, "ordered", "dealer", "external", "widget", 3, 4),
        (1, "shipped", "external", "dealer", "widget", 3, 4),
        (2, "received", "dealer", "external", "widget", 8, 2),
        (2, "demand", "dealer", "town", "widget", 3, 5),
        (2, "shipped", "dealer", "town", "widget", 1, 3),  # the backorder (placed day 1) first
        (2, "shipped", "dealer", "town", "widget", 3, 5),
        (2, "ordered", "dealer", "external", "widget", 3, 6),
        (2, "shipped", "external", "dealer", "widget", 3, 6),
    ]
    orders = result.orders.set_index("order_id")
    assert orders.loc[3, "shipped_on_arrival"] == 2  # 2 of 3 served in the period of demand
    assert orders.loc[3, "last_receipt_day"] == 2
    assert not orders.loc[3, "on_time"]
    assert orders.loc[1, "otif"]


def test_initial_pipeline_arrives_at_the_start_of_period_k() -> None:
    doc = dealer_doc(policy={"type": "manual"}, on_hand=0, demand=2, horizon=4)
    doc["nodes"][0]["initial"] = {"on_hand": 0, "pipeline": [2, 0, 5]}
    result = chansim.run(parse_scenario(doc))
    assert series(result, "dealer", "received") == [2, 0, 5, 0]
    assert series(result, "dealer", "on_hand") == [0, 0, 1, 0]
    assert series(result, "dealer", "backorder") == [0, 2, 0, 1]
    assert series(result, "dealer", "in_transit") == [5, 5, 0, 0]
    assert series(result, "dealer", "on_order") == [5, 5, 0, 0]


def _backlog_doc(first_customer_buys_elsewhere: bool) -> dict[str, Any]:
    """The vendor owes 3 widgets at day 0. Its first customer by name, `a_dealer`, does not buy
    widgets from it (it sells only gadgets, or buys widgets from `dist`); `z_buyer` does."""
    a_lanes = (
        [
            {"supplier": "dist", "lead_time_days": 1, "skus": ["widget"]},
            {"supplier": "vendor", "lead_time_days": 1, "skus": ["gadget"]},
        ]
        if first_customer_buys_elsewhere
        else [{"supplier": "vendor", "lead_time_days": 1}]
    )
    a_demand = ["widget", "gadget"] if first_customer_buys_elsewhere else ["gadget"]
    manual = {"type": "manual"}
    return {
        "name": "initial-backlog",
        "horizon_days": 3,
        "skus": [
            {"name": "widget", "unit_cost": 6, "list_price": 10},
            {"name": "gadget", "unit_cost": 1, "list_price": 2},
        ],
        "nodes": [
            {
                "name": "vendor",
                "kind": "vendor",
                "lanes": [{"lead_time_days": 1}],
                "policy": manual,
                "items": [{"sku": "widget", "initial": {"on_hand": 10, "backlog": 3}}],
            },
            {
                "name": "dist",
                "kind": "distributor",
                "lanes": [{"supplier": "vendor", "lead_time_days": 1}],
                "policy": manual,
            },
            {"name": "a_dealer", "kind": "dealer", "lanes": a_lanes, "policy": manual},
            {
                "name": "z_buyer",
                "kind": "dealer",
                "policy": manual,
                "lanes": [{"supplier": "dist" if first_customer_buys_elsewhere else "vendor", "lead_time_days": 1}],
            },
        ],
        "markets": [
            {
                "name": "a_market",
                "served_by": "a_dealer",
                "demand": [{"sku": s, "distribution": {"type": "deterministic", "value": 0}} for s in a_demand],
            },
            {
                "name": "z_market",
                "served_by": "z_buyer",
                "demand": [{"sku": "widget", "distribution": {"type": "deterministic", "value": 0}}],
            },
        ],
    }


@pytest.mark.parametrize(
    ("buys_elsewhere", "owed_to"), [(False, "z_buyer"), (True, "dist")], ids=["does-not-carry", "buys-elsewhere"]
)
def test_initial_backlog_is_owed_to_a_customer_that_buys_the_sku_there(buys_elsewhere: bool, owed_to: str) -> None:
    """A supplier's initial backlog goes to a customer that buys that SKU from it; the units
    ship to that customer, arrive there, and are paid for (none vanish)."""
    result = chansim.run(parse_scenario(_backlog_doc(buys_elsewhere)))
    assert [e for e in events(result) if e[1] == "shipped" and e[2] == "vendor"] == [
        (0, "shipped", "vendor", owed_to, "widget", 3, 1),
    ]
    assert series(result, owed_to, "received") == [0, 3, 0]
    assert series(result, owed_to, "on_order") == [3, 0, 0]
    # a_dealer received nothing (in the does-not-carry case it does not even stock the SKU)
    assert sum(series(result, "a_dealer", "received")) == 0
    money = result.money.groupby(["node", "sku", "account"], observed=True)["amount"].sum()
    assert money[("vendor", "widget", "revenue")] == pytest.approx(money[(owed_to, "widget", "purchases")])


# --------------------------------------------------------------------------- order delay


@pytest.mark.parametrize(("delay", "seen", "arrives"), [(0, 0, 1), (2, 2, 3)])
def test_order_delay_sets_when_the_supplier_sees_the_order(delay: int, seen: int, arrives: int) -> None:
    """The dealer orders 5 on day 0; with order_delay_days d the distributor sees it on day d,
    ships at once (it has stock) and the units arrive d + 1 (lead time 1)."""
    doc = chain_doc(dealers=[{"name": "dealer", "order_delay_days": delay}], supplier={"initial": {"on_hand": 20}})
    result = chansim.run(parse_scenario(doc), decisions={(0, "dealer", "widget"): 5})
    assert events(result) == [
        (0, "ordered", "dealer", "dist", "widget", 5, 1),
        (seen, "shipped", "dist", "dealer", "widget", 5, 1),
        (arrives, "received", "dealer", "dist", "widget", 5, 1),
    ]
    order = result.orders.set_index("order_id").loc[1]
    assert (order["placed_day"], order["seen_day"], order["first_ship_day"], order["last_receipt_day"]) == (
        0,
        seen,
        seen,
        arrives,
    )
    assert order["due_day"] == delay + 1  # placement + order delay + lead time
    assert order["otif"]
    demand_at_dist = series(result, "dist", "demand")
    assert demand_at_dist == [5 if day == seen else 0 for day in range(5)]
    assert series(result, "dealer", "on_order") == [5 if day < arrives else 0 for day in range(5)]
    assert series(result, "dealer", "in_transit") == [5 if seen <= day < arrives else 0 for day in range(5)]
    assert series(result, "dist", "on_hand") == [20 if day < seen else 15 for day in range(5)]


# --------------------------------------------------------------------------- capacity and disruptions


def test_lane_capacity_limits_shipments_per_period() -> None:
    """The dealer orders 10 from a distributor with 20 on hand over a lane of 4 units/day:
    4 ship on day 0, 4 on day 1, 2 on day 2; each arrives a day later."""
    doc = chain_doc(dealers=[{"name": "dealer"}], supplier={"initial": {"on_hand": 20}})
    doc["nodes"][1]["lanes"][0]["capacity_units_per_day"] = 4
    result = chansim.run(parse_scenario(doc), decisions={(0, "dealer", "widget"): 10})
    assert series(result, "dist", "shipped") == [4, 4, 2, 0, 0]
    assert series(result, "dist", "backorder") == [6, 2, 0, 0, 0]
    assert series(result, "dealer", "received") == [0, 4, 4, 2, 0]
    assert series(result, "dealer", "in_transit") == [4, 4, 2, 0, 0]
    assert series(result, "dealer", "on_order") == [10, 6, 2, 0, 0]


def test_outside_lane_capacity_spreads_an_order() -> None:
    doc = dealer_doc(policy={"type": "manual"}, demand=0, lead=1, lane={"capacity_units_per_day": 3}, horizon=5)
    result = chansim.run(parse_scenario(doc), decisions={(0, "dealer", "widget"): 10})
    shipped = [(e[0], e[5]) for e in events(result) if e[1] == "shipped" and e[2] == "external"]
    assert shipped == [(0, 3), (1, 3), (2, 3), (3, 1)]
    assert series(result, "dealer", "received") == [0, 3, 3, 3, 1]


def test_disruption_window_closes_the_lane() -> None:
    """Demand 2/day, S = 4, L = 1, 4 on hand; the outside lane ships nothing on days 5, 6, 7.

    Orders of days 5-8 all ship on day 8 (8 units) and arrive on day 9; meanwhile
    on hand runs out on day 6 and 2 then 4 units are backordered on days 7 and 8.
    """
    doc = dealer_doc(
        policy={"type": "base_stock", "order_up_to": 4},
        on_hand=4,
        demand=2,
        lead=1,
        horizon=10,
        lane={"disruptions": [{"start_day": 5, "end_day": 8, "capacity_units_per_day": 0}]},
    )
    result = chansim.run(parse_scenario(doc))
    assert series(result, "dealer", "on_hand") == [2, 2, 2, 2, 2, 2, 0, 0, 0, 2]
    assert series(result, "dealer", "backorder") == [0, 0, 0, 0, 0, 0, 0, 2, 4, 0]
    assert series(result, "dealer", "on_order") == [2, 2, 2, 2, 2, 2, 4, 6, 8, 2]
    assert series(result, "dealer", "in_transit") == [2, 2, 2, 2, 2, 0, 0, 0, 8, 2]
    shipped_from_outside = {}
    for e in events(result):
        if e[1] == "shipped" and e[2] == "external":
            shipped_from_outside[e[0]] = shipped_from_outside.get(e[0], 0) + e[5]
    assert shipped_from_outside == {0: 2, 1: 2, 2: 2, 3: 2, 4: 2, 8: 8, 9: 2}


def test_disruption_extra_lead_time_delays_what_ships_in_the_window() -> None:
    doc = dealer_doc(
        policy={"type": "manual", "default_order": 1},
        demand=0,
        lead=1,
        horizon=8,
        lane={
            "disruptions": [{"start_day": 2, "end_day": 4, "capacity_units_per_day": 100, "extra_lead_time_days": 3}]
        },
    )
    result = chansim.run(parse_scenario(doc))
    # shipped on day t arrives on t + 1, or t + 1 + 3 when t is in [2, 4)
    assert series(result, "dealer", "received") == [0, 1, 1, 0, 0, 1, 2, 2]
    assert series(result, "dealer", "in_transit") == [1, 1, 1, 2, 3, 3, 2, 1]


# --------------------------------------------------------------------------- shortages


def test_lost_sales_cancels_unfilled_demand() -> None:
    """5 on hand, demand 3/day, no replenishment: 3 sold, then 2 sold and 1 lost, then 3 lost a day."""
    doc = dealer_doc(policy={"type": "manual"}, on_hand=5, demand=3, horizon=4, shortage="lost_sales")
    result = chansim.run(parse_scenario(doc))
    assert series(result, "dealer", "shipped") == [3, 2, 0, 0]
    assert series(result, "dealer", "lost") == [0, 1, 3, 3]
    assert series(result, "dealer", "backorder") == [0, 0, 0, 0]
    assert series(result, "dealer", "on_hand") == [2, 0, 0, 0]
    assert [e for e in events(result) if e[0] == 1] == [
        (1, "demand", "dealer", "town", "widget", 3, 2),
        (1, "shipped", "dealer", "town", "widget", 2, 2),
        (1, "lost", "dealer", "town", "widget", 1, 2),
    ]
    order = result.orders.set_index("order_id").loc[2]
    assert (order["qty"], order["shipped"], order["cancelled"]) == (3, 2, 1)
    assert not order["in_full"]


def test_lost_sales_at_a_supplier_cuts_the_customer_order() -> None:
    """A lost-sales distributor with 3 on hand gets an order of 5: ships 3, cancels 2, and the
    dealer's on order drops to what is still coming."""
    doc = chain_doc(dealers=[{"name": "dealer"}], supplier={"initial": {"on_hand": 3}, "shortage": "lost_sales"})
    result = chansim.run(parse_scenario(doc), decisions={(0, "dealer", "widget"): 5})
    assert series(result, "dist", "lost") == [2, 0, 0, 0, 0]
    assert series(result, "dist", "backorder") == [0] * 5
    assert series(result, "dealer", "on_order") == [3, 0, 0, 0, 0]
    assert series(result, "dealer", "received") == [0, 3, 0, 0, 0]


# --------------------------------------------------------------------------- allocation


def _allocate(allocation: str, on_hand: float, asks: dict[str, float], units: str = "discrete", **priorities: int):  # type: ignore[no-untyped-def]
    dealers = [{"name": name, **({"priority": priorities[name]} if name in priorities else {})} for name in asks]
    doc = chain_doc(dealers=dealers, supplier={"initial": {"on_hand": on_hand}, "allocation": allocation}, horizon=1)
    doc["units"] = units
    result = chansim.run(parse_scenario(doc), decisions={(0, name, "widget"): q for name, q in asks.items()})
    shipped = {name: 0.0 for name in asks}
    for e in events(result):
        if e[1] == "shipped" and e[2] == "dist":
            shipped[e[3]] += e[5]
    return shipped


def test_proportional_allocation_largest_remainder() -> None:
    # 10 units for 7 + 8: shares 4.67 and 5.33 -> floors 4 and 5, the leftover unit to the larger remainder
    assert _allocate("proportional", 10, {"d0": 7, "d1": 8}) == {"d0": 5, "d1": 5}
    # 10 units for 2 + 4 + 9: shares 1.33, 2.67, 6 -> 1, 2, 6, the leftover to the 0.67 remainder
    assert _allocate("proportional", 10, {"d0": 2, "d1": 4, "d2": 9}) == {"d0": 1, "d1": 3, "d2": 6}
    # 2 units for 1 + 1 + 1: equal remainders, ties by book order (d0 then d1: processed in name order)
    assert _allocate("proportional", 2, {"d0": 1, "d1": 1, "d2": 1}) == {"d0": 1, "d1": 1, "d2": 0}
    # enough stock: everybody is served in full
    assert _allocate("proportional", 20, {"d0": 7, "d1": 8}) == {"d0": 7, "d1": 8}


def test_proportional_allocation_continuous_units() -> None:
    shipped = _allocate("proportional", 10, {"d0": 7, "d1": 8}, units="continuous")
    assert shipped["d0"] == pytest.approx(10 * 7 / 15)
    assert shipped["d1"] == pytest.approx(10 * 8 / 15)
    assert sum(shipped.values()) == pytest.approx(10)


def test_first_come_allocation_serves_in_book_order() -> None:
    # same period: book order is the processing order (name order at equal depth)
    assert _allocate("first_come", 10, {"d0": 7, "d1": 8}) == {"d0": 7, "d1": 3}


def test_priority_allocation_serves_lower_priority_values_first() -> None:
    assert _allocate("priority", 10, {"d0": 7, "d1": 8}, d0=2, d1=1) == {"d0": 2, "d1": 8}
    assert _allocate("priority", 10, {"d0": 7, "d1": 8}, d0=0, d1=1) == {"d0": 7, "d1": 3}


def test_proportional_allocation_never_leaves_negative_stock() -> None:
    """Continuous shares must add up to no more than the stock: on hand stays >= 0 exactly
    (no -1e-16 left over, which would also show as a negative holding cost)."""
    doc = chain_doc(
        dealers=[{"name": n} for n in ("d0", "d1", "d2")],
        supplier={"initial": {"on_hand": 1.0}, "allocation": "proportional", "holding_cost_per_unit_day": 1},
        horizon=1,
    )
    doc["units"] = "continuous"
    result = chansim.run(parse_scenario(doc), decisions={(0, n, "widget"): 0.7 for n in ("d0", "d1", "d2")})
    assert series(result, "dist", "on_hand")[0] >= 0
    assert (result.money["amount"] >= 0).all()


# --------------------------------------------------------------------------- manual policy and sessions


def test_manual_policy_with_session_set_order() -> None:
    doc = dealer_doc(policy={"type": "manual", "default_order": 1}, on_hand=6, demand=2, lead=1, horizon=4)
    session = chansim.Session(parse_scenario(doc), seed=0)
    assert session.manual_items == [("dealer", "widget")]
    session.set_order("dealer", "widget", 4)  # period 0
    session.advance(days=1)
    assert session.day == 1
    state = session.state().set_index("node").loc["dealer"]
    assert (state["on_hand"], state["on_order"], state["inventory_position"]) == (4, 4, 8)
    session.advance(periods=1)  # period 1: no decision -> default_order 1
    session.set_order("dealer", "widget", 0)  # period 2: order nothing
    session.advance(periods=2)
    result = session.result()
    assert series(result, "dealer", "ordered") == [4, 1, 0, 1]
    assert series(result, "dealer", "on_hand") == [4, 6, 5, 3]
    assert result.decisions == {(0, "dealer", "widget"): 4.0, (2, "dealer", "widget"): 0.0}


def test_manual_decisions_are_rounded_in_discrete_units() -> None:
    doc = dealer_doc(policy={"type": "manual"}, demand=0, horizon=3)
    result = chansim.run(
        parse_scenario(doc),
        decisions={(0, "dealer", "widget"): 2.5, (1, "dealer", "widget"): 2.49, (2, "dealer", "widget"): 0.4},
    )
    assert series(result, "dealer", "ordered") == [3, 2, 0]  # halves round up; <= 0 places no order


def test_set_order_on_a_non_manual_node_raises() -> None:
    session = chansim.Session(parse_scenario(dealer_doc(policy={"type": "base_stock", "order_up_to": 5})))
    with pytest.raises(SimulationError, match="manual"):
        session.set_order("dealer", "widget", 3)
    with pytest.raises(SimulationError):
        session.set_order("nobody", "widget", 3)
    with pytest.raises(SimulationError):
        session.set_order("dealer", "gadget", 3)


@pytest.mark.parametrize("qty", [-1, -0.001, math.nan, math.inf, -math.inf, 2e9, "3", None])
def test_set_order_rejects_bad_quantities(qty: object) -> None:
    session = chansim.Session(parse_scenario(dealer_doc(policy={"type": "manual"})))
    with pytest.raises(SimulationError):
        session.set_order("dealer", "widget", qty)  # type: ignore[arg-type]
    assert session.decisions == {}


@pytest.mark.parametrize("qty", [-1, math.nan, math.inf])
def test_run_rejects_bad_decision_quantities(qty: float) -> None:
    """Decisions given to run() (Session.set_decisions) are checked like set_order's."""
    scenario = parse_scenario(dealer_doc(policy={"type": "manual"}))
    with pytest.raises(SimulationError):
        chansim.run(scenario, decisions={(0, "dealer", "widget"): qty})


def test_session_rejects_bad_steps_and_past_decisions() -> None:
    session = chansim.Session(parse_scenario(dealer_doc(policy={"type": "manual"})))
    with pytest.raises(SimulationError):
        session.advance(days=-1)
    with pytest.raises(SimulationError):
        session.advance(periods=-2)
    session.advance(periods=2)
    with pytest.raises(SimulationError):
        session.set_decisions({(1, "dealer", "widget"): 3})
    with pytest.raises(SimulationError):
        chansim.Session(parse_scenario(dealer_doc(policy={"type": "manual"})), seed=-1)


# --------------------------------------------------------------------------- package surface


def test_import_does_not_pull_in_the_ui() -> None:
    code = "import sys, chansim; assert 'ipywidgets' not in sys.modules and 'matplotlib' not in sys.modules"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


def test_schema_command_prints_the_scenario_json_schema() -> None:
    done = subprocess.run([sys.executable, "-m", "chansim.cli", "schema"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    schema = json.loads(done.stdout)
    assert set(chansim.Scenario.model_fields) <= set(schema["properties"])
    assert {"name", "skus", "nodes", "markets"} <= set(schema["required"])
    assert "Node" in schema["$defs"] and "Lane" in schema["$defs"]
