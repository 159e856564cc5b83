"""Channel planning (stage 1): design a channel, simulate a year, compare up to three designs.

The trainee is the channel planner of Harbor Home Appliances (the company, products,
prices, tier ladder and incentive plans of ``scenarios/stage-1-planning.yaml``). The
market is larger than stage 1's: four regions with five towns each (:data:`TOWNS`), every
town an end-customer market of its own size. A **design** (:class:`ChannelDesign`) sets

* how many dealers each region gets (0-5; they open in the region's largest towns first,
  so the first dealer is the gold one, the second silver, the others bronze);
* one or two tiers: **two** = a distributor per covered region buys from the vendor and
  supplies its dealers (short, cheap deliveries; the distributor keeps a margin and earns
  a volume rebate and a 1 % override); **one** = the vendor ships to every dealer
  directly (longer and dearer deliveries, the vendor keeps the distributor's margin but
  serves each dealer itself);
* the dealer discount ladder (gold / silver / bronze, % off list price): a dealer's
  margin, which drives its satisfaction and its monthly churn draw;
* a yearly marketing budget, spent as market development funds (MDF) in four quarterly
  waves split over the dealers by town size; an approved fund lifts the dealer's demand.

:func:`build_scenario` turns a design into a chansim scenario with the business layer
and :meth:`ChannelPlanning.add` simulates a year (360 days, 14 days warm-up) with the
real engine. A dealer that leaves takes its town with it (``customers_on_exit: lost``).

**Planning KPIs** (window: days 14-360; see docs/kpis.md for the engine's KPIs):

* ``coverage`` = market coverage × network fill rate: the share of the potential
  end-customer demand the channel served from stock. **Market coverage** = Σ over towns of
  potential demand × share of the window the town had a live dealer / Σ potential
  demand, potential demand = the town's mean daily demand (all SKUs, units) without
  marketing uplift; ``fill_rate`` is the network fill rate of the engine.
* ``regions_covered`` = regions with at least one dealer at the end of the year.
* ``channel_cost_ratio`` = the engine's network business KPI: (rebates + commissions +
  MDF claimed + shipping + holding + transit holding + recruitment + training/support
  costs of all nodes) / end-customer revenue.
* ``vendor_margin`` = vendor revenue − its cost of goods − its own operating costs −
  rebates and commissions it paid − MDF claimed − partner support; ``vendor_margin_pct``
  = vendor_margin / vendor revenue. The vendor sells delivered: it pays the freight on
  its own shipments (to the distributors, or to every dealer in one tier). Partner
  support (:class:`PlanningSetup`: 120,000 a year for a dealer served directly, 8,000
  for one a distributor looks after, 30,000 for a distributor) is booked by the engine as
  quarterly ``training_cost`` sessions without any sales uplift.

**Prices.** Stage 1's list prices; unit costs at about 40 % of list (so a two-tier
channel leaves room for both the vendor and the distributor); the vendor sells at 37 %
off list to a bronze partner, so a (gold) distributor buys at 37 % + gold − bronze off.
**Churn** uses the engine's logistic model with intercept 4.5 and margin coefficient
−20: a dealer on a 25 % margin rarely leaves, one on 15 % has about a one-in-three chance
over the year.

**Score** (shown on the page, :meth:`ChannelPlanning.score`)::

    score = 100 × (0.5 × coverage + 0.5 × min(1, max(0, margin%) / margin_ref))
            − penalty × 100 × max(0, cost_ratio − cost_target), clipped to 0..100

with ``margin_ref`` = 35 %, ``cost_target`` = 12 % (the budget line) and ``penalty`` = 2
(each point of channel cost ratio above the line costs two points of score). Over a few
seeds the best designs score in the low 70s: wide coverage through distributors with a
moderate ladder, or a direct channel to the bigger towns with a thinner one; no lever
wins alone.

**Feedback** (:meth:`ChannelPlanning.advise`): regions without a dealer; channel cost
ratio above the budget line; dealers whose own channel cost ratio is above the line
(small towns); dealers lost to churn; a thin vendor margin; a low fill rate; a balanced
design. **Reproducible**: one seed for every design, and each town × product has its own
random stream, so two designs see the same customers wherever both have a dealer
(common random numbers).
"""

from __future__ import annotations

import dataclasses
import io
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from chansim import scenario as sc
from chansim.engine import run
from chansim.exercises.contract import Exercise, jsonable
from chansim.exercises.feedback import Advice
from chansim.exercises.game import DecisionError, Score, check_keys, check_number
from chansim.exercises.messages import CATALOGUE, DEFAULT_LANGUAGE, Catalogue
from chansim.metrics import fill_rates
from chansim.results import COST_ACCOUNTS

if TYPE_CHECKING:
    from chansim.results import Result

__all__ = [
    "COMPARISON_COLUMNS",
    "MAX_DEALERS_PER_REGION",
    "MAX_DESIGNS",
    "PLANNING_KPIS",
    "REGIONS",
    "TOWNS",
    "ChannelDesign",
    "ChannelPlanning",
    "DesignOutcome",
    "PlanningDecision",
    "PlanningSetup",
    "Town",
    "build_scenario",
]

#: The sales regions, in display order.
REGIONS: tuple[str, ...] = ("north", "south", "east", "west")
MAX_DEALERS_PER_REGION = 5
MAX_DESIGNS = 3
MAX_BUDGET = 2_000_000.0
#: Limits of the discount ladder, % off list price (gold, silver, bronze).
MAX_DISCOUNT_PCT = {"gold": 45.0, "silver": 40.0, "bronze": 30.0}
HORIZON_DAYS = 360
WARMUP_DAYS = 14
#: Days of the quarterly support sessions and MDF requests (the first one on the warm-up day).
QUARTER_DAYS = (14, 104, 194, 284)

