"""The ``business`` section of a scenario: the channel's business around the stock.

Every part is optional; a scenario without a ``business`` section runs the inventory
model alone. Parts: ``partners`` (tiers, evaluation index, recruitment, training, churn,
satisfaction, insolvency, MDF, random events, scorecard), ``tiers_by_node`` (each
partner's starting tier), ``order_to_cash`` (credit, approvals, payments), ``incentives``
(rebates and commissions) and ``funnel`` (leads, routing, stages, deal registration).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Annotated

from pydantic import BaseModel, ConfigDict, Field

from chansim.config.funnel import FunnelConfig
from chansim.config.incentives import Incentives
from chansim.config.order_to_cash import OrderToCashConfig
from chansim.config.partners import PartnersConfig

Name = Annotated[str, Field(pattern=r"^[A-Za-z0-9_][A-Za-z0-9_.\-]{0,63}$")]

if TYPE_CHECKING:
    from chansim.scenario import Scenario

__all__ = [
    "Business", "ChannelConflict", "MdfRequestPlan", "PricePromotion", "RecruitmentRound", "business_problems",
    "partner_tiers", "purchase_discounts",
]  # fmt: skip


class RecruitmentRound(BaseModel):
    """Partner development: some partner nodes start as applicants and a round picks who joins.

    On ``day`` the applicants are ranked by their *observed* scores on the evaluation index,
    weighted by ``weights`` (the trainee's weighting; default: the index's own weights), and
    the best ``recruit_per_region`` of each region join (or exactly the nodes in ``select``).
    Joiners onboard and ramp up (``partners.recruitment``); their hidden capability then
    drives their demand. Applicants not chosen never trade: their markets go unserved.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    candidates: Annotated[list[Name], Field(min_length=1, max_length=5000)]
    day: Annotated[int, Field(ge=0, le=36_500)] = 0
    recruit_per_region: Annotated[int, Field(ge=0, le=5000)] = 1
    weights: dict[Annotated[str, Field(min_length=1, max_length=64)], Annotated[float, Field(ge=0, le=1e6)]] | None = (
        None
    )
    select: list[Name] | None = None


class ChannelConflict(BaseModel):
    """Cross-region diversion (grey market): cheap stock flows to expensive regions.

    When a dealer in another region sells a SKU for more than ``freight_cost_per_unit``
    below a dealer's price, ``diversion_share`` of that dealer's end-customer demand is
    bought from the cheapest such dealer instead (ties by name).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    freight_cost_per_unit: Annotated[float, Field(ge=0, le=1e9)] = 0.0
    diversion_share: Annotated[float, Field(ge=0, le=1)] = 0.3


class MdfRequestPlan(BaseModel):
    """A partner's request for market development funds on ``day`` (approved and claimed per ``partners.mdf``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    day: Annotated[int, Field(ge=0, le=36_500)]
    partner: Name
    amount: Annotated[float, Field(gt=0, le=1e9)]


class PricePromotion(BaseModel):
    """A trade promotion: partners buy ``extra_discount`` (a fraction of their price) cheaper for a while.

    Applies on days ``start_day <= day < end_day`` to the listed SKUs (all when empty) and
    partners in the listed tiers (all when empty).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    start_day: Annotated[int, Field(ge=0, le=36_500)]
    end_day: Annotated[int, Field(ge=1, le=36_500)]
    extra_discount: Annotated[float, Field(gt=0, lt=1)]
    skus: list[Name] = []
    tiers: list[Name] = []
    name: str | None = None


class Business(BaseModel):
    """The optional business layer of a scenario."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    partners: PartnersConfig = PartnersConfig()
    tiers_by_node: dict[str, str] = {}
    order_to_cash: OrderToCashConfig | None = None
    incentives: Incentives | None = None
    funnel: FunnelConfig | None = None
    recruitment_round: RecruitmentRound | None = None
    conflict: ChannelConflict | None = None
    mdf_requests: Annotated[list[MdfRequestPlan], Field(max_length=100_000)] = []
    price_promotions: Annotated[list[PricePromotion], Field(max_length=10_000)] = []


