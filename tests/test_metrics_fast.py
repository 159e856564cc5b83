"""The numpy KPI path (:func:`chansim.metrics.kpis`) gives what the former pandas one gave.

``tests/kpi_reference.py`` is the pandas implementation as it stood before the fast path
(the one the theory checks were first proven on). Over every bundled scenario, generated
variants, several seeds, horizons and warm-ups, and the exercises' own partial runs, the two
agree cell by cell: the same rows, columns and dtypes, the same NaNs, and every number to a
relative 1e-12 (the sums are taken in another order: a few cells differ in the last bits).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import chansim
from chansim.generate import GeneratorOptions, generate_scenario
from chansim.metrics import KPI_NAMES, kpis

sys.path.insert(0, str(Path(__file__).parent))
import kpi_reference  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml"))


def same(result, warmup_days=None) -> None:
    expected = kpi_reference.kpis(result, warmup_days=warmup_days)
    got = kpis(result, warmup_days=warmup_days)
    assert list(got.columns) == list(expected.columns)
    assert list(got["node"]) == list(expected["node"])
    pd.testing.assert_frame_equal(got, expected, check_exact=False, rtol=1e-12, atol=1e-9)
    for name in KPI_NAMES:  # NaN exactly where the reference has NaN (a ratio with no denominator)
        assert np.array_equal(np.isnan(got[name].to_numpy()), np.isnan(expected[name].to_numpy())), name


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
@pytest.mark.parametrize("seed", [1, 7, 2024])
def test_bundled_scenarios(path: Path, seed: int) -> None:
    scenario = chansim.load_scenario(path)
    for days in (scenario.period_days * 3, min(120, scenario.horizon_days)):
        result = chansim.run(scenario, seed=seed, days=days)
        last_start = int(result.levels["day"].max())
        for warm in (None, 0, scenario.period_days * 2, last_start, result.info.days + 5):  # past the end: no warm-up
            same(result, warm)


def test_a_window_without_periods_gives_empty_kpis() -> None:
    """A warm-up past the last period start (the reference failed there): totals 0, means NaN, no error."""
    scenario = chansim.load_scenario(ROOT / "scenarios" / "beer-game.yaml")
    result = chansim.run(scenario, seed=1, days=120)
    warm = int(result.levels["day"].max()) + 1
    assert warm < result.info.days
    frame = kpis(result, warmup_days=warm)
    assert list(frame["node"])[-1] == "network"
    assert (frame["demand"] == 0).all() and (frame["total_cost"] == 0).all()
    assert frame["mean_on_hand"].isna().all() and frame["fill_rate"].isna().all()


@pytest.mark.parametrize("seed", range(6))
def test_generated_variants(seed: int) -> None:
    options = GeneratorOptions(seed=seed, regions=1 + seed % 3, distributors=1 + seed % 2,
                               dealers_per_distributor=2 + seed % 3, skus=1 + seed % 4)  # fmt: skip
    scenario = generate_scenario(options)
    result = chansim.run(scenario, seed=seed, days=min(90, scenario.horizon_days))
    same(result)
    same(result, 0)


@pytest.mark.parametrize("seed", range(4))
def test_exercise_rounds(seed: int) -> None:
    """Games after each of their first rounds: the tables a page asks KPIs of after a click."""
    from chansim.exercises.beer_game import BeerGame
    from chansim.exercises.order_desk import OrderDesk

    for make in (BeerGame, OrderDesk):
        game = make(seed=seed)
        for _ in range(5):
            for node, sku in game.controlled:
                game.decide(node, sku, game.suggestion(node, sku) + seed)
            game.play_round()
            same(game.result(), 0)


def test_result_kpis_is_the_fast_path() -> None:
    """``Result.kpis()`` (what the exercises call) goes through the numpy path (speed: benchmarks/app.py)."""
    result = chansim.run(chansim.load_scenario(SCENARIOS[0]), seed=3, days=30)
    assert result.kpis().equals(kpis(result))
