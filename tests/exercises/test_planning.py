"""The channel-planning controller: validation, scenario building, direction of effects, score, feedback."""

from __future__ import annotations

import io
import math

import pandas as pd
import pytest

from chansim.exercises.game import DecisionError
from chansim.exercises.messages import CATALOGUE
from chansim.exercises.planning import (
    COMPARISON_COLUMNS,
    PLANNING_KPIS,
    REGIONS,
    TOWNS,
    ChannelDesign,
    ChannelPlanning,
    DesignOutcome,
    PlanningSetup,
    build_scenario,
)

SEEDS = (0, 1, 2)
BASE = {"dealers": (3, 3, 2, 0), "tiers": 2}


@pytest.fixture(scope="module")
def runs():
    """Simulated designs, cached per (seed, design) for the whole module."""
    cache: dict = {}

    def get(seed: int, **fields) -> DesignOutcome:
        design = ChannelDesign(**{**BASE, **fields})
        key = (seed, design)
        if key not in cache:
            cache[key] = ChannelPlanning(seed=seed).simulate(design)
        return cache[key]

    return get


# --------------------------------------------------------------------------- validation


@pytest.mark.parametrize(
    ("fields", "key"),
    [
        ({"dealers": ("", 1, 1, 1)}, "validation.empty"),
        ({"dealers": (-1, 1, 1, 1)}, "validation.negative"),
        ({"dealers": (6, 1, 1, 1)}, "validation.too_large"),
        ({"dealers": (1.5, 1, 1, 1)}, "validation.not_whole"),
        ({"dealers": ("abc", 1, 1, 1)}, "validation.not_a_number"),
        ({"dealers": (1, 1, 1)}, "validation.unknown_choice"),
        ({"dealers": {"mars": 2}}, "validation.unknown_choice"),
        ({"dealers": (0, 0, 0, 0)}, "planning.error.no_dealer"),
        ({"tiers": 3}, "validation.unknown_choice"),
        ({"tiers": True}, "validation.unknown_choice"),
        ({"gold_discount_pct": 99}, "validation.too_large"),
        ({"bronze_discount_pct": 31}, "validation.too_large"),
        ({"silver_discount_pct": -5}, "validation.negative"),
        ({"gold_discount_pct": 20, "silver_discount_pct": 28}, "planning.error.ladder_order"),
        ({"marketing_budget": 1e12}, "validation.too_large"),
        ({"marketing_budget": float("nan")}, "validation.not_a_number"),
    ],
)
def test_bad_design_fields_are_refused_with_a_catalogue_key(fields, key):
    with pytest.raises(DecisionError) as error:
        ChannelDesign(**{**BASE, **fields})
    assert error.value.key == key
    # the message names the field and what is allowed, in both languages
    for lang in ("en_US", "zh_CN"):
        text = CATALOGUE.get(error.value.key, lang, **error.value.params)
        assert text
    if key.startswith("validation.") and key != "validation.unknown_choice":
        assert "allowed" in str(error.value) and error.value.params["field"]


def test_a_design_accepts_text_and_mappings():
    design = ChannelDesign(dealers={"north": "2", "west": 1}, tiers="1", gold_discount_pct="30",
                           silver_discount_pct=25, bronze_discount_pct="20.5", marketing_budget="1000")  # fmt: skip
    assert design.dealers == (2, 0, 0, 1) and design.tiers == 1
    assert design.bronze_discount_pct == 20.5 and design.marketing_budget == 1000.0
    assert [t.name for t in design.towns()] == ["north_1", "north_2", "west_1"]


