"""Tidy result tables: events, periodic levels, orders and money.

Every row carries ``scenario``, ``replication`` and ``seed``. Tables are built once,
on first access, from the records the engine kept while it ran (their types are in
:mod:`chansim.records`), each by one builder: :func:`levels_frame`, :func:`events_frame`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from functools import cached_property, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from chansim import scenario as sc
from chansim.business.incentives import SETTLEMENT_COLUMNS, compute_incentives, incentive_money_rows, sales_from_money
from chansim.config.business import partner_tiers, purchase_discounts
from chansim.engine import install_result_types, run_loaders
from chansim.records import LEVEL_WIDTH, EventRow, StoredLevelRow
from chansim.version import __version__

if TYPE_CHECKING:
    from chansim.engine import Order, RunInfo

__all__ = [
    "LEVEL_COLUMNS", "MONEY_ACCOUNTS", "Replications", "Result", "events_frame", "levels_frame", "node_parameters",
]  # fmt: skip

ID_COLUMNS = ["scenario", "replication", "seed"]
EVENT_COLUMNS = list(EventRow._fields)
_LEVEL_NUMBERS = list(StoredLevelRow._fields[2:])  # on_hand ... customer_sales
LEVEL_COLUMNS = ["day", "node", "sku", *_LEVEL_NUMBERS, "unit_price", "supplier_index"]
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
    if name not in _KPI_FUNCTIONS:  # a Result built without a session: the KPI layers may not be loaded yet
        run_loaders()
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


@lru_cache(maxsize=256)
def _categories(names: tuple[str, ...]) -> pd.CategoricalDtype:
    """The (immutable) dtype of a categorical column; building it checks the categories, ~80 us a column."""
    return pd.CategoricalDtype(list(names))


def _categorical(codes: np.ndarray, names: Sequence[str]) -> pd.Categorical:
    return pd.Categorical.from_codes(codes, dtype=_categories(tuple(names)))


def _id_columns(n: int, info: RunInfo) -> dict[str, object]:
    """``scenario`` (categorical: one value, cheap to copy), ``replication`` and ``seed`` for ``n`` rows."""
    return {
        "scenario": _categorical(np.zeros(n, dtype=np.int64), [info.scenario]),
        "replication": np.full(n, info.replication, dtype=np.int64),
        "seed": np.full(n, info.seed, dtype=np.int64),
    }


def events_frame(rows: Sequence[tuple], info: RunInfo) -> pd.DataFrame:
    """The ``events`` table from rows in :class:`~chansim.records.EventRow` field order."""
    frame = pd.DataFrame.from_records(rows, columns=EVENT_COLUMNS)
    return _with_ids(frame, info)


def levels_frame(
    log: bytes | bytearray | memoryview,
    level_items: Sequence[tuple[str, str]],
    item_log: Sequence[tuple[int, int, float, int]],
    info: RunInfo,
) -> pd.DataFrame:
    """The ``levels`` table from the engine's level log.

    ``log``: a buffer of float64, :class:`~chansim.records.StoredLevelRow` after row;
    ``level_items``: (node, SKU) of each item index; ``item_log``: (period, item index,
    unit price, supplier index) entries, each in force from its period on.
    """
    values = np.frombuffer(log, dtype=np.float64).reshape(-1, LEVEL_WIDTH)
    n = len(values)
    index = values[:, 1].astype(np.int64)
    day = values[:, 0].astype(np.int64)
    columns: dict[str, object] = _id_columns(n, info)
    columns["day"] = day
    periods = day // info.period_days
    columns["period"] = periods
    for pos, name in ((0, "node"), (1, "sku")):  # few distinct values, many rows: categorical
        names = [key[pos] for key in level_items]
        categories = sorted(set(names))
        code_of = {c: i for i, c in enumerate(categories)}
        codes = np.array([code_of[c] for c in names], dtype=np.int64)
        columns[name] = _categorical(codes[index] if n else np.zeros(0, dtype=np.int64), categories)
    for j, name in enumerate(_LEVEL_NUMBERS, start=2):
        columns[name] = values[:, j].astype(np.int64) if name == "orders_placed" else values[:, j]
    # unit price and supplier index in force: the last log entry at or before the row's period
    price = np.zeros(n)
    supplier = np.full(n, -1, dtype=np.int64)
    log_entries = sorted(item_log)
    if n and log_entries:
        changed = len(log_entries) > len(level_items) or any(period for period, *_ in log_entries)
        if not changed:  # one entry per item from period 0: a lookup by item index
            by_index = {item: (unit_price, supplier_index) for _, item, unit_price, supplier_index in log_entries}
            price = np.array([by_index.get(i, (0.0, -1))[0] for i in range(len(level_items))])[index]
            supplier = np.array([by_index.get(i, (0.0, -1))[1] for i in range(len(level_items))], dtype=np.int64)[
                index
            ]
        else:
            order = np.lexsort((periods, index))  # rows by item, then period
            by_item: dict[int, list[tuple[int, float, int]]] = {}
            for period, item, unit_price, supplier_index in log_entries:
                by_item.setdefault(item, []).append((period, unit_price, supplier_index))
            sorted_items, sorted_periods = index[order], periods[order]
            bounds = np.searchsorted(sorted_items, np.arange(len(level_items) + 1))
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
    return pd.DataFrame(columns)


def _with_ids(frame: pd.DataFrame, info: RunInfo) -> pd.DataFrame:
    """Prefix the columns ``scenario`` (categorical: one value, cheap to copy), ``replication``, ``seed``."""
    n = len(frame)
    frame.insert(0, "seed", np.full(n, info.seed, dtype=np.int64))
    frame.insert(0, "replication", np.full(n, info.replication, dtype=np.int64))
    frame.insert(0, "scenario", _categorical(np.zeros(n, dtype=np.int64), [info.scenario]))
    return frame


class Result:
    """The outcome of one replication: tidy tables plus what produced them."""

    def __init__(
        self,
        scenario: sc.Scenario,
        info: RunInfo,
        events: Sequence[tuple],
        levels: bytes | bytearray | memoryview,
        orders: list[Order],
        decisions: dict[tuple[int, str, str], float],
        served: list[tuple[int, str, str, str, float, float]] | None = None,
        business: dict[str, pd.DataFrame] | None = None,
        level_items: list[tuple[str, str]] | None = None,
        item_log: list[tuple[int, int, float, int]] | None = None,
    ) -> None:
        self.scenario = scenario
        self.info = info
        self._events = list(events)  # EventRow field order
        self._levels = bytes(levels)  # float64 StoredLevelRows (a snapshot)
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
        return events_frame(self._events, self.info)

    @cached_property
    def levels(self) -> pd.DataFrame:
        """End-of-period stock and the period's flows, one row per node x SKU x period."""
        return levels_frame(self._levels, self._level_items, self._item_log, self.info)

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
        (``rebate_*``, ``commission_*``) follow, with an empty ``sku``. Those business amounts
        are whole cents shown in currency units (:mod:`chansim.config.money`): total them
        exactly with ``cents_of(rows["amount"]).sum()``; the inventory accounts are float
        valuations (units x price x days).
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

    def export(
        self, directory: str | Path, fmt: str = "csv", extra: dict[str, pd.DataFrame] | None = None
    ) -> list[Path]:
        """Write every table (and the ``extra`` ones, e.g. KPIs) to ``directory`` as CSV or Parquet.

        See :func:`export_tables`.
        """
        return export_tables({**self.tables(), **(extra or {})}, directory, fmt, self.metadata)


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

    def export(
        self, directory: str | Path, fmt: str = "csv", extra: dict[str, pd.DataFrame] | None = None
    ) -> list[Path]:
        """Write every table of all replications, the business layer's too, as CSV or Parquet (:func:`export_tables`).

        Each table is the replications' tables one after the other (each row carries its
        ``replication``); ``extra`` tables (e.g. the KPI summary) are written as given.
        """
        per_replication = [result.tables() for result in self.results]
        tables = self.tables()
        for name in dict.fromkeys(name for run in per_replication for name in run):
            if name not in tables:
                tables[name] = pd.concat([run[name] for run in per_replication if name in run], ignore_index=True)
        return export_tables({**tables, **(extra or {})}, directory, fmt, self.metadata)


