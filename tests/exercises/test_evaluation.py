"""The performance-evaluation controller: validation, reproducibility, direction, score and feedback."""

from __future__ import annotations

import io
import math
import statistics

import pandas as pd
import pytest

from chansim.exercises.evaluation import (
    ACTIONS,
    PROFIT_POINTS,
    SCORECARD_COLUMNS,
    TIERS,
    YEAR_COLUMNS,
    Evaluation,
    _benchmark_year,
    _territory_sales,
    benchmark_year,
    debrief,
    effectiveness,
    precompute_benchmark,
    simulate_year,
    year_scenario,
)
from chansim.exercises.game import DecisionError
from chansim.exercises.messages import CATALOGUE, LANGUAGES

SEEDS = range(6)


def dealers(game: Evaluation) -> pd.DataFrame:
    card = game.scorecard()
    return card[(card["kind"] == "dealer") & card["partner"].isin(game.live_dealers())]


def hopeless(game: Evaluation) -> str:
    """The live dealer with the lowest attainment among those that had their stock (its own selling is to blame)."""
    rows = dealers(game)
    supplied = rows[(rows["fill_rate"] >= 0.95) & (rows["supply_fill_rate"] >= 0.9)]
    return str(supplied.sort_values("attainment")["partner"].iloc[0])


def star(game: Evaluation) -> str:
    """The live dealer with the highest attainment."""
    return str(dealers(game).sort_values("attainment")["partner"].iloc[-1])


def starved(game: Evaluation) -> str:
    """The live dealer whose distributor filled the smallest share of its orders on arrival."""
    return str(dealers(game).sort_values("supply_fill_rate")["partner"].iloc[0])


def raises(key: str, call, *args) -> DecisionError:  # type: ignore[no-untyped-def]
    with pytest.raises(DecisionError) as info:
        call(*args)
    assert info.value.key == key, (info.value.key, str(info.value))
    for lang in LANGUAGES:  # every refusal has a text in both languages with its parameters
        assert CATALOGUE.get(key, lang, **info.value.params)
    return info.value


# --------------------------------------------------------------------------- the year under review


def test_year_one_is_simulated_with_a_scorecard_per_partner() -> None:
    game = Evaluation(seed=0)
    card = game.scorecard()
    assert list(card.columns) == SCORECARD_COLUMNS
    assert game.year == 1 and game.round == 0 and not game.finished
    assert set(card["kind"]) == {"distributor", "dealer"} and len(card) == 8
    assert card["score"].between(0, 100).all() and (card["sell_out"] > 0).all()
    assert set(card["tier"]) <= set(TIERS)
    assert math.isnan(game.score().value) and game.advice() == []
    years = game.years_table()
    assert list(years.columns) == YEAR_COLUMNS and list(years["line"]) == ["you"]


def test_the_hidden_ability_of_a_dealer_shows_in_its_attainment_not_in_its_supply() -> None:
    """Over seeds, the least able dealer sells the smallest share of its target although it has its stock.

    Years in which a partner left are not compared: a leaver's customers go to another dealer mid-year.
    """
    checked = 0
    for seed in range(6):
        game = Evaluation(seed)
        if game.outcomes[0].exits:
            continue
        checked += 1
        rows = dealers(game).set_index("partner")
        weakest = rows["capability_hidden"].idxmin()
        assert hopeless(game) == weakest
        assert rows.loc[weakest, "attainment"] < 0.75 <= rows.drop(weakest)["attainment"].min()
    assert checked >= 3


def test_same_seed_and_decisions_give_the_same_years_and_another_seed_other_ones() -> None:
    def play(seed: int) -> pd.DataFrame:
        game = Evaluation(seed)
        game.decide(hopeless(game), "replace")
        game.decide("dist_south", "promote")
        game.simulate()
        return game.years_table()

    pd.testing.assert_frame_equal(play(4), play(4))
    assert not play(4)["channel_profit"].equals(play(5)["channel_profit"])


