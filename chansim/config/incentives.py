"""Configuration of incentives (``business.incentives``): rebates, commissions, targets.

Pure pydantic (scenario layer); settlement runs in :mod:`chansim.business.incentives`.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from decimal import ROUND_HALF_EVEN, Decimal, localcontext
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from chansim.config.money import decimal_of, to_cents, units_of


@functools.lru_cache(maxsize=4096)
def parameter_decimal(value: float) -> Decimal:
    """:func:`decimal_of` for configuration numbers: few distinct values, each converted once."""
    return decimal_of(value)

NAME_PATTERN = r"^[A-Za-z0-9_][A-Za-z0-9_.\-]{0,63}$"
MAX_MONEY = 1e9
MAX_DAYS = 36_500
MAX_PERCENT = 10_000.0  # attainment and payout percentages (100x target, 100x payout)

Name = Annotated[str, Field(pattern=NAME_PATTERN, description="identifier: letters, digits, _ . -")]
Money = Annotated[float, Field(ge=0, le=MAX_MONEY)]
RatePercent = Annotated[float, Field(ge=0, le=100)]
LargePercent = Annotated[float, Field(ge=0, le=MAX_PERCENT)]
PartnerKind = Literal["vendor", "factory", "distributor", "wholesaler", "dealer", "retailer"]
Measure = Literal["purchases", "sell_out"]

SALES_COLUMNS = ["day", "node", "sku", "purchases", "sell_out"]
SETTLEMENT_COLUMNS = [
    "settlement_day", "period_start_day", "node", "plan", "type", "basis", "target", "attainment",
    "rate", "amount", "payer",
]  # fmt: skip
MONEY_ROW_COLUMNS = ["day", "node", "account", "amount"]
ACCOUNT_OF_TYPE: dict[str, str] = {
    "volume_rebate": "rebate",
    "growth_rebate": "rebate",
    "achievement_plan": "rebate",
    "target_commission": "commission",
    "override": "commission",
}
INCENTIVE_ACCOUNTS = ["rebate_income", "rebate_expense", "commission_income", "commission_expense"]

CENT = Decimal("0.01")
HUNDRED = Decimal(100)
ZERO = Decimal(0)


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Pair(_Frozen):
    """A two-field point that may also be written as a list ``[first, second]`` in YAML."""

    @model_validator(mode="before")
    @classmethod
    def _from_list(cls, value: Any) -> Any:
        if isinstance(value, list | tuple):
            names = list(cls.model_fields)
            if len(value) != len(names):
                raise ValueError(f"expected [{', '.join(names)}], got {list(value)!r}")
            return dict(zip(names, value, strict=True))
        return value


def _increasing(items: Sequence[BaseModel], list_name: str, field: str, *, strict: bool = True) -> None:
    """Raise naming ``list_name[k].field`` when the values do not increase."""
    for k in range(1, len(items)):
        before, value = getattr(items[k - 1], field), getattr(items[k], field)
        if value < before or (strict and value == before):
            need = "greater than" if strict else "at least"
            raise ValueError(
                f"{list_name}[{k}].{field}: {value} must be {need} {list_name}[{k - 1}].{field} ({before})"
            )


# --------------------------------------------------------------------------- schemes


class VolumeTier(_Pair):
    """From ``threshold`` (money per settlement period) on, ``rebate_pct`` percent."""

    threshold: Money
    rebate_pct: RatePercent


class VolumeRebate(_Frozen):
    """A rebate on the period's volume by tiers: retroactive (all units) or marginal."""

    type: Literal["volume_rebate"] = "volume_rebate"
    mode: Literal["retroactive", "marginal"] = "retroactive"
    measure: Measure = "purchases"
    tiers: Annotated[list[VolumeTier], Field(min_length=1, max_length=100)]

    @model_validator(mode="after")
    def _ordered(self) -> VolumeRebate:
        _increasing(self.tiers, "tiers", "threshold")
        _increasing(self.tiers, "tiers", "rebate_pct", strict=False)  # a higher tier never pays less
        return self


class GrowthRebate(_Frozen):
    """``rebate_pct`` percent when growth over a reference period reaches ``min_growth_pct``."""

    type: Literal["growth_rebate"] = "growth_rebate"
    rebate_pct: RatePercent
    min_growth_pct: Annotated[float, Field(ge=-100, le=MAX_PERCENT)]
    compare_to: Literal["previous_cycle", "previous_period"] = "previous_cycle"
    cycle_days: Annotated[int, Field(ge=1, le=MAX_DAYS)] = 360
    paid_on: Literal["period_sales", "increment"] = "period_sales"
    cap_amount: Money | None = None
    measure: Measure = "purchases"


class PayoutPoint(_Pair):
    """At ``attainment_pct`` percent of target, ``payout_pct`` percent of on-target earnings."""

    attainment_pct: LargePercent
    payout_pct: LargePercent


class TargetCommission(_Frozen):
    """A commission on target attainment along a payout curve, with a floor and a cap."""

    type: Literal["target_commission"] = "target_commission"
    on_target_earnings_pct: Annotated[float, Field(gt=0, le=100)] | None = None
    on_target_earnings: Annotated[float, Field(gt=0, le=MAX_MONEY)] | None = None
    curve: Annotated[list[PayoutPoint], Field(min_length=2, max_length=100)]
    floor_attainment_pct: LargePercent | None = None
    cap_payout_pct: Annotated[float, Field(gt=0, le=MAX_PERCENT)] | None = None
    beyond_last_point: Literal["extend", "flat"] = "extend"
    measure: Measure = "purchases"

    @model_validator(mode="after")
    def _consistent(self) -> TargetCommission:
        if (self.on_target_earnings_pct is None) == (self.on_target_earnings is None):
            raise ValueError(
                "on_target_earnings_pct: give exactly one of on_target_earnings_pct (percent of the target) "
                "or on_target_earnings (a fixed amount per partner and period)"
            )
        _increasing(self.curve, "curve", "attainment_pct")
        return self