def business_problems(scenario: Scenario) -> Iterable[str]:
    """Cross-references between the business section and the network (paths from the top)."""
    business = scenario.business
    if business is None:
        return
    nodes = {n.name: n for n in scenario.nodes}
    for problem in business.partners.problems_with(scenario):
        yield f"business.partners.{problem}"
    tiers = business.partners.tiers.names
    for name, tier in sorted(business.tiers_by_node.items()):
        if name not in nodes:
            yield f"business.tiers_by_node.{name}: unknown node '{name}'"
        elif tier not in tiers:
            yield f"business.tiers_by_node.{name}: unknown tier '{tier}' (known: {', '.join(tiers)})"
    tier_set = set(tiers)
    partner_nodes = {n.name: n for n in scenario.nodes if any(lane.supplier is not None for lane in n.lanes)}
    if business.funnel is not None:
        routing = business.funnel.routing
        funnel_partners = {n: p for n, p in partner_nodes.items() if p.kind in ("dealer", "retailer")}
        for key in sorted(routing.tier_weights):
            if key not in tier_set:
                yield f"business.funnel.routing.tier_weights.{key}: unknown tier (known: {', '.join(tiers)})"
        if routing.rule == "tier_weighted" or routing.tie_break == "tier_weighted":
            for tier in tiers:
                if tier not in routing.tier_weights:
                    yield f"business.funnel.routing.tier_weights: tier '{tier}' has no weight"
        for key in sorted(routing.partner_accept_probability):
            if key not in funnel_partners:
                yield (
                    f"business.funnel.routing.partner_accept_probability.{key}: not a dealer of the funnel "
                    f"(known: {', '.join(sorted(funnel_partners)[:8])})"
                )
        regions = [r.name for r in scenario.regions] or sorted({n.region for n in scenario.nodes if n.region})
        for problem in business.funnel.check_references([s.name for s in scenario.skus], regions):
            yield f"business.funnel.{problem}"
    if business.order_to_cash is not None:
        for name in sorted(business.order_to_cash.credit.partners):
            if name not in nodes:
                yield f"business.order_to_cash.credit.partners.{name}: unknown node '{name}'"
    if business.recruitment_round is not None:
        rnd = business.recruitment_round
        index = set(business.partners.evaluation.names)
        for i, name in enumerate(rnd.candidates):
            if name not in nodes:
                yield f"business.recruitment_round.candidates[{i}]: unknown node '{name}'"
            elif all(lane.supplier is None for lane in nodes[name].lanes):
                yield f"business.recruitment_round.candidates[{i}]: '{name}' is the vendor, not a partner"
        for i, name in enumerate(rnd.select or []):
            if name not in rnd.candidates:
                yield f"business.recruitment_round.select[{i}]: '{name}' is not among the candidates"
        for key in sorted(rnd.weights or {}):
            if key not in index:
                yield f"business.recruitment_round.weights.{key}: unknown criterion (known: {', '.join(sorted(index))})"
        if rnd.weights is not None and sum(rnd.weights.values()) <= 0:
            yield "business.recruitment_round.weights: give at least one criterion a positive weight"
    skus = {s.name for s in scenario.skus}
    for i, promo in enumerate(business.price_promotions):
        where = f"business.price_promotions[{i}]"
        if promo.end_day <= promo.start_day:
            yield f"{where}.end_day: {promo.end_day} must be after start_day ({promo.start_day})"
        for j, sku in enumerate(promo.skus):
            if sku not in skus:
                yield f"{where}.skus[{j}]: unknown sku '{sku}'"
        for j, tier in enumerate(promo.tiers):
            if tier not in tier_set:
                yield f"{where}.tiers[{j}]: unknown tier '{tier}' (known: {', '.join(tiers)})"
    for i, request in enumerate(business.mdf_requests):
        if request.partner not in nodes:
            yield f"business.mdf_requests[{i}].partner: unknown node '{request.partner}'"
    if business.incentives is not None:
        targets = business.incentives.targets
        for i, plan in enumerate(business.incentives.plans):
            where = f"business.incentives.plans[{i}]"
            if plan.period_days % scenario.period_days:
                period = scenario.period_days
                yield f"{where}.period_days: {plan.period_days} is not a multiple of period_days ({period})"
            for j, tier in enumerate(plan.applies_to.tiers):
                if tier not in tier_set:
                    yield f"{where}.applies_to.tiers[{j}]: unknown tier '{tier}' (known: {', '.join(tiers)})"
            if plan.scheme.type in ("target_commission", "achievement_plan") and plan.scheme.__class__.__name__ != "":
                fixed = (
                    getattr(plan.scheme, "on_target_earnings", None) is not None
                    and plan.scheme.type == "target_commission"
                )
                for name, node in sorted(partner_nodes.items()):
                    selector = plan.applies_to
                    if selector.kinds and node.kind not in selector.kinds:
                        continue
                    if selector.nodes and name not in selector.nodes:
                        continue
                    if selector.tiers:
                        continue  # tiers change during a run: checked when settling
                    if targets.base_target(name, node.kind) is None and not fixed:
                        yield (
                            f"{where}: partner '{name}' ({node.kind}) has no target; set "
                            f"business.incentives.targets.by_node.{name} or targets.default_by_kind.{node.kind}"
                        )
        for i, plan in enumerate(business.incentives.plans):
            for j, name in enumerate(plan.applies_to.nodes):
                if name not in nodes:
                    yield f"business.incentives.plans[{i}].applies_to.nodes[{j}]: unknown node '{name}'"
        for name in sorted(business.incentives.targets.by_node):
            if name not in nodes:
                yield f"business.incentives.targets.by_node.{name}: unknown node '{name}'"


def partner_tiers(scenario: Scenario) -> dict[str, str]:
    """Starting tier of every distributor and dealer (empty without a business section)."""
    business = scenario.business
    if business is None:
        return {}
    ladder = business.partners.tiers
    default = ladder.initial_tier or ladder.names[-1]
    return {
        node.name: business.tiers_by_node.get(node.name, default)
        for node in scenario.nodes
        if any(lane.supplier is not None for lane in node.lanes)
    }


def purchase_discounts(scenario: Scenario) -> dict[str, float]:
    """Discount off list price at which each partner buys, from its starting tier.

    Tiers are price lists. A dealer (or retailer) buys at its tier's discount off list. A
    distributor (or wholesaler) buys on the distributor price list: its supplier's own
    selling discount plus what its tier gives above the bottom tier, so that it keeps a
    margin over the dealers it sells to.
    """
    business = scenario.business
    if business is None:
        return {}
    tiers = business.partners.tiers.tiers
    by_name = {tier.name: tier for tier in tiers}
    floor = min(tier.discount for tier in tiers)
    out = {}
    for name, tier in partner_tiers(scenario).items():
        node = scenario.node(name)
        if node.kind in ("distributor", "wholesaler"):
            supplier = next(lane.supplier for lane in node.lanes if lane.supplier is not None)
            out[name] = min(0.95, scenario.node(supplier).sell_discount + by_name[tier].discount - floor)
        else:
            out[name] = by_name[tier].discount
    return out
