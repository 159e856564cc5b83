"""Scenario schema: immutable pydantic models for a sales channel.

A scenario describes the network (vendor, distributors, dealers), the supply lanes
between them, the products, end-customer markets and their demand, the ordering
policy of every node and SKU, and the costs. Every field is documented in
``docs/scenario-format.md``.

Time is counted in days. The model advances in periods of ``period_days`` days
(1 by default, 7 for the weekly beer game). See ``docs/scenario-format.md`` for the
exact order of events within a period and the meaning of a lead time.
"""

from __future__ import annotations

import datetime as _dt
import weakref
from collections.abc import Iterable
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from chansim.config.base import (  # re-exported: the primitives of every configuration
    MAX_DAYS,
    MAX_MONEY,
    MAX_QUANTITY,
    NAME_PATTERN,
    Money,
    Name,
    NodeKind,
    Quantity,
)
from chansim.config.business import Business, business_problems
from chansim.config.distributions import (  # re-exported: the one distribution family
    Deterministic,
    Distribution,
    Empirical,
    NegativeBinomial,
    Normal,
    Poisson,
    Uniform,
)

__all__ = [
    "MAX_DAYS",
    "MAX_MONEY",
    "MAX_QUANTITY",
    "NAME_PATTERN",
    "RQ",
    "SS",
    "BaseStock",
    "Business",
    "DemandStream",
    "Deterministic",
    "Disruption",
    "Distribution",
    "Empirical",
    "ExponentialSmoothing",
    "ForecastOrderUpTo",
    "InitialState",
    "Item",
    "Lane",
    "Manual",
    "Market",
    "Money",
    "MovingAverage",
    "Name",
    "NegativeBinomial",
    "Node",
    "NodeKind",
    "Normal",
    "PeriodicReview",
    "Poisson",
    "Policy",
    "Promotion",
    "Quantity",
    "Region",
    "Scenario",
    "Shock",
    "Sku",
    "Sterman",
    "Uniform",
    "YearlySeasonality",
]


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# --------------------------------------------------------------------------- demand


class YearlySeasonality(_Frozen):
    """Multiplier ``1 + amplitude * cos(2*pi*(day - peak_day) / 365)``."""

    amplitude: Annotated[float, Field(ge=0, le=1)]
    peak_day: Annotated[int, Field(ge=0, le=365)] = 0


class Promotion(_Frozen):
    """Demand multiplied by ``1 + uplift`` on days ``start_day <= day < end_day``."""

    start_day: Annotated[int, Field(ge=0, le=MAX_DAYS)]
    end_day: Annotated[int, Field(ge=1, le=MAX_DAYS)]
    uplift: Annotated[float, Field(ge=-1, le=100)]
    name: str | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Promotion:
        if self.end_day <= self.start_day:
            raise ValueError(f"end_day ({self.end_day}) must be after start_day ({self.start_day})")
        return self


class Shock(_Frozen):
    """Demand multiplied by ``multiplier`` from ``start_day`` (until ``end_day`` if given)."""

    start_day: Annotated[int, Field(ge=0, le=MAX_DAYS)]
    end_day: Annotated[int | None, Field(ge=1, le=MAX_DAYS)] = None
    multiplier: Annotated[float, Field(ge=0, le=1000)]
    name: str | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Shock:
        if self.end_day is not None and self.end_day <= self.start_day:
            raise ValueError(f"end_day ({self.end_day}) must be after start_day ({self.start_day})")
        return self


class DemandStream(_Frozen):
    """End-customer demand for one SKU in one market, per period."""

    sku: Name
    distribution: Distribution
    weekly_seasonality: (
        Annotated[list[Annotated[float, Field(ge=0, le=100)]], Field(min_length=7, max_length=7)] | None
    ) = None
    yearly_seasonality: YearlySeasonality | None = None
    trend_per_year: Annotated[float, Field(ge=-1, le=100)] = 0.0
    promotions: list[Promotion] = []
    shocks: list[Shock] = []


class Market(_Frozen):
    """End customers in a region, served by one dealer (or any node)."""

    name: Name
    served_by: Name
    region: Name | None = None
    display_name: str | None = None
    demand: Annotated[list[DemandStream], Field(min_length=1, max_length=1000)]


# --------------------------------------------------------------------------- policies


