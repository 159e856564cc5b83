"""The generic round-by-round Game: decisions, validation, undo/reset by replay, auto-play, CSV."""

from __future__ import annotations

import io
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from chansim import scenario as sc
from chansim.engine import run
from chansim.exercises.game import (
    AUTO_POLICIES,
    REPORT_COLUMNS,
    STATE_COLUMNS,
    DecisionError,
    Game,
    check_number,
    expected_daily_demand,
    manual_scenario,
)
from chansim.exercises.messages import CATALOGUE
from chansim.io import load_scenario, parse_scenario

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


@pytest.fixture(scope="module")
def beer() -> sc.Scenario:
    return load_scenario(SCENARIOS / "beer-game.yaml")


def corner_store(horizon_days: int = 28) -> sc.Scenario:
    """One dealer, daily periods, Poisson demand, two SKUs (only one is the trainee's)."""
    return parse_scenario({
        "name": "corner-store",
        "horizon_days": horizon_days,
        "skus": [
            {"name": "widget", "unit_cost": 6.0, "list_price": 10.0},
            {"name": "gadget", "unit_cost": 3.0, "list_price": 5.0},
        ],
        "nodes": [{
            "name": "dealer", "kind": "dealer",
            "lanes": [{"supplier": None, "lead_time_days": 2, "shipping_cost_per_unit": 0.2}],
            "policy": {"type": "base_stock", "order_up_to": 12},
            "initial": {"on_hand": 10},
            "holding_cost_per_unit_day": 0.05, "backorder_cost_per_unit_day": 0.5,
        }],
        "markets": [{
            "name": "town", "served_by": "dealer",
            "demand": [
                {"sku": "widget", "distribution": {"type": "poisson", "mean": 4}},
                {"sku": "gadget", "distribution": {"type": "poisson", "mean": 2}},
            ],
        }],
    })  # fmt: skip


def play(game: Game, quantities: list[float]) -> None:
    for qty in quantities:
        for node, sku in game.controlled:
            game.decide(node, sku, qty)
        game.play_round()


# --------------------------------------------------------------------------- number checks


@pytest.mark.parametrize(
    ("value", "key"),
    [
        (-1, "validation.negative"),
        (-0.5, "validation.negative"),
        (float("-inf"), "validation.negative"),
        (float("nan"), "validation.not_a_number"),
        (np.nan, "validation.not_a_number"),
        (float("inf"), "validation.too_large"),
        (1001, "validation.too_large"),
        (10**400, "validation.too_large"),
        ("1e999", "validation.too_large"),
        ("abc", "validation.not_a_number"),
        ("nan", "validation.not_a_number"),
        (True, "validation.not_a_number"),
        ([3], "validation.not_a_number"),
        ({"qty": 3}, "validation.not_a_number"),
        (None, "validation.empty"),
        ("", "validation.empty"),
        ("   ", "validation.empty"),
        (2.5, "validation.not_whole"),
        ("2.5", "validation.not_whole"),
    ],
)
def test_check_number_refuses_with_the_right_key(value: object, key: str) -> None:
    with pytest.raises(DecisionError) as info:
        check_number(value, "retailer/beer", maximum=1000, whole=True)
    assert info.value.key == key
    assert info.value.params["field"] == "retailer/beer"
    assert info.value.params["minimum"] == 0
    assert info.value.params["maximum"] == 1000
    assert str(info.value) == CATALOGUE.get(key, "en_US", **info.value.params)  # the English text, no traceback


@pytest.mark.parametrize(("value", "expected"), [(12, 12.0), ("12", 12.0), (" 7 ", 7.0), (np.int64(3), 3.0), (0, 0.0)])
def test_check_number_accepts_numbers_and_numeric_text(value: object, expected: float) -> None:
    assert check_number(value, "x", maximum=1000, whole=True) == expected


def test_check_number_minimum_above_zero_says_too_small() -> None:
    with pytest.raises(DecisionError) as info:
        check_number(0, "weeks", maximum=52, minimum=1, whole=True)
    assert info.value.key == "validation.too_small"