#: The stage-1 products: (name, display name, unit cost, list price, mean daily demand of a size-1 town,
#: variance / mean of that demand).
SKUS: tuple[tuple[str, str, float, float, float, float], ...] = (
    ("fridge", "French-door refrigerator", 520.0, 1299.0, 3.0, 1.0),
    ("washer", "Front-load washer", 320.0, 799.0, 4.0, 1.0),
    ("microwave", "Countertop microwave", 60.0, 149.0, 8.0, 1.75),
)
#: Region size (demand factor), lead time and shipping cost per unit: vendor → distributor, vendor → dealer.
REGION_LOGISTICS: dict[str, tuple[float, int, float, int, float]] = {
    "north": (1.0, 3, 6.0, 5, 30.0),
    "south": (1.0, 4, 7.5, 6, 34.0),
    "east": (0.8, 3, 6.0, 5, 30.0),
    "west": (0.45, 6, 10.0, 9, 50.0),
}
#: Relative size of the five towns of a region, largest first (dealers open in this order).
TOWN_SIZES = (1.0, 0.7, 0.5, 0.35, 0.25)
#: Distributor → dealer lane.
DEALER_LEAD_DAYS, DEALER_SHIPPING = 2, 3.0
SERVICE_Z = 1.65
#: The vendor's selling discount off list price (its price to a bronze distributor).
VENDOR_DISCOUNT = 0.37


@dataclass(frozen=True)
class Town:
    """One potential end-customer market: ``size`` scales the size-1 demand of :data:`SKUS`."""

    name: str
    region: str
    rank: int
    size: float

    def mean_demand(self, sku: str) -> float:
        """Mean daily demand of ``sku`` (units, before any marketing uplift)."""
        base = {name: mean for name, _, _, _, mean, _ in SKUS}[sku]
        return base * self.size

    @property
    def potential(self) -> float:
        """Mean daily demand of all SKUs (units)."""
        return sum(self.mean_demand(name) for name, *_ in SKUS)


#: Every town of every region, regions in :data:`REGIONS` order, largest town first.
TOWNS: tuple[Town, ...] = tuple(
    Town(f"{region}_{rank}", region, rank, round(REGION_LOGISTICS[region][0] * size, 4))
    for region in REGIONS
    for rank, size in enumerate(TOWN_SIZES, start=1)
)


@dataclass(frozen=True)
class PlanningSetup:
    """The fixed numbers of the exercise (not decisions): support costs and the score's parameters."""

    support_direct_dealer: float = 120_000.0
    support_indirect_dealer: float = 8_000.0
    support_distributor: float = 30_000.0
    cost_target: float = 0.12
    margin_ref: float = 0.35
    coverage_weight: float = 0.5
    cost_penalty: float = 2.0
    low_margin: float = 0.10
    low_fill_rate: float = 0.95
    good_coverage: float = 0.85
    mdf_uplift_per_1000: float = 0.03
    churn_intercept: float = 4.5
    churn_margin_coefficient: float = -20.0


# --------------------------------------------------------------------------- the design


def _whole(value: object, field_name: str, maximum: float, minimum: float = 0.0) -> int:
    return int(check_number(value, field_name, maximum=maximum, whole=True, minimum=minimum))


@dataclass(frozen=True)
class ChannelDesign:
    """A channel design; every field is checked (a bad value raises :class:`DecisionError`).

    ``dealers``: dealers per region, a mapping ``{region: n}`` (missing regions: 0) or a
    sequence in :data:`REGIONS` order, each 0-5, at least one in all. ``tiers``: 1 or 2.
    Discounts in % off list price: gold ≥ silver ≥ bronze (at most 45 / 40 / 35).
    ``marketing_budget``: money per year, 0-2,000,000.
    """

    dealers: Any = (3, 3, 2, 0)
    tiers: Any = 2
    gold_discount_pct: Any = 32.0
    silver_discount_pct: Any = 28.0
    bronze_discount_pct: Any = 25.0
    marketing_budget: Any = 0.0
    name: str = ""

    def __post_init__(self) -> None:
        raw = self.dealers
        if isinstance(raw, Mapping):
            unknown = sorted(str(k) for k in raw if k not in REGIONS)
            if unknown:
                raise DecisionError(
                    "validation.unknown_choice",
                    {"field": "dealers", "value": ", ".join(unknown), "allowed": ", ".join(REGIONS)},
                )
            values = [raw.get(region, 0) for region in REGIONS]
        elif isinstance(raw, Sequence) and not isinstance(raw, str) and len(raw) == len(REGIONS):
            values = list(raw)
        else:
            raise DecisionError(
                "validation.unknown_choice",
                {
                    "field": "dealers",
                    "value": str(raw)[:40],
                    "allowed": f"{len(REGIONS)} numbers: {', '.join(REGIONS)}",
                },
            )
        counts = tuple(
            _whole(v, f"dealers in {region}", MAX_DEALERS_PER_REGION) for v, region in zip(values, REGIONS, strict=True)
        )
        if sum(counts) == 0:
            raise DecisionError("planning.error.no_dealer", {})
        object.__setattr__(self, "dealers", counts)
        if self.tiers not in (1, 2, "1", "2") or isinstance(self.tiers, bool):
            raise DecisionError(
                "validation.unknown_choice", {"field": "tiers", "value": str(self.tiers), "allowed": "1, 2"}
            )
        object.__setattr__(self, "tiers", int(self.tiers))
        for tier in ("gold", "silver", "bronze"):
            name = f"{tier}_discount_pct"
            value = check_number(getattr(self, name), f"{tier} discount %", maximum=MAX_DISCOUNT_PCT[tier])
            object.__setattr__(self, name, float(value))
        if not self.gold_discount_pct >= self.silver_discount_pct >= self.bronze_discount_pct:
            raise DecisionError(
                "planning.error.ladder_order",
                {
                    "gold": self.gold_discount_pct,
                    "silver": self.silver_discount_pct,
                    "bronze": self.bronze_discount_pct,
                },
            )
        budget = check_number(self.marketing_budget, "marketing budget", maximum=MAX_BUDGET)
        object.__setattr__(self, "marketing_budget", float(budget))
        object.__setattr__(self, "name", str(self.name or "").strip()[:24])

    def dealers_in(self, region: str) -> int:
        """Dealers of ``region``."""
        return self.dealers[REGIONS.index(region)]

    @property
    def dealer_count(self) -> int:
        """Dealers in all regions."""
        return sum(self.dealers)

    def discount(self, tier: str) -> float:
        """The discount of ``tier`` as a fraction."""
        return getattr(self, f"{tier}_discount_pct") / 100.0

    def towns(self) -> list[Town]:
        """The towns that get a dealer: the largest ``n`` of each region."""
        return [t for t in TOWNS if t.rank <= self.dealers_in(t.region)]

    def parameters(self) -> dict[str, Any]:
        """The design as flat columns (for the comparison table and the CSV)."""
        out: dict[str, Any] = {"design": self.name, "tiers": self.tiers}
        out.update({f"dealers_{region}": n for region, n in zip(REGIONS, self.dealers, strict=True)})
        out.update(
            gold_discount_pct=self.gold_discount_pct,
            silver_discount_pct=self.silver_discount_pct,
            bronze_discount_pct=self.bronze_discount_pct,
            marketing_budget=self.marketing_budget,
        )
        return out


