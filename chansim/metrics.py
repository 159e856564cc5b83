"""KPIs: pure functions from result tables to tidy KPI tables.

Every KPI is computed per node (all SKUs together) and for the whole network, over the
periods that start on or after ``warmup_days``. Formulas are in each function's
docstring and in ``docs/kpis.md``. Notation: for a node, ``d_t`` is the demand it
received in period t (end-customer demand or orders from its customers), ``q_t`` the
quantity it ordered, ``I_t`` its end-of-period on hand, ``B_t`` its end-of-period
backorders, ``T`` the number of periods in the window and ``P`` the period length in days.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from chansim.results import COST_ACCOUNTS

if TYPE_CHECKING:
    from chansim.results import Result

__all__ = [
    "KPI_NAMES",
    "bullwhip_ratio",
    "fill_rates",
    "kpis",
    "summarize",
    "t_quantile_975",
]

KPI_NAMES = [
    "demand", "fill_rate", "order_fill_rate", "otif", "order_cycle_time_days", "stockout_rate",
    "mean_on_hand", "mean_backorder", "mean_on_order", "mean_in_transit", "lost_sales",
    "weeks_of_supply", "inventory_turns", "sell_in", "sell_through", "sell_through_rate",
    "bullwhip", "revenue", "cost_of_goods", "gross_margin", "gross_margin_pct", "holding_cost",
    "transit_holding_cost", "backorder_cost", "lost_sale_cost", "ordering_cost", "shipping_cost",
    "total_cost", "total_cost_per_day",
]  # fmt: skip

NETWORK = "network"


def _ratio(num: float, den: float) -> float:
    return float(num) / float(den) if den else math.nan


def bullwhip_ratio(orders: np.ndarray, demand: np.ndarray) -> float:
    """``Var(q_t) / Var(d_t)``: variance of orders placed over variance of demand received.

    Sample variances (ddof=1) over the same periods; NaN when demand does not vary.
    """
    if len(orders) < 2:
        return math.nan
    var_d = float(np.var(demand, ddof=1))
    if var_d <= 1e-12:
        return math.nan
    return float(np.var(orders, ddof=1)) / var_d


def fill_rates(orders: pd.DataFrame) -> tuple[float, float]:
    """Unit fill rate and order fill rate of the orders a node received.

    unit fill rate = sum(units shipped in the period the order reached the supplier) / sum(units ordered);
    order fill rate = share of orders shipped complete in that period.
    """
    orders = orders[orders["seen_day"].notna()]  # orders still in their information delay are not due yet
    if orders.empty:
        return math.nan, math.nan
    qty = orders["qty"].to_numpy()
    immediate = orders["shipped_on_arrival"].to_numpy()
    unit = _ratio(immediate.sum(), qty.sum())
    complete = float(np.mean(immediate >= qty - 1e-9))
    return unit, complete


def _order_kpis(orders: pd.DataFrame, end_day: float) -> dict[str, float]:
    unit, complete = fill_rates(orders)
    due = orders[orders["due_day"] < end_day]
    otif = float(due["otif"].mean()) if len(due) else math.nan
    closed = orders[orders["closed"]]
    cycle = float(closed["cycle_time_days"].mean()) if len(closed) else math.nan
    return {"fill_rate": unit, "order_fill_rate": complete, "otif": otif, "order_cycle_time_days": cycle}


def _flow_kpis(lv: pd.DataFrame, money: pd.DataFrame, period_days: int) -> dict[str, float]:
    """KPIs from the levels (one node's or the network's rows) and money rows."""
    per_period = lv.groupby("day", sort=True)[
        ["on_hand", "backorder", "on_order", "in_transit", "demand", "shipped", "sell_in", "received", "ordered", "lost"]
    ].sum()
    periods = len(per_period)
    days = periods * period_days
    shipped = float(per_period["shipped"].sum())
    mean_on_hand = float(per_period["on_hand"].mean()) if periods else math.nan
    stockout = (lv["backorder"].to_numpy() > 1e-9) | (lv["lost"].to_numpy() > 1e-9)
    start_on_hand = (
        float(per_period["on_hand"].iloc[0] + per_period["shipped"].iloc[0] - per_period["received"].iloc[0])
        if periods
        else 0.0
    )
    accounts = money.groupby("account")["amount"].sum() if len(money) else pd.Series(dtype=float)

    def acct(name: str) -> float:
        return float(accounts.get(name, 0.0))

    revenue = acct("revenue")
    cogs = acct("cost_of_goods")
    costs = {name: acct(name) for name in COST_ACCOUNTS}
    total_cost = sum(costs.values())
    sell_per_day = _ratio(shipped, days)
    return {
        "demand": float(per_period["demand"].sum()),
        "stockout_rate": float(stockout.mean()) if len(stockout) else math.nan,
        "mean_on_hand": mean_on_hand,
        "mean_backorder": float(per_period["backorder"].mean()) if periods else math.nan,
        "mean_on_order": float(per_period["on_order"].mean()) if periods else math.nan,
        "mean_in_transit": float(per_period["in_transit"].mean()) if periods else math.nan,
        "lost_sales": float(per_period["lost"].sum()),
        "weeks_of_supply": _ratio(mean_on_hand, sell_per_day * 7) if sell_per_day else math.nan,
        "inventory_turns": _ratio(shipped * 365.0 / days, mean_on_hand) if days else math.nan,
        "sell_in": float(per_period["sell_in"].sum()),
        "sell_through": shipped,
        "sell_through_rate": _ratio(shipped, start_on_hand + float(per_period["sell_in"].sum())),
        "bullwhip": bullwhip_ratio(per_period["ordered"].to_numpy(), per_period["demand"].to_numpy()),
        "revenue": revenue,
        "cost_of_goods": cogs,
        "gross_margin": revenue - cogs,
        "gross_margin_pct": _ratio(revenue - cogs, revenue),
        **costs,
        "total_cost": total_cost,
        "total_cost_per_day": _ratio(total_cost, days),
    }


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
    rows = []
    kinds = dict(zip(par["node"], par["kind"], strict=False))
    for node in result.scenario.topology.downstream_first[::-1]:
        node_orders = orders[orders["supplier"] == node]
        row = {"node": node, "kind": kinds.get(node, "")}
        row.update(_flow_kpis(lv[lv["node"] == node], money[money["node"] == node], P))
        row.update(_order_kpis(node_orders, end_day))
        rows.append(row)
    # network
    serving = set(par.loc[par["serves_market"], "node"])
    external = set(par.loc[par["external_supply"], "node"])
    customer_orders = orders[orders["kind"] == "customer"]
    net = {"node": NETWORK, "kind": NETWORK}
    net.update(_flow_kpis(lv, money, P))
    end_lv = lv[lv["node"].isin(serving)]
    per_period_end = end_lv.groupby("day", sort=True)[["demand", "shipped", "lost"]].sum()
    top = lv[lv["node"].isin(external)].groupby("day", sort=True)["ordered"].sum()
    net["demand"] = float(per_period_end["demand"].sum())
    net["lost_sales"] = float(per_period_end["lost"].sum())
    net["sell_through"] = float(per_period_end["shipped"].sum())
    net["sell_in"] = float(lv.loc[lv["node"].isin(external), "sell_in"].sum())
    net["bullwhip"] = bullwhip_ratio(
        top.to_numpy(), per_period_end["demand"].reindex(top.index, fill_value=0).to_numpy()
    )
    end_money = money[money["node"].isin(serving)]
    revenue = float(end_money.loc[end_money["account"] == "revenue", "amount"].sum())
    unit_cost = {s.name: s.unit_cost for s in result.scenario.skus}
    sold = end_lv.groupby("sku")["shipped"].sum()
    cogs = float(sum(unit_cost[sku] * qty for sku, qty in sold.items()))
    net["revenue"] = revenue
    net["cost_of_goods"] = cogs
    net["gross_margin"] = revenue - cogs
    net["gross_margin_pct"] = _ratio(revenue - cogs, revenue)
    days = lv["day"].nunique() * P
    shipped_per_day = _ratio(net["sell_through"], days)
    net["weeks_of_supply"] = _ratio(net["mean_on_hand"], shipped_per_day * 7) if shipped_per_day else math.nan
    net["inventory_turns"] = _ratio(net["sell_through"] * 365.0 / days, net["mean_on_hand"]) if days else math.nan
    net.update(_order_kpis(customer_orders, end_day))
    stockout = (end_lv["backorder"].to_numpy() > 1e-9) | (end_lv["lost"].to_numpy() > 1e-9)
    net["stockout_rate"] = float(stockout.mean()) if len(stockout) else math.nan
    rows.append(net)
    frame = pd.DataFrame(rows)[["node", "kind", *KPI_NAMES]]
    frame.insert(0, "seed", info.seed)
    frame.insert(0, "replication", info.replication)
    frame.insert(0, "scenario", info.scenario)
    return frame


# two-sided 95% Student t quantiles for 1..30 degrees of freedom
_T975 = [
    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179,
    2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064,
    2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
]  # fmt: skip


def t_quantile_975(dof: int) -> float:
    """The 0.975 quantile of Student's t with ``dof`` degrees of freedom."""
    if dof < 1:
        return math.nan
    if dof <= 30:
        return _T975[dof - 1]
    # Cornish-Fisher expansion around the normal quantile; error < 1e-4 for dof > 30
    z = 1.959964
    g1 = (z**3 + z) / 4
    g2 = (5 * z**5 + 16 * z**3 + 3 * z) / 96
    return z + g1 / dof + g2 / dof**2


def summarize(by_replication: pd.DataFrame) -> pd.DataFrame:
    """Per node: each KPI's mean (named as the KPI), ``<kpi>_std`` and ``<kpi>_ci95``.

    ``ci95`` is the half-width ``t(0.975, n-1) * std / sqrt(n)`` over the n replications
    (NaN values, e.g. a ratio with a zero denominator, are left out).
    """
    rows = []
    for (node, kind), group in by_replication.groupby(["node", "kind"], sort=False):
        row: dict[str, object] = {
            "scenario": group["scenario"].iloc[0],
            "seed": int(group["seed"].iloc[0]),
            "replications": len(group),
            "node": node,
            "kind": kind,
        }
        for name in KPI_NAMES:
            values = group[name].to_numpy(dtype=float)
            values = values[~np.isnan(values)]
            n = len(values)
            mean = float(values.mean()) if n else math.nan
            std = float(values.std(ddof=1)) if n > 1 else math.nan
            row[name] = mean
            row[f"{name}_std"] = std
            row[f"{name}_ci95"] = t_quantile_975(n - 1) * std / math.sqrt(n) if n > 1 else math.nan
        rows.append(row)
    return pd.DataFrame(rows)
