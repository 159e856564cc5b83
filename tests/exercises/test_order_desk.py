"""The order desk exercise: weekly distributor orders, credit limits changed mid-run by replay, desk KPIs."""

from __future__ import annotations

import io
import math
from pathlib import Path

import pandas as pd
import pytest

from chansim.exercises.game import DecisionError
from chansim.exercises.order_desk import (
    ALLOCATION_RULES,
    DEALERS,
    DESK_KPI_COLUMNS,
    DISTRIBUTOR,
    EVENT_KINDS,
    PARTNERS,
    AllocationRuleChange,
    CreditLimitChange,
    OrderDesk,
    order_desk_scenario,
)
from chansim.io import load_scenario

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
SKUS = ("fridge", "washer", "microwave")


def weekly_orders(desk: OrderDesk, quantities: dict[str, float], weeks: int) -> None:
    for _ in range(weeks):
        for sku, qty in quantities.items():
            desk.decide(DISTRIBUTOR, sku, qty)
        desk.play_round()


def test_scenario_is_the_northern_region_of_stage_4() -> None:
    stage4 = load_scenario(SCENARIOS / "stage-4-operations.yaml")
    desk = order_desk_scenario()
    assert desk.horizon_days == 84 and desk.warmup_days == 0 and desk.period_days == 1
    assert desk.skus == stage4.skus
    for node in desk.nodes:
        original = stage4.node(node.name)
        assert node.region in (None, "north")
        same = ("kind", "policy", "items", "initial", "shortage", "allocation", "holding_cost_per_unit_day",
                "backorder_cost_per_unit_day", "lost_sale_cost_per_unit", "ordering_cost_per_order")  # fmt: skip
        for name in same:
            assert getattr(node, name) == getattr(original, name), (node.name, name)
        for lane, old in zip(node.lanes, original.lanes, strict=True):
            assert lane.model_copy(update={"disruptions": []}) == old  # events became lane disruptions
    for market in desk.markets:
        original = next(m for m in stage4.markets if m.name == market.name)
        assert [d.distribution for d in market.demand] == [d.distribution for d in original.demand]
    otc, otc4 = desk.business.order_to_cash, stage4.business.order_to_cash  # type: ignore[union-attr]
    assert otc.approver_pools == otc4.approver_pools and otc.approval_path == otc4.approval_path
    assert otc.payment == otc4.payment
    for partner in PARTNERS:
        kind = desk.node(partner).kind
        assert otc.credit.credit_limit(partner, kind) == otc4.credit.credit_limit(partner, kind)
    assert order_desk_scenario(horizon_weeks=4).horizon_days == 28


def test_a_short_game_moves_state_kpis_and_score() -> None:
    desk = OrderDesk(seed=0, horizon_weeks=6)
    assert desk.controlled == tuple((DISTRIBUTOR, sku) for sku in SKUS)
    start = desk.stock_table().set_index("sku")
    assert start.loc["fridge", "on_hand"] == 65 and start["incoming_orders"].eq(0).all()
    assert desk.desk_kpis().empty and math.isnan(desk.score().value)

    weekly_orders(desk, {"fridge": 45, "washer": 55, "microwave": 110}, weeks=3)
    state = desk.stock_table().set_index("sku")
    assert (state["incoming_orders"] > 0).all() and (state["last_order"] == [45, 55, 110]).all()
    kpis = desk.desk_kpis()
    assert list(kpis.columns) == DESK_KPI_COLUMNS
    assert kpis["node"].tolist() == [DISTRIBUTOR, "dealer_n1", "dealer_n2", "dealer_n3", "region"]
    region = kpis.set_index("node").loc["region"]
    assert region["total_cost"] == pytest.approx(kpis["total_cost"].iloc[:4].sum())
    assert region["orders_checked"] > 0 and 0 <= region["otif"] <= 1
    # the distributor's three weekly orders passed the credit desk (and the approval path)
    assert kpis.set_index("node").loc[DISTRIBUTOR, "orders_checked"] == 9
    levels = desk.result().levels
    ordered = levels[(levels["node"] == DISTRIBUTOR) & (levels["ordered"] > 0)]
    assert sorted(set(ordered["day"])) == [0, 7, 14]  # on the first day of each week

    score = desk.score()
    assert 0 <= score.value <= 100
    assert all(0 <= term <= 1 for term in score.components.values())
    assert score.value == pytest.approx(
        40 * score.components["cost"] + 40 * score.components["service"] + 20 * score.components["bullwhip"]
    )
    assert "C_std" in score.formula and "C_std" not in score.text()


