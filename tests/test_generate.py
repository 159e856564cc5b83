"""Tests of the Faker-based scenario generator (``chansim.generate`` and ``chansim generate``)."""

from __future__ import annotations

import random
import re
import shlex
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

import chansim
from chansim import scenario as sc
from chansim.cli import cli
from chansim.generate import (
    CATALOGUE_SIZE,
    FAMILIES,
    START_DATE,
    GeneratorOptions,
    generate_scenario,
)
from chansim.io import dump_scenario, load_scenario, scenario_to_yaml

ROOT = Path(__file__).resolve().parents[1]
COMMITTED = [ROOT / "scenarios" / "two-tier-regional.yaml", ROOT / "chansim" / "data" / "default.yaml"]
CJK = re.compile(r"[\u4e00-\u9fff]")
IDENTIFIER = re.compile(sc.NAME_PATTERN)
CHANSIM = Path(sys.executable).parent / "chansim"

SMALL = {"regions": 2, "distributors": 2, "dealers_per_distributor": 3, "skus": 3}


def options(**changes: object) -> GeneratorOptions:
    values: dict[str, object] = {"seed": 11, **SMALL}
    values.update(changes)
    return GeneratorOptions(**values)  # type: ignore[arg-type]


def cli_args(opts: GeneratorOptions, out: Path) -> list[str]:
    """The CLI arguments (``generate ...``) equivalent to ``opts``."""
    return [*shlex.split(opts.command)[1:], "--out", str(out)]


def network_kpis(scenario: sc.Scenario, days: int = 120) -> dict[str, float]:
    table = chansim.run(scenario, seed=1, days=days).kpis()
    return table[table["node"] == "network"].iloc[0].to_dict()


def strip_header(text: str) -> str:
    lines = text.splitlines(keepends=True)
    while lines and lines[0].startswith("#"):
        lines.pop(0)
    return "".join(lines)


# --------------------------------------------------------------------------- reproducibility


@pytest.mark.parametrize("locale", ["en_US", "zh_CN"])
def test_same_options_give_byte_identical_yaml(locale: str) -> None:
    first = generate_scenario(options(locale=locale))
    second = generate_scenario(options(locale=locale))
    assert first == second
    assert scenario_to_yaml(first) == scenario_to_yaml(second)


def test_cli_output_is_byte_identical_and_matches_the_api(tmp_path: Path) -> None:
    opts = options(locale="zh_CN")
    runner = CliRunner()
    paths = [tmp_path / "a.yaml", tmp_path / "b.yaml"]
    for path in paths:
        outcome = runner.invoke(cli, cli_args(opts, path))
        assert outcome.exit_code == 0, outcome.output
        assert f"wrote {path}" in outcome.output
    assert paths[0].read_bytes() == paths[1].read_bytes()
    api = tmp_path / "api.yaml"
    dump_scenario(generate_scenario(opts), api)
    assert paths[0].read_bytes() == api.read_bytes()