class BaseStock(_Frozen):
    """Order-up-to S every period: order ``max(0, S - inventory position)``."""

    type: Literal["base_stock"] = "base_stock"
    order_up_to: Quantity


class SS(_Frozen):
    """(s, S): when the inventory position is at or below s, order up to S."""

    type: Literal["s_S"] = "s_S"
    reorder_point: Annotated[float, Field(ge=-MAX_QUANTITY, le=MAX_QUANTITY)]
    order_up_to: Quantity

    @model_validator(mode="after")
    def _ordered(self) -> SS:
        if self.order_up_to <= self.reorder_point:
            raise ValueError(f"order_up_to ({self.order_up_to}) must exceed reorder_point ({self.reorder_point})")
        return self


class RQ(_Frozen):
    """(r, Q): when the inventory position is at or below r, order multiples of Q."""

    type: Literal["r_Q"] = "r_Q"
    reorder_point: Annotated[float, Field(ge=-MAX_QUANTITY, le=MAX_QUANTITY)]
    order_quantity: Annotated[float, Field(gt=0, le=MAX_QUANTITY)]


class PeriodicReview(_Frozen):
    """Review every R days and order up to S (the (R, S) policy)."""

    type: Literal["periodic_review"] = "periodic_review"
    review_period_days: Annotated[int, Field(ge=1, le=MAX_DAYS)]
    order_up_to: Quantity
    review_offset_days: Annotated[int, Field(ge=0, le=MAX_DAYS)] = 0


class MovingAverage(_Frozen):
    """Forecast = mean of the last ``window_periods`` periods' demand."""

    method: Literal["moving_average"] = "moving_average"
    window_periods: Annotated[int, Field(ge=1, le=10_000)]


class ExponentialSmoothing(_Frozen):
    """Forecast ``F <- alpha * demand + (1 - alpha) * F``."""

    method: Literal["exponential_smoothing"] = "exponential_smoothing"
    alpha: Annotated[float, Field(gt=0, le=1)]


class ForecastOrderUpTo(_Frozen):
    """Order up to ``cover_days / period_days * forecast + safety_stock`` each period.

    With a moving average this is the policy of Chen et al. (2000).
    ``cover_days`` defaults to the supply lane's lead time.
    """

    type: Literal["forecast_order_up_to"] = "forecast_order_up_to"
    forecast: Annotated[MovingAverage | ExponentialSmoothing, Field(discriminator="method")]
    cover_days: Annotated[int | None, Field(ge=1, le=MAX_DAYS)] = None
    safety_stock: Annotated[float, Field(ge=0, le=MAX_QUANTITY)] = 0.0
    initial_forecast: Quantity | None = None


class Sterman(_Frozen):
    """Sterman (1989) anchoring and adjustment.

    ``order = max(0, E + alpha_s * (desired_stock - stock - beta * supply_line))`` with
    ``E <- theta * demand + (1 - theta) * E``; ``stock`` is on hand minus backlog and
    ``supply_line`` the units ordered and not yet received.
    """

    type: Literal["sterman"] = "sterman"
    alpha_s: Annotated[float, Field(ge=0, le=1)] = 0.26
    beta: Annotated[float, Field(ge=0, le=1)] = 0.34
    theta: Annotated[float, Field(ge=0, le=1)] = 0.36
    desired_stock: Annotated[float, Field(ge=0, le=MAX_QUANTITY)] = 17.0
    initial_expected_demand: Quantity | None = None


class Manual(_Frozen):
    """Orders are supplied by a caller between periods (exercises); default when none given."""

    type: Literal["manual"] = "manual"
    default_order: Quantity = 0.0


Policy = Annotated[
    BaseStock | SS | RQ | PeriodicReview | ForecastOrderUpTo | Sterman | Manual,
    Field(discriminator="type"),
]


# --------------------------------------------------------------------------- network


class InitialState(_Frozen):
    """Stock at the start (day 0).

    ``pipeline[k]`` units arrive at the start of period k (k = 0, 1, ...);
    ``orders_in_transit[k]`` units of orders already placed reach the supplier in period k.
    """

    on_hand: Quantity = 0.0
    backlog: Quantity = 0.0
    pipeline: Annotated[list[Quantity], Field(max_length=10_000)] = []
    orders_in_transit: Annotated[list[Quantity], Field(max_length=10_000)] = []


class Item(_Frozen):
    """Per-SKU settings of a node, overriding the node's defaults."""

    sku: Name
    policy: Policy | None = None
    initial: InitialState | None = None


