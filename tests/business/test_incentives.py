"""Incentives calculator: hand-computed settlements for every plan kind, money conservation,
validation messages that name the field, and monotonicity properties.

Every expected number below is worked out by hand in the comment next to it, from the
formulas in the docstring of ``chansim.business.incentives``.
"""

from __future__ import annotations

import math
import typing
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from chansim.business import incentives as inc
from chansim.business.incentives import (
    AchievementPlan,
    GrowthRebate,
    IncentivePlan,
    Incentives,
    Override,
    TargetCommission,
    Targets,
    VolumeRebate,
    compute_incentives,
    incentive_money_rows,
    sales_from_money,
)
from chansim.config.money import cents_of, to_cents

ROOT = Path(__file__).resolve().parents[2]
VENDOR_ONLY = {"vendor": None}


def sales_table(rows: list[tuple[int, str, float, float]], sku: str = "tv") -> pd.DataFrame:
    """``(day, node, purchases, sell_out)`` rows -> the sales table."""
    return pd.DataFrame(
        [(day, node, sku, purchases, sell_out) for day, node, purchases, sell_out in rows],
        columns=inc.SALES_COLUMNS,
    )


def star(*dealers: str) -> dict[str, str | None]:
    """The vendor supplies every dealer directly."""
    return {"vendor": None, **{d: "vendor" for d in dealers}}


def plan(scheme: object, *, name: str = "plan", period_days: int = 30, **fields: object) -> IncentivePlan:
    return IncentivePlan.model_validate({"name": name, "period_days": period_days, "scheme": scheme, **fields})


def amounts(frame: pd.DataFrame, by: str = "node") -> dict[object, float]:
    return dict(zip(frame[by], frame["amount"], strict=True))


# --------------------------------------------------------------------------- volume rebates

TIERS = [[10_000, 2], [20_000, 3], [50_000, 5]]
# one partner, one 30-day period per row: the basis walks across the thresholds
VOLUME_BASES = [9_999.99, 10_000.0, 15_000.0, 19_999.99, 20_000.0, 60_000.0]


def volume_settlement(mode: str) -> pd.DataFrame:
    sales = sales_table([(30 * j, "d1", basis, 0.0) for j, basis in enumerate(VOLUME_BASES)])
    scheme = {"type": "volume_rebate", "mode": mode, "tiers": TIERS}
    return compute_incentives(sales, [plan(scheme)], Targets(), star("d1"), period_days=30)


def test_retroactive_volume_rebate_pays_the_reached_rate_on_every_unit() -> None:
    out = volume_settlement("retroactive")
    assert list(out["settlement_day"]) == [30, 60, 90, 120, 150, 180]
    assert list(out["period_start_day"]) == [0, 30, 60, 90, 120, 150]
    assert list(out["basis"]) == VOLUME_BASES
    assert list(out["amount"]) == [
        0.0,  # 9 999.99 < 10 000: no tier reached
        200.0,  # exactly at the threshold: 10 000 x 2 %
        300.0,  # 15 000 x 2 %
        400.0,  # 19 999.99 x 2 % = 399.9998 -> 400.00
        600.0,  # 20 000 x 3 %: the whole volume moves to 3 %
        3000.0,  # 60 000 x 5 %
    ]
    assert list(out["rate"]) == pytest.approx([0.0, 0.02, 0.02, 0.02, 0.03, 0.05])
    assert out["target"].isna().all() and out["attainment"].isna().all()
    assert set(out["payer"]) == {"vendor"} and set(out["type"]) == {"volume_rebate"}


def test_marginal_volume_rebate_pays_each_rate_on_its_slice_only() -> None:
    out = volume_settlement("marginal")
    assert list(out["amount"]) == [
        0.0,  # below the first threshold
        0.0,  # at 10 000 the 2 % slice is still empty
        100.0,  # (15 000 - 10 000) x 2 %
        200.0,  # 9 999.99 x 2 % = 199.9998 -> 200.00
        200.0,  # 10 000 x 2 %, nothing yet in the 3 % slice
        1600.0,  # 10 000 x 2 % + 30 000 x 3 % + 10 000 x 5 % = 200 + 900 + 500
    ]
    assert out["rate"].iloc[-1] == pytest.approx(1600 / 60_000)
    # the cliff of the retroactive scheme: one cent more than 19 999.99 is worth 200.00
    retro = volume_settlement("retroactive")
    assert retro["amount"].iloc[4] - retro["amount"].iloc[3] == 200.0
    assert (out["amount"] <= retro["amount"]).all()