def test_the_scenario_follows_the_design():
    two = build_scenario(ChannelDesign(dealers=(3, 0, 2, 1), tiers=2, marketing_budget=40_000))
    names = {n.name: n for n in two.nodes}
    assert {"dist_north", "dist_east", "dist_west"} <= set(names) and "dist_south" not in names
    assert names["dealer_north_1"].lanes[0].supplier == "dist_north"
    assert len([m for m in two.markets]) == 6
    business = two.business
    assert business.tiers_by_node["dealer_north_1"] == "gold"
    assert business.tiers_by_node["dealer_north_2"] == "silver"
    assert business.tiers_by_node["dealer_north_3"] == "bronze"
    assert sum(r.amount for r in business.mdf_requests) == pytest.approx(40_000, abs=1)
    assert business.partners.tiers.tiers[2].discount == pytest.approx(0.25)
    one = build_scenario(ChannelDesign(dealers=(3, 0, 2, 1), tiers=1))
    assert not [n for n in one.nodes if n.kind == "distributor"]
    assert all(n.lanes[0].supplier == "vendor" for n in one.nodes if n.kind == "dealer")

    # a 1-tier dealer waits longer, so it stocks more than the same dealer in 2 tiers
    def stock(s):
        node = next(n for n in s.nodes if n.name == "dealer_north_1")
        return sum(i.policy.order_up_to for i in node.items)

    assert stock(one) > stock(two)
    assert not one.business.mdf_requests


# --------------------------------------------------------------------------- the engine behind it


def test_one_design_simulates_reproducibly(runs):
    planning = ChannelPlanning(seed=5)
    design = ChannelDesign(dealers=(5, 5, 5, 5), tiers=2, marketing_budget=100_000)
    runs(0)  # the first run of a process pays for lazy imports
    first = planning.simulate(design)
    again = ChannelPlanning(seed=5).simulate(design)
    assert first.kpis == again.kpis
    assert first.score.value == again.score.value
    for name in PLANNING_KPIS:
        assert name in first.kpis
    assert 0 <= first.kpi("coverage") <= first.kpi("market_coverage") <= 1
    assert first.kpi("regions_covered") <= 4


def test_planning_kpis_agree_with_the_engine_kpis(runs):
    outcome = runs(2, dealers=(2, 1, 1, 1), marketing_budget=50_000)
    engine = outcome.result.kpis().set_index("node")
    business = outcome.result.business_kpis().set_index("node")
    assert outcome.kpi("fill_rate") == pytest.approx(engine.loc["network", "fill_rate"])
    assert outcome.kpi("end_revenue") == pytest.approx(engine.loc["network", "revenue"])
    assert outcome.kpi("channel_cost_ratio") == pytest.approx(business.loc["network", "channel_cost_ratio"])
    dealers = outcome.dealers.set_index("dealer")
    for node in dealers.index:
        assert dealers.loc[node, "fill_rate"] == pytest.approx(engine.loc[node, "fill_rate"])
        assert dealers.loc[node, "revenue"] == pytest.approx(engine.loc[node, "revenue"])
    money = outcome.result.money
    vendor = money[(money["node"] == "vendor") & (money["day"] >= 14)]
    gross = (
        vendor[vendor["account"] == "revenue"]["amount"].sum()
        - vendor[vendor["account"] == "cost_of_goods"]["amount"].sum()
    )
    assert outcome.kpi("vendor_margin") < gross  # freight, support, incentives, MDF and operations come off
    assert outcome.kpi("vendor_margin") == pytest.approx(
        gross
        - engine.loc["vendor", "total_cost"]
        - outcome.kpi("vendor_freight")
        - outcome.kpi("rebates")
        - outcome.kpi("commissions")
        - outcome.kpi("mdf_claimed")
        - outcome.kpi("support_cost")
    )


def test_dealers_in_an_empty_region_raise_coverage(runs):
    for seed in SEEDS:
        without = runs(seed)
        with_west = runs(seed, dealers=(3, 3, 2, 2))
        assert without.kpi("regions_covered") <= 3
        assert with_west.kpi("market_coverage") > without.kpi("market_coverage")
        assert with_west.kpi("end_revenue") > without.kpi("end_revenue")
        west = without.regions.set_index("region").loc["west"]
        assert west["market_coverage"] == 0 and west["dealers"] == 0