def test_doing_nothing_is_the_benchmark_and_scores_fifty() -> None:
    game = Evaluation(seed=2)
    for _ in range(game.total_rounds):
        game.simulate()
    years = game.years_table()
    you = years[years["line"] == "you"].set_index("year")
    bench = years[years["line"] == "benchmark"].set_index("year")
    pd.testing.assert_frame_equal(you.loc[bench.index, ["channel_profit", "attainment"]],
                                  bench[["channel_profit", "attainment"]])  # fmt: skip
    assert game.score().value == pytest.approx(50.0)
    assert game.finished
    raises("control.game_over", game.simulate)
    raises("control.game_over", game.decide, "dealer_n1", "keep")


def _same_year(a, b) -> None:  # type: ignore[no-untyped-def]
    pd.testing.assert_frame_equal(a.scorecard, b.scorecard, check_exact=True)
    assert dict(a.totals) == dict(b.totals) and a.exits == b.exits and a.structure == b.structure
    pd.testing.assert_frame_equal(a.result.levels, b.result.levels, check_exact=True)


def test_the_benchmark_computed_ahead_in_the_background_equals_the_one_computed_when_needed() -> None:
    seed = 9
    lazy = [_benchmark_year(seed, year) for year in range(1, 5)]
    _benchmark_year.cache_clear()
    thread = precompute_benchmark(seed, 4)
    assert thread is not None
    second = benchmark_year(seed, 2)  # asked while the thread works: waits for it, never computed twice
    thread.join(timeout=120)
    assert not thread.is_alive()
    ahead = [benchmark_year(seed, year) for year in range(1, 5)]
    assert ahead[1] is second
    for a, b in zip(lazy, ahead, strict=True):
        _same_year(a, b)
    assert precompute_benchmark(seed, 4, background=False) is None  # cached: nothing to do
    game = Evaluation(seed)
    assert game.prepare_benchmark(background=False) is None and game.benchmark(4) is ahead[3]


def test_a_year_with_no_decision_so_far_is_the_benchmark_year_relabelled() -> None:
    game = Evaluation(seed=3)
    outcome = game.simulate()
    assert outcome.line == "you" and set(outcome.scorecard["line"]) == {"you"}
    assert outcome.result is game.benchmark(2).result  # the engine ran once for both lines
    _same_year(outcome, simulate_year(outcome.structure, 3, 2, "you"))
    assert set(game.benchmark(2).scorecard["line"]) == {"benchmark"}  # the cached benchmark is untouched
    game.decide("dist_south", "promote")  # a decision: the trainee's line leaves the benchmark's for good
    changed = game.simulate()
    assert changed.result is not game.benchmark(3).result
    _same_year(changed, simulate_year(changed.structure, 3, 3, "you"))
    after = game.simulate()  # no decision this time, but the channel differs: simulated, not copied
    assert after.result is not game.benchmark(4).result
    _same_year(after, simulate_year(after.structure, 3, 4, "you"))


def test_undo_and_reset_go_back_exactly() -> None:
    game = Evaluation(seed=1)
    start = game.years_table()
    game.decide(hopeless(game), "replace")
    game.simulate()
    after_one = game.years_table()
    game.decide("dist_north", "demote")
    game.simulate()
    review = game.undo()
    assert review.year == 3 and review.actions == (("dist_north", "demote"),)
    pd.testing.assert_frame_equal(game.years_table(), after_one)
    assert game.pending_actions == {} and game.round == 1
    game.reset()
    pd.testing.assert_frame_equal(game.years_table(), start)
    raises("control.nothing_to_undo", game.undo)


# --------------------------------------------------------------------------- validation


def test_bad_decisions_are_refused_with_a_message() -> None:
    game = Evaluation(seed=0)
    card = game.scorecard().set_index("partner")
    raises("evaluation.unknown_partner", game.decide, "dealer_x9", "keep")
    raises("evaluation.unknown_partner", game.decide, None, "keep")
    raises("evaluation.unknown_action", game.decide, "dealer_n1", "fire")
    raises("evaluation.unknown_action", game.decide, "dealer_n1", 3)
    gold = card.index[card["tier"] == TIERS[0]][0]
    bronze = card.index[card["tier"] == TIERS[-1]][0]
    raises("evaluation.top_tier", game.decide, gold, "promote")
    raises("evaluation.bottom_tier", game.decide, bronze, "demote")
    raises("evaluation.replace_distributor", game.decide, "dist_north", "replace")
    assert game.decide(gold, " Demote ") == "demote"  # case and spaces forgiven
    assert game.decision(gold) == "demote" and game.decision(bronze) == "keep"


