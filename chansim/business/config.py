"""The ``business`` section of a scenario: the channel's business around the stock.

Every part is optional; a scenario without a ``business`` section runs the inventory
model alone. Parts: ``partners`` (tiers, evaluation index, recruitment, training, churn,
satisfaction, insolvency, MDF, random events, scorecard), ``tiers_by_node`` (each
partner's starting tier), ``order_to_cash`` (credit, approvals, payments), ``incentives``
(rebates and commissions) and ``funnel`` (leads, routing, stages, deal registration).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict

from chansim.business.funnel import FunnelConfig
from chansim.business.incentives import Incentives
from chansim.business.order_to_cash import OrderToCashConfig
from chansim.business.partners import PartnersConfig

if TYPE_CHECKING:
    from chansim.scenario import Scenario

__all__ = ["Business", "business_problems"]


class Business(BaseModel):
    """The optional business layer of a scenario."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    partners: PartnersConfig = PartnersConfig()
    tiers_by_node: dict[str, str] = {}
    order_to_cash: OrderToCashConfig | None = None
    incentives: Incentives | None = None
    funnel: FunnelConfig | None = None


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
    if business.funnel is not None:
        regions = [r.name for r in scenario.regions] or sorted({n.region for n in scenario.nodes if n.region})
        for problem in business.funnel.check_references([s.name for s in scenario.skus], regions):
            yield f"business.funnel.{problem}"
    if business.order_to_cash is not None:
        for name in sorted(business.order_to_cash.credit.partners):
            if name not in nodes:
                yield f"business.order_to_cash.credit.partners.{name}: unknown node '{name}'"
    if business.incentives is not None:
        for i, plan in enumerate(business.incentives.plans):
            for j, name in enumerate(plan.applies_to.nodes):
                if name not in nodes:
                    yield f"business.incentives.plans[{i}].applies_to.nodes[{j}]: unknown node '{name}'"
        for name in sorted(business.incentives.targets.by_node):
            if name not in nodes:
                yield f"business.incentives.targets.by_node.{name}: unknown node '{name}'"