def test_volume_basis_is_summed_over_days_and_skus_of_the_period_only() -> None:
    # daily rows of two SKUs; 30-day plan on 90 days of daily data; SKU filter on one plan
    rows = []
    for day in range(90):
        rows.append((day, "d1", "tv", 200.0 if day < 30 else 400.0, 0.0))
        rows.append((day, "d1", "radio", 100.0, 0.0))
    sales = pd.DataFrame(rows, columns=inc.SALES_COLUMNS)
    scheme = {"type": "volume_rebate", "tiers": [[0, 1], [10_000, 2]]}
    both = plan(scheme, name="all_skus")
    tv_only = plan(scheme, name="tv_only", skus=["tv"])
    out = compute_incentives(sales, [both, tv_only], Targets(), star("d1"))
    assert list(zip(out["plan"], out["settlement_day"], out["basis"], out["amount"], strict=True)) == [
        ("all_skus", 30, 9_000.0, 90.0),  # 30 x (200 + 100) = 9 000 at 1 %
        ("all_skus", 60, 15_000.0, 300.0),  # 30 x (400 + 100) = 15 000 at 2 %
        ("all_skus", 90, 15_000.0, 300.0),
        ("tv_only", 30, 6_000.0, 60.0),  # 30 x 200 at 1 %
        ("tv_only", 60, 12_000.0, 240.0),  # 30 x 400 at 2 %
        ("tv_only", 90, 12_000.0, 240.0),
    ]


def test_amounts_are_rounded_once_to_cents_half_up_and_float_sums_reach_thresholds() -> None:
    # 1 % of 100.50 is 1.005 exactly; binary floats would round it to 1.00
    half = compute_incentives(
        sales_table([(0, "d1", 100.50, 0.0)]),
        [plan({"type": "volume_rebate", "tiers": [[0, 1]]})],
        Targets(),
        star("d1"),
        horizon_days=30,
    )
    assert half["amount"].tolist() == [1.01]
    # ten days of 0.10 make 1.00 (a float sum gives 0.9999999999999999), which reaches the tier
    tenths = sales_table([(day, "d1", 0.1, 0.0) for day in range(10)])
    out = compute_incentives(
        tenths, [plan({"type": "volume_rebate", "tiers": [[1, 10]]}, period_days=10)], Targets(), star("d1")
    )
    assert out["basis"].tolist() == [1.0] and out["amount"].tolist() == [0.1]


# --------------------------------------------------------------------------- growth rebates

# purchases of d1 in seven 30-day periods
GROWTH_PURCHASES = [10_000.0, 20_000.0, 0.0, 11_000.0, 21_999.99, 5_000.0, 60_000.0]


def growth_settlement(**scheme: object) -> pd.DataFrame:
    sales = sales_table([(30 * j, "d1", p, 0.0) for j, p in enumerate(GROWTH_PURCHASES)])
    full = {"type": "growth_rebate", "rebate_pct": 2, "min_growth_pct": 10, **scheme}
    return compute_incentives(sales, [plan(full)], Targets(), star("d1"), period_days=30)


def test_growth_rebate_against_the_same_period_of_the_previous_cycle_with_cap() -> None:
    out = growth_settlement(compare_to="previous_cycle", cycle_days=90, cap_amount=500)
    assert list(out["amount"]) == [
        0.0,  # periods 0-2 have no reference period (it would lie before day 0)
        0.0,
        0.0,
        220.0,  # 11 000 vs 10 000: growth exactly 10 % qualifies; 2 % x 11 000
        0.0,  # 21 999.99 vs 20 000: growth 9.99995 % < 10 %
        0.0,  # reference 0: no growth to measure
        500.0,  # 60 000 vs 11 000: 2 % x 60 000 = 1 200, capped at 500
    ]
    assert out["target"].iloc[:3].isna().all()
    assert list(out["target"].iloc[3:]) == [10_000.0, 20_000.0, 0.0, 11_000.0]
    assert out["attainment"].iloc[3] == pytest.approx(1.1)
    assert out["attainment"].iloc[4] == pytest.approx(1.0999995)
    assert math.isnan(out["attainment"].iloc[5])
    assert out["rate"].iloc[6] == pytest.approx(500 / 60_000)


def test_growth_rebate_against_the_previous_period_and_on_the_increment() -> None:
    previous = growth_settlement(compare_to="previous_period")
    assert list(previous["amount"]) == [
        0.0,  # no previous period
        400.0,  # 20 000 vs 10 000: +100 %; 2 % x 20 000
        0.0,  # 0 vs 20 000
        0.0,  # reference 0
        440.0,  # 21 999.99 vs 11 000: 2 % x 21 999.99 = 439.9998 -> 440.00
        0.0,  # 5 000 vs 21 999.99
        1200.0,  # 60 000 vs 5 000, no cap: 2 % x 60 000
    ]
    increment = growth_settlement(compare_to="previous_cycle", cycle_days=90, paid_on="increment")
    # 2 % of (11 000 - 10 000) and of (60 000 - 11 000)
    assert list(increment["amount"]) == [0.0, 0.0, 0.0, 20.0, 0.0, 0.0, 980.0]


# --------------------------------------------------------------------------- target commission

CURVE = [[50, 25], [100, 100], [150, 200]]  # 2x accelerator above 100 %, extended beyond 150 %
# dealer -> purchases in one 30-day period; the dealer target is 10 000, so attainment = purchases / 100 %
COMMISSION_SALES = {
    "d040": 4_000.0,
    "d050": 5_000.0,
    "d075": 7_500.0,
    "d100": 10_000.0,
    "d120": 12_000.0,
    "d150": 15_000.0,
    "d200": 20_000.0,
    "d250": 25_000.0,
}
DEALER_TARGETS = Targets(period_days=30, default_by_kind={"dealer": 10_000})