def test_one_tier_keeps_margin_but_costs_more_to_serve(runs):
    margin_gap = 0.0
    for seed in SEEDS:
        two, one = runs(seed), runs(seed, tiers=1)
        assert one.kpi("distributors") == 0 and two.kpi("distributors") == 3
        assert one.kpi("vendor_revenue") > two.kpi("vendor_revenue")  # no distributor margin
        margin_gap += one.kpi("vendor_margin_pct") - two.kpi("vendor_margin_pct")
        assert one.kpi("support_cost") > two.kpi("support_cost")
        assert one.kpi("vendor_freight") > two.kpi("vendor_freight")
        assert one.kpi("channel_cost_ratio") > two.kpi("channel_cost_ratio")
        assert one.kpi("rebates") == 0 and two.kpi("rebates") > 0
    # on average the vendor keeps more of each sale (a distributor leaving can blur one seed)
    assert margin_gap / len(SEEDS) > 0.01


def test_thin_dealer_discounts_raise_margin_and_drive_dealers_away(runs):
    lost_thin = lost_normal = 0
    for seed in SEEDS:
        normal = runs(seed, dealers=(5, 5, 5, 5))
        thin = runs(seed, dealers=(5, 5, 5, 5), gold_discount_pct=15, silver_discount_pct=12, bronze_discount_pct=10)
        lost_thin += thin.kpi("dealers_lost")
        lost_normal += normal.kpi("dealers_lost")
        assert thin.kpi("vendor_margin_pct") > normal.kpi("vendor_margin_pct")
    assert lost_thin >= lost_normal + 3 * len(SEEDS)


def test_marketing_budget_buys_revenue_at_a_cost(runs):
    for seed in SEEDS:
        plain, marketed = runs(seed), runs(seed, marketing_budget=300_000)
        assert marketed.kpi("mdf_claimed") > 0 and plain.kpi("mdf_claimed") == 0
        assert marketed.kpi("end_revenue") > 1.05 * plain.kpi("end_revenue")
        assert marketed.kpi("channel_cost_ratio") > plain.kpi("channel_cost_ratio")


# --------------------------------------------------------------------------- comparison


def test_up_to_three_designs_then_a_clear_refusal():
    planning = ChannelPlanning(seed=3)
    for dealers in ((1, 0, 0, 0), (1, 1, 0, 0), (1, 1, 1, 0)):
        planning.add(ChannelDesign(dealers=dealers))
    assert [o.design.name for o in planning.outcomes] == ["A", "B", "C"] and planning.full
    with pytest.raises(DecisionError) as error:
        planning.add(ChannelDesign(dealers=(1, 1, 1, 1)))
    assert error.value.key == "planning.error.too_many_designs"
    assert "Clear designs" in CATALOGUE.get(error.value.key, "en_US", **error.value.params)
    assert "3" in CATALOGUE.get(error.value.key, "zh_CN", **error.value.params)
    table = planning.comparison()
    assert list(table.columns) == COMPARISON_COLUMNS and len(table) == 3
    assert list(table["dealers_east"]) == [0, 0, 1]
    assert table["market_coverage"].is_monotonic_increasing
    csv = planning.to_csv()
    assert pd.read_csv(io.StringIO(csv))["design"].tolist() == ["A", "B", "C"]
    assert len(planning.regions_table()) == 3 * len(REGIONS)
    planning.remove("B")
    assert [o.design.name for o in planning.outcomes] == ["A", "C"]
    again = planning.add(ChannelDesign(dealers=(2, 0, 0, 0), name="A"))  # a taken name gets a free letter
    assert again.design.name == "B"
    with pytest.raises(DecisionError):
        planning.remove("Z")
    planning.clear()
    assert planning.outcomes == () and planning.comparison().empty and planning.best is None
    lines = planning.debrief()
    assert lines == []


