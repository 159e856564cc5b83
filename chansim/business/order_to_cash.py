"""Order-to-cash: credit check, approval office, invoices, payments, receivables and bad debt.

The configuration (``business.order_to_cash`` in a scenario file) is
:class:`OrderToCashConfig`: a :class:`CreditPolicy`, approver pools
(:class:`ApproverPool`), an approval path (ordered :class:`ApprovalRule` list) and a
:class:`PaymentBehaviour`. The runtime is three SimPy components that share one audit
log: :class:`CreditDesk`, :class:`ApprovalOffice` and :class:`Ledger`;
:class:`OrderToCash` builds all three from a config and a seed, and
:func:`process_order` takes one order through them. Time is in days.

**Event order of one order** (:func:`process_order`):

1. *Credit check* at the desk, at once: the order's exposure is reserved
   (``accepted``, or ``partial`` up to the available credit), refused (``rejected``) or
   queued (``held``) until payments free enough credit.
2. *Approval path*: the order passes, in path order, every step whose rule it meets;
   at each step it queues FIFO for an approver of the step's pool, holds one for a
   drawn service time, and moves on (``queued`` -> ``started`` -> ``approved``).
3. *Billing*: the reservation becomes an invoice (due after the partner's terms).
4. *Payment* ``terms + delay`` days after the invoice day, unless the partner becomes
   insolvent first: then the open balance is partly recovered and the rest written off.
   Each payment or write-off releases held orders of that partner, first in, first out.

At equal times SimPy runs events in the order they were scheduled.

**Formulas.**

- Credit limit of a partner: its override in ``CreditPolicy.partners``, else the limit of
  its kind, else ``default_credit_limit`` (``None``: unlimited). Payment terms likewise.
- Exposure = open receivables (all sellers) + credit reserved for accepted, unbilled
  orders; available credit = limit - exposure.
- Approval: a rule applies when ``amount > amount_above`` or ``discount > discount_above``
  (an unset threshold never triggers).
- Payment delay beyond terms: mean ``base_delay_days + delay_slope_days * (1 - health)``,
  exponential (or deterministic) around it; health (0..1) is read at the invoice day.
- Insolvency: with ``p = insolvency_probability_per_year * (1 - health)`` the partner
  fails at a constant hazard ``r = -ln(1 - p) / 365`` per day, so that it fails within a
  year of constant health with probability exactly ``p``. A health change redraws the
  time to failure (exact, the exponential being memoryless).
- On insolvency of a partner with open balance ``B`` cents: recovered ``B x recovery_share``
  rounded half up to the cent (cash received; split over the open invoices in proportion to
  their amounts, largest remainder), bad debt ``B - recovered``.
- Money follows :mod:`chansim.config.money`: an order's value ``qty x price`` becomes whole
  cents once, at the credit check (:func:`to_cents`, half up), and from there the
  reservation, the invoice, its payment, recovery or write-off, the exposure and the credit
  limits are integers of cents (``*_cents``); the tables show ``cents / 100``. So for every
  seller and partner ``invoiced = cash_received + bad_debt + receivables_end`` holds exactly
  (an integer equality).
- DSO over a window ``[a, b)`` = average receivables / (invoiced in the window / (b - a)),
  the average being time-weighted; credit utilisation = average receivables / limit.

**Absences** are modelled on a :class:`simpy.PreemptiveResource`: from ``start_day`` to
``end_day`` each absent approver is a top-priority, preempting request that holds an
approver. If every approver is busy, the absence interrupts one approval (that of the
order which joined the queue last, never one already interrupted before others); that
approval keeps the service time it still needs and resumes first (ahead of orders that
have not started) when an approver is free. So during a window exactly
``approvers_absent`` fewer approvers work, and with all approvers absent nothing is
approved.

**Audit records** are tuples ``(time, actor, action, subject, value, detail)``
(:data:`AUDIT_COLUMNS`; :class:`chansim.business.records.AuditRow` without ``source``): the
actor is ``credit``, ``ledger``, ``approval`` or ``approval/<pool>``; the subject is an order
id, invoice id or partner (as text).
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

import numpy as np
import pandas as pd
import simpy

from chansim.business.records import AuditRow
from chansim.config.money import Cents, cents_times, to_units
from chansim.config.money import to_cents as _round_to_cents
from chansim.config.order_to_cash import (  # the configuration (scenario layer), re-exported
    DAYS_PER_YEAR,
    Absence,
    ApprovalRule,
    ApproverPool,
    CreditPolicy,
    Exponential,
    OrderToCashConfig,
    PartnerCredit,
    PaymentBehaviour,
    ServiceTime,
    Share,
)
from chansim.model.resumable import Resumable, finish
from chansim.rng import stream
from chansim.scenario import MAX_DAYS

__all__ = [
    "AUDIT_COLUMNS",
    "INVOICE_COLUMNS",
    "MONEY_COLUMNS",
    "SETTLEMENT_COLUMNS",
    "STEP_COLUMNS",
    "Absence",
    "ApprovalOffice",
    "ApprovalOutcome",
    "ApprovalRule",
    "ApprovalStep",
    "ApproverPool",
    "AuditRecord",
    "CreditDecision",
    "CreditDesk",
    "CreditPolicy",
    "Exponential",
    "Invoice",
    "Ledger",
    "OrderOutcome",
    "OrderToCash",
    "OrderToCashConfig",
    "PartnerCredit",
    "PaymentBehaviour",
    "ServiceTime",
    "approval_streams",
    "average_receivables",
    "credit_utilisation",
    "dso",
    "process_order",
    "records_frame",
    "to_cents",
    "DAYS_PER_YEAR",
    "Share",
]

SOURCE_PAYMENT_DELAY = "order_to_cash/payment_delay"
SOURCE_INSOLVENCY = "order_to_cash/insolvency"
SOURCE_APPROVAL = "order_to_cash/approval/"  # + pool name
DRAW_CHUNK = 256  # service times drawn per call to a generator


AuditRecord = tuple[float, str, str, str, float, str]
"""One audit row: ``(time, actor, action, subject, value, detail)``, a
:class:`~chansim.business.records.AuditRow` without its ``source`` (appended as a plain tuple)."""

AUDIT_COLUMNS = AuditRow._fields[:-1]  # ("time", "actor", "action", "subject", "value", "detail")
STEP_COLUMNS = (
    "order_id", "step", "pool", "queued_day", "started_day", "approved_day",
    "waiting_days", "service_days", "interruptions",
)  # fmt: skip
INVOICE_COLUMNS = (
    "invoice_id", "seller", "partner", "order_id", "amount", "invoice_day", "terms_days", "due_day",
    "delay_days", "scheduled_payment_day", "status", "closed_day", "paid", "recovered", "written_off",
)  # fmt: skip
SETTLEMENT_COLUMNS = ("day", "invoice_id", "seller", "partner", "kind", "amount", "amount_cents")
MONEY_COLUMNS = ("day", "node", "account", "amount", "partner", "amount_cents")


def to_cents(amount: float) -> Cents:
    """``amount`` in whole cents, half up (:func:`chansim.config.money.to_cents`); finite and >= 0."""
    if not math.isfinite(amount) or amount < 0:
        raise ValueError(f"amount must be a finite non-negative number, got {amount!r}")
    return _round_to_cents(amount)


_money = to_units  # cents -> currency units, for tables and the float views of the API



# --------------------------------------------------------------------------- approval office


@dataclass(frozen=True, slots=True)
class ApprovalStep:
    """One order's passage through one approval step."""

    order_id: Hashable
    step: int
    pool: str
    queued_day: float
    started_day: float
    approved_day: float
    waiting_days: float
    service_days: float
    interruptions: int


