"""The order desk: a week-by-week daily-operations exercise on a channel with a business layer.

The channel is the northern region of ``scenarios/stage-4-operations.yaml``, written here as
a scenario document that ships with the package (:data:`ORDER_DESK_YAML`): the vendor
(Harbor Home Appliances, plant capacity 120 units a day), the gold distributor
``dist_north`` and three dealers, three products, the same credit policy (hold over the
limit, at most 10 days), the same approval path (orders over 15,000 to the
order desk, over 60,000 or above 45 % discount to finance, whose only approver is away on
days 40-47) and the same payment behaviour. The random events of stage 4 are written
as demand shocks and lane disruptions of the inventory model (a regional demand surge,
port congestion on the vendor's lane, a 3-day warehouse closure, a competitor's price
cut), which the engine runs much faster than scheduled business events.

Each week (a round of 7 daily periods, decided at the round's start) the trainee

a. places the distributor's replenishment order of each product (``dist_north`` is
   ``manual``; the order goes in on the week's first day, after that day's demand, and
   passes the credit desk and the approval path like any partner order); and
b. may change the credit limit of a partner (:meth:`OrderDesk.set_credit_limit`); and
c. approves or holds each order waiting at the credit desk (:meth:`OrderDesk.held_orders`:
   customer, product, quantity, amount, credit status): ``approve`` lets it go on at once,
   over the customer's limit if need be; ``hold`` leaves it to the desk's rule (released
   when payments free enough credit, cancelled after 10 days held). The standard process
   approves what the customer's available credit allows, first in first, and holds the rest.

**Changing a credit limit mid-run.** The engine's credit desk takes a new limit at any
time (``CreditDesk.set_credit_limit``, which also releases held orders that now fit),
but a straight ``run(..., decisions=...)`` has no way to express it. So a limit is a
:class:`CreditLimitChange` action of the round: applied to the running session at the
start of the round, before the week's first day, and replayed at the same point when
the game is rebuilt from the start (``undo``, ``reset``), the same technique as for the
orders. The limit then holds until changed again.

The trainee then sees the KPIs (:meth:`OrderDesk.desk_kpis`): cost, OTIF, weekly
bullwhip and held orders, and a score against the desk's standard process (the
distributor's daily (s, S) policy with the scenario's credit limits, same seed).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from chansim import scenario as sc
from chansim.exercises.contract import Exercise, jsonable
from chansim.exercises.feedback import (
    Advice,
    NodeFacts,
    ProductBacklog,
    Thresholds,
    advise_facts,
    find_demand_step,
    product_backlog_advice,
)
from chansim.exercises.game import (
    DecisionError,
    Game,
    RoundAction,
    RoundRecord,
    Score,
    check_keys,
    check_number,
    cost_by_node,
    expected_daily_demand,
)
from chansim.io import package_text
from chansim.metrics import KPI_NAMES, bullwhip_ratio

if TYPE_CHECKING:
    from chansim.engine import Session
    from chansim.results import Result

__all__ = [
    "ALLOCATION_RULES",
    "DESK_KPI_COLUMNS",
    "EVENT_KINDS",
    "DISTRIBUTOR",
    "ORDER_DESK_YAML",
    "BASE_STOCK_GAP_WEEKS",
    "BASE_STOCK_SAFETY_WEEKS",
    "PARTNERS",
    "APPROVAL_CHOICES",
    "AllocationRuleChange",
    "CreditLimitChange",
    "OrderApproval",
    "PENDING_COLUMNS",
    "DeskEvent",
    "OrderDesk",
    "OrderDeskDecision",
    "order_desk_scenario",
]

DISTRIBUTOR = "dist_north"
DEALERS = ("dealer_n1", "dealer_n2", "dealer_n3")
#: The partners whose credit limits the trainee manages.
PARTNERS = (DISTRIBUTOR, *DEALERS)
WEEK_DAYS = 7
MAX_WEEKS = 52
MAX_CREDIT_LIMIT = 5_000_000.0
#: Columns of :meth:`OrderDesk.desk_kpis`.
DESK_KPI_COLUMNS = [
    "node", "kind", "total_cost", "otif", "fill_rate", "lost_sales", "bullwhip_weekly",
    "orders_checked", "orders_held", "orders_rejected", "orders_held_share",
]  # fmt: skip
REGION = "region"
#: How the distributor shares scarce stock among the dealers' orders (the engine's ``Node.allocation``):
#: ``first_come`` in the order they were placed, ``proportional`` a share of each order's
#: size, ``priority`` by the partner's tier (gold first, then silver, then bronze; ties first come).
ALLOCATION_RULES = ("first_come", "proportional", "priority")
#: Kinds of :class:`DeskEvent`: a demand shock of the markets, a closed lane, a slower lane, approvers away.
EVENT_KINDS = ("demand_shock", "lane_closure", "lane_delay", "approver_absence")
CREDIT_DECISIONS = ("accepted", "partial", "held", "rejected")
#: What the trainee decides for an order waiting at the credit desk (see :class:`OrderApproval`).
APPROVAL_CHOICES = ("approve", "hold")
#: Columns of :meth:`OrderDesk.held_orders`.
PENDING_COLUMNS = ["order", "customer", "sku", "qty", "amount", "credit_status", "available", "held_since_day"]
#: The desk's standard order (:meth:`OrderDesk.base_stock_order`): the gap to the target is closed over this many weeks,
BASE_STOCK_GAP_WEEKS = 4
#: and the target holds this many weeks of demand beyond the delivery delay and the week.
BASE_STOCK_SAFETY_WEEKS = 0.5
#: Weeks of incoming orders the standard order's demand estimate averages.
BASE_STOCK_MEMORY_WEEKS = 4


#: The scenario as a scenario document, the package data file ``chansim/data/exercises/order-desk.yaml``; see
#: :func:`order_desk_scenario`.
ORDER_DESK_YAML = package_text("exercises/order-desk.yaml")


def order_desk_scenario(horizon_weeks: int = 12) -> sc.Scenario:
    """The northern region of the stage-4 operations scenario (:data:`ORDER_DESK_YAML`), ``horizon_weeks`` long."""
    from chansim.io import parse_scenario, read_yaml

    source = "chansim/data/exercises/order-desk.yaml"
    document = read_yaml(ORDER_DESK_YAML, source)
    document.pop("x-shocks")  # only an anchor for the markets' shocks
    document["horizon_days"] = WEEK_DAYS * int(horizon_weeks)
    return parse_scenario(document, source=source)


@dataclass(frozen=True)
class CreditLimitChange(RoundAction):
    """A partner's new credit limit (``subject``: the partner, ``value``: the limit), from the round it is set in."""

    kind: ClassVar[str] = "credit_limit"

    def apply(self, session: Session) -> None:
        """Set the limit on the session's credit desk (held orders that now fit are released)."""
        business = session.business
        if business is None or business.order_to_cash is None:
            raise RuntimeError("the scenario has no credit desk (business.order_to_cash)")
        business.set_credit_limit(self.subject, self.value)