def test_a_credit_limit_holds_orders_and_raising_it_releases_them() -> None:
    tight = OrderDesk(seed=0, horizon_weeks=6)
    assert tight.set_credit_limit("dealer_n1", "20000") == 20000
    assert tight.credit_table().set_index("partner").loc["dealer_n1", "pending_limit"] == 20000
    tight.auto_play(2)
    credit = tight.credit_table().set_index("partner")
    assert credit.loc["dealer_n1", "credit_limit"] == 20000 and credit.loc["dealer_n1", "held_orders"] > 0
    held = tight.desk_kpis().set_index("node").loc["dealer_n1", "orders_held"]
    assert held > 0

    loose = OrderDesk(seed=0, horizon_weeks=6)
    loose.auto_play(2)
    assert loose.desk_kpis().set_index("node").loc["dealer_n1", "orders_held"] == 0

    tight.set_credit_limit("dealer_n1", 400_000)
    tight.auto_play(1)
    assert tight.credit_table().set_index("partner").loc["dealer_n1", "held_orders"] == 0
    audit = tight.result().audit
    raised = audit[(audit["action"] == "limit_set") & (audit["value"] == "400000.0")]
    assert raised["time"].tolist() == [pytest.approx(14, abs=1e-3)]  # applied at the start of week 3
    released = audit[(audit["action"] == "released") & (audit["time"] == raised["time"].iloc[0])]
    assert len(released) > 0
    history = tight.history_frame()
    limits = history[history["kind"] == "credit_limit"]
    assert limits[["round", "node", "value"]].values.tolist() == [[0, "dealer_n1", 20000.0], [2, "dealer_n1", 400000.0]]


def test_undo_and_replay_restore_credit_changes_exactly() -> None:
    desk = OrderDesk(seed=3, horizon_weeks=6)
    weekly_orders(desk, {"fridge": 40, "washer": 50, "microwave": 100}, weeks=2)
    levels, audit, credit, kpis = desk.result().levels, desk.result().audit, desk.credit_table(), desk.desk_kpis()
    desk.set_credit_limit("dealer_n2", 1000)
    desk.set_credit_limit(DISTRIBUTOR, 50_000)
    weekly_orders(desk, {"fridge": 90, "washer": 90, "microwave": 300}, weeks=1)
    assert not desk.credit_table().equals(credit)
    undone = desk.undo()
    assert {type(a) for a in undone.actions} == {CreditLimitChange}
    pd.testing.assert_frame_equal(desk.result().levels, levels)
    pd.testing.assert_frame_equal(desk.result().audit, audit)
    pd.testing.assert_frame_equal(desk.credit_table(), credit)
    pd.testing.assert_frame_equal(desk.desk_kpis(), kpis)

    # the same decisions, credit changes included, replayed by another desk: identical results
    first, second = OrderDesk(seed=9, horizon_weeks=4), OrderDesk(seed=9, horizon_weeks=4)
    for game in (first, second):
        game.set_credit_limit("dealer_n3", 10_000)
        weekly_orders(game, {"fridge": 30, "washer": 60, "microwave": 90}, weeks=2)
    pd.testing.assert_frame_equal(first.result().levels, second.result().levels)
    pd.testing.assert_frame_equal(first.result().audit, second.result().audit)
    pd.testing.assert_frame_equal(first.desk_kpis(), second.desk_kpis())

    first.reset()
    assert first.round == 0 and first.credit_table()["credit_limit"].tolist() == [520000, 260000, 200000, 45000]


@pytest.mark.parametrize(
    ("partner", "limit", "key"),
    [
        ("dealer_s1", 1000, "validation.unknown_choice"),
        ("vendor", 1000, "validation.unknown_choice"),
        ("dealer_n1", -5, "validation.negative"),
        ("dealer_n1", 1e12, "validation.too_large"),
        ("dealer_n1", "plenty", "validation.not_a_number"),
        ("dealer_n1", float("nan"), "validation.not_a_number"),
        ("dealer_n1", "", "validation.empty"),
    ],
)
def test_bad_credit_limits_raise_decision_errors(partner: str, limit: object, key: str) -> None:
    desk = OrderDesk(horizon_weeks=2)
    with pytest.raises(DecisionError) as info:
        desk.set_credit_limit(partner, limit)
    assert info.value.key == key
    assert desk.pending_actions == ()