def test_every_dealer_of_a_region_cannot_be_replaced_at_once() -> None:
    game = Evaluation(seed=0)
    north = sorted(d for d, v in game.structure.dealers.items() if v.region == "north")
    for name in north[:-1]:
        game.decide(name, "replace")
    error = raises("evaluation.replace_all", game.decide, north[-1], "replace")
    assert error.params["region"] == "north"
    game.decide(north[0], "keep")  # changing one's mind frees the last one
    game.decide(north[-1], "replace")


def test_bad_territory_moves_are_refused() -> None:
    game = Evaluation(seed=0)
    structure = game.structure
    north = sorted(d for d, v in structure.dealers.items() if v.region == "north")
    south = sorted(d for d, v in structure.dealers.items() if v.region == "south")
    mine = structure.territories(north[0])
    raises("evaluation.unknown_territory", game.reassign, "atlantis", north[1])
    raises("evaluation.unknown_dealer", game.reassign, mine[0], "nobody")
    raises("evaluation.unknown_dealer", game.reassign, mine[0], "dist_north")
    raises("evaluation.other_region", game.reassign, mine[0], south[0])
    game.reassign(mine[0], north[1])
    raises("evaluation.empty_dealer", game.reassign, mine[1], north[1])
    raises("evaluation.territory_replaced", game.decide, north[1], "replace")  # it receives a territory
    game.decide(north[2], "replace")
    raises("evaluation.territory_replaced", game.reassign, mine[1], north[2])
    game.reassign(mine[0], north[0])  # moving it back cancels the move
    assert game.pending_moves == {}
    game.decide(north[0], "replace")  # a dealer being replaced may hand all its territories over
    game.reassign(mine[0], north[1])
    game.reassign(mine[1], north[1])
    outcome = game.simulate()
    assert outcome.structure.territories(north[1])[:2] != [] and set(mine) <= set(
        outcome.structure.territories(north[1])
    )


def test_a_partner_that_left_can_only_be_kept_gone_or_replaced() -> None:
    for seed in range(40):
        game = Evaluation(seed)
        left = [p for p in game.outcomes[0].exits if p.startswith("dealer")]
        if left:
            break
    else:
        pytest.fail("no dealer left the channel in year 1 of 40 games: churn is not running")
    gone = left[0]
    assert gone not in game.live_dealers()
    raises("evaluation.partner_gone", game.decide, gone, "promote")
    game.decide(gone, "replace")
    outcome = game.simulate()
    newcomer = outcome.structure.replaced[gone]
    home = [t for t in game.territories() if t.startswith(f"market_{gone.split('_')[1]}")]
    assert set(home) <= set(outcome.structure.territories(newcomer))


# --------------------------------------------------------------------------- direction


def _score(seed: int, decide) -> float:  # type: ignore[no-untyped-def]
    game = Evaluation(seed, reviews=1)
    decide(game)
    game.simulate()
    return game.score().value


def test_replacing_a_hopeless_dealer_beats_keeping_it_and_beats_replacing_a_star() -> None:
    replace_weak = [_score(s, lambda g: g.decide(hopeless(g), "replace")) for s in SEEDS]
    replace_star = [_score(s, lambda g: g.decide(star(g), "replace")) for s in SEEDS]
    assert statistics.mean(replace_weak) > 60, replace_weak  # keeping it (doing nothing) scores 50
    assert sum(s > 50 for s in replace_weak) >= 5
    assert statistics.mean(replace_weak) > statistics.mean(replace_star) + 15, (replace_weak, replace_star)


def test_moving_a_territory_from_the_hopeless_dealer_to_the_star_helps() -> None:
    def move(game: Evaluation) -> None:
        weak, region = hopeless(game), None
        region = game.structure.dealers[weak].region
        best = dealers(game)[dealers(game)["region"] == region].sort_values("attainment")["partner"].iloc[-1]
        game.reassign(game.structure.territories(weak)[0], best)

    scores = [_score(s, move) for s in SEEDS]
    assert statistics.mean(scores) > 52, scores