def dealer_tier(town: Town) -> str:
    """The dealer of a region's largest town is gold, of the second silver, the others bronze."""
    return "gold" if town.rank == 1 else "silver" if town.rank == 2 else "bronze"


# --------------------------------------------------------------------------- design → scenario


def _order_up_to(mean_per_day: float, cover_days: float, dispersion: float = 1.0) -> float:
    """Mean over ``cover_days`` plus 1.65 standard deviations, rounded up."""
    mean = mean_per_day * cover_days
    return float(math.ceil(mean + SERVICE_Z * math.sqrt(mean * dispersion)))


def _distribution(mean: float, dispersion: float) -> dict[str, Any]:
    if dispersion > 1.0:
        return {"type": "negative_binomial", "mean": mean, "variance": round(mean * dispersion, 6)}
    return {"type": "poisson", "mean": mean}


def _dealer_node(town: Town, supplier: str, lead: int, shipping: float, lift: float) -> dict[str, Any]:
    items = []
    for sku, _, _, _, _, dispersion in SKUS:
        level = _order_up_to(town.mean_demand(sku) * (1 + lift), lead + 1, dispersion)
        items.append(
            {"sku": sku, "policy": {"type": "base_stock", "order_up_to": level}, "initial": {"on_hand": level}}
        )
    return {
        "name": f"dealer_{town.name}", "kind": "dealer", "region": town.region,
        "display_name": f"Dealer {town.name}",
        "lanes": [{"supplier": supplier, "lead_time_days": lead, "shipping_cost_per_unit": shipping}],
        "items": items, "holding_cost_per_unit_day": 0.8, "backorder_cost_per_unit_day": 4.0,
        "ordering_cost_per_order": 5.0,
    }  # fmt: skip


def _stocking_node(name: str, kind: str, region: str | None, lane: dict, means: dict[str, float], lead: int,
                   holding: float, backorder: float, ordering: float) -> dict[str, Any]:  # fmt: skip
    items = []
    for sku, *_ in SKUS:
        mean = means[sku]
        reorder = _order_up_to(mean, lead + 1) + math.ceil(mean)
        top = reorder + math.ceil(5 * mean)
        policy = {"type": "s_S", "reorder_point": reorder, "order_up_to": top}
        items.append({"sku": sku, "policy": policy, "initial": {"on_hand": top}})
    node = {
        "name": name, "kind": kind, "lanes": [lane], "items": items, "allocation": "priority",
        "holding_cost_per_unit_day": holding, "backorder_cost_per_unit_day": backorder,
        "ordering_cost_per_order": ordering,
    }  # fmt: skip
    if region is not None:
        node["region"] = region
    return node


def _support_events(partners: Sequence[str], cost_per_year: float, label: str) -> list[dict[str, Any]]:
    if not partners or cost_per_year <= 0:
        return []
    return [
        {"day": day, "partners": list(partners), "seats": len(partners), "cost_per_seat": cost_per_year / 4,
         "uplift": 0.0, "name": f"{label} support, quarter {q}"}
        for q, day in enumerate(QUARTER_DAYS, start=1)
    ]  # fmt: skip