class AchievementBand(_Pair):
    """From ``min_attainment_pct`` percent of target on, ``rebate_pct`` percent of the basis."""

    min_attainment_pct: LargePercent
    rebate_pct: RatePercent


class AchievementPlan(_Frozen):
    """A percentage of the period's basis set by the attainment band reached."""

    type: Literal["achievement_plan"] = "achievement_plan"
    bands: Annotated[list[AchievementBand], Field(min_length=1, max_length=100)]
    measure: Measure = "purchases"

    @model_validator(mode="after")
    def _ordered(self) -> AchievementPlan:
        _increasing(self.bands, "bands", "min_attainment_pct")
        return self


class Override(_Frozen):
    """A partner earns on the sales of the nodes it supplies (and optionally one level further)."""

    type: Literal["override"] = "override"
    rate_pct: RatePercent
    second_level_rate_pct: RatePercent | None = None
    measure: Measure = "sell_out"


IncentiveScheme = Annotated[
    VolumeRebate | GrowthRebate | TargetCommission | AchievementPlan | Override,
    Field(discriminator="type"),
]
TARGET_SCHEMES = (TargetCommission, AchievementPlan)


# --------------------------------------------------------------------------- plans


class PartnerSelector(_Frozen):
    """Which partners a plan covers: those passing every non-empty list (all empty: every partner)."""

    kinds: Annotated[list[PartnerKind], Field(max_length=6)] = []
    tiers: Annotated[list[Name], Field(max_length=1000)] = []
    nodes: Annotated[list[Name], Field(max_length=20_000)] = []


class IncentivePlan(_Frozen):
    """A named incentive plan, settled every ``period_days`` days."""

    name: Name
    description: str = ""
    period_days: Annotated[int, Field(ge=1, le=MAX_DAYS)] = 30
    applies_to: PartnerSelector = PartnerSelector()
    skus: Annotated[list[Name], Field(min_length=1, max_length=1000)] | None = None
    payer: Literal["top", "supplier"] = "top"
    scheme: IncentiveScheme

    @model_validator(mode="after")
    def _cycle_fits(self) -> IncentivePlan:
        scheme = self.scheme
        if isinstance(scheme, GrowthRebate) and scheme.compare_to == "previous_cycle":
            if scheme.cycle_days % self.period_days:
                raise ValueError(
                    f"scheme.cycle_days: {scheme.cycle_days} is not a multiple of period_days ({self.period_days})"
                )
        return self


class Targets(_Frozen):
    """Sales targets per partner and targets period (money per ``period_days`` days)."""

    period_days: Annotated[int, Field(ge=1, le=MAX_DAYS)] = 30
    default_by_kind: dict[PartnerKind, Money] = {}
    by_node: dict[Name, Money] = {}
    growth_per_period_pct: Annotated[float, Field(gt=-100, le=100)] = 0.0

    def base_target(self, node: str, kind: str | None) -> float | None:
        """The partner's target for one targets period before growth; None when none is set."""
        if node in self.by_node:
            return self.by_node[node]
        if kind is not None and kind in self.default_by_kind:
            return self.default_by_kind[kind]  # type: ignore[index]
        return None

    def target(self, base: float, start_day: int, days: int) -> float:
        """Target of the window ``start_day <= day < start_day + days`` (whole targets periods), in cents."""
        return float(window_target(decimal_of(base), self, start_day, days))


def window_target(base: Decimal, targets: Targets, start_day: int, days: int) -> Decimal:
    with localcontext() as ctx:
        ctx.prec = 34
        ctx.rounding = ROUND_HALF_EVEN
        growth = 1 + parameter_decimal(targets.growth_per_period_pct) / HUNDRED
        first = start_day // targets.period_days
        count = days // targets.period_days
        total = sum((base * growth**i for i in range(first, first + count)), ZERO)
        return units_of(to_cents(total))  # whole cents, half up (chansim.config.money)


class Incentives(_Frozen):
    """The ``business.incentives`` section of a scenario: plans and the targets they use."""

    plans: Annotated[list[IncentivePlan], Field(max_length=1000)] = []
    targets: Targets = Targets()

    @model_validator(mode="after")
    def _plans_fit(self) -> Incentives:
        problems = plan_problems(self.plans, self.targets)
        if problems:
            raise ValueError("\n".join(problems))
        return self


def plan_problems(plans: Sequence[IncentivePlan], targets: Targets, sales_period_days: int | None = None) -> list[str]:
    problems = []
    seen: set[str] = set()
    for i, plan in enumerate(plans):
        if plan.name in seen:
            problems.append(f"plans[{i}].name: '{plan.name}' is used twice; plan names must be unique")
        seen.add(plan.name)
        if isinstance(plan.scheme, TARGET_SCHEMES) and plan.period_days % targets.period_days:
            problems.append(
                f"plans[{i}].period_days: {plan.period_days} is not a multiple of targets.period_days "
                f"({targets.period_days})"
            )
        if sales_period_days is not None and plan.period_days % sales_period_days:
            problems.append(
                f"plans[{i}].period_days: {plan.period_days} is not a multiple of the sales period "
                f"({sales_period_days} days)"
            )
    return problems