def commission_settlement(**scheme: object) -> pd.DataFrame:
    sales = sales_table([(0, node, purchases, 0.0) for node, purchases in COMMISSION_SALES.items()])
    full = {"type": "target_commission", "curve": CURVE, "floor_attainment_pct": 50, **scheme}
    kinds = dict.fromkeys(COMMISSION_SALES, "dealer")
    return compute_incentives(
        sales, [plan(full)], DEALER_TARGETS, star(*COMMISSION_SALES), horizon_days=30, node_kinds=kinds
    )


def test_target_commission_floor_on_target_accelerator_and_cap() -> None:
    # on-target earnings: 10 % of the 10 000 target = 1 000
    out = commission_settlement(on_target_earnings_pct=10, cap_payout_pct=300)
    assert amounts(out) == {
        "d040": 0.0,  # 40 % < floor 50 %
        "d050": 250.0,  # at the floor: 25 % x 1 000
        "d075": 625.0,  # 25 + (75 - 50) x (100 - 25) / 50 = 62.5 %
        "d100": 1000.0,  # exactly on target: 100 %
        "d120": 1400.0,  # accelerator: 100 + 20 x 2 = 140 %
        "d150": 2000.0,  # last point: 200 %
        "d200": 3000.0,  # last segment extended: 200 + 50 x 2 = 300 %, exactly the cap
        "d250": 3000.0,  # 400 % capped at 300 %
    }
    assert list(out["rate"]) == pytest.approx([0.0, 0.25, 0.625, 1.0, 1.4, 2.0, 3.0, 3.0])
    assert list(out["attainment"]) == pytest.approx([0.4, 0.5, 0.75, 1.0, 1.2, 1.5, 2.0, 2.5])
    assert set(out["target"]) == {10_000.0}


def test_target_commission_fixed_earnings_flat_end_and_default_floor() -> None:
    flat = commission_settlement(on_target_earnings=500, beyond_last_point="flat")
    assert amounts(flat) == {
        "d040": 0.0,
        "d050": 125.0,  # 25 % of 500
        "d075": 312.5,  # 62.5 % of 500
        "d100": 500.0,
        "d120": 700.0,  # 140 % of 500
        "d150": 1000.0,
        "d200": 1000.0,  # flat beyond the last point: 200 %
        "d250": 1000.0,
    }
    # no explicit floor: the first point (50 %) is the floor; a floor of 0 pays the first point's 25 %
    default_floor = commission_settlement(on_target_earnings=500, floor_attainment_pct=None)
    assert amounts(default_floor)["d040"] == 0.0
    no_floor = commission_settlement(on_target_earnings=500, floor_attainment_pct=0)
    assert amounts(no_floor)["d040"] == 125.0


def test_per_partner_target_overrides_the_kind_default() -> None:
    targets = Targets(period_days=30, default_by_kind={"dealer": 10_000}, by_node={"big": 20_000})
    sales = sales_table([(0, "big", 20_000.0, 0.0), (0, "small", 20_000.0, 0.0)])
    scheme = {"type": "target_commission", "on_target_earnings_pct": 10, "curve": CURVE, "cap_payout_pct": 300}
    kinds = {"big": "dealer", "small": "dealer"}
    out = compute_incentives(sales, [plan(scheme)], targets, star("big", "small"), horizon_days=30, node_kinds=kinds)
    assert dict(zip(out["node"], out["target"], strict=True)) == {"big": 20_000.0, "small": 10_000.0}
    # big: 100 % of its own target, OTE 10 % x 20 000 = 2 000; small: 200 % -> 300 % of OTE 1 000
    assert amounts(out) == {"big": 2000.0, "small": 3000.0}


# --------------------------------------------------------------------------- achievement plan

BANDS = [[0, 0], [80, 2], [100, 3]]


def test_achievement_plan_bands_with_inclusive_lower_bounds() -> None:
    dealers = {"a": 7_999.99, "b": 8_000.0, "c": 9_999.99, "d": 10_000.0, "e": 15_000.0}
    sales = sales_table([(0, node, purchases, 0.0) for node, purchases in dealers.items()])
    out = compute_incentives(
        sales,
        [plan({"type": "achievement_plan", "bands": BANDS})],
        Targets(period_days=30, default_by_kind={"dealer": 10_000}),
        star(*dealers),
        horizon_days=30,
        node_kinds=dict.fromkeys(dealers, "dealer"),
    )
    assert amounts(out) == {
        "a": 0.0,  # 79.9999 % < 80 %
        "b": 160.0,  # exactly 80 %: 2 % x 8 000
        "c": 200.0,  # 2 % x 9 999.99 = 199.9998 -> 200.00
        "d": 300.0,  # exactly 100 %: the 3 % band
        "e": 450.0,  # 3 % x 15 000
    }
    assert list(out["rate"]) == pytest.approx([0.0, 0.02, 0.02, 0.03, 0.03])