class Disruption(_Frozen):
    """A window ``start_day <= day < end_day`` when the lane ships at most ``capacity_units_per_day``.

    ``capacity_units_per_day: 0`` closes the lane (a plant outage, a port strike);
    ``extra_lead_time_days`` delays what ships during the window.
    """

    start_day: Annotated[int, Field(ge=0, le=MAX_DAYS)]
    end_day: Annotated[int, Field(ge=1, le=MAX_DAYS)]
    capacity_units_per_day: Annotated[float, Field(ge=0, le=MAX_QUANTITY)] = 0.0
    extra_lead_time_days: Annotated[int, Field(ge=0, le=MAX_DAYS)] = 0
    name: str | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Disruption:
        if self.end_day <= self.start_day:
            raise ValueError(f"end_day ({self.end_day}) must be after start_day ({self.start_day})")
        return self


class Lane(_Frozen):
    """A supply lane into the node that lists it (``supplier`` null: an unlimited outside source)."""

    supplier: Name | None = None
    skus: Annotated[list[Name], Field(min_length=1)] | None = None
    lead_time_days: Annotated[int, Field(ge=1, le=MAX_DAYS)]
    lead_time_distribution: Distribution | None = None
    shipping_cost_per_unit: Money = 0.0
    capacity_units_per_day: Annotated[float, Field(gt=0, le=MAX_QUANTITY)] | None = None
    transit_holding_cost_per_unit_day: Money | None = None
    disruptions: Annotated[list[Disruption], Field(max_length=1000)] = []



DEFAULT_PRICE_DISCOUNT: dict[str, float] = {
    "vendor": 0.40,
    "factory": 0.40,
    "distributor": 0.25,
    "wholesaler": 0.25,
    "dealer": 0.0,
    "retailer": 0.0,
}


class Node(_Frozen):
    """A stocking point: vendor/factory, distributor/wholesaler, dealer/retailer."""

    name: Name
    kind: NodeKind
    display_name: str | None = None
    region: Name | None = None
    lanes: Annotated[list[Lane], Field(min_length=1, max_length=100)]
    policy: Policy | None = None
    initial: InitialState = InitialState()
    items: Annotated[list[Item], Field(max_length=10_000)] = []
    shortage: Literal["backorder", "lost_sales"] = "backorder"
    allocation: Literal["first_come", "proportional", "priority"] = "first_come"
    priority: Annotated[int, Field(ge=0, le=1000)] = 0
    order_delay_days: Annotated[int, Field(ge=0, le=MAX_DAYS)] = 0
    holding_cost_per_unit_day: Money = 0.0
    backorder_cost_per_unit_day: Money = 0.0
    lost_sale_cost_per_unit: Money = 0.0
    ordering_cost_per_order: Money = 0.0
    price_discount: Annotated[float, Field(ge=0, lt=1)] | None = None
    metadata: dict[str, str | int | float | bool] = {}

    @property
    def sell_discount(self) -> float:
        """Discount off list price at which this node sells to its customers."""
        if self.price_discount is not None:
            return self.price_discount
        return DEFAULT_PRICE_DISCOUNT[self.kind]


class Sku(_Frozen):
    """A product."""

    name: Name
    display_name: str | None = None
    unit_cost: Money
    list_price: Money


class Region(_Frozen):
    """A sales region (territory)."""

    name: Name
    display_name: str | None = None


# --------------------------------------------------------------------------- scenario

#: The currency of a scenario that names none (``chansim.exercises.numbers.DEFAULT_CURRENCY`` too).
DEFAULT_CURRENCY = "CNY"