def build_scenario(design: ChannelDesign, setup: PlanningSetup | None = None) -> sc.Scenario:
    """The design as a validated chansim scenario with the business layer (see the module docstring)."""
    setup = setup or PlanningSetup()
    towns = design.towns()
    ladder = {tier: design.discount(tier) for tier in ("gold", "silver", "bronze")}
    vendor_discount = VENDOR_DISCOUNT
    distributor_discount = min(0.95, vendor_discount + ladder["gold"] - ladder["bronze"])
    list_price = {name: price for name, _, _, price, _, _ in SKUS}
    nodes: list[dict[str, Any]] = []
    tiers_by_node: dict[str, str] = {}
    targets: dict[str, float] = {}
    plans: list[dict[str, Any]] = []
    distributors: list[str] = []
    # stock is planned for the marketing uplift: 80 % of the peak uplift of each town's quarterly fund
    weight = sum(t.size for t in towns)
    lift = {
        t.name: 0.8 * min(0.5, setup.mdf_uplift_per_1000 * design.marketing_budget / 4 * t.size / weight / 1000)
        for t in towns
    }
    total = {sku: sum(t.mean_demand(sku) * (1 + lift[t.name]) for t in towns) for sku, *_ in SKUS}
    vendor_lead = 7
    vendor = _stocking_node(
        "vendor", "vendor", None, {"supplier": None, "lead_time_days": vendor_lead,
                                   "capacity_units_per_day": 250.0}, total, vendor_lead, 0.3, 1.5, 0.0,
    )  # fmt: skip
    vendor["display_name"] = "Harbor Home Appliances"
    vendor["price_discount"] = VENDOR_DISCOUNT
    nodes.append(vendor)
    dealers: list[str] = []
    for region in REGIONS:
        in_region = [t for t in towns if t.region == region]
        if not in_region:
            continue
        _, dist_lead, dist_shipping, direct_lead, direct_shipping = REGION_LOGISTICS[region]
        if design.tiers == 2:
            name = f"dist_{region}"
            means = {sku: sum(t.mean_demand(sku) * (1 + lift[t.name]) for t in in_region) for sku, *_ in SKUS}
            lane = {"supplier": "vendor", "lead_time_days": dist_lead, "shipping_cost_per_unit": dist_shipping}
            nodes.append(_stocking_node(name, "distributor", region, lane, means, dist_lead, 0.4, 2.0, 40.0))
            tiers_by_node[name] = "gold"
            distributors.append(name)
            monthly = 30 * sum(means[sku] * list_price[sku] * (1 - distributor_discount) for sku in means)
            plans.append({
                "name": f"volume_rebate_{region}", "description": "Monthly retroactive rebate on purchases",
                "period_days": 30, "applies_to": {"nodes": [name]},
                "scheme": {"type": "volume_rebate", "mode": "retroactive", "measure": "purchases",
                           "tiers": [[round(0.9 * monthly, -2), 1.0], [round(monthly, -2), 2.0],
                                     [round(1.1 * monthly, -2), 3.0]]},
            })  # fmt: skip
        for town in in_region:
            if design.tiers == 2:
                node = _dealer_node(town, f"dist_{region}", DEALER_LEAD_DAYS, DEALER_SHIPPING, lift[town.name])
            else:
                node = _dealer_node(town, "vendor", direct_lead, direct_shipping, lift[town.name])
            nodes.append(node)
            tier = dealer_tier(town)
            tiers_by_node[node["name"]] = tier
            dealers.append(node["name"])
            monthly = 30 * (1 + lift[town.name]) * sum(town.mean_demand(sku) * list_price[sku] for sku in list_price)
            targets[node["name"]] = round(1.05 * monthly, -2)
    plans.append({
        "name": "dealer_target_commission", "description": "Monthly commission on target attainment",
        "period_days": 30, "applies_to": {"kinds": ["dealer"]},
        "scheme": {"type": "target_commission", "on_target_earnings_pct": 3.0, "measure": "sell_out",
                   "curve": [[50, 0], [100, 100], [150, 180]], "floor_attainment_pct": 50,
                   "cap_payout_pct": 180, "beyond_last_point": "flat"},
    })  # fmt: skip
    if distributors:
        plans.append({
            "name": "distributor_override", "description": "1 % of the dealers' sell-out",
            "period_days": 30, "applies_to": {"kinds": ["distributor"]},
            "scheme": {"type": "override", "rate_pct": 1.0, "measure": "sell_out"},
        })  # fmt: skip
    markets = []
    for town in towns:
        demand = [
            {"sku": sku, "distribution": _distribution(round(town.mean_demand(sku), 6), dispersion)}
            for sku, _, _, _, _, dispersion in SKUS
        ]
        markets.append({"name": f"market_{town.name}", "served_by": f"dealer_{town.name}", "region": town.region,
                        "demand": demand})  # fmt: skip
    direct = design.tiers == 1
    dealer_support = setup.support_direct_dealer if direct else setup.support_indirect_dealer
    training = _support_events(dealers, dealer_support, "dealer")
    training += _support_events(distributors, setup.support_distributor, "distributor")
    mdf_requests = []
    if design.marketing_budget > 0:
        for day in QUARTER_DAYS:
            for town in towns:
                amount = round(design.marketing_budget / 4 * town.size / weight, 2)
                if amount > 0:
                    mdf_requests.append({"day": day, "partner": f"dealer_{town.name}", "amount": amount})
    business = {
        "partners": {
            "tiers": {
                "tiers": [
                    {"name": "gold", "discount": ladder["gold"], "allocation_priority": 0,
                     "promotion_threshold": 85, "demotion_threshold": 75},
                    {"name": "silver", "discount": ladder["silver"], "allocation_priority": 1,
                     "promotion_threshold": 65, "demotion_threshold": 55},
                    {"name": "bronze", "discount": ladder["bronze"], "allocation_priority": 2},
                ],
                "initial_tier": "bronze", "review_period_days": 365,
            },
            "training": {"events": training, "uplift": 0.0},
            "churn": {"customers_on_exit": "lost", "intercept": setup.churn_intercept,
                      "margin_coefficient": setup.churn_margin_coefficient},
            "mdf": {"budget_per_period": design.marketing_budget / 4, "period_days": 90,
                    "uplift_per_1000": setup.mdf_uplift_per_1000},
        },
        "tiers_by_node": tiers_by_node,
        "incentives": {"plans": plans, "targets": {"period_days": 30, "by_node": targets,
                                                   "growth_per_period_pct": 1.0}},
        "mdf_requests": mdf_requests,
    }  # fmt: skip
    data = {
        "name": "planning-design",
        "description": "A channel design of the planning exercise (chansim.exercises.planning).",
        "horizon_days": HORIZON_DAYS, "warmup_days": WARMUP_DAYS,
        "regions": [{"name": r, "display_name": r.title()} for r in REGIONS],
        "skus": [{"name": n, "display_name": d, "unit_cost": c, "list_price": p} for n, d, c, p, _, _ in SKUS],
        "nodes": nodes, "markets": markets, "business": business,
    }  # fmt: skip
    return sc.Scenario.model_validate(data)


# --------------------------------------------------------------------------- outcome


#: The planning KPIs of one design, in display order.
PLANNING_KPIS = (
    "coverage", "market_coverage", "regions_covered", "fill_rate", "channel_cost_ratio", "vendor_margin",
    "vendor_margin_pct", "end_revenue", "vendor_revenue", "channel_cost", "support_cost", "vendor_freight",
    "mdf_claimed", "rebates", "commissions", "dealers_lost", "distributors_lost", "dealers", "distributors",
)  # fmt: skip
#: Columns of :meth:`ChannelPlanning.comparison` (and the CSV).
COMPARISON_COLUMNS = [
    "exercise", "seed", "design", "tiers", *(f"dealers_{r}" for r in REGIONS), "gold_discount_pct",
    "silver_discount_pct", "bronze_discount_pct", "marketing_budget", *PLANNING_KPIS, "score",
]  # fmt: skip