@dataclass(frozen=True)
class AllocationRuleChange(RoundAction):
    """How ``subject`` (a supplier) shares scarce stock from the round it is set in.

    ``value`` is the index of the rule in :data:`ALLOCATION_RULES` (actions carry numbers).
    Orders waiting in the supplier's book are re-ranked under the new rule at its next
    shipment; the rule then holds until changed again.
    """

    kind: ClassVar[str] = "allocation"

    @property
    def rule(self) -> str:
        """The rule's name."""
        return ALLOCATION_RULES[int(self.value)]

    def apply(self, session: Session) -> None:
        """Set the rule on every item (product) the supplier stocks."""
        if not session.control.items_of(self.subject):
            raise RuntimeError(f"no stock at {self.subject!r} to allocate")
        session.control.set_allocation(self.subject, self.rule)  # waiting orders are re-ranked under it


@dataclass(frozen=True)
class OrderApproval(RoundAction):
    """The trainee's approve (``value`` 1) or hold (0) of an order held at the credit desk (``subject``: its id).

    Approve goes through the business layer's public control (``BusinessRuntime.approve_order``):
    the desk accepts the order over the limit and it passes the approval path and ships as
    any accepted order. Hold changes nothing: the desk's own rule goes on. An order no
    longer held when the round starts (released by a limit raised in the same round) is left alone.
    """

    kind: ClassVar[str] = "approval"

    @property
    def choice(self) -> str:
        """``approve`` or ``hold``."""
        return APPROVAL_CHOICES[0] if self.value else APPROVAL_CHOICES[1]

    def apply(self, session: Session) -> None:
        """Approve the order on the session's credit desk (hold: nothing to do)."""
        business = session.business
        if business is None or business.order_to_cash is None:
            raise RuntimeError("the scenario has no credit desk (business.order_to_cash)")
        if self.value:
            business.approve_order(self.subject)


@dataclass(frozen=True)
class DeskEvent:
    """A random event of the scenario as the desk hears of it (see :meth:`OrderDesk.events`).

    ``kind`` is one of :data:`EVENT_KINDS`; ``subjects`` the nodes (or approver pool) hit;
    ``magnitude`` the demand multiplier (``demand_shock``), the extra transit days
    (``lane_delay``), 0 (``lane_closure``) or the approvers away (``approver_absence``).
    Days are the scenario's, ``end_day`` excluded (``None``: open-ended).
    """

    kind: str
    name: str
    start_day: float
    end_day: float | None
    subjects: tuple[str, ...]
    magnitude: float

    def overlaps(self, start_day: float, end_day: float) -> bool:
        """Whether the event is on during some day of ``[start_day, end_day)``."""
        return self.start_day < end_day and (self.end_day is None or self.end_day > start_day)


class OrderDeskDecision(BaseModel):
    """One week's decision of the order desk (the contract's ``play_round`` takes it as a dict)."""

    model_config = ConfigDict(extra="forbid")

    orders: dict[str, float] = Field(description="The distributor's order of every product this week (units).")
    credit_limits: dict[Literal["dist_north", "dealer_n1", "dealer_n2", "dealer_n3"], float] = Field(
        default_factory=dict, description="New credit limits from this week on (partner -> limit; others unchanged)."
    )
    allocation: Literal["first_come", "proportional", "priority"] | None = Field(
        None, description="A new allocation rule at the distributor from this week on (none: unchanged)."
    )
    approvals: dict[str, Literal["approve", "hold"]] = Field(
        default_factory=dict,
        description="Orders held at the credit desk (order id -> approve or hold; unlisted: hold).",
    )
    source: str = Field("trainee", min_length=1, max_length=40, description="Who decided: trainee or auto:<policy>.")