class Scenario(_Frozen):
    """A whole channel: what to simulate, for how long, at what cost."""

    name: Name
    description: str = ""
    source: str | None = None
    start_date: _dt.date = _dt.date(2026, 1, 1)
    period_days: Annotated[int, Field(ge=1, le=366)] = 1
    horizon_days: Annotated[int, Field(ge=1, le=MAX_DAYS)] = 365
    warmup_days: Annotated[int, Field(ge=0, le=MAX_DAYS)] = 0
    units: Literal["discrete", "continuous"] = "discrete"
    regions: Annotated[list[Region], Field(max_length=1000)] = []
    skus: Annotated[list[Sku], Field(min_length=1, max_length=1000)]
    nodes: Annotated[list[Node], Field(min_length=1, max_length=5000)]
    markets: Annotated[list[Market], Field(min_length=1, max_length=20_000)]
    metadata: dict[str, str | int | float | bool] = {}
    #: the ISO 4217 code of the currency every money field is in (see :attr:`money_currency`)
    currency: (
        Annotated[
            str,
            Field(
                pattern=r"^[A-Z]{3}$",
                description="ISO 4217 currency code of every money field (CNY, USD, EUR, ...); shown with amounts",
            ),
        ]
        | None
    ) = None
    business: Business | None = None

    @field_validator("currency")
    @classmethod
    def _known_currency(cls, value: str | None) -> str | None:
        from babel.numbers import list_currencies

        if value is not None and value not in list_currencies():
            raise ValueError(f"currency {value!r} is not an ISO 4217 currency code (e.g. CNY, USD, EUR)")
        return value

    @property
    def money_currency(self) -> str:
        """The currency amounts are shown in: ``currency``, else the older ``metadata.currency`` tag, else CNY."""
        if self.currency is not None:
            return self.currency
        tagged = self.metadata.get("currency")
        if isinstance(tagged, str) and len(tagged) == 3 and tagged.isalpha() and tagged.isupper():
            return tagged
        return DEFAULT_CURRENCY

    @field_validator("description", mode="before")
    @classmethod
    def _none_is_empty(cls, value: object) -> object:
        return "" if value is None else value

    @model_validator(mode="after")
    def _cross_references(self) -> Scenario:
        problems = list(_check_references(self))
        if not problems and self.business is not None:
            problems = list(business_problems(self))
        if problems:
            raise ValueError("\n".join(problems))
        return self

    @property
    def topology(self) -> Topology:
        """Derived structure: which node handles which SKU, order of processing."""
        entry = _TOPOLOGIES.get(id(self))
        if entry is None or entry[0]() is not self:
            key = id(self)
            entry = (weakref.ref(self, lambda _ref, key=key: _TOPOLOGIES.pop(key, None)), Topology(self))
            _TOPOLOGIES[key] = entry
        return entry[1]

    def node(self, name: str) -> Node:
        """The node called ``name``."""
        return self.topology.node_by_name[name]


# derived structure per scenario object, kept outside the model so equality ignores it
_TOPOLOGIES: dict[int, tuple[weakref.ReferenceType[Scenario], Topology]] = {}


class Topology:
    """Structure derived once from a validated scenario."""

    def __init__(self, scenario: Scenario) -> None:
        self.node_by_name: dict[str, Node] = {n.name: n for n in scenario.nodes}
        self.sku_by_name: dict[str, Sku] = {s.name: s for s in scenario.skus}
        self.skus_of_node: dict[str, list[str]] = _skus_handled(scenario)
        self.lane_for: dict[tuple[str, str], Lane] = {}
        for node in scenario.nodes:
            for sku in self.skus_of_node[node.name]:
                lane = _lane_for(node, sku)
                if lane is not None:
                    self.lane_for[node.name, sku] = lane
        self.customers_of: dict[str, list[str]] = {n.name: [] for n in scenario.nodes}
        for node in scenario.nodes:
            for lane in node.lanes:
                if lane.supplier is not None and node.name not in self.customers_of[lane.supplier]:
                    self.customers_of[lane.supplier].append(node.name)
        for names in self.customers_of.values():
            names.sort()
        # downstream first: a node is processed before its suppliers within a period
        self.downstream_first: list[str] = _downstream_first(scenario)
        self.depth: dict[str, int] = _depths(scenario)

    def policy_for(self, node: Node, sku: str) -> Policy | None:
        """The node's policy for ``sku`` (the item override, else the node default)."""
        for item in node.items:
            if item.sku == sku and item.policy is not None:
                return item.policy
        return node.policy

    def initial_for(self, node: Node, sku: str) -> InitialState:
        """The node's initial state for ``sku``."""
        for item in node.items:
            if item.sku == sku and item.initial is not None:
                return item.initial
        return node.initial


def _lane_for(node: Node, sku: str) -> Lane | None:
    found = [lane for lane in node.lanes if lane.skus is None or sku in lane.skus]
    return found[0] if len(found) == 1 else None