@dataclass(frozen=True)
class DesignOutcome:
    """A simulated design: its KPIs (:data:`PLANNING_KPIS`), per-region and per-dealer tables, score."""

    design: ChannelDesign
    kpis: dict[str, float]
    regions: pd.DataFrame
    dealers: pd.DataFrame
    score: Score
    result: Result = field(repr=False)

    def kpi(self, name: str) -> float:
        """One KPI (NaN when unknown)."""
        return float(self.kpis.get(name, math.nan))


def _sum(frame: pd.DataFrame, node: str | None, *accounts: str) -> float:
    rows = frame[frame["account"].isin(accounts)]
    if node is not None:
        rows = rows[rows["node"] == node]
    return float(rows["amount"].sum())


def measure(
    design: ChannelDesign, result: Result, setup: PlanningSetup | None = None
) -> tuple[dict, pd.DataFrame, pd.DataFrame]:
    """The planning KPIs, the per-region table and the per-dealer table of a simulated design."""
    setup = setup or PlanningSetup()
    warm = WARMUP_DAYS
    end = float(result.info.days)
    window = end - warm
    # the inventory KPIs needed here, by the formulas of docs/kpis.md (business_kpis already
    # computes the full inventory table once; a second kpis() call would double the page's wait)
    orders = result.orders
    orders = orders[(orders["placed_day"] >= warm) & (orders["kind"] == "customer")]
    business = result.business_kpis().set_index("node")
    money = result.money
    money = money[money["day"] >= warm].astype({"account": str, "node": str})
    partners = result.business["partners"].set_index("partner")
    # market coverage, time-weighted by the days each town had a live dealer
    live: dict[str, float] = {}
    for town in design.towns():
        exit_day = partners["exit_day"].get(f"dealer_{town.name}", math.nan)
        last = end if exit_day is None or pd.isna(exit_day) else min(end, max(float(exit_day), warm))
        live[town.name] = (last - warm) / window
    potential = sum(t.potential for t in TOWNS)
    market_coverage = sum(t.potential * live.get(t.name, 0.0) for t in TOWNS) / potential
    fill_rate = fill_rates(orders)[0]
    lost = [name for name in partners.index if str(partners.loc[name, "status"]) in ("churned", "insolvent")]
    # vendor margin
    vendor_revenue = _sum(money, "vendor", "revenue")
    vendor_cogs = _sum(money, "vendor", "cost_of_goods")
    vendor_ops = _sum(money, "vendor", *COST_ACCOUNTS)
    # rebates and commissions of the settlement periods in the window (the business KPIs)
    incentives = float(business.loc["network", "rebates"]) + float(business.loc["network", "commissions"])
    lifecycle = result.business.get("partner_money")
    if lifecycle is not None and len(lifecycle):
        lifecycle = lifecycle[lifecycle["day"] >= warm].astype({"account": str})
        support = float(lifecycle.loc[lifecycle["account"] == "training_cost", "amount"].sum())
        mdf = float(lifecycle.loc[lifecycle["account"] == "mdf_claimed", "amount"].sum())
    else:
        support = mdf = 0.0
    # the vendor sells delivered: it pays the freight on the lanes out of it
    customers = [n.name for n in result.scenario.nodes if any(lane.supplier == "vendor" for lane in n.lanes)]
    freight = float(money[(money["account"] == "shipping_cost") & money["node"].isin(customers)]["amount"].sum())
    vendor_margin = vendor_revenue - vendor_cogs - vendor_ops - freight - incentives - mdf - support
    dealer_revenue = money[money["account"] == "revenue"].groupby("node")["amount"].sum()
    end_revenue = float(sum(dealer_revenue.get(f"dealer_{t.name}", 0.0) for t in design.towns()))
    ccr = float(business.loc["network", "channel_cost_ratio"])
    kpis = {
        "coverage": market_coverage * fill_rate if not math.isnan(fill_rate) else 0.0,
        "market_coverage": market_coverage,
        "regions_covered": float(
            sum(
                1
                for r in REGIONS
                if any(
                    live.get(t.name, 0.0) > 0 and (t.region == r) and f"dealer_{t.name}" not in lost
                    for t in design.towns()
                )
            )
        ),  # fmt: skip
        "fill_rate": fill_rate,
        "channel_cost_ratio": ccr,
        "vendor_margin": vendor_margin,
        "vendor_margin_pct": vendor_margin / vendor_revenue if vendor_revenue else math.nan,
        "end_revenue": end_revenue,
        "vendor_revenue": vendor_revenue,
        "channel_cost": ccr * end_revenue if end_revenue else math.nan,
        "support_cost": support,
        "vendor_freight": freight,
        "mdf_claimed": mdf,
        "rebates": float(business.loc["network", "rebates"]),
        "commissions": float(business.loc["network", "commissions"]),
        "dealers_lost": float(sum(1 for n in lost if n.startswith("dealer_"))),
        "distributors_lost": float(sum(1 for n in lost if n.startswith("dist_"))),
        "dealers": float(design.dealer_count),
        "distributors": float(sum(1 for r in REGIONS if design.dealers_in(r)) if design.tiers == 2 else 0),
    }
    region_rows = []
    for region in REGIONS:
        towns = [t for t in TOWNS if t.region == region]
        pot = sum(t.potential for t in towns)
        region_rows.append({
            "region": region, "dealers": design.dealers_in(region),
            "potential_units_per_day": pot,
            "market_coverage": sum(t.potential * live.get(t.name, 0.0) for t in towns) / pot,
            "dealers_lost": sum(1 for t in towns if f"dealer_{t.name}" in lost),
        })  # fmt: skip
    dealer_rows = []
    for town in design.towns():
        node = f"dealer_{town.name}"
        dealer_rows.append({
            "dealer": node, "town": town.name, "region": town.region, "tier": dealer_tier(town),
            "size": town.size, "revenue": float(dealer_revenue.get(node, 0.0)),
            "fill_rate": fill_rates(orders[orders["supplier"] == node])[0],
            "channel_cost_ratio": float(business.loc[node, "channel_cost_ratio"]),
            "lost": node in lost,
        })  # fmt: skip
    return kpis, pd.DataFrame(region_rows), pd.DataFrame(dealer_rows)