# --------------------------------------------------------------------------- construction


def test_manual_scenario_switches_only_the_controlled_items() -> None:
    scenario = manual_scenario(corner_store(), [("dealer", "widget")])
    node = scenario.node("dealer")
    assert isinstance(scenario.topology.policy_for(node, "widget"), sc.Manual)
    assert isinstance(scenario.topology.policy_for(node, "gadget"), sc.BaseStock)


def test_construction_errors_are_plain_value_errors(beer: sc.Scenario) -> None:
    with pytest.raises(ValueError, match="no stock"):
        Game(beer, [("retailer", "wine")])
    with pytest.raises(ValueError, match="multiple of period_days"):
        Game(beer, [("retailer", "beer")], round_days=10)
    with pytest.raises(ValueError, match="seed"):
        Game(beer, [("retailer", "beer")], seed=-1)
    with pytest.raises(ValueError, match="at least one"):
        Game(beer, [])


def test_expected_daily_demand_follows_the_chain(beer: sc.Scenario) -> None:
    # 4 cases a week at the retailer reach every stage upstream
    for node in ("retailer", "wholesaler", "distributor", "factory"):
        assert expected_daily_demand(beer, node, "beer") == pytest.approx(4 / 7)
    assert expected_daily_demand(corner_store(), "dealer", "gadget") == 2


# --------------------------------------------------------------------------- a short game


def test_short_game_changes_state_and_kpis(beer: sc.Scenario) -> None:
    game = Game(beer, [("wholesaler", "beer")], seed=1, round_days=7)
    assert game.round == 0 and game.day == 0 and not game.finished
    assert game.total_rounds == 36
    start = game.stock_table()
    assert list(start.columns) == STATE_COLUMNS
    assert start.loc[0, "on_hand"] == 12 and start.loc[0, "on_order"] == 16  # pipeline 4+4 and 4+4 in the mail
    assert game.kpis().empty

    play(game, [4, 30, 0])
    assert game.round == 3 and game.day == 21
    state = game.stock_table()
    assert state.loc[0, "last_order"] == 0
    assert state.loc[0, "on_order"] > start.loc[0, "on_order"]  # the 30 cases are in the supply line
    kpis = game.kpis().set_index("node")
    assert kpis.loc["wholesaler", "total_cost"] > 0
    assert game.result().info.days == 21
    assert [r.order("wholesaler", "beer") for r in game.history] == [4, 30, 0]
    frame = game.history_frame()
    assert frame["value"].tolist() == [4, 30, 0] and set(frame["source"]) == {"trainee"}
    # the table of played rounds: one row per round, orders as decided
    rounds = game.rounds_table()
    assert rounds["round"].tolist() == [0, 1, 2] and rounds["ordered"].tolist() == [4, 30, 0]


def test_pending_decisions_show_and_the_last_one_counts(beer: sc.Scenario) -> None:
    game = Game(beer, [("retailer", "beer")], round_days=7)
    assert math.isnan(game.stock_table().loc[0, "pending_order"])
    game.decide("retailer", "beer", 5)
    game.decide("retailer", "beer", "6")
    assert game.stock_table().loc[0, "pending_order"] == 6
    assert game.pending_orders == {("retailer", "beer"): 6.0}
    record = game.play_round()
    assert record.order("retailer", "beer") == 6
    assert game.pending_orders == {}


@pytest.mark.parametrize(
    ("node", "sku", "qty", "key"),
    [
        ("wholesaler", "beer", -3, "validation.negative"),
        ("wholesaler", "beer", float("nan"), "validation.not_a_number"),
        ("wholesaler", "beer", 1e12, "validation.too_large"),
        ("wholesaler", "beer", "lots", "validation.not_a_number"),
        ("wholesaler", "beer", None, "validation.empty"),
        ("wholesaler", "beer", 3.5, "validation.not_whole"),
        ("retailer", "beer", 4, "validation.not_controlled"),
        ("wholesaler", "wine", 4, "validation.not_controlled"),
    ],
)
def test_bad_decisions_raise_decision_errors(beer: sc.Scenario, node: str, sku: str, qty: object, key: str) -> None:
    game = Game(beer, [("wholesaler", "beer")], round_days=7)
    with pytest.raises(DecisionError) as info:
        game.decide(node, sku, qty)
    assert info.value.key == key
    assert game.pending_orders == {}  # a refused decision leaves nothing behind