class OrderDesk(Game, Exercise):
    """The order desk exercise (see the module docstring).

    Exercise contract name ``order-desk``; a decision is ``{"orders": {product: units},
    "credit_limits": {partner: limit}, "allocation": rule}`` (the last two optional); the
    standard process (:meth:`default_decision`) orders by :meth:`base_stock_order` and changes no setting.

    Args:
        seed: seed of every random draw (demand, approvals, payments).
        horizon_weeks: weeks to play (1 to 52).
        max_order: the largest weekly order of one product.

    """

    def __init__(self, *, seed: int = 0, horizon_weeks: object = 12, max_order: float = 2000) -> None:
        weeks = int(check_number(horizon_weeks, "horizon_weeks", maximum=MAX_WEEKS, whole=True, minimum=1))
        scenario = order_desk_scenario(weeks)
        super().__init__(
            scenario,
            [(DISTRIBUTOR, sku) for sku in scenario.topology.skus_of_node[DISTRIBUTOR]],
            seed=seed,
            round_days=WEEK_DAYS,
            decision_point="round_start",
            max_order=max_order,
            default_policy=base_stock,
            exercise="order_desk",
        )
        self.horizon_weeks = weeks
        self.options = {"horizon_weeks": weeks, "max_order": float(max_order)}
        self.partners = PARTNERS
        self.max_credit_limit = MAX_CREDIT_LIMIT
        self._benchmark: Result | None = None
        self._cache_forever: dict[str, object] = {}

    name = "order-desk"
    Decision = OrderDeskDecision

    # ------------------------------------------------------------------ the contract's decisions
    def parse_decision(self, decision: object) -> tuple[dict[tuple[str, str], tuple[float, str]], list[RoundAction]]:
        """``{"orders": {product: units}, "credit_limits": {...}, "allocation": rule, "source": ...}`` checked.

        The same checks (and catalogue errors) as :meth:`decide`, :meth:`set_credit_limit` and
        :meth:`set_allocation`; every product must have an order.
        """
        checked = check_keys(decision, ("orders", "credit_limits", "allocation", "approvals", "source"), ("orders",))
        source = self._check_source(checked.get("source", "trainee"))
        skus = [sku for _, sku in self.controlled]
        wanted = checked["orders"]
        if not isinstance(wanted, Mapping):
            raise DecisionError("validation.missing_decision", {"field": "orders", "allowed": ", ".join(skus)})
        orders = {}
        for sku, qty in wanted.items():
            key = self._check_controlled(DISTRIBUTOR, sku)
            orders[key] = (self.check_order(DISTRIBUTOR, str(sku), qty), source)
        missing = [sku for sku in skus if (DISTRIBUTOR, sku) not in orders]
        if missing:
            raise DecisionError("validation.missing_decision", {"field": f"{DISTRIBUTOR}/{missing[0]}",
                                                                "allowed": ", ".join(skus)})  # fmt: skip
        actions: list[RoundAction] = []
        limits = checked.get("credit_limits") or {}
        if not isinstance(limits, Mapping):
            raise DecisionError("validation.unknown_choice", {"field": "credit_limits", "value": str(limits)[:40],
                                                              "allowed": ", ".join(self.partners)})  # fmt: skip
        for partner, limit in limits.items():
            actions.append(CreditLimitChange(subject=partner, value=self._check_limit(partner, limit), source=source))
        rule = checked.get("allocation")
        if rule is not None:
            actions.append(AllocationRuleChange(subject=DISTRIBUTOR, value=self._check_rule(rule), source=source))
        approvals = checked.get("approvals") or {}
        pending = self._pending_ids()
        if not isinstance(approvals, Mapping):
            raise DecisionError("validation.unknown_choice", {"field": "approvals", "value": str(approvals)[:40],
                                                              "allowed": ", ".join(pending) or "-"})  # fmt: skip
        for order, choice in approvals.items():
            if str(order) not in pending:
                raise DecisionError("validation.unknown_choice", {"field": "approvals", "value": str(order)[:40],
                                                                  "allowed": ", ".join(pending) or "-"})  # fmt: skip
            if choice not in APPROVAL_CHOICES:
                raise DecisionError("validation.unknown_choice", {"field": f"approvals/{order}",
                                    "value": str(choice)[:40], "allowed": ", ".join(APPROVAL_CHOICES)})  # fmt: skip
            value = 1.0 if choice == APPROVAL_CHOICES[0] else 0.0
            actions.append(OrderApproval(subject=str(order), value=value, source=source))
        return orders, actions

    def decision_of(self, record: RoundRecord) -> dict[str, Any]:
        """The week's decision dict: orders by product, the credit limits and allocation rule set, the source."""
        decision: dict[str, Any] = {"orders": {sku: qty for _, sku, qty, _ in record.orders}, "credit_limits": {},
                                    "allocation": None, "approvals": {}}  # fmt: skip
        for action in record.actions:
            if isinstance(action, CreditLimitChange):
                decision["credit_limits"][action.subject] = action.value
            elif isinstance(action, AllocationRuleChange):
                decision["allocation"] = action.rule
            elif isinstance(action, OrderApproval):
                decision["approvals"][action.subject] = action.choice
        decision["source"] = self._record_source(record)
        return decision

    def default_decision(self) -> dict[str, Any]:
        """The standard process: the base-stock order (:meth:`base_stock_order`), the limits and rule kept.

        Held orders: :meth:`standard_approvals`.
        """
        base = super().default_decision()
        orders = {key.partition("/")[2]: qty for key, qty in base["orders"].items()}
        return {"orders": orders, "credit_limits": {}, "allocation": None, "approvals": self.standard_approvals(),
                "source": base["source"]}  # fmt: skip

    def standard_approvals(self) -> dict[str, str]:
        """The standard process's choice for each held order: approve what the available credit allows, hold the rest.

        Per customer, first in first: an order is approved when its amount fits in the
        available credit left after the orders approved before it.
        """
        choices: dict[str, str] = {}
        left: dict[str, float] = {}
        for row in self._held_rows():
            partner = row["partner"]
            room = left.setdefault(partner, self._desk().available(partner))
            if row["amount"] <= room:
                choices[row["order"]] = APPROVAL_CHOICES[0]
                left[partner] = room - row["amount"]
            else:
                choices[row["order"]] = APPROVAL_CHOICES[1]
        return choices

    def held_orders(self) -> pd.DataFrame:
        """The orders waiting at the credit desk when the week is decided (columns :data:`PENDING_COLUMNS`).

        ``order`` (id, the key of the decision's ``approvals``), ``customer`` (who ordered),
        ``sku``, ``qty``, ``amount`` (the value the desk checked), ``credit_status`` (``held``:
        over the customer's credit limit or queued behind its held orders), ``available``
        (the customer's available credit now) and ``held_since_day``.
        """
        rows = [
            {"order": row["order"], "customer": row["partner"], "sku": row["sku"], "qty": row["qty"],
             "amount": row["amount"], "credit_status": "held", "available": self._desk().available(row["partner"]),
             "held_since_day": row["held_since_day"]}
            for row in self._held_rows()
        ]  # fmt: skip
        return pd.DataFrame(rows, columns=PENDING_COLUMNS)

    def set_approval(self, order: object, choice: object) -> str:
        """Approve or hold a held order (:meth:`held_orders`) in the round being decided; returns the choice.

        Raises:
            DecisionError: ``validation.unknown_choice`` for an order not held or a choice not
                in :data:`APPROVAL_CHOICES`, or ``control.game_over``.

        """
        self._check_open()
        _, actions = self.parse_decision({"orders": {sku: 0 for _, sku in self.controlled},
                                          "approvals": {str(order): choice}})  # fmt: skip
        self.act(actions[-1])
        return str(choice)

    def _desk(self):  # type: ignore[no-untyped-def]
        return self._session.business.order_to_cash.desk  # type: ignore[union-attr]

    def _held_rows(self) -> list[dict[str, Any]]:
        if "held" not in self._cache:
            self._cache["held"] = self._session.business.held_orders()  # type: ignore[union-attr]
        return self._cache["held"]

    def _pending_ids(self) -> list[str]:
        return [row["order"] for row in self._held_rows()]

    def base_stock_order(self, node: str, sku: str) -> float:
        """The desk's standard weekly order: replace the demand, close a part of the gap to a base-stock target.

        ``order = max(0, D + (T - IP) / G)`` with ``D`` the mean of the incoming orders of
        the last ``BASE_STOCK_MEMORY_WEEKS`` weeks seen, the scenario's expected weekly
        demand counted as one more week while fewer are seen (the only value in week 1);
        ``T = D / 7 × (lead time + order delay + 7) + BASE_STOCK_SAFETY_WEEKS × D``, ``IP``
        the inventory position, ``G = BASE_STOCK_GAP_WEEKS``. Week 1 thus orders about a
        week of demand (not the zero of a plain order-up-to on a full warehouse, whose jump
        in week 2 then reads as amplified demand), and later orders change smoothly.
        """
        expected = expected_daily_demand(self.scenario, node, sku) * WEEK_DAYS
        seen = self._seen_demand(node, sku)[-BASE_STOCK_MEMORY_WEEKS:]
        points = ([expected] if len(seen) < BASE_STOCK_MEMORY_WEEKS else []) + seen
        demand = float(np.mean(points))
        lane = self.scenario.topology.lane_for[node, sku]
        cover_days = lane.lead_time_days + self.scenario.node(node).order_delay_days + WEEK_DAYS
        target = demand / WEEK_DAYS * cover_days + BASE_STOCK_SAFETY_WEEKS * demand
        position = float(self._stock_row(node, sku)["inventory_position"])
        return max(0.0, demand + (target - position) / BASE_STOCK_GAP_WEEKS)

    def state(self) -> dict[str, Any]:
        """The contract's state (:meth:`Game.state`) with the credit desk (no pending limit) and the allocation rule."""
        credit = self.credit_table().drop(columns=["pending_limit"])
        return {**super().state(), "credit": jsonable(credit), "allocation": self.allocation,
                "pending": jsonable(self.held_orders())}  # fmt: skip

    def _check_limit(self, partner: object, limit: object) -> float:
        if partner not in self.partners:
            raise DecisionError(
                "validation.unknown_choice",
                {"field": "partner", "value": str(partner), "allowed": ", ".join(self.partners)},
            )
        return check_number(limit, f"credit_limit/{partner}", maximum=self.max_credit_limit)

    @staticmethod
    def _check_rule(rule: object) -> float:
        if rule not in ALLOCATION_RULES:
            raise DecisionError(
                "validation.unknown_choice",
                {"field": "allocation", "value": str(rule), "allowed": ", ".join(ALLOCATION_RULES)},
            )
        return float(ALLOCATION_RULES.index(rule))  # type: ignore[arg-type]

    # ------------------------------------------------------------------ decisions
    def set_credit_limit(self, partner: str, limit: object) -> float:
        """Set ``partner``'s credit limit from the round being decided on; returns the limit taken.

        Raises:
            DecisionError: ``validation.unknown_choice`` for a partner not in :data:`PARTNERS`,
                a number error (``validation.*``) for a limit outside ``[0, max_credit_limit]``,
                or ``control.game_over``.

        """
        self._check_open()
        value = self._check_limit(partner, limit)
        self.act(CreditLimitChange(subject=partner, value=value))
        return value

    def set_allocation(self, rule: object) -> str:
        """Choose how the distributor shares scarce stock, from the round being decided on (:data:`ALLOCATION_RULES`).

        Raises:
            DecisionError: ``validation.unknown_choice`` for a rule not offered, or ``control.game_over``.

        """
        self._check_open()
        self.act(AllocationRuleChange(subject=DISTRIBUTOR, value=self._check_rule(rule)))
        return str(rule)

    @property
    def allocation(self) -> str:
        """The allocation rule in force at the distributor (the pending choice not included)."""
        items = self._session.control.items_of(DISTRIBUTOR)
        if not items:  # pragma: no cover
            raise RuntimeError("the distributor has no stock")
        return str(items[0].allocation)

    @property
    def pending_allocation(self) -> str | None:
        """The allocation rule chosen for the round being decided, or None."""
        for action in self.pending_actions:
            if isinstance(action, AllocationRuleChange):
                return action.rule
        return None

    # ------------------------------------------------------------------ random events
    def events(self) -> list[DeskEvent]:
        """Every random event of the scenario, first first: demand shocks, lane disruptions, approver absences.

        One event per name and window: a shock written on every market and product is one
        event whose ``subjects`` are the dealers whose markets it hits.
        """
        if "events" in self._cache_forever:
            return list(self._cache_forever["events"])
        found: dict[tuple, set[str]] = {}
        for market in self.scenario.markets:
            for stream in market.demand:
                for shock in stream.shocks:
                    key = ("demand_shock", shock.name or "", shock.start_day, shock.end_day, shock.multiplier)
                    found.setdefault(key, set()).add(market.served_by)
        for node in self.scenario.nodes:
            for lane in node.lanes:
                for window in lane.disruptions:
                    closed = window.capacity_units_per_day == 0
                    kind = "lane_closure" if closed else "lane_delay"
                    magnitude = 0.0 if closed else float(window.extra_lead_time_days)
                    key = (kind, window.name or "", window.start_day, window.end_day, magnitude)
                    found.setdefault(key, set()).add(node.name)
        business = self.scenario.business
        otc = business.order_to_cash if business is not None else None
        for pool in otc.approver_pools if otc is not None else []:
            for absence in pool.absences:
                key = ("approver_absence", absence.name or "", absence.start_day, absence.end_day,
                       float(absence.approvers_absent))  # fmt: skip
                found.setdefault(key, set()).add(pool.name)
        events = [
            DeskEvent(
                kind=kind,
                name=name,
                start_day=start,
                end_day=end,
                subjects=tuple(sorted(subjects)),
                magnitude=float(magnitude),
            )  # fmt: skip
            for (kind, name, start, end, magnitude), subjects in found.items()
        ]
        events.sort(key=lambda e: (e.start_day, EVENT_KINDS.index(e.kind), e.name))
        self._cache_forever["events"] = events
        return list(events)

    def news(self, week: int | None = None) -> list[DeskEvent]:
        """The events on during ``week`` (counted from 0; default: the week being decided)."""
        week = self.round if week is None else int(week)
        start = week * WEEK_DAYS
        return [event for event in self.events() if event.overlaps(start, start + WEEK_DAYS)]

    # ------------------------------------------------------------------ what the trainee sees
    def credit_table(self) -> pd.DataFrame:
        """The credit desk now, one row per partner of :data:`PARTNERS`.

        ``credit_limit`` in force, ``exposure`` (open invoices + credit reserved for accepted
        orders), ``available`` (limit - exposure), ``held_orders`` (orders waiting for
        credit), ``pending_limit`` (set for the round being decided; NaN when none).
        """
        desk = self._session.business.order_to_cash.desk  # type: ignore[union-attr]
        pending = {a.subject: a.value for a in self.pending_actions if isinstance(a, CreditLimitChange)}
        rows = []
        for partner in self.partners:
            limit = desk.credit_limit(partner)
            rows.append({
                "partner": partner, "kind": self.scenario.node(partner).kind,
                "credit_limit": math.inf if limit is None else limit,
                "exposure": desk.exposure(partner), "available": desk.available(partner),
                "held_orders": len(desk.held(partner)), "pending_limit": pending.get(partner, math.nan),
            })  # fmt: skip
        return pd.DataFrame(rows)

    def desk_kpis(self) -> pd.DataFrame:
        """The desk's KPIs over the rounds played, per node of the region and a ``region`` row.

        ``total_cost``, ``otif``, ``fill_rate``, ``lost_sales``: as in :func:`chansim.metrics.kpis`
        (no warm-up; OTIF and fill rate of the orders the node received; region: cost
        summed, service of the end customers). ``bullwhip_weekly`` = Var(weekly units
        ordered) / Var(weekly units demanded of the node), all products summed (region: the
        distributor's orders over the end-customer demand); NaN before two weeks.
        ``orders_checked`` = partner orders at the credit desk, ``orders_held`` = those whose
        first decision was a hold, ``orders_rejected`` = those finally rejected (e.g. a hold
        that expired), ``orders_held_share`` = held / checked (region: all partners).
        No rows before the first round.
        """
        if "desk_kpis" in self._cache:
            return self._cache["desk_kpis"].copy()
        if self.round == 0:
            return pd.DataFrame(columns=DESK_KPI_COLUMNS)
        result = self.result()
        table = self.kpis().set_index("node")
        region_nodes = [DISTRIBUTOR, *DEALERS]
        credit = _credit_counts(result)
        weekly = _weekly(result)
        rows = []
        for node in region_nodes:
            mine = weekly[weekly["node"] == node]
            rows.append({
                "node": node, "kind": table.loc[node, "kind"], "total_cost": table.loc[node, "total_cost"],
                "otif": table.loc[node, "otif"], "fill_rate": table.loc[node, "fill_rate"],
                "lost_sales": table.loc[node, "lost_sales"],
                "bullwhip_weekly": bullwhip_ratio(mine["ordered"].to_numpy(), mine["demand"].to_numpy()),
                **credit.get(node, _NO_ORDERS),
            })  # fmt: skip
        dist = weekly[weekly["node"] == DISTRIBUTOR]
        end = weekly[weekly["node"].isin(DEALERS)].groupby("week")["customer_demand"].sum()
        checked = sum(credit.get(n, _NO_ORDERS)["orders_checked"] for n in region_nodes)
        held = sum(credit.get(n, _NO_ORDERS)["orders_held"] for n in region_nodes)
        network = table.loc["network"]
        rows.append({
            "node": REGION, "kind": REGION, "total_cost": float(sum(row["total_cost"] for row in rows)),
            "otif": network["otif"], "fill_rate": network["fill_rate"], "lost_sales": network["lost_sales"],
            "bullwhip_weekly": bullwhip_ratio(dist["ordered"].to_numpy(), end.reindex(dist["week"]).to_numpy()),
            "orders_checked": checked, "orders_held": held,
            "orders_rejected": sum(credit.get(n, _NO_ORDERS)["orders_rejected"] for n in region_nodes),
            "orders_held_share": held / checked if checked else math.nan,
        })  # fmt: skip
        frame = pd.DataFrame(rows, columns=DESK_KPI_COLUMNS)
        frame = frame.astype({c: float for c in DESK_KPI_COLUMNS if c not in ("node", "kind")})
        self._cache["desk_kpis"] = frame
        return frame.copy()

    def bullwhip_table(self) -> pd.DataFrame:
        """The weekly bullwhip picture over the weeks played (tidy, as :func:`chansim.ui.charts.bullwhip_figure` takes).

        Columns ``week`` (from 1), ``level``, ``series``, ``qty``, ``trainee``: ``customers`` /
        ``end_demand`` is the end customers' demand of the three dealers, ``dealers`` / ``orders``
        the units the dealers ordered from the distributor, ``dist_north`` / ``orders`` (the
        trainee's) the units the distributor ordered from the vendor; all products summed.
        """
        columns = ["week", "level", "series", "qty", "trainee"]
        if self.round == 0:
            return pd.DataFrame(columns=columns)
        weekly = _weekly(self.result())
        weekly = weekly[weekly["week"] < self.round]
        dealers = weekly[weekly["node"].isin(DEALERS)].groupby("week")[["ordered", "customer_demand"]].sum()
        dist = weekly[weekly["node"] == DISTRIBUTOR].set_index("week")["ordered"]
        weeks = dealers.index.to_numpy() + 1
        parts = [
            pd.DataFrame({"week": weeks, "level": "customers", "series": "end_demand",
                          "qty": dealers["customer_demand"].to_numpy(), "trainee": False}),
            pd.DataFrame({"week": weeks, "level": "dealers", "series": "orders",
                          "qty": dealers["ordered"].to_numpy(), "trainee": False}),
            pd.DataFrame({"week": dist.index.to_numpy() + 1, "level": DISTRIBUTOR, "series": "orders",
                          "qty": dist.to_numpy(), "trainee": True}),
        ]  # fmt: skip
        frame = pd.concat(parts, ignore_index=True)
        return frame.astype({"week": "int64", "qty": float, "trainee": bool})[columns]

    def feedback_facts(self, thresholds: Thresholds | None = None) -> list[NodeFacts]:
        """What the feedback rules (:mod:`chansim.exercises.feedback`) judge, on the desk's weekly rhythm.

        The distributor orders once a week, so its facts are weekly: ``bullwhip`` is
        ``bullwhip_weekly``, the pipeline rule compares each week's order with the mean
        demand of the (up to 4) weeks before and the units on order at the end of the week
        before (``L`` = (order delay + lead time) / 7), and a demand step is looked for in
        the weekly demand. Its other KPIs (fill rate, stockout rate, weeks of supply,
        holding cost) are those of :meth:`kpis`, ``orders_held_share`` that of :meth:`desk_kpis`.
        A second fact, the ``network`` (the region), carries the region's fill rate,
        stockout rate and orders held share for the credit-holds and backlog rules (no
        bullwhip: the distributor's already counts). Empty before the first week.
        """
        if self.round == 0:
            return []
        th = thresholds or Thresholds()
        desk = self.desk_kpis().set_index("node")
        table = self.kpis().set_index("node")
        numeric = [name for name in KPI_NAMES if name != "bullwhip"]
        facts = []
        levels = self.result().levels
        mine = levels[levels["node"].astype(str) == DISTRIBUTOR]
        by_day = mine.groupby("day", sort=True)[["on_order", "ordered", "demand"]].sum()
        by_week = by_day.groupby(by_day.index // WEEK_DAYS).agg(
            on_order=("on_order", "last"), ordered=("ordered", "sum"), demand=("demand", "sum")
        )
        on_order = by_week["on_order"].to_numpy(float)
        ordered = by_week["ordered"].to_numpy(float)
        demand = by_week["demand"].to_numpy(float)
        spec = self.scenario.node(DISTRIBUTOR)
        lead = (spec.order_delay_days + spec.lanes[0].lead_time_days) / WEEK_DAYS
        rounds = count = 0
        covers = []
        for k in range(1, len(by_week)):
            expected = float(demand[max(0, k - th.pipeline_memory_periods) : k].mean())
            if expected <= 0:
                continue
            rounds += 1
            if ordered[k] > expected + 1e-9 and on_order[k - 1] > (lead + 1) * expected + 1e-9:
                count += 1
                covers.append(on_order[k - 1] / expected)
        step = find_demand_step(demand, th.step_min_relative_change, th.step_min_z)
        reaction = None
        if step is not None:
            direction = 1.0 if step.after > step.before else -1.0
            for j in range(step.period, len(by_week)):
                if direction * (ordered[j] - step.before) >= abs(step.after - step.before) / 2 - 1e-9:
                    reaction = j - step.period
                    break
        kpis = {name: float(table.loc[DISTRIBUTOR, name]) for name in numeric}
        kpis["bullwhip"] = float(desk.loc[DISTRIBUTOR, "bullwhip_weekly"])
        kpis["orders_held_share"] = float(desk.loc[DISTRIBUTOR, "orders_held_share"])
        facts.append(NodeFacts(
            node=DISTRIBUTOR, period_days=WEEK_DAYS, kpis=kpis, lead_periods=lead, pipeline_rounds=rounds,
            pipeline_count=count, pipeline_cover_periods=float(np.mean(covers)) if covers else math.nan,
            step=step, reaction_periods=reaction, periods_after_step=len(by_week) - step.period if step else 0,
            rounds=len(by_week),
        ))  # fmt: skip
        region = {name: float(table.loc["network", name]) for name in numeric if name != "weeks_of_supply"}
        region["orders_held_share"] = float(desk.loc[REGION, "orders_held_share"])
        facts.append(NodeFacts(node="network", period_days=WEEK_DAYS, kpis=region))
        return facts

    def advice(self, lang: str = "en_US", thresholds: Thresholds | None = None) -> list[Advice]:
        """Plain-language advice on the weeks played (:meth:`feedback_facts` through the feedback rules).

        Waiting customers are judged per level and product (:meth:`backlog_rows`), one advice
        each naming both, instead of once for the distributor and once for the region with
        all products summed; praise for the distributor is dropped when one of its products
        has such advice.
        """
        from chansim.exercises.messages import CATALOGUE

        rows = self.backlog_rows(lang)
        backlog = product_backlog_advice(rows, key="operations.advice.backlog", lang=lang, thresholds=thresholds)
        spoiled = {a.evidence["node"] for a in backlog}
        general = [
            a
            for a in advise_facts(
                self.feedback_facts(thresholds), lang=lang, thresholds=thresholds, catalogue=CATALOGUE
            )
            if a.code != "backlog" and not (a.code == "good_play" and a.evidence["node"] in spoiled)
        ]
        order = {"critical": 0, "warning": 1, "info": 2}
        return sorted([*general, *backlog], key=lambda a: order[a.severity])

    def backlog_rows(self, lang: str = "en_US") -> list[ProductBacklog]:
        """Waiting customers per level (the distributor, the dealers together) and product over the weeks played.

        ``stockout_rate`` = share of the level's node x day rows of the product ending with
        a backorder or lost sales (as :func:`chansim.metrics.kpis` counts it), ``mean_backorder``
        = mean over days of the level's backorder of the product. Names in ``lang``.
        """
        from chansim.exercises.messages import CATALOGUE

        if self.round == 0:
            return []
        levels = self.result().levels
        nodes = levels["node"].astype(str)
        skus = levels["sku"].astype(str)
        short = (levels["backorder"] > 1e-9) | (levels["lost"] > 1e-9)
        rows = []
        for level, members in ((DISTRIBUTOR, (DISTRIBUTOR,)), ("dealers", DEALERS)):
            for _, sku in self.controlled:
                mask = nodes.isin(members) & (skus == sku)
                if not mask.any():
                    continue
                owed = levels.loc[mask].groupby("day")["backorder"].sum()
                rows.append(ProductBacklog(
                    node=level, sku=sku, level=CATALOGUE.get(f"operations.level.{level}", lang=lang),
                    product=CATALOGUE.get(f"operations.sku.{sku}", lang=lang),
                    stockout_rate=float(short[mask].mean()), mean_backorder=float(owed.mean()),
                ))  # fmt: skip
        return rows

    def benchmark(self) -> Result:
        """The desk's standard process: the distributor's daily (s, S) policy, the scenario's limits, same seed."""
        if self._benchmark is None:
            from chansim.engine import run

            self._benchmark = run(self.base_scenario, seed=self.seed, days=self.total_rounds * WEEK_DAYS)
        return self._benchmark

    def score(self) -> Score:
        """``score = 40 × min(1, C_std / C_you) + 40 × OTIF + 20 × min(1, 1 / BW)`` (NaN before week 1).

        ``C_you`` = total cost of the distributor and its dealers over the weeks played,
        ``C_std`` = the same in :meth:`benchmark`, ``OTIF`` = the distributor's on time in
        full to its dealers, ``BW`` = the distributor's ``bullwhip_weekly``. A term without
        data yet (no order due, fewer than two weeks) counts in full.
        """
        nodes = [DISTRIBUTOR, *DEALERS]
        end_day = self.round * WEEK_DAYS
        yours = float(cost_by_node(self.result(), end_day, nodes).sum()) if self.round else 0.0
        standard = float(cost_by_node(self.benchmark(), end_day, nodes).sum())
        kpis = self.desk_kpis().set_index("node")
        otif = float(kpis.loc[DISTRIBUTOR, "otif"]) if self.round else math.nan
        bullwhip = float(kpis.loc[DISTRIBUTOR, "bullwhip_weekly"]) if self.round else math.nan
        cost_term = min(1.0, standard / yours) if yours > 0 else 1.0
        service_term = otif if math.isfinite(otif) else 1.0
        bullwhip_term = min(1.0, 1.0 / bullwhip) if math.isfinite(bullwhip) and bullwhip > 0 else 1.0
        value = 40 * cost_term + 40 * service_term + 20 * bullwhip_term if self.round else math.nan
        return Score(
            value=value,
            formula_key="score.order_desk.formula",
            formula="score = 40 × min(1, C_std / C_you) + 40 × OTIF + 20 × min(1, 1 / BW)",
            params={"C_std": standard, "C_you": yours, "OTIF": otif, "BW": bullwhip},
            components={"cost": cost_term, "service": service_term, "bullwhip": bullwhip_term},
        )


