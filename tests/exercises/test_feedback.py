"""The feedback engine: known games get the right advice; the score is bounded and monotone.

The games are played the way a trainee plays them: before each round the trainee sees the
state (on hand, on order, backlog) and the demand of the rounds so far, and sets an order
for the manual node with ``Session.set_order``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

import chansim
from chansim.exercises.feedback import (
    Advice,
    NodeFacts,
    ScoreWeights,
    Thresholds,
    advise,
    advise_facts,
    benchmark_cost,
    find_demand_step,
    game_facts,
    roles,
    score,
    score_from,
)

BEER_GAME = Path(__file__).resolve().parents[2] / "scenarios" / "beer-game.yaml"
STAGE_4 = Path(__file__).resolve().parents[2] / "scenarios" / "stage-4-operations.yaml"
CJK = re.compile(r"[\u4e00-\u9fff]")
SEVERITY_RANK = {"critical": 0, "warning": 1, "info": 2}

Decide = Callable[[int, list[float], pd.Series], float]


def manual_beer_game() -> chansim.Scenario:
    """The beer game with the retailer played by the trainee (the others follow Sterman's rule)."""
    raw = yaml.safe_load(BEER_GAME.read_text())
    raw["nodes"][0]["policy"] = {"type": "manual"}
    return chansim.parse_scenario(raw)


def weekly_dealer(mean: float = 20) -> chansim.Scenario:
    """One manual dealer, Poisson weekly demand, two-week lead time from an outside source.

    The first decision comes before any demand is seen, so the first two weeks are warm-up.
    """
    return chansim.parse_scenario({
        "name": "weekly-dealer", "period_days": 7, "horizon_days": 7 * 30, "warmup_days": 14,
        "skus": [{"name": "widget", "unit_cost": 6, "list_price": 10}],
        "nodes": [{
            "name": "dealer", "kind": "dealer", "policy": {"type": "manual"},
            "initial": {"on_hand": 2 * mean, "pipeline": [mean, mean]},
            "lanes": [{"supplier": None, "lead_time_days": 14}],
            "holding_cost_per_unit_day": 0.01, "backorder_cost_per_unit_day": 0.1,
        }],
        "markets": [{"name": "town", "served_by": "dealer",
                     "demand": [{"sku": "widget", "distribution": {"type": "poisson", "mean": mean}}]}],
    })  # fmt: skip


def play(scenario: chansim.Scenario, node: str, sku: str, decide: Decide, seed: int = 1) -> Any:
    """Play every round: the trainee sees the state and past demand, then orders."""
    session = chansim.Session(scenario, seed=seed)
    seen: list[float] = []
    for week in range(scenario.horizon_days // scenario.period_days):
        state = session.state().set_index("node").loc[node]
        session.set_order(node, sku, max(0.0, float(decide(week, seen, state))))
        session.advance(periods=1)
        levels = session.result().levels
        seen.append(float(levels.loc[levels["node"] == node, "demand"].iloc[-1]))
    return session.result()


def last(seen: list[float]) -> float:
    return seen[-1] if seen else 4.0


TRAINEES: dict[str, Decide] = {
    # orders what is owed plus what was just asked for, every week, never looking at what is on order
    "ignores_pipeline": lambda week, seen, state: state["backorder"] + last(seen),
    # orders exactly the demand just seen
    "pass_through": lambda week, seen, state: last(seen),
    # orders twice the demand just seen
    "over_orders": lambda week, seen, state: 2 * last(seen),
    # keeps ordering 4 until week 10, then the new demand of 8
    "reacts_late": lambda week, seen, state: 4.0 if week < 10 else 8.0,
    # keeps ordering 4 whatever happens
    "never_reacts": lambda week, seen, state: 4.0,
}


@pytest.fixture(scope="module")
def games() -> dict[str, Any]:
    scenario = manual_beer_game()
    return {name: play(scenario, "retailer", "beer", decide) for name, decide in TRAINEES.items()}


def by_code(advice: list[Advice]) -> dict[str, Advice]:
    return {a.code: a for a in advice}


# --------------------------------------------------------------------------- known games


def test_a_trainee_who_ignores_the_pipeline_gets_pipeline_and_amplification_advice(games: dict[str, Any]) -> None:
    advice = by_code(advise(games["ignores_pipeline"]))
    assert {"pipeline", "amplification"} <= set(advice)
    amplification = advice["amplification"]
    bullwhip = amplification.evidence["bullwhip"]
    kpi = games["ignores_pipeline"].kpis().set_index("node").loc["retailer", "bullwhip"]
    assert bullwhip == pytest.approx(kpi) and bullwhip > 1.5
    assert f"amplified demand {bullwhip:.1f}×" in amplification.message
    pipeline = advice["pipeline"]
    assert pipeline.evidence["lead_weeks"] == 4  # 2 weeks of order delay + 2 weeks of shipping
    assert pipeline.evidence["share"] > 0.2 and pipeline.evidence["count"] >= 2
    assert pipeline.evidence["weeks_on_order"] > 5  # well above the 4 weeks the delay needs
    assert f"ignored the {pipeline.evidence['weeks_on_order']:.1f} weeks of stock already on order" in pipeline.message
    assert all(a.evidence["node"] == "retailer" for a in advice.values())


def test_the_pipeline_count_follows_its_documented_formula(games: dict[str, Any]) -> None:
    result = games["ignores_pipeline"]
    levels = result.levels[result.levels["node"] == "retailer"].sort_values("period")
    on_order, ordered, demand = (levels[c].to_numpy(float) for c in ("on_order", "ordered", "demand"))
    lead = 4
    count = sum(
        1
        for k in range(1, len(levels))
        if ordered[k] > demand[max(0, k - 4) : k].mean()
        and on_order[k - 1] > (lead + 1) * demand[max(0, k - 4) : k].mean()
    )
    facts = game_facts(result)[0]
    assert facts.pipeline_count == count > 0
    assert facts.pipeline_rounds == len(levels) - 1


def test_a_pass_through_trainee_gets_no_amplification_advice(games: dict[str, Any]) -> None:
    advice = by_code(advise(games["pass_through"]))
    assert "amplification" not in advice
    assert "pipeline" not in advice
    assert "late_reaction" not in advice and "no_reaction" not in advice  # followed demand one round later
    # never rebuilding the stock after demand doubled leaves customers waiting
    assert "backlog" in advice


def test_a_trainee_who_over_orders_gets_excess_stock_advice(games: dict[str, Any]) -> None:
    advice = by_code(advise(games["over_orders"]))
    assert "excess_stock" in advice
    assert advice["excess_stock"].evidence["weeks_of_supply"] > 6
    assert "pipeline" in advice  # kept ordering more than demand over a full pipeline


def test_a_late_reaction_to_the_demand_step_is_named_with_its_delay(games: dict[str, Any]) -> None:
    late = by_code(advise(games["reacts_late"]))["late_reaction"]
    assert late.severity == "warning"
    # demand steps up in week 5 (round index 4); the orders follow in round index 10
    assert (late.evidence["round"], late.evidence["before"], late.evidence["after"]) == (5, 4.0, 8.0)
    assert late.evidence["rounds"] == 6 and late.evidence["weeks"] == 6
    assert "took 6 rounds (6 weeks)" in late.message
    never = by_code(advise(games["never_reacts"]))["no_reaction"]
    assert never.severity == "critical" and never.evidence["rounds"] == 32


def test_advice_comes_in_chinese_or_english_with_the_same_numbers(games: dict[str, Any]) -> None:
    for result in games.values():
        english = advise(result)
        chinese = advise(result, lang="zh_CN")
        assert [(a.code, a.severity, a.evidence) for a in english] == [
            (a.code, a.severity, a.evidence) for a in chinese
        ]
        assert english, "every known game gets some advice"
        assert all(CJK.search(a.message) for a in chinese)
        assert not any(CJK.search(a.message) for a in english)


def test_advice_is_sorted_by_severity(games: dict[str, Any]) -> None:
    for result in games.values():
        ranks = [SEVERITY_RANK[a.severity] for a in advise(result)]
        assert ranks == sorted(ranks)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_good_order_up_to_player_is_praised_and_not_told_about_the_pipeline(seed: int) -> None:
    # order up to 3 weeks of demand (2 weeks' delay + the week before the next decision) plus safety stock
    scenario = weekly_dealer(mean=20)

    def order_up_to(week: int, seen: list[float], state: pd.Series) -> float:
        return 80 - (state["on_hand"] + state["on_order"] - state["backorder"])

    advice = by_code(advise(play(scenario, "dealer", "widget", order_up_to, seed=seed)))
    assert set(advice) == {"good_play"}
    praise = advice["good_play"]
    assert praise.severity == "info"
    assert praise.evidence["fill_rate"] >= 0.95 and praise.evidence["bullwhip"] <= 1.3


def test_without_a_manual_node_the_network_is_judged() -> None:
    result = chansim.run(chansim.load_scenario(BEER_GAME), seed=0)
    assert roles(result) == ["network"]
    advice = by_code(advise(result))
    assert "amplification" in advice  # Sterman's players amplify the demand step up the chain
    assert advice["amplification"].evidence["node"] == "network"
    facts = game_facts(result)[0]
    assert facts.step is None and facts.pipeline_rounds == 0  # node-level facts only


def test_a_role_can_be_named_and_must_exist(games: dict[str, Any]) -> None:
    result = games["pass_through"]
    assert roles(result, "factory") == ["factory"]
    assert all(a.evidence["node"] == "factory" for a in advise(result, role="factory"))
    with pytest.raises(ValueError, match=r"role 'shop' is not a node of scenario 'beer-game'.*retailer"):
        advise(result, role="shop")


def test_credit_holds_that_cost_service_are_pointed_out() -> None:
    # stage 4: dealer_n1 runs into its credit limit; by day 200 half its orders wait on hold
    result = chansim.run(chansim.load_scenario(STAGE_4), seed=1, days=200)
    credit = by_code(advise(result, role="dealer_n1"))["credit_holds"]
    assert credit.evidence["held_share"] > 0.2 and credit.evidence["fill_rate"] < 0.9
    assert "held at the credit desk" in credit.message


# --------------------------------------------------------------------------- rules on given numbers


def facts(**kpis: float) -> NodeFacts:
    return NodeFacts(node="dealer", period_days=7, kpis=kpis)


def codes_for(**kpis: float) -> list[str]:
    return [a.code for a in advise_facts([facts(**kpis)])]


def test_thresholds_are_strict_and_nan_never_fires() -> None:
    assert codes_for(bullwhip=1.5) == [] and codes_for(bullwhip=1.51) == ["amplification"]
    assert [a.severity for a in advise_facts([facts(bullwhip=3.5)])] == ["critical"]
    assert codes_for(stockout_rate=0.2) == [] and codes_for(stockout_rate=0.21) == ["backlog"]
    assert codes_for(weeks_of_supply=6.0) == [] and codes_for(weeks_of_supply=6.5, holding_cost=10) == ["excess_stock"]
    assert codes_for(approval_wait_days=2.0) == [] and codes_for(approval_wait_days=2.5) == ["approval_queue"]
    assert codes_for(orders_held_share=0.5, fill_rate=0.95) == []  # holds that did not hurt service
    assert codes_for(orders_held_share=0.1, fill_rate=0.5) == []
    assert codes_for(orders_held_share=0.5, fill_rate=0.8) == ["credit_holds"]
    nan = math.nan
    assert codes_for(bullwhip=nan, stockout_rate=nan, weeks_of_supply=nan, fill_rate=nan, approval_wait_days=nan) == []
    assert codes_for() == []


def test_praise_needs_good_numbers_and_no_warning() -> None:
    assert codes_for(fill_rate=0.97, bullwhip=1.1) == ["good_play"]
    assert codes_for(fill_rate=0.94, bullwhip=1.1) == []
    assert codes_for(fill_rate=0.97, bullwhip=1.4) == []
    assert codes_for(fill_rate=0.97, bullwhip=math.nan) == []
    assert codes_for(fill_rate=0.97, bullwhip=1.1, weeks_of_supply=8.0) == ["excess_stock"]


def test_thresholds_can_be_changed() -> None:
    strict = Thresholds(amplification_bullwhip=1.1)
    assert [a.code for a in advise_facts([facts(bullwhip=1.2)], thresholds=strict)] == ["amplification"]


def test_a_clear_demand_step_is_found_and_noise_is_not() -> None:
    step = find_demand_step([4] * 4 + [8] * 32)
    assert step is not None and (step.period, step.before, step.after) == (4, 4.0, 8.0)
    assert find_demand_step([4] * 36) is None
    assert find_demand_step([4, 8, 4]) is None
    false_alarms = sum(find_demand_step(np.random.default_rng(s).poisson(8, 36)) is not None for s in range(300))
    assert false_alarms <= 3  # about 0.1% over 1000 seeds
    found = 0
    for s in range(100):
        rng = np.random.default_rng(s)
        step = find_demand_step(np.r_[rng.poisson(8, 10), rng.poisson(16, 26)])
        found += step is not None and abs(step.period - 10) <= 2 and step.after > step.before
    assert found >= 65  # about 77% over 200 seeds; z >= 5 prefers silence to false advice


# --------------------------------------------------------------------------- score

costs = st.floats(min_value=0, max_value=1e7, allow_nan=False)
otifs = st.one_of(st.floats(min_value=0, max_value=1), st.just(math.nan))
bullwhips = st.one_of(st.floats(min_value=0, max_value=1e3), st.just(math.nan))
benchmarks = st.floats(min_value=1e-3, max_value=1e7)


@given(costs, costs, benchmarks, otifs, bullwhips)
def test_the_score_is_bounded_and_lower_cost_never_scores_lower(
    cost_a: float, cost_b: float, benchmark: float, otif: float, bullwhip: float
) -> None:
    low, high = sorted([cost_a, cost_b])
    better = score_from(low, benchmark, otif, bullwhip)
    worse = score_from(high, benchmark, otif, bullwhip)
    assert 0 <= worse.score <= better.score <= 100
    if 0 < worse.score < 100 and (high - low) / benchmark > 1e-9:
        assert better.score > worse.score  # strictly better while not clipped


@given(costs, benchmarks, otifs, otifs, bullwhips)
def test_better_service_never_scores_lower(cost: float, benchmark: float, otif_a: float, otif_b: float,
                                           bullwhip: float) -> None:  # fmt: skip
    if math.isnan(otif_a) or math.isnan(otif_b):
        return
    low, high = sorted([otif_a, otif_b])
    assert score_from(cost, benchmark, high, bullwhip).score >= score_from(cost, benchmark, low, bullwhip).score


def test_the_score_formula_by_hand() -> None:
    breakdown = score_from(cost=300, benchmark_cost=200, otif=0.9, bullwhip=2.5)
    # 100 - 10 * 1.5 - 0.5 * 10 - 1 * 1.5 * 10 = 65
    assert breakdown.cost_points == pytest.approx(15)
    assert breakdown.service_points == pytest.approx(5)
    assert breakdown.bullwhip_points == pytest.approx(15)
    assert breakdown.score == pytest.approx(65)
    assert score_from(0, 200, math.nan, math.nan).score == 100
    assert score_from(1e9, 200, 0.0, 50).score == 0
    assert score_from(10, 0, 1.0, 1.0).score == 0  # no benchmark to beat: any cost takes everything
    assert breakdown.formula() == (
        "score = 100 − 10 × cost / benchmark cost − 0.5 × (1 − OTIF) × 100 − 1 × max(0, bullwhip − 1) × 10, "
        "clipped to 0–100"
    )
    assert CJK.search(breakdown.formula("zh_CN")) and "0.5" in breakdown.formula("zh_CN")
    lines = breakdown.explain("zh_CN")
    assert len(lines) == 4 and all(CJK.search(line) for line in lines) and "65" in lines[-1]
    assert breakdown.explain()[-1] == "Score: 65 / 100"


def test_score_weights_are_checked() -> None:
    with pytest.raises(ValueError, match="score weight cost"):
        ScoreWeights(cost=-1)
    with pytest.raises(ValueError, match="benchmark_cost"):
        ScoreWeights(benchmark_cost=0)


def test_games_are_scored_against_the_same_replayed_benchmark(games: dict[str, Any]) -> None:
    benchmark = benchmark_cost(games["pass_through"])
    # the retailer's demand is the same in every game, so is the textbook replay
    assert benchmark == benchmark_cost(games["ignores_pipeline"]) > 0
    scores = {name: score(result) for name, result in games.items()}
    assert all(s.benchmark_cost == benchmark and s.nodes == ("retailer",) for s in scores.values())
    assert all(0 <= s.score <= 100 for s in scores.values())
    assert scores["pass_through"].score > scores["ignores_pipeline"].score
    fixed = score(games["pass_through"], ScoreWeights(benchmark_cost=100.0))
    cost = games["pass_through"].kpis().set_index("node").loc["retailer", "total_cost"]
    assert fixed.cost == pytest.approx(cost) and fixed.cost_points == pytest.approx(10 * cost / 100)


# ------------------------------------------------------------------- issue 10: fewer rounds, per-product waiting


def test_amplification_needs_four_rounds_when_the_facts_count_them() -> None:
    from chansim.exercises.feedback import NodeFacts, advise_facts

    def codes(rounds: int | None) -> list[str]:
        facts = NodeFacts(node="n", period_days=7, kpis={"bullwhip": 6.4}, rounds=rounds)
        return [a.code for a in advise_facts([facts])]

    assert codes(2) == [] and codes(3) == []
    assert codes(4) == ["amplification"] and codes(None) == ["amplification"]


def test_product_backlog_advice_is_one_per_row_over_the_limit_naming_level_and_product() -> None:
    from chansim.exercises.feedback import ProductBacklog, product_backlog_advice

    rows = [
        ProductBacklog("dist_north", "fridge", "distributor (you)", "French-door refrigerator", 0.6, 3.0),
        ProductBacklog("dealers", "fridge", "dealers", "French-door refrigerator", 0.25, 1.5),
        ProductBacklog("dealers", "washer", "dealers", "Front-load washer", 0.1, 0.2),
    ]
    advice = product_backlog_advice(rows, key="operations.advice.backlog")
    assert [(a.evidence["node"], a.evidence["sku"], a.severity) for a in advice] == [
        ("dist_north", "fridge", "critical"), ("dealers", "fridge", "warning"),
    ]  # fmt: skip
    assert advice[0].message.startswith("French-door refrigerator at the distributor (you): customers waited")
    assert "60%" in advice[0].message and "25%" in advice[1].message and "at the dealers" in advice[1].message