def test_quarterly_achievement_against_growing_monthly_targets() -> None:
    # monthly target 10 000 growing 10 % a month; a 90-day plan sums three months:
    # quarter 0: 10 000 + 11 000 + 12 100 = 33 100
    # quarter 1: 13 310 + 14 641 + 16 105.10 = 44 056.10
    targets = Targets(period_days=30, by_node={"d1": 10_000}, growth_per_period_pct=10)
    sales = sales_table([(0, "d1", 33_100.0, 0.0), (90, "d1", 40_000.0, 0.0)])
    out = compute_incentives(
        sales,
        [plan({"type": "achievement_plan", "bands": BANDS}, period_days=90)],
        targets,
        star("d1"),
        horizon_days=180,
    )
    assert list(out["target"]) == [33_100.0, 44_056.10]
    assert list(out["attainment"]) == pytest.approx([1.0, 40_000 / 44_056.10])
    assert list(out["amount"]) == [993.0, 800.0]  # 3 % x 33 100; 90.8 % -> 2 % x 40 000
    assert targets.target(10_000, 90, 90) == 44_056.10


# --------------------------------------------------------------------------- overrides

THREE_LEVELS: dict[str, str | None] = {
    "vendor": None,
    "dist1": "vendor",
    "dist2": "vendor",
    "dealer_a": "dist1",
    "dealer_b": "dist1",
    "dealer_c": "dist2",
}
KINDS = {"vendor": "vendor", "dist1": "distributor", "dist2": "distributor", "master": "wholesaler"}
KINDS |= {d: "dealer" for d in ("dealer_a", "dealer_b", "dealer_c")}
# (day, node, purchases, sell_out): the distributors' own sales do not count for their override
OVERRIDE_SALES = [
    (0, "dist1", 2_500.0, 2_800.0),
    (0, "dist2", 300.0, 350.0),
    (0, "dealer_a", 900.0, 1_000.0),
    (0, "dealer_b", 1_900.0, 2_000.50),
    (0, "dealer_c", 350.0, 400.0),
]


def test_override_distributor_earns_on_its_dealers_sell_out_paid_by_the_vendor() -> None:
    scheme = {"type": "override", "rate_pct": 5, "second_level_rate_pct": 1}
    out = compute_incentives(
        sales_table(OVERRIDE_SALES),
        [plan(scheme, applies_to={"kinds": ["distributor"]})],
        Targets(),
        THREE_LEVELS,
        horizon_days=30,
        node_kinds=KINDS,
    )
    assert list(out["node"]) == ["dist1", "dist2"]  # the vendor (top) and the dealers earn nothing here
    assert list(out["basis"]) == [3_000.50, 400.0]  # dealers' sell-out: 1 000 + 2 000.50; 400
    # 5 % x 3 000.50 = 150.025 -> 150.03 (half up); 5 % x 400; no second level below a dealer
    assert list(out["amount"]) == [150.03, 20.0]
    assert list(out["payer"]) == ["vendor", "vendor"]
    assert list(out["type"]) == ["override", "override"]

    on_purchases = compute_incentives(
        sales_table(OVERRIDE_SALES),
        [plan({**scheme, "measure": "purchases"}, applies_to={"kinds": ["distributor"]})],
        Targets(),
        THREE_LEVELS,
        horizon_days=30,
        node_kinds=KINDS,
    )
    assert list(on_purchases["amount"]) == [140.0, 17.5]  # 5 % x (900 + 1 900); 5 % x 350


def test_two_level_override_on_four_levels_and_supplier_as_payer() -> None:
    hierarchy = {**THREE_LEVELS, "master": "vendor", "dist1": "master"}
    sales = sales_table([*OVERRIDE_SALES, (0, "master", 9_000.0, 10_000.0)])
    scheme = {"type": "override", "rate_pct": 5, "second_level_rate_pct": 1}
    selected = {"nodes": ["master", "dist1"]}
    out = compute_incentives(
        sales, [plan(scheme, applies_to=selected)], Targets(), hierarchy, horizon_days=30, node_kinds=KINDS
    )
    assert list(out["node"]) == ["dist1", "master"]
    # master: 5 % x dist1's 2 800 + 1 % x dealers' 3 000.50 = 140 + 30.005 = 170.005 -> 170.01
    # dist1: 5 % x 3 000.50 = 150.03 (its grandchildren: none)
    assert amounts(out) == {"dist1": 150.03, "master": 170.01}
    assert dict(zip(out["node"], out["basis"], strict=True)) == {
        "dist1": 3_000.50,
        "master": 5_800.50,
    }
    assert list(out["payer"]) == ["vendor", "vendor"]  # the top of both chains
    by_supplier = compute_incentives(
        sales,
        [plan(scheme, applies_to=selected, payer="supplier")],
        Targets(),
        hierarchy,
        horizon_days=30,
    )
    assert dict(zip(by_supplier["node"], by_supplier["payer"], strict=True)) == {"dist1": "master", "master": "vendor"}


# --------------------------------------------------------------------------- money