def test_debrief_names_the_best_design(runs):
    planning = ChannelPlanning(seed=0)
    planning.add(ChannelDesign(**BASE))
    planning.add(ChannelDesign(**{**BASE, "tiers": 1}))
    best = planning.best
    assert best is max(planning.outcomes, key=lambda o: o.score.value)
    for lang in ("en_US", "zh_CN"):
        lines = planning.debrief(lang)
        assert best.design.name in lines[0]
        assert len(lines) == 6  # best, widest, cheapest, richest, tiers, trade-off


# --------------------------------------------------------------------------- score


def _kpis(**values):
    base = dict.fromkeys(PLANNING_KPIS, 0.0)
    base.update(coverage=0.8, vendor_margin_pct=0.15, channel_cost_ratio=0.10)
    base.update(values)
    return base


def test_score_formula_terms():
    planning = ChannelPlanning()
    s = planning.setup
    score = planning.score_of(_kpis())
    expected = 100 * (0.5 * 0.8 + 0.5 * 0.15 / s.margin_ref)
    assert score.value == pytest.approx(expected)
    assert score.components["penalty_points"] == 0
    over = planning.score_of(_kpis(channel_cost_ratio=s.cost_target + 0.05))
    assert over.components["penalty_points"] == pytest.approx(s.cost_penalty * 5)
    assert over.value == pytest.approx(expected - s.cost_penalty * 5)
    capped = planning.score_of(_kpis(vendor_margin_pct=0.9, coverage=1.0))
    assert capped.value == 100
    floor = planning.score_of(_kpis(coverage=0.0, vendor_margin_pct=-0.5, channel_cost_ratio=0.9))
    assert floor.value == 0
    # more coverage or more margin never lowers the score; more cost never raises it
    assert planning.score_of(_kpis(coverage=0.9)).value > score.value
    assert planning.score_of(_kpis(vendor_margin_pct=0.2)).value > score.value
    assert planning.score_of(_kpis(channel_cost_ratio=0.2)).value < score.value
    custom = ChannelPlanning(setup=PlanningSetup(coverage_weight=1.0)).score_of(_kpis())
    assert custom.value == pytest.approx(80.0)


def test_score_panel_shows_the_formula_and_terms(runs):
    outcome = runs(0)
    planning = ChannelPlanning(seed=0)
    value, formula, lines = planning.score_lines(outcome, "en_US")
    assert value == outcome.score.value
    s = planning.setup
    assert "coverage" in formula and f"{s.cost_target:.0%}" in formula and f"{s.margin_ref:.0%}" in formula
    assert any("coverage" in line for line in lines) and any("budget line" in line for line in lines)
    _, formula_zh, lines_zh = planning.score_lines(outcome, "zh_CN")
    assert "覆盖率" in formula_zh and any("预算线" in line for line in lines_zh)
    points = outcome.score.components
    assert value == pytest.approx(
        max(0, min(100, points["coverage_points"] + points["margin_points"] - points["penalty_points"]))
    )


# --------------------------------------------------------------------------- feedback


def _outcome(design: ChannelDesign, dealers: pd.DataFrame | None = None, **values) -> DesignOutcome:
    planning = ChannelPlanning()
    kpis = _kpis(**values)
    if dealers is None:
        dealers = pd.DataFrame({"town": [t.name for t in design.towns()], "channel_cost_ratio": 0.05})
    return DesignOutcome(design, kpis, pd.DataFrame(), dealers, planning.score_of(kpis), None)  # type: ignore[arg-type]


def codes(outcome: DesignOutcome, lang: str = "en_US") -> list[str]:
    return [a.code for a in ChannelPlanning().advise(outcome, lang)]


