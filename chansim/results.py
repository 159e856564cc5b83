"""Tidy result tables: events, periodic levels, orders and money.

Every row carries ``scenario``, ``replication`` and ``seed``. Tables are built once,
on first access, from the tuples the engine appended while it ran.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from chansim import scenario as sc
from chansim.business.incentives import SETTLEMENT_COLUMNS, compute_incentives, incentive_money_rows, sales_from_money
from chansim.config.business import partner_tiers, purchase_discounts
from chansim.engine import install_result_types
from chansim.version import __version__

if TYPE_CHECKING:
    from chansim.engine import Order, RunInfo

__all__ = ["LEVEL_COLUMNS", "MONEY_ACCOUNTS", "Replications", "Result", "node_parameters"]

ID_COLUMNS = ["scenario", "replication", "seed"]
EVENT_COLUMNS = ["day", "event", "node", "counterpart", "sku", "qty", "order_id"]
LEVEL_COLUMNS = [
    "day", "node", "sku", "on_hand", "backorder", "on_order", "in_transit", "demand",
    "shipped", "sell_in", "received", "ordered", "lost", "orders_placed", "customer_demand", "customer_sales",
    "unit_price", "supplier_index",
]  # fmt: skip
ORDER_COLUMNS = [
    "order_id", "kind", "customer", "supplier", "sku", "qty", "placed_day", "due_day",
    "seen_day", "shipped", "shipped_on_arrival", "received", "cancelled", "first_ship_day",
    "last_receipt_day",
]  # fmt: skip
MONEY_ACCOUNTS = [
    "revenue", "cost_of_goods", "purchases", "holding_cost", "transit_holding_cost",
    "backorder_cost", "lost_sale_cost", "ordering_cost", "shipping_cost",
]  # fmt: skip
COST_ACCOUNTS = [
    "holding_cost", "transit_holding_cost", "backorder_cost", "lost_sale_cost",
    "ordering_cost", "shipping_cost",
]  # fmt: skip


KpiFunction = Callable[..., pd.DataFrame]
_KPI_FUNCTIONS: dict[str, KpiFunction] = {}


def install_kpis(name: str, function: KpiFunction) -> None:
    """Plug in the KPI function ``name`` that ``Result.kpis()`` and its siblings call.

    The KPI modules (:mod:`chansim.metrics`, :mod:`chansim.business.kpis`) sit above the
    results and install their functions when imported (``import chansim`` imports them),
    so the results never import upward.
    """
    _KPI_FUNCTIONS[name] = function


def _kpi_function(name: str) -> KpiFunction:
    try:
        return _KPI_FUNCTIONS[name]
    except KeyError:
        raise RuntimeError(f"no KPI function '{name}' installed (import chansim.metrics and chansim.business.kpis)") from None


def scenario_digest(scenario: sc.Scenario) -> str:
    """A short hash of the scenario's content (kept in result metadata)."""
    return hashlib.sha256(scenario.model_dump_json().encode()).hexdigest()[:12]


def node_parameters(scenario: sc.Scenario) -> pd.DataFrame:
    """Prices and cost rates per node x SKU (one row each), used for money and KPIs."""
    topo = scenario.topology
    tier_discount = purchase_discounts(scenario)  # with a business layer, partners buy at their tier's price
    rows = []
    for node in scenario.nodes:
        for sku_name in topo.skus_of_node[node.name]:
            sku = topo.sku_by_name[sku_name]
            lane = topo.lane_for[node.name, sku_name]
            if lane.supplier is None:
                purchase_price = sku.unit_cost
                supplier_holding = 0.0
            else:
                supplier = topo.node_by_name[lane.supplier]
                discount = tier_discount.get(node.name, supplier.sell_discount)
                purchase_price = sku.list_price * (1.0 - discount)
                supplier_holding = supplier.holding_cost_per_unit_day
            transit = (
                lane.transit_holding_cost_per_unit_day
                if lane.transit_holding_cost_per_unit_day is not None
                else supplier_holding
            )
            rows.append({
                "node": node.name, "sku": sku_name, "kind": node.kind, "region": node.region,
                "supplier": lane.supplier,
                "depth": topo.depth[node.name],
                "sell_price": sku.list_price * (1.0 - node.sell_discount),
                "purchase_price": purchase_price,
                "holding_rate": node.holding_cost_per_unit_day,
                "transit_rate": transit,
                "backorder_rate": node.backorder_cost_per_unit_day,
                "lost_sale_rate": node.lost_sale_cost_per_unit,
                "ordering_rate": node.ordering_cost_per_order,
                "shipping_rate": lane.shipping_cost_per_unit,
                "lead_time_days": lane.lead_time_days,
                "serves_market": any(m.served_by == node.name for m in scenario.markets),
                "external_supply": lane.supplier is None,
            })  # fmt: skip
    return pd.DataFrame(rows)


