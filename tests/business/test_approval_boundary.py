"""Regression: an order whose approval ends exactly on a period boundary reaches its supplier
in that period, as one whose approval ends a moment earlier does (it used to wait a period:
a 1-day approval gave a well-stocked distributor a fill rate of 0.0, a 0.999-day one 0.99)."""

from __future__ import annotations

import pytest

import chansim


def scenario(approval_days: float, period_days: int = 1) -> chansim.Scenario:
    return chansim.parse_scenario({
        "name": "approval-boundary", "horizon_days": 60, "period_days": period_days,
        "skus": [{"name": "widget", "unit_cost": 6.0, "list_price": 10.0}],
        "nodes": [
            {"name": "factory", "kind": "vendor", "lanes": [{"supplier": None, "lead_time_days": period_days}],
             "policy": {"type": "base_stock", "order_up_to": 0}, "initial": {"on_hand": 0}},
            {"name": "distributor", "kind": "distributor",
             "lanes": [{"supplier": "factory", "lead_time_days": period_days}],
             "policy": {"type": "base_stock", "order_up_to": 0}, "initial": {"on_hand": 100_000}},
            {"name": "dealer", "kind": "dealer", "lanes": [{"supplier": "distributor", "lead_time_days": period_days}],
             "policy": {"type": "base_stock", "order_up_to": 20 * period_days}, "initial": {"on_hand": 20}},
        ],
        "markets": [{"name": "town", "served_by": "dealer",
                     "demand": [{"sku": "widget", "distribution": {"type": "poisson", "mean": 4}}]}],
        "business": {"order_to_cash": {
            "approver_pools": [{"name": "ops", "approvers": 5,
                                "service_time_days": {"type": "deterministic", "value": approval_days}}],
            "approval_path": [{"pool": "ops", "amount_above": 0}],
        }},
    })  # fmt: skip


def distributor_fill_rate(approval_days: float, period_days: int = 1) -> float:
    kpis = chansim.run(scenario(approval_days, period_days), seed=3).kpis().set_index("node")
    return float(kpis.loc["distributor", "fill_rate"])


@pytest.mark.parametrize("approval_days", [1.0, 2.0, 3.0])
def test_an_approval_ending_on_a_period_boundary_is_seen_in_that_period(approval_days: float) -> None:
    assert distributor_fill_rate(approval_days) == 1.0  # every unit ships the period the order arrives
    assert distributor_fill_rate(approval_days) >= distributor_fill_rate(approval_days - 0.001)


def test_weekly_periods_an_approval_of_exactly_one_week() -> None:
    assert distributor_fill_rate(7.0, period_days=7) == 1.0


def test_released_orders_are_shipped_on_their_seen_day() -> None:
    result = chansim.run(scenario(1.0), seed=3)
    orders = result.orders
    to_distributor = orders[(orders["supplier"] == "distributor") & orders["seen_day"].notna()]
    assert len(to_distributor) > 30
    assert (to_distributor["seen_day"] == to_distributor["placed_day"] + 1).all()
    assert (to_distributor["first_ship_day"] == to_distributor["seen_day"]).all()
