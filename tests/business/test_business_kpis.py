"""Business KPIs on small hand-built channels where the answer can be worked out by hand.

The base channel: a vendor (outside supply, base stock 200, holding 0.01/unit/day) sells
one SKU (list price 10, unit cost 6) to two dealers d1, d2 (lead time 1 day, shipping
0.5/unit, ordering 1/order, holding 0.02/unit/day, base stock 20). End customers buy a
deterministic 3/day at d1 and 1/day at d2. With a business section the dealers start in
the default bottom tier (bronze, 25 % off list), so they buy at 7.5 and sell at 10. Each
dealer orders exactly its demand every day from day 0, so every day looks the same.
"""

from __future__ import annotations

import copy
import json
import math
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml
from click.testing import CliRunner

import chansim
from chansim import parse_scenario
from chansim.business.kpis import (
    BUSINESS_KPI_NAMES,
    business_kpis,
    business_kpis_by_period,
    business_kpis_by_replication,
    funnel_conversion_by_stage,
    summarize_business_kpis,
)
from chansim.cli import cli
from chansim.config.money import cents_of, to_units
from chansim.metrics import KPI_NAMES, t_quantile_975
from chansim.results import Result

INVENTORY_BASED = ["contribution_share", "gross_margin_partner", "cost_to_serve", "channel_cost_ratio"]
BUSINESS_ONLY = [k for k in BUSINESS_KPI_NAMES if k not in INVENTORY_BASED]

TERMS_30 = {
    "credit": {"default_terms_days": 30},
    "payment": {"base_delay_days": 0, "delay_distribution": "deterministic"},
}
REBATE_AND_TARGETS = {
    # 2 % of each 30-day period's purchases once they reach 100
    "plans": [
        {
            "name": "vol",
            "period_days": 30,
            "scheme": {"type": "volume_rebate", "mode": "retroactive", "tiers": [[100, 2]]},
        }
    ],
    "targets": {"period_days": 30, "default_by_kind": {"dealer": 900}},
}


