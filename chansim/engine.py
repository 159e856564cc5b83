"""The SimPy engine: ``run``, the step-wise :class:`Session`, and ``replicate``.

Within each period (of ``period_days`` days, starting at day ``t``) events happen in
this fixed order:

1. **Receipts.** Shipments due at ``t`` are put on hand (in the order they were shipped),
   and orders whose information delay ends at ``t`` reach their supplier. These are SimPy
   events scheduled with urgent priority, so they precede the period's work at the same
   time; without a business layer the shipments due are kept in the session's own receipt
   calendar instead and put on hand first thing in the period (the same result, without a
   SimPy event per shipment).
2. **Nodes, downstream first** (deepest node first, ties by name; SKUs in scenario order).
   For each node and SKU:

   a. end-customer demand of the period arrives at the node serving the market;
   b. open orders (new and backlogged) are filled from on-hand stock by the node's
      allocation rule, limited by lane capacity; under ``lost_sales`` what is not
      filled now is cancelled; shipped units leave on the customer's lane;
   c. the node orders by its policy, looking at its inventory position
      (on hand + on order - backlog). With no order delay the supplier sees the order
      in the same period (it is processed later, being upstream) and can ship at once.
3. **Record** end-of-period levels.

A lead time of ``L`` days means: units shipped in the period starting on day ``t``
are on hand at the start of the period starting on day ``t + L``, usable against
that period's demand. So with an outside supplier, an order placed in period ``k``
(after that period's demand) serves the demand of period ``k + L/period_days``.
"""

from __future__ import annotations

import copy
import gc
import math
import typing
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import simpy
from simpy.events import NORMAL, PENDING, URGENT, Event, EventPriority, Timeout

from chansim import scenario as sc
from chansim.config.business import purchase_discounts
from chansim.model.demand import DemandSeries
from chansim.model.policies import BaseStockPolicy, ManualPolicy, OrderingPolicy, build_policy
from chansim.model.resumable import Resumable
from chansim.records import LEVEL_STRUCT, EventRow, LevelRow
from chansim.rng import stream

__all__ = [
    "Extension", "Session", "SessionControl", "SimulationError", "install_extension", "install_loader",
    "install_result_types", "replicate", "run", "run_loaders",
]  # fmt: skip

ALLOCATION_RULES = typing.get_args(sc.Node.model_fields["allocation"].annotation)  # first_come, proportional, priority
CUSTOMER = "customer"
REPLENISHMENT = "replenishment"
INITIAL = "initial"


class _Installed:
    """What the layers above plug into the engine (see :func:`install_extension`)."""

    def __init__(self) -> None:
        self.extension: Callable[[Session], Extension] | None = None
        self.result_type: Callable[..., Any] | None = None
        self.replications_type: Callable[[list[Any]], Any] | None = None
        self.loaders: list[Callable[[], None]] = []

    def load(self) -> None:
        """Run the registered loaders once (see :func:`install_loader`)."""
        while self.loaders:
            self.loaders.pop(0)()

    def results(self) -> tuple[Callable[..., Any], Callable[[list[Any]], Any]]:
        self.load()
        if self.result_type is None or self.replications_type is None:
            raise SimulationError("no result classes installed (import chansim.results)")
        return self.result_type, self.replications_type


_installed = _Installed()


def install_extension(factory: Callable[[Session], Extension]) -> None:
    """Plug in the extension a session with a ``business`` section runs with.

    The business layer sits above the engine and installs its runtime when imported
    (``import chansim`` imports it), so the engine never imports it.
    """
    _installed.extension = factory


def install_loader(loader: Callable[[], None]) -> None:
    """Register ``loader``, called once before the first session is built or the first result made.

    ``import chansim`` registers one that imports the layers above the engine (the business
    runtime, the result classes, the KPI functions), which then install themselves: a
    process that never simulates (the home page's kernel) does not import them (nor pandas).
    """
    _installed.loaders.append(loader)


def run_loaders() -> None:
    """Run the loaders registered with :func:`install_loader` now (once; later calls do nothing)."""
    _installed.load()


def install_result_types(result_type: Callable[..., Any], replications_type: Callable[[list[Any]], Any]) -> None:
    """Plug in the result classes :meth:`Session.result` and :func:`replicate` build (chansim.results)."""
    _installed.result_type = result_type
    _installed.replications_type = replications_type


class SimulationError(ValueError):
    """A request the engine cannot honour (unknown node, decision for a non-manual node, ...)."""


class Order:
    """One order, followed from placement to its last receipt."""

    __slots__ = (
        "id", "kind", "customer", "supplier", "sku", "qty", "remaining", "placed_day",
        "due_day", "shipped", "received", "cancelled", "first_ship_day", "last_receipt_day",
        "priority", "buyer", "seen_day", "immediate",
    )  # fmt: skip

    def __init__(
        self, order_id: int, kind: str, customer: str, supplier: str, sku: str, qty: float,
        placed_day: float, due_day: float, priority: int, buyer: Item | None,
    ) -> None:  # fmt: skip
        self.id = order_id
        self.kind = kind
        self.customer = customer
        self.supplier = supplier
        self.sku = sku
        self.qty = qty
        self.remaining = qty
        self.placed_day = placed_day
        self.due_day = due_day
        self.shipped = 0.0
        self.received = 0.0
        self.cancelled = 0.0
        self.first_ship_day: float | None = None
        self.last_receipt_day: float | None = None
        self.priority = priority
        self.buyer = buyer
        self.seen_day: float | None = None
        self.immediate = 0.0


class _Due(Timeout):
    """A timeout with ``payload`` as its value, due ``delay`` days from now, then ``callback``.

    Scheduled with urgent priority (see :class:`_Environment`): at equal times it is
    processed before every normal event, the period clock's included, so receipts precede
    the period's work and any business event of the same day.
    """

    def __init__(self, env: simpy.Environment, delay: float, callback: Callable[[Event], None], payload: tuple) -> None:
        Timeout.__init__(self, env, delay, payload)
        self.callbacks.append(callback)  # type: ignore[union-attr]


_schedule = simpy.Environment.schedule


class _Environment(simpy.Environment):
    """SimPy's environment with one addition through its public ``schedule``: a :class:`_Due`
    goes in with urgent priority (SimPy's own Timeout schedules with normal priority).
    """

    def schedule(self, event: Event, priority: EventPriority = NORMAL, delay: float = 0) -> None:
        _schedule(self, event, URGENT if event.__class__ is _Due else priority, delay)


class _PeriodClock(Resumable):
    """The period clock as a SimPy process: ``while True: run the period; yield timeout(P)``.

    The period's work at day ``t`` waits until every other event due at ``t`` has happened.
    """

    __slots__ = ("session",)

    def __init__(self, session: Session) -> None:
        self.session = session

    def send(self, value: object) -> Event:
        env = self.session.env
        if env.peek() == env.now:
            # other events are due at the period's start (an approval ending exactly now, a
            # process it resumes): they happen first, so what they release is seen this period
            return env.timeout(0)
        return self.session._run_period()


class LaneState:
    """Capacity bookkeeping of one supply lane."""

    __slots__ = (
        "capacity", "base_capacity", "used", "period", "lead_periods", "lead_distribution", "rng",
        "disruptions", "extra_lead_periods", "draws",
    )  # fmt: skip

    def __init__(self, capacity: float | None, lead_periods: int) -> None:
        self.capacity = capacity
        self.base_capacity = capacity
        self.disruptions: list[tuple[int, int, float | None, int]] = []
        self.extra_lead_periods = 0
        self.draws = 0
        self.used = 0.0
        self.period = -1
        self.lead_periods = lead_periods
        self.lead_distribution: sc.Distribution | None = None
        self.rng: np.random.Generator | None = None