def test_console_script_matches_the_api(tmp_path: Path) -> None:
    opts = options(seed=2026)
    out = tmp_path / "script.yaml"
    done = subprocess.run([str(CHANSIM), *cli_args(opts, out)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert out.read_text(encoding="utf-8") == scenario_to_yaml(generate_scenario(opts))


def test_different_seed_gives_a_different_file() -> None:
    texts = {scenario_to_yaml(generate_scenario(options(seed=seed))) for seed in (1, 2, 3)}
    assert len(texts) == 3


def test_generation_leaves_global_random_state_alone() -> None:
    random.seed(5)
    np.random.seed(5)
    before = (random.getstate(), np.random.get_state()[1].copy())
    generate_scenario(options(locale="zh_CN"))
    generate_scenario(options(locale="en_US"))
    assert random.getstate() == before[0]
    assert np.array_equal(np.random.get_state()[1], before[1])


def test_source_records_the_regenerating_command() -> None:
    scenario = generate_scenario(options(seed=3, distributors=None))
    assert scenario.source is not None
    assert "chansim generate --seed 3 " in scenario.source
    assert "--distributors 2 " in scenario.source  # one per region, made explicit
    assert scenario.metadata["seed"] == 3


# --------------------------------------------------------------------------- locales


def test_zh_cn_display_names_are_chinese() -> None:
    scenario = generate_scenario(options(locale="zh_CN"))
    named = [*scenario.nodes, *scenario.skus, *scenario.regions, *scenario.markets]
    assert named
    for thing in named:
        assert thing.display_name and CJK.search(thing.display_name), thing.name
        assert thing.name.isascii() and IDENTIFIER.match(thing.name)
    assert {r.display_name for r in scenario.regions} == {"华东", "华南"}
    assert CJK.search(scenario.description)


def test_en_us_output_has_no_cjk() -> None:
    scenario = generate_scenario(options(locale="en_US", regions=3, distributors=3))
    text = scenario_to_yaml(scenario)
    assert not CJK.search(text)
    assert [r.display_name for r in scenario.regions] == ["Northeast", "Southeast", "Midwest"]
    assert all(n.display_name for n in scenario.nodes)


@pytest.mark.parametrize(
    ("locale", "regions", "first"),
    [("en_US", 9, "south_atlantic"), ("en_US", 50, "california"),
     ("zh_CN", 20, "guangdong"), ("zh_CN", 50, "shanghai")],
)  # fmt: skip
def test_many_regions_use_finer_real_territories(locale: str, regions: int, first: str) -> None:
    scenario = generate_scenario(
        options(locale=locale, regions=regions, distributors=0, dealers_per_distributor=1, skus=1)
    )
    names = [r.name for r in scenario.regions]
    assert names[0] == first
    assert len(set(names)) == regions
    cities = {n.metadata["city"] for n in scenario.nodes if n.kind == "dealer"}
    assert len(cities) >= regions  # every region's dealer sits in one of its own cities


# --------------------------------------------------------------------------- validity


@pytest.mark.parametrize(
    "changes",
    [{"locale": "en_US"}, {"locale": "zh_CN"}, {"distributors": 0}, {"skus": 12, "days": 800}],
)
def test_yaml_round_trip_gives_the_same_scenario(tmp_path: Path, changes: dict) -> None:
    scenario = generate_scenario(options(**changes))
    path = tmp_path / "round.yaml"
    dump_scenario(scenario, path)
    assert load_scenario(path) == scenario


@pytest.mark.parametrize(
    "changes",
    [{"locale": "en_US"}, {"locale": "zh_CN", "seed": 2026}, {"distributors": 0, "skus": 4}],
)
def test_generated_channel_runs_with_a_realistic_fill_rate(changes: dict) -> None:
    scenario = generate_scenario(options(**changes))
    kpis = network_kpis(scenario)
    assert kpis["demand"] > 0
    assert 0.8 <= kpis["fill_rate"] <= 1.0


def test_runs_for_sixty_days() -> None:
    result = chansim.run(generate_scenario(options()), seed=1, days=60)
    assert result.levels["day"].max() == 59


@pytest.mark.parametrize(
    ("regions", "distributors", "per", "skus"),
    [(1, 1, 1, 1), (3, None, 4, 3), (5, 2, 6, 7), (3, 10, 2, 20), (2, 0, 5, 2)],
)
def test_option_counts_are_honoured(regions: int, distributors: int | None, per: int, skus: int) -> None:
    opts = options(regions=regions, distributors=distributors, dealers_per_distributor=per,
                   skus=skus, days=400, name="counted")  # fmt: skip
    scenario = generate_scenario(opts)
    kinds = [n.kind for n in scenario.nodes]
    n_dist = regions if distributors is None else distributors
    assert kinds.count("vendor") == 1
    assert kinds.count("distributor") == n_dist
    assert kinds.count("dealer") == (n_dist or regions) * per
    assert len(scenario.markets) == kinds.count("dealer")
    assert len(scenario.skus) == skus
    assert len(scenario.regions) == regions
    assert all(len(m.demand) == skus for m in scenario.markets)
    assert scenario.horizon_days == 400
    assert scenario.name == "counted"


def test_default_name_and_one_distributor_per_region() -> None:
    scenario = generate_scenario(GeneratorOptions(seed=42, regions=4))
    assert scenario.name == "generated-42"
    distributors = [n for n in scenario.nodes if n.kind == "distributor"]
    assert sorted(d.region for d in distributors) == sorted(r.name for r in scenario.regions)


def test_one_tier_channel_buys_straight_from_the_vendor() -> None:
    scenario = generate_scenario(options(regions=3, distributors=0, dealers_per_distributor=2))
    assert not [n for n in scenario.nodes if n.kind == "distributor"]
    dealers = [n for n in scenario.nodes if n.kind == "dealer"]
    assert len(dealers) == 6
    assert {lane.supplier for d in dealers for lane in d.lanes} == {"vendor"}
    assert all(2 <= d.lanes[0].lead_time_days <= 6 for d in dealers)
    assert scenario.metadata["tiers"] == 1
    assert 0.8 <= network_kpis(scenario)["fill_rate"] <= 1.0


def test_the_largest_catalogue_has_distinct_products() -> None:
    assert CATALOGUE_SIZE >= 200
    scenario = generate_scenario(options(skus=200, regions=1, distributors=1,
                                         dealers_per_distributor=1))  # fmt: skip
    names = [s.name for s in scenario.skus]
    displays = [s.display_name for s in scenario.skus]
    assert len(set(names)) == 200
    assert len(set(displays)) == 200
    assert {n.split("_")[0] for n in names[: len(FAMILIES)]} == {f.name for f in FAMILIES}


# --------------------------------------------------------------------------- realism


def test_structure_lead_times_and_prices_are_realistic() -> None:
    scenario = generate_scenario(options(seed=8, regions=3, distributors=3, skus=6))
    vendor = scenario.node("vendor")
    assert vendor.kind == "vendor" and vendor.display_name
    assert vendor.lanes[0].supplier is None and 5 <= vendor.lanes[0].lead_time_days <= 10
    for node in scenario.nodes:
        assert IDENTIFIER.match(node.name) and node.name.isascii()
        assert {"contact", "phone", "city", "size", "founded"} <= set(node.metadata)
        assert node.metadata["size"] in ("small", "medium", "large")
        assert node.holding_cost_per_unit_day > 0
        lead = node.lanes[0].lead_time_days
        if node.kind == "distributor":
            assert node.lanes[0].supplier == "vendor" and 2 <= lead <= 6
        if node.kind == "dealer":
            assert scenario.node(node.lanes[0].supplier).kind == "distributor"
            assert 1 <= lead <= 3
            assert (node.shortage == "lost_sales") == (node.lost_sale_cost_per_unit > 0)
            assert (node.shortage == "backorder") == (node.backorder_cost_per_unit_day > 0)
    mean_cost = float(np.mean([s.unit_cost for s in scenario.skus]))
    dealer_holding = [n.holding_cost_per_unit_day for n in scenario.nodes if n.kind == "dealer"]
    assert 0.0005 * mean_cost < np.mean(dealer_holding) < 0.006 * mean_cost
    for sku in scenario.skus:
        assert 0 < sku.unit_cost < sku.list_price
    means = [d.distribution.mean for m in scenario.markets for d in m.demand]
    assert min(means) >= 0.5 and max(means) <= 20
    assert any(d.promotions for m in scenario.markets for d in m.demand)
    weekly = scenario.markets[0].demand[0].weekly_seasonality
    assert weekly is not None and sum(weekly) == pytest.approx(7.0)
    saturday = (5 - START_DATE.weekday()) % 7  # entry 0 is day 0, the weekday of start_date
    assert scenario.start_date == START_DATE
    assert weekly.index(max(weekly)) == saturday


def test_large_dealers_see_more_demand_than_small_ones() -> None:
    scenario = generate_scenario(options(seed=4, distributors=4, dealers_per_distributor=15))
    total = {m.served_by: sum(d.distribution.mean for d in m.demand) for m in scenario.markets}
    by_size: dict[str, list[float]] = {}
    for node in scenario.nodes:
        if node.kind == "dealer":
            by_size.setdefault(str(node.metadata["size"]), []).append(total[node.name])
    assert np.mean(by_size["large"]) > np.mean(by_size["small"])


def test_per_sku_items_only_where_the_node_defaults_do_not_fit() -> None:
    scenario = generate_scenario(options(skus=8))
    topo = scenario.topology
    for node in scenario.nodes:
        assert node.policy is not None
        for item in node.items:
            assert item.policy not in (None, node.policy) or item.initial not in (None, node.initial)
        for sku in topo.skus_of_node[node.name]:
            policy = topo.policy_for(node, sku)
            assert isinstance(policy, sc.BaseStock | sc.SS)
            assert topo.initial_for(node, sku).on_hand == policy.order_up_to


def test_benchmark_size_generates() -> None:
    opts = GeneratorOptions(seed=1, regions=3, distributors=10, dealers_per_distributor=20, skus=20)
    scenario = generate_scenario(opts)
    assert len(scenario.nodes) == 211 and len(scenario.skus) == 20


# --------------------------------------------------------------------------- bad options


@pytest.mark.parametrize(
    ("changes", "option"),
    [({"regions": 0}, "regions"), ({"skus": -1}, "skus"), ({"locale": "fr_FR"}, "locale"),
     ({"seed": -3}, "seed"), ({"days": 3}, "days"), ({"name": "no spaces"}, "name"),
     ({"distributors": 501}, "distributors"), ({"colour": "red"}, "colour"),
     ({"distributors": 100, "dealers_per_distributor": 100}, "dealers_per_distributor")],
)  # fmt: skip
def test_bad_options_raise_value_error_naming_the_option(changes: dict, option: str) -> None:
    with pytest.raises(ValueError, match=rf"\b{option}\b"):
        options(**changes)


@pytest.mark.parametrize(
    ("args", "option"),
    [(["--regions", "0"], "--regions"), (["--skus", "-1"], "--skus"),
     (["--locale", "fr_FR"], "--locale"), (["--name", "no spaces"], "name")],
)  # fmt: skip
def test_cli_rejects_bad_options_with_exit_2(tmp_path: Path, args: list[str], option: str) -> None:
    out = tmp_path / "bad.yaml"
    done = subprocess.run(
        [str(CHANSIM), "generate", "--seed", "1", "--out", str(out), *args],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert option in done.stderr
    assert not out.exists()


# --------------------------------------------------------------------------- committed files


@pytest.mark.parametrize("path", COMMITTED, ids=lambda p: p.name)
def test_committed_scenario_is_reproduced_by_its_header_command(tmp_path: Path, path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    commands = [line for line in text.splitlines() if line.startswith("#   chansim generate ")]
    assert len(commands) == 1, "the header must name the regenerating command"
    args = shlex.split(commands[0].removeprefix("#"))[1:]
    out_at = args.index("--out")
    assert (ROOT / args[out_at + 1]).resolve() == path
    args[out_at + 1] = str(tmp_path / path.name)
    outcome = CliRunner().invoke(cli, args)
    assert outcome.exit_code == 0, outcome.output
    assert (tmp_path / path.name).read_text(encoding="utf-8") == strip_header(text)
    assert load_scenario(path) == load_scenario(tmp_path / path.name)


def test_default_scenario_is_a_quick_two_tier_en_us_channel() -> None:
    scenario = load_scenario(COMMITTED[1])
    assert scenario.metadata["locale"] == "en_US" and scenario.metadata["tiers"] == 2
    result = chansim.run(scenario, seed=0, days=365)
    kpis = result.kpis()
    assert 0.8 <= kpis[kpis["node"] == "network"]["fill_rate"].iloc[0] <= 1.0
