"""Partner lifecycle: tiers, recruitment and screening, onboarding, training, churn, MDF, events.

This module covers the "channel development", "channel training" and "performance
evaluation" stages of the lifecycle for the partners (distributors and dealers) of a
channel. It holds no SimPy resources of the supply network: the engine asks it for
multipliers and decisions, and it records what happened as tuples (audit, money, exits)
that become tidy tables once at the end.

Configuration (the ``partners`` part of a scenario's ``business`` section) is a tree of
frozen pydantic models rooted at :class:`PartnersConfig`; :func:`parse_partners_config`
turns a YAML/JSON document into one with errors of the form ``path.to.field: problem``.

Formulas (``day`` is an integer day; all probabilities are per review period):

* **Observed criterion score** (recruitment, 0-100 scale), for criterion ``c`` with bias
  ``b_c`` (capability units) and noise ``sigma_c`` (score points)::

      score_c = 100 * clip(capability + b_c + eps_c, 0, 1),   eps_c ~ Normal(0, (sigma_c / 100)^2)

  so away from the clip bounds ``E[score_c] = 100 (capability + b_c)`` and
  ``sd[score_c] = sigma_c``. Hidden ``capability`` is drawn from ``Beta(a, b)`` on [0, 1].
* **Composite score** (screening): ``sum_c w_c score_c`` with the weights divided by their sum
  (weights are relative: ``{capital: 2, team: 1}`` means 2/3 and 1/3). The linear weights
  that best predict capability are proportional to ``1 / sigma_c^2``
  (:meth:`EvaluationIndex.inverse_variance_weights`).
* **Activity** (onboarding then linear ramp-up), recruited on day ``r`` with onboarding
  ``O`` and ramp-up ``R`` days::

      activity(day) = 0                                   for day < r + O
                    = min(1, (day - r - O) / R)            otherwise (1 when R = 0)

* **Training** (win-rate / conversion multiplier), trainings ``k`` on day ``t_k`` with uplift
  ``u_k`` and half-life ``h``::

      win_rate_multiplier(day) = 1 + min(max_uplift, sum_{t_k <= day} u_k * 2^(-(day - t_k) / h))

* **Capability effect** on demand: ``1 + e (2 capability - 1)`` (``e = capability_effect``;
  a capability of 0.5 is neutral).
* **MDF effect** on demand, approved amounts ``A_k`` on day ``d_k``, lag ``L``, half-life ``h``::

      mdf_multiplier(day) = 1 + min(max_uplift, sum_{day >= d_k + L} g A_k / 1000 * 2^(-(day - d_k - L) / h))

  with ``g = uplift_per_1000``. :meth:`PartnerBook.demand_multiplier` is the product
  ``activity x capability effect x win-rate multiplier x MDF multiplier``.
* **Satisfaction** (exponential smoothing, 0-1), each satisfaction review::

      signal = (w_m clip(margin / target_margin, 0, 1) + w_f fill_rate + w_s support) / (w_m + w_f + w_s)
      S <- alpha signal + (1 - alpha) S

* **Churn** (logistic, per churn review period)::

      p = 1 / (1 + exp(-(beta_0 + beta_m margin + beta_f fill_rate + beta_s satisfaction)))

  ``margin`` is the partner's gross margin as a fraction of its sales, ``fill_rate`` its
  supplier's fill rate to it (0-1) and ``satisfaction`` 0-1. A partner that survives a draw
  with ``p >= at_risk_probability`` is flagged ``at_risk`` (and returns to ``active`` below it).
* **Insolvency**, annual probability ``q`` for a partner of health 0, review period ``P`` days::

      p = 1 - (1 - q (1 - health))^(P / 365)

  ``health`` defaults to the hidden capability unless the caller supplies one.
* **Tier review** on a metric ``m`` (tiers ordered best first): promote to the best tier
  above the current one whose ``promotion_threshold <= m``; otherwise, if
  ``m < demotion_threshold`` of the current tier, drop to the best lower tier whose
  ``demotion_threshold <= m`` (the bottom tier is the floor). A value exactly at a
  promotion threshold promotes; exactly at a demotion threshold keeps the tier.
* **Scorecard**: each KPI scaled to 0-100, ``100 clip((x - low) / (high - low), 0, 1)``
  with fixed ``bounds`` or the partners' min and max (all equal: 50), reversed for
  ``lower_is_better`` KPIs; composite = weighted mean with normalised weights.

Randomness: every draw takes a ``numpy.random.Generator``; use :class:`LifecycleStreams`
(one named ``chansim.rng.stream`` per source) so that, for example, a change in the
recruiting policy leaves the churn draws unchanged. Faker is only used for display
names and contacts, through a per-call ``Faker`` seeded with ``seed_instance``
(:func:`make_faker`). Partners are always visited in sorted name order.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

import numpy as np
import pandas as pd
import simpy

from chansim import scenario as sc
from chansim.config.money import Cents, cents_times, to_cents, to_units
from chansim.config.partners import (  # the configuration (scenario layer), re-exported
    DAYS_PER_YEAR,
    DEFAULT_APPROVER,
    DEFAULT_CRITERIA,
    DEFAULT_TIERS,
    EVENT_COLUMNS,
    EVENT_KINDS,
    EVENT_TARGETS,
    MAX_THRESHOLD,
    Beta,
    CapabilityDistribution,
    Churn,
    Criterion,
    CustomersOnExit,
    Days,
    EvaluationIndex,
    EventKind,
    EventRate,
    Fixed,
    Fraction,
    Insolvency,
    Level,
    MarketDevelopmentFunds,
    PartnersConfig,
    PositiveDays,
    RandomEvents,
    Real,
    Recruitment,
    Satisfaction,
    ScheduledEvent,
    Scorecard,
    StockOnExit,
    Target,
    Tier,
    TierLadder,
    Training,
    TrainingEvent,
    Uplift,
    normalise_weights,
    parse_partners_config,
    period_probability,
)
from chansim.model.resumable import Resumable, finish
from chansim.rng import stream

if TYPE_CHECKING:
    from faker import Faker

__all__ = [
    "ACCOUNTS",
    "AUDIT_COLUMNS",
    "EVENT_COLUMNS",
    "EVENT_KINDS",
    "EVENT_TARGETS",
    "MONEY_COLUMNS",
    "STATUSES",
    "AuditRecord",
    "Beta",
    "Churn",
    "Criterion",
    "EvaluationIndex",
    "EventRate",
    "Exit",
    "Fixed",
    "Insolvency",
    "LifecycleStreams",
    "MarketDevelopmentFunds",
    "MdfRequest",
    "MoneyRow",
    "money_frame",
    "PartnerBook",
    "PartnerState",
    "PartnersConfig",
    "RandomEvents",
    "Recruitment",
    "Satisfaction",
    "ScheduledEvent",
    "Scorecard",
    "ScreeningResult",
    "SatisfactionChange",
    "Tier",
    "TierChange",
    "TierLadder",
    "Training",
    "TrainingEvent",
    "absence_windows",
    "draw_capability",
    "draw_random_events",
    "exit_money_rows",
    "make_faker",
    "normalise_weights",
    "observed_scores",
    "parse_partners_config",
    "period_probability",
    "ramp_activity",
    "region_demand_multiplier",
    "run_lifecycle",
    "scorecard",
    "training_uplift",
    "MAX_THRESHOLD",
    "Real",
    "Fraction",
    "Days",
    "PositiveDays",
    "Uplift",
    "Target",
    "Level",
    "StockOnExit",
    "CustomersOnExit",
    "DEFAULT_TIERS",
    "DEFAULT_CRITERIA",
    "CapabilityDistribution",
    "EventKind",
]



# --------------------------------------------------------------------------- records

Status = Literal["candidate", "onboarding", "active", "at_risk", "churned", "insolvent"]
STATUSES: tuple[str, ...] = ("candidate", "onboarding", "active", "at_risk", "churned", "insolvent")
LIVE_STATUSES = frozenset({"onboarding", "active", "at_risk"})
TRADING_STATUSES = frozenset({"active", "at_risk"})
_TRANSITIONS: dict[str, frozenset[str]] = {
    "candidate": frozenset({"onboarding"}),
    "onboarding": frozenset({"active", "churned", "insolvent"}),
    "active": frozenset({"at_risk", "churned", "insolvent"}),
    "at_risk": frozenset({"active", "churned", "insolvent"}),
    "churned": frozenset(),
    "insolvent": frozenset(),
}
#: Money accounts written by the book; all are vendor-side amounts about ``node`` (costs positive).
#: ``mdf_requested`` and ``mdf_approved`` are commitments, only ``mdf_claimed`` is paid.
ACCOUNTS = (
    "recruitment_cost",
    "training_cost",
    "mdf_requested",
    "mdf_approved",
    "mdf_claimed",
    "stock_return_credit",
    "stock_write_off",
)
AUDIT_COLUMNS = ["time", "actor", "action", "subject", "old", "new"]
MONEY_COLUMNS = ["day", "node", "account", "amount"]


class AuditRecord(NamedTuple):
    """Who changed what: ``action`` is ``status_change``, ``tier_change`` or ``mdf_decision``."""

    time: float
    actor: str
    action: str
    subject: str
    old: str | None
    new: str | None


class MoneyRow(NamedTuple):
    """An amount in whole cents on an account about a node (a partner); see ``ACCOUNTS``.

    Money follows :mod:`chansim.config.money`: cents here, currency units in the tables.
    """

    day: int
    node: str
    account: str
    amount_cents: Cents

    @property
    def amount(self) -> float:
        """The amount in currency units."""
        return to_units(self.amount_cents)


def money_frame(rows: Sequence[MoneyRow]) -> pd.DataFrame:
    """Money rows as a table (:data:`MONEY_COLUMNS`, amounts in currency units): their one builder."""
    return pd.DataFrame([(r.day, r.node, r.account, to_units(r.amount_cents)) for r in rows], columns=MONEY_COLUMNS)


class TierChange(NamedTuple):
    """A tier review's decision for one partner."""

    day: int
    partner: str
    old: str
    new: str
    metric: float
    direction: str