# --------------------------------------------------------------------------- the controller

PLANNING_SCORE_FORMULA = (
    "100 × (w × coverage + (1 − w) × min(1, margin / margin_ref)) − p × 100 × max(0, cost_ratio − target)"
)


#: The fields of a design decision (:class:`ChannelDesign`'s).
DESIGN_FIELDS = (
    "dealers", "tiers", "gold_discount_pct", "silver_discount_pct", "bronze_discount_pct", "marketing_budget", "name",
)  # fmt: skip


class PlanningDecision(BaseModel):
    """One round's decision of the planning exercise: a design to simulate (the fields of :class:`ChannelDesign`)."""

    model_config = ConfigDict(extra="forbid")

    dealers: list[int] = Field(
        [3, 3, 2, 0], min_length=4, max_length=4, description="Dealers per region (north, south, east, west), 0-5 each."
    )
    tiers: int = Field(2, ge=1, le=2, description="2: distributors between vendor and dealers; 1: direct.")
    gold_discount_pct: float = Field(32.0, ge=0, le=45, description="Gold dealers' discount, % off list.")
    silver_discount_pct: float = Field(28.0, ge=0, le=40, description="Silver dealers' discount, % off list.")
    bronze_discount_pct: float = Field(25.0, ge=0, le=30, description="Bronze dealers' discount, % off list.")
    marketing_budget: float = Field(0.0, ge=0, le=MAX_BUDGET, description="Marketing (MDF) money per year.")
    name: str = Field("", max_length=24, description="The design's name (none: the next free letter A, B, C).")