def _skus_handled(scenario: Scenario) -> dict[str, list[str]]:
    """Which SKUs flow through each node: those its markets or customers need."""
    handled: dict[str, set[str]] = {n.name: set() for n in scenario.nodes}
    for market in scenario.markets:
        if market.served_by in handled:
            handled[market.served_by].update(d.sku for d in market.demand)
    nodes = {n.name: n for n in scenario.nodes}
    # propagate upstream until stable (the network is acyclic, so this ends)
    changed = True
    rounds = 0
    while changed and rounds <= len(nodes) + 1:
        changed = False
        rounds += 1
        for node in scenario.nodes:
            for sku in sorted(handled[node.name]):
                for lane in node.lanes:
                    if lane.supplier in nodes and (lane.skus is None or sku in lane.skus):
                        if sku not in handled[lane.supplier]:
                            handled[lane.supplier].add(sku)
                            changed = True
    order = {s.name: i for i, s in enumerate(scenario.skus)}
    return {k: sorted(v, key=lambda s: order.get(s, 0)) for k, v in handled.items()}


def _suppliers(node: Node) -> list[str]:
    return sorted({lane.supplier for lane in node.lanes if lane.supplier is not None})


def _find_cycle(scenario: Scenario) -> list[str] | None:
    graph = {n.name: _suppliers(n) for n in scenario.nodes}
    state: dict[str, int] = {}
    for root in sorted(graph):
        if state.get(root) is not None:
            continue
        # depth-first with an explicit stack: a chain of thousands of nodes needs no recursion
        state[root] = 1
        stack, pending = [root], [iter(graph[root])]
        while pending:
            nxt = next(pending[-1], None)
            if nxt is None:
                state[stack.pop()] = 2
                pending.pop()
            elif state.get(nxt) == 1:
                return stack[stack.index(nxt) :] + [nxt]
            elif nxt in graph and state.get(nxt) is None:
                state[nxt] = 1
                stack.append(nxt)
                pending.append(iter(graph[nxt]))
    return None


def _depths(scenario: Scenario) -> dict[str, int]:
    """Distance from the outside source: 0 for a node supplied only from outside."""
    nodes = {n.name: n for n in scenario.nodes}
    memo: dict[str, int] = {}
    expanded: set[str] = set()  # the current path: a supplier on it closes a cycle
    for name in sorted(nodes):
        stack = [name]  # suppliers first, without recursion (chains of thousands of nodes)
        while stack:
            top = stack[-1]
            if top in memo:
                stack.pop()
                continue
            sups = _suppliers(nodes[top])
            todo = [s for s in sups if s not in memo]
            if any(s in expanded for s in todo):
                raise ValueError(f"the supply network has a cycle through {top!r}")
            if todo:
                expanded.add(top)
                stack.extend(todo)
            else:
                memo[top] = 0 if not sups else 1 + max(memo[s] for s in sups)
                expanded.discard(top)
                stack.pop()
    return {name: memo[name] for name in sorted(nodes)}


def _downstream_first(scenario: Scenario) -> list[str]:
    depths = _depths(scenario)
    return sorted(depths, key=lambda name: (-depths[name], name))


def _names(items: Iterable[object]) -> list[str]:
    return [i.name for i in items]


def _close(name: str, known: Iterable[str]) -> str:
    import difflib

    known = list(known)
    near = difflib.get_close_matches(name, known, n=1)
    hint = f"; did you mean '{near[0]}'?" if near else ""
    shown = ", ".join(sorted(known)[:8]) + (", ..." if len(known) > 8 else "")
    return f"(known: {shown}){hint}"