class SatisfactionChange(NamedTuple):
    """A satisfaction update: old and new value and the period's signal."""

    day: int
    partner: str
    old: float
    new: float
    signal: float


class Exit(NamedTuple):
    """A partner leaving and what the engine must do with its stock and customers.

    ``stock``: ``return`` (to its supplier, credited at ``credit_fraction`` of purchase value)
    or ``write_off``; ``customers_to``: the partner that takes over its markets, or ``None``
    (customers lost).
    """

    day: int
    partner: str
    reason: str
    probability: float
    stock: str
    credit_fraction: float
    customers_to: str | None


class ScreeningResult(NamedTuple):
    """One candidate's place in a screening: rank 1 is the best composite score."""

    rank: int
    partner: str
    region: str | None
    composite: float


@dataclass(slots=True)
class MdfRequest:
    """One MDF request and what became of it (``status``: requested, approved, rejected, claimed).

    Amounts in whole cents (``*_cents``); ``requested``, ``approved``, ``claimed`` in currency units.
    """

    request_id: int
    partner: str
    requested_day: int
    requested_cents: Cents
    status: str = "requested"
    approved_cents: Cents = Cents(0)
    approval_day: int | None = None
    claimed_cents: Cents = Cents(0)
    claim_day: int | None = None

    @property
    def requested(self) -> float:
        """The amount asked for, in currency units."""
        return to_units(self.requested_cents)

    @property
    def approved(self) -> float:
        """The amount approved, in currency units."""
        return to_units(self.approved_cents)

    @property
    def claimed(self) -> float:
        """The amount claimed (paid), in currency units."""
        return to_units(self.claimed_cents)


@dataclass(slots=True)
class PartnerState:
    """A partner (or candidate) as the lifecycle sees it; ``capability`` is hidden from trainees."""

    name: str
    level: str
    region: str | None
    capability: float = field(repr=False)
    tier: str | None = None
    observed_scores: dict[str, float] = field(default_factory=dict)
    composite_score: float | None = None
    satisfaction: float = 0.7
    status: str = "candidate"
    display_name: str | None = None
    metadata: dict[str, str] = field(default_factory=dict)
    created_day: int = 0
    recruited_day: int | None = None
    onboarding_days: int = 0
    ramp_up_days: int = 0
    exit_day: int | None = None
    exit_reason: str | None = None
    trainings: list[tuple[int, float]] = field(default_factory=list)

    @property
    def is_live(self) -> bool:
        """Recruited and not yet gone (onboarding, active or at risk)."""
        return self.status in LIVE_STATUSES


# --------------------------------------------------------------------------- pure functions


def make_faker(locale: str, seed: int) -> Faker:
    """A Faker of its own, seeded per instance (never the class-level ``Faker.seed``)."""
    from faker import Faker  # heavy (about 0.3 s to import) and only for display names: loaded on use

    fake = Faker(locale)
    fake.seed_instance(seed)
    return fake


def draw_capability(rng: np.random.Generator, distribution: Beta | Fixed, n: int) -> np.ndarray:
    """``n`` hidden capabilities in [0, 1]."""
    return distribution.sample(rng, n)


