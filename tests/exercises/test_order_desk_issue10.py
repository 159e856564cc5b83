"""Issue 10's order desk bugs, each as the test that would have caught it.

* the page promised "approve or hold orders" and offered only credit limits;
* its own week-1 suggestion was 0, and the jump to a normal order in week 2 then read as
  "Critical: amplified demand 6.4x";
* "Customers waited too often" came twice, with different numbers, naming no level or product.
"""

from __future__ import annotations

import pytest

from chansim.exercises import from_log
from chansim.exercises.game import DecisionError, expected_daily_demand
from chansim.exercises.messages import CATALOGUE
from chansim.exercises.order_desk import DEALERS, DISTRIBUTOR, PENDING_COLUMNS, OrderDesk

SEEDS = range(4)


def held_desk(seed: int = 0) -> OrderDesk:
    """A desk whose bronze dealer has orders held: its limit cut to 5,000 in week 1."""
    desk = OrderDesk(seed=seed, horizon_weeks=6)
    decision = desk.default_decision()
    decision["credit_limits"] = {"dealer_n3": 5000}
    desk.play_round(decision)
    assert len(desk.held_orders()), "the cut limit must hold some of the dealer's orders"
    return desk


# --------------------------------------------------------------------------- the week-1 suggestion


@pytest.mark.parametrize("seed", SEEDS)
def test_the_week_one_suggestion_is_about_a_week_of_demand_not_zero(seed: int) -> None:
    desk = OrderDesk(seed=seed)
    orders = desk.default_decision()["orders"]
    for _, sku in desk.controlled:
        week = expected_daily_demand(desk.scenario, DISTRIBUTOR, sku) * 7
        assert 0.5 * week <= orders[sku] <= 1.5 * week, (sku, orders[sku], week)
        assert desk.suggestion(DISTRIBUTOR, sku) == orders[sku]
    assert desk.default_decision()["source"] == "auto:base_stock"


def test_playing_the_suggestion_is_never_told_it_amplified_demand() -> None:
    """Week after week the page's own suggestion played: no critical amplification, on any seed, in any week."""
    for seed in SEEDS:
        desk = OrderDesk(seed=seed, horizon_weeks=8)
        while not desk.finished:
            desk.play_round(desk.default_decision())
            bad = [a for a in desk.advice() if a.code == "amplification" and a.severity == "critical"]
            assert not bad, (seed, desk.round, bad[0].message if bad else "")


def test_no_amplification_advice_on_fewer_than_four_weeks_but_after_them() -> None:
    wild = OrderDesk(seed=5, horizon_weeks=6)
    for week in range(6):
        qty = 400 if week % 2 else 0
        wild.play_round({"orders": {"fridge": qty, "washer": qty, "microwave": qty}})
        codes = {a.code for a in wild.advice()}
        assert ("amplification" in codes) == (wild.round >= 4), wild.round


# --------------------------------------------------------------------------- waiting customers, per level and product


@pytest.mark.parametrize("lang", ["en_US", "zh_CN"])
def test_waiting_customers_are_advised_once_per_level_and_product_naming_both(lang: str) -> None:
    desk = OrderDesk(seed=3, horizon_weeks=6)
    for _ in range(6):
        desk.play_round({"orders": {"fridge": 60, "washer": 5, "microwave": 0}})
    backlog = [a for a in desk.advice(lang) if a.code == "backlog"]
    keys = [(a.evidence["node"], a.evidence["sku"]) for a in backlog]
    assert len(keys) == len(set(keys)) >= 2, keys
    assert {node for node, _ in keys} == {DISTRIBUTOR, "dealers"}
    rows = {(r.node, r.sku): r for r in desk.backlog_rows(lang)}
    for advice, key in zip(backlog, keys, strict=True):
        node, sku = key
        assert CATALOGUE.get(f"operations.sku.{sku}", lang=lang) in advice.message
        assert CATALOGUE.get(f"operations.level.{node}", lang=lang) in advice.message
        assert advice.evidence["stockout_rate"] == rows[key].stockout_rate > 0.2
    generic = CATALOGUE.get("advice.backlog", lang=lang, stockout_rate=0.5, mean_backorder=1.0, limit=0.2)
    assert not any(a.message.startswith(generic[:12]) for a in desk.advice(lang))
    # the rates are the level's share of node x day rows of the product with a backlog or lost sales
    levels = desk.result().levels
    mine = levels[(levels["node"].isin(DEALERS)) & (levels["sku"] == "microwave")]
    share = ((mine["backorder"] > 1e-9) | (mine["lost"] > 1e-9)).mean()
    assert rows["dealers", "microwave"].stockout_rate == pytest.approx(share)