@dataclass(frozen=True, slots=True)
class ApprovalOutcome:
    """An order that has passed its whole approval path."""

    order_id: Hashable
    partner: str
    amount: float
    discount: float
    path: tuple[str, ...]
    submitted_day: float
    passed_day: float
    waiting_days: float


class _PoolState:
    """A pool's resource and its service times, drawn a chunk at a time (same values, fewer calls)."""

    __slots__ = ("buffer", "config", "next_draw", "resource", "rng")

    def __init__(self, env: simpy.Environment, config: ApproverPool, rng: np.random.Generator) -> None:
        self.config = config
        self.resource = simpy.PreemptiveResource(env, capacity=config.approvers)
        self.rng = rng
        self.buffer: list[float] = []
        self.next_draw = 0

    def draw(self) -> float:
        if self.next_draw >= len(self.buffer):
            self.buffer = self._chunk()
            self.next_draw = 0
        value = self.buffer[self.next_draw]
        self.next_draw += 1
        return value

    def _chunk(self) -> list[float]:
        return self.config.service_time_days.sample(self.rng, DRAW_CHUNK).tolist()


class ApprovalOffice:
    """Approver pools and the approval path every order follows.

    Each pool is a :class:`simpy.PreemptiveResource` with one slot an approver. Orders
    queue first come, first served; absences are top-priority preempting requests (see
    the module docstring). Service times are drawn when an order joins a pool's queue,
    from that pool's generator, so the k-th order to reach a pool gets the k-th draw
    whatever the number of approvers (common random numbers across staffing variants).
    """

    ABSENCE_PRIORITY = 0
    RESUMED_PRIORITY = 1
    ORDER_PRIORITY = 2
    EPSILON_DAYS = 1e-9

    def __init__(
        self,
        env: simpy.Environment,
        pools: Sequence[ApproverPool],
        rules: Sequence[ApprovalRule],
        rng: np.random.Generator | Mapping[str, np.random.Generator],
        records: list[AuditRecord] | None = None,
    ) -> None:
        self.env = env
        self.records: list[AuditRecord] = records if records is not None else []
        self._pools: dict[str, _PoolState] = {}
        for pool in pools:
            if pool.name in self._pools:
                raise ValueError(f"approver pool '{pool.name}' is given twice")
            if isinstance(rng, np.random.Generator):
                pool_rng = rng
            elif pool.name in rng:
                pool_rng = rng[pool.name]
            else:
                raise ValueError(f"rng: no generator for approver pool '{pool.name}' (given: {', '.join(rng)})")
            self._pools[pool.name] = _PoolState(env, pool, pool_rng)
        for i, rule in enumerate(rules):
            if rule.pool not in self._pools:
                raise ValueError(f"rules[{i}].pool: unknown pool '{rule.pool}' (known: {', '.join(self._pools)})")
        self.rules: tuple[ApprovalRule, ...] = tuple(rules)
        self.steps: list[ApprovalStep] = []
        self.outcomes: dict[Hashable, ApprovalOutcome] = {}
        self._waiting_days: dict[Hashable, float] = {}
        self._submitted: set[Hashable] = set()
        for pool_state in self._pools.values():
            for index, window in enumerate(pool_state.config.absences):
                env.process(_Absence(self, pool_state, index, window))

    def route(self, amount: float, discount: float = 0.0) -> tuple[str, ...]:
        """The pools an order passes, in path order (empty: no approval needed)."""
        return tuple(rule.pool for rule in self.rules if rule.applies(amount, discount))

    def submit(self, order_id: Hashable, partner: str, amount: float, discount: float = 0.0) -> simpy.Process:
        """Start the order on its approval path; the process's value is its :class:`ApprovalOutcome`."""
        if order_id in self._submitted:
            raise ValueError(f"order {order_id!r} was already submitted for approval")
        self._submitted.add(order_id)
        path = self.route(amount, discount)
        self.records.append((self.env.now, "approval", "routed", str(order_id), float(len(path)), ">".join(path)))
        return self.env.process(_ApprovalPath(self, order_id, partner, amount, discount, path))

    @property
    def waiting_days(self) -> Mapping[Hashable, float]:
        """Total time in approval queues of every order that has passed its path (read-only view)."""
        return MappingProxyType(self._waiting_days)

    def queue_length(self, pool: str) -> int:
        """Orders waiting for an approver of ``pool`` now."""
        return len(self._pools[pool].resource.queue)

    def approvers_busy(self, pool: str) -> int:
        """Approvers of ``pool`` serving an order or away now."""
        return self._pools[pool].resource.count

    def steps_frame(self) -> pd.DataFrame:
        """One row an order and step (:data:`STEP_COLUMNS`)."""
        return pd.DataFrame([tuple(_step_row(s)) for s in self.steps], columns=list(STEP_COLUMNS))