def observed_scores(rng: np.random.Generator, capability: np.ndarray, index: EvaluationIndex) -> np.ndarray:
    """Observed scores, one row a candidate and one column a criterion (module docstring formula)."""
    capability = np.asarray(capability, dtype=float).reshape(-1, 1)
    bias = np.array([c.bias for c in index.criteria])
    noise_std = np.array([c.noise_std for c in index.criteria]) / 100.0
    noise = rng.standard_normal((capability.shape[0], len(index.criteria))) * noise_std
    return 100.0 * np.clip(capability + bias + noise, 0.0, 1.0)


def ramp_activity(day: float, recruited_day: float, onboarding_days: int, ramp_up_days: int) -> float:
    """0 during onboarding, then a linear ramp from 0 to 1 over ``ramp_up_days``."""
    start = recruited_day + onboarding_days
    if day < start:
        return 0.0
    if ramp_up_days <= 0:
        return 1.0
    return min(1.0, (day - start) / ramp_up_days)


def training_uplift(
    day: float, trainings: Iterable[tuple[float, float]], half_life_days: float, max_uplift: float | None = None
) -> float:
    """Sum of ``uplift * 2^(-(day - trained_day) / half_life)`` over trainings up to ``day``."""
    total = sum(uplift * 0.5 ** ((day - trained) / half_life_days) for trained, uplift in trainings if trained <= day)
    return total if max_uplift is None else min(max_uplift, total)


def scorecard(
    metrics: pd.DataFrame,
    weights: Mapping[str, float],
    *,
    lower_is_better: Iterable[str] = (),
    bounds: Mapping[str, tuple[float, float]] | None = None,
    partner_column: str = "partner",
) -> pd.DataFrame:
    """Score partners 0-100 on weighted KPIs; one row a partner, best first.

    ``metrics`` has a row per partner (a ``partner`` column, else the index) and a column
    per KPI. Each KPI is scaled to 0-100 (``bounds`` or the partners' min and max; all
    equal gives 50; a missing value scores 0), reversed when lower is better, then
    combined with the weights divided by their sum. Columns: ``partner``, ``score``,
    ``rank`` (1 = best; ties by partner name) and ``score_<kpi>`` per KPI.
    """
    frame = metrics.reset_index() if partner_column not in metrics.columns else metrics
    if partner_column not in frame.columns:
        frame = frame.rename(columns={frame.columns[0]: partner_column})
    w = normalise_weights(weights)
    missing = [k for k in w if k not in frame.columns]
    if missing:
        raise ValueError(f"weights: no KPI column {', '.join(map(repr, missing))} in the metrics")
    reverse = set(lower_is_better)
    unknown = sorted(reverse - set(w))
    if unknown:
        raise ValueError(f"lower_is_better: {', '.join(map(repr, unknown))} has no weight")
    bounds = dict(bounds or {})
    out = pd.DataFrame({partner_column: frame[partner_column].astype(str).to_numpy()})
    total = np.zeros(len(frame))
    for kpi, weight in w.items():
        x = pd.to_numeric(frame[kpi], errors="coerce").to_numpy(dtype=float)
        if kpi in bounds:
            low, high = bounds[kpi]
            if high <= low:
                raise ValueError(f"bounds.{kpi}: high ({high}) must exceed low ({low})")
        else:
            finite = x[np.isfinite(x)]
            low, high = (float(finite.min()), float(finite.max())) if len(finite) else (0.0, 0.0)
        if high > low:
            scaled = np.clip((x - low) / (high - low), 0.0, 1.0)
        else:
            scaled = np.full(len(x), 0.5)
        if kpi in reverse:
            scaled = 1.0 - scaled
        scaled = np.where(np.isfinite(x), scaled, 0.0) * 100.0
        out[f"score_{kpi}"] = scaled
        total += weight * scaled
    out.insert(1, "score", total)
    order = sorted(range(len(out)), key=lambda i: (-round(float(total[i]), 9), out[partner_column].iloc[i]))
    out = out.iloc[order].reset_index(drop=True)
    out.insert(2, "rank", np.arange(1, len(out) + 1))
    return out


def draw_random_events(
    rng: np.random.Generator,
    config: RandomEvents,
    horizon_days: int,
    targets: Mapping[str, Sequence[str]] | None = None,
) -> pd.DataFrame:
    """The event schedule for a run: scheduled events as given plus events drawn from the rates.

    For each rate, in configuration order: ``N ~ Poisson(rate_per_year * horizon_days / 365)``
    start days uniform on ``0 .. horizon_days - 1``, then durations, magnitudes and targets.
    ``targets`` gives the candidates per kind for rates without their own list (approver
    absences default to ``"approver"``). Rows are sorted by start day, source (scheduled
    first), kind and target; ``end_day`` is exclusive. Columns: ``EVENT_COLUMNS``.
    """
    if horizon_days < 1:
        raise ValueError(f"horizon_days: must be >= 1 (got {horizon_days})")
    targets = targets or {}
    rows: list[tuple[Any, ...]] = []
    for event in config.scheduled:
        target = event.target
        if target is None and event.kind == "approver_absence":
            target = DEFAULT_APPROVER
        rows.append(
            (event.kind, event.day, event.day + event.duration_days, target, event.magnitude, "scheduled", event.name)
        )
    for i, rate in enumerate(config.drawn):
        pool = list(rate.targets) or list(targets.get(rate.kind, ()))
        if not pool and rate.kind == "approver_absence":
            pool = [DEFAULT_APPROVER]
        n = int(rng.poisson(rate.rate_per_year * horizon_days / DAYS_PER_YEAR))
        if n and not pool:
            raise ValueError(
                f"events.drawn[{i}].targets: no {EVENT_TARGETS[rate.kind][0]} to draw a {rate.kind} for; "
                "list targets or pass candidates"
            )
        starts = np.sort(rng.integers(0, horizon_days, size=n))
        high_duration = rate.duration_days_max or rate.duration_days
        durations = rng.integers(rate.duration_days, high_duration + 1, size=n)
        if rate.magnitude_max is None:
            magnitudes = np.full(n, rate.magnitude)
        elif rate.kind == "shipment_delay":
            magnitudes = rng.integers(int(rate.magnitude), int(rate.magnitude_max) + 1, size=n).astype(float)
        else:
            magnitudes = rng.uniform(rate.magnitude, rate.magnitude_max, size=n)
        picks = rng.integers(0, max(1, len(pool)), size=n)
        for k in range(n):
            start = int(starts[k])
            rows.append(
                (
                    rate.kind,
                    start,
                    start + int(durations[k]),
                    pool[int(picks[k])],
                    float(magnitudes[k]),
                    "drawn",
                    rate.name,
                )
            )
    source_order = {"scheduled": 0, "drawn": 1}
    rows.sort(key=lambda r: (r[1], source_order[r[5]], EVENT_KINDS.index(r[0]), r[3] or "", r[2]))
    frame = pd.DataFrame(
        [(i, *row) for i, row in enumerate(rows)],
        columns=EVENT_COLUMNS,
    )
    return frame.astype({"event_id": "int64", "start_day": "int64", "end_day": "int64", "magnitude": "float64"})