def test_money_rows_book_income_at_the_partner_and_expense_at_the_payer() -> None:
    hierarchy = {**THREE_LEVELS, "master": "vendor", "dist1": "master"}
    sales = sales_table([*OVERRIDE_SALES, (0, "master", 9_000.0, 10_000.0), (30, "dealer_a", 12_000.0, 0.0)])
    plans = [
        plan({"type": "override", "rate_pct": 5, "second_level_rate_pct": 1}, name="ovr", payer="supplier"),
        plan({"type": "volume_rebate", "tiers": [[1_000, 1]]}, name="vol", applies_to={"kinds": ["dealer"]}),
    ]
    settlements = compute_incentives(sales, plans, Targets(), hierarchy, horizon_days=60, node_kinds=KINDS)
    money = incentive_money_rows(settlements)
    assert list(money.columns) == ["day", "node", "account", "amount"]
    expected = {
        # override, payer = supplier; day 30 (period 0)
        ("dist1", "commission_income", 30): 150.03,  # 5 % x 3 000.50
        ("master", "commission_expense", 30): 150.03,
        ("master", "commission_income", 30): 170.01,  # 5 % x 2 800 + 1 % x 3 000.50
        ("vendor", "commission_expense", 30): 190.01,  # master's 170.01 + dist2's 20.00
        ("dist2", "commission_income", 30): 20.0,  # 5 % x 400
        # dealers earn an override only on customers they supply: none here
        # volume rebate, dealers, payer = top (vendor): 1 % of purchases >= 1 000
        ("dealer_b", "rebate_income", 30): 19.0,  # 1 % x 1 900; dealer_a (900) and dealer_c (350) below
        ("vendor", "rebate_expense", 30): 19.0,
        ("dealer_a", "rebate_income", 60): 120.0,  # 1 % x 12 000 in period 1
        ("vendor", "rebate_expense", 60): 120.0,
    }
    # whole cents (chansim.config.money): compared exactly, no tolerance
    got = money.assign(cents=cents_of(money["amount"])).groupby(["node", "account", "day"])["cents"].sum().to_dict()
    assert got == {key: to_cents(value) for key, value in expected.items()}
    income = cents_of(money.loc[money["account"].str.endswith("_income"), "amount"]).sum()
    expense = cents_of(money.loc[money["account"].str.endswith("_expense"), "amount"]).sum()
    assert income == expense == cents_of(settlements["amount"]).sum() == 15003 + 17001 + 2000 + 1900 + 12000
    assert (money["amount"] > 0).all()


def test_sales_from_money_pivots_purchases_and_revenue() -> None:
    money = pd.DataFrame(
        [
            (0, 0, "d1", "tv", "purchases", 100.0),
            (0, 0, "d1", "tv", "revenue", 150.0),
            (0, 0, "d1", "tv", "holding_cost", 3.0),
            (1, 1, "d1", "tv", "revenue", 40.0),
        ],
        columns=["day", "period", "node", "sku", "account", "amount"],
    )
    sales = sales_from_money(money)
    assert list(sales.itertuples(index=False, name=None)) == [(0, "d1", "tv", 100.0, 150.0), (1, "d1", "tv", 0.0, 40.0)]
    with pytest.raises(ValueError, match="money.replication"):
        sales_from_money(money.assign(replication=[0, 0, 1, 1]))


# --------------------------------------------------------------------------- settlement periods and inputs


def test_only_complete_settlement_periods_are_settled() -> None:
    sales = sales_table([(day, "d1", 100.0, 0.0) for day in range(75)])
    scheme = {"type": "volume_rebate", "tiers": [[0, 1]]}
    out = compute_incentives(sales, [plan(scheme)], Targets(), star("d1", "idle"))
    # days 60-74 are half a period: not settled; the partner without sales gets zero rows
    assert list(zip(out["settlement_day"], out["node"], out["amount"], strict=True)) == [
        (30, "d1", 30.0),
        (30, "idle", 0.0),
        (60, "d1", 30.0),
        (60, "idle", 0.0),
    ]
    longer = compute_incentives(sales, [plan(scheme)], Targets(), star("d1"), horizon_days=90)
    assert list(longer["amount"]) == [30.0, 30.0, 15.0]  # the horizon says days 75-89 had no sales