def test_bad_orders_auto_play_to_the_end_and_csv() -> None:
    desk = OrderDesk(seed=1, horizon_weeks=4)
    for qty, key in ((-1, "validation.negative"), (5000, "validation.too_large"), (1.5, "validation.not_whole")):
        with pytest.raises(DecisionError) as info:
            desk.decide(DISTRIBUTOR, "fridge", qty)
        assert info.value.key == key
    with pytest.raises(DecisionError) as info:
        desk.decide("dealer_n1", "fridge", 3)
    assert info.value.key == "validation.not_controlled"

    desk.set_credit_limit("dealer_n3", 60_000)
    assert desk.auto_play() == 4
    assert desk.finished and desk.result().info.days == 28
    with pytest.raises(DecisionError) as info:
        desk.set_credit_limit("dealer_n3", 1)
    assert info.value.key == "control.game_over"

    report = desk.report()
    assert (report["record"] == "order").sum() == 12 and (report["record"] == "credit_limit").sum() == 1
    back = pd.read_csv(io.StringIO(desk.to_csv()))  # type: ignore[arg-type]
    pd.testing.assert_frame_equal(back, report, check_dtype=False)


# --------------------------------------------------------------------------- allocation of scarce stock


def short_supply(desk: OrderDesk, weeks: int) -> None:
    """The distributor orders far less than the dealers need: its stock is scarce every week."""
    weekly_orders(desk, {"fridge": 15, "washer": 20, "microwave": 40}, weeks)


def dealer_fill_rates(desk: OrderDesk) -> pd.Series:
    return desk.kpis().set_index("node").loc[list(DEALERS), "fill_rate"]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_priority_allocation_serves_the_gold_dealer_first_when_stock_is_scarce(seed: int) -> None:
    """Same demand (common random numbers), same orders: only the rule differs."""
    fill = {}
    for rule in ALLOCATION_RULES:
        desk = OrderDesk(seed=seed, horizon_weeks=6)
        assert desk.set_allocation(rule) == rule and desk.pending_allocation == rule
        short_supply(desk, 6)
        assert desk.allocation == rule
        fill[rule] = dealer_fill_rates(desk)
    # gold dealer_n1 gets more and bronze dealer_n3 less by tier than first come, first served
    assert fill["priority"]["dealer_n1"] > fill["first_come"]["dealer_n1"]
    assert fill["priority"]["dealer_n3"] < fill["first_come"]["dealer_n3"]
    assert fill["priority"]["dealer_n1"] > fill["priority"]["dealer_n3"]
    assert not fill["proportional"].equals(fill["first_come"])


def test_an_allocation_change_is_an_action_replayed_on_undo_and_validated() -> None:
    desk = OrderDesk(seed=4, horizon_weeks=5)
    assert desk.allocation == "priority"  # the scenario's rule at the distributor
    short_supply(desk, 1)
    desk.set_allocation("proportional")
    short_supply(desk, 2)
    levels = desk.result().levels
    assert desk.allocation == "proportional"
    history = desk.history_frame()
    changes = history[history["kind"] == "allocation"]
    assert changes[["round", "node", "value"]].values.tolist() == [[1, DISTRIBUTOR, 1.0]]
    short_supply(desk, 1)
    desk.undo()
    pd.testing.assert_frame_equal(desk.result().levels, levels)
    assert desk.allocation == "proportional"
    desk.undo()
    desk.undo()
    assert desk.allocation == "priority" and desk.round == 1
    undone_report = desk.report()
    assert (undone_report["record"] == "allocation").sum() == 0

    with pytest.raises(DecisionError) as info:
        desk.set_allocation("alphabetical")
    assert info.value.key == "validation.unknown_choice" and "proportional" in info.value.params["allowed"]
    assert desk.pending_actions == ()
    assert AllocationRuleChange(subject=DISTRIBUTOR, value=2.0).rule == "priority"


# --------------------------------------------------------------------------- random events and the news


def test_the_random_events_of_stage_4_are_listed_once_and_come_as_news_in_their_weeks() -> None:
    desk = OrderDesk(seed=0, horizon_weeks=12)
    events = desk.events()
    assert [e.kind for e in events] == ["demand_shock", "lane_delay", "approver_absence", "lane_closure",
                                        "demand_shock"]  # fmt: skip
    assert {e.kind for e in events} <= set(EVENT_KINDS)
    surge = events[0]
    assert (surge.start_day, surge.end_day, surge.magnitude) == (21, 42, 1.5)
    assert surge.subjects == DEALERS  # one event although written on three markets and three products
    closure = next(e for e in events if e.kind == "lane_closure")
    assert closure.subjects == DEALERS and closure.magnitude == 0
    assert next(e for e in events if e.kind == "approver_absence").subjects == ("finance",)
    # each event is news in the weeks it overlaps, and only then
    for week in range(12):
        news = desk.news(week)
        for event in events:
            on = event.start_day < 7 * (week + 1) and (event.end_day is None or event.end_day > 7 * week)
            assert (event in news) == on, (week, event.name)
    assert desk.news() == desk.news(0) == []
    weekly_orders(desk, {"fridge": 30, "washer": 40, "microwave": 80}, 3)
    assert desk.news() == [surge]  # week 4 (days 21-27)