def test_missing_decision_game_over_and_nothing_to_undo(beer: sc.Scenario) -> None:
    game = Game(beer, [("retailer", "beer"), ("factory", "beer")], round_days=7, rounds=2)
    with pytest.raises(DecisionError) as info:
        game.undo()
    assert info.value.key == "control.nothing_to_undo"
    game.decide("retailer", "beer", 4)
    with pytest.raises(DecisionError) as info:
        game.play_round()
    assert info.value.key == "validation.missing_decision"
    assert info.value.params["field"] == "factory/beer"
    play(game, [4, 4])
    assert game.finished
    for call in (lambda: game.decide("retailer", "beer", 4), game.play_round, game.auto_play):
        with pytest.raises(DecisionError) as info:
            call()
        assert info.value.key == "control.game_over"


# --------------------------------------------------------------------------- undo, reset, replay


@pytest.mark.parametrize("decision_point", ["round_start", "round_end"])
def test_undo_restores_the_previous_state_exactly(beer: sc.Scenario, decision_point: str) -> None:
    game = Game(beer, [("distributor", "beer")], seed=5, round_days=7, decision_point=decision_point)  # type: ignore[arg-type]
    play(game, [4, 9, 2])
    levels, state, kpis = game.result().levels, game.stock_table(), game.kpis()
    play(game, [25])
    assert not game.stock_table().equals(state)
    undone = game.undo()
    assert undone.round == 3 and undone.order("distributor", "beer") == 25
    assert game.round == 3
    pd.testing.assert_frame_equal(game.result().levels, levels)
    pd.testing.assert_frame_equal(game.stock_table(), state)
    pd.testing.assert_frame_equal(game.kpis(), kpis)


def test_reset_returns_to_round_zero(beer: sc.Scenario) -> None:
    game = Game(beer, [("factory", "beer")], round_days=7)
    start = game.stock_table()
    play(game, [10, 10])
    game.decide("factory", "beer", 3)
    game.reset()
    assert game.round == 0 and game.history == () and game.pending_orders == {}
    pd.testing.assert_frame_equal(game.stock_table(), start)
    assert game.kpis().empty


def test_same_decisions_give_identical_results_and_match_a_straight_run(beer: sc.Scenario) -> None:
    first = Game(beer, [("retailer", "beer")], seed=3, round_days=7)
    second = Game(beer, [("retailer", "beer")], seed=3, round_days=7)
    orders = [4, 8, 8, 0, 16]
    play(first, orders)
    play(second, orders)
    pd.testing.assert_frame_equal(first.result().levels, second.result().levels)
    pd.testing.assert_frame_equal(first.result().events, second.result().events)
    straight = run(first.scenario, seed=3, days=first.day, decisions=first.decisions)
    pd.testing.assert_frame_equal(first.result().levels, straight.levels)


def test_rounds_of_several_periods_order_once_at_the_decision_point() -> None:
    start = Game(corner_store(), [("dealer", "widget")], seed=2, round_days=7, decision_point="round_start")
    end = Game(corner_store(), [("dealer", "widget")], seed=2, round_days=7, decision_point="round_end")
    play(start, [30, 20])
    play(end, [30, 20])
    assert start.decisions == {(0, "dealer", "widget"): 30, (7, "dealer", "widget"): 20}
    assert end.decisions == {(6, "dealer", "widget"): 30, (13, "dealer", "widget"): 20}
    for game in (start, end):
        levels = game.result().levels
        widget = levels[(levels["sku"] == "widget") & (levels["ordered"] > 0)]
        assert widget["ordered"].tolist() == [30, 20]
        assert set(widget["period"]) == {period for period, _, _ in game.decisions}
        gadget = levels[levels["sku"] == "gadget"]
        assert (gadget["ordered"] > 0).sum() > 2  # the other SKU keeps its daily base-stock policy


