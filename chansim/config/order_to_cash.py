"""Configuration of order-to-cash (``business.order_to_cash``): credit, approver pools and path, payments.

Pure pydantic (scenario layer); the desk, office and ledger run in :mod:`chansim.business.order_to_cash`.
"""

from __future__ import annotations

import math
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from chansim.config.base import MAX_DAYS, Money, Name, NodeKind
from chansim.config.distributions import (  # noqa: F401 (re-exported: service times are members of the one family)
    Deterministic,
    Exponential,
    ServiceTime,
    Uniform,
)

DAYS_PER_YEAR = 365.0
Days = Annotated[float, Field(ge=0, le=MAX_DAYS)]
Share = Annotated[float, Field(ge=0, le=1)]

class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# --------------------------------------------------------------------------- configuration


class Absence(_Frozen):
    """``approvers_absent`` approvers of a pool are away on days ``start_day <= t < end_day``."""

    start_day: Days
    end_day: Annotated[float, Field(gt=0, le=MAX_DAYS)]
    approvers_absent: Annotated[int, Field(ge=1, le=1000)] = 1
    name: str | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Absence:
        if self.end_day <= self.start_day:
            raise ValueError(f"end_day ({self.end_day}) must be after start_day ({self.start_day})")
        return self


class ApproverPool(_Frozen):
    """A group of interchangeable approvers (an office, a manager level)."""

    name: Name
    approvers: Annotated[int, Field(ge=1, le=1000)] = 1
    service_time_days: ServiceTime = Exponential(mean=1.0)
    absences: Annotated[list[Absence], Field(max_length=10_000)] = []

    @model_validator(mode="after")
    def _enough_approvers(self) -> ApproverPool:
        for i, window in enumerate(self.absences):
            if window.approvers_absent > self.approvers:
                raise ValueError(
                    f"absences[{i}].approvers_absent: {window.approvers_absent} exceeds the pool's "
                    f"approvers ({self.approvers})"
                )
        # overlapping windows: the number away at any time must not exceed the pool
        changes = sorted(
            [(w.start_day, 1, w.approvers_absent, i) for i, w in enumerate(self.absences)]
            + [(w.end_day, 0, -w.approvers_absent, i) for i, w in enumerate(self.absences)]
        )
        away = 0
        for day, _, change, i in changes:
            away += change
            if away > self.approvers:
                raise ValueError(
                    f"absences[{i}].approvers_absent: with overlapping windows {away} approvers would be "
                    f"away on day {day:g}, but the pool has {self.approvers}"
                )
        return self


class ApprovalRule(_Frozen):
    """An approval step, required when the amount or the discount exceeds its threshold."""

    pool: Name
    amount_above: Money | None = None
    discount_above: Annotated[float, Field(ge=0, lt=1)] | None = None
    name: str | None = None

    @model_validator(mode="after")
    def _has_condition(self) -> ApprovalRule:
        if self.amount_above is None and self.discount_above is None:
            raise ValueError("amount_above / discount_above: give at least one threshold")
        return self

    def applies(self, amount: float, discount: float) -> bool:
        """Whether an order of ``amount`` with ``discount`` (0..1) needs this step."""
        return (self.amount_above is not None and amount > self.amount_above) or (
            self.discount_above is not None and discount > self.discount_above
        )


class PartnerCredit(_Frozen):
    """Credit terms of one named partner, overriding those of its kind."""

    credit_limit: Money | None = None
    terms_days: Annotated[int, Field(ge=0, le=MAX_DAYS)] | None = None


class CreditPolicy(_Frozen):
    """Credit limits and payment terms, and what to do with an order over the limit.

    ``on_exceed``: ``hold`` queues the order (FIFO per partner) until payments free
    enough credit (an order larger than the whole limit is rejected, it could never
    fit); ``reject`` refuses it; ``partial`` grants the available credit (rejected when
    none is left). ``max_hold_days`` rejects an order held that long.
    """

    default_credit_limit: Money | None = None
    credit_limit_by_kind: dict[NodeKind, Money] = {}
    default_terms_days: Annotated[int, Field(ge=0, le=MAX_DAYS)] = 30
    terms_days_by_kind: dict[NodeKind, Annotated[int, Field(ge=0, le=MAX_DAYS)]] = {}
    partners: dict[Name, PartnerCredit] = {}
    on_exceed: Literal["hold", "reject", "partial"] = "hold"
    max_hold_days: Annotated[float, Field(gt=0, le=MAX_DAYS)] | None = None

    def credit_limit(self, partner: str, kind: str | None = None) -> float | None:
        """The partner's credit limit (``None``: unlimited)."""
        override = self.partners.get(partner)
        if override is not None and override.credit_limit is not None:
            return override.credit_limit
        if kind is not None and kind in self.credit_limit_by_kind:
            return self.credit_limit_by_kind[kind]  # type: ignore[index]
        return self.default_credit_limit

    def terms_days(self, partner: str, kind: str | None = None) -> int:
        """The partner's payment terms in days."""
        override = self.partners.get(partner)
        if override is not None and override.terms_days is not None:
            return override.terms_days
        if kind is not None and kind in self.terms_days_by_kind:
            return self.terms_days_by_kind[kind]  # type: ignore[index]
        return self.default_terms_days


class PaymentBehaviour(_Frozen):
    """How partners pay, as a function of their health (1 healthy, 0 failing).

    Delay beyond terms: mean ``base_delay_days + delay_slope_days * (1 - health)``.
    Insolvency: probability ``insolvency_probability_per_year * (1 - health)`` per year.
    On insolvency ``recovery_share`` of the open balance is recovered; the rest is bad debt.
    """

    base_delay_days: Days = 0.0
    delay_slope_days: Days = 0.0
    delay_distribution: Literal["exponential", "deterministic"] = "exponential"
    insolvency_probability_per_year: Annotated[float, Field(ge=0, lt=1)] = 0.0
    recovery_share: Share = 0.0
    default_health: Share = 1.0

    def mean_delay_days(self, health: float) -> float:
        """Mean payment delay beyond terms at ``health``."""
        return self.base_delay_days + self.delay_slope_days * (1.0 - health)

    def insolvency_probability(self, health: float) -> float:
        """Probability of failing within a year at constant ``health``."""
        return self.insolvency_probability_per_year * (1.0 - health)

    def insolvency_rate_per_day(self, health: float) -> float:
        """Hazard rate per day: ``-ln(1 - p) / 365``."""
        return -math.log1p(-self.insolvency_probability(health)) / DAYS_PER_YEAR


class OrderToCashConfig(_Frozen):
    """The order-to-cash settings of a scenario (``business.order_to_cash``)."""

    credit: CreditPolicy = CreditPolicy()
    approver_pools: Annotated[list[ApproverPool], Field(max_length=1000)] = []
    approval_path: Annotated[list[ApprovalRule], Field(max_length=1000)] = []
    payment: PaymentBehaviour = PaymentBehaviour()

    @model_validator(mode="after")
    def _references(self) -> OrderToCashConfig:
        problems: list[str] = []
        seen: set[str] = set()
        for i, pool in enumerate(self.approver_pools):
            if pool.name in seen:
                problems.append(f"approver_pools[{i}].name: '{pool.name}' is used twice; names must be unique")
            seen.add(pool.name)
        for i, rule in enumerate(self.approval_path):
            if rule.pool not in seen:
                known = ", ".join(sorted(seen)) or "none defined"
                problems.append(f"approval_path[{i}].pool: unknown pool '{rule.pool}' (known: {known})")
        if problems:
            raise ValueError("\n".join(problems))
        return self