def base_stock(game: Game, node: str, sku: str) -> float:
    """The order desk's standard process as an auto-play policy (:meth:`OrderDesk.base_stock_order`)."""
    if not isinstance(game, OrderDesk):
        raise TypeError("base_stock is the order desk's policy")
    return game.base_stock_order(node, sku)


_NO_ORDERS = {"orders_checked": 0, "orders_held": 0, "orders_rejected": 0, "orders_held_share": math.nan}


def _credit_counts(result: Result) -> dict[str, dict[str, float]]:
    """Per partner: orders checked, first decided ``held``, finally ``rejected``, and the held share.

    One pass over the credit desk's audit rows (a few per order) in plain Python: the pandas
    version (filter, split, two drop_duplicates, a groupby) cost ~25 ms a round step.
    """
    audit = result.audit
    if not len(audit):
        return {}
    mask = (
        (audit["source"].to_numpy() == "order_to_cash")
        & (audit["actor"].to_numpy() == "credit")
        & np.isin(audit["action"].to_numpy(), CREDIT_DECISIONS)
    )
    if not mask.any():
        return {}
    first: dict[object, tuple[str, str | None]] = {}  # order -> (first action, partner), in first-seen order
    last: dict[object, tuple[str, str | None]] = {}  # order -> (last action, partner)
    rows = zip(
        audit["subject"].to_numpy()[mask], audit["action"].to_numpy()[mask], audit["detail"].to_numpy()[mask],
        strict=True,
    )  # fmt: skip
    for subject, action, detail in rows:
        partner = detail.split(":")[0] if isinstance(detail, str) else None  # no detail: no partner to count
        first.setdefault(subject, (str(action), partner))
        last[subject] = (str(action), partner)
    checked: dict[str, int] = {}
    held: dict[str, int] = {}
    for action, partner in first.values():
        if partner is not None:
            checked[partner] = checked.get(partner, 0) + 1
            held[partner] = held.get(partner, 0) + (action == "held")
    rejected: dict[str, int] = {}
    for action, partner in last.values():
        if partner is not None:
            rejected[partner] = rejected.get(partner, 0) + (action == "rejected")
    return {
        partner: {
            "orders_checked": checked[partner],
            "orders_held": held[partner],
            "orders_rejected": rejected.get(partner, 0),
            "orders_held_share": held[partner] / checked[partner],
        }
        for partner in sorted(checked)
    }


def _weekly(result: Result) -> pd.DataFrame:
    """Per node x week: units ordered, demanded of the node and demanded by end customers (all SKUs)."""
    levels = result.levels
    week = (levels["day"] // WEEK_DAYS).astype(np.int64)
    frame = pd.DataFrame({
        "node": levels["node"].astype(str), "week": week, "ordered": levels["ordered"],
        "demand": levels["demand"], "customer_demand": levels["customer_demand"],
    })  # fmt: skip
    return frame.groupby(["node", "week"], sort=True)[["ordered", "demand", "customer_demand"]].sum().reset_index()
