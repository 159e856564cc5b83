"""Tests of ``chansim generate --business``: the generated ``business`` section."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner

import chansim
from chansim.business.runtime import purchase_discounts
from chansim.cli import cli
from chansim.generate import GeneratorOptions, generate_scenario
from chansim.io import dump_scenario, load_scenario, scenario_to_yaml

CJK = re.compile(r"[\u4e00-\u9fff]")
SMALL = {"regions": 2, "distributors": 2, "dealers_per_distributor": 3, "skus": 3}


def options(**changes: object) -> GeneratorOptions:
    values: dict[str, object] = {"seed": 11, **SMALL, "business": True}
    values.update(changes)
    return GeneratorOptions(**values)  # type: ignore[arg-type]


def business_texts(scenario: chansim.Scenario) -> list[str]:
    """The free text of a generated business section (training, plans, approval steps)."""
    business = scenario.business
    assert business is not None
    texts = [e.name or "" for e in business.partners.training.events]
    assert business.incentives is not None and business.order_to_cash is not None
    texts += [p.description for p in business.incentives.plans]
    texts += [r.name or "" for r in business.order_to_cash.approval_path]
    return texts


# --------------------------------------------------------------------------- reproducibility


@pytest.mark.parametrize("locale", ["en_US", "zh_CN"])
def test_same_seed_gives_byte_identical_yaml(locale: str) -> None:
    first = scenario_to_yaml(generate_scenario(options(locale=locale)))
    second = scenario_to_yaml(generate_scenario(options(locale=locale)))
    assert first == second
    assert "\nbusiness:\n" in first
    assert first != scenario_to_yaml(generate_scenario(options(locale=locale, seed=12)))


def test_cli_flag_writes_the_same_file_as_the_api(tmp_path: Path) -> None:
    opts = options(locale="zh_CN")
    assert opts.command.endswith(" --business")
    paths = [tmp_path / "a.yaml", tmp_path / "b.yaml"]
    for path in paths:
        outcome = CliRunner().invoke(cli, [*shlex.split(opts.command)[1:], "--out", str(path)])
        assert outcome.exit_code == 0, outcome.output
    assert paths[0].read_bytes() == paths[1].read_bytes()
    assert paths[0].read_text(encoding="utf-8") == scenario_to_yaml(generate_scenario(opts))


# --------------------------------------------------------------------------- only with the flag


def test_business_section_only_with_the_flag(tmp_path: Path) -> None:
    plain = generate_scenario(options(business=False))
    assert plain.business is None
    assert "business" not in scenario_to_yaml(plain)
    assert "--business" not in (plain.source or "")
    assert plain == generate_scenario(GeneratorOptions(seed=11, **SMALL))  # the default is off
    outcome = CliRunner().invoke(
        cli, [*shlex.split(options(business=False).command)[1:], "--out", str(tmp_path / "p.yaml")]
    )
    assert outcome.exit_code == 0, outcome.output
    assert "business" not in (tmp_path / "p.yaml").read_text(encoding="utf-8")


@pytest.mark.parametrize("distributors", [2, 0])
def test_flag_leaves_the_channel_itself_unchanged(distributors: int) -> None:
    plain = generate_scenario(options(business=False, distributors=distributors))
    rich = generate_scenario(options(distributors=distributors))
    assert rich.skus == plain.skus and rich.markets == plain.markets and rich.regions == plain.regions
    for a, b in zip(rich.nodes, plain.nodes, strict=True):
        expected = "priority" if a.kind in ("vendor", "distributor") else b.allocation
        assert a.allocation == expected  # suppliers serve scarce stock by tier priority
        assert a.model_copy(update={"allocation": b.allocation}) == b


# --------------------------------------------------------------------------- validates and runs


@pytest.mark.parametrize(
    "changes", [{"locale": "en_US"}, {"locale": "zh_CN"}, {"distributors": 0}, {"regions": 5, "distributors": 2}]
)
def test_generated_business_validates_and_round_trips(tmp_path: Path, changes: dict) -> None:
    scenario = generate_scenario(options(**changes))
    path = tmp_path / "b.yaml"
    dump_scenario(scenario, path)
    assert load_scenario(path) == scenario


@pytest.mark.parametrize("changes", [{"locale": "en_US"}, {"locale": "zh_CN", "distributors": 0}])
def test_runs_sixty_days_with_every_business_part(changes: dict) -> None:
    result = chansim.run(generate_scenario(options(**changes)), seed=1, days=60)
    assert result.levels["day"].max() == 59
    tables = result.business
    for name in ("invoices", "approvals", "leads", "partners", "audit"):
        assert name in tables, name
    assert len(tables["invoices"]) > 0 and len(tables["leads"]) > 0
    assert len(result.incentives) > 0  # one 30-day settlement period at least
    kpis = result.kpis()
    assert 0.5 <= kpis[kpis["node"] == "network"]["fill_rate"].iloc[0] <= 1.0


# --------------------------------------------------------------------------- locale


def test_zh_cn_has_cjk_display_names_and_business_text() -> None:
    scenario = generate_scenario(options(locale="zh_CN"))
    assert all(CJK.search(n.display_name or "") for n in scenario.nodes)
    assert all(CJK.search(s.display_name or "") for s in scenario.skus)
    texts = business_texts(scenario)
    assert texts and all(CJK.search(t) for t in texts)
    assert CJK.search(scenario.description.split("。")[-2])  # the business sentence


def test_en_us_business_text_has_no_cjk() -> None:
    scenario = generate_scenario(options(locale="en_US"))
    assert not CJK.search(scenario_to_yaml(scenario))
    assert all(t.isascii() and t for t in business_texts(scenario))


# --------------------------------------------------------------------------- sizing


@pytest.mark.parametrize("distributors", [4, 0])
def test_tiers_follow_partner_size(distributors: int) -> None:
    scenario = generate_scenario(options(regions=4, distributors=distributors, dealers_per_distributor=6))
    business = scenario.business
    assert business is not None
    tiers = business.tiers_by_node
    partners = [n for n in scenario.nodes if n.kind in ("distributor", "dealer")]
    assert set(tiers) == {n.name for n in partners}
    by_size = {"large": "gold", "medium": "silver", "small": "bronze"}
    for node in partners:
        assert tiers[node.name] == by_size[str(node.metadata["size"])], node.name
    ladder = business.partners.tiers.tiers
    assert [t.name for t in ladder] == ["gold", "silver", "bronze"]
    assert [t.discount for t in ladder] == sorted((t.discount for t in ladder), reverse=True)
    assert business.incentives is not None
    assert business.incentives.plans[0].applies_to.kinds == ["distributor" if distributors else "dealer"]


def test_distributors_keep_a_margin_over_their_dealers() -> None:
    scenario = generate_scenario(options(dealers_per_distributor=8))
    discounts = purchase_discounts(scenario)
    for node in scenario.nodes:
        if node.kind == "dealer":
            supplier = node.lanes[0].supplier
            assert supplier is not None
            assert discounts[supplier] >= discounts[node.name] + 0.1 - 1e-9  # 10 % of list at least


def test_credit_terms_and_limits_are_sized_from_expected_purchases() -> None:
    scenario = generate_scenario(options())
    business = scenario.business
    assert business is not None and business.order_to_cash is not None
    credit = business.order_to_cash.credit
    discounts = purchase_discounts(scenario)  # the prices the run invoices at
    terms = {"gold": 60, "silver": 45, "bronze": 30}
    price = {s.name: s.list_price for s in scenario.skus}
    mean = {
        (m.served_by, d.sku): d.distribution.mean  # type: ignore[union-attr]
        for m in scenario.markets
        for d in m.demand
    }
    supplies = {n.name: n.lanes[0].supplier for n in scenario.nodes}
    for node in scenario.nodes:
        if node.kind not in ("dealer", "distributor"):
            continue
        tier = business.tiers_by_node[node.name]
        override = credit.partners[node.name]
        assert override.terms_days == terms[tier]
        served = [node.name] + [n for n, s in supplies.items() if s == node.name]
        unit = {sku: p * (1 - discounts[node.name]) for sku, p in price.items()}
        daily = sum(mean.get((n, sku), 0.0) * unit[sku] for n in served for sku in unit)
        exposure = daily * (terms[tier] + 5)  # terms plus a few days late
        assert override.credit_limit is not None
        assert exposure < override.credit_limit < 3 * exposure
    assert credit.on_exceed == "hold"


def test_approval_incentives_and_funnel_are_consistent() -> None:
    scenario = generate_scenario(options(regions=3, distributors=3, skus=5))
    business = scenario.business
    assert business is not None and business.order_to_cash is not None and business.incentives is not None
    path = business.order_to_cash.approval_path
    assert [r.pool for r in path] == ["order_desk", "finance"]
    assert path[0].amount_above is not None and path[1].amount_above is not None
    assert 0 < path[0].amount_above < path[1].amount_above
    rebate, commission = business.incentives.plans
    assert rebate.scheme.type == "volume_rebate" and commission.scheme.type == "target_commission"
    thresholds = [t.threshold for t in rebate.scheme.tiers]  # type: ignore[union-attr]
    assert thresholds == sorted(set(thresholds)) and thresholds[0] > 0
    dealers = {n.name for n in scenario.nodes if n.kind == "dealer"}
    assert set(business.incentives.targets.by_node) == dealers
    assert all(v > 0 for v in business.incentives.targets.by_node.values())
    assert business.funnel is not None
    skus = {s.name for s in scenario.skus}
    dealer_regions = {n.region for n in scenario.nodes if n.kind == "dealer"}
    for source in business.funnel.lead_sources:
        assert source.region in dealer_regions and source.arrival_rate_per_day > 0
        assert {line.sku for line in source.sku_mix} <= skus
        assert abs(sum(line.share for line in source.sku_mix) - 1) < 1e-9
    events = business.partners.training.events
    assert [e.day for e in events] == [14, 60]
    assert events[0].seats == len(dealers)


def test_approver_pools_stay_small_on_a_large_channel() -> None:
    scenario = generate_scenario(
        GeneratorOptions(seed=1, regions=3, distributors=10, dealers_per_distributor=20, skus=20, business=True)
    )
    assert scenario.business is not None and scenario.business.order_to_cash is not None
    for pool in scenario.business.order_to_cash.approver_pools:
        assert 1 <= pool.approvers <= 10


def test_applicants_add_a_faker_made_recruitment_pool() -> None:
    import re

    from chansim.generate import GeneratorOptions, generate_scenario
    from chansim.io import scenario_to_yaml

    opts = GeneratorOptions(seed=4, locale="zh_CN", regions=2, business=True, applicants=3)
    scenario = generate_scenario(opts)
    again = generate_scenario(GeneratorOptions(seed=4, locale="zh_CN", regions=2, business=True, applicants=3))
    assert scenario_to_yaml(scenario) == scenario_to_yaml(again)
    applicants = [n for n in scenario.nodes if n.metadata.get("applicant")]
    assert len(applicants) == 3 * 2
    assert all(re.search(r"[\u4e00-\u9fff]", n.display_name or "") for n in applicants)
    rnd = scenario.business.recruitment_round
    assert rnd is not None and sorted(rnd.candidates) == sorted(n.name for n in applicants)
    assert rnd.recruit_per_region == 1
    result = chansim.run(scenario, seed=1, days=60)
    partners = result.business["partners"].set_index("partner")
    joined = [n.name for n in applicants if partners.loc[n.name, "status"] != "candidate"]
    assert len(joined) == 2  # one per region
    # without applicants the network is the same as a plain --business file
    plain = generate_scenario(GeneratorOptions(seed=4, locale="zh_CN", regions=2, business=True))
    assert [n.name for n in plain.nodes] == [n.name for n in scenario.nodes if not n.metadata.get("applicant")]


def test_applicants_need_the_business_section() -> None:
    from chansim.generate import GeneratorOptions

    with pytest.raises(ValueError, match="applicants"):
        GeneratorOptions(seed=1, applicants=2)