class Item:
    """The stock of one SKU at one node, with its order book and policy."""

    __slots__ = (
        "node", "sku", "on_hand", "backlog", "on_order", "in_transit", "book", "book_dirty",
        "policy", "manual", "lane", "supplier", "external_book", "markets", "delay_periods",
        "lead_days", "lost_sales", "allocation", "priority", "demand_in", "shipped", "sell_in",
        "received", "ordered", "lost", "orders_placed", "customer_demand", "customer_sales", "demand_factor",
        "exit_stock", "divert_to", "divert_share", "unit_price", "supplier_index", "index",
    )  # fmt: skip

    def __init__(self, node: sc.Node, sku: str) -> None:
        self.node = node.name
        self.sku = sku
        self.on_hand = 0.0
        self.backlog = 0.0
        self.on_order = 0.0
        self.in_transit = 0.0
        self.book: list[Order] = []
        self.book_dirty = False
        self.policy: OrderingPolicy = ManualPolicy(0.0)
        self.manual = False
        self.lane: LaneState = LaneState(None, 1)
        self.supplier: Item | None = None
        self.external_book: list[Order] = []
        self.markets: list[tuple[str, DemandSeries]] = []
        self.delay_periods = node.order_delay_days
        self.lead_days = 1
        self.lost_sales = node.shortage == "lost_sales"
        self.allocation = node.allocation
        self.priority = node.priority
        self.demand_in = 0.0
        self.shipped = 0.0
        self.sell_in = 0.0
        self.received = 0.0
        self.ordered = 0.0
        self.lost = 0.0
        self.orders_placed = 0
        self.demand_factor = 1.0  # business layer: partner activity, training, MDF, regional shocks
        self.exit_stock: str | None = None  # business layer: a partner that left returns or writes off arrivals
        self.divert_to: Item | None = None  # business layer: cheaper dealer in another region (grey market)
        self.divert_share = 0.0
        self.unit_price = 0.0  # what the node pays its supplier a unit (a tier change can move it)
        self.supplier_index = -1  # the supplier's position in Session.sequence (-1: outside source)
        self.index = -1  # its own position in Session.sequence
        self.customer_demand = 0.0  # end-customer (market) part of demand_in
        self.customer_sales = 0.0  # end-customer part of shipped


class Extension(Protocol):
    """What an engine extension provides (the business layer is one): the hooks the engine calls.

    In the spirit of SimPy's small environment contract. An extension is built with the
    session (``install_extension(factory)``; ``factory(session)``) and changes the channel
    only through ``session.control`` (:class:`SessionControl`).
    """

    def before_period(self, period: int, now: float) -> None:
        """At the start of every period, before its demand, fills and orders."""

    def intercept_order(self, item: Item, order: Order) -> bool:
        """A new replenishment order to another node: True if the extension takes it (and will
        release, shrink or cancel it through the control API), False to let it go on at once.
        """

    def on_allocation(self, now: float, item: Item, available: float) -> None:
        """``item`` shares ``available`` units among more orders than it can fill."""

    def on_order_decision(self, now: float, item: Item, qty: float) -> None:
        """The caller decided what ``item`` orders this period (a manual node)."""

    def tables(self) -> dict[str, Any]:
        """The extension's tables at the end (tidy DataFrames by name)."""

    def fork_records(self) -> tuple[list[Any], list[list[Any]]]:
        """For :meth:`Session.fork`: containers of immutable rows, and archives of objects that are
        final once nothing live refers to them.
        """


class SessionControl:
    """The control API of a running session: what extensions and exercises may change.

    Reads of :class:`Item` fields are free; every write goes through here, so the engine
    keeps its own invariants (logged price and supplier changes, re-ranked books, ...).
    Items are the engine's stock records (``session.sequence``, :meth:`item`).
    """

    __slots__ = ("_session",)

    def __init__(self, session: Session) -> None:
        self._session = session

    # ---- lookups
    def _changed(self) -> None:
        """Any change of an item or lane: the fused period's plan (``Session._plain_plan``) is made anew."""
        self._session._plan = None

    def item(self, node: str, sku: str) -> Item:
        """The stock of ``sku`` at ``node``."""
        return self._session._item(node, sku)

    def items_of(self, node: str) -> list[Item]:
        """Every SKU's stock at ``node``, in scenario order."""
        return [item for item in self._session.sequence if item.node == node]

    def recent_flows(self, periods: int) -> list[tuple[str, str, float, float]]:
        """``(node, sku, demand, shipped)`` of every node x SKU over the last ``periods`` recorded periods."""
        return [(row.node, row.sku, row.demand, row.shipped) for row in self._session.level_rows(periods)]

    # ---- demand and customers
    def set_demand_factor(self, item: Item, factor: float) -> None:
        """Scale ``item``'s end-customer demand from this period on (partner activity, shocks, ...)."""
        item.demand_factor = float(factor)
        self._changed()

    def divert(self, item: Item, target: Item, share: float) -> None:
        """Channel conflict: ``share`` of ``item``'s market demand buys from ``target`` instead."""
        session = self._session
        if session._divert_rng is None:
            session._divert_rng = stream(session.seed, session.replication, "business/diversion")
        item.divert_to = target
        item.divert_share = float(share)
        self._changed()

    def add_customer_order(self, item: Item, customer: str, qty: float) -> None:
        """An end-customer order from outside the markets (a won deal) joins ``item``'s book now."""
        session = self._session
        session._add_customer_order(item, customer, qty, session.env.now)
        self._changed()

    # ---- ordering, prices, allocation
    def set_policy(self, item: Item, policy: OrderingPolicy, manual: bool) -> None:
        """How ``item`` orders from now on (``manual``: by the caller's decisions)."""
        item.policy = policy
        item.manual = bool(manual)
        self._changed()

    def stop_ordering(self, item: Item) -> None:
        """``item`` orders nothing from now on (an applicant, a partner that left)."""
        self.set_policy(item, ManualPolicy(0.0), manual=False)

    def set_priority(self, item: Item, priority: int) -> None:
        """The allocation priority of the orders ``item`` places from now on (its tier's)."""
        item.priority = int(priority)
        self._changed()

    def set_unit_price(self, item: Item, price: float) -> None:
        """What ``item`` pays its supplier a unit from the next recorded period on (logged)."""
        item.unit_price = float(price)
        self._session._note_item_change(item)
        self._changed()

    def set_allocation(self, node: str, rule: str) -> None:
        """``node``'s allocation rule for every SKU (waiting orders are re-ranked under it)."""
        if rule not in ALLOCATION_RULES:
            raise SimulationError(f"allocation rule must be one of {', '.join(ALLOCATION_RULES)}, got {rule!r}")
        items = self.items_of(node)
        if not items:
            raise SimulationError(f"no stock at node '{node}' to allocate")
        for item in items:
            item.allocation = rule
            item.book_dirty = True
        self._changed()

    # ---- lanes and network
    def disrupt_lane(
        self, item: Item, start_day: int, end_day: int, capacity: float | None, extra_lead_periods: int
    ) -> None:
        """From ``start_day`` to ``end_day`` the lane into ``item`` carries at most ``capacity`` a
        period (None: unchanged) and takes ``extra_lead_periods`` longer.
        """
        lane = item.lane
        lane.disruptions.append((start_day, end_day, capacity, extra_lead_periods))
        if lane not in self._session.disrupted_lanes:
            self._session.disrupted_lanes.append(lane)
        self._changed()

    def rehome(self, item: Item, supplier: Item) -> None:
        """``item`` buys from ``supplier`` from now on (its lane, lead time and price stay)."""
        item.supplier = supplier
        item.supplier_index = supplier.index
        self._session._note_item_change(item)
        self._changed()

    def retire(self, item: Item, stock: str, successor: Item | None) -> None:
        """A partner leaves: ``item`` stops ordering; its stock and later arrivals go back to its
        supplier (``stock='return'``) or are written off; what it owed is lost; its markets move
        to ``successor`` (or go unserved).
        """
        session = self._session
        self.stop_ordering(item)
        item.exit_stock = stock
        self._changed()
        if item.on_hand > 0:
            qty = item.on_hand
            item.on_hand = 0.0
            session._dispose_stock(item, qty)
        now = session.env.now
        for order in list(item.book):
            if order.remaining > 0:
                session._cancel(item, order, now)
        item.book = []
        if item.markets:
            if successor is not None:
                successor.markets.extend(item.markets)
                successor.markets.sort(key=lambda pair: pair[0])
            item.markets = []

    # ---- orders an extension intercepted (see Extension.intercept_order)
    def release_order(self, item: Item, order: Order) -> None:
        """Send an order that passed credit and approvals on to its supplier (after the order delay)."""
        self._session._release_order(item, order)

    def cancel_order(self, item: Item, order: Order, reason: str) -> None:
        """Cancel an order that was never released (event ``rejected_<reason>``)."""
        self._session._cancel_unreleased(item, order, reason)

    def shrink_order(self, item: Item, order: Order, qty: float) -> None:
        """Reduce an unreleased order to ``qty`` (a partial credit release)."""
        self._session._shrink_order(item, order, qty)