class _ApprovalPath(Resumable):
    """One order through the pools of its approval path, one step after the other.

    The generator it replaces (one step; the path runs the steps in order, then records
    ``passed`` and returns the :class:`ApprovalOutcome`)::

        draw the service time; queued
        while True:
            request = pool.resource.request(priority=priority)
            yield request                                          # state "asked"
            started (first time) or resumed
            try: yield timeout(remaining)                          # state "serving"
            except Interrupt: remaining -= served; if remaining > eps: interrupted, priority =
                RESUMED_PRIORITY, continue; else break (finished as the approver left)
            release; break
        approved
    """

    __slots__ = (
        "office", "order_id", "partner", "amount", "discount", "path", "submitted", "waiting", "index",
        "state", "pool", "actor", "subject", "service", "queued", "remaining", "priority", "step_waiting",
        "started", "interruptions", "asked", "began", "request",
    )  # fmt: skip

    def __init__(
        self, office: ApprovalOffice, order_id: Hashable, partner: str, amount: float, discount: float,
        path: tuple[str, ...],
    ) -> None:  # fmt: skip
        self.office = office
        self.order_id = order_id
        self.partner = partner
        self.amount = amount
        self.discount = discount
        self.path = path
        self.state = "start"
        self.index = 0
        self.waiting = 0.0
        self.submitted = 0.0
        self.pool: _PoolState | None = None
        self.request: simpy.Event | None = None

    def send(self, value: object) -> simpy.Event:
        office = self.office
        env = office.env
        if self.state == "start":
            self.submitted = env.now
            self.state = "step"
        elif self.state == "asked":
            return self._asked()
        elif self.state == "serving":
            assert self.pool is not None
            self.pool.resource.release(self.request)  # type: ignore[arg-type]
            self._approved()
        return self._next()

    def throw(self, exc: BaseException) -> simpy.Event:
        if self.state != "serving" or not isinstance(exc, simpy.Interrupt):
            raise exc
        env = self.office.env
        # an approver went away: keep the work still to do
        self.remaining -= env.now - self.began
        if self.remaining > self.office.EPSILON_DAYS:
            self.interruptions += 1
            self.office.records.append(
                (env.now, self.actor, "interrupted", self.subject, self.remaining, str(self.index))
            )
            self.priority = self.office.RESUMED_PRIORITY
            return self._ask()
        self._approved()  # finished at the very moment the approver left
        return self._next()

    def _next(self) -> simpy.Event:
        """Start the next step of the path, or end with the outcome."""
        office = self.office
        env = office.env
        if self.index >= len(self.path):
            outcome = ApprovalOutcome(
                self.order_id, self.partner, self.amount, self.discount, self.path, self.submitted, env.now,
                self.waiting,
            )  # fmt: skip
            office.outcomes[self.order_id] = outcome
            office._waiting_days[self.order_id] = self.waiting
            office.records.append((env.now, "approval", "passed", str(self.order_id), self.waiting, self.partner))
            finish(outcome)
        pool = office._pools[self.path[self.index]]
        self.pool = pool
        self.actor = f"approval/{pool.config.name}"
        self.subject = str(self.order_id)
        self.service = pool.draw()
        self.queued = env.now
        office.records.append((self.queued, self.actor, "queued", self.subject, self.service, str(self.index)))
        self.remaining = self.service
        self.priority = office.ORDER_PRIORITY
        self.step_waiting = 0.0
        self.started: float | None = None
        self.interruptions = 0
        return self._ask()

    def _ask(self) -> simpy.Event:
        assert self.pool is not None
        self.asked = self.office.env.now
        self.request = self.pool.resource.request(priority=self.priority, preempt=False)
        self.state = "asked"
        return self.request

    def _asked(self) -> simpy.Event:
        env = self.office.env
        records = self.office.records
        self.step_waiting += env.now - self.asked
        if self.started is None:
            self.started = env.now
            records.append((env.now, self.actor, "started", self.subject, self.step_waiting, str(self.index)))
        else:
            records.append((env.now, self.actor, "resumed", self.subject, self.remaining, str(self.index)))
        self.began = env.now
        self.state = "serving"
        return env.timeout(self.remaining)

    def _approved(self) -> None:
        office = self.office
        env = office.env
        assert self.pool is not None
        office.records.append((env.now, self.actor, "approved", self.subject, self.service, str(self.index)))
        office.steps.append(
            ApprovalStep(
                self.order_id, self.index, self.pool.config.name, self.queued, self.started, env.now,
                self.step_waiting, self.service, self.interruptions,
            )  # fmt: skip
        )
        self.waiting += self.step_waiting
        self.index += 1
        self.state = "step"


class _Absence(Resumable):
    """Approvers away for one absence window: top-priority preempting requests from start to end.

    The generator it replaces::

        if start > now: yield timeout(start - now)              # state "before"
        if now >= end: return
        request the absent approvers (preempting); absence_started
        yield timeout(end - now)                                # state "away"
        release (or cancel) the requests; absence_ended
    """

    __slots__ = ("office", "pool", "index", "window", "state", "requests")

    def __init__(self, office: ApprovalOffice, pool: _PoolState, index: int, window: Absence) -> None:
        self.office = office
        self.pool = pool
        self.index = index
        self.window = window
        self.state = "start"
        self.requests: list[simpy.Event] = []

    def send(self, value: object) -> simpy.Event:
        env = self.office.env
        window, pool = self.window, self.pool
        actor = f"approval/{pool.config.name}"
        label = window.name or f"absence[{self.index}]"
        if self.state == "start":
            self.state = "before"
            if window.start_day > env.now:
                return env.timeout(window.start_day - env.now)
        if self.state == "before":
            if env.now >= window.end_day:
                finish()
            self.requests = [
                pool.resource.request(priority=self.office.ABSENCE_PRIORITY, preempt=True)
                for _ in range(window.approvers_absent)
            ]
            self.office.records.append((env.now, actor, "absence_started", label, float(window.approvers_absent), ""))
            self.state = "away"
            return env.timeout(window.end_day - env.now)
        for request in self.requests:
            if request.triggered:
                pool.resource.release(request)  # type: ignore[arg-type]
            else:
                request.cancel()  # type: ignore[attr-defined]
        self.office.records.append((env.now, actor, "absence_ended", label, float(window.approvers_absent), ""))
        finish()


def _step_row(step: ApprovalStep) -> Iterable[object]:
    return (getattr(step, name) for name in STEP_COLUMNS)


def approval_streams(
    seed: int, replication: int, pools: Iterable[ApproverPool | str]
) -> dict[str, np.random.Generator]:
    """One named generator a pool (source ``order_to_cash/approval/<pool>``)."""
    names = [p if isinstance(p, str) else p.name for p in pools]
    return {name: stream(seed, replication, SOURCE_APPROVAL + name) for name in names}


# --------------------------------------------------------------------------- ledger


