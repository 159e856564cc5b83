"""The pandas implementation of chansim.metrics.kpis up to 2026-12-02: the oracle the fast path is tested against.

Only the grouping is kept here (pandas groupby, as the theory checks were first proven on);
the KPI names, flow columns and the bullwhip ratio are the package's own.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import pandas as pd

from chansim.metrics import FLOW_COLUMNS, KPI_NAMES, NETWORK, bullwhip_ratio
from chansim.results import COST_ACCOUNTS, MONEY_ACCOUNTS

if TYPE_CHECKING:
    from chansim.results import Result


def _ratio(num: float, den: float) -> float:
    return float(num) / float(den) if den else math.nan


def _safe_div(num: pd.Series, den: pd.Series) -> pd.Series:
    den = den.astype(float)
    return num.astype(float) / den.where(den != 0)


def _order_table(orders: pd.DataFrame, end_day: float, key: pd.Series) -> pd.DataFrame:
    """Order KPIs grouped by ``key`` (the supplying node, or one label for the network)."""
    seen = orders["seen_day"].notna()
    qty = orders["qty"].where(seen)
    immediate = orders["shipped_on_arrival"].where(seen)
    complete = (orders["shipped_on_arrival"] >= orders["qty"] - 1e-9).where(seen)
    due = orders["due_day"] < end_day
    frame = pd.DataFrame({
        "key": key, "qty": qty, "immediate": immediate, "complete": complete.astype(float),
        "otif": orders["otif"].astype(float).where(due),
        "cycle": orders["cycle_time_days"].where(orders["closed"]),
    })  # fmt: skip
    g = frame.groupby("key", sort=False, observed=True)
    sums = g[["qty", "immediate"]].sum(min_count=1)
    means = g[["complete", "otif", "cycle"]].mean()
    return pd.DataFrame({
        "fill_rate": _safe_div(sums["immediate"], sums["qty"]),
        "order_fill_rate": means["complete"],
        "otif": means["otif"],
        "order_cycle_time_days": means["cycle"],
    })  # fmt: skip


def _flow_table(lv: pd.DataFrame, money: pd.DataFrame, period_days: int, key: str = "node") -> pd.DataFrame:
    """Stock, flow and money KPIs per value of ``key`` (all SKUs of a group summed per period)."""
    per = lv.groupby([key, "day"], sort=True, observed=True)[FLOW_COLUMNS].sum()
    g = per.groupby(level=0, sort=False, observed=True)
    periods = g.size()
    days = periods * period_days
    sums = g.sum()
    means = g.mean()
    first = g.first()
    var = g[["ordered", "demand"]].var(ddof=1)
    stockout = ((lv["backorder"] > 1e-9) | (lv["lost"] > 1e-9)).groupby(lv[key], sort=False, observed=True).mean()
    accounts = (
        money.groupby([key, "account"], sort=False, observed=True)["amount"].sum().unstack(fill_value=0.0)
        if len(money)
        else pd.DataFrame(index=periods.index)
    )

    accounts = accounts.reindex(index=periods.index, columns=MONEY_ACCOUNTS, fill_value=0.0).fillna(0.0)
    shipped = sums["shipped"]
    sell_per_day = _safe_div(shipped, days)
    opening = first["on_hand"] + first["shipped"] - first["received"]
    total_cost = accounts[COST_ACCOUNTS].sum(axis=1)
    revenue, cogs = accounts["revenue"], accounts["cost_of_goods"]
    enough = (periods >= 2) & (var["demand"] > 1e-12)
    out = pd.DataFrame({
        "demand": sums["demand"],
        "stockout_rate": stockout.reindex(periods.index),
        "mean_on_hand": means["on_hand"],
        "mean_backorder": means["backorder"],
        "mean_on_order": means["on_order"],
        "mean_in_transit": means["in_transit"],
        "lost_sales": sums["lost"],
        "weeks_of_supply": _safe_div(means["on_hand"], sell_per_day * 7),
        "inventory_turns": _safe_div(shipped * 365.0 / days, means["on_hand"]),
        "sell_in": sums["sell_in"],
        "sell_through": shipped,
        "sell_through_rate": _safe_div(shipped, opening + sums["sell_in"]),
        "bullwhip": (var["ordered"] / var["demand"]).where(enough),
        "revenue": revenue,
        "cost_of_goods": cogs,
        "gross_margin": revenue - cogs,
        "gross_margin_pct": _safe_div(revenue - cogs, revenue),
        **{name: accounts[name] for name in COST_ACCOUNTS},
        "total_cost": total_cost,
        "total_cost_per_day": _safe_div(total_cost, days),
    })  # fmt: skip
    return out


def kpis(result: Result, warmup_days: int | None = None) -> pd.DataFrame:
    """KPIs per node and for the network (``node == "network"``) of one replication.

    Per node: ``fill_rate`` = units shipped in the period the order arrived / units
    ordered by its customers; ``order_fill_rate`` = share of customer orders shipped
    complete on arrival; ``otif`` = share of orders due in the window that were received
    complete by their due day (end customers: served complete in the period of demand;
    partners: placement + order delay + nominal lead time); ``order_cycle_time_days`` =
    mean(last receipt - placement) of closed orders; ``stockout_rate`` = share of node x
    SKU x periods ending with backorders or lost sales; ``mean_on_hand`` = mean of
    sum_sku I_t; ``mean_backorder`` = mean of sum_sku B_t; ``mean_on_order`` = mean units
    ordered and not yet received; ``weeks_of_supply`` = mean on hand / (units shipped per
    day x 7); ``inventory_turns`` = units shipped per year / mean on hand; ``sell_in`` =
    units shipped to the node; ``sell_through`` = units the node shipped; ``sell_through_rate``
    = sell_through / (opening on hand + sell_in); ``bullwhip`` = Var(q_t) / Var(d_t);
    money: sums of the money table; ``total_cost`` = holding + transit holding + backorder +
    lost sale + ordering + shipping; ``total_cost_per_day`` = total_cost / days in window.

    Network: end-customer orders for the order KPIs, all nodes summed for stock and
    cost, end-customer revenue and the outside purchase cost of the units sold to end
    customers for the margin, and ``bullwhip`` = Var(orders to outside suppliers) /
    Var(end-customer demand).
    """
    info = result.info
    warm = result.scenario.warmup_days if warmup_days is None else warmup_days
    if warm >= info.days and info.days > 0:
        warm = 0
    P = info.period_days
    end_day = float(info.days)
    lv = result.levels
    lv = lv[lv["day"] >= warm]
    money = result.money
    money = money[money["day"] >= warm]
    orders = result.orders
    orders = orders[(orders["placed_day"] >= warm) & (orders["kind"] != "initial")]
    par = result.parameters
    kinds = {n.name: n.kind for n in result.scenario.nodes}
    node_order = result.scenario.topology.downstream_first[::-1]
    flows = _flow_table(lv, money, P).reindex(node_order)
    by_supplier = _order_table(orders, end_day, orders["supplier"]).reindex(node_order)
    per_node = pd.concat([flows, by_supplier], axis=1)
    # a node that stocks nothing (no customer buys from it) sold and spent nothing
    totals = ["demand", "lost_sales", "sell_in", "sell_through", "revenue", "cost_of_goods", "gross_margin",
              *COST_ACCOUNTS, "total_cost"]  # fmt: skip
    per_node[totals] = per_node[totals].fillna(0.0)
    per_node.insert(0, "kind", [kinds.get(n, "") for n in node_order])
    per_node.index.name = "node"
    per_node = per_node.reset_index()

    # network
    serving = set(par.loc[par["serves_market"], "node"])
    external = set(par.loc[par["external_supply"], "node"])
    everything = lv.assign(node=NETWORK)
    net = _flow_table(everything, money.assign(node=NETWORK), P).iloc[0].to_dict()
    end_lv = lv[lv["node"].isin(serving)]
    # end customers only: a node serving a market may also supply other nodes
    per_period_end = end_lv.groupby("day", sort=True)[["customer_demand", "customer_sales"]].sum()
    top = lv[lv["node"].isin(external)].groupby("day", sort=True)["ordered"].sum()
    customer_orders = orders[orders["kind"] == "customer"]
    net["demand"] = float(per_period_end["customer_demand"].sum())
    net["lost_sales"] = float(customer_orders["cancelled"].sum())
    net["sell_through"] = float(per_period_end["customer_sales"].sum())
    net["sell_in"] = float(lv.loc[lv["node"].isin(external), "sell_in"].sum())
    net["bullwhip"] = bullwhip_ratio(
        top.to_numpy(), per_period_end["customer_demand"].reindex(top.index, fill_value=0).to_numpy()
    )
    sold = end_lv.groupby(["node", "sku"], observed=True)["customer_sales"].sum()
    price = par.set_index(["node", "sku"])["sell_price"]
    unit_cost = {s.name: s.unit_cost for s in result.scenario.skus}
    revenue = float(sum(price[key] * qty for key, qty in sold.items()))
    cogs = float(sum(unit_cost[key[1]] * qty for key, qty in sold.items()))
    net["revenue"] = revenue
    net["cost_of_goods"] = cogs
    net["gross_margin"] = revenue - cogs
    net["gross_margin_pct"] = _ratio(revenue - cogs, revenue)
    days = lv["day"].nunique() * P
    shipped_per_day = _ratio(net["sell_through"], days)
    net["weeks_of_supply"] = _ratio(net["mean_on_hand"], shipped_per_day * 7) if shipped_per_day else math.nan
    net["inventory_turns"] = _ratio(net["sell_through"] * 365.0 / days, net["mean_on_hand"]) if days else math.nan
    net.update(_order_table(customer_orders, end_day, pd.Series(NETWORK, index=customer_orders.index)).iloc[0].to_dict()
               if len(customer_orders) else {"fill_rate": math.nan, "order_fill_rate": math.nan, "otif": math.nan,
                                             "order_cycle_time_days": math.nan})  # fmt: skip
    stockout = (end_lv["backorder"].to_numpy() > 1e-9) | (end_lv["lost"].to_numpy() > 1e-9)
    net["stockout_rate"] = float(stockout.mean()) if len(stockout) else math.nan
    net["node"] = NETWORK
    net["kind"] = NETWORK
    frame = pd.concat([per_node, pd.DataFrame([net])], ignore_index=True)[["node", "kind", *KPI_NAMES]]
    frame[KPI_NAMES] = frame[KPI_NAMES].astype(float)
    frame.insert(0, "seed", info.seed)
    frame.insert(0, "replication", info.replication)
    frame.insert(0, "scenario", info.scenario)
    return frame