def test_bullwhip_table_has_end_demand_dealer_orders_and_the_trainees_orders_by_week() -> None:
    desk = OrderDesk(seed=2, horizon_weeks=4)
    assert desk.bullwhip_table().empty
    weekly_orders(desk, {"fridge": 30, "washer": 40, "microwave": 80}, 3)
    table = desk.bullwhip_table()
    assert sorted(set(table["week"])) == [1, 2, 3]
    mine = table[table["trainee"]]
    assert set(mine["level"]) == {DISTRIBUTOR} and mine["qty"].tolist() == [150, 150, 150]
    demand = table[table["series"] == "end_demand"].set_index("week")["qty"]
    levels = desk.result().levels
    dealers = levels[levels["node"].isin(DEALERS)]
    expected = dealers.groupby(dealers["day"] // 7)["customer_demand"].sum()
    assert demand.tolist() == expected.tolist()


# --------------------------------------------------------------------------- feedback on the weekly rhythm


def test_feedback_judges_the_distributor_by_week() -> None:
    """A distributor who orders the standard process's weekly suggestion is not told it amplified demand 20x
    (as daily data would say); one who orders wildly is, with the weekly bullwhip in the text."""
    calm = OrderDesk(seed=5, horizon_weeks=12)
    calm.auto_play()
    facts = {f.node: f for f in calm.feedback_facts()}
    assert set(facts) == {DISTRIBUTOR, "network"} and facts[DISTRIBUTOR].period_days == 7
    weekly = calm.desk_kpis().set_index("node").loc[DISTRIBUTOR, "bullwhip_weekly"]
    assert facts[DISTRIBUTOR].kpi("bullwhip") == pytest.approx(weekly)
    assert math.isnan(facts["network"].kpi("bullwhip"))
    assert calm.kpis().set_index("node").loc[DISTRIBUTOR, "bullwhip"] > 5  # the daily ratio of a weekly orderer
    for advice in calm.advice():
        if advice.code == "amplification" and advice.evidence["node"] == DISTRIBUTOR:
            assert advice.evidence["bullwhip"] == pytest.approx(weekly)

    wild = OrderDesk(seed=5, horizon_weeks=12)
    for week in range(12):
        qty = 400 if week % 2 else 0
        weekly_orders(wild, {"fridge": qty, "washer": qty, "microwave": qty}, 1)
    advice = {a.code: a for a in wild.advice()}
    bullwhip = wild.desk_kpis().set_index("node").loc[DISTRIBUTOR, "bullwhip_weekly"]
    assert bullwhip > 3 and advice["amplification"].severity == "critical"
    assert f"amplified demand {bullwhip:.1f}×" in advice["amplification"].message
    assert f"{bullwhip:.1f} 倍" in {a.code: a for a in wild.advice("zh_CN")}["amplification"].message
    assert OrderDesk(horizon_weeks=2).advice() == []


def _credit_counts_oracle(audit: pd.DataFrame) -> dict[str, tuple[int, int, int]]:
    """The desk's credit counts straight from the audit table, with pandas (the former implementation)."""
    from chansim.exercises.order_desk import CREDIT_DECISIONS

    credit = audit[(audit["source"] == "order_to_cash") & (audit["actor"] == "credit")]
    credit = credit[credit["action"].isin(CREDIT_DECISIONS)].assign(partner=lambda f: f["detail"].str.split(":").str[0])
    first = credit.drop_duplicates("subject", keep="first")
    last = credit.drop_duplicates("subject", keep="last")
    out = {}
    for name, group in first.groupby("partner"):
        rejected = int((last.loc[last["partner"] == name, "action"] == "rejected").sum())
        out[str(name)] = (len(group), int((group["action"] == "held").sum()), rejected)
    return out


@pytest.mark.parametrize("seed", [0, 1, 5, 11])
def test_the_credit_counts_equal_the_audit_log_counted_with_pandas(seed) -> None:
    desk = OrderDesk(seed=seed, horizon_weeks=8)
    desk.set_credit_limit("dealer_n1", 15_000 + 2_000 * seed)  # tight: holds, releases and rejections
    desk.set_credit_limit("dealer_n2", 30_000)
    for _ in range(3):
        desk.auto_play(2)
        expected = _credit_counts_oracle(desk.result().audit)
        assert expected, "the scenario checks no order: the test would prove nothing"
        table = desk.desk_kpis().set_index("node")
        for node in (DISTRIBUTOR, *DEALERS):
            checked, held, rejected = expected.get(node, (0, 0, 0))
            row = table.loc[node]
            assert (row["orders_checked"], row["orders_held"], row["orders_rejected"]) == (checked, held, rejected)
            share = row["orders_held_share"]
            assert (math.isnan(share) and checked == 0) or share == pytest.approx(held / checked)
