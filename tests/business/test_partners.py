"""Tests of the partner lifecycle: exact unit cases and statistical checks with stated tolerances.

Statistical tests use many seeded draws and a tolerance of 4 standard errors (two-sided
p ~ 6e-5), so they fail only if the model is wrong, not by bad luck of one seed.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd
import pytest
import simpy
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from chansim.business.partners import (
    Beta,
    Churn,
    Criterion,
    EvaluationIndex,
    EventRate,
    Exit,
    Fixed,
    Insolvency,
    LifecycleStreams,
    MarketDevelopmentFunds,
    PartnerBook,
    PartnersConfig,
    RandomEvents,
    Recruitment,
    Satisfaction,
    ScheduledEvent,
    Tier,
    TierLadder,
    Training,
    TrainingEvent,
    absence_windows,
    draw_random_events,
    exit_money_rows,
    make_faker,
    money_frame,
    observed_scores,
    parse_partners_config,
    period_probability,
    ramp_activity,
    region_demand_multiplier,
    run_lifecycle,
    scorecard,
    training_uplift,
)
from chansim.config.money import cents_of, to_cents, to_units

Z = 4.0  # tolerance in standard errors for statistical checks


def rng(seed: int) -> np.random.Generator:
    return np.random.default_rng(seed)


def ladder(**changes: object) -> TierLadder:
    base = {
        "metric": "purchases",
        "tiers": [
            Tier(name="gold", discount=0.3, allocation_priority=0, promotion_threshold=80, demotion_threshold=70),
            Tier(name="silver", discount=0.27, allocation_priority=1, promotion_threshold=55, demotion_threshold=45),
            Tier(name="bronze", discount=0.25, allocation_priority=2),
        ],
    }
    base.update(changes)
    return TierLadder.model_validate(base)


def book_with(n: int, config: PartnersConfig | None = None, region: str = "r1", **kwargs: object) -> PartnerBook:
    book = PartnerBook(config)
    for i in range(n):
        book.add_partner(f"p{i:05d}", region=region, **kwargs)  # type: ignore[arg-type]
    return book


# --------------------------------------------------------------------------- recruitment noise


def test_observed_scores_are_unbiased_with_the_configured_sd() -> None:
    index = EvaluationIndex(
        criteria=[
            Criterion(name="capital", noise_std=5.0, bias=0.0),
            Criterion(name="coverage", noise_std=10.0, bias=0.1),
            Criterion(name="team", noise_std=15.0, bias=-0.05),
        ]
    )
    config = PartnersConfig(evaluation=index, recruitment=Recruitment(capability=Fixed(value=0.5)))
    book = PartnerBook(config)
    n = 5000
    candidates = book.generate_candidates(rng(1), None, "west", n)
    for criterion in index.criteria:
        scores = np.array([c.observed_scores[criterion.name] for c in candidates])
        expected = 100 * (0.5 + criterion.bias)
        assert abs(scores.mean() - expected) < Z * criterion.noise_std / math.sqrt(n)
        # sd of a sample sd is about sd / sqrt(2 n)
        assert abs(scores.std(ddof=1) - criterion.noise_std) < Z * criterion.noise_std / math.sqrt(2 * n)


def test_score_residuals_around_varying_capability() -> None:
    index = EvaluationIndex(criteria=[Criterion(name="capital", noise_std=8.0, bias=0.05)])
    capability = rng(2).beta(20, 20, size=20_000)  # stays in 0.25..0.75: clipping is negligible
    scores = observed_scores(rng(3), capability, index)[:, 0]
    residual = scores - 100 * (capability + 0.05)
    assert abs(residual.mean()) < Z * 8.0 / math.sqrt(len(residual))
    assert abs(residual.std(ddof=1) - 8.0) < Z * 8.0 / math.sqrt(2 * len(residual))


def test_correlation_with_capability_falls_as_noise_rises() -> None:
    correlations = []
    for noise in (2.0, 10.0, 30.0, 60.0):
        index = EvaluationIndex(criteria=[Criterion(name=f"c{i}", noise_std=noise) for i in range(3)])
        book = PartnerBook(PartnersConfig(evaluation=index, recruitment=Recruitment(capability=Beta(a=2, b=2))))
        candidates = book.generate_candidates(rng(4), None, "west", 4000)
        ranked = book.screen(candidates)
        composite = {r.partner: r.composite for r in ranked}
        cap = np.array([c.capability for c in candidates])
        comp = np.array([composite[c.name] for c in candidates])
        r = float(np.corrcoef(cap, comp)[0, 1])
        correlations.append(r)
        if noise <= 30:  # theory without clipping: sd(cap) / sqrt(var(cap) + noise^2 / (3 * 100^2))
            var_cap = 2 * 2 / (4**2 * 5)
            theory = math.sqrt(var_cap / (var_cap + noise**2 / 30_000))
            assert abs(r - theory) < 0.025  # about 4 standard errors of r at n = 4000
    assert correlations == sorted(correlations, reverse=True)
    assert correlations[0] - correlations[-1] > 0.15


def test_screening_with_true_weights_beats_random_picks() -> None:
    index = EvaluationIndex(
        criteria=[
            Criterion(name="capital", weight=1, noise_std=10),
            Criterion(name="coverage", weight=1, noise_std=20),
            Criterion(name="team", weight=1, noise_std=40),
        ]
    )
    config = PartnersConfig(evaluation=index)
    true_weights = index.inverse_variance_weights()
    assert true_weights["capital"] > true_weights["coverage"] > true_weights["team"]
    assert sum(true_weights.values()) == pytest.approx(1.0)
    screened, noisy, random = [], [], []
    draws = rng(5)
    for pool in range(300):
        book = PartnerBook(config)
        candidates = book.generate_candidates(rng(1000 + pool), None, "west", 20)
        by_name = {c.name: c for c in candidates}
        best = [r.partner for r in book.screen(candidates, true_weights)[:5]]
        worst_weights = [r.partner for r in book.screen(candidates, {"team": 1.0})[:5]]
        picks = draws.choice(len(candidates), size=5, replace=False)
        screened.append(np.mean([by_name[n].capability for n in best]))
        noisy.append(np.mean([by_name[n].capability for n in worst_weights]))
        random.append(np.mean([candidates[i].capability for i in picks]))
    difference = np.array(screened) - np.array(random)
    assert difference.mean() > Z * difference.std(ddof=1) / math.sqrt(len(difference))
    assert difference.mean() > 0.05
    gain = np.array(screened) - np.array(noisy)
    assert gain.mean() > Z * gain.std(ddof=1) / math.sqrt(len(gain))


def test_screen_ranks_by_composite_and_names_unknown_criteria() -> None:
    book = PartnerBook()
    a = book.add_partner("a")
    b = book.add_partner("b")
    a.observed_scores = {"capital": 90.0, "team": 10.0}
    b.observed_scores = {"capital": 20.0, "team": 80.0}
    index = EvaluationIndex(criteria=[Criterion(name="capital", weight=3), Criterion(name="team", weight=1)])
    book.config = PartnersConfig(evaluation=index)
    ranked = book.screen(["a", "b"])
    assert [r.partner for r in ranked] == ["a", "b"]
    assert ranked[0].composite == pytest.approx(0.75 * 90 + 0.25 * 10)
    assert [r.partner for r in book.screen(["a", "b"], {"capital": 1, "team": 3})] == ["b", "a"]
    with pytest.raises(ValueError, match="unknown key.*'credit'"):
        book.screen(["a"], {"credit": 1.0})


def test_candidates_and_faker_names_are_reproducible() -> None:
    def make() -> list[tuple[str, str | None, float, dict[str, float]]]:
        book = PartnerBook()
        made = book.generate_candidates(rng(9), make_faker("zh_CN", 9), "east_china", 6, level="distributor")
        return [(c.name, c.display_name, c.capability, c.observed_scores) for c in made]

    first = make()
    assert first == make()
    assert all(name.startswith("cand_") and name.endswith("_east_china") for name, *_ in first)
    assert len({display for _, display, *_ in first}) > 1


# --------------------------------------------------------------------------- onboarding, ramp-up, training


def test_onboarding_and_ramp_up_exact() -> None:
    config = PartnersConfig(recruitment=Recruitment(onboarding_days=10, ramp_up_days=20, cost_per_partner=500))
    book = PartnerBook(config)
    (candidate,) = book.generate_candidates(rng(0), None, "west", 1)
    book.recruit([candidate.name], day=5)
    name = candidate.name
    assert book[name].status == "onboarding"
    assert [book.activity(name, d) for d in (4, 5, 14, 15, 20, 25, 35, 100)] == [0, 0, 0, 0, 0.25, 0.5, 1, 1]
    assert book.update_statuses(14) == []
    assert book.update_statuses(15) == [name]
    assert book[name].status == "active"
    assert [(r.time, r.action, r.old, r.new) for r in book.audit] == [
        (5, "status_change", "candidate", "onboarding"),
        (5, "tier_change", None, "bronze"),
        (15, "status_change", "onboarding", "active"),
    ]
    assert book.money == [(5, name, "recruitment_cost", 50_000)]  # cents (chansim.config.money)
    assert ramp_activity(3, 0, 0, 0) == 1.0
    with pytest.raises(ValueError, match="not a candidate"):
        book.recruit([name], day=20)


def test_recruit_without_onboarding_is_active_at_once() -> None:
    book = PartnerBook(PartnersConfig(recruitment=Recruitment(onboarding_days=0, ramp_up_days=0)))
    (candidate,) = book.generate_candidates(rng(0), None, "west", 1)
    book.recruit([candidate.name], day=7)
    assert book[candidate.name].status == "active"
    assert book.activity(candidate.name, 7) == 1.0
    assert book.activity(candidate.name, 6) == 0.0


def test_training_uplift_and_half_life_exact() -> None:
    config = PartnersConfig(training=Training(uplift=0.2, half_life_days=30))
    book = book_with(1, config)
    book.apply_training(TrainingEvent(day=10, partners=["p00000"], seats=1, cost_per_seat=100))
    values = [book.win_rate_multiplier("p00000", d) for d in (9, 10, 40, 70, 100)]
    assert values == pytest.approx([1.0, 1.2, 1.1, 1.05, 1.025], abs=1e-12)
    book.apply_training(TrainingEvent(day=40, partners=["p00000"], seats=1, uplift=0.4))
    assert book.win_rate_multiplier("p00000", 40) == pytest.approx(1.5)
    assert training_uplift(40, [(10, 0.2), (40, 0.4)], 30, max_uplift=0.3) == pytest.approx(0.3)
    assert book.money == [(10, "p00000", "training_cost", 10_000)]  # cents


def test_training_seats_targets_and_costs() -> None:
    book = book_with(5, PartnersConfig())
    book.set_tier("p00001", "gold", 0)
    book.set_tier("p00003", "gold", 0)
    book.set_tier("p00004", "gold", 0)
    book.exit_partner("p00003", 0)
    trained = book.apply_training(TrainingEvent(day=3, tier="gold", seats=5, cost_per_seat=50))
    assert trained == ["p00001", "p00004"]  # the churned gold partner is skipped
    trained = book.apply_training(TrainingEvent(day=4, seats=3, cost_per_seat=10))
    assert trained == ["p00000", "p00001", "p00002"]
    trained = book.apply_training(TrainingEvent(day=5, partners=["p00004", "p00003", "p00000"], seats=2))
    assert trained == ["p00004", "p00000"]
    costs = [row for row in book.money if row.account == "training_cost"]
    assert sum(row.amount for row in costs) == 2 * 50 + 3 * 10
    assert book.demand_multiplier("p00003", 10) == 0.0


def test_demand_multiplier_combines_activity_capability_training_and_mdf() -> None:
    config = PartnersConfig(
        recruitment=Recruitment(capability_effect=0.5),
        training=Training(uplift=0.2, half_life_days=30),
        mdf=MarketDevelopmentFunds(budget_per_period=10_000, uplift_per_1000=0.02, lag_days=14, half_life_days=60),
    )
    book = PartnerBook(config)
    book.add_partner("a", capability=0.8)
    assert book.capability_multiplier("a") == pytest.approx(1.3)
    book.apply_training(TrainingEvent(day=0, partners=["a"], seats=1))
    request = book.request_mdf("a", 5000, day=0)
    book.approve_mdf(request.request_id, day=6)
    assert book.mdf_multiplier("a", 19) == 1.0
    assert book.mdf_multiplier("a", 20) == pytest.approx(1.1)
    assert book.mdf_multiplier("a", 80) == pytest.approx(1.05)
    expected = 1.0 * 1.3 * (1 + 0.2 * 0.5 ** (80 / 30)) * 1.05
    assert book.demand_multiplier("a", 80) == pytest.approx(expected)
    assert book.demand_multiplier("a", 80, include_training=False) == pytest.approx(1.3 * 1.05)


# --------------------------------------------------------------------------- churn, satisfaction, insolvency


def test_churn_probability_is_the_logistic_formula() -> None:
    churn = Churn(intercept=1.0, margin_coefficient=-8, fill_rate_coefficient=-2, satisfaction_coefficient=-3)
    z = 1.0 - 8 * 0.15 - 2 * 0.9 - 3 * 0.6
    assert churn.probability(0.15, 0.9, 0.6) == pytest.approx(1 / (1 + math.exp(-z)))
    assert Churn(intercept=800).probability(0, 0, 0) == 1.0
    assert Churn(intercept=-800).probability(0, 0, 0) == 0.0


@pytest.mark.parametrize(("margin", "fill_rate", "satisfaction"), [(0.25, 0.98, 0.8), (0.1, 0.9, 0.5), (0.0, 0.6, 0.2)])
def test_churn_frequency_matches_the_logistic_probability(margin: float, fill_rate: float, satisfaction: float) -> None:
    config = PartnersConfig(churn=Churn(customers_on_exit="lost"))
    n = 5000
    book = book_with(n, config, satisfaction=satisfaction)
    metrics = {name: {"margin": margin, "fill_rate": fill_rate} for name in book.names()}
    p = config.churn.probability(margin, fill_rate, satisfaction)
    leavers = book.churn_draw(rng(11), day=30, metrics=metrics)
    assert abs(len(leavers) - n * p) <= Z * math.sqrt(n * p * (1 - p)) + 1
    assert all(e.reason == "churn" and e.probability == pytest.approx(p) for e in leavers)
    survivors = book.names(["active", "at_risk"])
    assert len(survivors) == n - len(leavers)
    flagged = "at_risk" if p >= config.churn.at_risk_probability else "active"
    assert {book[s].status for s in survivors} == {flagged}


def test_churn_exit_rules_and_successor() -> None:
    config = PartnersConfig(churn=Churn(intercept=800, stock_on_exit="return", return_credit=0.6))
    distances = {("a", "b"): 5.0, ("a", "c"): 2.0, ("a", "d"): 1.0}
    book = PartnerBook(config, distance=lambda x, y: distances.get((x, y), 99.0))
    book.add_partner("a", region="west")
    book.add_partner("b", region="west")
    book.add_partner("c", region="west")
    book.add_partner("d", region="west", level="distributor")  # nearest, but another level
    book.add_partner("e", region="east")
    (leaver,) = book.churn_draw(rng(0), 30, {"a": {"margin": 0.2, "fill_rate": 0.9}})
    assert leaver == Exit(30, "a", "churn", 1.0, "return", 0.6, "c")
    assert book["a"].status == "churned"
    assert book.exits == [leaver]
    rows = exit_money_rows(leaver, 1000.0, supplier="dist_01")
    assert rows == [(30, "dist_01", "stock_return_credit", 60_000), (30, "a", "stock_write_off", 40_000)]  # cents
    assert sum(r.amount for r in rows) == 1000.0
    lost = PartnerBook(PartnersConfig(churn=Churn(intercept=800, customers_on_exit="lost")))
    lost.add_partner("x")
    lost.add_partner("y")
    assert lost.churn_draw(rng(0), 30, {"x": {"margin": 0, "fill_rate": 0}})[0].customers_to is None


def test_satisfaction_smoothing_exact() -> None:
    cfg = Satisfaction(
        initial=0.5, smoothing=0.25, margin_weight=2, fill_rate_weight=1, support_weight=1, target_margin=0.2
    )
    book = book_with(2, PartnersConfig(satisfaction=cfg))
    changes = book.update_satisfaction(
        {"p00000": {"margin": 0.1, "fill_rate": 0.8, "support": 0.4}, "p00001": {"margin": 0.5, "fill_rate": 1.0}},
        day=30,
    )
    signal0 = (2 * 0.5 + 1 * 0.8 + 1 * 0.4) / 4
    signal1 = (2 * 1.0 + 1 * 1.0 + 1 * cfg.default_support) / 4
    assert changes[0].signal == pytest.approx(signal0)
    assert book["p00000"].satisfaction == pytest.approx(0.25 * signal0 + 0.75 * 0.5)
    assert book["p00001"].satisfaction == pytest.approx(0.25 * signal1 + 0.75 * 0.5)
    with pytest.raises(KeyError, match="lack 'fill_rate'"):
        book.update_satisfaction({"p00000": {"margin": 0.1}}, day=60)


def test_insolvency_period_probability_conversion() -> None:
    p = period_probability(0.15, 30)
    assert 1 - (1 - p) ** (365 / 30) == pytest.approx(0.15)
    assert Insolvency(annual_probability=0.2, review_period_days=30).probability(0.25) == pytest.approx(p)
    assert Insolvency(annual_probability=0.9).probability(1.0) == 0.0


def test_insolvency_frequency_matches_the_annual_probability() -> None:
    config = PartnersConfig(
        insolvency=Insolvency(annual_probability=0.2, review_period_days=30, customers_on_exit="lost")
    )
    n = 20_000
    book = book_with(n, config)
    health = {name: 0.25 for name in book.names()}
    p = period_probability(0.2 * 0.75, 30)
    exits = book.insolvency_draw(rng(12), day=30, health=health)
    assert abs(len(exits) - n * p) <= Z * math.sqrt(n * p * (1 - p))
    assert {book[e.partner].status for e in exits} == {"insolvent"}
    assert {e.stock for e in exits} == {"write_off"}
    # health defaults to capability: capability 1 never goes bust
    safe = book_with(100, config, capability=1.0)
    assert safe.insolvency_draw(rng(13), day=30) == []


# --------------------------------------------------------------------------- tiers


@pytest.mark.parametrize(
    ("start", "metric", "expected"),
    [
        ("bronze", 54.999, "bronze"),
        ("bronze", 55.0, "silver"),
        ("bronze", 80.0, "gold"),
        ("silver", 79.999, "silver"),
        ("silver", 80.0, "gold"),
        ("silver", 45.0, "silver"),
        ("silver", 44.999, "bronze"),
        ("gold", 70.0, "gold"),
        ("gold", 69.999, "silver"),
        ("gold", 45.0, "silver"),
        ("gold", 44.999, "bronze"),
        ("bronze", -1.0, "bronze"),
    ],
)
def test_tier_thresholds_exact(start: str, metric: float, expected: str) -> None:
    assert ladder().next_tier(start, metric) == expected


def test_one_step_per_review() -> None:
    steps = ladder(one_step_per_review=True)
    assert steps.next_tier("bronze", 99) == "silver"
    assert steps.next_tier("gold", 0) == "silver"


def test_review_tiers_changes_and_audit() -> None:
    book = PartnerBook(PartnersConfig(tiers=ladder()))
    book.add_partner("a")
    book.add_partner("b", tier="gold")
    book.add_partner("c", tier="silver")
    book.add_partner("d").status = "onboarding"  # still ramping: not reviewed
    metrics = pd.DataFrame(
        {"partner": ["a", "b", "c", "d"], "region": ["w"] * 4, "purchases": [85.0, 69.0, 50.0, 99.0]}
    )  # a text column is ignored
    changes = book.review_tiers(metrics, day=90, actor="trainer")
    assert [(c.partner, c.old, c.new, c.direction) for c in changes] == [
        ("a", "bronze", "gold", "promotion"),
        ("b", "gold", "silver", "demotion"),
    ]
    assert [tuple(r) for r in book.audit] == [
        (90, "trainer", "tier_change", "a", "bronze", "gold"),
        (90, "trainer", "tier_change", "b", "gold", "silver"),
    ]
    assert book.tier_of("a") is not None and book.tier_of("a").discount == 0.3  # type: ignore[union-attr]
    assert book.review_tiers({"a": {"purchases": 85.0}}, day=180) == []


def test_tier_review_on_the_scorecard() -> None:
    book = PartnerBook()  # default ladder on the scorecard with fixed bounds
    book.add_partner("a")
    book.add_partner("b")
    metrics = {
        "a": {"target_achievement": 1.2, "fill_rate": 1.0, "margin": 0.4},
        "b": {"target_achievement": 0.3, "fill_rate": 0.6, "margin": 0.05},
    }
    changes = book.review_tiers(metrics, day=90)
    assert [(c.partner, c.new, round(c.metric, 6)) for c in changes] == [("a", "gold", 100.0)]


# --------------------------------------------------------------------------- scorecard


def test_scorecard_weights_are_normalised_and_ranking_follows_them() -> None:
    metrics = pd.DataFrame({"partner": ["x", "y", "z"], "sales": [100.0, 60.0, 20.0], "fill_rate": [0.80, 0.99, 0.90]})
    a = scorecard(metrics, {"sales": 2, "fill_rate": 2})
    b = scorecard(metrics, {"sales": 0.5, "fill_rate": 0.5})
    pd.testing.assert_frame_equal(a, b)
    assert a["score"].between(0, 100).all()
    by_sales = scorecard(metrics, {"sales": 0.9, "fill_rate": 0.1})
    by_fill = scorecard(metrics, {"sales": 0.1, "fill_rate": 0.9})
    assert list(by_sales["partner"]) == ["x", "y", "z"]
    assert list(by_fill["partner"]) == ["y", "z", "x"]
    assert list(by_sales["rank"]) == [1, 2, 3]
    x = by_sales.set_index("partner").loc["x"]
    assert x["score_sales"] == 100.0 and x["score_fill_rate"] == 0.0
    assert x["score"] == pytest.approx(90.0)


def test_scorecard_bounds_direction_constant_and_errors() -> None:
    metrics = pd.DataFrame({"days_late": [0.0, 5.0, 20.0], "same": [3.0, 3.0, 3.0]}, index=["a", "b", "c"])
    card = scorecard(metrics, {"days_late": 1, "same": 1}, lower_is_better=["days_late"], bounds={"days_late": (0, 10)})
    scores = card.set_index("partner")
    assert list(scores["score_days_late"]) == [100.0, 50.0, 0.0]
    assert set(scores["score_same"]) == {50.0}
    with pytest.raises(ValueError, match="no KPI column 'margin'"):
        scorecard(metrics, {"margin": 1})
    with pytest.raises(ValueError, match="weights.same"):
        scorecard(metrics, {"same": -1})


# --------------------------------------------------------------------------- random events


def test_drawn_event_counts_match_the_rates() -> None:
    config = RandomEvents(
        drawn=[
            EventRate(kind="demand_shock", rate_per_year=12, magnitude=0.7, magnitude_max=1.3, targets=["n", "s"]),
            EventRate(kind="shipment_delay", rate_per_year=3, duration_days=2, duration_days_max=5, magnitude=1,
                      magnitude_max=4, targets=["vendor->d1"]),
        ]
    )  # fmt: skip
    horizon = 730
    counts: dict[str, list[int]] = {"demand_shock": [], "shipment_delay": []}
    starts = []
    for seed in range(400):
        schedule = draw_random_events(rng(seed), config, horizon)
        for kind in counts:
            counts[kind].append(int((schedule["kind"] == kind).sum()))
        starts.extend(schedule["start_day"])
        delays = schedule[schedule["kind"] == "shipment_delay"]
        assert delays["magnitude"].isin([1.0, 2.0, 3.0, 4.0]).all()
        assert (delays["end_day"] - delays["start_day"]).between(2, 5).all()
    for kind, rate in (("demand_shock", 12), ("shipment_delay", 3)):
        x = np.array(counts[kind])
        mean = rate * horizon / 365
        assert abs(x.mean() - mean) < Z * math.sqrt(mean / len(x))
        dispersion = ((x - x.mean()) ** 2).sum() / x.mean()  # Poisson: chi-square with n - 1 df
        assert stats.chi2.ppf(1e-4, len(x) - 1) < dispersion < stats.chi2.ppf(1 - 1e-4, len(x) - 1)
    assert stats.kstest(np.array(starts) + 0.5, stats.uniform(0, horizon).cdf).pvalue > 1e-4


def test_scheduled_events_are_reproduced_exactly_and_seeds_repeat() -> None:
    config = RandomEvents(
        scheduled=[
            ScheduledEvent(kind="warehouse_outage", day=40, duration_days=3, magnitude=0.0, target="dist_01"),
            ScheduledEvent(kind="competitor_price_cut", day=10, duration_days=30, magnitude=0.8, target="west"),
            ScheduledEvent(kind="approver_absence", day=10, duration_days=7),
        ],
        drawn=[EventRate(kind="partner_insolvency", rate_per_year=2)],
    )
    schedule = draw_random_events(rng(3), config, 365, {"partner_insolvency": ["d1", "d2"]})
    scheduled = schedule[schedule["source"] == "scheduled"]
    assert [
        tuple(r) for r in scheduled[["kind", "start_day", "end_day", "target", "magnitude"]].itertuples(index=False)
    ] == [
        ("competitor_price_cut", 10, 40, "west", 0.8),
        ("approver_absence", 10, 17, "approver", 1.0),
        ("warehouse_outage", 40, 43, "dist_01", 0.0),
    ]
    assert list(schedule["event_id"]) == list(range(len(schedule)))
    assert list(schedule["start_day"]) == sorted(schedule["start_day"])
    assert set(schedule.loc[schedule["source"] == "drawn", "target"]) <= {"d1", "d2"}
    again = draw_random_events(rng(3), config, 365, {"partner_insolvency": ["d1", "d2"]})
    pd.testing.assert_frame_equal(schedule, again)
    assert region_demand_multiplier(schedule, "west", 9) == 1.0
    assert region_demand_multiplier(schedule, "west", 10) == 0.8
    assert region_demand_multiplier(schedule, "west", 40) == 1.0
    assert absence_windows(schedule) == [(10, 17)]
    different = [len(draw_random_events(rng(s), config, 3650, {"partner_insolvency": ["d1"]})) for s in range(5)]
    assert len(set(different)) > 1


def test_events_without_targets_name_the_field() -> None:
    config = RandomEvents(drawn=[EventRate(kind="warehouse_outage", rate_per_year=50, magnitude=0.5)])
    with pytest.raises(ValueError, match=r"events\.drawn\[0\]\.targets"):
        draw_random_events(rng(0), config, 365)


def test_book_supplies_default_targets() -> None:
    book = PartnerBook()
    book.add_partner("a", region="west")
    book.add_partner("b", region="east")
    config = RandomEvents(drawn=[EventRate(kind="demand_shock", rate_per_year=100, magnitude=1.2)])
    schedule = book.draw_random_events(rng(0), config, horizon_days=365)
    assert set(schedule["target"]) == {"east", "west"}


# --------------------------------------------------------------------------- MDF


def test_mdf_budget_caps_approvals_and_resets_each_period() -> None:
    book = book_with(2, PartnersConfig(mdf=MarketDevelopmentFunds(budget_per_period=1000, period_days=90)))
    r1 = book.request_mdf("p00000", 700, day=1)
    r2 = book.request_mdf("p00001", 700, day=2)
    assert book.approve_mdf(r1.request_id, day=5) == 700
    assert book.approve_mdf(r2.request_id, day=6) == 300
    assert book.mdf_budget_remaining(89) == 0
    assert book.mdf_budget_remaining(90) == 1000
    assert book.claim_mdf(r2.request_id, day=30, amount=500) == 300
    r3 = book.request_mdf("p00000", 50, day=89)
    assert book.approve_mdf(r3.request_id, day=89) == 0
    assert r3.status == "rejected"
    with pytest.raises(ValueError, match="rejected, not approved"):
        book.claim_mdf(r3.request_id, day=95)
    carry = book_with(1, PartnersConfig(mdf=MarketDevelopmentFunds(budget_per_period=1000, carry_over=True)))
    r = carry.request_mdf("p00000", 5000, day=0)
    assert carry.approve_mdf(r.request_id, day=200) == 3000  # periods 0, 1 and 2


@settings(max_examples=60, deadline=None)
@given(
    budget=st.floats(0, 5000),
    carry_over=st.booleans(),
    operations=st.lists(
        st.tuples(
            st.integers(0, 30),  # days since the last operation
            st.sampled_from(["p00000", "p00001", "p00002"]),
            st.floats(0.01, 3000),  # amount requested
            st.one_of(st.none(), st.floats(0, 4000)),  # amount the approver grants
            st.one_of(st.none(), st.floats(0, 4000)),  # amount the partner claims
        ),
        max_size=25,
    ),
)
def test_mdf_money_is_conserved(budget: float, carry_over: bool, operations: list) -> None:  # type: ignore[type-arg]
    cfg = MarketDevelopmentFunds(budget_per_period=budget, period_days=60, carry_over=carry_over, claim_fraction=0.9)
    book = book_with(3, PartnersConfig(mdf=cfg))
    day = 0
    for gap, partner, amount, grant, claim in operations:
        day += gap
        request = book.request_mdf(partner, amount, day)
        book.approve_mdf(request.request_id, day, grant)
        if request.status == "approved":
            book.claim_mdf(request.request_id, day + 10, claim)
    for r in book.mdf_requests:
        assert r.requested_cents >= r.approved_cents >= r.claimed_cents >= 0
        assert (r.requested, r.approved, r.claimed) == tuple(to_units(c) for c in (
            r.requested_cents, r.approved_cents, r.claimed_cents))  # fmt: skip
    # money is whole cents (chansim.config.money): budgets hold exactly, no tolerance
    money = pd.DataFrame(book.money, columns=["day", "node", "account", "amount_cents"])
    assert money["amount_cents"].map(type).eq(int).all()
    total = money.groupby("account")["amount_cents"].sum()
    total = total.reindex(["mdf_requested", "mdf_approved", "mdf_claimed"], fill_value=0)
    assert total["mdf_requested"] >= total["mdf_approved"] >= total["mdf_claimed"]
    approved = money[money["account"] == "mdf_approved"].assign(period=lambda f: f["day"] // 60)
    by_period = approved.groupby("period")["amount_cents"].sum()
    budget_cents = to_cents(budget)
    if carry_over:
        cumulative = by_period.sort_index().cumsum()
        for period, value in cumulative.items():
            assert value <= budget_cents * (period + 1)
    else:
        assert (by_period <= budget_cents).all()
    assert total["mdf_claimed"] <= budget_cents * (day // 60 + 1)
    frame = money_frame(book.money)  # the table shows currency units, exactly the cents / 100
    assert (cents_of(frame["amount"]) == money["amount_cents"].to_numpy()).all()


# --------------------------------------------------------------------------- the SimPy process


def constant_metrics(book: PartnerBook, **values: float):  # type: ignore[no-untyped-def]
    def provider(day: int, window: int) -> dict[str, dict[str, float]]:
        return {name: dict(values) for name in book.names(["active", "at_risk"])}

    return provider


def test_run_lifecycle_timeline() -> None:
    config = PartnersConfig(
        tiers=ladder(review_period_days=90),
        recruitment=Recruitment(onboarding_days=10, ramp_up_days=20),
        training=Training(events=[TrainingEvent(day=12, tier="bronze", seats=10)]),
        churn=Churn(intercept=-50),  # nobody churns
        insolvency=Insolvency(annual_probability=0.0),
        mdf=MarketDevelopmentFunds(budget_per_period=1000, approval_delay_days=5, claim_delay_days=30),
        events=RandomEvents(
            scheduled=[
                ScheduledEvent(kind="partner_insolvency", day=50, target="b"),
                ScheduledEvent(kind="approver_absence", day=3, duration_days=7),
            ]
        ),
    )
    book = PartnerBook(config)
    book.add_partner("a")
    book.add_partner("b")
    (candidate,) = book.generate_candidates(rng(0), None, "r1", 1)
    book.recruit([candidate.name], day=0)
    request = book.request_mdf("a", 400, day=0)
    schedule = book.draw_random_events(rng(1), horizon_days=365)
    exits: list[Exit] = []
    env = simpy.Environment()
    provider = constant_metrics(book, margin=0.2, fill_rate=0.95, purchases=60.0)
    env.process(
        run_lifecycle(env, book, LifecycleStreams.from_seed(7), provider, schedule=schedule, on_exit=exits.append)
    )
    env.run(until=100)
    assert book[candidate.name].status == "active"
    assert [r.time for r in book.audit if r.subject == candidate.name and r.new == "active"] == [10]
    assert book[candidate.name].trainings == [(12, 0.2)]
    assert exits == [Exit(50, "b", "insolvency", 1.0, "write_off", 0.0, "a")]  # same tier: by name
    assert (request.approval_day, request.approved, request.claim_day, request.claimed) == (10, 400, 40, 400)
    assert {name: book[name].tier for name in ("a", candidate.name)} == {"a": "silver", candidate.name: "silver"}
    assert book["a"].satisfaction != config.satisfaction.initial
    tables = book.tables()
    assert set(tables) == {"partners", "audit", "money", "exits", "mdf"}
    assert "capability" not in tables["partners"].columns
    assert "capability" in book.tables(reveal_capability=True)["partners"].columns


def test_run_lifecycle_same_seed_same_history() -> None:
    def history(seed: int) -> pd.DataFrame:
        config = PartnersConfig(churn=Churn(intercept=0.5), tiers=ladder())
        book = book_with(40, config)
        env = simpy.Environment()
        provider = constant_metrics(book, margin=0.1, fill_rate=0.8, purchases=50.0)
        env.process(run_lifecycle(env, book, LifecycleStreams.from_seed(seed), provider))
        env.run(until=200)
        return book.tables()["audit"]

    pd.testing.assert_frame_equal(history(3), history(3))
    assert not history(3).equals(history(4))


def test_from_scenario_adds_distributors_and_dealers() -> None:
    from chansim.generate import GeneratorOptions, generate_scenario

    scenario = generate_scenario(GeneratorOptions(seed=1, regions=2, dealers_per_distributor=2))
    book = PartnerBook.from_scenario(scenario)
    assert book.names() == sorted(n.name for n in scenario.nodes if n.kind != "vendor")
    assert {book[n].status for n in book.names()} == {"active"}
    assert all(book.demand_multiplier(n, 0) == 1.0 for n in book.names())
    bad = PartnersConfig(
        events=RandomEvents(scheduled=[ScheduledEvent(kind="demand_shock", day=1, magnitude=0.5, target="mars")])
    )
    assert bad.problems_with(scenario) == ["events.scheduled[0].target: unknown region 'mars' for a demand_shock"]


# --------------------------------------------------------------------------- validation and round trip


@pytest.mark.parametrize(
    ("build", "field"),
    [
        (lambda: ladder(tiers=[Tier(name="g", promotion_threshold=10, demotion_threshold=20), Tier(name="b")]),
         "tiers[0].demotion_threshold"),
        (lambda: ladder(tiers=[Tier(name="g", promotion_threshold=10), Tier(name="s", promotion_threshold=20),
                               Tier(name="b")]), "tiers[1].promotion_threshold"),
        (lambda: ladder(tiers=[Tier(name="g"), Tier(name="b")]), "tiers[0].promotion_threshold"),
        (lambda: ladder(tiers=[Tier(name="g", promotion_threshold=1), Tier(name="b", promotion_threshold=0)]),
         "tiers[1].promotion_threshold"),
        (lambda: ladder(initial_tier="platinum"), "initial_tier"),
        (lambda: EvaluationIndex(criteria=[Criterion(name="a"), Criterion(name="a")]), "criteria[1].name"),
        (lambda: EvaluationIndex(criteria=[Criterion(name="a", weight=0)]), "criteria"),
        (lambda: TrainingEvent(day=1, seats=1, partners=["a"], tier="gold"), "tier"),
        (lambda: PartnersConfig(training=Training(events=[TrainingEvent(day=1, seats=1, tier="platinum")])),
         "training.events[0].tier"),
        (lambda: ScheduledEvent(kind="warehouse_outage", day=1, magnitude=2.0, target="n"), "magnitude"),
        (lambda: ScheduledEvent(kind="shipment_delay", day=1, magnitude=1.5, target="v->d"), "magnitude"),
        (lambda: ScheduledEvent(kind="partner_insolvency", day=1), "target"),
        (lambda: EventRate(kind="demand_shock", rate_per_year=1, duration_days=5, duration_days_max=2),
         "duration_days_max"),
    ],
)  # fmt: skip
def test_validation_errors_name_the_field(build, field: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match=re.escape(field)):
        build()


def test_parse_partners_config_names_full_paths() -> None:
    doc = {
        "churn": {"review_period_days": 0, "colour": "red"},
        "tiers": {"tiers": [{"name": "g", "promotion_threshold": 5, "demotion_threshold": 9}, {"name": "b"}]},
        "recruitment": {"capability": {"type": "beta", "a": -1, "b": 2}},
    }
    with pytest.raises(ValueError) as info:
        parse_partners_config(doc)
    message = str(info.value)
    assert "business.partners.churn.review_period_days: Input should be greater than or equal to 1 (got 0)" in message
    assert "business.partners.churn.colour: unknown key" in message
    assert "business.partners.tiers.tiers[0].demotion_threshold: 9.0 must not exceed" in message
    assert "business.partners.recruitment.capability.a:" in message
    assert parse_partners_config(None) == PartnersConfig()


def test_config_round_trips_through_yaml() -> None:
    config = PartnersConfig(
        tiers=ladder(one_step_per_review=True),
        recruitment=Recruitment(capability=Beta(a=3, b=5), pool_size_by_region={"west": 7}),
        training=Training(events=[TrainingEvent(day=3, tier="gold", seats=4, cost_per_seat=120.5)]),
        events=RandomEvents(
            scheduled=[ScheduledEvent(kind="shipment_delay", day=4, magnitude=3, target="vendor->d1")],
            drawn=[EventRate(kind="approver_absence", rate_per_year=4, duration_days=3, duration_days_max=10)],
        ),
    )
    text = yaml.safe_dump(config.model_dump(mode="json"), sort_keys=False, allow_unicode=True)
    assert parse_partners_config(yaml.safe_load(text)) == config
    assert config.recruitment.pool_size("west") == 7 and config.recruitment.pool_size("east") == 20


def test_streams_are_reproducible_and_independent() -> None:
    a, b = LifecycleStreams.from_seed(5, 2), LifecycleStreams.from_seed(5, 2)
    assert a.churn.random() == b.churn.random()
    c = LifecycleStreams.from_seed(5, 2)
    assert c.churn.random() != c.insolvency.random()