def region_demand_multiplier(schedule: pd.DataFrame, region: str, day: float) -> float:
    """Product of the demand shocks and competitor price cuts active in ``region`` on ``day``."""
    active = schedule[
        schedule["kind"].isin(["demand_shock", "competitor_price_cut"])
        & (schedule["target"] == region)
        & (schedule["start_day"] <= day)
        & (schedule["end_day"] > day)
    ]
    return float(np.prod(active["magnitude"].to_numpy())) if len(active) else 1.0


def absence_windows(schedule: pd.DataFrame, approver: str = DEFAULT_APPROVER) -> list[tuple[int, int]]:
    """``(start_day, end_day)`` windows when ``approver`` is away, sorted and merged."""
    rows = schedule[(schedule["kind"] == "approver_absence") & (schedule["target"] == approver)]
    windows: list[tuple[int, int]] = []
    for start, end in sorted(zip(rows["start_day"].astype(int), rows["end_day"].astype(int), strict=True)):
        if windows and start <= windows[-1][1]:
            windows[-1] = (windows[-1][0], max(windows[-1][1], end))
        else:
            windows.append((start, end))
    return windows


def exit_money_rows(exit: Exit, stock_value: float, supplier: str | None) -> list[MoneyRow]:
    """Money of a leaver's stock (purchase value ``stock_value``) for the engine to record.

    Returned stock: ``stock_return_credit`` paid by the supplier (``credit_fraction x value``)
    and the rest written off at the leaver; written-off stock: ``stock_write_off`` at the leaver.
    """
    if not stock_value >= 0:
        raise ValueError(f"stock_value: must be >= 0 (got {stock_value})")
    rows: list[MoneyRow] = []
    value = to_cents(stock_value)  # the valuation becomes money here, once
    credit = cents_times(value, exit.credit_fraction) if exit.stock == "return" and supplier is not None else 0
    if credit > 0:
        rows.append(MoneyRow(exit.day, str(supplier), "stock_return_credit", credit))
    loss = Cents(value - credit)
    if loss > 0:
        rows.append(MoneyRow(exit.day, exit.partner, "stock_write_off", loss))
    return rows


# --------------------------------------------------------------------------- random streams


@dataclass(frozen=True)
class LifecycleStreams:
    """One generator a source, so that the sources use common random numbers across policies."""

    recruitment: np.random.Generator
    churn: np.random.Generator
    insolvency: np.random.Generator
    events: np.random.Generator

    @classmethod
    def from_seed(cls, seed: int, replication: int = 0) -> LifecycleStreams:
        """Streams ``partners/<source>`` of ``chansim.rng.stream(seed, replication, ...)``."""
        return cls(
            recruitment=stream(seed, replication, "partners/recruitment"),
            churn=stream(seed, replication, "partners/churn"),
            insolvency=stream(seed, replication, "partners/insolvency"),
            events=stream(seed, replication, "partners/events"),
        )


# --------------------------------------------------------------------------- the book

Metrics = Mapping[str, Mapping[str, float]] | pd.DataFrame


def _metric_rows(metrics: Metrics, partner_column: str = "partner") -> dict[str, dict[str, float]]:
    """Numeric metrics per partner as ``{partner: {kpi: value}}`` (from a mapping or a DataFrame)."""
    if isinstance(metrics, pd.DataFrame):
        frame = metrics.set_index(partner_column) if partner_column in metrics.columns else metrics
        frame = frame.select_dtypes(include="number")
        return {str(k): {str(c): float(v) for c, v in row.items()} for k, row in frame.to_dict("index").items()}
    return {
        str(k): {str(c): float(v) for c, v in row.items() if isinstance(v, int | float | np.number)}
        for k, row in metrics.items()
    }


def _need(row: Mapping[str, float], key: str, partner: str) -> float:
    if key not in row:
        raise KeyError(f"metrics for '{partner}' lack '{key}' (have: {', '.join(sorted(row))})")
    return float(row[key])


