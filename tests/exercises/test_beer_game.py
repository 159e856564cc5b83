"""The beer game exercise: the embedded scenario, play, score against Sterman's rule, bullwhip table."""

from __future__ import annotations

import io
import math
from pathlib import Path

import pandas as pd
import pytest

from chansim.exercises.beer_game import BULLWHIP_COLUMNS, ROLES, BeerGame, beer_game_scenario
from chansim.exercises.game import DecisionError
from chansim.io import load_scenario

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


def test_embedded_scenario_equals_the_yaml_file() -> None:
    assert beer_game_scenario() == load_scenario(SCENARIOS / "beer-game.yaml")


def test_random_variant_keeps_the_chain_and_changes_the_demand() -> None:
    classic, random = beer_game_scenario("classic"), beer_game_scenario("random", horizon_weeks=20)
    assert random.name == "beer-game-random" and random.horizon_days == 140
    assert random.nodes == classic.nodes
    assert random.markets[0].demand[0].distribution.type == "poisson"
    assert random.markets[0].demand[0].shocks == classic.markets[0].demand[0].shocks


@pytest.mark.parametrize(
    ("kwargs", "key"),
    [
        ({"role": "brewer"}, "validation.unknown_choice"),
        ({"demand": "seasonal"}, "validation.unknown_choice"),
        ({"horizon_weeks": 0}, "validation.too_small"),
        ({"horizon_weeks": "many"}, "validation.not_a_number"),
        ({"horizon_weeks": 5000}, "validation.too_large"),
    ],
)
def test_bad_setup_raises_decision_errors(kwargs: dict[str, object], key: str) -> None:
    with pytest.raises(DecisionError) as info:
        BeerGame(**kwargs)  # type: ignore[arg-type]
    assert info.value.key == key


def test_a_short_game_moves_state_score_and_tables() -> None:
    game = BeerGame("wholesaler", seed=0, horizon_weeks=6)
    assert game.week == 1 and game.total_rounds == 6
    first = game.stock_table().iloc[0]
    assert (first["node"], first["incoming_orders"], first["on_hand"]) == ("wholesaler", 4, 12)
    assert math.isnan(game.score().value)
    assert game.bullwhip_table().empty and list(game.bullwhip_table().columns) == BULLWHIP_COLUMNS

    for qty in (4, 20, 0):
        game.order(qty)
        game.play_round()
    assert game.week == 4
    state = game.stock_table().iloc[0]
    assert state["last_order"] == 0
    assert state["on_order"] > first["on_order"]  # the big order of week 2 sits in the supply line

    costs = game.cost_table().set_index("node")
    assert costs.loc["chain", "cost"] == pytest.approx(costs.loc[list(ROLES), "cost"].sum())
    assert costs["trainee"].sum() == 1 and costs.loc["wholesaler", "trainee"]
    score = game.score()
    assert score.value == pytest.approx(100 * score.params["C_rule"] / score.params["C_you"])
    assert score.formula_key == "score.beer_game.formula" and "C_rule" in score.formula
    assert "= " in score.text() and "C_rule" not in score.text()  # the numbers filled in

    table = game.bullwhip_table()
    assert len(table) == 2 * 3 * 5  # two runs x three weeks x (end demand + four roles)
    mine = table[table["trainee"]]
    assert mine["qty"].tolist() == [4, 20, 0] and set(mine["level"]) == {"wholesaler"}
    demand = table[table["series"] == "end_demand"]
    assert set(demand["level"]) == {"customers"} and demand["qty"].tolist() == [4, 4, 4] * 2
    kpis = game.kpis().set_index("node")
    assert kpis.loc["wholesaler", "total_cost"] == pytest.approx(costs.loc["wholesaler", "cost"])

    # one more week, an absurd overreaction: the chain's cost rises above the rule's, the score drops
    game.order(400)
    game.play_round()
    game.auto_play()
    assert game.finished and game.score().value < score.value


@pytest.mark.parametrize("role", ROLES)
def test_auto_play_with_sterman_rule_is_the_benchmark(role: str) -> None:
    """The rule computed from what the trainee sees orders exactly as the engine's rule."""
    game = BeerGame(role, seed=0)
    game.auto_play(policy="sterman")
    assert game.finished and game.round == 36
    pd.testing.assert_frame_equal(game.result().levels, game.benchmark().levels)
    assert game.score().value == pytest.approx(100.0)


def test_random_demand_is_common_to_game_and_benchmark_and_seeded() -> None:
    game = BeerGame("retailer", seed=7, demand="random", horizon_weeks=10)
    game.auto_play(policy="pass_through")
    table = game.bullwhip_table()
    demand = table[table["series"] == "end_demand"].pivot(index="week", columns="run", values="qty")
    assert demand["game"].tolist() == demand["benchmark"].tolist()
    assert demand["game"].nunique() > 2  # random, not the classic step
    other = BeerGame("retailer", seed=8, demand="random", horizon_weeks=10)
    other.auto_play(policy="pass_through")
    other_demand = other.bullwhip_table().query("series == 'end_demand' and run == 'game'")["qty"].tolist()
    assert other_demand != demand["game"].tolist()


def test_undo_reset_and_replay_are_exact() -> None:
    game = BeerGame("factory", seed=1, demand="random", horizon_weeks=8)
    for qty in (5, 3, 9):
        game.order(qty)
        game.play_round()
    levels, state, table = game.result().levels, game.stock_table(), game.bullwhip_table()
    game.order(30)
    game.play_round()
    game.undo()
    pd.testing.assert_frame_equal(game.result().levels, levels)
    pd.testing.assert_frame_equal(game.stock_table(), state)
    pd.testing.assert_frame_equal(game.bullwhip_table(), table)

    again = BeerGame("factory", seed=1, demand="random", horizon_weeks=8)
    for record in game.history:
        again.order(record.order("factory", "beer"))
        again.play_round()
    pd.testing.assert_frame_equal(again.result().levels, levels)

    game.reset()
    assert game.round == 0 and game.week == 1
    pd.testing.assert_frame_equal(game.stock_table(), BeerGame("factory", seed=1, demand="random", horizon_weeks=8).stock_table())


def test_bad_orders_and_csv() -> None:
    game = BeerGame("retailer", horizon_weeks=4)
    for qty, key in ((-1, "validation.negative"), (float("nan"), "validation.not_a_number"),
                     (5000, "validation.too_large"), ("x", "validation.not_a_number")):  # fmt: skip
        with pytest.raises(DecisionError) as info:
            game.order(qty)
        assert info.value.key == key
    with pytest.raises(DecisionError) as info:
        game.decide("factory", "beer", 4)
    assert info.value.key == "validation.not_controlled"
    game.auto_play()
    report = game.report()
    assert report["exercise"].unique().tolist() == ["beer_game"] and len(report) == 4
    back = pd.read_csv(io.StringIO(game.to_csv()))  # type: ignore[arg-type]
    pd.testing.assert_frame_equal(back, report, check_dtype=False)