def test_weekly_sales_rows_and_empty_inputs() -> None:
    sales = sales_table([(7 * w, "d1", 1_000.0, 0.0) for w in range(8)])
    out = compute_incentives(
        sales,
        [plan({"type": "volume_rebate", "tiers": [[0, 2]]}, period_days=28)],
        Targets(),
        star("d1"),
        period_days=7,
    )
    assert list(out["amount"]) == [80.0, 80.0]  # 4 weeks x 1 000 x 2 % per 28 days
    empty = compute_incentives(sales.iloc[:0], [plan({"type": "volume_rebate", "tiers": [[0, 2]]})], Targets(), {})
    assert list(empty.columns) == inc.SETTLEMENT_COLUMNS and empty.empty
    assert incentive_money_rows(empty).empty


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"sales": sales_table([(0, "ghost", 1.0, 0.0)])}, "sales.node"),
        ({"sales": sales_table([(0, "d1", -1.0, 0.0)])}, "sales.purchases"),
        (
            {
                "sales": sales_table([(3, "d1", 1.0, 0.0)]),
                "period_days": 7,
                "plans": [plan({"type": "override", "rate_pct": 1}, period_days=28)],
            },
            "sales.day: 3 is not the first day of a period of 7 days",
        ),
        ({"sales": pd.DataFrame({"day": [0], "node": ["d1"]})}, "sales: missing columns"),
        ({"hierarchy": {"d1": "d2", "d2": "d1"}}, "hierarchy: the supply chain has a cycle"),
        ({"hierarchy": {"d1": "vendr"}}, "hierarchy['d1']: supplier 'vendr'"),
        ({"plans": [plan({"type": "override", "rate_pct": 1}, applies_to={"kinds": ["dealer"]})]}, "applies_to.kinds"),
        ({"plans": [plan({"type": "override", "rate_pct": 1}, applies_to={"nodes": ["d9"]})]}, "applies_to.nodes[0]"),
        ({"plans": [plan({"type": "achievement_plan", "bands": BANDS})]}, "no target for partner 'd1'"),
        ({"plans": [plan({"type": "override", "rate_pct": 1}, period_days=10)], "period_days": 7}, "plans[0].period"),
    ],
)
def test_bad_inputs_are_named(kwargs: dict[str, object], message: str) -> None:
    call: dict[str, typing.Any] = {
        "sales": sales_table([(0, "d1", 1.0, 0.0)]),
        "plans": [plan({"type": "volume_rebate", "tiers": [[0, 1]]})],
        "targets": Targets(),
        "hierarchy": star("d1"),
    }
    call.update(kwargs)
    period_days = call.pop("period_days", 1)
    with pytest.raises(ValueError) as error:
        compute_incentives(**call, period_days=period_days)
    assert message in str(error.value)


# --------------------------------------------------------------------------- validation


@pytest.mark.parametrize(
    ("model", "data", "message"),
    [
        (VolumeRebate, {"tiers": [[100, 1], [100, 2]]}, "tiers[1].threshold: 100.0 must be greater than"),
        (VolumeRebate, {"tiers": [[100, 3], [200, 2]]}, "tiers[1].rebate_pct: 2.0 must be at least"),
        (VolumeRebate, {"tiers": [[100, 101]]}, "tiers.0.rebate_pct"),
        (VolumeRebate, {"tiers": [[100, 1]], "mode": "stepped"}, "mode"),
        (VolumeRebate, {"tiers": [[100, 1, 2]]}, "expected [threshold, rebate_pct]"),
        (VolumeRebate, {"tiers": [], "extra": 1}, "extra"),
        (GrowthRebate, {"rebate_pct": 2, "min_growth_pct": -150}, "min_growth_pct"),
        (
            TargetCommission,
            {"curve": [[50, 0], [100, 100]], "on_target_earnings_pct": 5, "on_target_earnings": 100},
            "on_target_earnings_pct: give exactly one",
        ),
        (TargetCommission, {"curve": [[50, 0], [100, 100]]}, "on_target_earnings_pct: give exactly one"),
        (
            TargetCommission,
            {"curve": [[50, 0], [120, 100], [100, 150]], "on_target_earnings": 100},
            "curve[2].attainment_pct: 100.0 must be greater than curve[1].attainment_pct (120.0)",
        ),
        (TargetCommission, {"curve": [[50, 0]], "on_target_earnings": 100}, "curve"),
        (TargetCommission, {"curve": [[50, 0], [100, 1]], "on_target_earnings": 1, "cap_payout_pct": 0}, "cap"),
        (AchievementPlan, {"bands": [[0, 0], [80, 2], [80, 3]]}, "bands[2].min_attainment_pct"),
        (Override, {"rate_pct": 5, "second_level_rate_pct": -1}, "second_level_rate_pct"),
        (Targets, {"default_by_kind": {"reseller": 10}}, "default_by_kind.reseller"),
        (Targets, {"growth_per_period_pct": -100}, "growth_per_period_pct"),
    ],
)
def test_validation_errors_name_the_field(model: type, data: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError) as error:
        model.model_validate(data)
    assert message in str(error.value)


def test_plan_level_validation_names_the_field() -> None:
    with pytest.raises(ValidationError) as error:
        plan({"type": "growth_rebate", "rebate_pct": 1, "min_growth_pct": 5, "cycle_days": 360}, period_days=7)
    assert "scheme.cycle_days: 360 is not a multiple of period_days (7)" in str(error.value)
    with pytest.raises(ValidationError) as error:
        plan({"type": "volume_rebate", "tiers": [[10, 1], [5, 2]]})
    text = str(error.value)
    assert "scheme.volume_rebate" in text and "tiers[1].threshold" in text
    with pytest.raises(ValidationError) as error:
        plan({"type": "lottery"})
    assert "scheme" in str(error.value)
    volume = {"type": "volume_rebate", "tiers": [[0, 1]]}
    bands = {"type": "achievement_plan", "bands": BANDS}
    with pytest.raises(ValidationError) as error:
        Incentives(plans=[plan(volume, name="a"), plan(volume, name="a"), plan(bands, name="b", period_days=45)])
    text = str(error.value)
    assert "plans[1].name: 'a' is used twice" in text
    assert "plans[2].period_days: 45 is not a multiple of targets.period_days (30)" in text


