"""Configuration of the sales funnel (``business.funnel``): lead sources, stages, routing, deal registration.

Pure pydantic (scenario layer); the funnel itself runs in :mod:`chansim.business.funnel`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from chansim.config.base import MAX_DAYS, Name
from chansim.config.distributions import (  # noqa: F401 (re-exported: stage durations are members of the one family)
    DeterministicDays,
    Distribution,
    ExponentialDays,
    StageDuration,
    Uniform,
    UniformDays,
)

Probability = Annotated[float, Field(ge=0, le=1)]
Days = Annotated[float, Field(ge=0, le=MAX_DAYS)]


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# --------------------------------------------------------------------------- configuration


class SkuShare(_Frozen):
    """The share of a deal's units that is of ``sku``."""

    sku: Name
    share: Annotated[float, Field(gt=0, le=1)]


class LeadSource(_Frozen):
    """Leads of one region: a Poisson stream with deal sizes, SKU mix and an account pool."""

    region: Name
    arrival_rate_per_day: Annotated[float, Field(ge=0, le=100_000)]
    deal_size_units: Distribution = Uniform(low=5, high=50)
    sku_mix: Annotated[list[SkuShare], Field(min_length=1, max_length=1000)]
    seasonality_multipliers: (
        Annotated[list[Annotated[float, Field(ge=0, le=100)]], Field(min_length=1, max_length=366)] | None
    ) = None
    seasonality_cycle_days: Annotated[int, Field(ge=1, le=MAX_DAYS)] = 365
    account_pool_size: Annotated[int, Field(ge=1, le=1_000_000)] = 100
    start_day: Annotated[int, Field(ge=0, le=MAX_DAYS)] = 0
    end_day: Annotated[int | None, Field(ge=1, le=MAX_DAYS)] = None

    @model_validator(mode="after")
    def _consistent(self) -> LeadSource:
        problems = []
        total = sum(s.share for s in self.sku_mix)
        if abs(total - 1.0) > 1e-6:
            problems.append(f"sku_mix: shares sum to {total:g}; they must sum to 1")
        seen: set[str] = set()
        for i, line in enumerate(self.sku_mix):
            if line.sku in seen:
                problems.append(f"sku_mix[{i}].sku: '{line.sku}' appears twice")
            seen.add(line.sku)
        if self.end_day is not None and self.end_day <= self.start_day:
            problems.append(f"end_day: {self.end_day} must be after start_day ({self.start_day})")
        if problems:
            raise ValueError("\n".join(problems))
        return self

    def multiplier(self, day: int) -> float:
        """Seasonality multiplier ``m[floor(n * (day mod C) / C)]`` of the arrival rate on ``day``."""
        values = self.seasonality_multipliers
        if not values:
            return 1.0
        cycle = self.seasonality_cycle_days
        return values[(len(values) * (day % cycle)) // cycle]


class Stage(_Frozen):
    """An open stage of the funnel; passing the last stage wins the deal."""

    name: Name
    conversion_probability: Probability
    duration: StageDuration


DEFAULT_STAGES: list[Stage] = [
    Stage(name="lead", conversion_probability=0.5, duration=ExponentialDays(mean_days=5)),
    Stage(name="qualified", conversion_probability=0.6, duration=ExponentialDays(mean_days=10)),
    Stage(name="proposal", conversion_probability=0.5, duration=ExponentialDays(mean_days=14)),
    Stage(name="negotiation", conversion_probability=0.7, duration=ExponentialDays(mean_days=10)),
]

RoutingRule = Literal["territory", "tier_weighted", "round_robin"]


class Routing(_Frozen):
    """Which partner is offered a lead, and what happens when it does not accept.

    ``territory``: a partner of the lead's region, ties by ``tie_break``.
    ``round_robin``: the next partner by name after the last one chosen, cycling.
    ``tier_weighted``: a random partner, chosen with probability proportional to its tier weight.
    ``round_robin`` and ``tier_weighted`` choose among the lead's region's partners
    (``scope: region``) or among all partners (``scope: all``).
    ``fewest_open`` picks the partner with the fewest open offers and opportunities
    (ties by round robin).
    """

    rule: RoutingRule = "territory"
    tie_break: Literal["round_robin", "tier_weighted", "fewest_open"] = "round_robin"
    scope: Literal["region", "all"] = "region"
    tier_weights: dict[Name, Annotated[float, Field(ge=0, le=1e6)]] = {"gold": 3.0, "silver": 2.0, "bronze": 1.0}
    accept_probability: Probability = 1.0
    partner_accept_probability: dict[Name, Probability] = {}
    response_time: StageDuration = DeterministicDays(days=0)
    accept_timeout_days: Annotated[float, Field(gt=0, le=MAX_DAYS)] = 2.0
    max_reroutes: Annotated[int, Field(ge=0, le=1000)] = 2

    @property
    def uses_tiers(self) -> bool:
        """Whether choices depend on tier weights."""
        return self.rule == "tier_weighted" or (self.rule == "territory" and self.tie_break == "tier_weighted")


class DealRegistration(_Frozen):
    """Deal registration: a partner claims an end-customer account for ``protection_days``."""

    enabled: bool = True
    register_at_stage: Name | None = None
    protection_days: Annotated[float, Field(gt=0, le=MAX_DAYS)] = 90.0
    conflict_rule: Literal["first_wins", "escalate"] = "first_wins"
    escalation_default: Literal["reject", "approve"] = "reject"
    approval_probability: Probability = 1.0
    on_rejection: Literal["lose", "continue"] = "lose"


class FunnelConfig(_Frozen):
    """The ``business.funnel`` section of a scenario."""

    lead_sources: Annotated[list[LeadSource], Field(max_length=10_000)] = []
    stages: Annotated[list[Stage], Field(min_length=1, max_length=100)] = DEFAULT_STAGES
    routing: Routing = Routing()
    deal_registration: DealRegistration = DealRegistration()

    @model_validator(mode="after")
    def _consistent(self) -> FunnelConfig:
        problems = []
        names: set[str] = set()
        for i, stage in enumerate(self.stages):
            if stage.name in names:
                problems.append(f"stages[{i}].name: '{stage.name}' is used twice; names must be unique")
            names.add(stage.name)
        regions: set[str] = set()
        for i, source in enumerate(self.lead_sources):
            if source.region in regions:
                problems.append(f"lead_sources[{i}].region: '{source.region}' has two lead sources")
            regions.add(source.region)
        at = self.deal_registration.register_at_stage
        if at is not None and at not in names:
            known = ", ".join(s.name for s in self.stages)
            problems.append(f"deal_registration.register_at_stage: unknown stage '{at}' (known: {known})")
        if problems:
            raise ValueError("\n".join(problems))
        return self

    @property
    def stage_names(self) -> list[str]:
        """Stage names in funnel order."""
        return [s.name for s in self.stages]

    def check_references(self, sku_names: Sequence[str], region_names: Sequence[str] | None = None) -> list[str]:
        """Problems with SKUs and regions named here that a scenario does not define.

        Paths are relative to this section (prefix them with ``business.funnel.``).
        An empty or missing ``region_names`` skips the region check.
        """
        skus, regions = set(sku_names), set(region_names or ())
        problems = []
        for i, source in enumerate(self.lead_sources):
            if regions and source.region not in regions:
                problems.append(f"lead_sources[{i}].region: unknown region '{source.region}'")
            for j, line in enumerate(source.sku_mix):
                if line.sku not in skus:
                    problems.append(f"lead_sources[{i}].sku_mix[{j}].sku: unknown sku '{line.sku}'")
        return problems