def test_advice_empty_regions_names_them():
    outcome = _outcome(ChannelDesign(dealers=(2, 2, 0, 0)), coverage=0.55)
    advice = ChannelPlanning().advise(outcome, "en_US")
    first = advice[0]
    assert first.code == "planning.advice.empty_regions" and first.severity == "critical"
    assert "55%" in first.message and "2 region(s)" in first.message and "East, West" in first.message
    zh = ChannelPlanning().advise(outcome, "zh_CN")[0]
    assert "华东、西部" in zh.message
    one_missing = _outcome(ChannelDesign(dealers=(2, 2, 2, 0)))
    assert ChannelPlanning().advise(one_missing)[0].severity == "warning"


def test_advice_cost_over_budget_and_costly_dealers():
    design = ChannelDesign(dealers=(5, 5, 5, 5), tiers=1)
    dealers = pd.DataFrame({"town": ["west_5", "north_1"], "channel_cost_ratio": [0.33, 0.05]})
    outcome = _outcome(design, dealers, channel_cost_ratio=0.31)
    advice = ChannelPlanning().advise(outcome)
    by_code = {a.code: a for a in advice}
    assert by_code["planning.advice.cost_over_budget"].severity == "critical"
    assert "31.0%" in by_code["planning.advice.cost_over_budget"].message
    assert "12%" in by_code["planning.advice.cost_over_budget"].message
    assert "West town no. 5" in by_code["planning.advice.costly_dealers"].message
    ok = _outcome(design, channel_cost_ratio=0.11)
    assert "planning.advice.cost_over_budget" not in codes(ok)


def test_advice_lost_partners_thin_margin_low_fill():
    design = ChannelDesign(dealers=(5, 5, 5, 5), tiers=2, gold_discount_pct=15, silver_discount_pct=12,
                           bronze_discount_pct=10)  # fmt: skip
    found = codes(_outcome(design, dealers_lost=4, distributors_lost=1, vendor_margin_pct=0.05, fill_rate=0.9))
    assert {"planning.advice.dealers_lost", "planning.advice.distributors_lost",
            "planning.advice.thin_margin_two_tier", "planning.advice.low_fill"} <= set(found)  # fmt: skip
    direct = ChannelDesign(dealers=(5, 5, 5, 5), tiers=1)
    found = codes(_outcome(direct, vendor_margin_pct=0.05, fill_rate=0.9))
    assert "planning.advice.thin_margin" in found and "planning.advice.low_fill_direct" in found


def test_advice_praises_a_balanced_design_only():
    design = ChannelDesign(dealers=(5, 5, 5, 5))
    good = ChannelPlanning().advise(_outcome(design, coverage=0.95, fill_rate=0.99, vendor_margin_pct=0.2))
    assert [a.code for a in good] == ["planning.advice.balanced"] and good[0].severity == "info"
    narrow = codes(_outcome(design, coverage=0.6, fill_rate=0.99, vendor_margin_pct=0.2))
    assert narrow == ["planning.advice.more_coverage"]
    bad = codes(_outcome(design, coverage=0.95, fill_rate=0.99, vendor_margin_pct=0.2, channel_cost_ratio=0.2))
    assert "planning.advice.balanced" not in bad


def test_advice_on_a_real_run_points_at_the_empty_region(runs):
    outcome = runs(1)
    found = ChannelPlanning(seed=1).advise(outcome)
    assert found[0].code == "planning.advice.empty_regions" and "West" in found[0].message
    assert math.isclose(found[0].evidence["missed"], sum(t.potential for t in TOWNS if t.region == "west")
                        / sum(t.potential for t in TOWNS))  # fmt: skip


def test_every_planning_text_is_in_both_languages():
    keys = [k for k in CATALOGUE.keys() if k.startswith("planning.")]
    assert len(keys) > 60
    problems = [p for p in CATALOGUE.check() if p.startswith("planning.")]
    assert problems == []
    for name in PLANNING_KPIS:
        assert f"planning.kpi.{name}.label" in CATALOGUE