def test_incentives_section_reads_from_yaml_and_round_trips() -> None:
    text = """
    plans:
    - name: gold_volume
      period_days: 90
      applies_to: {kinds: [distributor], tiers: [gold]}
      scheme: {type: volume_rebate, mode: marginal, tiers: [[100000, 1], [250000, 2.5]]}
    - name: dealer_commission
      scheme:
        type: target_commission
        on_target_earnings_pct: 5
        curve: [[50, 0], [100, 100], [150, 200]]
        cap_payout_pct: 300
    targets: {period_days: 30, default_by_kind: {dealer: 20000}, growth_per_period_pct: 1}
    """
    config = Incentives.model_validate(yaml.safe_load(text))
    assert config.plans[0].scheme == VolumeRebate(mode="marginal", tiers=[[100_000, 1], [250_000, 2.5]])
    assert config.plans[1].period_days == 30
    assert Incentives.model_validate(config.model_dump()) == config
    assert Incentives.model_validate_json(config.model_dump_json()) == config
    with pytest.raises(ValidationError):
        config.plans[0].name = "other"  # type: ignore[misc]


def test_partner_kinds_match_the_scenario_node_kinds() -> None:
    from chansim.scenario import NodeKind

    assert typing.get_args(inc.PartnerKind) == typing.get_args(NodeKind)


def test_selection_by_tier_kind_and_name_combine() -> None:
    hierarchy = star("a", "b", "c")
    tiers = {"a": "gold", "b": "silver", "c": "gold"}
    kinds = {"a": "dealer", "b": "dealer", "c": "distributor"}
    sales = sales_table([(0, n, 1_000.0, 0.0) for n in "abc"])
    volume = {"type": "volume_rebate", "tiers": [[0, 1]]}
    plans = [
        plan(volume, name="gold", applies_to={"tiers": ["gold"]}),
        plan(volume, name="gold_dealers", applies_to={"tiers": ["gold"], "kinds": ["dealer"]}),
        plan(volume, name="named", applies_to={"nodes": ["b", "c"]}),
        plan(volume, name="everyone"),
    ]
    out = compute_incentives(sales, plans, Targets(), hierarchy, horizon_days=30, node_kinds=kinds, node_tiers=tiers)
    got = out.groupby("plan", sort=False)["node"].apply(list).to_dict()
    assert got == {"gold": ["a", "c"], "gold_dealers": ["a"], "named": ["b", "c"], "everyone": ["a", "b", "c"]}


# --------------------------------------------------------------------------- integration


def test_settles_a_simulated_two_tier_channel() -> None:
    import chansim

    scenario = chansim.load_scenario(ROOT / "scenarios" / "two-tier-regional.yaml")
    result = chansim.run(scenario, seed=3, days=60)
    sales = sales_from_money(result.money)
    hierarchy = {n.name: next((lane.supplier for lane in n.lanes), None) for n in scenario.nodes}
    kinds = {n.name: n.kind for n in scenario.nodes}
    plans = [
        plan({"type": "volume_rebate", "tiers": [[0, 1], [50_000, 2]]}, name="vol"),
        plan({"type": "override", "rate_pct": 2}, name="ovr", applies_to={"kinds": ["distributor"]}),
    ]
    out = compute_incentives(sales, plans, Targets(), hierarchy, period_days=scenario.period_days, node_kinds=kinds)
    partners = [n for n, s in hierarchy.items() if s is not None]
    assert len(out) == 2 * len(partners) + 2 * 3  # 2 periods x (all partners + 3 distributors)
    purchases = result.money[(result.money["account"] == "purchases") & (result.money["day"] < 30)]
    expected = purchases.groupby("node", observed=True)["amount"].sum()
    first = out[(out["plan"] == "vol") & (out["settlement_day"] == 30)].set_index("node")["basis"]
    for node in partners:  # the basis is the float valuation rounded once to cents, half up
        assert cents_of([first[node]])[0] == to_cents(float(expected.get(node, 0.0)))
    money = incentive_money_rows(out)
    assert set(money.loc[money["account"].str.endswith("_expense"), "node"]) == {"vendor"}
    income = cents_of(money.loc[money["account"].str.endswith("_income"), "amount"]).sum()
    assert income == cents_of(out["amount"]).sum()
    assert out["amount"].sum() > 0


# --------------------------------------------------------------------------- properties

money_st = st.integers(min_value=0, max_value=10_000_000).map(lambda cents: cents / 100)
pct_st = st.integers(min_value=0, max_value=2_000).map(lambda tenths: tenths / 20)  # 0..100 in steps of 0.05


@st.composite
def volume_schemes(draw: st.DrawFn) -> dict[str, object]:
    thresholds = sorted(draw(st.sets(st.integers(0, 100_000), min_size=1, max_size=5)))
    rates = sorted(draw(st.lists(pct_st, min_size=len(thresholds), max_size=len(thresholds))))
    mode = draw(st.sampled_from(["retroactive", "marginal"]))
    return {"type": "volume_rebate", "mode": mode, "tiers": [[t, r] for t, r in zip(thresholds, rates, strict=True)]}


