"""The business layer inside a simulation run: conservation, determinism, effects."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import chansim
from chansim import load_scenario, parse_scenario
from chansim.config.money import cents_of


def _base() -> dict:
    return load_scenario("chansim/data/default.yaml").model_dump(mode="json")


def _with_business(business: dict, horizon: int = 120) -> chansim.Scenario:
    doc = _base()
    doc["horizon_days"] = horizon
    doc["business"] = business
    return parse_scenario(doc)


OTC = {
    "credit": {"default_credit_limit": 15000, "on_exceed": "hold", "default_terms_days": 30},
    "approver_pools": [
        {"name": "sales_ops", "approvers": 1, "service_time_days": {"type": "exponential", "mean": 0.5}}
    ],
    "approval_path": [{"pool": "sales_ops", "amount_above": 1500}],
    "payment": {"base_delay_days": 3, "delay_slope_days": 10, "insolvency_probability_per_year": 0.3},
}


def test_an_empty_business_section_changes_no_stock_movement() -> None:
    plain = chansim.run(load_scenario("chansim/data/default.yaml"), seed=4, days=90)
    empty = chansim.run(_with_business({}, horizon=365), seed=4, days=90)
    cols = ["day", "node", "sku", "on_hand", "backorder", "on_order", "shipped", "ordered"]
    pd.testing.assert_frame_equal(plain.levels[cols], empty.levels[cols])


def test_invoiced_equals_paid_plus_receivables_plus_bad_debt() -> None:
    for seed in range(3):
        result = chansim.run(_with_business({"order_to_cash": OTC}), seed=seed)
        money = result.money[result.money["sku"].isna()]
        # the money table's order-to-cash amounts are whole cents: summed as integers, exactly
        totals = pd.Series(cents_of(money["amount"]), index=money.index).groupby(money["account"]).sum()
        assert totals["invoiced"] > 0
        settled = totals.get("cash_received", 0) + totals.get("bad_debt", 0) + totals.get("receivables_end", 0)
        assert settled == totals["invoiced"]
        cents = result.business["receivables_money"].groupby("account")["amount_cents"].sum()
        assert cents["invoiced"] == cents.get("cash_received", 0) + cents.get("bad_debt", 0) + cents.get(
            "receivables_end", 0
        )


def test_seller_revenue_equals_buyer_purchases_at_tier_prices() -> None:
    doc = _base()
    partners = [n["name"] for n in doc["nodes"] if n["kind"] != "vendor"]
    scenario = _with_business({"tiers_by_node": {partners[0]: "gold", partners[1]: "silver"}})
    result = chansim.run(scenario, seed=1)
    par = result.parameters.set_index(["node", "sku"])
    money = result.money[result.money["sku"].notna()]
    by = money.groupby(["node", "account"], observed=True)["amount"].sum().unstack(fill_value=0.0)
    for supplier in set(par["supplier"].dropna()):
        customers = par.index.get_level_values(0)[par["supplier"] == supplier].unique()
        end_sales = result.levels.query("node == @supplier")
        own = float(
            (end_sales["customer_sales"] * end_sales["sku"].map(par.loc[supplier]["sell_price"]).astype(float)).sum()
        )
        assert by.loc[supplier, "revenue"] == pytest.approx(own + by.loc[list(customers), "purchases"].sum())
    # a gold partner pays less per unit than a bronze one
    ladder = {t.name: t.discount for t in scenario.business.partners.tiers.tiers}
    assert ladder["gold"] > ladder["bronze"]
    gold_price = par.loc[partners[0], "purchase_price"].iloc[0]
    bronze = [p for p in partners if p not in partners[:2] and par.loc[p].index[0] == par.loc[partners[0]].index[0]]
    if bronze:
        assert gold_price < par.loc[bronze[0], "purchase_price"].iloc[0]


def test_a_tight_credit_limit_holds_orders_and_costs_service() -> None:
    loose = chansim.run(_with_business({"order_to_cash": {**OTC, "credit": {"default_credit_limit": 10**8}}}), seed=5)
    tight = chansim.run(_with_business({"order_to_cash": OTC}), seed=5)
    fill = lambda r: r.kpis().query("node == 'network'")["fill_rate"].iloc[0]  # noqa: E731
    assert fill(tight) < fill(loose) - 0.05
    assert (tight.audit["action"] == "held").sum() > 0
    assert (loose.audit["action"] == "held").sum() == 0


@pytest.mark.parametrize("chunks", [[7, 13, 30, 70], [1] * 30 + [90]])
def test_stepping_with_the_business_layer_equals_a_straight_run(chunks: list[int]) -> None:
    scenario = _with_business({
        "order_to_cash": OTC,
        "funnel": {"lead_sources": [{"region": "northeast", "arrival_rate_per_day": 2,
                                     "sku_mix": [{"sku": _base()["skus"][0]["name"], "share": 1}]}]},
        "partners": {"churn": {"review_period_days": 30, "intercept": 0.5}},
    })  # fmt: skip
    straight = chansim.run(scenario, seed=9, days=120)
    session = chansim.Session(scenario, seed=9)
    for days in chunks:
        session.advance(days=days)
    stepped = session.result()
    for name in ("levels", "orders", "money", "events"):
        pd.testing.assert_frame_equal(getattr(stepped, name), getattr(straight, name))
    pd.testing.assert_frame_equal(stepped.audit, straight.audit)


def test_won_deals_become_end_customer_orders_at_the_partner() -> None:
    sku = _base()["skus"][0]["name"]
    scenario = _with_business(
        {
            "funnel": {
                "lead_sources": [
                    {"region": "northeast", "arrival_rate_per_day": 3, "sku_mix": [{"sku": sku, "share": 1}]}
                ]
            }
        }
    )
    result = chansim.run(scenario, seed=3, days=120)
    leads = result.business["leads"]
    won = leads[leads["outcome"] == "won"] if "outcome" in leads.columns else leads[leads["won_day"].notna()]
    assert len(won) > 0
    orders = result.orders
    deal_orders = orders[orders["customer"].astype(str).str.startswith("deal:")]
    # every deal won before the last period became orders at its partner, units preserved
    assert len(deal_orders) > 0
    assert set(deal_orders["supplier"].astype(str)) <= set(won["partner"].astype(str))
    assert deal_orders["qty"].sum() <= won["units"].sum() if "units" in won.columns else True


def test_a_churned_partner_stops_ordering() -> None:
    scenario = _with_business({"partners": {"churn": {"review_period_days": 30, "intercept": 6.0}}}, horizon=200)
    result = chansim.run(scenario, seed=1, days=200)
    exits = result.business.get("exits")
    assert exits is not None and len(exits) > 0
    lv = result.levels
    for row in exits.itertuples():
        after = lv[(lv["node"] == row.partner) & (lv["day"] > row.day)]
        assert after["ordered"].sum() == 0
        assert np.all(after["on_hand"].to_numpy() == 0)


def test_same_seed_same_business_tables_different_seed_different() -> None:
    scenario = _with_business({"order_to_cash": OTC})
    a, b, c = (chansim.run(scenario, seed=s, days=90) for s in (1, 1, 2))
    for name in a.business:
        pd.testing.assert_frame_equal(a.business[name], b.business[name])
    assert not a.business["invoices"].equals(c.business["invoices"])


def _recruitment(round_: dict) -> chansim.Scenario:
    doc = _base()
    dealers = [n["name"] for n in doc["nodes"] if n["kind"] == "dealer"]
    round_ = {"candidates": dealers, **round_}
    return _with_business(
        {"recruitment_round": round_, "partners": {"recruitment": {"onboarding_days": 10, "ramp_up_days": 20}}}
    )


def test_recruitment_round_takes_the_best_applicants_per_region_and_the_rest_never_trade() -> None:
    scenario = _recruitment({"recruit_per_region": 2})
    result = chansim.run(scenario, seed=2, days=90)
    partners = result.business["partners"].set_index("partner")
    dealers = [n.name for n in scenario.nodes if n.kind == "dealer"]
    joined = [d for d in dealers if partners.loc[d, "recruited_day"] == 0]
    regions = {scenario.node(d).region for d in dealers}
    assert len(joined) == 2 * len(regions)
    for region in regions:
        applicants = [d for d in dealers if scenario.node(d).region == region]
        scores = partners.loc[applicants, "composite_score"]
        chosen = set(scores.sort_values(ascending=False).index[:2])
        assert chosen == {d for d in applicants if d in joined}
    sold = result.levels.groupby("node", observed=True)[["customer_sales", "ordered"]].sum()
    for d in dealers:
        if d in joined:
            assert sold.loc[d, "customer_sales"] > 0
        else:
            assert sold.loc[d, "customer_sales"] == 0 and sold.loc[d, "ordered"] == 0


def test_recruitment_round_honours_an_explicit_selection_and_its_onboarding() -> None:
    dealers = [n["name"] for n in _base()["nodes"] if n["kind"] == "dealer"]
    scenario = _recruitment({"select": dealers[:1], "day": 5})
    result = chansim.run(scenario, seed=2, days=60)
    lv = result.levels[result.levels["node"] == dealers[0]]
    assert lv.loc[lv["day"] < 5, "customer_sales"].sum() == 0
    # onboarding 10 days after day 5: no sales before day 15, sales once ramped up
    assert lv.loc[lv["day"] < 15, "customer_sales"].sum() == 0
    assert lv.loc[lv["day"] >= 35, "customer_sales"].sum() > 0
    others = result.levels[result.levels["node"].isin(dealers[1:])]
    assert others["customer_sales"].sum() == 0


def test_channel_conflict_diverts_demand_when_the_price_gap_exceeds_freight() -> None:
    doc = _base()
    cheap = next(n for n in doc["nodes"] if n["kind"] == "dealer" and n["region"] == "southeast")
    cheap["price_discount"] = 0.2  # sells 20% below list, the others at list price

    def run(freight: float, seed: int = 1) -> chansim.Result:
        d = {**doc, "business": {"conflict": {"freight_cost_per_unit": freight, "diversion_share": 0.4}}}
        return chansim.run(parse_scenario(d), seed=seed, days=90, record_events=False)

    def diverted(r: chansim.Result) -> pd.DataFrame:
        return r.orders[r.orders["customer"].astype(str).str.startswith("diverted:")]

    sku_prices = [s["list_price"] for s in doc["skus"]]
    assert len(diverted(run(freight=max(sku_prices)))) == 0  # freight above any gap: no diversion
    northeast = [n["name"] for n in doc["nodes"] if n["kind"] == "dealer" and n["region"] == "northeast"]
    shares = []
    for seed in range(8):  # any gap pays: northeast demand diverts to the cheap dealer, each unit with p = 0.4
        low = run(freight=0.0, seed=seed)
        moved = diverted(low)
        assert len(moved) > 0 and set(moved["supplier"].astype(str)) == {cheap["name"]}
        kept = low.orders[low.orders["supplier"].astype(str).isin(northeast) & (low.orders["kind"] == "customer")]
        shares.append(moved["qty"].sum() / (moved["qty"].sum() + kept["qty"].sum()))
    # about 1,000 units a replication: sd of one share ~0.018, so 3 standard errors of the mean ~0.02
    assert np.mean(shares) == pytest.approx(0.4, abs=0.02)


def test_scheduled_mdf_requests_are_approved_claimed_and_lift_demand() -> None:
    doc = _base()
    dealer = next(n["name"] for n in doc["nodes"] if n["kind"] == "dealer")
    business = {
        "mdf_requests": [{"day": 10, "partner": dealer, "amount": 4000}],
        "partners": {"mdf": {"budget_per_period": 5000, "uplift_per_1000": 0.1, "lag_days": 5, "half_life_days": 200}},
    }
    with_mdf = chansim.run(_with_business(business), seed=3, days=120)
    without = chansim.run(_with_business({"partners": business["partners"]}), seed=3, days=120)
    money = with_mdf.money[with_mdf.money["sku"].isna()].groupby("account")["amount"].sum()
    assert money["mdf_requested"] == 4000 and money.get("mdf_claimed", 0) > 0
    assert money.get("mdf_claimed", 0) <= 5000

    def demand(r: chansim.Result) -> float:
        lv = r.levels
        return float(lv.loc[(lv["node"] == dealer) & (lv["day"] >= 40), "customer_demand"].sum())

    assert demand(with_mdf) > demand(without) * 1.2  # 4000 at 0.1 per 1000: about +40% at the start, decaying
    assert (with_mdf.audit["action"] == "mdf_requested").sum() == 1


def test_allocations_under_shortage_and_manual_decisions_are_audited() -> None:
    doc = _base()
    for node in doc["nodes"]:
        if node["kind"] == "distributor":
            node["initial"] = {"on_hand": 0}
            node["allocation"] = "proportional"
        if node["kind"] == "dealer":
            node["policy"] = {"type": "manual", "default_order": 5}
            node.pop("items", None)
    doc["business"] = {"tiers_by_node": {}}
    scenario = parse_scenario(doc)
    session = chansim.Session(scenario, seed=1)
    dealer = next(n.name for n in scenario.nodes if n.kind == "dealer")
    sku = scenario.skus[0].name
    session.set_order(dealer, sku, 12)
    session.advance(days=10)
    audit = session.result().audit
    decision = audit[audit["action"] == "order_decision"]
    assert len(decision) == 1 and decision["subject"].iloc[0] == dealer and float(decision["value"].iloc[0]) == 12
    assert (audit["action"] == "allocation").sum() > 0


def test_a_tier_change_moves_the_partner_to_that_price_list() -> None:
    scenario = load_scenario("scenarios/stage-5-evaluation.yaml")
    result = chansim.run(scenario, seed=1)
    changes = result.audit[result.audit["action"] == "tier_change"]
    changes = changes[changes["time"] > 0]
    assert len(changes) > 0, "the evaluation case promotes or demotes someone"
    ladder = {t.name: t.discount for t in scenario.business.partners.tiers.tiers}
    lv = result.levels
    checked = 0
    for row in changes.itertuples():
        node = scenario.node(row.subject)
        if node.kind not in ("dealer", "retailer"):
            continue
        before = lv[(lv["node"] == row.subject) & (lv["day"] < row.time)]["unit_price"]
        after = lv[(lv["node"] == row.subject) & (lv["day"] > row.time + scenario.period_days)]["unit_price"]
        if before.empty or after.empty:
            continue
        sku = lv.loc[(lv["node"] == row.subject), "sku"].iloc[0]
        list_price = scenario.topology.sku_by_name[str(sku)].list_price
        first = lv[(lv["node"] == row.subject) & (lv["sku"] == sku)]
        old = first[first["day"] < row.time]["unit_price"].iloc[-1]
        new = first[first["day"] > row.time + scenario.period_days]["unit_price"].iloc[0]  # the next period
        assert old == pytest.approx(list_price * (1 - ladder[str(row.value)]))
        assert new == pytest.approx(list_price * (1 - ladder[str(row.detail)]))
        checked += 1
    assert checked > 0
    # money stays conserved under changing prices: every seller's revenue = its buyers' purchases + end sales
    money = result.money[result.money["sku"].notna()]
    by = money.groupby(["node", "account"], observed=True)["amount"].sum().unstack(fill_value=0.0)
    assert by["revenue"].sum() == pytest.approx(
        by["purchases"].sum()
        - by.loc[by.index.isin([n.name for n in scenario.nodes if n.kind == "vendor"]), "purchases"].sum()
        + sum(
            float(
                (
                    lv.loc[lv["node"] == n, "customer_sales"]
                    * lv.loc[lv["node"] == n, "sku"]
                    .map(result.parameters.set_index(["node", "sku"]).loc[n]["sell_price"])
                    .astype(float)
                ).sum()
            )
            for n in lv["node"].unique()
        )
    )


def test_approver_absence_events_slow_order_approvals() -> None:
    pools = [{"name": "ops", "approvers": 1, "service_time_days": {"type": "deterministic", "value": 0.2}}]
    otc = {"approver_pools": pools, "approval_path": [{"pool": "ops", "amount_above": 0}]}
    away = {"events": {"scheduled": [{"kind": "approver_absence", "day": 20, "duration_days": 15, "magnitude": 1}]}}
    present = _with_business({"order_to_cash": otc, "partners": {"churn": {"review_period_days": 30}}})
    absent = _with_business({"order_to_cash": otc, "partners": {"churn": {"review_period_days": 30}, **away}})
    a, b = (chansim.run(s, seed=1, days=60, record_events=False) for s in (present, absent))
    approvals = lambda r: r.business["approvals"]  # noqa: E731
    started_in_window = approvals(b)
    col = "started" if "started" in started_in_window.columns else started_in_window.columns[-1]
    assert len(approvals(b)) > 0
    # nothing is approved while the only approver is away (days 20-35)
    approved = b.audit[(b.audit["action"] == "approved")]
    assert not ((approved["time"] > 20) & (approved["time"] < 35)).any()
    assert ((a.audit["action"] == "approved") & (a.audit["time"] > 20) & (a.audit["time"] < 35)).any()
    del col


def test_a_leaving_distributor_hands_its_dealers_to_its_supplier() -> None:
    doc = _base()
    dist = next(n["name"] for n in doc["nodes"] if n["kind"] == "distributor")
    insolvency = {"kind": "partner_insolvency", "day": 30, "duration_days": 1, "magnitude": 1, "target": dist}
    scenario = _with_business(
        {"order_to_cash": {"credit": {"default_credit_limit": 10**8}},
         "partners": {"events": {"scheduled": [insolvency]}}}
    )  # fmt: skip
    result = chansim.run(scenario, seed=1, days=120)
    dealers = [n.name for n in scenario.nodes if any(lane.supplier == dist for lane in n.lanes)]
    vendor = next(n.name for n in scenario.nodes if n.kind == "vendor")
    lv = result.levels
    later = lv[lv["node"].isin(dealers) & (lv["day"] >= 60)]
    assert later["received"].sum() > 0, "the dealers are supplied again, by the vendor"
    assert set(result.audit.loc[result.audit["action"] == "rehomed", "subject"]) == set(dealers)
    # after the exit the vendor, not the leaver, earns the dealers' purchases; invoices name the real seller
    money = result.money[result.money["sku"].notna() & (result.money["day"] >= 60)]
    revenue = money[money["account"] == "revenue"].groupby("node", observed=True)["amount"].sum()
    assert revenue.get(dist, 0.0) == 0.0
    buyers_of_vendor = [*dealers, *[n.name for n in scenario.nodes if n.kind == "distributor" and n.name != dist]]
    bought = money[(money["account"] == "purchases") & money["node"].isin(buyers_of_vendor)]["amount"].sum()
    assert revenue[vendor] == pytest.approx(bought)  # the vendor serves no market itself
    invoices = result.business["invoices"]
    assert set(invoices["seller"]) <= {vendor, *[n.name for n in scenario.nodes if n.kind == "distributor"]}
    assert (invoices.loc[invoices["partner"].isin(dealers), "seller"] != vendor).any()


def test_a_trade_promotion_lowers_partner_prices_only_while_it_runs() -> None:
    doc = _base()
    sku = doc["skus"][0]["name"]
    promo = {"start_day": 30, "end_day": 60, "extra_discount": 0.1, "skus": [sku]}
    scenario = _with_business({"price_promotions": [promo]})
    result = chansim.run(scenario, seed=1, days=90)
    lv = result.levels
    dealer = next(n.name for n in scenario.nodes if n.kind == "dealer")
    prices = lv[(lv["node"] == dealer) & (lv["sku"] == sku)].set_index("day")["unit_price"]
    base = prices.loc[10]
    assert prices.loc[29] == pytest.approx(base)
    assert prices.loc[30] == pytest.approx(base * 0.9) and prices.loc[59] == pytest.approx(base * 0.9)
    assert prices.loc[60] == pytest.approx(base)
    other = [s["name"] for s in doc["skus"] if s["name"] != sku]
    if other:
        untouched = lv[(lv["node"] == dealer) & (lv["sku"] == other[0])]["unit_price"]
        assert untouched.nunique() == 1
    # the money follows: what the dealer pays in the window is at the promoted price
    money = result.money[(result.money["node"] == dealer) & (result.money["account"] == "purchases")]
    window = money[(money["day"] >= 30) & (money["day"] < 60) & (money["sku"] == sku)]
    sold = lv[(lv["node"] == dealer) & (lv["sku"] == sku) & (lv["day"] >= 30) & (lv["day"] < 60)]["sell_in"].sum()
    assert window["amount"].sum() == pytest.approx(sold * base * 0.9)