class ChannelPlanning(Exercise):
    """Simulate channel designs and compare up to :data:`MAX_DESIGNS` of them.

    ``add(design)`` simulates a year of the design (seeded) and keeps it; a fourth design
    is refused (``planning.error.too_many_designs``) until :meth:`clear` or :meth:`remove`.

    Exercise contract name ``planning``: a round is a design added (``rounds`` =
    :data:`MAX_DESIGNS`), its decision the design's fields (:class:`PlanningDecision`); ``undo``
    drops the last design, ``reset`` all; the standard process is the default design.
    """

    exercise = "planning"
    name = "planning"
    Decision = PlanningDecision

    def __init__(self, seed: int = 0, setup: PlanningSetup | Mapping[str, float] | None = None) -> None:
        self.seed = int(check_number(seed, "seed", maximum=2**31 - 1, whole=True))
        if isinstance(setup, Mapping):
            setup = PlanningSetup(**setup)
        self.setup = setup or PlanningSetup()
        self.options: dict[str, Any] = {} if setup is None else {"setup": dataclasses.asdict(self.setup)}
        self._outcomes: list[DesignOutcome] = []

    # ----------------------------------------------------------------- the contract
    @property
    def round(self) -> int:
        """Designs simulated and kept."""
        return len(self._outcomes)

    @property
    def rounds(self) -> int:
        """The most designs compared (:data:`MAX_DESIGNS`)."""
        return MAX_DESIGNS

    def play_round(self, decision: Mapping[str, Any]) -> DesignOutcome:
        """Simulate the design of ``decision`` (the fields of :class:`ChannelDesign`) and add it (:meth:`add`)."""
        if self.full:
            raise DecisionError("planning.error.too_many_designs", {"maximum": MAX_DESIGNS})
        checked = check_keys(decision, DESIGN_FIELDS)
        return self.add(ChannelDesign(**checked))

    def default_decision(self) -> dict[str, Any]:
        """The default design (:class:`ChannelDesign`'s defaults; no name: the next free letter)."""
        return self.decision_of(ChannelDesign())

    @staticmethod
    def decision_of(design: ChannelDesign) -> dict[str, Any]:
        """A design as a decision dict."""
        return {"dealers": list(design.dealers), "tiers": design.tiers, "gold_discount_pct": design.gold_discount_pct,
                "silver_discount_pct": design.silver_discount_pct, "bronze_discount_pct": design.bronze_discount_pct,
                "marketing_budget": design.marketing_budget, "name": design.name}  # fmt: skip

    def played_decisions(self) -> list[dict[str, Any]]:
        """The designs kept, in the order added (with the names they were given)."""
        return [self.decision_of(o.design) for o in self._outcomes]

    def undo(self) -> DesignOutcome:
        """Drop the design added last; returns it."""
        if not self._outcomes:
            raise DecisionError("control.nothing_to_undo")
        return self._outcomes.pop()

    def reset(self) -> None:
        """Forget every design (:meth:`clear`)."""
        self.clear()

    def state(self) -> dict[str, Any]:
        """The designs compared (JSON-able): where the game is and one row per design (:meth:`comparison`)."""
        return jsonable({"round": self.round, "rounds": self.rounds, "finished": self.finished,
                         "designs": self.comparison()})  # fmt: skip

    def kpis(self) -> pd.DataFrame:
        """One row per design: its name and planning KPIs (:data:`PLANNING_KPIS`)."""
        return self.comparison()[["design", *PLANNING_KPIS]]

    def score(self) -> Score:
        """The score of the best design (:meth:`score_of`); NaN before the first."""
        best = self.best
        if best is None:
            return Score(math.nan, "planning.score.formula", PLANNING_SCORE_FORMULA)
        return best.score

    def advice(self, lang: str = DEFAULT_LANGUAGE) -> list[Advice]:
        """Advice on the design added last (:meth:`advise`); none before the first."""
        latest = self.latest
        return [] if latest is None else self.advise(latest, lang)

    def report(self) -> pd.DataFrame:
        """The comparison table (the CSV download, :meth:`comparison`)."""
        return self.comparison()

    @property
    def outcomes(self) -> tuple[DesignOutcome, ...]:
        """The designs compared, in the order added."""
        return tuple(self._outcomes)

    @property
    def full(self) -> bool:
        """True when no more design can be added."""
        return len(self._outcomes) >= MAX_DESIGNS

    def design(self, **fields: Any) -> ChannelDesign:
        """A checked :class:`ChannelDesign` (raises :class:`DecisionError` for a bad field)."""
        return ChannelDesign(**fields)

    def simulate(self, design: ChannelDesign) -> DesignOutcome:
        """Simulate a year of ``design`` with the real engine (the planning's seed); nothing is kept."""
        if not isinstance(design, ChannelDesign):
            raise TypeError(f"expected a ChannelDesign, got {type(design).__name__}")
        result = run(build_scenario(design, self.setup), seed=self.seed)
        kpis, regions, dealers = measure(design, result, self.setup)
        return DesignOutcome(design, kpis, regions, dealers, self.score_of(kpis), result)

    def add(self, design: ChannelDesign) -> DesignOutcome:
        """Simulate ``design`` and add it to the comparison (named A, B, C when it has no name)."""
        if self.full:
            raise DecisionError("planning.error.too_many_designs", {"maximum": MAX_DESIGNS})
        taken = {o.design.name for o in self._outcomes}
        if not design.name or design.name in taken:
            name = next(letter for letter in "ABCDEFGH" if letter not in taken)
            design = ChannelDesign(**{**design.__dict__, "name": name})
        outcome = self.simulate(design)
        self._outcomes.append(outcome)
        return outcome

    def remove(self, name: str) -> None:
        """Drop the design called ``name``."""
        names = [o.design.name for o in self._outcomes]
        if name not in names:
            raise DecisionError("validation.unknown_choice", {"field": "design", "value": name,
                                                              "allowed": ", ".join(names) or "-"})  # fmt: skip
        self._outcomes = [o for o in self._outcomes if o.design.name != name]

    def clear(self) -> None:
        """Forget every design."""
        self._outcomes = []

    @property
    def latest(self) -> DesignOutcome | None:
        """The design added last."""
        return self._outcomes[-1] if self._outcomes else None

    @property
    def best(self) -> DesignOutcome | None:
        """The design with the highest score (the first one on a tie)."""
        return max(self._outcomes, key=lambda o: o.score.value, default=None)

    # ----------------------------------------------------------------- score

    def score_of(self, kpis: Mapping[str, float]) -> Score:
        """The score of a design's KPIs (formula in the module docstring)."""
        s = self.setup
        coverage = float(kpis["coverage"])
        margin = float(kpis["vendor_margin_pct"])
        cost = float(kpis["channel_cost_ratio"])
        margin_part = min(1.0, max(0.0, margin) / s.margin_ref) if math.isfinite(margin) else 0.0
        coverage_points = 100 * s.coverage_weight * coverage
        margin_points = 100 * (1 - s.coverage_weight) * margin_part
        over = max(0.0, cost - s.cost_target) if math.isfinite(cost) else 0.0
        penalty_points = s.cost_penalty * 100 * over
        value = min(100.0, max(0.0, coverage_points + margin_points - penalty_points))
        return Score(
            value=value,
            formula_key="planning.score.formula",
            formula=PLANNING_SCORE_FORMULA,
            params={
                "w": s.coverage_weight,
                "coverage": coverage,
                "margin_ref": s.margin_ref,
                "margin": margin,
                "p": s.cost_penalty,
                "cost_ratio": cost,
                "target": s.cost_target,
            },  # fmt: skip
            components={
                "coverage_points": coverage_points,
                "margin_points": margin_points,
                "penalty_points": penalty_points,
            },  # fmt: skip
        )

    def score_lines(self, outcome: DesignOutcome, lang: str = DEFAULT_LANGUAGE,
                    catalogue: Catalogue | None = None) -> tuple[float, str, list[str]]:  # fmt: skip
        """``(score, formula, lines)`` for the score panel, in ``lang``."""
        t = catalogue or CATALOGUE
        s, score = self.setup, outcome.score
        formula = t.get(
            "planning.score.formula", lang, w=s.coverage_weight, w2=1 - s.coverage_weight, margin_ref=s.margin_ref,
            p=s.cost_penalty, target=s.cost_target,
        )  # fmt: skip
        c = score.components
        lines = [
            t.get("planning.score.design", lang, design=outcome.design.name),
            t.get("planning.score.coverage_term", lang, coverage=outcome.kpi("coverage"), w=s.coverage_weight,
                  points=c["coverage_points"]),
            t.get("planning.score.margin_term", lang, margin=_finite(outcome.kpi("vendor_margin_pct")),
                  margin_ref=s.margin_ref, points=c["margin_points"]),
            t.get("planning.score.cost_term", lang, cost_ratio=_finite(outcome.kpi("channel_cost_ratio")),
                  target=s.cost_target, points=c["penalty_points"]),
        ]  # fmt: skip
        return score.value, formula, lines

    # ----------------------------------------------------------------- feedback

    def advise(self, outcome: DesignOutcome, lang: str = DEFAULT_LANGUAGE,
               catalogue: Catalogue | None = None) -> list[Advice]:  # fmt: skip
        """Advice on one design, most severe first (rules in the module docstring)."""
        t = catalogue or CATALOGUE
        s = self.setup
        k = outcome.kpi
        found: list[tuple[str, str, dict[str, Any]]] = []
        empty = [r for r in REGIONS if outcome.design.dealers_in(r) == 0]
        if empty:
            separator = "、" if lang.startswith("zh") else ", "  # the list punctuation of the language
            names = separator.join(t.get(f"planning.region.{r}", lang) for r in empty)
            missed = sum(t_.potential for t_ in TOWNS if t_.region in empty) / sum(t_.potential for t_ in TOWNS)
            evidence = {"coverage": k("coverage"), "count": len(empty), "regions": names, "missed": missed}
            found.append(("planning.advice.empty_regions", "critical" if len(empty) >= 2 else "warning", evidence))
        cost = k("channel_cost_ratio")
        if math.isfinite(cost) and cost > s.cost_target:
            severity = "critical" if cost > s.cost_target * 1.5 else "warning"
            found.append(("planning.advice.cost_over_budget", severity, {"cost_ratio": cost, "target": s.cost_target}))
        costly = outcome.dealers[outcome.dealers["channel_cost_ratio"] > s.cost_target * 1.5]
        if len(costly):
            worst = costly.sort_values("channel_cost_ratio", ascending=False).iloc[0]
            found.append(("planning.advice.costly_dealers", "warning", {
                "count": len(costly), "dealer": _town_label(t, lang, str(worst["town"])),
                "cost_ratio": float(worst["channel_cost_ratio"]), "limit": s.cost_target * 1.5,
            }))  # fmt: skip
        if k("dealers_lost") >= 1:
            found.append(("planning.advice.dealers_lost", "warning" if k("dealers_lost") < 3 else "critical", {
                "count": int(k("dealers_lost")), "bronze": outcome.design.bronze_discount_pct / 100,
            }))  # fmt: skip
        if k("distributors_lost") >= 1:
            design = outcome.design
            squeeze = (VENDOR_DISCOUNT - design.discount("bronze")) / (1 - design.discount("gold"))
            found.append(("planning.advice.distributors_lost", "warning", {
                "count": int(k("distributors_lost")), "margin": squeeze,
            }))  # fmt: skip
        margin = k("vendor_margin_pct")
        if math.isfinite(margin) and margin < s.low_margin:
            key = "planning.advice.thin_margin_two_tier" if outcome.design.tiers == 2 else "planning.advice.thin_margin"
            found.append((key, "critical" if margin < 0 else "warning", {"margin": margin}))
        fill = k("fill_rate")
        if math.isfinite(fill) and fill < s.low_fill_rate:
            key = "planning.advice.low_fill_direct" if outcome.design.tiers == 1 else "planning.advice.low_fill"
            found.append((key, "warning", {"fill_rate": fill}))
        if not any(sev in ("warning", "critical") for _, sev, _ in found) and k("coverage") >= s.good_coverage:
            found.append(("planning.advice.balanced", "info", {"coverage": k("coverage"), "cost_ratio": cost,
                                                               "margin": margin}))  # fmt: skip
        elif not found:
            found.append(("planning.advice.more_coverage", "info", {"coverage": k("coverage")}))
        order = {"critical": 0, "warning": 1, "info": 2}
        advice = [Advice(code, sev, t.get(code, lang, **ev), ev) for code, sev, ev in found]
        return sorted(advice, key=lambda a: order[a.severity])

    def debrief(self, lang: str = DEFAULT_LANGUAGE, catalogue: Catalogue | None = None) -> list[str]:
        """What the comparison shows, one line each (empty before the first design)."""
        t = catalogue or CATALOGUE
        if not self._outcomes:
            return []
        best = self.best
        assert best is not None
        lines = [t.get("planning.debrief.best", lang, design=best.design.name, score=best.score.value)]
        if len(self._outcomes) >= 2:
            widest = max(self._outcomes, key=lambda o: o.kpi("coverage"))
            cheapest = min(self._outcomes, key=lambda o: _finite(o.kpi("channel_cost_ratio"), math.inf))
            richest = max(self._outcomes, key=lambda o: _finite(o.kpi("vendor_margin_pct"), -math.inf))
            lines.append(t.get("planning.debrief.widest", lang, design=widest.design.name,
                               coverage=widest.kpi("coverage")))  # fmt: skip
            lines.append(t.get("planning.debrief.cheapest", lang, design=cheapest.design.name,
                               cost_ratio=_finite(cheapest.kpi("channel_cost_ratio"))))  # fmt: skip
            lines.append(t.get("planning.debrief.richest", lang, design=richest.design.name,
                               margin=_finite(richest.kpi("vendor_margin_pct"))))  # fmt: skip
            tiers = {o.design.tiers for o in self._outcomes}
            if tiers == {1, 2}:
                lines.append(t.get("planning.debrief.tiers", lang))
        lines.append(t.get("planning.debrief.trade_off", lang))
        return lines

    # ----------------------------------------------------------------- tables

    def comparison(self) -> pd.DataFrame:
        """One row per design: its parameters, planning KPIs and score (:data:`COMPARISON_COLUMNS`)."""
        rows = []
        for outcome in self._outcomes:
            row: dict[str, Any] = {"exercise": self.exercise, "seed": self.seed, **outcome.design.parameters()}
            row.update({name: outcome.kpi(name) for name in PLANNING_KPIS})
            row["score"] = outcome.score.value
            rows.append(row)
        return pd.DataFrame(rows, columns=COMPARISON_COLUMNS)

    def regions_table(self) -> pd.DataFrame:
        """Per design and region: dealers, potential demand, market coverage, dealers lost (tidy)."""
        frames = [o.regions.assign(design=o.design.name) for o in self._outcomes]
        if not frames:
            return pd.DataFrame(columns=["design", "region", "dealers", "potential_units_per_day",
                                         "market_coverage", "dealers_lost"])  # fmt: skip
        frame = pd.concat(frames, ignore_index=True)
        return frame[["design", *[c for c in frame.columns if c != "design"]]]

    def to_csv(self, path_or_buffer: Any = None) -> str | None:
        """The comparison as CSV (text when no path or buffer is given)."""
        if path_or_buffer is None:
            buffer = io.StringIO()
            self.comparison().to_csv(buffer, index=False)
            return buffer.getvalue()
        self.comparison().to_csv(path_or_buffer, index=False)
        return None


def _finite(value: float, default: float = 0.0) -> float:
    return value if math.isfinite(value) else default


def _town_label(t: Catalogue, lang: str, town: str) -> str:
    region, rank = town.rsplit("_", 1)
    return t.get("planning.town", lang, region=t.get(f"planning.region.{region}", lang), rank=int(rank))
