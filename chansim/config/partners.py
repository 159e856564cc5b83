"""Configuration of the partner lifecycle (``business.partners``): tiers, evaluation, recruitment,
training, churn, satisfaction, insolvency, MDF, random events, scorecard.

Pure pydantic (scenario layer); the partner book and its lifecycle run in :mod:`chansim.business.partners`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from chansim.config import base as sc
from chansim.config.distributions import Beta, CapabilityDistribution, Fixed  # noqa: F401 (re-exported: the one family)

if TYPE_CHECKING:
    from chansim.scenario import Scenario

DAYS_PER_YEAR = 365.0
MAX_THRESHOLD = 1e12

Real = Annotated[float, Field(ge=-MAX_THRESHOLD, le=MAX_THRESHOLD, allow_inf_nan=False)]
Fraction = Annotated[float, Field(ge=0, le=1)]
Days = Annotated[int, Field(ge=0, le=sc.MAX_DAYS)]
PositiveDays = Annotated[int, Field(ge=1, le=sc.MAX_DAYS)]
Uplift = Annotated[float, Field(ge=0, le=10)]
Target = Annotated[str, Field(min_length=1, max_length=200)]
Level = Literal["distributor", "wholesaler", "dealer", "retailer"]
StockOnExit = Literal["return", "write_off"]
CustomersOnExit = Literal["reassign_nearest", "lost"]


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _duplicates(label: str, names: Sequence[str]) -> Iterable[str]:
    seen: set[str] = set()
    for i, name in enumerate(names):
        if name in seen:
            yield f"{label}[{i}].name: '{name}' is used twice; names must be unique"
        seen.add(name)


def _raise(problems: list[str]) -> None:
    if problems:
        raise ValueError("\n".join(problems))


# --------------------------------------------------------------------------- tiers


class Tier(_Frozen):
    """A partner tier (gold, silver, ...): commercial terms and the thresholds to reach or keep it.

    ``promotion_threshold``: a partner below this tier with a metric at or above it moves up
    into this tier. ``demotion_threshold``: a partner in this tier with a metric below it
    moves down (defaults to ``promotion_threshold``: no hysteresis). The bottom tier is the
    floor and has neither. ``allocation_priority`` maps to ``Node.priority``: **lower is
    served first** under a supplier's ``priority`` allocation.
    """

    name: sc.Name
    discount: Annotated[float, Field(ge=0, lt=1)] = 0.0
    allocation_priority: Annotated[int, Field(ge=0, le=1000)] = 0
    promotion_threshold: Real | None = None
    demotion_threshold: Real | None = None

    @property
    def retention_threshold(self) -> float | None:
        """The metric a partner must keep to stay in this tier."""
        return self.demotion_threshold if self.demotion_threshold is not None else self.promotion_threshold


DEFAULT_TIERS = (
    Tier(name="gold", discount=0.30, allocation_priority=0, promotion_threshold=80.0, demotion_threshold=70.0),
    Tier(name="silver", discount=0.27, allocation_priority=1, promotion_threshold=55.0, demotion_threshold=45.0),
    Tier(name="bronze", discount=0.25, allocation_priority=2),
)


class TierLadder(_Frozen):
    """Ordered tiers (best first), the metric they are judged on and the review period.

    ``metric`` names a column of the metrics the engine supplies per partner (for example
    ``purchases_90d``); ``"scorecard"`` means the composite of :class:`Scorecard` computed
    from those metrics. New partners start in ``initial_tier`` (default: the bottom tier).
    """

    tiers: Annotated[list[Tier], Field(min_length=1, max_length=20)] = list(DEFAULT_TIERS)
    metric: Annotated[str, Field(min_length=1, max_length=64)] = "scorecard"
    review_period_days: PositiveDays = 90
    initial_tier: sc.Name | None = None
    one_step_per_review: bool = False

    @model_validator(mode="after")
    def _consistent(self) -> TierLadder:
        problems = list(_duplicates("tiers", [t.name for t in self.tiers]))
        last = len(self.tiers) - 1
        for i, tier in enumerate(self.tiers):
            where = f"tiers[{i}]"
            if i == last:
                for name in ("promotion_threshold", "demotion_threshold"):
                    if getattr(tier, name) is not None:
                        problems.append(f"{where}.{name}: the bottom tier ('{tier.name}') is the floor; leave it empty")
                continue
            if tier.promotion_threshold is None:
                problems.append(f"{where}.promotion_threshold: required for every tier above the bottom one")
                continue
            if tier.demotion_threshold is not None and tier.demotion_threshold > tier.promotion_threshold:
                problems.append(
                    f"{where}.demotion_threshold: {tier.demotion_threshold} must not exceed "
                    f"promotion_threshold ({tier.promotion_threshold})"
                )
            if 0 < i:
                above = self.tiers[i - 1]
                if above.promotion_threshold is not None and tier.promotion_threshold >= above.promotion_threshold:
                    problems.append(
                        f"{where}.promotion_threshold: {tier.promotion_threshold} must be below that of "
                        f"'{above.name}' ({above.promotion_threshold}); tiers are listed best first"
                    )
                keep, keep_above = tier.retention_threshold, above.retention_threshold
                if keep is not None and keep_above is not None and keep >= keep_above:
                    problems.append(
                        f"{where}.demotion_threshold: {keep} must be below that of '{above.name}' ({keep_above})"
                    )
        names = [t.name for t in self.tiers]
        if self.initial_tier is not None and self.initial_tier not in names:
            problems.append(f"initial_tier: unknown tier '{self.initial_tier}' (known: {', '.join(names)})")
        _raise(problems)
        return self

    @property
    def names(self) -> list[str]:
        """Tier names, best first."""
        return [t.name for t in self.tiers]

    @property
    def entry_tier(self) -> str:
        """The tier a newly recruited partner starts in."""
        return self.initial_tier if self.initial_tier is not None else self.tiers[-1].name

    def tier(self, name: str) -> Tier:
        """The tier called ``name``."""
        return self.tiers[self.rank(name)]

    def rank(self, name: str) -> int:
        """Position of a tier, 0 for the best."""
        try:
            return self.names.index(name)
        except ValueError:
            raise KeyError(f"unknown tier '{name}' (known: {', '.join(self.names)})") from None

    def next_tier(self, current: str, metric: float) -> str:
        """The tier after a review with ``metric`` (see the module docstring for the rule)."""
        index = self.rank(current)
        new = index
        for j in range(index):
            threshold = self.tiers[j].promotion_threshold
            if threshold is not None and metric >= threshold:
                new = j
                break
        else:
            keep = self.tiers[index].retention_threshold
            if keep is not None and metric < keep:
                new = index + 1
                while new < len(self.tiers) - 1:
                    below = self.tiers[new].retention_threshold
                    if below is None or metric >= below:
                        break
                    new += 1
        if self.one_step_per_review:
            new = max(index - 1, min(index + 1, new))
        return self.tiers[new].name


# --------------------------------------------------------------------------- evaluation index


class Criterion(_Frozen):
    """One criterion of the evaluation index: its weight and how well it is measured.

    ``noise_std`` is the standard deviation of the observed score in points (0-100 scale);
    ``bias`` is a systematic offset in capability units (candidates overstating capital: > 0).
    """

    name: sc.Name
    weight: Annotated[float, Field(ge=0, le=1e6)] = 1.0
    noise_std: Annotated[float, Field(ge=0, le=100)] = 10.0
    bias: Annotated[float, Field(ge=-1, le=1)] = 0.0


DEFAULT_CRITERIA = (
    Criterion(name="capital", weight=0.25, noise_std=15.0),
    Criterion(name="coverage", weight=0.20, noise_std=10.0),
    Criterion(name="experience", weight=0.20, noise_std=20.0),
    Criterion(name="credit_history", weight=0.20, noise_std=10.0),
    Criterion(name="team", weight=0.15, noise_std=25.0),
)


class EvaluationIndex(_Frozen):
    """The partner evaluation index: criteria, weights, measurement noise.

    Weights are relative: they are divided by their sum, which must be positive, so they
    need not add up to 1 (``weights`` gives the normalised values).
    """

    criteria: Annotated[list[Criterion], Field(min_length=1, max_length=50)] = list(DEFAULT_CRITERIA)

    @model_validator(mode="after")
    def _consistent(self) -> EvaluationIndex:
        problems = list(_duplicates("criteria", self.names))
        if sum(c.weight for c in self.criteria) <= 0:
            problems.append("criteria: the weights sum to 0; give at least one criterion a positive weight")
        _raise(problems)
        return self

    @property
    def names(self) -> list[str]:
        """Criterion names in configuration order."""
        return [c.name for c in self.criteria]

    @property
    def weights(self) -> dict[str, float]:
        """Weights divided by their sum."""
        return normalise_weights({c.name: c.weight for c in self.criteria})

    def inverse_variance_weights(self) -> dict[str, float]:
        """The weights that best predict capability: proportional to ``1 / noise_std^2``.

        Criteria measured without noise share all the weight equally.
        """
        exact = [c.name for c in self.criteria if c.noise_std == 0]
        if exact:
            return {c.name: (1.0 / len(exact) if c.noise_std == 0 else 0.0) for c in self.criteria}
        return normalise_weights({c.name: 1.0 / c.noise_std**2 for c in self.criteria})


def normalise_weights(weights: Mapping[str, float], known: Iterable[str] | None = None) -> dict[str, float]:
    """Weights divided by their sum; negative, non-finite or unknown keys raise ``ValueError``."""
    if known is not None:
        allowed = list(known)
        unknown = [k for k in weights if k not in allowed]
        if unknown:
            raise ValueError(f"weights: unknown key(s) {', '.join(map(repr, unknown))} (known: {', '.join(allowed)})")
    for key, value in weights.items():
        if not math.isfinite(value) or value < 0:
            raise ValueError(f"weights.{key}: must be a finite number >= 0 (got {value!r})")
    total = float(sum(weights.values()))
    if total <= 0:
        raise ValueError("weights: they sum to 0; give at least one a positive weight")
    return {k: float(v) / total for k, v in weights.items()}


# --------------------------------------------------------------------------- recruitment


class Recruitment(_Frozen):
    """The candidate pool, hidden capability, onboarding and ramp-up, and the cost of a recruit.

    Observed criterion scores relate to capability as in the module docstring, with each
    criterion's ``bias`` and ``noise_std`` from :class:`EvaluationIndex`.
    ``capability_effect`` scales how much capability moves demand (0: not at all).
    """

    pool_size_per_region: Annotated[int, Field(ge=0, le=10_000)] = 20
    pool_size_by_region: dict[sc.Name, Annotated[int, Field(ge=0, le=10_000)]] = {}
    capability: CapabilityDistribution = Beta(a=2.0, b=2.0)
    onboarding_days: Days = 30
    ramp_up_days: Days = 60
    cost_per_partner: sc.Money = 0.0
    capability_effect: Fraction = 0.5

    def pool_size(self, region: str) -> int:
        """Candidates available in ``region``."""
        return self.pool_size_by_region.get(region, self.pool_size_per_region)


# --------------------------------------------------------------------------- training


class TrainingEvent(_Frozen):
    """A training session: on ``day``, up to ``seats`` partners.

    Targets: the ``partners`` listed (in that order), else the live partners of ``tier``,
    else every live partner (both by name); the first ``seats`` of them are trained and
    ``cost_per_seat`` is charged per seat filled. ``uplift`` overrides ``Training.uplift``.
    """

    day: Days
    partners: Annotated[list[sc.Name], Field(max_length=10_000)] = []
    tier: sc.Name | None = None
    seats: Annotated[int, Field(ge=1, le=100_000)]
    cost_per_seat: sc.Money = 0.0
    uplift: Uplift | None = None
    name: str | None = None

    @model_validator(mode="after")
    def _one_target(self) -> TrainingEvent:
        problems = []
        if self.partners and self.tier is not None:
            problems.append("tier: give either partners or tier, not both")
        for i, name in enumerate(self.partners):
            if name in self.partners[:i]:
                problems.append(f"partners[{i}]: '{name}' is listed twice")
        _raise(problems)
        return self


class Training(_Frozen):
    """Training sessions and their effect: a win-rate multiplier that decays with a half-life."""

    events: Annotated[list[TrainingEvent], Field(max_length=10_000)] = []
    uplift: Uplift = 0.2
    half_life_days: Annotated[float, Field(gt=0, le=sc.MAX_DAYS)] = 90.0
    max_uplift: Uplift | None = None


# --------------------------------------------------------------------------- churn, satisfaction, insolvency


def _logistic(z: float) -> float:
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    ez = math.exp(z)
    return ez / (1.0 + ez)


class Churn(_Frozen):
    """Partners leaving: logistic probability per review period, and what happens on exit.

    ``stock_on_exit``: ``return`` sends the leaver's stock back to its supplier, credited at
    ``return_credit`` of its purchase value; ``write_off`` loses it. ``customers_on_exit``:
    ``reassign_nearest`` moves its markets to the nearest live partner of the same level in
    its region (distance from the engine if given, else best tier, then name); ``lost``
    drops them.
    """

    review_period_days: PositiveDays = 30
    intercept: Real = 2.0
    margin_coefficient: Real = -10.0
    fill_rate_coefficient: Real = -2.0
    satisfaction_coefficient: Real = -4.0
    at_risk_probability: Fraction = 0.05
    stock_on_exit: StockOnExit = "return"
    return_credit: Fraction = 0.8
    customers_on_exit: CustomersOnExit = "reassign_nearest"

    def probability(self, margin: float, fill_rate: float, satisfaction: float) -> float:
        """Probability of leaving within one review period."""
        z = (
            self.intercept
            + self.margin_coefficient * margin
            + self.fill_rate_coefficient * fill_rate
            + self.satisfaction_coefficient * satisfaction
        )
        return _logistic(z)


class Satisfaction(_Frozen):
    """Partner satisfaction (0-1): smoothed from margin, fill rate and support each review."""

    initial: Fraction = 0.7
    smoothing: Annotated[float, Field(gt=0, le=1)] = 0.3
    margin_weight: Annotated[float, Field(ge=0, le=1e6)] = 0.4
    fill_rate_weight: Annotated[float, Field(ge=0, le=1e6)] = 0.4
    support_weight: Annotated[float, Field(ge=0, le=1e6)] = 0.2
    target_margin: Annotated[float, Field(gt=0, le=1)] = 0.25
    default_support: Fraction = 0.5
    review_period_days: PositiveDays = 30

    @model_validator(mode="after")
    def _weights(self) -> Satisfaction:
        if self.margin_weight + self.fill_rate_weight + self.support_weight <= 0:
            raise ValueError("margin_weight: the three weights sum to 0; give at least one a positive weight")
        return self

    def signal(self, margin: float, fill_rate: float, support: float | None = None) -> float:
        """The satisfaction signal (0-1) of one period."""
        support = self.default_support if support is None else support
        parts = (
            self.margin_weight * min(1.0, max(0.0, margin / self.target_margin))
            + self.fill_rate_weight * min(1.0, max(0.0, fill_rate))
            + self.support_weight * min(1.0, max(0.0, support))
        )
        return parts / (self.margin_weight + self.fill_rate_weight + self.support_weight)

    def update(self, previous: float, margin: float, fill_rate: float, support: float | None = None) -> float:
        """``alpha signal + (1 - alpha) previous``."""
        return self.smoothing * self.signal(margin, fill_rate, support) + (1.0 - self.smoothing) * previous


def period_probability(annual_probability: float, period_days: float) -> float:
    """The probability over ``period_days`` of an event with the given annual probability."""
    if not 0 <= annual_probability <= 1:
        raise ValueError(f"annual_probability: must be in [0, 1] (got {annual_probability})")
    return 1.0 - (1.0 - annual_probability) ** (period_days / DAYS_PER_YEAR)


class Insolvency(_Frozen):
    """Partners going bust: ``annual_probability`` for a partner of health 0, scaled by ``1 - health``."""

    annual_probability: Fraction = 0.02
    review_period_days: PositiveDays = 30
    stock_on_exit: StockOnExit = "write_off"
    return_credit: Fraction = 0.0
    customers_on_exit: CustomersOnExit = "reassign_nearest"

    def probability(self, health: float) -> float:
        """Probability of insolvency within one review period at the given health (0-1)."""
        health = min(1.0, max(0.0, health))
        return period_probability(self.annual_probability * (1.0 - health), self.review_period_days)


# --------------------------------------------------------------------------- MDF


class MarketDevelopmentFunds(_Frozen):
    """Market development funds: a budget per period; request -> approval -> claim.

    Approvals never exceed the budget left in the approval day's period (with
    ``carry_over``, the unspent budget of earlier periods too). With ``auto_approve`` the
    lifecycle approves a request ``approval_delay_days`` after it is made (later if the
    approver is absent); the partner claims ``claim_fraction`` of the approved amount
    ``claim_delay_days`` after approval. The demand effect starts ``lag_days`` after
    approval and decays with ``half_life_days`` (module docstring).
    """

    budget_per_period: sc.Money = 0.0
    period_days: PositiveDays = 90
    carry_over: bool = False
    auto_approve: bool = True
    approval_delay_days: Days = 5
    claim_delay_days: Days = 30
    claim_fraction: Fraction = 1.0
    uplift_per_1000: Annotated[float, Field(ge=0, le=100)] = 0.02
    max_uplift: Uplift = 0.5
    lag_days: Days = 14
    half_life_days: Annotated[float, Field(gt=0, le=sc.MAX_DAYS)] = 60.0


# --------------------------------------------------------------------------- random events

EventKind = Literal[
    "demand_shock",
    "competitor_price_cut",
    "shipment_delay",
    "warehouse_outage",
    "partner_insolvency",
    "approver_absence",
]
EVENT_KINDS: tuple[str, ...] = (
    "demand_shock",
    "competitor_price_cut",
    "shipment_delay",
    "warehouse_outage",
    "partner_insolvency",
    "approver_absence",
)
#: What the ``target`` of each event kind names, and what its ``magnitude`` means.
EVENT_TARGETS: dict[str, tuple[str, str]] = {
    "demand_shock": ("region", "demand multiplier in the region (>= 0)"),
    "competitor_price_cut": ("region", "demand multiplier in the region (>= 0, usually < 1)"),
    "shipment_delay": ("lane 'supplier->customer'", "extra lead time in whole days"),
    "warehouse_outage": ("node", "share of shipping capacity left (0 = closed, 0-1)"),
    "partner_insolvency": ("partner", "unused"),
    "approver_absence": ("approver", "unused"),
}
DEFAULT_APPROVER = "approver"
EVENT_COLUMNS = ["event_id", "kind", "start_day", "end_day", "target", "magnitude", "source", "name"]


def _magnitude_problem(kind: str, value: float) -> str | None:
    if kind in ("demand_shock", "competitor_price_cut") and not 0 <= value <= 1000:
        return f"a {kind} magnitude is a demand multiplier in [0, 1000] (got {value})"
    if kind == "shipment_delay" and (value < 0 or value != int(value) or value > sc.MAX_DAYS):
        return f"a shipment_delay magnitude is whole extra days >= 0 (got {value})"
    if kind == "warehouse_outage" and not 0 <= value <= 1:
        return f"a warehouse_outage magnitude is the share of capacity left, in [0, 1] (got {value})"
    return None


class ScheduledEvent(_Frozen):
    """An event on a given day for ``duration_days`` (see ``EVENT_TARGETS`` for target and magnitude).

    Every kind but ``approver_absence`` (default approver: ``"approver"``) needs a ``target``.
    """

    kind: EventKind
    day: Days
    duration_days: PositiveDays = 1
    magnitude: Real = 1.0
    target: Target | None = None
    name: str | None = None

    @model_validator(mode="after")
    def _magnitude(self) -> ScheduledEvent:
        problems = []
        problem = _magnitude_problem(self.kind, self.magnitude)
        if problem:
            problems.append(f"magnitude: {problem}")
        if self.target is None and self.kind != "approver_absence":
            problems.append(f"target: a {self.kind} needs a target ({EVENT_TARGETS[self.kind][0]})")
        _raise(problems)
        return self


class EventRate(_Frozen):
    """Events drawn as a Poisson process: ``rate_per_year`` starts on uniformly random days.

    Duration and magnitude are drawn uniformly between the value and its ``_max`` when one
    is given (durations as whole days, inclusive); the target uniformly from ``targets``
    (or, when empty, from the candidates the caller supplies for the kind).
    """

    kind: EventKind
    rate_per_year: Annotated[float, Field(ge=0, le=1000)]
    duration_days: PositiveDays = 1
    duration_days_max: PositiveDays | None = None
    magnitude: Real = 1.0
    magnitude_max: Real | None = None
    targets: Annotated[list[Target], Field(max_length=10_000)] = []
    name: str | None = None

    @model_validator(mode="after")
    def _ranges(self) -> EventRate:
        problems = []
        if self.duration_days_max is not None and self.duration_days_max < self.duration_days:
            problems.append(
                f"duration_days_max: {self.duration_days_max} must be >= duration_days ({self.duration_days})"
            )
        if self.magnitude_max is not None and self.magnitude_max < self.magnitude:
            problems.append(f"magnitude_max: {self.magnitude_max} must be >= magnitude ({self.magnitude})")
        for label, value in (("magnitude", self.magnitude), ("magnitude_max", self.magnitude_max)):
            problem = None if value is None else _magnitude_problem(self.kind, value)
            if problem:
                problems.append(f"{label}: {problem}")
        _raise(problems)
        return self


class RandomEvents(_Frozen):
    """Scheduled events and event rates; :func:`draw_random_events` turns them into a schedule."""

    scheduled: Annotated[list[ScheduledEvent], Field(max_length=10_000)] = []
    drawn: Annotated[list[EventRate], Field(max_length=100)] = []


# --------------------------------------------------------------------------- scorecard config


class Scorecard(_Frozen):
    """The KPI scorecard used when the tier metric is ``scorecard``.

    ``weights`` (relative, normalised) over KPI columns the engine supplies;
    ``lower_is_better`` KPIs are reversed; ``bounds`` fix the 0 and 100 points of a KPI
    (otherwise the partners' own min and max are used).
    """

    weights: dict[Annotated[str, Field(min_length=1, max_length=64)], Annotated[float, Field(ge=0, le=1e6)]] = {
        "target_achievement": 0.5,
        "fill_rate": 0.25,
        "margin": 0.25,
    }
    lower_is_better: list[str] = []
    bounds: dict[str, tuple[Real, Real]] = {
        "target_achievement": (0.0, 1.2),
        "fill_rate": (0.5, 1.0),
        "margin": (0.0, 0.4),
    }

    @model_validator(mode="after")
    def _consistent(self) -> Scorecard:
        problems = []
        if not self.weights or sum(self.weights.values()) <= 0:
            problems.append("weights: give at least one KPI a positive weight")
        for i, kpi in enumerate(self.lower_is_better):
            if kpi not in self.weights:
                problems.append(f"lower_is_better[{i}]: '{kpi}' has no weight")
        for kpi, (low, high) in self.bounds.items():
            if kpi not in self.weights:
                problems.append(f"bounds.{kpi}: '{kpi}' has no weight")
            if high <= low:
                problems.append(f"bounds.{kpi}: high ({high}) must exceed low ({low})")
        _raise(problems)
        return self


# --------------------------------------------------------------------------- the section


class PartnersConfig(_Frozen):
    """The partner-lifecycle part of a scenario's ``business`` section; every part has defaults."""

    tiers: TierLadder = TierLadder()
    evaluation: EvaluationIndex = EvaluationIndex()
    recruitment: Recruitment = Recruitment()
    training: Training = Training()
    churn: Churn = Churn()
    satisfaction: Satisfaction = Satisfaction()
    insolvency: Insolvency = Insolvency()
    mdf: MarketDevelopmentFunds = MarketDevelopmentFunds()
    events: RandomEvents = RandomEvents()
    scorecard: Scorecard = Scorecard()

    @model_validator(mode="after")
    def _cross_references(self) -> PartnersConfig:
        problems = []
        tiers = self.tiers.names
        for i, event in enumerate(self.training.events):
            if event.tier is not None and event.tier not in tiers:
                problems.append(f"training.events[{i}].tier: unknown tier '{event.tier}' (known: {', '.join(tiers)})")
        _raise(problems)
        return self

    def problems_with(self, scenario: Scenario) -> list[str]:
        """Names this configuration uses that the scenario lacks (regions, partners, nodes, lanes)."""
        nodes = {n.name for n in scenario.nodes}
        regions = {r.name for r in scenario.regions} | {n.region for n in scenario.nodes if n.region}
        lanes = {f"{lane.supplier}->{n.name}" for n in scenario.nodes for lane in n.lanes if lane.supplier}
        problems: list[str] = []
        for region in sorted(self.recruitment.pool_size_by_region):
            if region not in regions:
                problems.append(f"recruitment.pool_size_by_region.{region}: unknown region '{region}'")
        for i, event in enumerate(self.training.events):
            for j, name in enumerate(event.partners):
                if name not in nodes:
                    problems.append(f"training.events[{i}].partners[{j}]: unknown partner '{name}'")
        known = {"region": regions, "partner": nodes, "node": nodes, "lane": lanes}

        def check(where: str, kind: str, target: str) -> None:
            what = EVENT_TARGETS[kind][0].split()[0]
            if what in known and target not in known[what]:
                problems.append(f"{where}: unknown {what} '{target}' for a {kind}")

        for i, event in enumerate(self.events.scheduled):
            if event.target is not None:
                check(f"events.scheduled[{i}].target", event.kind, event.target)
        for i, rate in enumerate(self.events.drawn):
            for j, target in enumerate(rate.targets):
                check(f"events.drawn[{i}].targets[{j}]", rate.kind, target)
        return problems


_PATH_IN_MESSAGE = re.compile(r"^[A-Za-z_][\w.\[\]]*: ")


def parse_partners_config(data: Any, where: str = "business.partners") -> PartnersConfig:
    """Validate a parsed YAML/JSON mapping; errors name the full field path (``ValueError``)."""
    if data is None:
        return PartnersConfig()
    try:
        return PartnersConfig.model_validate(data)
    except ValidationError as exc:
        lines = []
        for err in exc.errors(include_url=False):
            path = where
            for part in err["loc"]:
                if isinstance(part, int):
                    path += f"[{part}]"
                elif part not in ("beta", "fixed") and not str(part).startswith("function-"):
                    path += f".{part}"
            message = str(err["msg"]).removeprefix("Value error, ")
            if err["type"] == "extra_forbidden":
                lines.append(f"{path}: unknown key")
                continue
            if err["type"] == "missing":
                lines.append(f"{path}: required field is missing")
                continue
            for line in message.split("\n"):
                if _PATH_IN_MESSAGE.match(line):
                    lines.append(f"{path}.{line}")
                else:
                    got = err.get("input")
                    shown = f" (got {got!r})" if got is not None and not isinstance(got, dict | list) else ""
                    lines.append(f"{path}: {line}{shown}")
        raise ValueError(f"invalid {where}:\n" + "\n".join(f"  - {x}" for x in dict.fromkeys(lines))) from None