def test_round_end_shows_the_round_before_the_order(beer: sc.Scenario) -> None:
    """Under round_end the trainee sees the round's incoming orders; they are the ones recorded after play."""
    game = Game(beer, [("retailer", "beer")], round_days=7, decision_point="round_end")
    seen = []
    for qty in (4, 4, 4, 4, 4, 4):
        seen.append(game.stock_table().loc[0, "incoming_orders"])
        game.decide("retailer", "beer", qty)
        game.play_round()
    assert seen == [4, 4, 4, 4, 8, 8]  # the demand step of week 5 is visible in week 5
    assert game.rounds_table()["demand"].tolist() == seen


# --------------------------------------------------------------------------- auto-play and CSV


@pytest.mark.parametrize("policy", AUTO_POLICIES)
def test_auto_play_reaches_the_horizon(policy: str) -> None:
    game = Game(corner_store(28), [("dealer", "widget")], round_days=7)
    assert game.auto_play(policy=policy) == 4
    assert game.finished and game.round == game.total_rounds == 4
    assert game.result().info.days == 28
    assert set(game.history_frame()["source"]) == {f"auto:{policy}"}
    assert all(q >= 0 and q == math.floor(q) for q in game.decisions.values())


def test_auto_play_keeps_pending_decisions_and_stops_at_the_end(beer: sc.Scenario) -> None:
    game = Game(beer, [("retailer", "beer")], round_days=7, rounds=5)
    game.decide("retailer", "beer", 11)
    assert game.auto_play(2, policy="pass_through") == 2
    assert [r.orders[0][2:] for r in game.history] == [(11.0, "trainee"), (4.0, "auto:pass_through")]
    assert game.auto_play("100", policy=lambda g, node, sku: 7) == 3  # capped at the end; a callable policy
    assert game.finished and game.history[-1].order("retailer", "beer") == 7


def test_auto_play_refuses_unknown_policies_and_bad_counts(beer: sc.Scenario) -> None:
    game = Game(beer, [("retailer", "beer")], round_days=7)
    with pytest.raises(DecisionError) as info:
        game.auto_play(3, policy="guess")
    assert info.value.key == "validation.unknown_choice" and info.value.params["field"] == "policy"
    with pytest.raises(DecisionError) as info:
        game.auto_play(-2)
    assert info.value.key == "validation.negative"
    assert game.round == 0


def test_csv_export_round_trips_with_pandas(beer: sc.Scenario, tmp_path: Path) -> None:
    game = Game(beer, [("retailer", "beer"), ("factory", "beer")], seed=4, round_days=7, exercise="test")
    play(game, [4, 6, 8])
    report = game.report()
    assert list(report.columns) == REPORT_COLUMNS
    assert len(report) == 6 and set(report["record"]) == {"order"}
    buffer = io.StringIO()
    game.to_csv(buffer)
    pd.testing.assert_frame_equal(pd.read_csv(io.StringIO(buffer.getvalue())), report, check_dtype=False)
    path = tmp_path / "results.csv"
    game.to_csv(path)
    pd.testing.assert_frame_equal(pd.read_csv(path), report, check_dtype=False)
    assert game.to_csv() == buffer.getvalue()  # no target: the text, for a download button


def test_an_exercise_error_reads_in_english_from_the_catalogue_without_a_registry():
    from chansim.exercises.evaluation import Evaluation
    from chansim.exercises.messages import CATALOGUE

    error = DecisionError("evaluation.unknown_partner", {"value": "nobody", "allowed": "a, b"})
    assert str(error) == CATALOGUE.get("evaluation.unknown_partner", "en_US", value="nobody", allowed="a, b")
    assert Evaluation is not None