@st.composite
def commission_schemes(draw: st.DrawFn) -> dict[str, object]:
    attainments = sorted(draw(st.sets(st.integers(0, 400), min_size=2, max_size=6)))
    payouts = sorted(draw(st.lists(st.integers(0, 600), min_size=len(attainments), max_size=len(attainments))))
    scheme: dict[str, object] = {
        "type": "target_commission",
        "curve": [[a, p] for a, p in zip(attainments, payouts, strict=True)],
        "floor_attainment_pct": draw(st.none() | st.integers(0, 200)),
        "cap_payout_pct": draw(st.none() | st.integers(1, 600)),
        "beyond_last_point": draw(st.sampled_from(["extend", "flat"])),
    }
    if draw(st.booleans()):
        scheme["on_target_earnings_pct"] = draw(st.integers(1, 100))
    else:
        scheme["on_target_earnings"] = draw(st.integers(1, 100_000))
    return scheme


def settle_pair(scheme: dict[str, object], low: float, high: float, **kwargs: typing.Any) -> tuple[float, float]:
    sales = sales_table([(0, "low", low, 0.0), (0, "high", high, 0.0)])
    out = compute_incentives(sales, [plan(scheme)], kwargs.pop("targets", Targets()), star("low", "high"), **kwargs)
    got = amounts(out)
    return got["low"], got["high"]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scheme=volume_schemes(), first=money_st, second=money_st)
def test_volume_rebates_are_non_negative_and_monotone_in_sales(
    scheme: dict[str, object], first: float, second: float
) -> None:
    low, high = sorted((first, second))
    paid_low, paid_high = settle_pair(scheme, low, high, horizon_days=30)
    assert 0 <= paid_low <= paid_high
    if scheme["mode"] == "marginal":  # marginal never pays more than retroactive on the same tiers
        retro_low, _ = settle_pair({**scheme, "mode": "retroactive"}, low, high, horizon_days=30)
        assert paid_low <= retro_low


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scheme=commission_schemes(), target=st.integers(1, 1_000_000), first=money_st, second=money_st)
def test_target_commission_is_non_negative_and_monotone_for_a_non_decreasing_curve(
    scheme: dict[str, object], target: int, first: float, second: float
) -> None:
    low, high = sorted((first, second))
    targets = Targets(by_node={"low": target, "high": target})
    paid_low, paid_high = settle_pair(scheme, low, high, targets=targets, horizon_days=30)
    assert 0 <= paid_low <= paid_high
    cap = scheme["cap_payout_pct"]
    if cap is not None:
        if scheme.get("on_target_earnings") is not None:
            earnings = Decimal(scheme["on_target_earnings"])  # type: ignore[arg-type]
        else:
            earnings = Decimal(target) * Decimal(scheme["on_target_earnings_pct"]) / 100  # type: ignore[arg-type]
        # the amount is rounded once, half up, and rounding is monotone: never above the cap rounded alike
        assert cents_of([paid_high])[0] <= to_cents(earnings * Decimal(cap) / 100)  # type: ignore[arg-type]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(purchases=st.lists(money_st, min_size=12, max_size=12), sell_out=st.lists(money_st, min_size=12, max_size=12))
def test_money_is_conserved_and_nothing_is_negative(purchases: list[float], sell_out: list[float]) -> None:
    hierarchy = {**THREE_LEVELS, "master": "vendor", "dist1": "master"}
    nodes = ["master", "dist1", "dist2", "dealer_a", "dealer_b", "dealer_c"]
    rows = [
        (30 * (k % 2), node, p, s) for k, (node, p, s) in enumerate(zip(nodes * 2, purchases, sell_out, strict=True))
    ]
    targets = Targets(default_by_kind={"dealer": 5_000, "distributor": 20_000, "wholesaler": 50_000})
    plans = [
        plan({"type": "volume_rebate", "mode": "marginal", "tiers": [[0, 1], [10_000, 2]]}, name="vol"),
        plan({"type": "growth_rebate", "rebate_pct": 3, "min_growth_pct": 0, "compare_to": "previous_period"}),
        plan({"type": "achievement_plan", "bands": BANDS}, name="ach"),
        plan({"type": "target_commission", "on_target_earnings_pct": 5, "curve": CURVE}, name="tc"),
        plan({"type": "override", "rate_pct": 3, "second_level_rate_pct": 1}, name="ovr", payer="supplier"),
    ]
    out = compute_incentives(sales_table(rows), plans, targets, hierarchy, horizon_days=60, node_kinds=KINDS)
    assert (out["amount"] >= 0).all() and (out["basis"] >= 0).all()
    money = incentive_money_rows(out)
    income = money[money["account"].str.endswith("_income")]
    expense = money[money["account"].str.endswith("_expense")]
    assert cents_of(income["amount"]).sum() == cents_of(expense["amount"]).sum() == cents_of(out["amount"]).sum()
    assert "vendor" not in set(income["node"])
