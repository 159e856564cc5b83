"""The model against inventory theory, over many seeded replications.

Each check compares the replication mean with the closed form and accepts a gap of at
most the 95% half-width (scaled by 1.5 for the multiple comparisons in a file) plus a
small stated bias allowance. Formulas and worked numbers: docs/theory.md.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import poisson

import chansim
from chansim import load_scenario

pytestmark = pytest.mark.slow


def _close(estimate: float, half_width: float, theory: float, bias: float) -> None:
    gap = abs(estimate - theory)
    assert gap <= 1.5 * half_width + bias, (
        f"estimate {estimate:.5f} ± {half_width:.5f} vs theory {theory:.5f} (bias allowance {bias})"
    )


def single_stage(order_up_to: float, mean: float = 4.0, lead_days: int = 2, days: int = 5000, **lane):  # type: ignore[no-untyped-def]
    return chansim.parse_scenario({
        "name": "base-stock", "horizon_days": days, "warmup_days": 100,
        "skus": [{"name": "x", "unit_cost": 1, "list_price": 2}],
        "nodes": [{
            "name": "dealer", "kind": "dealer",
            "lanes": [{"lead_time_days": lead_days, **lane}],
            "policy": {"type": "base_stock", "order_up_to": order_up_to},
            "initial": {"on_hand": order_up_to},
        }],
        "markets": [{"name": "m", "served_by": "dealer",
                     "demand": [{"sku": "x", "distribution": {"type": "poisson", "mean": mean}}]}],
    })  # fmt: skip


def loss(level: float, mean: float) -> float:
    """n(S; mu) = E[(D - S)+] for D ~ Poisson(mu)."""
    d = np.arange(int(level) + 1)
    return float(mean - level + np.sum((level - d) * poisson.pmf(d, mean)))


@pytest.fixture(scope="module")
def base_stock_runs():  # type: ignore[no-untyped-def]
    reps = chansim.replicate(single_stage(12), 20, seed=20261126, record_events=True)
    return reps


@pytest.mark.parametrize("order_up_to", [12])
def test_base_stock_poisson_matches_loss_function(base_stock_runs, order_up_to: int) -> None:  # type: ignore[no-untyped-def]
    lam, lead = 4.0, 2
    mu = lam * lead  # end-of-period inventory level is S - D over L periods
    expected_backorders = loss(order_up_to, mu)
    expected_on_hand = order_up_to - mu + expected_backorders
    stockout = 1 - poisson.cdf(order_up_to, mu)
    fill = 1 - (loss(order_up_to, mu) - loss(order_up_to, lam * (lead - 1))) / lam
    assert expected_backorders == pytest.approx(0.1298, abs=1e-4)  # the worked example
    k = base_stock_runs.kpis()
    row = k[k["node"] == "dealer"].iloc[0]
    _close(row["mean_backorder"], row["mean_backorder_ci95"], expected_backorders, 0.003)
    _close(row["mean_on_hand"], row["mean_on_hand_ci95"], expected_on_hand, 0.01)
    _close(row["stockout_rate"], row["stockout_rate_ci95"], stockout, 0.002)
    _close(row["fill_rate"], row["fill_rate_ci95"], fill, 0.001)


def test_fill_rate_rises_with_order_up_to_level_as_theory_says() -> None:
    lam, lead = 4.0, 2
    for level in (8, 10, 14):
        reps = chansim.replicate(single_stage(level, days=3000), 10, seed=level, record_events=False)
        row = reps.kpis().query("node == 'dealer'").iloc[0]
        fill = 1 - (loss(level, lam * lead) - loss(level, lam * (lead - 1))) / lam
        _close(row["fill_rate"], row["fill_rate_ci95"], fill, 0.003)


def test_littles_law_on_pipeline_and_backorder_delay(base_stock_runs) -> None:  # type: ignore[no-untyped-def]
    lam, lead = 4.0, 2
    k = base_stock_runs.kpis()
    row = k[k["node"] == "dealer"].iloc[0]
    # mean units on order (all in transit: the outside source ships at once) = lambda * L
    _close(row["mean_on_order"], row["mean_on_order_ci95"], lam * lead, 0.02)
    _close(row["mean_in_transit"], row["mean_in_transit_ci95"], lam * lead, 0.02)
    # backorder delay W: units wait, on average, E[B] / lambda periods (Little's law)
    waits = []
    for result in base_stock_runs.results:
        ev = result.events
        orders = result.orders.set_index("order_id")
        shipped = ev[(ev["event"] == "shipped") & (ev["node"] == "dealer") & (ev["day"] >= 100)]
        placed = orders.loc[shipped["order_id"], "placed_day"].to_numpy()
        shipped = shipped[placed >= 100]
        placed = placed[placed >= 100]
        qty = shipped["qty"].to_numpy()
        unit_wait = float(np.sum(qty * (shipped["day"].to_numpy() - placed)) / qty.sum())
        mean_b = result.kpis().query("node == 'dealer'")["mean_backorder"].iloc[0]
        waits.append((unit_wait, mean_b / lam))
    w = np.array(waits)
    # the identity holds replication by replication up to the edge of the window
    assert np.allclose(w[:, 0], w[:, 1], rtol=0.03, atol=0.002), w


def test_littles_law_with_random_lead_times() -> None:
    lam = 4.0
    scenario = single_stage(20, lead_days=2, days=4000,
                            lead_time_distribution={"type": "uniform", "low": 1, "high": 4})  # fmt: skip
    reps = chansim.replicate(scenario, 10, seed=7, record_events=False)
    row = reps.kpis().query("node == 'dealer'").iloc[0]
    # lead time uniform on {1,2,3,4} days: E[L] = 2.5, so the mean pipeline is 10 units
    _close(row["mean_in_transit"], row["mean_in_transit_ci95"], lam * 2.5, 0.05)


def test_pure_base_stock_passes_demand_through() -> None:
    reps = chansim.replicate(single_stage(12, days=2000), 5, seed=3, record_events=False)
    for result in reps.results:
        lv = result.levels.query("day >= 100")
        assert np.array_equal(lv["ordered"].to_numpy(), lv["demand"].to_numpy())
        assert result.kpis().query("node == 'dealer'")["bullwhip"].iloc[0] == pytest.approx(1.0, abs=1e-12)


@pytest.mark.parametrize(("lead", "window"), [(2, 4), (1, 2), (3, 6)])
def test_bullwhip_of_moving_average_order_up_to_matches_chen_et_al(lead: int, window: int) -> None:
    # Chen et al. assume negative orders are allowed; chansim clips orders at 0, so the test
    # uses demand N(100, 10), for which a negative order is a > 5-sigma event.
    scenario = chansim.parse_scenario({
        "name": "chen", "horizon_days": 20000, "warmup_days": 200, "units": "continuous",
        "skus": [{"name": "x", "unit_cost": 1, "list_price": 2}],
        "nodes": [{
            "name": "dealer", "kind": "dealer", "lanes": [{"lead_time_days": lead}],
            "policy": {"type": "forecast_order_up_to",
                       "forecast": {"method": "moving_average", "window_periods": window},
                       "safety_stock": 40, "initial_forecast": 100},
            "initial": {"on_hand": 100 * lead + 40},
        }],
        "markets": [{"name": "m", "served_by": "dealer",
                     "demand": [{"sku": "x", "distribution": {"type": "normal", "mean": 100, "std": 10}}]}],
    })  # fmt: skip
    reps = chansim.replicate(scenario, 8, seed=lead * 100 + window, record_events=False)
    row = reps.kpis().query("node == 'dealer'").iloc[0]
    theory = 1 + 2 * lead / window + 2 * lead**2 / window**2
    _close(row["bullwhip"], row["bullwhip_ci95"], theory, 0.01 * theory)


def clark_scarf_instance(local_levels: tuple[float, float, float]):  # type: ignore[no-untyped-def]
    """Snyder & Shen, Fundamentals of Supply Chain Theory, Example 6.1."""
    holding = {"s1": 7.0, "s2": 4.0, "s3": 2.0}
    supplier = {"s1": ("s2", 1), "s2": ("s3", 1), "s3": (None, 2)}
    nodes = []
    for name, level in zip(("s1", "s2", "s3"), local_levels, strict=True):
        nodes.append({
            "name": name, "kind": "dealer" if name == "s1" else "distributor",
            "lanes": [{"supplier": supplier[name][0], "lead_time_days": supplier[name][1]}],
            "policy": {"type": "base_stock", "order_up_to": level},
            "initial": {"on_hand": level},
            "holding_cost_per_unit_day": holding[name],
            "backorder_cost_per_unit_day": 37.12 if name == "s1" else 0.0,
        })  # fmt: skip
    return chansim.parse_scenario({
        "name": "clark-scarf", "units": "continuous", "horizon_days": 4000, "warmup_days": 100,
        "skus": [{"name": "x", "unit_cost": 1, "list_price": 2}], "nodes": nodes,
        "markets": [{"name": "m", "served_by": "s1",
                     "demand": [{"sku": "x", "distribution": {"type": "normal", "mean": 5, "std": 1}}]}],
    })  # fmt: skip


def test_serial_system_cost_matches_clark_scarf_optimum() -> None:
    # optimal echelon levels (6.484, 12.028, 22.72) -> local (6.484, 5.544, 10.692)
    optimum = clark_scarf_instance((6.484, 5.544, 10.692))
    reps = chansim.replicate(optimum, 16, seed=61, record_events=False)
    row = reps.kpis().query("node == 'network'").iloc[0]
    _close(row["total_cost_per_day"], row["total_cost_per_day_ci95"], 47.67, 0.15)
    # and it is an optimum: moving stock away from the optimal levels costs more (same demand draws)
    worse = clark_scarf_instance((5.5, 5.544, 12.0))
    worse_row = chansim.replicate(worse, 16, seed=61, record_events=False).kpis().query("node == 'network'").iloc[0]
    assert worse_row["total_cost_per_day"] > row["total_cost_per_day"] + 1.0


def test_beer_game_amplification_grows_upstream() -> None:
    scenario = load_scenario("scenarios/beer-game.yaml")
    result = chansim.run(scenario, seed=0)
    lv = result.levels
    chain = ["retailer", "wholesaler", "distributor", "factory"]
    peaks = [lv.loc[lv["node"] == n, "ordered"].max() for n in chain]
    spread = [lv.loc[lv["node"] == n, "ordered"].std() for n in chain]
    assert peaks[0] > 8, "the retailer overreacts to the step from 4 to 8"
    assert all(a < b for a, b in zip(peaks, peaks[1:], strict=False)), peaks
    assert all(a < b for a, b in zip(spread, spread[1:], strict=False)), spread


def test_beer_game_with_random_demand_amplifies_upstream_in_most_replications() -> None:
    base = load_scenario("scenarios/beer-game.yaml")
    data = base.model_dump()
    data["markets"][0]["demand"][0]["distribution"] = {"type": "poisson", "mean": 4}
    data["markets"][0]["demand"][0]["shocks"] = []
    data["horizon_days"] = 52 * 7
    scenario = chansim.parse_scenario(data)
    chain = ["retailer", "wholesaler", "distributor", "factory"]
    amplifying = 0
    n = 40
    for result in chansim.replicate(scenario, n, seed=5, record_events=False).results:
        lv = result.levels
        var = [lv.loc[lv["node"] == name, "ordered"].var() for name in chain]
        amplifying += var[0] < var[1] < var[2] < var[3]
    assert amplifying >= 0.9 * n, f"only {amplifying}/{n} replications amplified at every stage"