class ExportError(ValueError):
    """An export folder that cannot be used; the message says why."""


def _is_table_file(name: str) -> bool:
    """Whether ``name`` is a table file name an export writes (``events.csv``): no path, no other suffix."""
    stem, _, suffix = name.rpartition(".")
    return bool(stem) and suffix in ("csv", "parquet") and all(c.isalnum() or c in "_-" for c in stem)


def _previous_export_files(out: Path) -> set[str]:
    """The table files the previous chansim export into ``out`` wrote (from its ``metadata.json``)."""
    import json

    meta_path = out / "metadata.json"
    try:
        if not meta_path.is_file() or meta_path.is_symlink() or meta_path.stat().st_size > 1_000_000:
            return set()
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return set()
    if not isinstance(meta, dict) or "chansim_version" not in meta or not isinstance(meta.get("files"), list):
        return set()
    return {name for name in meta["files"] if isinstance(name, str) and _is_table_file(name)}


def export_tables(
    tables: dict[str, pd.DataFrame], directory: str | Path, fmt: str, metadata: dict[str, object]
) -> list[Path]:
    """Write tables and a ``metadata.json`` into ``directory``; CSV or Parquet (with the metadata embedded).

    The folder then holds this export's tables only: table files that the previous export
    into it wrote (listed under ``files`` in its ``metadata.json``) and this one does not
    are removed. Files chansim did not write are never touched. Each file is written
    beside its final name and renamed, so no half-written table is left behind.

    Raises:
        ValueError: for a format other than ``csv`` or ``parquet``.
        ExportError: when ``directory`` exists and is not a folder.

    """
    import json

    if fmt not in ("csv", "parquet"):
        raise ValueError(f"format must be 'csv' or 'parquet', got {fmt!r}")
    out = Path(directory)
    if out.exists() and not out.is_dir():
        raise ExportError("exists and is not a folder; give a folder for the tables")
    out.mkdir(parents=True, exist_ok=True)
    previous = _previous_export_files(out)
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
    written = {path.name for path in paths}
    for stale in sorted(previous - written):
        path = out / stale
        if path.is_file() and not path.is_symlink():
            path.unlink()
    meta_path = out / "metadata.json"
    tmp = out / "metadata.json.tmp"
    tmp.write_text(json.dumps({**metadata, "files": sorted(written)}, indent=2, ensure_ascii=False), encoding="utf-8")
    tmp.replace(meta_path)
    paths.append(meta_path)
    return paths


install_result_types(Result, Replications)