class PartnerBook:
    """All partners and candidates, their lifecycle state, and the records of what changed.

    ``audit`` (``AuditRecord``), ``money`` (``MoneyRow``), ``exits`` (``Exit``) and
    ``mdf_requests`` are appended to as things happen; :meth:`tables` builds DataFrames.
    ``distance(a, b)``, when given, decides the nearest successor of a leaver.
    """

    def __init__(
        self, config: PartnersConfig | None = None, *, distance: Callable[[str, str], float] | None = None
    ) -> None:
        self.config = config if config is not None else PartnersConfig()
        self.distance = distance
        self.partners: dict[str, PartnerState] = {}
        self.audit: list[AuditRecord] = []
        self.money: list[MoneyRow] = []
        self.exits: list[Exit] = []
        self.mdf_requests: list[MdfRequest] = []
        #: onboarding days of a candidate when signed, where they differ from the recruitment config's
        self.onboarding_plan: dict[str, int] = {}
        self._candidates_made = 0

    # ------------------------------------------------------------------ building
    @classmethod
    def from_scenario(
        cls,
        scenario: sc.Scenario,
        config: PartnersConfig | None = None,
        *,
        rng: np.random.Generator | None = None,
        distance: Callable[[str, str], float] | None = None,
    ) -> PartnerBook:
        """A book holding the scenario's distributors and dealers as active, fully ramped partners.

        Capability is drawn from the recruitment distribution when ``rng`` is given, else
        0.5 (neutral: demand as the scenario states it).
        """
        book = cls(config, distance=distance)
        kinds = {"distributor", "wholesaler", "dealer", "retailer"}
        partners = sorted((n for n in scenario.nodes if n.kind in kinds), key=lambda n: n.name)
        capability = (
            draw_capability(rng, book.config.recruitment.capability, len(partners))
            if rng is not None
            else np.full(len(partners), 0.5)
        )
        for node, cap in zip(partners, capability, strict=True):
            book.add_partner(node.name, level=node.kind, region=node.region, capability=float(cap))
            if node.display_name:
                book.partners[node.name].display_name = node.display_name
        return book

    def add_partner(
        self,
        name: str,
        *,
        level: str = "dealer",
        region: str | None = None,
        capability: float = 0.5,
        tier: str | None = None,
        day: int = 0,
        satisfaction: float | None = None,
    ) -> PartnerState:
        """Add an existing partner: active, fully ramped, in ``tier`` (default: the entry tier)."""
        if name in self.partners:
            raise ValueError(f"partner '{name}' already exists")
        if not 0 <= capability <= 1:
            raise ValueError(f"capability: must be in [0, 1] (got {capability})")
        tier = tier if tier is not None else self.config.tiers.entry_tier
        self.config.tiers.rank(tier)
        state = PartnerState(
            name=name,
            level=level,
            region=region,
            capability=capability,
            tier=tier,
            satisfaction=self.config.satisfaction.initial if satisfaction is None else satisfaction,
            status="active",
            created_day=day,
        )
        self.partners[name] = state
        return state

    def generate_candidates(
        self,
        rng: np.random.Generator,
        faker: Faker | None,
        region: str,
        n: int | None = None,
        *,
        level: str = "dealer",
        day: int = 0,
    ) -> list[PartnerState]:
        """Draw ``n`` candidates (default: the region's pool size) with hidden capability and observed scores.

        Names are ``cand_<number>_<region>``; ``faker`` (seeded, see :func:`make_faker`) gives
        display names and contacts. Draw order: all capabilities, then all scores.
        """
        n = self.config.recruitment.pool_size(region) if n is None else n
        if n < 0:
            raise ValueError(f"n: must be >= 0 (got {n})")
        index = self.config.evaluation
        capability = draw_capability(rng, self.config.recruitment.capability, n)
        scores = observed_scores(rng, capability, index)
        made = []
        for i in range(n):
            self._candidates_made += 1
            name = f"cand_{self._candidates_made:04d}_{region}"[:64]
            metadata: dict[str, str] = {}
            display = None
            if faker is not None:
                display = str(faker.company())
                metadata = {"contact": str(faker.name()), "phone": str(faker.phone_number()), "city": str(faker.city())}
            state = PartnerState(
                name=name,
                level=level,
                region=region,
                capability=float(capability[i]),
                observed_scores={c: float(s) for c, s in zip(index.names, scores[i], strict=True)},
                satisfaction=self.config.satisfaction.initial,
                status="candidate",
                display_name=display,
                metadata=metadata,
                created_day=day,
            )
            self.partners[name] = state
            made.append(state)
        return made

    # ------------------------------------------------------------------ lookups
    def __getitem__(self, name: str) -> PartnerState:
        try:
            return self.partners[name]
        except KeyError:
            raise KeyError(f"unknown partner '{name}'") from None

    def names(self, statuses: Iterable[str] = LIVE_STATUSES) -> list[str]:
        """Partners whose status is one of ``statuses`` (default: live), sorted by name."""
        wanted = set(statuses)
        return sorted(n for n, p in self.partners.items() if p.status in wanted)

    def tier_of(self, name: str) -> Tier | None:
        """The partner's tier (terms: discount, allocation priority), ``None`` for a candidate."""
        tier = self[name].tier
        return None if tier is None else self.config.tiers.tier(tier)

    # ------------------------------------------------------------------ status
    def _set_status(self, state: PartnerState, new: str, time: float, actor: str) -> None:
        if new == state.status:
            return
        if new not in _TRANSITIONS[state.status]:
            raise ValueError(f"partner '{state.name}': cannot go from {state.status} to {new}")
        self.audit.append(AuditRecord(time, actor, "status_change", state.name, state.status, new))
        state.status = new

    def _set_tier(self, state: PartnerState, new: str, time: float, actor: str) -> None:
        if new != state.tier:
            self.audit.append(AuditRecord(time, actor, "tier_change", state.name, state.tier, new))
            state.tier = new

    def set_tier(self, name: str, tier: str, day: int, *, actor: str = "trainee") -> None:
        """Move a partner to ``tier`` by decision (recorded in the audit)."""
        self.config.tiers.rank(tier)
        self._set_tier(self[name], tier, day, actor)

    # ------------------------------------------------------------------ recruitment
    def screen(
        self, candidates: Iterable[PartnerState | str], weights: Mapping[str, float] | None = None
    ) -> list[ScreeningResult]:
        """Rank candidates by composite observed score (weights normalised; default: the index's)."""
        index = self.config.evaluation
        w = normalise_weights(weights, index.names) if weights is not None else index.weights
        scored = []
        for item in candidates:
            state = self[item] if isinstance(item, str) else item
            composite = sum(weight * state.observed_scores[c] for c, weight in w.items())
            state.composite_score = composite
            scored.append(state)
        scored.sort(key=lambda s: (-round(s.composite_score or 0.0, 9), s.name))
        return [ScreeningResult(i + 1, s.name, s.region, float(s.composite_score or 0.0)) for i, s in enumerate(scored)]

    def plan_onboarding(self, name: str, days: int) -> None:
        """Onboard candidate ``name`` in ``days`` days when signed (instead of the config's ``onboarding_days``)."""
        if days < 0:
            raise ValueError(f"onboarding days of {name!r}: must be >= 0 (got {days})")
        self.onboarding_plan[name] = int(days)

    def recruit(self, names: Iterable[str], day: int, *, actor: str = "system") -> list[PartnerState]:
        """Sign candidates: onboarding starts on ``day`` (active at once when onboarding is 0 days).

        A candidate's onboarding lasts the config's ``onboarding_days`` or what :meth:`plan_onboarding` set.
        """
        cfg = self.config.recruitment
        recruited = []
        for name in names:
            state = self[name]
            if state.status != "candidate":
                raise ValueError(f"partner '{name}' is {state.status}, not a candidate")
            self._set_status(state, "onboarding", day, actor)
            self._set_tier(state, self.config.tiers.entry_tier, day, actor)
            state.recruited_day = day
            state.onboarding_days = self.onboarding_plan.get(name, cfg.onboarding_days)
            state.ramp_up_days = cfg.ramp_up_days
            state.satisfaction = self.config.satisfaction.initial
            if cfg.cost_per_partner > 0:
                self.money.append(MoneyRow(day, name, "recruitment_cost", to_cents(cfg.cost_per_partner)))
            if state.onboarding_days == 0:
                self._set_status(state, "active", day, "system")
            recruited.append(state)
        return recruited

    def update_statuses(self, day: int) -> list[str]:
        """Activate partners whose onboarding has ended by ``day``; returns their names."""
        activated = []
        for name in self.names(["onboarding"]):
            state = self.partners[name]
            if state.recruited_day is None or day >= state.recruited_day + state.onboarding_days:
                self._set_status(state, "active", day, "system")
                activated.append(name)
        return activated

    # ------------------------------------------------------------------ multipliers
    def activity(self, name: str, day: float) -> float:
        """Ramp-up factor (0-1): 0 for candidates and partners that have left."""
        state = self[name]
        if not state.is_live:
            return 0.0
        if state.recruited_day is None:
            return 1.0
        return ramp_activity(day, state.recruited_day, state.onboarding_days, state.ramp_up_days)

    def win_rate_multiplier(self, name: str, day: float) -> float:
        """``1 +`` the decayed training uplift (module docstring)."""
        cfg = self.config.training
        return 1.0 + training_uplift(day, self[name].trainings, cfg.half_life_days, cfg.max_uplift)

    def capability_multiplier(self, name: str) -> float:
        """``1 + capability_effect (2 capability - 1)``: 1 at capability 0.5."""
        return 1.0 + self.config.recruitment.capability_effect * (2.0 * self[name].capability - 1.0)

    def mdf_multiplier(self, name: str, day: float) -> float:
        """``1 +`` the lagged, decayed effect of the partner's approved MDF (module docstring)."""
        cfg = self.config.mdf
        total = 0.0
        for request in self.mdf_requests:
            if request.partner != name or request.approval_day is None or request.approved <= 0:
                continue
            start = request.approval_day + cfg.lag_days
            if day >= start:
                effect = cfg.uplift_per_1000 * request.approved / 1000.0
                total += effect * 0.5 ** ((day - start) / cfg.half_life_days)
        return 1.0 + min(cfg.max_uplift, total)

    def demand_multiplier(self, name: str, day: float, *, include_training: bool = True) -> float:
        """Activity x capability x training x MDF: the factor on the partner's end-customer demand.

        Set ``include_training=False`` when a sales funnel applies :meth:`win_rate_multiplier`
        to its win rate instead (do not count training twice).
        """
        value = self.activity(name, day) * self.capability_multiplier(name) * self.mdf_multiplier(name, day)
        return value * (self.win_rate_multiplier(name, day) if include_training else 1.0)

    # ------------------------------------------------------------------ training
    def apply_training(self, event: TrainingEvent, day: int | None = None) -> list[str]:
        """Train up to ``seats`` live partners (see :class:`TrainingEvent`); returns who was trained."""
        day = event.day if day is None else day
        if event.partners:
            for name in event.partners:
                self[name]
            targets = [n for n in event.partners if self.partners[n].is_live]
        elif event.tier is not None:
            self.config.tiers.rank(event.tier)
            targets = [n for n in self.names() if self.partners[n].tier == event.tier]
        else:
            targets = self.names()
        trained = targets[: event.seats]
        uplift = self.config.training.uplift if event.uplift is None else event.uplift
        for name in trained:
            self.partners[name].trainings.append((day, uplift))
            if event.cost_per_seat > 0:
                self.money.append(MoneyRow(day, name, "training_cost", to_cents(event.cost_per_seat)))
        return trained

    # ------------------------------------------------------------------ reviews
    def tier_metric_values(self, metrics: Metrics) -> dict[str, float]:
        """The tier metric per active partner: the ``metric`` column, or the scorecard when it is ``scorecard``.

        The scorecard is computed over the active partners only (their min and max scale KPIs without bounds).
        """
        trading = set(self.names(TRADING_STATUSES))
        rows = {n: r for n, r in _metric_rows(metrics).items() if n in trading}
        ladder = self.config.tiers
        if ladder.metric == "scorecard" and not all("scorecard" in r for r in rows.values()):
            if not rows:
                return {}
            card = self.config.scorecard
            frame = pd.DataFrame.from_dict(rows, orient="index")
            table = scorecard(frame, card.weights, lower_is_better=card.lower_is_better, bounds=card.bounds)
            return dict(zip(table["partner"], table["score"].astype(float), strict=True))
        return {name: _need(row, ladder.metric, name) for name, row in rows.items()}

    def review_tiers(self, metrics_by_partner: Metrics, day: int, *, actor: str = "system") -> list[TierChange]:
        """Promote and demote active partners by the ladder's rule; writes audit records.

        Partners onboarding, gone, or absent from the metrics are not reviewed.
        """
        values = self.tier_metric_values(metrics_by_partner)
        ladder = self.config.tiers
        changes = []
        for name in self.names(TRADING_STATUSES):
            if name not in values:
                continue
            state = self.partners[name]
            old = state.tier or ladder.entry_tier
            new = ladder.next_tier(old, values[name])
            if new != old:
                self._set_tier(state, new, day, actor)
                direction = "promotion" if ladder.rank(new) < ladder.rank(old) else "demotion"
                changes.append(TierChange(day, name, old, new, values[name], direction))
        return changes

    def update_satisfaction(self, metrics: Metrics, day: int) -> list[SatisfactionChange]:
        """Smooth each active partner's satisfaction with this period's margin, fill rate and support."""
        cfg = self.config.satisfaction
        rows = _metric_rows(metrics)
        changes = []
        for name in self.names(TRADING_STATUSES):
            row = rows.get(name)
            if row is None:
                continue
            state = self.partners[name]
            margin, fill_rate = _need(row, "margin", name), _need(row, "fill_rate", name)
            signal = cfg.signal(margin, fill_rate, row.get("support"))
            new = cfg.update(state.satisfaction, margin, fill_rate, row.get("support"))
            changes.append(SatisfactionChange(day, name, state.satisfaction, new, signal))
            state.satisfaction = new
        return changes

    def churn_probability(self, name: str, row: Mapping[str, float]) -> float:
        """The churn probability of ``name`` with this period's metrics (satisfaction from the book)."""
        satisfaction = float(row.get("satisfaction", self[name].satisfaction))
        return self.config.churn.probability(_need(row, "margin", name), _need(row, "fill_rate", name), satisfaction)

    def churn_draw(self, rng: np.random.Generator, day: int, metrics: Metrics, *, actor: str = "system") -> list[Exit]:
        """One churn review: each active partner with metrics leaves with its logistic probability.

        One uniform is drawn per reviewed partner, in name order. Survivors are flagged
        ``at_risk`` (or back to ``active``) by ``at_risk_probability``.
        """
        cfg = self.config.churn
        rows = _metric_rows(metrics)
        reviewed = [n for n in self.names(TRADING_STATUSES) if n in rows]
        probabilities = [self.churn_probability(n, rows[n]) for n in reviewed]
        uniforms = rng.random(len(reviewed))
        leavers = []
        for name, p, u in zip(reviewed, probabilities, uniforms, strict=True):
            if u < p:
                leavers.append(self._exit(name, day, "churn", p, actor))
            else:
                self._set_status(
                    self.partners[name], "at_risk" if p >= cfg.at_risk_probability else "active", day, actor
                )
        return leavers

    def insolvency_draw(
        self, rng: np.random.Generator, day: int, health: Mapping[str, float] | None = None, *, actor: str = "system"
    ) -> list[Exit]:
        """One insolvency review over live partners (name order); health defaults to capability."""
        cfg = self.config.insolvency
        reviewed = self.names()
        health = health or {}
        probabilities = [cfg.probability(float(health.get(n, self.partners[n].capability))) for n in reviewed]
        uniforms = rng.random(len(reviewed))
        return [
            self._exit(n, day, "insolvency", p, actor)
            for n, p, u in zip(reviewed, probabilities, uniforms, strict=True)
            if u < p
        ]

    def exit_partner(self, name: str, day: int, reason: str = "terminated", *, actor: str = "trainee") -> Exit:
        """End a partnership by decision (``reason`` ``insolvency`` uses the insolvency exit rules)."""
        return self._exit(name, day, reason, 1.0, actor)

    def successor(self, name: str) -> str | None:
        """The live partner of the same level and region that takes over a leaver's customers."""
        leaver = self[name]
        ladder = self.config.tiers
        pool = [
            p
            for n, p in self.partners.items()
            if n != name and p.status in TRADING_STATUSES and p.region == leaver.region and p.level == leaver.level
        ]
        if not pool:
            return None

        def key(p: PartnerState) -> tuple[float, int, str]:
            distance = self.distance(name, p.name) if self.distance is not None else 0.0
            return (distance, ladder.rank(p.tier) if p.tier else len(ladder.tiers), p.name)

        return min(pool, key=key).name

    def _exit(self, name: str, day: int, reason: str, probability: float, actor: str) -> Exit:
        state = self[name]
        rules: Churn | Insolvency = self.config.insolvency if reason == "insolvency" else self.config.churn
        customers_to = self.successor(name) if rules.customers_on_exit == "reassign_nearest" else None
        credit = rules.return_credit if rules.stock_on_exit == "return" else 0.0
        self._set_status(state, "insolvent" if reason == "insolvency" else "churned", day, actor)
        state.exit_day = day
        state.exit_reason = reason
        exit = Exit(day, name, reason, float(probability), rules.stock_on_exit, credit, customers_to)
        self.exits.append(exit)
        return exit

    # ------------------------------------------------------------------ random events
    def draw_random_events(
        self,
        rng: np.random.Generator,
        config: RandomEvents | None = None,
        horizon_days: int = 365,
        targets: Mapping[str, Sequence[str]] | None = None,
    ) -> pd.DataFrame:
        """:func:`draw_random_events` with the book's live partners and their regions as default targets."""
        live = self.names()
        regions = sorted({r for n in live if (r := self.partners[n].region) is not None})
        defaults: dict[str, Sequence[str]] = {
            "demand_shock": regions,
            "competitor_price_cut": regions,
            "warehouse_outage": live,
            "partner_insolvency": live,
        }
        defaults.update(targets or {})
        return draw_random_events(rng, config if config is not None else self.config.events, horizon_days, defaults)

    # ------------------------------------------------------------------ MDF
    def _mdf(self, request_id: int) -> MdfRequest:
        if not 0 <= request_id < len(self.mdf_requests):
            raise KeyError(f"unknown MDF request {request_id}")
        return self.mdf_requests[request_id]

    def request_mdf(self, partner: str, amount: float, day: int) -> MdfRequest:
        """A partner asks for ``amount`` of MDF on ``day``."""
        self[partner]
        if not (math.isfinite(amount) and amount > 0):
            raise ValueError(f"amount: must be a positive number (got {amount})")
        cents = to_cents(amount)
        if cents <= 0:
            raise ValueError(f"amount: must be at least one cent (got {amount})")
        request = MdfRequest(len(self.mdf_requests), partner, day, cents)
        self.mdf_requests.append(request)
        self.money.append(MoneyRow(day, partner, "mdf_requested", cents))
        return request

    def mdf_budget_remaining(self, day: int) -> float:
        """Budget still free for approvals on ``day`` (currency units; see :meth:`mdf_budget_remaining_cents`)."""
        return to_units(self.mdf_budget_remaining_cents(day))

    def mdf_budget_remaining_cents(self, day: int) -> Cents:
        """Budget still free for approvals on ``day``, in cents."""
        cfg = self.config.mdf
        period = day // cfg.period_days
        budget = to_cents(cfg.budget_per_period)
        approved = [r for r in self.mdf_requests if r.approval_day is not None]
        if cfg.carry_over:
            used = sum(r.approved_cents for r in approved)
            return Cents(max(0, budget * (period + 1) - used))
        used = sum(
            r.approved_cents
            for r in approved
            if r.approval_day is not None and r.approval_day // cfg.period_days == period
        )
        return Cents(max(0, budget - used))

    def approve_mdf(self, request_id: int, day: int, amount: float | None = None, *, actor: str = "system") -> float:
        """Approve up to ``amount`` (default: all requested) within the remaining budget; returns the approval.

        A request of a partner that has left, or with no budget left, is rejected (0).
        """
        request = self._mdf(request_id)
        if request.status != "requested":
            raise ValueError(f"MDF request {request_id} is {request.status}, not awaiting approval")
        if day < request.requested_day:
            raise ValueError(f"day: {day} is before the request (day {request.requested_day})")
        wanted = request.requested_cents if amount is None else min(to_cents(max(0.0, amount)), request.requested_cents)
        approved = min(wanted, self.mdf_budget_remaining_cents(day)) if self[request.partner].is_live else 0
        request.approval_day = day
        request.approved_cents = Cents(approved)
        request.status = "approved" if approved > 0 else "rejected"
        self.audit.append(
            AuditRecord(
                day, actor, "mdf_decision", f"mdf/{request_id}", f"{request.requested:g}", f"{request.approved:g}"
            )
        )
        if approved > 0:
            self.money.append(MoneyRow(day, request.partner, "mdf_approved", request.approved_cents))
        return request.approved

    def claim_mdf(self, request_id: int, day: int, amount: float | None = None) -> float:
        """The partner claims (default ``claim_fraction`` of) the approval; never more than approved."""
        request = self._mdf(request_id)
        if request.status != "approved":
            raise ValueError(f"MDF request {request_id} is {request.status}, not approved")
        assert request.approval_day is not None
        if day < request.approval_day:
            raise ValueError(f"day: {day} is before the approval (day {request.approval_day})")
        if amount is None:
            wanted = cents_times(request.approved_cents, self.config.mdf.claim_fraction)
        else:
            wanted = to_cents(max(0.0, amount))
        request.claimed_cents = Cents(min(wanted, request.approved_cents))
        request.claim_day = day
        request.status = "claimed"
        if request.claimed_cents > 0:
            self.money.append(MoneyRow(day, request.partner, "mdf_claimed", request.claimed_cents))
        return request.claimed

    # ------------------------------------------------------------------ tables
    def tables(self, *, reveal_capability: bool = False) -> dict[str, pd.DataFrame]:
        """``partners``, ``audit``, ``money``, ``exits`` and ``mdf`` as DataFrames (built now)."""
        columns = [
            "partner", "display_name", "level", "region", "tier", "status", "satisfaction", "composite_score",
            "recruited_day", "exit_day", "exit_reason", "trainings",
        ]  # fmt: skip
        rows = []
        for name in sorted(self.partners):
            p = self.partners[name]
            row = [
                p.name, p.display_name, p.level, p.region, p.tier, p.status, p.satisfaction, p.composite_score,
                p.recruited_day, p.exit_day, p.exit_reason, len(p.trainings),
            ]  # fmt: skip
            if reveal_capability:
                row.append(p.capability)
            rows.append(row)
        partners = pd.DataFrame(rows, columns=columns + (["capability"] if reveal_capability else []))
        mdf = pd.DataFrame(
            [
                (r.request_id, r.partner, r.requested_day, r.requested, r.status, r.approved, r.approval_day,
                 r.claimed, r.claim_day)
                for r in self.mdf_requests
            ],
            columns=["request_id", "partner", "requested_day", "requested", "status", "approved", "approval_day",
                     "claimed", "claim_day"],
        )  # fmt: skip
        return {
            "partners": partners,
            "audit": pd.DataFrame(self.audit, columns=AUDIT_COLUMNS),
            "money": money_frame(self.money),
            "exits": pd.DataFrame(self.exits, columns=list(Exit._fields)),
            "mdf": mdf,
        }