def test_a_newcomer_ramps_up_after_onboarding() -> None:
    game = Evaluation(seed=3)
    weak = hopeless(game)
    game.decide(weak, "replace")
    outcome = game.simulate()
    newcomer = outcome.structure.replaced[weak]
    levels = outcome.result.levels
    sales = levels[levels["node"].astype(str) == newcomer].groupby("day")["customer_sales"].sum()
    assert sales[sales.index < 30].sum() == 0  # onboarding: nothing sold
    ramp = sales[(sales.index >= 30) & (sales.index < 90)].mean()
    settled = sales[sales.index >= 90].mean()
    assert 0 < ramp < settled
    card = outcome.scorecard.set_index("partner")
    assert card.loc[newcomer, "newcomer"] and card.loc[newcomer, "tier"] == TIERS[-1]
    assert outcome.totals["recruitment"] > 0 and outcome.totals["replaced"] == 1


def test_promotion_moves_a_tier_up_with_its_mdf_and_demotion_down() -> None:
    game = Evaluation(seed=0)
    card = game.scorecard().set_index("partner")
    silver = card.index[(card["tier"] == "silver") & (card["kind"] == "dealer")][0]
    gold = card.index[(card["tier"] == "gold") & (card["kind"] == "dealer")][0]
    game.decide(silver, "promote")
    game.decide(gold, "demote")
    outcome = game.simulate()
    after = outcome.scorecard.set_index("partner")
    assert after.loc[silver, "tier"] == "gold" and after.loc[gold, "tier"] == "silver"
    assert after.loc[silver, "mdf"] > card.loc[silver, "mdf"] and after.loc[gold, "mdf"] < card.loc[gold, "mdf"]
    assert after.loc[silver, "margin"] > card.loc[silver, "margin"]  # a better price list


def test_the_year_scenario_carries_the_structure() -> None:
    game = Evaluation(seed=0)
    weak = hopeless(game)
    game.decide(weak, "replace")
    structure = game._apply(game.structure, game._make_review())
    scenario = year_scenario(structure, 2)
    names = {n.name for n in scenario.nodes}
    assert weak not in names and set(structure.newcomers) <= names
    assert scenario.business.recruitment_round.select == list(structure.newcomers)
    for market in scenario.markets:
        capability = structure.dealers[market.served_by].capability
        assert market.demand[0].shocks[0].multiplier == pytest.approx(effectiveness(capability), abs=1e-6)


# --------------------------------------------------------------------------- score, feedback, report


def test_the_score_follows_its_formula() -> None:
    game = Evaluation(seed=5)
    game.decide(hopeless(game), "replace")
    game.simulate()
    game.simulate()
    years = game.years_table()
    played = years[years["year"] > 1]
    you, bench = played[played["line"] == "you"], played[played["line"] == "benchmark"]
    profit, profit_b = you["channel_profit"].sum(), bench["channel_profit"].sum()
    attain = you["sell_out"].sum() / you["target"].sum()
    attain_b = bench["sell_out"].sum() / bench["target"].sum()
    expected = min(100, max(0, 50 + PROFIT_POINTS * (profit - profit_b) / abs(profit_b) + 100 * (attain - attain_b)))
    score = game.score()
    assert score.value == pytest.approx(expected)
    assert score.text().startswith("score = clip(50 + 400") and score.text().endswith(f"= {score.value:.1f}")


def test_feedback_blames_supply_when_a_starved_dealer_is_punished() -> None:
    game = Evaluation(seed=0)
    victim = starved(game)
    row = game.scorecard().set_index("partner").loc[victim]
    assert row["supply_fill_rate"] < 0.9 and row["attainment"] < 0.9, "the scenario must starve a dealer"
    weak = hopeless(game)
    game.decide(victim, "replace")
    game.decide(weak, "replace") if game.structure.dealers[weak].region != game.structure.dealers[
        victim
    ].region else None
    game.simulate()
    advice = game.advice("en_US")
    blamed = [a for a in advice if a.code == "supply_blame"]
    assert [a.evidence["partner"] for a in blamed] == [row["display_name"]]
    assert advice[0].severity == "critical"
    assert "distributor" in blamed[0].message and row["display_name"] in blamed[0].message
    assert any(a.code == "supply_blame" for a in game.advice("zh_CN"))