def channel(
    business: dict[str, Any] | None = None,
    *,
    horizon: int = 180,
    warmup: int = 60,
    demand: tuple[float, ...] = (3, 1),
    promotions: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The base channel (module docstring) as a scenario document."""
    doc: dict[str, Any] = {
        "name": "biz-unit",
        "horizon_days": horizon,
        "warmup_days": warmup,
        "skus": [{"name": "widget", "unit_cost": 6, "list_price": 10}],
        "nodes": [
            {
                "name": "vendor",
                "kind": "vendor",
                "lanes": [{"supplier": None, "lead_time_days": 1}],
                "policy": {"type": "base_stock", "order_up_to": 200},
                "initial": {"on_hand": 200},
                "holding_cost_per_unit_day": 0.01,
            },
            *[
                {
                    "name": f"d{i + 1}",
                    "kind": "dealer",
                    "region": "north",
                    "lanes": [{"supplier": "vendor", "lead_time_days": 1, "shipping_cost_per_unit": 0.5}],
                    "policy": {"type": "base_stock", "order_up_to": 20},
                    "initial": {"on_hand": 20},
                    "holding_cost_per_unit_day": 0.02,
                    "ordering_cost_per_order": 1.0,
                }
                for i in range(len(demand))
            ],
        ],
        "markets": [
            {
                "name": f"m{i + 1}",
                "served_by": f"d{i + 1}",
                "demand": [
                    {
                        "sku": "widget",
                        "distribution": {"type": "deterministic", "value": value},
                        "promotions": (promotions or []) if i == 0 else [],
                    }
                ],
            }
            for i, value in enumerate(demand)
        ],
    }
    if business is not None:
        doc["business"] = business
    return doc


def run(doc: dict[str, Any], seed: int = 3) -> Result:
    return chansim.run(parse_scenario(doc), seed=seed)


def row(frame: pd.DataFrame, node: str) -> pd.Series:
    return frame.set_index("node").loc[node]


@pytest.fixture(scope="module")
def base() -> Result:
    return run(channel({"order_to_cash": TERMS_30, "incentives": REBATE_AND_TARGETS}))


# --------------------------------------------------------------------------- hand-computed, one run


def test_shape_and_ids(base: Result) -> None:
    kpis = business_kpis(base)
    assert list(kpis.columns[:6]) == ["scenario", "replication", "seed", "node", "kind", "tier"]
    assert list(kpis.columns[6:]) == BUSINESS_KPI_NAMES
    assert list(kpis["node"]) == ["d2", "d1", "network"]  # the inventory KPIs' order
    assert list(kpis["tier"]) == ["bronze", "bronze", None]
    assert set(kpis["seed"]) == {3}


def test_sales_shares_margin_and_targets(base: Result) -> None:
    """Window [60, 180): 120 days. d1 sells 3 x 10 = 30/day, d2 10/day.

    contribution: 3600 / 4800 = 0.75 and 0.25; margin: 120 x 3 x (10 - 7.5) = 900 and 300;
    target: 4 complete 30-day periods x 900 = 3600, so d1 attains 3600 / 3600 = 1 and
    d2 1200 / 3600 = 1/3; network (3600 + 1200) / 7200 = 2/3.
    """
    kpis = business_kpis(base)
    d1, d2, net = row(kpis, "d1"), row(kpis, "d2"), row(kpis, "network")
    assert d1["contribution_share"] == pytest.approx(0.75)
    assert d2["contribution_share"] == pytest.approx(0.25)
    assert d1["contribution_share"] + d2["contribution_share"] == pytest.approx(1.0)
    assert net["contribution_share"] == pytest.approx(1.0)
    assert d1["gross_margin_partner"] == pytest.approx(900.0)
    assert d2["gross_margin_partner"] == pytest.approx(300.0)
    assert net["gross_margin_partner"] == pytest.approx(1200.0)
    # target attainment checked against the money table
    money = base.money
    revenue = money[(money["account"] == "revenue") & (money["day"] >= 60) & (money["day"] < 180)]
    by_node = revenue.groupby(revenue["node"].astype(str))["amount"].sum()
    assert by_node["d1"] == pytest.approx(3600.0)
    assert d1["target_attainment"] == pytest.approx(by_node["d1"] / 3600.0) == pytest.approx(1.0)
    assert d2["target_attainment"] == pytest.approx(by_node["d2"] / 3600.0) == pytest.approx(1 / 3)
    assert net["target_attainment"] == pytest.approx(2 / 3)


def test_cost_to_serve_and_channel_cost_ratio(base: Result) -> None:
    """d1 over 120 days: shipping 0.5 x 3 x 120 = 180; transit holding 3 in transit x 0.01 x 120
    = 3.6; ordering 120 x 1 = 120; the vendor holds 196 units (200 - 4 shipped a day) at 0.01:
    235.2, of which d1 takes 3/4 = 176.4. Total 480. d2: 60 + 1.2 + 120 + 58.8 = 240.

    Channel cost of d1: rebates 4 x 13.5 = 54 + shipping 180 + holding 17 x 0.02 x 120 = 40.8
    + transit 3.6 = 278.4 over revenue 3600. d2: 18 + 60 + 45.6 + 1.2 = 124.8 over 1200.
    Network: rebates 72 + shipping 240 + holding (235.2 + 40.8 + 45.6) + transit 4.8 = 638.4 over 4800.
    """
    kpis = business_kpis(base)
    assert row(kpis, "d1")["cost_to_serve"] == pytest.approx(480.0)
    assert row(kpis, "d2")["cost_to_serve"] == pytest.approx(240.0)
    assert row(kpis, "network")["cost_to_serve"] == pytest.approx(720.0)
    assert row(kpis, "d1")["channel_cost_ratio"] == pytest.approx(278.4 / 3600)
    assert row(kpis, "d2")["channel_cost_ratio"] == pytest.approx(124.8 / 1200)
    assert row(kpis, "network")["channel_cost_ratio"] == pytest.approx(638.4 / 4800)


def test_dso_deterministic_terms_30_is_30(base: Result) -> None:
    """Constant daily invoices, each paid exactly 30 days later: at any time in the window the
    last 30 days' invoices are open, so DSO = 30 days (tolerance 0.01 day; it is exact here)."""
    kpis = business_kpis(base)
    for node in ("d1", "d2", "network"):
        assert row(kpis, node)["dso"] == pytest.approx(30.0, abs=0.01)
    assert row(kpis, "network")["bad_debt"] == 0.0
    assert row(kpis, "network")["orders_held_share"] == 0.0
    assert math.isnan(row(kpis, "d1")["credit_utilisation"])  # unlimited credit


def test_rebates_equal_incentives_table(base: Result) -> None:
    """Purchases 3 x 7.5 x 30 = 675 per period -> 2 % = 13.5 for d1, 4.5 for d2."""
    settlements = base.incentives
    for warmup, periods in ((60, 4), (0, 6)):
        kpis = business_kpis(base, warmup_days=warmup)
        window = settlements[settlements["period_start_day"] >= warmup]
        # settled money is whole cents (chansim.config.money): the KPI is the exact cents total
        cents = pd.Series(cents_of(window["amount"]), index=window.index).groupby(window["node"].astype(str)).sum()
        assert row(kpis, "d1")["rebates"] == to_units(cents["d1"]) == to_units(1350 * periods)
        assert row(kpis, "d2")["rebates"] == to_units(cents["d2"]) == to_units(450 * periods)
        assert row(kpis, "network")["rebates"] == to_units(cents_of(window["amount"]).sum())
        assert row(kpis, "network")["commissions"] == 0.0


def test_scorecard_with_default_weights(base: Result) -> None:
    """Default scorecard: 0.5 target_achievement (bounds 0-1.2), 0.25 fill_rate (0.5-1), 0.25 margin (0-0.4).

    d1: 0.5 x 100/1.2 + 0.25 x 100 + 0.25 x 62.5 = 82.29; d2: 0.5 x 100/3.6 + 25 + 15.625 = 54.51.
    """
    kpis = business_kpis(base)
    assert row(kpis, "d1")["scorecard"] == pytest.approx(0.5 * 100 / 1.2 + 25 + 15.625)
    assert row(kpis, "d2")["scorecard"] == pytest.approx(0.5 * 100 / 3.6 + 25 + 15.625)
    assert math.isnan(row(kpis, "network")["scorecard"])
    for column in ("funnel_win_rate", "weighted_pipeline", "deal_reg_approval_rate", "mdf_return", "activation"):
        assert kpis[column].isna().all(), column
    assert list(kpis["churned"]) == [0.0, 0.0, 0.0]


def test_by_period(base: Result) -> None:
    """Period 0: invoices of days 0..29 (22.5 each for d1) are all open at day 30, so
    ∫R = 22.5 x (30 + 29 + ... + 1) and DSO = ∫R / invoiced = 465 / 30 = 15.5; later periods 30."""
    periods = business_kpis_by_period(base, period_days=30)
    assert len(periods) == 6 * 3
    d1 = periods[periods["node"] == "d1"].set_index("period")
    assert list(d1["sales"]) == pytest.approx([900.0] * 6)
    assert list(d1["target_attainment"]) == pytest.approx([1.0] * 6)
    assert list(d1["invoiced"]) == pytest.approx([675.0] * 6)
    assert d1.loc[0, "dso"] == pytest.approx(15.5)
    assert list(d1.loc[1:, "dso"]) == pytest.approx([30.0] * 5)
    net = periods[periods["node"] == "network"].set_index("period")
    assert list(net["gross_margin_partner"]) == pytest.approx([300.0] * 6)
    assert list(net["target_attainment"]) == pytest.approx([2 / 3] * 6)
    money = base.money
    assert periods.loc[periods["node"] != "network", "sales"].sum() == pytest.approx(
        money.loc[(money["account"] == "revenue") & (money["node"] != "vendor"), "amount"].sum()
    )
    with pytest.raises(ValueError, match="period_days"):
        business_kpis_by_period(base, period_days=0)


# --------------------------------------------------------------------------- credit hold, approvals


def test_credit_utilisation_bounded_under_hold() -> None:
    """Limit 400 < 30 + 10 days of d1's 22.5/day: d1's orders are held; the credit desk keeps
    exposure (receivables + reserved) within the limit, so the time-averaged utilisation is
    in (0, 1]. d1's value is checked against a sampled step function of its receivables."""
    business = {
        "order_to_cash": {
            "credit": {"default_credit_limit": 400, "on_exceed": "hold", "default_terms_days": 30},
            "payment": {"base_delay_days": 10},
        }
    }
    result = run(channel(business), seed=5)
    kpis = business_kpis(result)
    for node in ("d1", "d2", "network"):
        assert 0.0 < row(kpis, node)["credit_utilisation"] <= 1.0
    assert row(kpis, "d1")["orders_held_share"] > 0.5
    assert row(kpis, "d2")["orders_held_share"] == 0.0
    # independent check: receivables as a step function over [60, 180)
    invoices, settlements = result.business["invoices"], result.business["settlements"]
    changes = pd.concat([
        pd.DataFrame({"t": invoices["invoice_day"], "x": invoices["amount"], "p": invoices["partner"]}),
        pd.DataFrame({"t": settlements["day"], "x": -settlements["amount"], "p": settlements["partner"]}),
    ])  # fmt: skip
    d1 = changes[changes["p"] == "d1"]
    grid = np.linspace(60, 180, 120 * 64, endpoint=False) + 120 / (120 * 64) / 2
    level = [d1.loc[d1["t"] <= t, "x"].sum() for t in grid[::16]]
    assert row(kpis, "d1")["credit_utilisation"] == pytest.approx(np.mean(level) / 400, abs=0.02)


def test_approval_wait_one_approver() -> None:
    """One approver, 0.4 days per order, both dealers' orders arrive together each day: the
    first (d1) waits 0, the second (d2) 0.4; the two orders of the last period are still
    queued when the run stops and count as waiting until day 180 (+1/120 and +0.6/120)."""
    business = {
        "order_to_cash": {
            "approver_pools": [
                {"name": "ops", "approvers": 1, "service_time_days": {"type": "deterministic", "value": 0.4}}
            ],
            "approval_path": [{"pool": "ops", "amount_above": 0}],
        }
    }
    result = run(channel(business))
    kpis = business_kpis(result)
    assert row(kpis, "d1")["approval_wait_days"] == pytest.approx(0.0, abs=0.01)
    assert row(kpis, "d2")["approval_wait_days"] == pytest.approx(0.4, abs=0.01)
    assert row(kpis, "network")["approval_wait_days"] == pytest.approx(0.2, abs=0.01)
    steps = result.business["approvals"]
    assert set(steps["waiting_days"].round(9)) == {0.0, 0.4}


# --------------------------------------------------------------------------- funnel


FUNNEL = {
    "order_to_cash": TERMS_30,
    "funnel": {
        "lead_sources": [{"region": "north", "arrival_rate_per_day": 2, "sku_mix": [{"sku": "widget", "share": 1}]}]
    },
}


@pytest.fixture(scope="module")
def funnel_result() -> Result:
    return run(channel(FUNNEL, demand=(3, 1, 2)), seed=11)


def test_funnel_kpis_match_the_tables(funnel_result: Result) -> None:
    kpis = business_kpis(funnel_result)
    leads = funnel_result.business["leads"]
    window = leads[leads["created_day"] >= 60]
    won, lost, unrouted = (int((window["outcome"] == o).sum()) for o in ("won", "lost", "unrouted"))
    assert won > 0 and lost > 0
    assert row(kpis, "network")["funnel_win_rate"] == pytest.approx(won / (won + lost + unrouted))
    for partner in ("d1", "d2", "d3"):
        mine = window[window["partner"] == partner]
        w, lo = (mine["outcome"] == "won").sum(), (mine["outcome"] == "lost").sum()
        assert row(kpis, partner)["funnel_win_rate"] == pytest.approx(w / (w + lo))
    # weighted pipeline: open accepted leads' units x product of the remaining stage conversions
    stages = funnel_result.scenario.business.funnel.stages  # type: ignore[union-attr]
    open_leads = leads[(leads["outcome"] == "open") & leads["accepted_day"].notna()]
    expected = sum(
        units * math.prod(s.conversion_probability for s in stages[int(i) :])
        for units, i in zip(open_leads["units"], open_leads["stage_index"], strict=True)
    )
    assert expected > 0
    assert row(kpis, "network")["weighted_pipeline"] == pytest.approx(expected)
    assert kpis.loc[kpis["node"] != "network", "weighted_pipeline"].sum() == pytest.approx(expected)
    # deal registration: rates from the registrations table
    regs = funnel_result.business["registrations"]
    regs = regs[regs["deal_id"].isin(window["deal_id"])]
    assert row(kpis, "network")["deal_reg_approval_rate"] == pytest.approx((regs["status"] == "approved").mean())
    assert row(kpis, "network")["deal_reg_conflict_rate"] == pytest.approx(regs["conflict"].mean())
    for column in ("deal_reg_approval_rate", "deal_reg_win_rate", "deal_reg_conflict_rate"):
        values = kpis[column].dropna()
        assert len(values) == 4 and values.between(0, 1).all()


def test_funnel_conversion_by_stage(funnel_result: Result) -> None:
    table = funnel_conversion_by_stage(funnel_result)
    assert list(table.columns[:4]) == ["scenario", "replication", "seed", "partner"]
    net = table[table["partner"] == "network"].set_index("stage_index")
    leads = funnel_result.business["leads"]
    assert net.loc[0, "entered"] == leads["accepted_day"].notna().sum()
    per_partner = table[table["partner"] != "network"].groupby("stage_index")[["entered", "passed", "lost"]].sum()
    assert (per_partner.to_numpy() == net[["entered", "passed", "lost"]].to_numpy()).all()
    assert (net["entered"].iloc[1:].to_numpy() == net["passed"].iloc[:-1].to_numpy()).all()
    assert net["conversion"].between(0, 1).all()


def test_same_seed_same_kpis(funnel_result: Result) -> None:
    again = run(channel(FUNNEL, demand=(3, 1, 2)), seed=11)
    pd.testing.assert_frame_equal(business_kpis(again), business_kpis(funnel_result))
    pd.testing.assert_frame_equal(business_kpis_by_period(again), business_kpis_by_period(funnel_result))
    other = run(channel(FUNNEL, demand=(3, 1, 2)), seed=12)
    assert not business_kpis(other)["funnel_win_rate"].equals(business_kpis(funnel_result)["funnel_win_rate"])


# --------------------------------------------------------------------------- lifecycle (tables injected)


def with_business(result: Result, **tables: pd.DataFrame) -> Result:
    """The same run with some business tables added or replaced (as the runtime would record them)."""
    clone = copy.copy(result)
    clone._business = {**result._business, **tables}
    for name in ("business", "audit", "money", "incentives"):  # cached tables built from them
        clone.__dict__.pop(name, None)
    return clone


def test_mdf_activation_churn_and_lifecycle_costs() -> None:
    """d1's demand doubles on days 120-179 (a promotion standing in for the MDF effect).

    MDF approved on day 120, 300 claimed on day 130: revenue 30/day before, 60/day after, so
    incremental = (60 - 30) x 60 = 1800 and mdf_return = 1800 / 300 = 6. d2 is a recruit that
    became active; a candidate recruited alongside never did; d1 churned.
    """
    promo = [{"start_day": 120, "end_day": 180, "uplift": 1.0}]
    plain = run(channel({"order_to_cash": TERMS_30}, promotions=promo))
    audit = plain._business["audit"]
    extra = pd.DataFrame(
        [
            (10.0, "partners", "system", "status_change", "d2", "candidate", "onboarding"),
            (10.0, "partners", "system", "status_change", "cand_0001_north", "candidate", "onboarding"),
            (20.0, "partners", "system", "status_change", "d2", "onboarding", "active"),
            (150.0, "partners", "system", "status_change", "d1", "active", "churned"),
        ],
        columns=list(audit.columns),
    )
    lifecycle = pd.DataFrame(
        [(120, "d1", "mdf_approved", 300.0), (130, "d1", "mdf_claimed", 300.0), (90, "d1", "training_cost", 50.0)],
        columns=["day", "node", "account", "amount"],
    )
    result = with_business(plain, audit=pd.concat([audit, extra], ignore_index=True), partner_money=lifecycle)
    kpis, before = business_kpis(result), business_kpis(plain)
    d1, d2, net = row(kpis, "d1"), row(kpis, "d2"), row(kpis, "network")
    assert d1["mdf_return"] == pytest.approx(6.0)
    assert net["mdf_return"] == pytest.approx(6.0)
    assert math.isnan(d2["mdf_return"])
    assert d2["activation"] == 1.0 and math.isnan(d1["activation"])
    assert net["activation"] == pytest.approx(0.5)
    assert (d1["churned"], d2["churned"], net["churned"]) == (1.0, 0.0, 1.0)
    revenue_d1 = 30.0 * 60 + 60.0 * 60
    assert d1["channel_cost_ratio"] - row(before, "d1")["channel_cost_ratio"] == pytest.approx(350.0 / revenue_d1)


# --------------------------------------------------------------------------- without business, CLI, replications


def test_without_business_section() -> None:
    result = run(channel(None))
    kpis = business_kpis(result)
    assert list(kpis["node"]) == ["d2", "d1", "network"]
    assert kpis[BUSINESS_ONLY].isna().all().all()
    assert kpis[INVENTORY_BASED].notna().all().all()
    assert row(kpis, "d1")["contribution_share"] == pytest.approx(0.75)
    assert list(kpis["tier"]) == [None, None, None]
    periods = business_kpis_by_period(result)
    assert periods["target"].isna().all() and periods["sales"].gt(0).all()
    assert funnel_conversion_by_stage(result).empty


def write(tmp_path: Any, doc: dict[str, Any]) -> str:
    path = tmp_path / "scenario.yaml"
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    return str(path)


def test_cli_json_and_table(tmp_path: Any) -> None:
    doc = channel({"order_to_cash": TERMS_30, "incentives": REBATE_AND_TARGETS})
    runner = CliRunner()
    out = runner.invoke(cli, ["run", write(tmp_path, doc), "--seed", "3", "--format", "json"])
    assert out.exit_code == 0, out.output
    document = json.loads(out.output)
    rows = {r["node"]: r for r in document["business_kpis"]}
    assert set(rows) == {"d1", "d2", "network"}
    assert rows["network"]["dso"] == pytest.approx(30.0)
    assert rows["network"]["mdf_return"] is None  # NaN -> null
    assert rows["d1"]["rebates"] == 54.0
    assert len(document["kpis"]) == 4 and set(document["kpis"][0]) >= set(KPI_NAMES)

    out = runner.invoke(cli, ["run", write(tmp_path, doc), "-r", "2", "-q", "--format", "json"])
    assert out.exit_code == 0, out.output
    network = [r for r in json.loads(out.output)["business_kpis"] if r["node"] == "network"][0]
    assert network["replications"] == 2
    assert network["dso"] == pytest.approx(30.0) and network["dso_ci95"] == pytest.approx(0.0, abs=1e-9)

    out = runner.invoke(cli, ["run", write(tmp_path, doc), "--seed", "3"])
    assert out.exit_code == 0 and "business KPIs" in out.output and "contribution_share" in out.output

    plain = runner.invoke(cli, ["run", write(tmp_path, channel(None)), "--format", "json"])
    assert plain.exit_code == 0
    assert "business_kpis" not in json.loads(plain.output)
    table = runner.invoke(cli, ["run", write(tmp_path, channel(None))])
    assert "business KPIs" not in table.output


def test_summary_over_replications() -> None:
    doc = channel({
        "order_to_cash": {
            "credit": {"default_credit_limit": 400, "on_exceed": "hold"},
            "payment": {"base_delay_days": 10},
        },
        "incentives": REBATE_AND_TARGETS,
    })  # fmt: skip
    reps = chansim.replicate(parse_scenario(doc), 3, seed=1)
    stacked = business_kpis_by_replication(reps)
    assert len(stacked) == 3 * 3
    summary = summarize_business_kpis(reps).set_index("node")
    d1 = stacked[stacked["node"] == "d1"]["dso"].to_numpy()
    assert summary.loc["d1", "dso"] == pytest.approx(d1.mean())
    assert summary.loc["d1", "dso_std"] == pytest.approx(d1.std(ddof=1))
    assert summary.loc["d1", "dso_ci95"] == pytest.approx(t_quantile_975(2) * d1.std(ddof=1) / math.sqrt(3))
    assert summary.loc["d1", "dso_std"] > 0  # random payment delays
    assert "tier" not in summary.columns and summary.loc["network", "replications"] == 3
    # the inventory summary keeps its columns
    inventory = reps.kpis()
    assert [c for c in inventory.columns if c in KPI_NAMES] == KPI_NAMES
    assert not any(c in inventory.columns for c in BUSINESS_KPI_NAMES)