@dataclass(slots=True)
class Invoice:
    """An invoice and its settlement (amounts in cents)."""

    invoice_id: int
    seller: str
    partner: str
    order_id: Hashable | None
    amount_cents: int
    invoice_day: float
    terms_days: float
    due_day: float
    delay_days: float
    scheduled_payment_day: float
    status: Literal["open", "paid", "written_off"] = "open"
    closed_day: float | None = None
    paid_cents: int = 0
    recovered_cents: int = 0
    written_off_cents: int = 0

    @property
    def amount(self) -> float:
        """The invoiced amount in currency units."""
        return _money(self.amount_cents)

    def row(self) -> tuple[object, ...]:
        """The invoice as a row of :data:`INVOICE_COLUMNS` (amounts in currency units)."""
        return (
            self.invoice_id, self.seller, self.partner, self.order_id, self.amount, self.invoice_day,
            self.terms_days, self.due_day, self.delay_days, self.scheduled_payment_day, self.status,
            self.closed_day, _money(self.paid_cents), _money(self.recovered_cents), _money(self.written_off_cents),
        )  # fmt: skip


LedgerListener = Callable[[str, str], None]
"""Called with ``(partner, what)`` after a payment (``paid``) or an insolvency (``insolvent``)."""


class Ledger:
    """Receivables: invoices, scheduled payments, insolvencies and bad debt.

    Payments are SimPy timeouts scheduled at ``invoice_day + terms_days + delay``. Each
    registered partner with a positive insolvency probability has a watch process that
    fails it at the hazard rate of its health. Money rows (:data:`MONEY_COLUMNS`) carry
    the seller as ``node`` and the debtor as ``partner``.
    """

    def __init__(
        self,
        env: simpy.Environment,
        behaviour: PaymentBehaviour,
        *,
        delay_rng: np.random.Generator,
        insolvency_rng: np.random.Generator,
        health: Mapping[str, float] | None = None,
        seller: str = "vendor",
        records: list[AuditRecord] | None = None,
    ) -> None:
        self.env = env
        self.behaviour = behaviour
        self.seller = seller
        self.records: list[AuditRecord] = records if records is not None else []
        self.invoices: list[Invoice] = []
        self.settlements: list[tuple[float, int, str, str, str, float, int]] = []
        self.money: list[tuple[float, str, str, float, str, int]] = []
        self._delay_rng = delay_rng
        self._insolvency_rng = insolvency_rng
        self._health: dict[str, float] = {}
        self._health_changed: dict[str, simpy.Event] = {}
        self._insolvent: dict[str, float] = {}
        self._open: dict[str, dict[int, Invoice]] = {}
        self._open_cents: dict[str, int] = {}
        self._listeners: list[LedgerListener] = []
        for partner in sorted(health or {}):
            self.register(partner, (health or {})[partner])

    # ---- partners

    def register(self, partner: str, health: float | None = None) -> None:
        """Start following ``partner`` (its insolvency watch starts now)."""
        if partner in self._health:
            raise ValueError(f"partner '{partner}' is already registered")
        self._health[partner] = self.behaviour.default_health if health is None else _check_health(health)
        self._open[partner] = {}
        self._open_cents[partner] = 0
        self._health_changed[partner] = self.env.event()
        if self.behaviour.insolvency_probability_per_year > 0:
            self.env.process(_InsolvencyWatch(self, partner))

    def health(self, partner: str) -> float:
        """The partner's health now (the default for a partner never registered)."""
        return self._health.get(partner, self.behaviour.default_health)

    def set_health(self, partner: str, health: float) -> None:
        """Change the partner's health (affects later delays and its insolvency hazard from now)."""
        if partner not in self._health:
            self.register(partner, health)
            return
        self._health[partner] = _check_health(health)
        changed = self._health_changed[partner]
        self._health_changed[partner] = self.env.event()
        changed.succeed()

    def is_insolvent(self, partner: str) -> bool:
        """Whether the partner has failed."""
        return partner in self._insolvent

    def subscribe(self, listener: LedgerListener) -> None:
        """Call ``listener(partner, what)`` after each payment and insolvency."""
        self._listeners.append(listener)

    # ---- invoices and payments

    def invoice(
        self,
        partner: str,
        amount: float,
        day: float | None,
        terms_days: float,
        *,
        seller: str | None = None,
        order_id: Hashable | None = None,
    ) -> Invoice:
        """Issue an invoice dated ``day`` (``None``: now); its payment is scheduled at once."""
        return self.invoice_cents(partner, to_cents(amount), day, terms_days, seller=seller, order_id=order_id)

    def invoice_cents(
        self,
        partner: str,
        amount_cents: int,
        day: float | None,
        terms_days: float,
        *,
        seller: str | None = None,
        order_id: Hashable | None = None,
    ) -> Invoice:
        """:meth:`invoice` with the amount in whole cents."""
        if partner in self._insolvent:
            raise ValueError(f"partner '{partner}' is insolvent since day {self._insolvent[partner]:g}")
        if amount_cents < 0:
            raise ValueError(f"amount_cents must be >= 0, got {amount_cents}")
        if not 0 <= terms_days <= MAX_DAYS:
            raise ValueError(f"terms_days must be between 0 and {MAX_DAYS}, got {terms_days}")
        if partner not in self._health:
            self.register(partner)
        env = self.env
        day = env.now if day is None else day
        seller = self.seller if seller is None else seller
        mean = self.behaviour.mean_delay_days(self._health[partner])
        if self.behaviour.delay_distribution == "exponential" and mean > 0:
            delay = float(self._delay_rng.exponential(mean))
        else:
            delay = mean
        due = day + terms_days
        invoice = Invoice(
            len(self.invoices), seller, partner, order_id, amount_cents, day, terms_days, due, delay, due + delay
        )
        self.invoices.append(invoice)
        self._open[partner][invoice.invoice_id] = invoice
        self._open_cents[partner] += amount_cents
        self.money.append((day, seller, "invoiced", _money(amount_cents), partner, amount_cents))
        self.records.append((env.now, "ledger", "invoiced", str(invoice.invoice_id), _money(amount_cents), partner))
        timer = env.timeout(max(0.0, invoice.scheduled_payment_day - env.now), value=invoice)
        timer.callbacks.append(self._payment_due)
        return invoice

    def _payment_due(self, event: simpy.Event) -> None:
        invoice: Invoice = event.value
        if invoice.status != "open":
            return
        now = self.env.now
        invoice.status = "paid"
        invoice.closed_day = now
        invoice.paid_cents = invoice.amount_cents
        self._close(invoice)
        cents = invoice.amount_cents
        self.settlements.append(
            (now, invoice.invoice_id, invoice.seller, invoice.partner, "payment", _money(cents), cents)
        )
        self.money.append((now, invoice.seller, "cash_received", _money(cents), invoice.partner, cents))
        self.records.append((now, "ledger", "paid", str(invoice.invoice_id), _money(cents), invoice.partner))
        self._notify(invoice.partner, "paid")

    def _close(self, invoice: Invoice) -> None:
        del self._open[invoice.partner][invoice.invoice_id]
        self._open_cents[invoice.partner] -= invoice.amount_cents

    def insolvency(self, partner: str) -> float:
        """Fail ``partner`` now: recover a share of its open balance, write off the rest; returns the bad debt."""
        if partner in self._insolvent:
            return 0.0
        if partner not in self._health:
            self.register(partner)
        now = self.env.now
        self._insolvent[partner] = now
        open_invoices = list(self._open[partner].values())
        balance = self._open_cents[partner]
        self.records.append((now, "ledger", "insolvent", partner, _money(balance), ""))
        recovered = _allocate(cents_times(balance, self.behaviour.recovery_share), open_invoices)
        by_seller: dict[str, list[int]] = {}
        for invoice, recovery in zip(open_invoices, recovered, strict=True):
            loss = invoice.amount_cents - recovery
            invoice.status = "written_off"
            invoice.closed_day = now
            invoice.recovered_cents = recovery
            invoice.written_off_cents = loss
            self._close(invoice)
            ident, seller = invoice.invoice_id, invoice.seller
            if recovery:
                self.settlements.append((now, ident, seller, partner, "recovery", _money(recovery), recovery))
            if loss:
                self.settlements.append((now, ident, seller, partner, "write_off", _money(loss), loss))
            totals = by_seller.setdefault(seller, [0, 0])
            totals[0] += recovery
            totals[1] += loss
        bad_debt = 0
        for seller in sorted(by_seller):
            recovery, loss = by_seller[seller]
            bad_debt += loss
            if recovery:
                self.money.append((now, seller, "cash_received", _money(recovery), partner, recovery))
            if loss:
                self.money.append((now, seller, "bad_debt", _money(loss), partner, loss))
        self.records.append((now, "ledger", "written_off", partner, _money(bad_debt), ""))
        self._notify(partner, "insolvent")
        return _money(bad_debt)

    def _notify(self, partner: str, what: str) -> None:
        for listener in self._listeners:
            listener(partner, what)

    # ---- balances and tables

    def open_balance(self, partner: str) -> float:
        """The partner's open receivables now (all sellers)."""
        return _money(self._open_cents.get(partner, 0))

    def open_cents(self, partner: str) -> int:
        """:meth:`open_balance` in cents."""
        return self._open_cents.get(partner, 0)

    def money_rows(self, end_day: float | None = None) -> list[tuple[float, str, str, float, str, int]]:
        """The flows so far plus one ``receivables_end`` row a seller and partner, dated ``end_day`` (now)."""
        end_day = self.env.now if end_day is None else end_day
        open_by_pair: dict[tuple[str, str], int] = {}
        for invoice in self.invoices:
            pair = (invoice.seller, invoice.partner)
            open_by_pair.setdefault(pair, 0)
            if invoice.status == "open":
                open_by_pair[pair] += invoice.amount_cents
        closing = [
            (end_day, seller, "receivables_end", _money(cents), partner, cents)
            for (seller, partner), cents in sorted(open_by_pair.items())
        ]
        return self.money + closing

    def totals_cents(self) -> dict[str, int]:
        """Total cents by account (``invoiced``, ``cash_received``, ``bad_debt``, ``receivables_end``)."""
        totals = dict.fromkeys(("invoiced", "cash_received", "bad_debt", "receivables_end"), 0)
        for row in self.money_rows():
            totals[row[2]] += row[5]
        return totals

    def invoices_frame(self) -> pd.DataFrame:
        """One row an invoice (:data:`INVOICE_COLUMNS`)."""
        return pd.DataFrame([i.row() for i in self.invoices], columns=list(INVOICE_COLUMNS))

    def settlements_frame(self) -> pd.DataFrame:
        """Payments, recoveries and write-offs, one row an invoice each (:data:`SETTLEMENT_COLUMNS`)."""
        return pd.DataFrame(self.settlements, columns=list(SETTLEMENT_COLUMNS))

    def money_frame(self, end_day: float | None = None) -> pd.DataFrame:
        """:meth:`money_rows` as a table (:data:`MONEY_COLUMNS`)."""
        return pd.DataFrame(self.money_rows(end_day), columns=list(MONEY_COLUMNS))