def test_feedback_on_promoting_the_weak_and_demoting_the_star() -> None:
    game = Evaluation(seed=0)
    assert not game.outcomes[0].exits, "a calm year 1: nobody left"
    card = game.scorecard().set_index("partner")
    weak, best = hopeless(game), star(game)
    if card.loc[weak, "tier"] == TIERS[0]:
        pytest.fail("the hopeless dealer should not start gold")
    game.decide(weak, "promote")
    if card.loc[best, "tier"] != TIERS[-1]:
        game.decide(best, "demote")
    game.simulate()
    codes = {a.code: a for a in game.advice()}
    assert "promoted_weak" in codes and codes["promoted_weak"].evidence["partner"] == card.loc[weak, "display_name"]
    if card.loc[best, "tier"] != TIERS[-1]:
        assert "demoted_star" in codes
    assert "supply_blame" not in codes  # nobody with a supply problem was punished


def test_feedback_on_a_hopeless_dealer_kept_to_the_end_and_good_replacement() -> None:
    kept = Evaluation(seed=2)
    while not kept.finished:
        kept.simulate()
    assert "hopeless_kept" in [a.code for a in kept.advice()]
    assert "beat_benchmark" not in [a.code for a in kept.advice()]
    replaced = Evaluation(seed=2)
    replaced.decide(hopeless(replaced), "replace")
    while not replaced.finished:
        replaced.simulate()
    codes = [a.code for a in replaced.advice()]
    assert "hopeless_kept" not in codes and "beat_benchmark" in codes


def test_feedback_on_the_ramp_loss_fires_exactly_when_the_territory_sold_less() -> None:
    """Replacing an average dealer costs its territories the onboarding months; the advice names the drop."""
    fired = 0
    for seed in SEEDS:
        game = Evaluation(seed, reviews=1)
        rows = dealers(game)
        average = str(rows.iloc[(rows["attainment"] - 1.0).abs().argsort()]["partner"].iloc[0])
        territories = game.structure.territories(average)
        game.decide(average, "replace")
        game.simulate()
        before, after = (_territory_sales(o, territories) for o in game.outcomes)
        loss = [a for a in game.advice() if a.code == "ramp_loss"]
        assert bool(loss) == (after < 0.9 * before), (seed, before, after)
        for advice in loss:
            assert advice.evidence["drop"] == pytest.approx(1 - after / before) and advice.evidence["months"] == 3
        fired += bool(loss)
    assert fired >= 1, "replacing an average dealer should cost sales in some games"


def test_report_and_csv_hold_every_year_of_both_lines_with_the_decisions() -> None:
    game = Evaluation(seed=0)
    weak = hopeless(game)
    game.decide(weak, "replace")
    north = sorted(d for d, v in game.structure.dealers.items() if v.region == "north" and d != weak)
    moved = game.structure.territories(north[0])[0]
    game.reassign(moved, north[1])
    game.simulate()
    game.simulate()
    report = game.report()
    back = pd.read_csv(io.StringIO(game.to_csv()))
    assert len(back) == len(report) and {"exercise", "seed", "decision", *SCORECARD_COLUMNS} <= set(back.columns)
    assert set(zip(back["year"], back["line"], strict=True)) == {(1, "you"), (2, "you"), (2, "benchmark"),
                                                                  (3, "you"), (3, "benchmark")}  # fmt: skip
    year1 = back[(back["year"] == 1) & (back["partner"] == weak)]
    assert list(year1["decision"]) == ["replace"]
    assert back[back["year"] == 3]["decision"].isna().all()  # not reviewed yet
    assert set(back["decision"].dropna()) <= set(ACTIONS)
    given = back[back["territories_given"].notna()]
    assert list(zip(given["year"], given["partner"], given["territories_given"], strict=True)) == [
        (1, north[0], f"{moved}>{north[1]}")
    ]
    lines = debrief(game, "zh_CN")
    assert len(lines) == 2 and lines[0].startswith("第 2 年")


def test_constructor_checks_its_arguments() -> None:
    with pytest.raises(ValueError, match="seed"):
        Evaluation(seed=-1)
    with pytest.raises(ValueError, match="reviews"):
        Evaluation(seed=0, reviews=0)