def _check_references(s: Scenario) -> Iterable[str]:
    """Cross-field checks: unique names, references, cycles, time units."""
    for label, items in (("skus", s.skus), ("nodes", s.nodes), ("markets", s.markets), ("regions", s.regions)):
        seen: set[str] = set()
        for i, name in enumerate(_names(items)):
            if name in seen:
                yield f"{label}[{i}].name: '{name}' is used twice; names must be unique"
            seen.add(name)
    node_names = set(_names(s.nodes))
    sku_names = set(_names(s.skus))
    for i, node in enumerate(s.nodes):
        if node.name == "external":
            yield f"nodes[{i}].name: 'external' is reserved for outside suppliers; choose another name"
    for i, market in enumerate(s.markets):
        if market.name in node_names or market.name == "external":
            yield f"markets[{i}].name: '{market.name}' is already a node name; markets and nodes need distinct names"
    region_names = set(_names(s.regions))
    pd_ = s.period_days
    if s.warmup_days >= s.horizon_days:
        yield f"warmup_days: {s.warmup_days} must be less than horizon_days ({s.horizon_days})"
    for i, sku in enumerate(s.skus):
        if sku.list_price < sku.unit_cost:
            yield f"skus[{i}].list_price: {sku.list_price} is below unit_cost {sku.unit_cost}"
    for i, node in enumerate(s.nodes):
        if region_names and node.region is not None and node.region not in region_names:
            yield f"nodes[{i}].region: unknown region '{node.region}' {_close(node.region, region_names)}"
        if node.order_delay_days % pd_:
            yield f"nodes[{i}].order_delay_days: {node.order_delay_days} is not a multiple of period_days ({pd_})"
        for j, lane in enumerate(node.lanes):
            where = f"nodes[{i}].lanes[{j}]"
            if lane.supplier is not None and lane.supplier not in node_names:
                yield f"{where}.supplier: unknown node '{lane.supplier}' {_close(lane.supplier, node_names)}"
            if lane.supplier == node.name:
                yield f"{where}.supplier: node '{node.name}' cannot supply itself"
            if lane.lead_time_days % pd_ or lane.lead_time_days < pd_:
                yield (
                    f"{where}.lead_time_days: {lane.lead_time_days} must be a positive multiple of period_days ({pd_})"
                )
            for k, window in enumerate(lane.disruptions):
                if window.extra_lead_time_days % pd_:
                    yield (
                        f"{where}.disruptions[{k}].extra_lead_time_days: {window.extra_lead_time_days} "
                        f"is not a multiple of period_days ({pd_})"
                    )
            for k, sku in enumerate(lane.skus or []):
                if sku not in sku_names:
                    yield f"{where}.skus[{k}]: unknown sku '{sku}' {_close(sku, sku_names)}"
        for j, item in enumerate(node.items):
            if item.sku not in sku_names:
                yield f"nodes[{i}].items[{j}].sku: unknown sku '{item.sku}' {_close(item.sku, sku_names)}"
        policies = [(f"nodes[{i}].policy", node.policy)] + [
            (f"nodes[{i}].items[{j}].policy", item.policy) for j, item in enumerate(node.items)
        ]
        for where, policy in policies:
            if isinstance(policy, PeriodicReview):
                for field in ("review_period_days", "review_offset_days"):
                    value = getattr(policy, field)
                    if value % pd_:
                        yield f"{where}.{field}: {value} is not a multiple of period_days ({pd_})"
    for i, market in enumerate(s.markets):
        if market.served_by not in node_names:
            yield f"markets[{i}].served_by: unknown node '{market.served_by}' {_close(market.served_by, node_names)}"
        if region_names and market.region is not None and market.region not in region_names:
            yield f"markets[{i}].region: unknown region '{market.region}' {_close(market.region, region_names)}"
        seen_skus: set[str] = set()
        for j, stream in enumerate(market.demand):
            if stream.sku not in sku_names:
                yield f"markets[{i}].demand[{j}].sku: unknown sku '{stream.sku}' {_close(stream.sku, sku_names)}"
            if stream.sku in seen_skus:
                yield f"markets[{i}].demand[{j}].sku: '{stream.sku}' appears twice in this market"
            seen_skus.add(stream.sku)
    cycle = _find_cycle(s)
    if cycle:
        yield "nodes: the supply network has a cycle: " + " <- ".join(cycle)
        return
    # SKU sourcing and policies (needs the acyclic structure)
    if any(m.served_by not in node_names for m in s.markets):
        return
    handled = _skus_handled(s)
    for i, node in enumerate(s.nodes):
        for sku in handled[node.name]:
            lanes = [j for j, lane in enumerate(node.lanes) if lane.skus is None or sku in lane.skus]
            if not lanes:
                yield f"nodes[{i}].lanes: no lane supplies sku '{sku}' that node '{node.name}' sells"
            elif len(lanes) > 1:
                yield (
                    f"nodes[{i}].lanes: sku '{sku}' is supplied by lanes {lanes}; give each lane a distinct `skus` list"
                )
            has_policy = node.policy is not None or any(it.sku == sku and it.policy is not None for it in node.items)
            if not has_policy:
                yield f"nodes[{i}].policy: required (node '{node.name}' sells sku '{sku}' and has no policy for it)"