@dataclass(frozen=True)
class RunInfo:
    """What identifies a run: the scenario, the replication and its seed."""

    scenario: str
    replication: int
    seed: int
    period_days: int
    days: int


# one plain item in the fused period's plan (see Session._plain_plan)
_PlanEntry = tuple[Item, float, "Item | None", str, "DemandSeries | None", str, str, str, int, int]


class Session:
    """A step-wise simulation: advance, set decisions for ``manual`` nodes, read state.

    Stepping through with the same decisions gives exactly the same result as
    :func:`run` with those decisions.
    """

    def __init__(
        self,
        scenario: sc.Scenario,
        seed: int = 0,
        replication: int = 0,
        *,
        record_events: bool = True,
    ) -> None:
        if not isinstance(seed, int | np.integer) or seed < 0:
            raise SimulationError(f"seed must be a non-negative integer, got {seed!r}")
        self.scenario = scenario
        self.seed = int(seed)
        self.replication = int(replication)
        self.period_days = scenario.period_days
        self.period = 0
        self.discrete = scenario.units == "discrete"
        self.record_events = record_events
        self.decisions: dict[tuple[int, str, str], float] = {}
        self.events: list[tuple] = []  # plain tuples in EventRow field order (see chansim.records)
        # end-of-period rows, StoredLevelRow field order, packed as float64 (see chansim.records):
        # the first _level_bytes bytes of a buffer that grows by doubling
        self._level_log = bytearray()
        self._level_bytes = 0
        self.orders: list[Order] = []
        # end-customer orders served in full on arrival: (id, market, node, sku, qty, day)
        self.served: list[tuple[int, str, str, str, float, float]] = []
        self._next_id = 1
        self.env = _Environment()
        self._stop_period = 0
        self._stop_event: Event | None = None
        self._divert_rng: np.random.Generator | None = None
        # receipts due, by day: (buyer, order, qty) in shipping order; None with a business layer
        # (each shipment is then a SimPy event, see _ship)
        self._receipts: dict[float, list[tuple[Item, Order, float]]] | None = {} if scenario.business is None else None
        # the fused period's plan (see _plain_plan): None until made, False when not plain
        self._plan: list[_PlanEntry] | bool | None = None
        self._build()
        # the extension API: every change an extension (the business layer) or an exercise makes
        self.control = SessionControl(self)
        self.business: Extension | None = None
        _installed.load()
        if scenario.business is not None:
            if _installed.extension is None:
                raise SimulationError("the scenario has a business section but no business layer is installed")
            self.business = _installed.extension(self)
        self._process = self.env.process(_PeriodClock(self))

    # ------------------------------------------------------------------ construction
    def _build(self) -> None:
        s = self.scenario
        topo = s.topology
        P = self.period_days
        self.items: dict[tuple[str, str], Item] = {}
        lanes: dict[tuple[str, int], LaneState] = {}
        for node in s.nodes:
            for j, lane in enumerate(node.lanes):
                state = LaneState(
                    None if lane.capacity_units_per_day is None else lane.capacity_units_per_day * P,
                    lane.lead_time_days // P,
                )
                if lane.lead_time_distribution is not None:
                    state.lead_distribution = lane.lead_time_distribution
                    state.rng = stream(self.seed, self.replication, f"lead_time/{node.name}/{j}")
                state.disruptions = [
                    (d.start_day, d.end_day, d.capacity_units_per_day * P, d.extra_lead_time_days // P)
                    for d in lane.disruptions
                ]
                lanes[node.name, j] = state
        self.disrupted_lanes = [lane for lane in lanes.values() if lane.disruptions]
        for node in s.nodes:
            for sku in topo.skus_of_node[node.name]:
                item = Item(node, sku)
                item.delay_periods = node.order_delay_days // P
                lane = topo.lane_for[node.name, sku]
                item.lane = lanes[node.name, node.lanes.index(lane)]
                item.lead_days = lane.lead_time_days
                spec = topo.policy_for(node, sku)
                assert spec is not None  # validated
                item.policy = build_policy(spec, lane.lead_time_days, P)
                item.manual = isinstance(spec, sc.Manual)
                self.items[node.name, sku] = item
        for (name, sku), item in self.items.items():
            lane = topo.lane_for[name, sku]
            if lane.supplier is not None:
                item.supplier = self.items[lane.supplier, sku]
        for market in sorted(s.markets, key=lambda m: m.name):
            for demand in market.demand:
                series = DemandSeries(
                    demand,
                    stream(self.seed, self.replication, f"demand/{market.name}/{demand.sku}"),
                    P,
                    self.discrete,
                )
                self.items[market.served_by, demand.sku].markets.append((market.name, series))
        discounts = purchase_discounts(s)  # empty without a business section
        for (name, sku_name), item in self.items.items():  # the price it pays its supplier (as in the money table)
            sku = topo.sku_by_name[sku_name]
            supplier = topo.lane_for[name, sku_name].supplier
            if supplier is None:
                item.unit_price = sku.unit_cost
            else:
                discount = discounts.get(name, topo.node_by_name[supplier].sell_discount)
                item.unit_price = sku.list_price * (1.0 - discount)
        # downstream first, SKUs in scenario order
        self.sequence: list[Item] = [
            self.items[name, sku] for name in topo.downstream_first for sku in topo.skus_of_node[name]
        ]
        for i, item in enumerate(self.sequence):
            item.index = i
        # prices and suppliers rarely change: a log (period, item index, unit price, supplier index)
        self.item_log: list[tuple[int, int, float, int]] = []
        for i, item in enumerate(self.sequence):
            item.supplier_index = item.supplier.index if item.supplier is not None else -1
            self.item_log.append((0, i, item.unit_price, item.supplier_index))
        self._initial_state()

    def _new_id(self) -> int:
        i = self._next_id
        self._next_id += 1
        return i

    def _initial_state(self) -> None:
        topo = self.scenario.topology
        P = self.period_days
        for item in self.sequence:
            node = topo.node_by_name[item.node]
            init = topo.initial_for(node, item.sku)
            item.on_hand = float(init.on_hand)
            supplier_name = item.supplier.node if item.supplier else "external"
            for k, qty in enumerate(init.pipeline):
                if qty <= 0:
                    continue
                order = Order(self._new_id(), INITIAL, item.node, supplier_name, item.sku, qty,
                              -1.0, k * P, item.priority, item)  # fmt: skip
                order.remaining = 0.0
                order.shipped = qty
                self.orders.append(order)
                item.on_order += qty
                item.in_transit += qty
                self._schedule(k * P, self._on_arrival, (item, order, qty))
            for k, qty in enumerate(init.orders_in_transit):
                if qty <= 0:
                    continue
                placed = (k - item.delay_periods) * P
                order = Order(self._new_id(), INITIAL, item.node, supplier_name, item.sku, qty,
                              placed, placed + (item.delay_periods * P) + item.lead_days,
                              item.priority, item)  # fmt: skip
                self.orders.append(order)
                item.on_order += qty
                self._schedule(k * P, self._on_order_seen, (item, order))
            if init.backlog > 0:
                # owed to the first customer (market by name, then node by name) that buys this SKU here
                customers = [m for m, _ in sorted(item.markets, key=lambda pair: pair[0])] + [
                    c
                    for c in topo.customers_of[item.node]
                    if (c, item.sku) in self.items and self.items[c, item.sku].supplier is item
                ]
                if customers:
                    self._initial_backlog(item, customers[0], init.backlog)

    def _initial_backlog(self, item: Item, customer: str, qty: float) -> None:
        buyer = self.items.get((customer, item.sku))
        kind = CUSTOMER if buyer is None else INITIAL
        order = Order(self._new_id(), kind, customer, item.node, item.sku, qty, -1.0, 0.0,
                      buyer.priority if buyer else 0, buyer)  # fmt: skip
        order.seen_day = -1.0
        self.orders.append(order)
        item.book.append(order)
        item.backlog += qty
        if buyer is not None:
            buyer.on_order += qty

    def _schedule(self, delay: float, callback: Callable[[Event], None], payload: tuple) -> None:
        _Due(self.env, delay, callback, payload)

    # ------------------------------------------------------------------ events
    def _on_arrival(self, event: Event) -> None:
        item, order, qty = event.value
        if item.exit_stock is not None:  # the partner has left: what still arrives goes back or is written off
            self._dispose(item, order, qty)
            return
        item.on_hand += qty
        item.in_transit -= qty
        item.on_order -= qty
        item.received += qty
        order.received += qty
        now = self.env.now
        if order.received >= order.qty - order.cancelled - 1e-9:
            order.last_receipt_day = now
        if self.record_events:
            self.events.append((now, "received", item.node, order.supplier, item.sku, qty, order.id))

    def _receive_due(self, now: float) -> None:
        """Put on hand the shipments due at ``now`` from the receipt calendar (no business layer).

        The same as :meth:`_on_arrival` for each, in shipping order; without a business layer
        nothing else happens at a period start before the period's work (an order reaching its
        supplier touches other fields), so a calendar gives exactly what one SimPy event per
        shipment gives, at the cost of a dict lookup.
        """
        due = self._receipts.pop(now, None)  # type: ignore[union-attr]
        if due is None:
            return
        events = self.events if self.record_events else None
        for item, order, qty in due:
            item.on_hand += qty
            item.in_transit -= qty
            item.on_order -= qty
            item.received += qty
            received = order.received = order.received + qty
            if received >= order.qty - order.cancelled - 1e-9:
                order.last_receipt_day = now
            if events is not None:
                events.append((now, "received", item.node, order.supplier, item.sku, qty, order.id))

    def _on_order_seen(self, event: Event) -> None:
        item, order = event.value
        self._deliver_order(item, order)

    def _deliver_order(self, item: Item, order: Order) -> None:
        supplier = item.supplier
        now = self.env.now
        seen = now
        if now % self.period_days:  # released mid-period (an approval): the supplier acts next period
            seen = (math.floor(now / self.period_days) + 1) * self.period_days
        if supplier is None:
            order.seen_day = seen
            item.external_book.append(order)
        else:
            order.seen_day = seen
            supplier.book.append(order)
            supplier.book_dirty = True
            supplier.backlog += order.remaining
            supplier.demand_in += order.remaining

    # ------------------------------------------------------------------ the period
    def _run_period(self) -> Event:
        """One period of work (see the module docstring); returns the timeout to the next period."""
        env = self.env
        k = self.period
        now = env.now
        if self._receipts:
            self._receive_due(now)
        if self.business is not None:
            self.business.before_period(k, now)
        for lane in self.disrupted_lanes:
            _apply_disruptions(lane, now)
        plan = self._plan
        if plan is None:
            plan = self._plan = self._plain_plan()
        if plan:
            self._plain_period(plan, k, now)
            if k + 2 < self._stop_period and type(now) is int:
                return self._plain_periods(plan, k, now)
        else:
            for item in self.sequence:
                if item.markets:
                    self._market_demand(item, k, now)
                if item.book:
                    self._fill(item, k, now)
                self._place_order(item, k, now)
        self._record_levels(now)
        self.period = k + 1
        if self.period >= self._stop_period and self._stop_event is not None:
            self._stop_event.succeed()
        return env.timeout(self.period_days)

    def _plain_periods(self, plan: list[_PlanEntry], k: int, start: int) -> Event:
        """After plain period ``k`` at day ``start``: the next plain periods in one SimPy step.

        Nothing else is scheduled in a plain session (receipts are in the engine's calendar),
        so the clock's one-timeout-a-period loop would only step from one period to the next:
        this runs them back to back, stopping short of the next scheduled SimPy event (if any)
        and of the advance's last period, which runs in its own step so that the simulation
        clock stands where a period-by-period run leaves it. Returns the timeout to the next
        period (whole days: the day count stays exact).
        """
        P = self.period_days
        last = self._stop_period - 1
        horizon = self.env.peek()  # the next other event (infinity when there is none)
        receipts = self._receipts
        now = start
        self._record_levels(now)
        while k + 1 < last and now + P < horizon:
            k += 1
            now += P
            if receipts:
                self._receive_due(now)
            self._plain_period(plan, k, now)
            self._record_levels(now)
        self.period = k + 1
        return self.env.timeout(now + P - start)

    def _plain_plan(self) -> list[_PlanEntry] | bool:
        """The fused period's plan when every item is plain, else False (the general path).

        Plain: no business layer (receipts in the calendar), no event records, no lane
        disruption; every item orders by base stock without an order delay, backorders,
        allocates first come (or by priority), has no lane capacity nor drawn lead time, and
        at most one market at the demand factor 1 without diversion. Each entry: the item,
        its order-up-to level, its supplier, its market and demand series (None without one),
        and what its orders carry: node, SKU, supplier's name, lead days, priority.
        SessionControl drops the plan on every change (see :meth:`SessionControl._changed`).
        """
        if self._receipts is None or self.record_events or self.disrupted_lanes:
            return False
        plan = []
        for item in self.sequence:
            lane = item.lane
            if (
                type(item.policy) is not BaseStockPolicy or item.manual or item.delay_periods or item.lost_sales
                or item.allocation == "proportional" or item.divert_to is not None or item.demand_factor != 1.0
                or len(item.markets) > 1 or item.exit_stock is not None or lane.capacity is not None
                or lane.lead_distribution is not None or lane.extra_lead_periods or lane.disruptions
            ):  # fmt: skip
                return False
            market, series = item.markets[0] if item.markets else ("", None)
            supplier = item.supplier
            plan.append(
                (
                    item, item.policy.level, supplier, market, series,  # type: ignore[attr-defined]
                    item.node, item.sku, supplier.node if supplier else "external", item.lead_days, item.priority,
                )
            )  # fmt: skip
        return plan

    def _plain_period(self, plan: list[_PlanEntry], k: int, now: float) -> None:
        """The period's work for plain items (see :meth:`_plain_plan`), fused in one loop.

        The same operations in the same order as :meth:`_market_demand`, :meth:`_fill`,
        :meth:`_ship` and :meth:`_place_order` do for such items, on locals where a field is
        only read back by this loop (the same float operations, so the same results).
        """
        P = self.period_days
        receipts = self._receipts
        assert receipts is not None
        orders = self.orders
        discrete = self.discrete
        served = self.served
        next_id = self._next_id
        for item, level, supplier, market, series, node, sku, supplier_name, lead_days, priority in plan:
            if series is not None:
                drawn = series.values  # drawn ahead a chunk at a time
                total = drawn[k] if k < len(drawn) else series.at(k)
                if total > 0:
                    item.demand_in += total
                    item.customer_demand += total
                    if not item.book and item.on_hand >= total:
                        item.on_hand -= total
                        item.shipped += total
                        item.customer_sales += total
                        served.append((next_id, market, node, sku, total, now))
                        next_id += 1
                    else:
                        order = Order(next_id, CUSTOMER, market, node, sku, total, now, now, 0, None)
                        order.seen_day = now
                        next_id += 1
                        orders.append(order)
                        item.book.append(order)
                        item.book_dirty = True
                        item.backlog += total
            on_hand = item.on_hand
            backlog = item.backlog
            book = item.book
            if book:
                if item.book_dirty:
                    if len(book) > 1:
                        book = self._sorted_book(item)
                    else:
                        item.book_dirty = False
                if on_hand > 0:
                    shipped = item.shipped
                    for order in book:
                        qty = order.remaining
                        if qty > on_hand:
                            qty = on_hand
                        if qty > 0:
                            # _ship, inlined
                            on_hand -= qty
                            backlog -= qty
                            shipped += qty
                            order.remaining -= qty
                            order.shipped += qty
                            if order.first_ship_day is None:
                                order.first_ship_day = now
                            if order.seen_day == now:
                                order.immediate += qty
                            buyer = order.buyer
                            if buyer is None:  # an end customer: delivered at once
                                item.customer_sales += qty
                                order.received += qty
                                if order.remaining <= 0:
                                    order.last_receipt_day = now
                            else:
                                buyer.in_transit += qty
                                buyer.sell_in += qty
                                day = now + buyer.lane.lead_periods * P
                                if (due := receipts.get(day)) is None:
                                    receipts[day] = [(buyer, order, qty)]
                                else:
                                    due.append((buyer, order, qty))
                            if on_hand <= 0:
                                break
                    item.on_hand = on_hand
                    item.backlog = backlog
                    item.shipped = shipped
                if len(book) == 1:
                    if book[0].remaining <= 0:
                        item.book = []
                else:
                    item.book = [o for o in book if o.remaining > 0]
            # _place_order, inlined (base stock, no order delay)
            on_order = item.on_order
            qty = level - (on_hand + on_order - backlog)
            if discrete:
                qty = math.floor(qty + 0.5)
            if qty > 0:
                order = Order(
                    next_id, REPLENISHMENT, node, supplier_name, sku, qty, now, now + lead_days, priority, item
                )
                next_id += 1
                orders.append(order)
                item.on_order = on_order + qty
                item.ordered += qty
                item.orders_placed += 1
                order.seen_day = now
                if supplier is None:
                    item.external_book.append(order)
                else:
                    supplier.book.append(order)
                    supplier.book_dirty = True
                    supplier.backlog += qty
                    supplier.demand_in += qty
            external = item.external_book
            if external:
                # _ship_external and _send, inlined (no lane capacity)
                day = now + item.lane.lead_periods * P
                for order in external:
                    qty = order.remaining
                    if qty <= 0:
                        break
                    order.remaining -= qty
                    order.shipped += qty
                    if order.first_ship_day is None:
                        order.first_ship_day = now
                    if order.seen_day == now:
                        order.immediate += qty
                    item.in_transit += qty
                    item.sell_in += qty
                    if (due := receipts.get(day)) is None:
                        receipts[day] = [(item, order, qty)]
                    else:
                        due.append((item, order, qty))
                if len(external) == 1:
                    if external[0].remaining <= 0:
                        item.external_book = []
                else:
                    item.external_book = [o for o in external if o.remaining > 0]
        self._next_id = next_id

    def _market_demand(self, item: Item, k: int, now: float) -> None:
        """End-customer demand of the period; served at once when stock covers all of it."""
        markets = item.markets
        if item.divert_to is not None:
            self._divert(item, k, now)
            return
        if len(markets) == 1 and item.demand_factor == 1.0:
            market, series = markets[0]
            drawn = series.values  # drawn ahead a chunk at a time
            total = drawn[k] if k < len(drawn) else series.at(k)
            if total <= 0:
                return
            wanted = [(market, total)]
        else:
            factor = item.demand_factor
            wanted = [(market, series.at(k)) for market, series in markets]
            if factor != 1.0:  # scaled draws (rounded in discrete mode): a documented approximation
                wanted = [(m, math.floor(q * factor + 0.5) if self.discrete else q * factor) for m, q in wanted]
            total = sum(qty for _, qty in wanted)
            if total <= 0:
                return
        item.demand_in += total
        item.customer_demand += total
        record = self.record_events
        if not item.book and item.on_hand >= total:
            # fast path: nothing is backordered and stock covers every market
            item.on_hand -= total
            item.shipped += total
            item.customer_sales += total
            for market, qty in wanted:
                if qty > 0:
                    oid = self._next_id
                    self._next_id = oid + 1
                    self.served.append((oid, market, item.node, item.sku, qty, now))
                    if record:
                        self.events.append((now, "demand", item.node, market, item.sku, qty, oid))
                        self.events.append((now, "shipped", item.node, market, item.sku, qty, oid))
            return
        for market, qty in wanted:
            if qty > 0:
                order = Order(self._next_id, CUSTOMER, market, item.node, item.sku, qty, now, now, 0, None)
                order.seen_day = now
                self._next_id += 1
                self.orders.append(order)
                item.book.append(order)
                item.book_dirty = True
                item.backlog += qty
                if record:
                    self.events.append((now, "demand", item.node, market, item.sku, qty, order.id))

    def _sorted_book(self, item: Item) -> list[Order]:
        book = item.book
        if item.book_dirty:
            if len(book) > 1:
                if item.allocation == "priority":
                    book.sort(key=lambda o: (o.priority, o.placed_day, o.id))
                else:
                    book.sort(key=lambda o: (o.placed_day, o.id))
            item.book_dirty = False
        return book

    def _fill(self, item: Item, k: int, now: float) -> None:
        book = item.book
        if item.book_dirty:
            if len(book) > 1:
                book = self._sorted_book(item)
            else:
                item.book_dirty = False
        available = item.on_hand
        if available > 0:
            short = item.backlog > available
            if short and self.business is not None and len(book) > 1:
                self.business.on_allocation(now, item, available)
            if short and item.allocation == "proportional":
                self._fill_proportional(item, book, available, k, now)
            else:
                for order in book:
                    qty = order.remaining
                    if qty > available:
                        qty = available
                    buyer = order.buyer
                    if buyer is not None and buyer.lane.capacity is not None:
                        qty = self._capacity_limit(order, qty, k)
                    if qty > 0:
                        self._ship(item, order, qty, now)
                        available -= qty
                        if available <= 0:
                            break
        if item.lost_sales:
            for order in book:
                if order.remaining > 0:
                    self._cancel(item, order, now)
        if len(book) == 1:
            if book[0].remaining <= 0:
                item.book = []
        else:
            item.book = [o for o in book if o.remaining > 0]

    def _capacity_limit(self, order: Order, qty: float, k: int) -> float:
        buyer = order.buyer
        if buyer is None or buyer.lane.capacity is None:
            return qty
        lane = buyer.lane
        if lane.period != k:
            lane.period = k
            lane.used = 0.0
        left = lane.capacity - lane.used
        if self.discrete:
            left = math.floor(left + 1e-9)
        return qty if qty < left else max(left, 0.0)

    def _fill_proportional(self, item: Item, book: list[Order], available: float, k: int, now: float) -> None:
        total = sum(o.remaining for o in book)
        shares = [available * o.remaining / total for o in book]
        if self.discrete:
            floors = [math.floor(x + 1e-9) for x in shares]
            left = int(round(available - sum(floors)))
            # largest remainder, ties by book order (placement, then id)
            ranked = sorted(range(len(book)), key=lambda i: (-(shares[i] - floors[i]), i))
            for i in ranked[:left]:
                floors[i] += 1
            shares = [float(x) for x in floors]
        for order, share in zip(book, shares, strict=True):
            qty = min(share, order.remaining, item.on_hand)  # shares may exceed stock by a rounding error
            qty = self._capacity_limit(order, qty, k)
            if qty > 0:
                self._ship(item, order, qty, now)

    def _ship(self, item: Item, order: Order, qty: float, now: float) -> None:
        item.on_hand -= qty
        item.backlog -= qty
        item.shipped += qty
        order.remaining -= qty
        order.shipped += qty
        if order.first_ship_day is None:
            order.first_ship_day = now
        if order.seen_day == now:
            order.immediate += qty
        if self.record_events:
            self.events.append((now, "shipped", item.node, order.customer, item.sku, qty, order.id))
        buyer = order.buyer
        if buyer is None:  # an end customer: delivered at once
            item.customer_sales += qty
            order.received += qty
            if order.remaining <= 0:
                order.last_receipt_day = now
            return
        # the body of _send, inlined: this is the hottest path of the engine
        lane = buyer.lane
        if lane.capacity is not None:
            if lane.period != self.period:
                lane.period = self.period
                lane.used = 0.0
            lane.used += qty
        buyer.in_transit += qty
        buyer.sell_in += qty
        lead = lane.lead_periods if lane.lead_distribution is None else _draw_lead(lane, self.period_days)
        delay = (lead + lane.extra_lead_periods) * self.period_days
        receipts = self._receipts
        if receipts is None:
            _Due(self.env, delay, self._on_arrival, (buyer, order, qty))
        elif (due := receipts.get(now + delay)) is None:
            receipts[now + delay] = [(buyer, order, qty)]
        else:
            due.append((buyer, order, qty))

    def _send(self, buyer: Item, order: Order, qty: float, now: float) -> None:
        """Put shipped units on the buyer's lane; they arrive after the (drawn) lead time."""
        lane = buyer.lane
        if lane.capacity is not None:
            if lane.period != self.period:
                lane.period = self.period
                lane.used = 0.0
            lane.used += qty
        buyer.in_transit += qty
        buyer.sell_in += qty
        lead = lane.lead_periods if lane.lead_distribution is None else _draw_lead(lane, self.period_days)
        delay = (lead + lane.extra_lead_periods) * self.period_days
        receipts = self._receipts
        if receipts is None:  # with a business layer: a SimPy event (urgent: before the period's work)
            _Due(self.env, delay, self._on_arrival, (buyer, order, qty))
        elif (due := receipts.get(now + delay)) is None:  # else the receipt calendar (see _receive_due)
            receipts[now + delay] = [(buyer, order, qty)]
        else:
            due.append((buyer, order, qty))

    def _cancel(self, item: Item, order: Order, now: float) -> None:
        qty = order.remaining
        order.remaining = 0.0
        order.cancelled += qty
        item.backlog -= qty
        item.lost += qty
        if order.buyer is not None:
            # a shipped part still in transit closes the order when it lands (see _on_arrival)
            order.buyer.on_order -= qty
            if order.shipped > 0 and order.received >= order.shipped - 1e-9:
                order.last_receipt_day = now
        elif order.shipped > 0:
            order.last_receipt_day = now
        if self.record_events:
            self.events.append((now, "lost", item.node, order.customer, item.sku, qty, order.id))

    def _place_order(self, item: Item, k: int, now: float) -> None:
        on_hand = item.on_hand
        backlog = item.backlog
        policy = item.policy
        if type(policy) is BaseStockPolicy:  # the most common policy, inlined
            qty = policy.level - (on_hand + item.on_order - backlog)
        elif item.manual:
            qty = self.decisions.get((k, item.node, item.sku), policy.default)  # type: ignore[attr-defined]
            if self.business is not None and (k, item.node, item.sku) in self.decisions:
                self.business.on_order_decision(now, item, qty)
        else:
            qty = policy.decide(on_hand + item.on_order - backlog, on_hand - backlog, item.on_order, item.demand_in, k)
        if self.discrete:
            qty = math.floor(qty + 0.5)
        if qty > 0:
            supplier = item.supplier
            order = Order(
                self._next_id, REPLENISHMENT, item.node, supplier.node if supplier else "external",
                item.sku, qty, now, now + item.delay_periods * self.period_days + item.lead_days,
                item.priority, item,
            )  # fmt: skip
            self._next_id += 1
            self.orders.append(order)
            item.on_order += qty
            item.ordered += qty
            item.orders_placed += 1
            if self.record_events:
                self.events.append((now, "ordered", item.node, order.supplier, item.sku, qty, order.id))
            if supplier is not None and self.business is not None and self.business.intercept_order(item, order):
                pass  # the extension releases it later (credit and approvals first), see SessionControl
            elif item.delay_periods:
                _Due(self.env, item.delay_periods * self.period_days, self._on_order_seen, (item, order))
            elif supplier is None:
                order.seen_day = now
                item.external_book.append(order)
            else:
                order.seen_day = now
                supplier.book.append(order)
                supplier.book_dirty = True
                supplier.backlog += qty
                supplier.demand_in += qty
        if item.external_book:
            self._ship_external(item, k, now)

    def _ship_external(self, item: Item, k: int, now: float) -> None:
        """The outside source has unlimited stock: it ships what lane capacity allows."""
        book = item.external_book
        for order in book:
            qty = order.remaining
            buyer = order.buyer
            if buyer is not None and buyer.lane.capacity is not None:
                qty = self._capacity_limit(order, qty, k)
            if qty <= 0:
                break
            order.remaining -= qty
            order.shipped += qty
            if order.first_ship_day is None:
                order.first_ship_day = now
            if order.seen_day == now:
                order.immediate += qty
            if self.record_events:
                self.events.append((now, "shipped", "external", item.node, item.sku, qty, order.id))
            self._send(item, order, qty, now)
        if len(book) == 1:
            if book[0].remaining <= 0:
                item.external_book = []
        else:
            item.external_book = [o for o in book if o.remaining > 0]

    def _record_levels(self, now: float) -> None:
        """Append one StoredLevelRow per item (its index in ``sequence`` stands for node and SKU)."""
        log = self._level_log
        offset = self._level_bytes
        size = LEVEL_STRUCT.size
        if offset + size * len(self.sequence) > len(log):
            log.extend(bytes(max(len(log), 64 * size * len(self.sequence))))
        pack = LEVEL_STRUCT.pack_into
        for index, item in enumerate(self.sequence):
            pack(
                log, offset, now, index, item.on_hand, item.backlog, item.on_order, item.in_transit,
                item.demand_in, item.shipped, item.sell_in, item.received, item.ordered, item.lost,
                item.orders_placed, item.customer_demand, item.customer_sales,
            )  # fmt: skip
            offset += size
            item.demand_in = item.shipped = item.sell_in = item.received = item.ordered = item.lost = 0.0
            item.customer_demand = item.customer_sales = 0.0
            item.orders_placed = 0
        self._level_bytes = offset

    def level_rows(self, periods: int | None = None) -> list[LevelRow]:
        """The levels rows recorded so far (of the last ``periods`` periods), oldest first, by name."""
        end = self._level_bytes
        start = 0 if periods is None else max(0, end - periods * len(self.sequence) * LEVEL_STRUCT.size)
        keys = [(item.node, item.sku) for item in self.sequence]
        rows = []
        for day, index, *values in LEVEL_STRUCT.iter_unpack(self._level_log[start:end]):
            values[-3] = int(values[-3])  # orders_placed
            rows.append(LevelRow(day, *keys[int(index)], *values))
        return rows

    def event_rows(self) -> list[EventRow]:
        """The events recorded so far (none unless ``record_events``), as named records."""
        return [EventRow._make(row) for row in self.events]

    # ------------------------------------------------------------------ internals behind SessionControl
    def _note_item_change(self, item: Item) -> None:
        """Log a new unit price or supplier of ``item``; it holds from the next period recorded."""
        self.item_log.append((self.period, item.index, item.unit_price, item.supplier_index))

    def _divert(self, item: Item, k: int, now: float) -> None:
        """Channel conflict: part of each market's demand buys from the cheaper dealer instead."""
        target = item.divert_to
        assert target is not None
        share, factor = item.divert_share, item.demand_factor
        kept = []
        for market, series in item.markets:
            qty = series.at(k) * factor
            moved = qty * share
            if self.discrete:  # each unit of demand diverts with probability `share` (binomial thinning)
                qty = math.floor(qty + 0.5)
                moved = float(self._divert_rng.binomial(int(qty), share)) if qty > 0 else 0.0
            if moved > 0:
                self._add_customer_order(target, f"diverted:{market}", moved, now)
            kept.append((market, qty - moved))
        for market, qty in kept:
            if qty > 0:
                self._add_customer_order(item, market, qty, now)

    def _dispose(self, item: Item, order: Order, qty: float) -> None:
        item.in_transit -= qty
        item.on_order -= qty
        item.received += qty
        order.received += qty
        now = self.env.now
        if order.received >= order.qty - order.cancelled - 1e-9:
            order.last_receipt_day = now
        self._dispose_stock(item, qty)

    def _dispose_stock(self, item: Item, qty: float) -> None:
        """A leaver's units: back to its supplier's stock (``return``) or written off."""
        if item.exit_stock == "return" and item.supplier is not None:
            item.supplier.on_hand += qty
            event = "returned"
        else:
            event = "written_off"
        if self.record_events:
            counterpart = item.supplier.node if item.supplier is not None else ""
            self.events.append((self.env.now, event, item.node, counterpart, item.sku, qty, 0))

    def _release_order(self, item: Item, order: Order) -> None:
        """Send an order that passed credit and approvals on to its supplier (after the order delay)."""
        if item.delay_periods:
            _Due(self.env, item.delay_periods * self.period_days, self._on_order_seen, (item, order))
        else:
            self._deliver_order(item, order)

    def _cancel_unreleased(self, item: Item, order: Order, reason: str) -> None:
        """Cancel an order that was never released (e.g. rejected on credit)."""
        qty = order.remaining
        order.remaining = 0.0
        order.cancelled += qty
        item.on_order -= qty
        if self.record_events:
            self.events.append((self.env.now, f"rejected_{reason}", item.node, order.supplier, item.sku, qty, order.id))

    def _shrink_order(self, item: Item, order: Order, qty: float) -> None:
        """Reduce an unreleased order to ``qty`` (a partial credit release)."""
        cut = order.remaining - qty
        order.remaining = qty
        order.cancelled += cut
        item.on_order -= cut
        if self.record_events:
            self.events.append((self.env.now, "reduced_credit", item.node, order.supplier, item.sku, cut, order.id))

    def _add_customer_order(self, item: Item, customer: str, qty: float, now: float) -> None:
        """An end-customer order from outside the markets (a won deal) joins the node's book."""
        order = Order(self._next_id, CUSTOMER, customer, item.node, item.sku, qty, now, now, 0, None)
        order.seen_day = now
        self._next_id += 1
        self.orders.append(order)
        item.book.append(order)
        item.book_dirty = True
        item.backlog += qty
        item.demand_in += qty
        item.customer_demand += qty
        if self.record_events:
            self.events.append((now, "demand", item.node, customer, item.sku, qty, order.id))

    # ------------------------------------------------------------------ public API
    def _item(self, node: str, sku: str) -> Item:
        item = self.items.get((node, sku))
        if item is None:
            known = sorted({f"{n}/{s}" for n, s in self.items})
            raise SimulationError(f"no stock of sku '{sku}' at node '{node}' (known: {', '.join(known[:10])})")
        return item

    def _check_manual(self, node: str, sku: str) -> Item:
        item = self._item(node, sku)
        if not item.manual:
            raise SimulationError(
                f"node '{node}' orders '{sku}' by its own policy; only nodes with policy `manual` take decisions"
            )
        return item

    @property
    def manual_items(self) -> list[tuple[str, str]]:
        """(node, sku) pairs whose orders are decided by the caller."""
        return [(i.node, i.sku) for i in self.sequence if i.manual]

    @property
    def day(self) -> int:
        """The first day of the next period to simulate."""
        return self.period * self.period_days

    def set_order(self, node: str, sku: str, qty: float) -> None:
        """Decide what ``node`` orders of ``sku`` in the next period to be simulated."""
        self._check_manual(node, sku)
        _check_quantity(node, sku, qty)
        self.decisions[self.period, node, sku] = float(qty)

    def set_decisions(self, decisions: Mapping[tuple[int, str, str], float]) -> None:
        """Decisions for future periods, keyed by (period, node, sku)."""
        for (period, node, sku), qty in sorted(decisions.items()):
            self._check_manual(node, sku)
            _check_quantity(node, sku, qty)
            if period < self.period:
                raise SimulationError(f"period {period} is already simulated (next is {self.period})")
            self.decisions[int(period), node, sku] = float(qty)

    def advance(self, days: int | None = None, *, periods: int | None = None) -> Session:
        """Simulate the next ``days`` days (rounded up to whole periods) or ``periods`` periods."""
        if periods is None:
            if days is None:
                periods = 1
            else:
                if days < 0:
                    raise SimulationError(f"days must be >= 0, got {days}")
                periods = -(-int(days) // self.period_days)
        if periods < 0:
            raise SimulationError(f"periods must be >= 0, got {periods}")
        if periods == 0:
            return self
        self._stop_period = self.period + periods
        self._stop_event = self.env.event()
        # room for the level rows of the whole advance at once (no doubling copies during a long run)
        log = self._level_log
        need = self._stop_period * LEVEL_STRUCT.size * len(self.sequence) - len(log)
        if need > 0:
            log.extend(bytes(max(need, len(log))))
        # The run allocates many small objects and frees none of them mid-run; the cyclic
        # garbage collector would only rescan them (about a third of the run time).
        collecting = gc.isenabled()
        gc.disable()
        try:
            self.env.run(until=self._stop_event)
            if self.business is not None:
                # business events inside the last period (approvals, payments) happen before its end;
                # stock events fall on period starts, so none of them runs early
                self.env.run(until=self._stop_period * self.period_days - 1e-6)
        finally:
            if collecting:
                gc.enable()
        return self

    def fork(self) -> Session:
        """An independent copy that continues exactly as this session would.

        Advancing both with the same decisions gives the same tables, equal to a straight
        run; a decision or an advance on one leaves the other unchanged. Much cheaper than
        a replay from day 0: the copy is a deep copy of the running simulation (its SimPy
        processes keep their state as data, see :mod:`chansim.model.resumable`). The
        scenario, immutable, is shared.
        """
        memo: dict[int, object] = {id(PENDING): PENDING, id(self.scenario): self.scenario}
        # records of the past hold immutable rows: the copy gets its own container of the same rows
        rows: list[list | dict | set] = [self.events, self.served, self.item_log]  # the level buffer (bytes) is copied
        # archives hold objects that are final once no live part of the run (a book, a pending
        # event, a process) refers to them: the copy shares those and copies the others
        archives: list[list] = [self.orders]
        if self.business is not None:
            extension_rows, extension_archives = self.business.fork_records()
            rows += extension_rows
            archives += extension_archives
        for container in rows:
            memo[id(container)] = container.copy()
        rebuilt = []
        for archive in archives:
            twin_archive: list = []
            memo[id(archive)] = twin_archive
            rebuilt.append((archive, twin_archive))
        collecting = gc.isenabled()
        gc.disable()
        try:
            twin = copy.deepcopy(self, memo)
            for archive, twin_archive in rebuilt:
                twin_archive.extend([memo.get(id(entry), entry) for entry in archive])
            return twin
        finally:
            if collecting:
                gc.enable()

    def state(self):  # type: ignore[no-untyped-def]
        """Current stock of every node x SKU as a DataFrame (one row per node x SKU)."""
        import pandas as pd

        rows = [
            {
                "day": self.day, "node": i.node, "sku": i.sku, "on_hand": i.on_hand,
                "backorder": i.backlog, "on_order": i.on_order, "in_transit": i.in_transit,
                "inventory_position": i.on_hand + i.on_order - i.backlog, "manual": i.manual,
            }
            for i in self.sequence
        ]  # fmt: skip
        return pd.DataFrame(rows)

    def result(self):  # type: ignore[no-untyped-def]
        """The tables recorded so far."""
        info = RunInfo(self.scenario.name, self.replication, self.seed, self.period_days, self.day)
        business = self.business.tables() if self.business is not None else None
        return _installed.results()[0](
            self.scenario,
            info,
            self.events,
            memoryview(self._level_log)[: self._level_bytes],
            self.orders,
            dict(self.decisions),
            self.served,
            business,
            [(item.node, item.sku) for item in self.sequence],
            list(self.item_log),
        )

    def _release_records(self) -> None:
        """Let go of the records a :class:`Result` now holds (``run`` discards its session).

        A session is a reference cycle (its SimPy environment holds its processes and events,
        which hold it) that only the cyclic garbage collector frees; holding the run's orders,
        it would keep them alive until a full collection and have every collection before
        that scan them. Without it they go with the result.
        """
        self.orders = []
        self.served = []
        self.events = []
        self._level_log = bytearray()
        self._level_bytes = 0


def _check_quantity(node: str, sku: str, qty: object) -> None:
    """Raise :class:`SimulationError` unless ``qty`` is a finite number in [0, MAX_QUANTITY]."""
    if (
        isinstance(qty, bool)
        or not isinstance(qty, int | float | np.integer | np.floating)
        or not math.isfinite(qty)
        or qty < 0
    ):
        raise SimulationError(f"order quantity for {node}/{sku} must be a number >= 0, got {qty!r}")
    if qty > sc.MAX_QUANTITY:
        raise SimulationError(f"order quantity for {node}/{sku} is absurd ({qty}); the limit is {sc.MAX_QUANTITY:g}")


def _apply_disruptions(lane: LaneState, day: float) -> None:
    """Set the lane's capacity and extra lead time for the period starting on ``day``."""
    capacity = lane.base_capacity
    extra = 0
    for start, end, cap, extra_periods in lane.disruptions:
        if start <= day < end:
            if cap is not None:
                capacity = cap if capacity is None else min(capacity, cap)
            extra = max(extra, extra_periods)
    lane.capacity = capacity
    lane.extra_lead_periods = extra


def _draw_lead(lane: LaneState, period_days: int) -> int:
    assert lane.rng is not None
    lane.draws += 1  # an empirical series of lead times is replayed in order
    assert lane.lead_distribution is not None
    value = lane.lead_distribution.sample(lane.rng, start=lane.draws - 1)
    return max(1, int(math.floor(value / period_days + 0.5)))


def run(
    scenario: sc.Scenario,
    seed: int = 0,
    days: int | None = None,
    *,
    replication: int = 0,
    decisions: Mapping[tuple[int, str, str], float] | None = None,
    record_events: bool = True,
):  # type: ignore[no-untyped-def]
    """Simulate ``days`` days (default: the scenario's horizon) and return a :class:`Result`."""
    # the cyclic GC paused over the whole run, building and result included (advance pauses it
    # too): nothing made here is garbage before the run ends, so a collection would only rescan
    collecting = gc.isenabled()
    gc.disable()
    try:
        session = Session(scenario, seed=seed, replication=replication, record_events=record_events)
        if decisions:
            session.set_decisions(decisions)
        session.advance(days if days is not None else scenario.horizon_days)
        result = session.result()
        session._release_records()
    finally:
        if collecting:
            gc.enable()
    return result


def replicate(
    scenario: sc.Scenario,
    n: int,
    seed: int = 0,
    days: int | None = None,
    *,
    progress: bool = False,
    record_events: bool = True,
    first_replication: int = 0,
):  # type: ignore[no-untyped-def]
    """Run ``n`` independent replications (streams 0..n-1 of ``seed``); return a :class:`Replications`."""
    if n < 1:
        raise SimulationError(f"replications must be >= 1, got {n}")
    indices: Iterable[int] = range(first_replication, first_replication + n)
    if progress:
        from tqdm import tqdm

        indices = tqdm(indices, total=n, desc=f"{scenario.name}", unit="rep", leave=False)
    results = [run(scenario, seed=seed, days=days, replication=r, record_events=record_events) for r in indices]
    return _installed.results()[1](results)
