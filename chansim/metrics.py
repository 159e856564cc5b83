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
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from chansim.results import COST_ACCOUNTS, MONEY_ACCOUNTS, install_kpis

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


FLOW_COLUMNS = [
    "on_hand", "backorder", "on_order", "in_transit", "demand", "shipped", "sell_in", "received", "ordered", "lost",
]  # fmt: skip

# The KPIs are computed with numpy over integer group codes (np.bincount), not pandas
# groupby: a round step of an exercise asks for them after every click and pandas' per-call
# overhead on tables of a few hundred rows was ~100 ms. tests/test_metrics_fast.py checks
# the result against the former pandas implementation (tests/kpi_reference.py) over many
# scenarios, seeds and warm-ups.


def _div(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """``num / den`` elementwise, NaN where ``den`` is 0 or NaN."""
    num = np.asarray(num, dtype=float)
    den = np.asarray(den, dtype=float)
    out = np.full(np.broadcast(num, den).shape, math.nan)
    ok = (den != 0) & ~np.isnan(den)
    with np.errstate(over="ignore"):  # a huge ratio is inf, as pandas gives it, without a warning
        np.divide(num, den, out=out, where=ok)
    return out


def _codes(values: pd.Series, names: Sequence[str]) -> np.ndarray:
    """The position of each value in ``names`` (-1 when absent or missing)."""
    if len(values) == 0:
        return np.zeros(0, dtype=np.int64)
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    lookup = {name: i for i, name in enumerate(names)}
    table = np.array([lookup.get(u, -1) for u in uniques] + [-1], dtype=np.int64)
    return table[codes]


def _group_sum(key: np.ndarray, weights: np.ndarray, size: int) -> np.ndarray:
    return np.bincount(key, weights=weights, minlength=size)[:size]


def _exact_group_sum(key: np.ndarray, weights: np.ndarray, size: int) -> np.ndarray:
    """Per group, the correctly rounded sum (``math.fsum``) of its weights.

    Money in floats: 41.95, not 41.949999999999996, whatever the order of the rows.
    """
    out = np.zeros(size)
    if len(key) == 0:
        return out
    order = np.argsort(key, kind="stable")
    sorted_key = key[order]
    cuts = np.flatnonzero(np.diff(sorted_key)) + 1
    for group, part in zip(sorted_key[np.r_[0, cuts]], np.split(weights[order], cuts), strict=True):
        out[group] = math.fsum(part)
    return out


def _flow_stats(
    key: np.ndarray,
    groups: int,
    lv: dict[str, np.ndarray],
    money_key: np.ndarray,
    money_account: np.ndarray,
    amounts: np.ndarray,
    period_days: int,
) -> dict[str, np.ndarray]:
    """Stock, flow and money KPIs per group (all SKUs of a group summed per period).

    ``key``: the group of each levels row (-1: none); ``lv``: levels columns (``day``,
    the flow columns, ``backorder``/``lost`` per row); ``money_key`` / ``money_account``
    the group and account index (in ``MONEY_ACCOUNTS``) of each money row. A group with
    no levels row gets NaN everywhere.
    """
    keep = key >= 0
    key = key[keep]
    days, day_idx = np.unique(lv["day"][keep], return_inverse=True)
    D = max(len(days), 1)
    cell = key * D + day_idx
    cells = groups * D
    per = {c: _group_sum(cell, lv[c][keep], cells).reshape(groups, D) for c in FLOW_COLUMNS}
    present = (np.bincount(cell, minlength=cells)[:cells] > 0).reshape(groups, D)
    periods = present.sum(axis=1).astype(float)
    has = periods > 0
    nan = np.where(has, 1.0, math.nan)  # NaN for a group without rows
    sums = {c: per[c].sum(axis=1) * nan for c in FLOW_COLUMNS}
    means = {c: _div(sums[c], periods) for c in FLOW_COLUMNS}
    first_day = np.argmax(present, axis=1)
    rows = np.arange(groups)
    first = {c: per[c][rows, first_day] * nan for c in ("on_hand", "shipped", "received")}

    def var(c: str) -> np.ndarray:
        dev = (per[c] - means[c][:, None]) * present
        out = _div((dev**2).sum(axis=1), periods - 1)
        return np.where(periods >= 2, out, math.nan)

    var_o, var_d = var("ordered"), var("demand")
    bad = ((lv["backorder"][keep] > 1e-9) | (lv["lost"][keep] > 1e-9)).astype(float)
    stockout = _div(_group_sum(key, bad, groups), np.bincount(key, minlength=groups)[:groups]) * nan
    mk = (money_key >= 0) & (money_account >= 0)
    accounts = _exact_group_sum(
        money_key[mk] * len(MONEY_ACCOUNTS) + money_account[mk], amounts[mk], groups * len(MONEY_ACCOUNTS)
    ).reshape(groups, len(MONEY_ACCOUNTS))
    acc = {name: accounts[:, i] * nan for i, name in enumerate(MONEY_ACCOUNTS)}
    dayspan = periods * period_days
    shipped = sums["shipped"]
    sell_per_day = _div(shipped, dayspan)
    opening = first["on_hand"] + first["shipped"] - first["received"]
    total_cost = sum(acc[name] for name in COST_ACCOUNTS)
    revenue, cogs = acc["revenue"], acc["cost_of_goods"]
    enough = (periods >= 2) & (var_d > 1e-12)
    return {
        "demand": sums["demand"],
        "stockout_rate": stockout,
        "mean_on_hand": means["on_hand"],
        "mean_backorder": means["backorder"],
        "mean_on_order": means["on_order"],
        "mean_in_transit": means["in_transit"],
        "lost_sales": sums["lost"],
        "weeks_of_supply": _div(means["on_hand"], sell_per_day * 7),
        "inventory_turns": _div(shipped * 365.0 / np.where(has, dayspan, math.nan), means["on_hand"]),
        "sell_in": sums["sell_in"],
        "sell_through": shipped,
        "sell_through_rate": _div(shipped, opening + sums["sell_in"]),
        "bullwhip": np.where(enough, _div(var_o, var_d), math.nan),
        "revenue": revenue,
        "cost_of_goods": cogs,
        "gross_margin": revenue - cogs,
        "gross_margin_pct": _div(revenue - cogs, revenue),
        **{name: acc[name] for name in COST_ACCOUNTS},
        "total_cost": total_cost,
        "total_cost_per_day": _div(total_cost, dayspan),
    }


#: KPIs that are sums: 0, not NaN, for a node (or a window) without periods
TOTALS = ("demand", "lost_sales", "sell_in", "sell_through", "revenue", "cost_of_goods", "gross_margin",
          *COST_ACCOUNTS, "total_cost")  # fmt: skip
ORDER_KPIS = ("fill_rate", "order_fill_rate", "otif", "order_cycle_time_days")


def _order_stats(orders: dict[str, np.ndarray], key: np.ndarray, groups: int, end_day: float) -> dict[str, np.ndarray]:
    """Order KPIs per group of the orders' ``key`` (the supplying node, or 0 for the network; -1: none)."""
    keep = key >= 0
    key = key[keep]
    o = {c: v[keep] for c, v in orders.items()}
    seen = ~np.isnan(o["seen_day"])
    n_seen = np.bincount(key[seen], minlength=groups)[:groups]
    qty = _group_sum(key[seen], o["qty"][seen], groups)
    immediate = _group_sum(key[seen], o["shipped_on_arrival"][seen], groups)
    complete = (o["shipped_on_arrival"] >= o["qty"] - 1e-9)[seen].astype(float)
    due = o["due_day"] < end_day
    closed = o["closed"] & ~np.isnan(o["cycle_time_days"])
    return {
        "fill_rate": np.where(n_seen > 0, _div(immediate, qty), math.nan),
        "order_fill_rate": _div(_group_sum(key[seen], complete, groups), n_seen),
        "otif": _div(_group_sum(key[due], o["otif"][due].astype(float), groups),
                     np.bincount(key[due], minlength=groups)[:groups]),
        "order_cycle_time_days": _div(_group_sum(key[closed], o["cycle_time_days"][closed], groups),
                                      np.bincount(key[closed], minlength=groups)[:groups]),
    }  # fmt: skip


def _columns(frame: pd.DataFrame, names: Sequence[str]) -> dict[str, np.ndarray]:
    return {c: frame[c].to_numpy() for c in names}


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
    node_order = list(result.scenario.topology.downstream_first[::-1])
    N = len(node_order)
    kinds = {n.name: n.kind for n in result.scenario.nodes}

    levels = result.levels
    levels = levels[levels["day"].to_numpy() >= warm]
    lv = _columns(levels, ["day", *FLOW_COLUMNS, "customer_demand", "customer_sales"])
    lv = {c: v.astype(float) if c != "day" else v for c, v in lv.items()}
    lv_node = _codes(levels["node"], node_order)
    money = result.money
    money = money[money["day"].to_numpy() >= warm]
    amounts = money["amount"].to_numpy(dtype=float)
    money_node = _codes(money["node"], node_order)
    money_account = _codes(money["account"], MONEY_ACCOUNTS)
    orders = result.orders
    orders = orders[(orders["placed_day"].to_numpy() >= warm) & (orders["kind"].to_numpy() != "initial")]
    o = {
        "qty": orders["qty"].to_numpy(dtype=float),
        "seen_day": orders["seen_day"].to_numpy(dtype=float),
        "shipped_on_arrival": orders["shipped_on_arrival"].to_numpy(dtype=float),
        "due_day": orders["due_day"].to_numpy(dtype=float),
        "otif": orders["otif"].to_numpy(dtype=bool),
        "closed": orders["closed"].to_numpy(dtype=bool),
        "cycle_time_days": orders["cycle_time_days"].to_numpy(dtype=float),
    }
    per_node = _flow_stats(lv_node, N, lv, money_node, money_account, amounts, P)
    per_node.update(_order_stats(o, _codes(orders["supplier"], node_order), N, end_day))
    # a node that stocks nothing (no customer buys from it) sold and spent nothing
    for name in TOTALS:
        per_node[name] = np.nan_to_num(per_node[name], nan=0.0)

    # network
    par = result.parameters
    serving = set(par.loc[par["serves_market"], "node"])
    external = set(par.loc[par["external_supply"], "node"])
    everything = np.zeros(len(lv_node), dtype=np.int64)
    net = {k: float(v[0]) for k, v in _flow_stats(
        everything, 1, lv, np.zeros(len(amounts), dtype=np.int64), money_account, amounts, P).items()}  # fmt: skip
    net.update({name: 0.0 for name in TOTALS if math.isnan(net[name])})  # a window without periods
    is_end = np.isin(lv_node, [i for i, n in enumerate(node_order) if n in serving])
    is_top = np.isin(lv_node, [i for i, n in enumerate(node_order) if n in external])
    end_days = lv["day"][is_end]
    net["demand"] = float(lv["customer_demand"][is_end].sum())
    kind = orders["kind"].to_numpy()
    customer = kind == "customer"
    net["lost_sales"] = float(orders["cancelled"].to_numpy(dtype=float)[customer].sum())
    net["sell_through"] = float(lv["customer_sales"][is_end].sum())
    net["sell_in"] = float(lv["sell_in"][is_top].sum())
    top_days, top_idx = np.unique(lv["day"][is_top], return_inverse=True)
    top = _group_sum(top_idx, lv["ordered"][is_top], len(top_days))
    hit = np.isin(end_days, top_days)  # end-customer demand on the days orders went outside
    end_demand = _group_sum(np.searchsorted(top_days, end_days[hit]), lv["customer_demand"][is_end][hit], len(top_days))
    net["bullwhip"] = bullwhip_ratio(top, end_demand)
    end_node = lv_node[is_end]
    end_sku = _codes(levels["sku"][is_end], [s.name for s in result.scenario.skus])
    sold = lv["customer_sales"][is_end]
    price = {(n, s): p for n, s, p in zip(par["node"], par["sku"], par["sell_price"], strict=True)}
    unit_cost = [s.unit_cost for s in result.scenario.skus]
    skus = [s.name for s in result.scenario.skus]
    pairs = end_node * len(skus) + end_sku
    by_pair = _group_sum(pairs, sold, N * len(skus))
    revenue = cogs = 0.0
    for pair in np.flatnonzero(np.bincount(pairs, minlength=N * len(skus))):
        node, sku = node_order[pair // len(skus)], skus[pair % len(skus)]
        revenue += price[(node, sku)] * by_pair[pair]
        cogs += unit_cost[pair % len(skus)] * by_pair[pair]
    net["revenue"] = float(revenue)
    net["cost_of_goods"] = float(cogs)
    net["gross_margin"] = net["revenue"] - net["cost_of_goods"]
    net["gross_margin_pct"] = _ratio(net["gross_margin"], net["revenue"])
    days = len(np.unique(lv["day"])) * P
    shipped_per_day = _ratio(net["sell_through"], days)
    net["weeks_of_supply"] = _ratio(net["mean_on_hand"], shipped_per_day * 7) if shipped_per_day else math.nan
    net["inventory_turns"] = _ratio(net["sell_through"] * 365.0 / days, net["mean_on_hand"]) if days else math.nan
    if customer.any():
        net.update({k: float(v[0]) for k, v in
                    _order_stats(o, np.where(customer, 0, -1), 1, end_day).items()})  # fmt: skip
    else:
        net.update(dict.fromkeys(ORDER_KPIS, math.nan))
    stockout = (lv["backorder"][is_end] > 1e-9) | (lv["lost"][is_end] > 1e-9)
    net["stockout_rate"] = float(stockout.mean()) if len(stockout) else math.nan

    columns: dict[str, object] = {
        "scenario": [info.scenario] * (N + 1),
        "replication": [info.replication] * (N + 1),
        "seed": [info.seed] * (N + 1),
        "node": [*node_order, NETWORK],
        "kind": [*(kinds.get(n, "") for n in node_order), NETWORK],
    }
    for name in KPI_NAMES:
        columns[name] = np.append(np.asarray(per_node[name], dtype=float), float(net[name]))
    return pd.DataFrame(columns)


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


def summarize(by_replication: pd.DataFrame, names: Sequence[str] | None = None) -> pd.DataFrame:
    """Per node: each KPI's mean (named as the KPI), ``<kpi>_std`` and ``<kpi>_ci95``.

    ``ci95`` is the half-width ``t(0.975, n-1) * std / sqrt(n)`` over the n replications
    (NaN values, e.g. a ratio with a zero denominator, are left out). ``names``: the KPI
    columns to summarise (default ``KPI_NAMES``; e.g.
    :data:`chansim.business.kpis.BUSINESS_KPI_NAMES`).
    """
    rows = []
    for (node, kind), group in by_replication.groupby(["node", "kind"], sort=False, observed=True):
        row: dict[str, object] = {
            "scenario": group["scenario"].iloc[0],
            "seed": int(group["seed"].iloc[0]),
            "replications": len(group),
            "node": node,
            "kind": kind,
        }
        for name in KPI_NAMES if names is None else names:
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


install_kpis("kpis", kpis)
install_kpis("summarize", summarize)