# --------------------------------------------------------------------------- the SimPy process

MetricsProvider = Callable[[int, int], Metrics]


def run_lifecycle(
    env: simpy.Environment,
    book: PartnerBook,
    streams: LifecycleStreams,
    metrics_provider: MetricsProvider,
    *,
    schedule: pd.DataFrame | None = None,
    on_exit: Callable[[Exit], None] | None = None,
    until_day: int | None = None,
) -> Resumable:
    """The partner lifecycle as a SimPy process body (for ``env.process``), one tick a day (``env.now`` in days).

    Each day, in this order: onboarding partners whose onboarding ended become active;
    training events of the day are held; scheduled ``partner_insolvency`` events of the day
    take effect; MDF requests due are approved (``auto_approve``, approver present) and
    approvals due are claimed; then, on days that are positive multiples of each review
    period: satisfaction, churn, insolvency and tier reviews (in that order).
    ``metrics_provider(day, window_days)`` gives each active partner's metrics over the
    last ``window_days`` (``margin``, ``fill_rate``, optional ``support``, and the tier
    metric or the scorecard KPIs). ``on_exit`` is called for every partner that leaves.
    """
    return _Lifecycle(env, book, streams, metrics_provider, schedule, on_exit, until_day)


class _Lifecycle(Resumable):
    """:func:`run_lifecycle` as a resumable: ``while until_day is None or now < until_day: the
    day's work (see run_lifecycle); yield timeout(1)``.
    """

    __slots__ = ("env", "book", "streams", "metrics_provider", "on_exit", "until_day", "trainings", "insolvencies",
                 "absences")  # fmt: skip

    def __init__(
        self,
        env: simpy.Environment,
        book: PartnerBook,
        streams: LifecycleStreams,
        metrics_provider: MetricsProvider,
        schedule: pd.DataFrame | None,
        on_exit: Callable[[Exit], None] | None,
        until_day: int | None,
    ) -> None:
        self.env = env
        self.book = book
        self.streams = streams
        self.metrics_provider = metrics_provider
        self.on_exit = on_exit
        self.until_day = until_day
        self.trainings: dict[int, list[TrainingEvent]] = {}
        for event in book.config.training.events:
            self.trainings.setdefault(event.day, []).append(event)
        self.insolvencies: dict[int, list[str]] = {}
        self.absences: list[tuple[int, int]] = []
        if schedule is not None and len(schedule):
            rows = schedule[schedule["kind"] == "partner_insolvency"]
            for start, target in zip(rows["start_day"].astype(int), rows["target"], strict=True):
                self.insolvencies.setdefault(int(start), []).append(str(target))
            self.absences = absence_windows(schedule)

    def _emit(self, exits: Iterable[Exit]) -> None:
        if self.on_exit is not None:
            for item in exits:
                self.on_exit(item)

    def send(self, value: object) -> simpy.Event:
        env, book, streams = self.env, self.book, self.streams
        if not (self.until_day is None or env.now < self.until_day):
            finish()
        cfg = book.config
        emit = self._emit
        day = int(env.now)
        book.update_statuses(day)
        for event in self.trainings.get(day, []):
            book.apply_training(event, day)
        for name in sorted(set(self.insolvencies.get(day, []))):
            if name in book.partners and book.partners[name].is_live:
                emit([book.exit_partner(name, day, "insolvency", actor="event")])
        _process_mdf(book, day, self.absences)
        cache: dict[int, Metrics] = {}

        def metrics(window: int) -> Metrics:
            if window not in cache:
                cache[window] = self.metrics_provider(day, window)
            return cache[window]

        if day > 0:
            period = cfg.satisfaction.review_period_days
            if day % period == 0:
                book.update_satisfaction(metrics(period), day)
            period = cfg.churn.review_period_days
            if day % period == 0:
                emit(book.churn_draw(streams.churn, day, metrics(period)))
            if day % cfg.insolvency.review_period_days == 0:
                emit(book.insolvency_draw(streams.insolvency, day))
            period = cfg.tiers.review_period_days
            if day % period == 0:
                book.review_tiers(metrics(period), day)
        return env.timeout(1)


def _process_mdf(book: PartnerBook, day: int, absences: Sequence[tuple[int, int]]) -> None:
    """Approve requests that are due (approver present) and claim approvals that are due."""
    cfg = book.config.mdf
    away = any(start <= day < end for start, end in absences)
    for request in book.mdf_requests:
        if (
            cfg.auto_approve
            and not away
            and request.status == "requested"
            and day >= request.requested_day + cfg.approval_delay_days
        ):
            book.approve_mdf(request.request_id, day)
        if (
            request.status == "approved"
            and request.approval_day is not None
            and day >= request.approval_day + cfg.claim_delay_days
        ):
            book.claim_mdf(request.request_id, day)