class _InsolvencyWatch(Resumable):
    """Fails a partner at the hazard rate of its health (memoryless: redrawn on each change).

    The generator it replaces::

        while partner is solvent:
            changed = the partner's health-changed event; rate = hazard of its health
            if rate <= 0: yield changed; continue                       # state "idle"
            yield timeout(exponential(1 / rate)) | changed              # state "armed"
            if changed.triggered or partner failed meanwhile: continue
            insolvency(partner)
    """

    __slots__ = ("ledger", "partner", "changed", "state")

    def __init__(self, ledger: Ledger, partner: str) -> None:
        self.ledger = ledger
        self.partner = partner
        self.changed: simpy.Event | None = None
        self.state = "loop"

    def send(self, value: object) -> simpy.Event:
        ledger, partner = self.ledger, self.partner
        if self.state == "armed":
            assert self.changed is not None
            if not (self.changed.triggered or partner in ledger._insolvent):
                ledger.insolvency(partner)
        while partner not in ledger._insolvent:
            changed = ledger._health_changed[partner]
            self.changed = changed
            rate = ledger.behaviour.insolvency_rate_per_day(ledger._health[partner])
            if rate <= 0:
                self.state = "idle"
                return changed
            timer = ledger.env.timeout(float(ledger._insolvency_rng.exponential(1.0 / rate)))
            self.state = "armed"
            return timer | changed
        finish()


def _check_health(health: float) -> float:
    if not 0.0 <= health <= 1.0:
        raise ValueError(f"health must be between 0 and 1, got {health}")
    return float(health)