# --------------------------------------------------------------------------- approve or hold each order


def test_the_week_shows_the_orders_held_at_the_credit_desk() -> None:
    desk = held_desk()
    pending = desk.held_orders()
    assert list(pending.columns) == PENDING_COLUMNS
    assert set(pending["customer"]) == {"dealer_n3"} and set(pending["credit_status"]) == {"held"}
    assert (pending["qty"] > 0).all() and (pending["amount"] > 0).all()
    assert set(pending["sku"]) <= {"fridge", "washer", "microwave"}
    assert desk.state()["pending"] == [dict(row) for row in desk.state()["pending"]]
    assert [row["order"] for row in desk.state()["pending"]] == list(pending["order"])


def test_the_standard_process_approves_what_the_available_credit_allows() -> None:
    desk = held_desk()
    pending = desk.held_orders()
    choices = desk.default_decision()["approvals"]
    assert set(choices) == set(pending["order"])
    room = float(pending["available"].iloc[0])
    for row in pending.itertuples():
        fits = row.amount <= room
        assert choices[row.order] == ("approve" if fits else "hold")
        room -= row.amount if fits else 0


def test_approve_lets_orders_go_on_over_the_limit_and_hold_keeps_them() -> None:
    approved, held = held_desk(), held_desk()
    orders = list(approved.held_orders()["order"])
    base = {"orders": {"fridge": 40, "washer": 50, "microwave": 100}}
    approved.play_round({**base, "approvals": {order: "approve" for order in orders}})
    held.play_round({**base, "approvals": {order: "hold" for order in orders}})
    audit = approved.result().audit
    released = audit[(audit["action"] == "released") & audit["detail"].str.endswith("approved")]
    assert sorted(released["subject"]) == sorted(orders)
    assert not set(orders) & set(approved.held_orders()["order"])
    audit = held.result().audit
    assert not (audit["detail"].astype(str).str.endswith("approved")).any()
    assert approved.played_decisions()[-1]["approvals"] == {order: "approve" for order in orders}
    # the dealer got more goods when its orders were approved
    shipped = {
        name: float(game.result().levels.query("node == 'dealer_n3'")["received"].sum())
        for name, game in (("approved", approved), ("held", held))
    }
    assert shipped["approved"] > shipped["held"]
    # the log replays the approvals to the same game
    again = from_log(approved.to_log())
    assert again.played_decisions() == approved.played_decisions()
    assert again.state() == approved.state()


def test_an_order_not_held_or_a_choice_not_offered_is_refused_by_name() -> None:
    desk = held_desk()
    order = desk.held_orders()["order"].iloc[0]
    base = {"orders": {"fridge": 1, "washer": 1, "microwave": 1}}
    with pytest.raises(DecisionError) as error:
        desk.play_round({**base, "approvals": {"424242": "approve"}})
    assert error.value.key == "validation.unknown_choice" and error.value.params["field"] == "approvals"
    assert order in error.value.params["allowed"]
    with pytest.raises(DecisionError) as error:
        desk.play_round({**base, "approvals": {order: "maybe"}})
    assert error.value.params["field"] == f"approvals/{order}" and error.value.params["allowed"] == "approve, hold"
    assert desk.round == 1
    assert desk.set_approval(order, "approve") == "approve"
    for sku in ("fridge", "washer", "microwave"):
        desk.decide(DISTRIBUTOR, sku, 1)
    desk.play_round()
    assert desk.played_decisions()[-1]["approvals"] == {order: "approve"}