def _with_ids(frame: pd.DataFrame, info: RunInfo) -> pd.DataFrame:
    """Prefix the columns ``scenario`` (categorical: one value, cheap to copy), ``replication``, ``seed``."""
    n = len(frame)
    frame.insert(0, "seed", np.full(n, info.seed, dtype=np.int64))
    frame.insert(0, "replication", np.full(n, info.replication, dtype=np.int64))
    frame.insert(0, "scenario", pd.Categorical.from_codes(np.zeros(n, dtype=np.int64), categories=[info.scenario]))
    return frame


class Result:
    """The outcome of one replication: tidy tables plus what produced them."""

    def __init__(
        self,
        scenario: sc.Scenario,
        info: RunInfo,
        events: list[tuple],
        levels: list[tuple],
        orders: list[Order],
        decisions: dict[tuple[int, str, str], float],
        served: list[tuple[int, str, str, str, float, float]] | None = None,
        business: dict[str, pd.DataFrame] | None = None,
        level_items: list[tuple[str, str]] | None = None,
        item_log: list[tuple[int, int, float, int]] | None = None,
    ) -> None:
        self.scenario = scenario
        self.info = info
        self._events = list(events)
        self._levels = list(levels)
        self._orders = list(orders)
        self._served = list(served or [])
        self._level_items = list(level_items or [])
        self._item_log = list(item_log or [])
        self._business = business or {}
        self.decisions = decisions

    @property
    def metadata(self) -> dict[str, object]:
        """Scenario, seed, package version: enough to reproduce the run."""
        return {
            "scenario": self.info.scenario,
            "scenario_digest": scenario_digest(self.scenario),
            "replication": self.info.replication,
            "seed": self.info.seed,
            "days": self.info.days,
            "period_days": self.info.period_days,
            "chansim_version": __version__,
        }

    @cached_property
    def events(self) -> pd.DataFrame:
        """One row per event: demand, ordered, shipped, received, lost."""
        frame = pd.DataFrame.from_records(self._events, columns=EVENT_COLUMNS)
        return _with_ids(frame, self.info)

    @cached_property
    def levels(self) -> pd.DataFrame:
        """End-of-period stock and the period's flows, one row per node x SKU x period."""
        logged = ("unit_price", "supplier_index")  # from the change log, not recorded every period
        numeric = [c for c in LEVEL_COLUMNS if c not in ("day", "node", "sku", *logged)]
        width = 2 + len(numeric)
        values = np.array(self._levels, dtype=float).reshape(-1, width)
        index = values[:, 1].astype(np.int64)
        columns: dict[str, object] = {"day": values[:, 0].astype(np.int64)}
        for pos, name in ((0, "node"), (1, "sku")):  # few distinct values, many rows: categorical
            names = [key[pos] for key in self._level_items]
            categories = sorted(set(names))
            code_of = {c: i for i, c in enumerate(categories)}
            codes = np.array([code_of[n] for n in names], dtype=np.int64)
            columns[name] = pd.Categorical.from_codes(codes[index] if len(index) else [], categories=categories)
        for j, name in enumerate(numeric):
            columns[name] = values[:, 2 + j]
        # unit price and supplier index in force: the last log entry at or before the row's period
        periods = (values[:, 0] // self.info.period_days).astype(np.int64)
        price = np.zeros(len(values))
        supplier = np.full(len(values), -1, dtype=np.int64)
        log = sorted(self._item_log)
        if len(values) and log:
            order = np.lexsort((periods, index))  # rows by item, then period
            by_item: dict[int, list[tuple[int, float, int]]] = {}
            for period, item, unit_price, supplier_index in log:
                by_item.setdefault(item, []).append((period, unit_price, supplier_index))
            sorted_items, sorted_periods = index[order], periods[order]
            bounds = np.searchsorted(sorted_items, np.arange(len(self._level_items) + 1))
            for item, entries in by_item.items():
                lo, hi = bounds[item], bounds[item + 1]
                starts = np.array([e[0] for e in entries])
                which = np.searchsorted(starts, sorted_periods[lo:hi], side="right") - 1
                which = np.clip(which, 0, len(entries) - 1)
                rows = order[lo:hi]
                price[rows] = np.array([e[1] for e in entries])[which]
                supplier[rows] = np.array([e[2] for e in entries], dtype=np.int64)[which]
        columns["unit_price"] = price
        columns["supplier_index"] = supplier
        frame = pd.DataFrame(columns)[LEVEL_COLUMNS]
        frame["orders_placed"] = frame["orders_placed"].astype(np.int64)
        frame.insert(1, "period", (frame["day"] // self.info.period_days).astype("int64"))
        return _with_ids(frame, self.info)

    @cached_property
    def orders(self) -> pd.DataFrame:
        """One row per order (end-customer, replenishment, initial), with its fate."""
        records = [
            (o.id, o.kind, o.customer, o.supplier, o.sku, o.qty, o.placed_day, o.due_day,
             o.seen_day, o.shipped, o.immediate, o.received, o.cancelled, o.first_ship_day,
             o.last_receipt_day)
            for o in self._orders
        ]  # fmt: skip
        frame = pd.DataFrame.from_records(records, columns=ORDER_COLUMNS)
        if self._served:
            # end-customer orders served in full on arrival: built column-wise (they are most orders)
            served = pd.DataFrame.from_records(
                self._served, columns=["order_id", "customer", "supplier", "sku", "qty", "placed_day"]
            )
            day, qty = served["placed_day"], served["qty"]
            served = served.assign(
                kind="customer", due_day=day, seen_day=day, shipped=qty, shipped_on_arrival=qty,
                received=qty, cancelled=0.0, first_ship_day=day, last_receipt_day=day,
            )[ORDER_COLUMNS]  # fmt: skip
            frame = pd.concat([frame, served], ignore_index=True) if len(frame) else served
        frame = frame.sort_values("order_id", kind="stable", ignore_index=True)
        for name in ("kind", "customer", "supplier", "sku"):
            frame[name] = frame[name].astype("category")
        frame["seen_day"] = frame["seen_day"].astype(float)
        frame["first_ship_day"] = frame["first_ship_day"].astype(float)
        frame["last_receipt_day"] = frame["last_receipt_day"].astype(float)
        frame["closed"] = frame["last_receipt_day"].notna()
        frame["cycle_time_days"] = frame["last_receipt_day"] - frame["placed_day"]
        frame["in_full"] = frame["cancelled"].eq(0) & (frame["received"] >= frame["qty"] - 1e-9)
        frame["on_time"] = frame["closed"] & (frame["last_receipt_day"] <= frame["due_day"] + 1e-9)
        frame["otif"] = frame["in_full"] & frame["on_time"]
        return _with_ids(frame, self.info)

    @cached_property
    def parameters(self) -> pd.DataFrame:
        """Prices and cost rates per node x SKU."""
        return node_parameters(self.scenario)

    @cached_property
    def money(self) -> pd.DataFrame:
        """Money per node (x SKU) x period x account, long, zero amounts left out; costs positive.

        Inventory accounts (``MONEY_ACCOUNTS``) come first; with a business layer, the
        order-to-cash accounts (``invoiced``, ``cash_received``, ``bad_debt``,
        ``receivables_end``), partner programme accounts (``recruitment_cost``, ``training_cost``,
        ``mdf_*``, ``stock_return_credit``, ``stock_write_off``) and incentive accounts
        (``rebate_*``, ``commission_*``) follow, with an empty ``sku``.
        """
        frame = self._inventory_money
        extra = []
        for name in ("receivables_money", "partner_money"):
            if name in self._business:
                extra.append(self._business[name][["day", "node", "account", "amount"]])
        if self.scenario.business is not None and self.scenario.business.incentives is not None:
            settlements = self.incentives
            if len(settlements):
                extra.append(incentive_money_rows(settlements)[["day", "node", "account", "amount"]])
        extra = [e for e in extra if len(e)]
        if not extra:
            return frame
        rows = _with_ids(pd.concat(extra, ignore_index=True), self.info)
        rows["period"] = (rows["day"] // self.info.period_days).astype("int64")
        rows["sku"] = None
        return pd.concat([frame.astype({"account": str}), rows[list(frame.columns)]], ignore_index=True)

    @cached_property
    def _inventory_money(self) -> pd.DataFrame:
        """Money per node x SKU x period x account (long, zero amounts left out); costs positive.

        Rows come account by account (in ``MONEY_ACCOUNTS`` order), each in day, node, SKU order.
        """
        lv = self.levels
        par = self.parameters.set_index(["node", "sku"])
        key = pd.MultiIndex.from_arrays([lv["node"], lv["sku"]])
        p = par.reindex(key)
        days = float(self.info.period_days)
        # a node's revenue: end-customer sales at its price, plus what its customers paid for
        # what it shipped them (their purchase price), so seller revenue = buyer purchases
        unit_price = lv["unit_price"].to_numpy()  # the period's purchase price (tier changes move it)
        purchases = lv["sell_in"].to_numpy() * unit_price
        # who supplied each row (a leaving distributor's dealers move to its supplier mid-run)
        supplier_names = np.array([node for node, _ in self._level_items] + [None], dtype=object)
        supplier = supplier_names[lv["supplier_index"].to_numpy().astype(np.int64)]
        internal = pd.DataFrame(
            {"node": supplier, "sku": lv["sku"].to_numpy(), "day": lv["day"].to_numpy(), "v": purchases}
        )
        internal = internal[internal["node"].notna()].groupby(["node", "sku", "day"], observed=True)["v"].sum()
        own_key = pd.MultiIndex.from_arrays([lv["node"].astype(str), lv["sku"].astype(str), lv["day"]])
        internal.index = internal.index.set_levels(
            [lvl.astype(str) for lvl in internal.index.levels[:2]] + [internal.index.levels[2]]
        )
        internal_sales = internal.reindex(own_key, fill_value=0.0).to_numpy()
        amounts = {
            "revenue": lv["customer_sales"].to_numpy() * p["sell_price"].to_numpy() + internal_sales,
            "cost_of_goods": lv["shipped"].to_numpy() * unit_price,
            "purchases": purchases,
            "holding_cost": lv["on_hand"].to_numpy() * p["holding_rate"].to_numpy() * days,
            "transit_holding_cost": lv["in_transit"].to_numpy() * p["transit_rate"].to_numpy() * days,
            "backorder_cost": lv["backorder"].to_numpy() * p["backorder_rate"].to_numpy() * days,
            "lost_sale_cost": lv["lost"].to_numpy() * p["lost_sale_rate"].to_numpy(),
            "ordering_cost": lv["orders_placed"].to_numpy() * p["ordering_rate"].to_numpy(),
            "shipping_cost": lv["sell_in"].to_numpy() * p["shipping_rate"].to_numpy(),
        }
        parts = []
        base = lv[ID_COLUMNS + ["day", "period", "node", "sku"]]
        for account in MONEY_ACCOUNTS:
            amount = amounts[account]
            keep = np.flatnonzero(amount != 0)
            if len(keep) == 0:
                continue
            part = base.iloc[keep].copy()
            part["account"] = account
            part["amount"] = amount[keep]
            parts.append(part)
        if not parts:
            return pd.DataFrame(columns=[*base.columns, "account", "amount"])
        # rows come account by account, each in the levels' (day, node, sku) order
        frame = pd.concat(parts, ignore_index=True)
        frame["account"] = pd.Categorical(frame["account"], categories=MONEY_ACCOUNTS)
        return frame

    @cached_property
    def business(self) -> dict[str, pd.DataFrame]:
        """Business-layer tables (audit, invoices, settlements, approvals, leads, ...), each with ids."""
        return {name: _with_ids(frame.copy(), self.info) for name, frame in self._business.items()}

    @cached_property
    def audit(self) -> pd.DataFrame:
        """Every business decision with time, actor and values (empty without a business layer)."""
        if "audit" in self._business:
            return self.business["audit"]
        columns = ["time", "source", "actor", "action", "subject", "value", "detail"]
        return _with_ids(pd.DataFrame(columns=columns), self.info)

    @cached_property
    def incentives(self) -> pd.DataFrame:
        """Rebate and commission settlements (see :mod:`chansim.business.incentives`)."""
        business = self.scenario.business
        if business is None or business.incentives is None or not business.incentives.plans:
            return _with_ids(pd.DataFrame(columns=list(SETTLEMENT_COLUMNS)), self.info)
        hierarchy = {
            n.name: next((lane.supplier for lane in n.lanes if lane.supplier is not None), None)
            for n in self.scenario.nodes
        }
        settlements = compute_incentives(
            sales_from_money(self._inventory_money),
            business.incentives.plans,
            business.incentives.targets,
            hierarchy,
            period_days=self.info.period_days,
            horizon_days=self.info.days,
            node_kinds={n.name: n.kind for n in self.scenario.nodes},
            node_tiers=partner_tiers(self.scenario),
        )
        return _with_ids(settlements, self.info)

    def business_kpis(self, warmup_days: int | None = None) -> pd.DataFrame:
        """Partner and network business KPIs (see :mod:`chansim.business.kpis`)."""
        return _kpi_function("business_kpis")(self, warmup_days=warmup_days)

    def tables(self) -> dict[str, pd.DataFrame]:
        """All tables by name (the business layer's too, when there is one)."""
        out = {"events": self.events, "levels": self.levels, "orders": self.orders, "money": self.money}
        if self._business:
            out.update(self.business)
            out["incentives"] = self.incentives
        return out

    def kpis(self, warmup_days: int | None = None) -> pd.DataFrame:
        """KPIs per node and for the network (see :mod:`chansim.metrics`)."""
        return _kpi_function("kpis")(self, warmup_days=warmup_days)

    def export(self, directory: str | Path, fmt: str = "csv") -> list[Path]:
        """Write every table to ``directory`` as CSV or Parquet; return the paths."""
        return export_tables(self.tables(), directory, fmt, self.metadata)


class Replications:
    """Several replications of one scenario: concatenated tables, KPIs with confidence intervals."""

    def __init__(self, results: list[Result]) -> None:
        if not results:
            raise ValueError("no replications")
        self.results = results
        self.scenario = results[0].scenario

    def __len__(self) -> int:
        return len(self.results)

    def _concat(self, name: str) -> pd.DataFrame:
        return pd.concat([getattr(r, name) for r in self.results], ignore_index=True)

    @cached_property
    def events(self) -> pd.DataFrame:
        """Events of all replications."""
        return self._concat("events")

    @cached_property
    def levels(self) -> pd.DataFrame:
        """Levels of all replications."""
        return self._concat("levels")

    @cached_property
    def orders(self) -> pd.DataFrame:
        """Orders of all replications."""
        return self._concat("orders")

    @cached_property
    def money(self) -> pd.DataFrame:
        """Money of all replications."""
        return self._concat("money")

    def tables(self) -> dict[str, pd.DataFrame]:
        """All four tables by name."""
        return {"events": self.events, "levels": self.levels, "orders": self.orders, "money": self.money}

    def business_kpis(self, warmup_days: int | None = None) -> pd.DataFrame:
        """Mean, standard deviation and 95% half-width of each business KPI over replications."""
        return _kpi_function("summarize_business_kpis")(self, warmup_days=warmup_days)

    def kpis_by_replication(self, warmup_days: int | None = None) -> pd.DataFrame:
        """KPIs of every replication (one block of rows per replication)."""
        return pd.concat([r.kpis(warmup_days) for r in self.results], ignore_index=True)

    def kpis(self, warmup_days: int | None = None) -> pd.DataFrame:
        """Mean, standard deviation and 95% half-width of each KPI over replications."""
        return _kpi_function("summarize")(self.kpis_by_replication(warmup_days))

    @property
    def metadata(self) -> dict[str, object]:
        """Metadata of the first replication plus the count."""
        meta = dict(self.results[0].metadata)
        meta.pop("replication")
        meta["replications"] = len(self.results)
        return meta

    def export(self, directory: str | Path, fmt: str = "csv") -> list[Path]:
        """Write every table to ``directory`` as CSV or Parquet; return the paths."""
        return export_tables(self.tables(), directory, fmt, self.metadata)


def export_tables(
    tables: dict[str, pd.DataFrame], directory: str | Path, fmt: str, metadata: dict[str, object]
) -> list[Path]:
    """Write tables and a ``metadata.json``; CSV or Parquet (with the metadata embedded)."""
    import json

    if fmt not in ("csv", "parquet"):
        raise ValueError(f"format must be 'csv' or 'parquet', got {fmt!r}")
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, frame in tables.items():
        path = out / f"{name}.{fmt}"
        tmp = path.with_suffix(path.suffix + ".tmp")
        if fmt == "csv":
            frame.to_csv(tmp, index=False)
        else:
            frame = frame.copy()
            frame.attrs = {"chansim": json.dumps(metadata)}
            frame.to_parquet(tmp, index=False)
        tmp.replace(path)  # never leave a half-written table behind
        paths.append(path)
    meta_path = out / "metadata.json"
    meta_path.write_text(json.dumps(metadata, indent=2, ensure_ascii=False), encoding="utf-8")
    paths.append(meta_path)
    return paths


install_result_types(Result, Replications)