def _allocate(total: int, invoices: Sequence[Invoice]) -> list[int]:
    """Split ``total`` cents over invoices in proportion to their amounts (largest remainder)."""
    balance = sum(i.amount_cents for i in invoices)
    if balance == 0 or total == 0:
        return [0] * len(invoices)
    shares = [total * i.amount_cents // balance for i in invoices]
    remainders = [total * i.amount_cents % balance for i in invoices]
    left = total - sum(shares)
    for k in sorted(range(len(invoices)), key=lambda k: (-remainders[k], k))[:left]:
        shares[k] += 1
    return shares


# --------------------------------------------------------------------------- credit desk


CreditStatus = Literal["accepted", "partial", "held", "rejected"]


@dataclass(frozen=True, slots=True, eq=False)
class CreditDecision:
    """The desk's answer to an order.

    ``settled`` succeeds with the final decision: at once unless ``status`` is ``held``;
    then with an ``accepted`` (reason ``released``) or ``rejected`` decision later.
    """

    order_id: Hashable
    partner: str
    status: CreditStatus
    requested_cents: Cents
    granted_cents: Cents
    day: float
    reason: str
    settled: simpy.Event
    held_days: float = 0.0

    @property
    def requested(self) -> float:
        """The order's value in currency units."""
        return _money(self.requested_cents)

    @property
    def granted(self) -> float:
        """The credit granted in currency units."""
        return _money(self.granted_cents)


class _Held:
    __slots__ = ("order_id", "partner", "cents", "day", "settled")

    def __init__(self, order_id: Hashable, partner: str, cents: int, day: float, settled: simpy.Event) -> None:
        self.order_id = order_id
        self.partner = partner
        self.cents = cents
        self.day = day
        self.settled = settled


class CreditDesk:
    """Credit limits, reservations for accepted orders, and the per-partner hold queue.

    The desk listens to the ledger: after each payment it releases held orders of that
    partner, first in, first out, while the next one fits (a later, smaller order never
    overtakes); an insolvency rejects them all. Under ``hold`` a new order queues behind
    a partner's held orders even if it would fit.
    """

    def __init__(
        self,
        env: simpy.Environment,
        policy: CreditPolicy,
        ledger: Ledger,
        *,
        partner_kinds: Mapping[str, str] | None = None,
        records: list[AuditRecord] | None = None,
    ) -> None:
        self.env = env
        self.policy = policy
        self.ledger = ledger
        self.partner_kinds: dict[str, str] = dict(partner_kinds or {})
        self.records: list[AuditRecord] = records if records is not None else []
        self._limit_overrides: dict[str, int | None] = {}
        self._reserved: dict[Hashable, tuple[str, int]] = {}
        self._reserved_by_partner: dict[str, int] = {}
        self._held: dict[str, deque[_Held]] = {}
        self._held_ids: dict[Hashable, _Held] = {}
        ledger.subscribe(self._ledger_changed)

    # ---- limits

    def credit_limit(self, partner: str) -> float | None:
        """The partner's credit limit now (``None``: unlimited)."""
        cents = self._limit_cents(partner)
        return None if cents is None else _money(cents)

    def _limit_cents(self, partner: str) -> int | None:
        if partner in self._limit_overrides:
            return self._limit_overrides[partner]
        limit = self.policy.credit_limit(partner, self.partner_kinds.get(partner))
        return None if limit is None else to_cents(limit)

    def set_credit_limit(self, partner: str, limit: float | None) -> None:
        """Change a partner's limit from now (a decision in an exercise); may release held orders."""
        self._limit_overrides[partner] = None if limit is None else to_cents(limit)
        self.records.append((self.env.now, "credit", "limit_set", partner, math.nan if limit is None else limit, ""))
        self._release(partner)

    def terms_days(self, partner: str) -> int:
        """The partner's payment terms in days."""
        return self.policy.terms_days(partner, self.partner_kinds.get(partner))

    def exposure(self, partner: str) -> float:
        """Open receivables plus credit reserved for accepted, unbilled orders."""
        return _money(self._exposure_cents(partner))

    def _exposure_cents(self, partner: str) -> int:
        return self.ledger.open_cents(partner) + self._reserved_by_partner.get(partner, 0)

    def available(self, partner: str) -> float:
        """Credit left (``inf`` when unlimited; may be negative after a limit cut)."""
        limit = self._limit_cents(partner)
        return math.inf if limit is None else _money(limit - self._exposure_cents(partner))

    def held(self, partner: str) -> list[Hashable]:
        """Ids of the partner's held orders, first in first."""
        return [h.order_id for h in self._held.get(partner, ())]

    def held_orders(self) -> list[tuple[Hashable, str, float, float]]:
        """Every order held now: ``(order_id, partner, amount, held_since_day)``, partner by partner, first in first."""
        return [(h.order_id, h.partner, _money(h.cents), h.day) for queue in self._held.values() for h in queue]

    def approve_held(self, order_id: Hashable) -> bool:
        """Accept a held order now, over the limit if need be (an order desk's decision); False when it is not held.

        Its credit is reserved as for any accepted order (the exposure may exceed the limit,
        as after a limit cut); the audit records ``released`` with the reason ``approved``.
        The partner's next held orders are then released while they fit.
        """
        entry = self._held_ids.get(order_id)
        if entry is None:
            return False
        self._held[entry.partner].remove(entry)
        self._settle_held(entry, "accepted", "approved")
        self._release(entry.partner)
        return True

    def reserved(self, order_id: Hashable) -> float:
        """Credit still reserved for an accepted order (0 once billed or cancelled)."""
        entry = self._reserved.get(order_id)
        return 0.0 if entry is None else _money(entry[1])

    # ---- decisions

    def check(self, order_id: Hashable, partner: str, amount: float) -> CreditDecision:
        """Decide on an order of value ``amount`` now (rounded once to cents, half up; see :meth:`check_cents`)."""
        return self.check_cents(order_id, partner, to_cents(amount))

    def check_cents(self, order_id: Hashable, partner: str, cents: int) -> CreditDecision:
        """Decide on an order of ``cents`` now (see :class:`CreditPolicy` for what happens over the limit)."""
        if order_id in self._reserved or order_id in self._held_ids:
            raise ValueError(f"order {order_id!r} is already at the credit desk")
        if cents < 0:
            raise ValueError(f"cents must be >= 0, got {cents}")
        if self.ledger.is_insolvent(partner):
            return self._decide(order_id, partner, "rejected", cents, 0, "insolvent")
        limit = self._limit_cents(partner)
        if limit is None:
            return self._decide(order_id, partner, "accepted", cents, cents, "unlimited")
        on_exceed = self.policy.on_exceed
        if on_exceed == "hold" and self._held.get(partner):
            return self._hold(order_id, partner, cents, limit, "queued behind held orders")
        available = limit - self._exposure_cents(partner)
        if cents <= available:
            return self._decide(order_id, partner, "accepted", cents, cents, "within_limit")
        if on_exceed == "reject":
            return self._decide(order_id, partner, "rejected", cents, 0, "over_limit")
        if on_exceed == "partial":
            if available > 0:
                return self._decide(order_id, partner, "partial", cents, available, "over_limit")
            return self._decide(order_id, partner, "rejected", cents, 0, "no_credit")
        return self._hold(order_id, partner, cents, limit, "over_limit")

    def _decide(
        self, order_id: Hashable, partner: str, status: CreditStatus, requested: int, granted: int, reason: str
    ) -> CreditDecision:
        now = self.env.now
        if status != "rejected":
            self._reserve(order_id, partner, granted)
        settled = self.env.event()
        decision = CreditDecision(order_id, partner, status, requested, granted, now, reason, settled)
        settled.succeed(decision)
        self.records.append((now, "credit", status, str(order_id), _money(granted), f"{partner}: {reason}"))
        return decision

    def _hold(self, order_id: Hashable, partner: str, cents: int, limit: int, reason: str) -> CreditDecision:
        if cents > limit:
            return self._decide(order_id, partner, "rejected", cents, 0, "exceeds_limit")
        now = self.env.now
        entry = _Held(order_id, partner, cents, now, self.env.event())
        self._held.setdefault(partner, deque()).append(entry)
        self._held_ids[order_id] = entry
        self.records.append((now, "credit", "held", str(order_id), _money(cents), f"{partner}: {reason}"))
        if self.policy.max_hold_days is not None:
            timer = self.env.timeout(self.policy.max_hold_days, value=entry)
            timer.callbacks.append(self._hold_expired)
        return CreditDecision(order_id, partner, "held", cents, Cents(0), now, reason, entry.settled)

    def _reserve(self, order_id: Hashable, partner: str, cents: int) -> None:
        self._reserved[order_id] = (partner, cents)
        self._reserved_by_partner[partner] = self._reserved_by_partner.get(partner, 0) + cents

    def _unreserve(self, order_id: Hashable, cents: int) -> None:
        partner, reserved = self._reserved[order_id]
        self._reserved_by_partner[partner] -= cents
        if cents >= reserved:
            del self._reserved[order_id]
        else:
            self._reserved[order_id] = (partner, reserved - cents)

    def _settle_held(self, entry: _Held, status: CreditStatus, reason: str) -> None:
        now = self.env.now
        del self._held_ids[entry.order_id]
        granted = entry.cents if status == "accepted" else 0
        if status == "accepted":
            self._reserve(entry.order_id, entry.partner, granted)
        decision = CreditDecision(
            entry.order_id, entry.partner, status, entry.cents, granted, now, reason, entry.settled,
            now - entry.day,
        )  # fmt: skip
        action = "released" if status == "accepted" else "rejected"
        self.records.append((now, "credit", action, str(entry.order_id), _money(granted), f"{entry.partner}: {reason}"))
        entry.settled.succeed(decision)

    def _release(self, partner: str) -> None:
        """Release held orders first in, first out while the next one fits."""
        queue = self._held.get(partner)
        if not queue:
            return
        if self.ledger.is_insolvent(partner):
            while queue:
                self._settle_held(queue.popleft(), "rejected", "insolvent")
            return
        limit = self._limit_cents(partner)
        while queue:
            head = queue[0]
            if limit is not None and head.cents > limit - self._exposure_cents(partner):
                break
            queue.popleft()
            self._settle_held(head, "accepted", "released")

    def _hold_expired(self, event: simpy.Event) -> None:
        entry: _Held = event.value
        if self._held_ids.get(entry.order_id) is not entry:
            return
        self._held[entry.partner].remove(entry)
        self._settle_held(entry, "rejected", "hold_expired")
        self._release(entry.partner)

    def _ledger_changed(self, partner: str, what: str) -> None:
        self._release(partner)

    # ---- after the decision

    def bill(self, order_id: Hashable, amount: float | None = None, day: float | None = None) -> Invoice | None:
        """Invoice (part of) an accepted order's reserved credit at the partner's terms.

        Returns ``None`` (and frees the reservation) when the partner has become insolvent.
        """
        if order_id not in self._reserved:
            raise ValueError(f"order {order_id!r} has no reserved credit to bill")
        partner, reserved = self._reserved[order_id]
        cents = reserved if amount is None else to_cents(amount)
        if cents > reserved:
            raise ValueError(f"order {order_id!r}: billing {_money(cents)} exceeds the reserved {_money(reserved)}")
        if self.ledger.is_insolvent(partner):
            self._unreserve(order_id, reserved)
            self.records.append((self.env.now, "credit", "bill_refused", str(order_id), _money(reserved), partner))
            return None
        self._unreserve(order_id, cents)
        self.records.append((self.env.now, "credit", "billed", str(order_id), _money(cents), partner))
        return self.ledger.invoice_cents(partner, cents, day, self.terms_days(partner), order_id=order_id)

    def cancel(self, order_id: Hashable) -> None:
        """Drop an order: free its reserved credit, or take it out of the hold queue."""
        now = self.env.now
        if order_id in self._held_ids:
            entry = self._held_ids[order_id]
            self._held[entry.partner].remove(entry)
            self._settle_held(entry, "rejected", "cancelled")
            self._release(entry.partner)
            return
        if order_id not in self._reserved:
            raise ValueError(f"order {order_id!r} is not at the credit desk")
        partner, reserved = self._reserved[order_id]
        self._unreserve(order_id, reserved)
        self.records.append((now, "credit", "cancelled", str(order_id), _money(reserved), partner))
        self._release(partner)


# --------------------------------------------------------------------------- the whole flow


@dataclass(frozen=True, slots=True, eq=False)
class OrderOutcome:
    """What became of an order: its final credit decision, approval and invoice."""

    order_id: Hashable
    credit: CreditDecision
    approval: ApprovalOutcome | None
    invoice: Invoice | None


def process_order(
    env: simpy.Environment,
    desk: CreditDesk,
    office: ApprovalOffice,
    order_id: Hashable,
    partner: str,
    amount: float,
    discount: float = 0.0,
    bill: bool = True,
) -> Resumable:
    """Credit check (waiting while held), approval path for the granted amount, then billing.

    A process body for ``env.process``; its value is the :class:`OrderOutcome`.
    """
    return _OrderProcess(desk, office, order_id, partner, amount, discount, bill)


class _OrderProcess(Resumable):
    """:func:`process_order` as a resumable.

    The generator it replaces::

        decision = desk.check(...)
        final = yield decision.settled                                  # state "credit"
        if final is rejected: return OrderOutcome(order_id, final, None, None)
        approval = yield office.submit(order_id, partner, final.granted, discount)   # state "approval"
        invoice = desk.bill(order_id) if bill else None
        return OrderOutcome(order_id, final, approval, invoice)
    """

    __slots__ = ("desk", "office", "order_id", "partner", "amount", "discount", "bill", "state", "final")

    def __init__(
        self, desk: CreditDesk, office: ApprovalOffice, order_id: Hashable, partner: str, amount: float,
        discount: float, bill: bool,
    ) -> None:  # fmt: skip
        self.desk = desk
        self.office = office
        self.order_id = order_id
        self.partner = partner
        self.amount = amount
        self.discount = discount
        self.bill = bill
        self.state = "start"
        self.final: CreditDecision | None = None

    def send(self, value: object) -> simpy.Event:
        if self.state == "start":
            decision = self.desk.check(self.order_id, self.partner, self.amount)
            self.state = "credit"
            return decision.settled
        if self.state == "credit":
            final: CreditDecision = value  # type: ignore[assignment]
            self.final = final
            if final.status == "rejected":
                finish(OrderOutcome(self.order_id, final, None, None))
            self.state = "approval"
            return self.office.submit(self.order_id, self.partner, final.granted, self.discount)
        assert self.final is not None
        invoice = self.desk.bill(self.order_id) if self.bill else None
        finish(OrderOutcome(self.order_id, self.final, value, invoice))  # type: ignore[arg-type]


class OrderToCash:
    """Credit desk, approval office and ledger built from a config, sharing one audit log.

    Random streams (:func:`chansim.rng.stream`): ``order_to_cash/payment_delay``,
    ``order_to_cash/insolvency`` and ``order_to_cash/approval/<pool>``.
    """

    def __init__(
        self,
        env: simpy.Environment,
        config: OrderToCashConfig,
        *,
        seed: int,
        replication: int = 0,
        partner_kinds: Mapping[str, str] | None = None,
        health: Mapping[str, float] | None = None,
        seller: str = "vendor",
        records: list[AuditRecord] | None = None,
    ) -> None:
        self.env = env
        self.config = config
        self.records: list[AuditRecord] = records if records is not None else []
        self.ledger = Ledger(
            env,
            config.payment,
            delay_rng=stream(seed, replication, SOURCE_PAYMENT_DELAY),
            insolvency_rng=stream(seed, replication, SOURCE_INSOLVENCY),
            health=health,
            seller=seller,
            records=self.records,
        )
        self.desk = CreditDesk(env, config.credit, self.ledger, partner_kinds=partner_kinds, records=self.records)
        self.office = ApprovalOffice(
            env,
            config.approver_pools,
            config.approval_path,
            approval_streams(seed, replication, config.approver_pools),
            records=self.records,
        )

    def place(
        self, order_id: Hashable, partner: str, amount: float, discount: float = 0.0, bill: bool = True
    ) -> simpy.Process:
        """Start :func:`process_order` for one order; the process's value is its :class:`OrderOutcome`."""
        return self.env.process(
            process_order(self.env, self.desk, self.office, order_id, partner, amount, discount, bill)
        )


# --------------------------------------------------------------------------- metrics


def records_frame(records: Sequence[AuditRecord]) -> pd.DataFrame:
    """The audit log as a table (:data:`AUDIT_COLUMNS`)."""
    return pd.DataFrame(list(records), columns=list(AUDIT_COLUMNS))


def _receivable_changes(
    invoices: pd.DataFrame, settlements: pd.DataFrame, partner: str | None
) -> tuple[np.ndarray, np.ndarray]:
    if partner is not None:
        invoices = invoices[invoices["partner"] == partner]
        settlements = settlements[settlements["partner"] == partner]
    times = np.concatenate([invoices["invoice_day"].to_numpy(float), settlements["day"].to_numpy(float)])
    changes = np.concatenate([invoices["amount"].to_numpy(float), -settlements["amount"].to_numpy(float)])
    return times, changes


def _receivable_integral(
    invoices: pd.DataFrame, settlements: pd.DataFrame, window: tuple[float, float], partner: str | None
) -> float:
    start, end = window
    if not end > start:
        raise ValueError(f"window must have end > start, got {window}")
    times, changes = _receivable_changes(invoices, settlements, partner)
    opening = changes[times <= start].sum()
    inside = (times > start) & (times < end)
    return float(opening * (end - start) + (changes[inside] * (end - times[inside])).sum())


def average_receivables(
    invoices: pd.DataFrame, settlements: pd.DataFrame, window: tuple[float, float], partner: str | None = None
) -> float:
    """Time-weighted mean open receivables over ``[start, end)``: ``(1 / (b - a)) * integral of R(t) dt``.

    ``R(t)`` = invoiced up to ``t`` - settled (paid, recovered, written off) up to ``t``;
    tables as from :meth:`Ledger.invoices_frame` and :meth:`Ledger.settlements_frame`.
    """
    start, end = window
    return _receivable_integral(invoices, settlements, window, partner) / (end - start)


def dso(
    invoices: pd.DataFrame, settlements: pd.DataFrame, window: tuple[float, float], partner: str | None = None
) -> float:
    """Days sales outstanding over ``[a, b)``: average receivables / (invoiced in the window / (b - a)).

    NaN when nothing was invoiced in the window.
    """
    start, end = window
    selected = invoices if partner is None else invoices[invoices["partner"] == partner]
    days = selected["invoice_day"].to_numpy(float)
    revenue = float(selected["amount"].to_numpy(float)[(days >= start) & (days < end)].sum())
    if revenue <= 0:
        return math.nan
    return _receivable_integral(invoices, settlements, window, partner) / revenue


def credit_utilisation(
    invoices: pd.DataFrame,
    settlements: pd.DataFrame,
    credit_limit: float,
    window: tuple[float, float],
    partner: str | None = None,
) -> float:
    """Time-averaged receivables / credit limit over ``[a, b)`` (NaN for a zero or unlimited limit)."""
    if not credit_limit or not math.isfinite(credit_limit):
        return math.nan
    return average_receivables(invoices, settlements, window, partner) / credit_limit
