"""Performance evaluation: review partner scorecards once a year and reshape the channel.

Stage 5 of the channel lifecycle (绩效评估). The channel is the two-tier appliance channel
of ``scenarios/stage-5-evaluation.yaml`` (1 vendor, 2 distributors, 6 dealers, monthly
sell-out targets, commissions, rebates), written here as a scenario document that ships
with the package (:data:`EVALUATION_YAML`). What differs from the stage file, and why:

* **The trainee is the reviewer.** The automatic quarterly tier reviews are switched off
  (``review_period_days: 36500``); tiers change only by the trainee's decisions.
* **Tiers matter.** A tier sets the partner's price list (margin), its priority when its
  supplier is short (``allocation: priority``) and its co-marketing money: every quarter a
  gold partner gets :data:`MDF_BY_TIER` ``gold`` of market development funds, a silver
  one ``silver`` (an MDF request of the engine: approved, claimed and lifting the
  partner's demand, paid by the vendor). Partners judge their margin against 30 %
  (``satisfaction.target_margin``), and unhappy partners churn (``partners.churn``).
* **Partners differ in selling ability.** Each dealer has a hidden capability *c* (0–1,
  :data:`CAPABILITY`); the demand of the territories it serves is the territory's
  potential (the market's demand in the file) times ``1 + 0.5 × (2c − 1)``, written as a
  permanent demand shock named ``partner effectiveness``. One dealer is hopeless; one is
  good but starved of stock by an under-stocked distributor.
* **Replacement.** A replaced dealer leaves; a new dealer (Faker name) takes over its
  territories with the same supplier, lanes and stock policy, starting in the bottom
  tier. It is the applicant of a recruitment round on day 0 of the year (the engine's
  onboarding: 30 days without sales, then a linear ramp over 60 days) and costs
  :data:`RECRUITMENT_COST`. Its capability is drawn from Beta(4, 3) with a stream of its
  own (seed, year, territory), so the same decision in the same game gives the same
  newcomer.
* **Territories.** A territory (an end-customer market) can be moved to another live
  dealer of the same region; that dealer scales its stock policy to the demand it now
  serves, and the territory's monthly target moves with it.

**Years.** Year 1 is simulated with no decisions. At each review (up to :data:`REVIEWS`)
the trainee decides per partner ``keep`` / ``promote`` / ``demote`` / ``replace`` and may
redraw territories, then simulates the next year with the real engine. Each year is one
run of :data:`YEAR_DAYS` days of the year's scenario (structure after the decisions so
far) with the year's own seed (derived from the game's seed and the year, the same on
every line: common random numbers); stock, receivables and satisfaction start afresh
each year, tiers and territories carry over, and a dealer that churned in a year is gone
in the next (its territories go to the successor the engine named). The **benchmark**
is the same game with no decisions ("do nothing"): the same seeds, the churn of its own
years.

**Channel profit** (the vendor's profit from the channel in a year) =
vendor revenue − cost of goods − vendor operating cost − commissions and rebates paid −
MDF claimed − recruitment cost. **Channel attainment** = the dealers' sell-out revenue /
their sell-out targets (the sum over the territories).

**Score** over the years played after the first review::

    score = clip(50 + 400 × (P − P_b) / |P_b| + 100 × (A − A_b), 0, 100)

with P, P_b the channel profit of the trainee and of the benchmark summed over those
years and A, A_b their channel attainment: 50 plays as well as doing nothing, +1 % of
profit is worth 4 points, +1 percentage point of attainment 1 point.

Errors a trainee can cause raise :class:`~chansim.exercises.game.DecisionError` with keys
``evaluation.unknown_partner`` (``value``, ``allowed``), ``evaluation.unknown_action``
(``field``, ``value``, ``allowed``), ``evaluation.top_tier`` / ``evaluation.bottom_tier``
(``partner``, ``tier``), ``evaluation.partner_gone`` (``partner``),
``evaluation.replace_distributor`` (``partner``), ``evaluation.replace_all`` (``region``),
``evaluation.unknown_territory`` (``value``, ``allowed``), ``evaluation.unknown_dealer``
(``value``, ``allowed``), ``evaluation.other_region`` (``territory``, ``dealer``,
``region``), ``evaluation.territory_replaced`` (``dealer``), ``evaluation.empty_dealer``
(``dealer``), ``control.game_over``, ``control.nothing_to_undo``.
"""

from __future__ import annotations

import functools
import math
import threading
import time
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from chansim import scenario as sc
from chansim.exercises.contract import Exercise, jsonable
from chansim.exercises.feedback import Advice
from chansim.exercises.game import DecisionError, Score, check_keys
from chansim.exercises.messages import CATALOGUE, DEFAULT_LANGUAGE, Catalogue
from chansim.io import package_text

if TYPE_CHECKING:
    from chansim.results import Result

__all__ = [
    "ACTIONS",
    "CAPABILITY",
    "EVALUATION_YAML",
    "REVIEWS",
    "SCORECARD_COLUMNS",
    "YEAR_COLUMNS",
    "Evaluation",
    "EvaluationDecision",
    "Structure",
    "YearOutcome",
    "benchmark_year",
    "evaluation_scenario",
    "precompute_benchmark",
]

#: The decisions per partner.
ACTIONS = ("keep", "promote", "demote", "replace")
#: Review rounds of a game (each followed by one simulated year).
REVIEWS = 3
YEAR_DAYS = 360
TIERS = ("gold", "silver", "bronze")
#: Quarterly co-marketing money by tier (MDF requests on days 0, 90, 180, 270).
MDF_BY_TIER = {"gold": 6000.0, "silver": 2500.0, "bronze": 0.0}
RECRUITMENT_COST = 15000.0
CAPABILITY_EFFECT = 0.5
#: Hidden selling ability of the dealers of the file (0-1; 0.5 is average).
CAPABILITY = {
    "dealer_n1": 0.70,
    "dealer_n2": 0.12,
    "dealer_n3": 0.55,
    "dealer_s1": 0.50,
    "dealer_s2": 0.55,
    "dealer_s3": 0.50,
}
#: Each town of the file is split in two territories with these shares of its demand.
TERRITORY_PARTS = (("centre", 0.5), ("outskirts", 0.5))
#: Monthly sell-out target of each town (each territory has its share; a dealer's target is the sum).
TOWN_TARGET = {
    "market_n1": 230000.0,
    "market_n2": 175000.0,
    "market_n3": 60000.0,
    "market_s1": 265000.0,
    "market_s2": 150000.0,
    "market_s3": 75000.0,
}
TERRITORY_TARGET = {f"{town}_{suffix}": target * part for town, target in TOWN_TARGET.items()
                    for suffix, part in TERRITORY_PARTS}  # fmt: skip
DISTRIBUTOR_TARGET = {"dist_north": 330000.0, "dist_south": 360000.0}
#: Score: points per relative change of channel profit and per unit of attainment.
PROFIT_POINTS = 400.0
ATTAINMENT_POINTS = 100.0
SCORE_FORMULA = "score = clip(50 + 400 × (P − P_b) / |P_b| + 100 × (A − A_b), 0, 100)"

#: Columns of :meth:`Evaluation.scorecard`.
SCORECARD_COLUMNS = [
    "year", "line", "partner", "display_name", "kind", "region", "tier", "status", "territories", "capability_hidden",
    "sell_out", "target", "attainment", "fill_rate", "supply_fill_rate", "lost_sales", "margin", "incentives",
    "mdf", "satisfaction", "score", "newcomer",
]  # fmt: skip
#: Columns of :meth:`Evaluation.years_table`.
YEAR_COLUMNS = [
    "year", "line", "channel_profit", "channel_gross_margin", "incentives", "mdf", "recruitment", "operating_cost",
    "sell_out", "target", "attainment", "fill_rate", "lost_sales", "churned", "replaced",
]  # fmt: skip

# fmt: skip


#: The channel, a variant of scenarios/stage-5-evaluation.yaml (see the module docstring): the package data file
#: ``chansim/data/exercises/evaluation.yaml``.
EVALUATION_YAML = package_text("exercises/evaluation.yaml")


@functools.cache
def evaluation_scenario() -> sc.Scenario:
    """The base scenario of the exercise (:data:`EVALUATION_YAML`), validated, each town split in two territories.

    Every market of the file becomes a centre and an outskirts territory with half its
    demand each (:data:`TERRITORY_PARTS`), so a dealer can hand one of them over.
    """
    from chansim.io import read_yaml

    data = read_yaml(EVALUATION_YAML, "chansim/data/exercises/evaluation.yaml")
    markets = []
    for market in data["markets"]:
        for suffix, part in TERRITORY_PARTS:
            demand = []
            for stream in market["demand"]:
                dist = dict(stream["distribution"])
                dist["mean"] = dist["mean"] * part
                if "variance" in dist:
                    dist["variance"] = dist["variance"] * part
                demand.append({**stream, "distribution": dist})
            markets.append({**market, "name": f"{market['name']}_{suffix}",
                            "display_name": f"{market['display_name']} {suffix}", "demand": demand})  # fmt: skip
    data["markets"] = markets
    return sc.Scenario.model_validate(data)


def effectiveness(capability: float) -> float:
    """The demand multiplier of a dealer of hidden ``capability``: ``1 + 0.5 × (2c − 1)``."""
    return 1.0 + CAPABILITY_EFFECT * (2.0 * capability - 1.0)


def year_seed(seed: int, year: int) -> int:
    """The engine seed of ``year`` in the game of ``seed`` (the same on every line: common random numbers)."""
    return int(np.random.SeedSequence([int(seed), int(year)]).generate_state(1)[0])


# --------------------------------------------------------------------------- structure of the channel


@dataclass(frozen=True)
class Dealer:
    """A dealer of the channel: ``template`` is the node of the file whose lanes and policy it uses."""

    name: str
    display_name: str
    region: str
    template: str
    capability: float
    joined_year: int = 1


@dataclass(frozen=True)
class Structure:
    """The channel at the start of a year: tiers, dealers, who serves which territory, newcomers."""

    tiers: Mapping[str, str]
    dealers: Mapping[str, Dealer]
    serving: Mapping[str, str]
    newcomers: tuple[str, ...] = ()
    replaced: Mapping[str, str] = field(default_factory=dict)  # old dealer -> newcomer

    def territories(self, dealer: str) -> list[str]:
        """The territories ``dealer`` serves, by name."""
        return sorted(m for m, d in self.serving.items() if d == dealer)


def initial_structure() -> Structure:
    """The channel of the file: its tiers, its six dealers and their own territories."""
    base = evaluation_scenario()
    assert base.business is not None
    ladder = base.business.partners.tiers
    tiers = {
        n.name: base.business.tiers_by_node.get(n.name, ladder.initial_tier or TIERS[-1])
        for n in base.nodes
        if n.kind != "vendor"
    }
    dealers = {
        n.name: Dealer(n.name, n.display_name or n.name, n.region or "", n.name, CAPABILITY[n.name])
        for n in base.nodes
        if n.kind == "dealer"
    }
    return Structure(tiers=tiers, dealers=dealers, serving={m.name: m.served_by for m in base.markets})


@dataclass(frozen=True)
class Review:
    """The decisions of one review: ``actions`` per partner, territory ``moves``, the ``newcomers`` hired."""

    year: int
    actions: tuple[tuple[str, str], ...]
    moves: tuple[tuple[str, str], ...]
    newcomers: tuple[Dealer, ...]


def _scale_policy(policy: dict[str, Any], factor: float) -> dict[str, Any]:
    policy = dict(policy)
    for key in ("order_up_to", "reorder_point"):
        if key in policy and policy[key] is not None:
            policy[key] = max(1.0, math.ceil(policy[key] * factor))
    return policy


def year_scenario(structure: Structure, year: int) -> sc.Scenario:
    """The scenario of one year for ``structure`` (see the module docstring)."""
    base = evaluation_scenario()
    data = base.model_dump(exclude_none=False)
    nodes = {n["name"]: n for n in data["nodes"]}
    markets = {m["name"]: m for m in data["markets"]}
    potential = {m.name: sum(d.distribution.mean for d in m.demand) for m in base.markets}
    home: dict[str, float] = {}
    for market in base.markets:
        home[market.served_by] = home.get(market.served_by, 0.0) + potential[market.name]
    new_nodes = [n for n in data["nodes"] if n["kind"] != "dealer"]
    for dealer in sorted(structure.dealers.values(), key=lambda d: d.name):
        node = dict(nodes[dealer.template])
        node["name"], node["display_name"] = dealer.name, dealer.display_name
        served = sum(potential[m] for m in structure.territories(dealer.name))
        factor = served / home[dealer.template]
        if abs(factor - 1.0) > 1e-9:
            node["policy"] = _scale_policy(node["policy"], factor)
            node["items"] = [
                {**item, "policy": _scale_policy(item["policy"], factor) if item["policy"] else None,
                 "initial": {**item["initial"], "on_hand": math.ceil(item["initial"]["on_hand"] * factor)}
                 if item.get("initial") else None}
                for item in node["items"]
            ]  # fmt: skip
            if node.get("initial"):
                node["initial"] = {**node["initial"], "on_hand": math.ceil(node["initial"]["on_hand"] * factor)}
        new_nodes.append(node)
    data["nodes"] = new_nodes
    for name, market in markets.items():
        dealer = structure.dealers[structure.serving[name]]
        market["served_by"] = dealer.name
        multiplier = round(effectiveness(dealer.capability), 6)
        for stream in market["demand"]:
            stream["shocks"] = [{"start_day": 0, "end_day": None, "multiplier": multiplier,
                                 "name": "partner effectiveness"}]  # fmt: skip
    business = data["business"]
    business["tiers_by_node"] = {
        n: t for n, t in sorted(structure.tiers.items()) if n in nodes or n in structure.dealers
    }
    targets = dict(DISTRIBUTOR_TARGET)
    for dealer in structure.dealers:
        targets[dealer] = sum(TERRITORY_TARGET[m] for m in structure.territories(dealer))
    business["incentives"]["targets"]["by_node"] = targets
    if structure.newcomers:
        business["recruitment_round"] = {
            "candidates": list(structure.newcomers), "day": 0, "select": list(structure.newcomers),
            "recruit_per_region": 1, "weights": None,
        }  # fmt: skip
    business["mdf_requests"] = [
        {"day": day, "partner": partner, "amount": MDF_BY_TIER[tier]}
        for day in (0, 90, 180, 270)
        for partner, tier in sorted(business["tiers_by_node"].items())
        if MDF_BY_TIER[tier] > 0
    ]
    data["name"] = f"evaluation-year-{year}"
    return sc.Scenario.model_validate(data)


# --------------------------------------------------------------------------- one simulated year


@dataclass(frozen=True)
class YearOutcome:
    """One simulated year of one line (``"you"`` or ``"benchmark"``)."""

    year: int
    line: str
    structure: Structure
    result: Result
    scorecard: pd.DataFrame
    totals: Mapping[str, float]
    exits: Mapping[str, str | None]  # partner -> successor


def _scorecard_points(row: Mapping[str, float], scenario: sc.Scenario) -> float:
    card = scenario.business.partners.scorecard  # type: ignore[union-attr]
    total = sum(card.weights.values())
    points = 0.0
    names = {"target_achievement": "attainment", "fill_rate": "fill_rate", "margin": "margin"}
    for kpi, weight in card.weights.items():
        low, high = card.bounds[kpi]
        value = float(row[names[kpi]])
        value = 0.0 if math.isnan(value) else value
        points += weight / total * 100 * min(1.0, max(0.0, (value - low) / (high - low)))
    return points


def simulate_year(structure: Structure, seed: int, year: int, line: str) -> YearOutcome:
    """Run one year of ``structure`` with the real engine and read its scorecards and totals."""
    from chansim.engine import run
    from chansim.metrics import kpis

    scenario = year_scenario(structure, year)
    result = run(scenario, seed=year_seed(seed, year))
    table = kpis(result, warmup_days=0).set_index("node")
    money = result.money
    node_col = money["node"].astype(str)
    account = money["account"].astype(str)
    partners = result.business["partners"].set_index("partner")
    partner_money = result.business.get("partner_money")
    pm = partner_money if partner_money is not None else pd.DataFrame(columns=["day", "node", "account", "amount"])
    mdf = pm[pm["account"] == "mdf_claimed"].groupby("node")["amount"].sum()
    recruitment = float(pm.loc[pm["account"] == "recruitment_cost", "amount"].sum())
    incentives = result.incentives
    earned = incentives.groupby(incentives["node"].astype(str))["amount"].sum()
    plans = incentives[incentives["plan"].isin(["dealer_commission", "distributor_achievement"])]
    by_node = plans.groupby(plans["node"].astype(str))[["basis", "target"]].sum()
    orders = result.orders
    replenish = orders[orders["kind"].astype(str) == "replenishment"]
    supply = replenish.groupby(replenish["customer"].astype(str))[["qty", "shipped_on_arrival"]].sum()
    exits = result.business.get("exits")
    exit_to: dict[str, str | None] = {}
    if exits is not None and len(exits):
        for row in exits.itertuples(index=False):
            exit_to[str(row.partner)] = None if pd.isna(row.customers_to) else str(row.customers_to)
    rows = []
    for node in scenario.nodes:
        if node.kind == "vendor":
            continue
        name = node.name
        dealer = structure.dealers.get(name)
        basis, target = (by_node.loc[name, "basis"], by_node.loc[name, "target"]) if name in by_node.index else (0, 0)
        qty, on_arrival = (
            (supply.loc[name, "qty"], supply.loc[name, "shipped_on_arrival"]) if name in supply.index else (0, 0)
        )
        k = table.loc[name]
        status = str(partners.loc[name, "status"]) if name in partners.index else "active"
        row = {
            "year": year, "line": line, "partner": name, "display_name": node.display_name or name,
            "kind": node.kind, "region": node.region or "", "tier": structure.tiers.get(name, TIERS[-1]),
            "status": status, "territories": ", ".join(structure.territories(name)),
            "capability_hidden": dealer.capability if dealer else math.nan,
            "sell_out": float(k["revenue"]), "target": float(target),
            "attainment": float(basis / target) if target else math.nan,
            "fill_rate": float(k["fill_rate"]), "supply_fill_rate": float(on_arrival / qty) if qty else math.nan,
            "lost_sales": float(k["lost_sales"]), "margin": float(k["gross_margin_pct"]),
            "incentives": float(earned.get(name, 0.0)), "mdf": float(mdf.get(name, 0.0)),
            "satisfaction": float(partners.loc[name, "satisfaction"]) if name in partners.index else math.nan,
            "newcomer": name in structure.newcomers,
        }  # fmt: skip
        row["score"] = _scorecard_points(row, scenario)
        rows.append(row)
    card = pd.DataFrame(rows, columns=SCORECARD_COLUMNS)
    network = table.loc["network"]
    vendor = node_col == "vendor"
    paid = float(money.loc[vendor & account.isin(["commission_expense", "rebate_expense"]), "amount"].sum())
    mdf_total = float(mdf.sum())
    operating = float(network["total_cost"])
    dealers = card[card["kind"] == "dealer"]
    totals = {
        "channel_profit": float(network["gross_margin"]) - operating - mdf_total - recruitment,
        "channel_gross_margin": float(network["gross_margin"]), "incentives": paid, "mdf": mdf_total,
        "recruitment": recruitment,
        "operating_cost": operating, "sell_out": float(dealers["sell_out"].sum()),
        "target": float(dealers["target"].sum()),
        "attainment": float(dealers["sell_out"].sum() / dealers["target"].sum()),
        "fill_rate": float(table.loc["network", "fill_rate"]), "lost_sales": float(dealers["lost_sales"].sum()),
        "churned": float(len(exit_to)), "replaced": float(len(structure.newcomers)),
    }  # fmt: skip
    return YearOutcome(year, line, structure, result, card, totals, exit_to)


def next_structure(outcome: YearOutcome) -> Structure:
    """The channel after ``outcome``'s year with no decision: churned dealers gone, territories to successors."""
    structure = outcome.structure
    dealers = dict(structure.dealers)
    serving = dict(structure.serving)
    tiers = dict(structure.tiers)
    for partner, successor in sorted(outcome.exits.items()):
        if partner not in dealers:
            continue  # a distributor that churned is signed again (see the module docstring)
        live = [d for d in dealers if d not in outcome.exits and dealers[d].region == dealers[partner].region]
        heir = successor if successor in dealers and successor not in outcome.exits else (live[0] if live else None)
        if heir is None:
            continue
        for market, dealer in serving.items():
            if dealer == partner:
                serving[market] = heir
        del dealers[partner]
        tiers.pop(partner, None)
    return Structure(tiers=tiers, dealers=dealers, serving=serving)


@functools.lru_cache(maxsize=64)
def _benchmark_year(seed: int, year: int) -> YearOutcome:
    structure = initial_structure() if year == 1 else next_structure(_benchmark_year(seed, year - 1))
    return simulate_year(structure, seed, year, "benchmark" if year > 1 else "you")


#: Held while a benchmark year is computed: a caller that needs a year the background thread
#: of :func:`precompute_benchmark` is computing waits for it instead of computing it twice.
_BENCHMARK_LOCK = threading.RLock()


def benchmark_year(seed: int, year: int) -> YearOutcome:
    """Year ``year`` of the do-nothing line of the game of ``seed`` (computed once per process, then cached)."""
    with _BENCHMARK_LOCK:
        return _benchmark_year(int(seed), int(year))


def precompute_benchmark(
    seed: int, years: int, *, background: bool = True, delay: float = 0.0
) -> threading.Thread | None:
    """Compute the do-nothing years 1 to ``years`` of the game of ``seed`` ahead of the trainee's clicks.

    The do-nothing line depends only on the seed, so it can be computed while the trainee
    reads the first review. With ``background`` the work runs in a daemon thread (returned;
    each year is taken under a lock, so :func:`benchmark_year` never computes a year twice and
    returns the same numbers as without it); otherwise it runs now and None is returned.
    ``delay`` seconds pass before the thread starts working (sleeping releases the GIL), so
    that a page being sent to the browser is not slowed down by it.
    """

    def work() -> None:
        if delay > 0:
            time.sleep(delay)
        for year in range(1, int(years) + 1):
            benchmark_year(seed, year)

    if not background:
        work()
        return None
    thread = threading.Thread(target=work, name=f"chansim-evaluation-benchmark-{seed}", daemon=True)
    thread.start()
    return thread


def _as_line(outcome: YearOutcome, line: str) -> YearOutcome:
    """``outcome`` relabelled as ``line`` (the same run, scorecard and totals)."""
    card = outcome.scorecard.copy()
    card["line"] = pd.Series([line] * len(card), index=card.index, dtype=card["line"].dtype)
    return YearOutcome(outcome.year, line, outcome.structure, outcome.result, card, outcome.totals, outcome.exits)


# --------------------------------------------------------------------------- the controller


class EvaluationDecision(BaseModel):
    """One review's decision (the contract's ``play_round`` takes it as a dict)."""

    model_config = ConfigDict(extra="forbid")

    actions: dict[str, Literal["keep", "promote", "demote", "replace"]] = Field(
        default_factory=dict, description="Per partner: keep, promote, demote or replace (partners not given: keep)."
    )
    moves: dict[str, str] = Field(
        default_factory=dict,
        description="Territories handed to another live dealer of the region: territory -> dealer.",
    )


#: Columns of :meth:`Evaluation.kpis` (``round``, ``year`` and the cards of :meth:`Evaluation.kpi_cards`).
KPI_COLUMNS = ["round", "year", "channel_profit", "sell_out", "attainment", "fill_rate", "profit_change",
               "profit_vs_benchmark"]  # fmt: skip


class Evaluation(Exercise):
    """The performance-evaluation exercise: yearly reviews, decisions, the next year simulated.

    ``round`` reviews have been played; the trainee is reviewing year ``round + 1``.

    Exercise contract name ``evaluation``; a decision is ``{"actions": {partner: action},
    "moves": {territory: dealer}}`` (actions are applied before moves); the standard process
    (:meth:`default_decision`) keeps everyone and moves nothing.
    """

    exercise = "evaluation"
    name = "evaluation"
    Decision = EvaluationDecision

    def __init__(self, seed: int = 0, *, reviews: int = REVIEWS, catalogue: Catalogue = CATALOGUE) -> None:
        if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
            raise ValueError(f"seed: {seed!r} must be a non-negative integer")
        if not 1 <= int(reviews) <= 10:
            raise ValueError(f"reviews: {reviews} must be 1 to 10")
        self.seed = int(seed)
        self.total_rounds = int(reviews)
        self.options: dict[str, Any] = {"reviews": int(reviews)}
        self.catalogue = catalogue
        self._years: list[YearOutcome] = [benchmark_year(self.seed, 1)]
        self._reviews: list[Review] = []
        self._actions: dict[str, str] = {}
        self._moves: dict[str, str] = {}

    # ------------------------------------------------------------------ where the game is
    @property
    def round(self) -> int:
        """Reviews played so far."""
        return len(self._reviews)

    @property
    def rounds(self) -> int:
        """Reviews in the game."""
        return self.total_rounds

    @property
    def year(self) -> int:
        """The year under review (the last one simulated)."""
        return len(self._years)

    @property
    def finished(self) -> bool:
        """Whether every review has been played."""
        return self.round >= self.total_rounds

    @property
    def history(self) -> tuple[Review, ...]:
        """The reviews played, first first."""
        return tuple(self._reviews)

    @property
    def outcomes(self) -> tuple[YearOutcome, ...]:
        """The simulated years of the trainee's line (year 1 first)."""
        return tuple(self._years)

    @property
    def structure(self) -> Structure:
        """The channel at the end of the year under review, before the pending decisions."""
        return next_structure(self._years[-1])

    def partners(self) -> list[str]:
        """The partners of the year under review (live or left during it), distributors first."""
        card = self._years[-1].scorecard
        return list(card.sort_values(["kind", "partner"], ascending=[False, True])["partner"])

    def live_dealers(self) -> list[str]:
        """Dealers that are still in the channel (may receive territories)."""
        return sorted(self.structure.dealers)

    def territories(self) -> list[str]:
        """Every territory (end-customer market)."""
        return sorted(self.structure.serving)

    def territory_name(self, territory: str) -> str:
        """The territory's name as shown (e.g. ``Lakeside centre``)."""
        return next((m.display_name or m.name for m in evaluation_scenario().markets if m.name == territory), territory)

    def territory_region(self, territory: str) -> str:
        """The region of ``territory``."""
        return next(m.region or "" for m in evaluation_scenario().markets if m.name == territory)

    def display_name(self, partner: str) -> str:
        """The partner's name as shown (the file's name, or the newcomer's Faker name)."""
        for outcome in reversed(self._years):
            card = outcome.scorecard
            rows = card[card["partner"] == partner]
            if len(rows):
                return str(rows["display_name"].iloc[0])
        for review in self._reviews:
            for dealer in review.newcomers:
                if dealer.name == partner:
                    return dealer.display_name
        return partner

    # ------------------------------------------------------------------ decisions
    def decision(self, partner: str) -> str:
        """The pending decision for ``partner`` (``keep`` when none)."""
        return self._actions.get(partner, "keep")

    @property
    def pending_actions(self) -> dict[str, str]:
        """Decisions other than ``keep`` for the next year."""
        return {p: a for p, a in self._actions.items() if a != "keep"}

    @property
    def pending_moves(self) -> dict[str, str]:
        """Territory moves for the next year: ``{territory: dealer}``."""
        return dict(self._moves)

    def decide(self, partner: object, action: object) -> str:
        """Set the decision for ``partner``: one of :data:`ACTIONS`; returns it.

        Raises:
            DecisionError: unknown partner or action, promoting the top tier, demoting the
                bottom one, replacing a distributor, a decision for a partner that left
                other than keep/replace, or replacing every dealer of a region.

        """
        self._check_open()
        partners = self.partners()
        if partner not in partners:
            raise DecisionError(
                "evaluation.unknown_partner", {"value": _shown(partner), "allowed": ", ".join(partners)}
            )
        name = str(partner)
        if not isinstance(action, str) or action.strip().lower() not in ACTIONS:
            raise DecisionError(
                "evaluation.unknown_action",
                {"field": self.display_name(name), "value": _shown(action), "allowed": ", ".join(ACTIONS)},
            )
        action = action.strip().lower()
        structure = self.structure
        card = self._years[-1].scorecard.set_index("partner")
        gone = name not in structure.tiers
        tier = card.loc[name, "tier"]
        shown = self.display_name(name)
        if gone and action in ("promote", "demote"):
            raise DecisionError("evaluation.partner_gone", {"partner": shown})
        if action == "promote" and tier == TIERS[0]:
            raise DecisionError("evaluation.top_tier", {"partner": shown, "tier": tier})
        if action == "demote" and tier == TIERS[-1]:
            raise DecisionError("evaluation.bottom_tier", {"partner": shown, "tier": tier})
        if action == "replace":
            if card.loc[name, "kind"] != "dealer":
                raise DecisionError("evaluation.replace_distributor", {"partner": shown})
            if not gone:
                region = structure.dealers[name].region
                others = [d for d, v in structure.dealers.items() if v.region == region and d != name]
                if all(self._actions.get(d) == "replace" for d in others):
                    raise DecisionError("evaluation.replace_all", {"region": region})
                taken = [t for t, d in self._moves.items() if d == name]
                if taken:
                    raise DecisionError("evaluation.territory_replaced", {"dealer": shown})
        self._actions[name] = action
        return action

    def reassign(self, territory: object, dealer: object) -> None:
        """Move ``territory`` to ``dealer`` (a live dealer of the same region) for the next year.

        Moving a territory back to the dealer that serves it cancels the move.

        Raises:
            DecisionError: unknown territory or dealer, another region, a dealer being
                replaced, or a dealer left with no territory.

        """
        self._check_open()
        structure = self.structure
        territories = sorted(structure.serving)
        if territory not in territories:
            raise DecisionError(
                "evaluation.unknown_territory", {"value": _shown(territory), "allowed": ", ".join(territories)}
            )
        dealers = sorted(structure.dealers)
        if dealer not in dealers:
            raise DecisionError("evaluation.unknown_dealer", {"value": _shown(dealer), "allowed": ", ".join(dealers)})
        territory, dealer = str(territory), str(dealer)
        region = self.territory_region(territory)
        if structure.dealers[dealer].region != region:
            raise DecisionError(
                "evaluation.other_region",
                {"territory": self.territory_name(territory), "dealer": self.display_name(dealer), "region": region},
            )
        if self._actions.get(dealer) == "replace":
            raise DecisionError("evaluation.territory_replaced", {"dealer": self.display_name(dealer)})
        moves = dict(self._moves)
        if structure.serving[territory] == dealer:
            moves.pop(territory, None)
        else:
            moves[territory] = dealer
        serving = {**structure.serving, **moves}
        for name in dealers:
            if self._actions.get(name) != "replace" and name not in serving.values():
                raise DecisionError("evaluation.empty_dealer", {"dealer": self.display_name(name)})
        self._moves = moves

    def clear(self) -> None:
        """Drop the pending decisions and moves."""
        self._actions.clear()
        self._moves.clear()

    def simulate(self) -> YearOutcome:
        """Apply the pending decisions and simulate the next year with the real engine."""
        self._check_open()
        review = self._make_review()
        structure = self._apply(self.structure, review)
        year = self.year + 1
        bench = benchmark_year(self.seed, year) if self._did_nothing(review) else None
        if bench is not None and bench.structure == structure:
            # no decision so far: this year is the do-nothing benchmark's (same structure, same seed)
            outcome = _as_line(bench, "you")
        else:
            outcome = simulate_year(structure, self.seed, year, "you")
        self._reviews.append(review)
        self._years.append(outcome)
        self.clear()
        return outcome

    # ------------------------------------------------------------------ the contract
    def play_round(self, decision: Mapping[str, Any] | None = None) -> YearOutcome:
        """Play the review with ``decision`` (``{"actions": {...}, "moves": {...}}``) or, with none, the pending one.

        The decision replaces any pending one and is checked in full (the errors of
        :meth:`decide` and :meth:`reassign`, actions first) before anything changes; then the
        next year is simulated (:meth:`simulate`).
        """
        self._check_open()
        if decision is not None:
            checked = check_keys(decision, ("actions", "moves"))
            saved = dict(self._actions), dict(self._moves)
            self.clear()
            try:
                actions, moves = checked.get("actions") or {}, checked.get("moves") or {}
                for name, value in (("actions", actions), ("moves", moves)):
                    if not isinstance(value, Mapping):
                        raise DecisionError("evaluation.unknown_action", {"field": name, "value": _shown(value),
                                                                          "allowed": "a mapping"})  # fmt: skip
                for partner, action in actions.items():
                    self.decide(partner, action)
                for territory, dealer in moves.items():
                    self.reassign(territory, dealer)
            except DecisionError:
                self._actions, self._moves = saved
                raise
        return self.simulate()

    def default_decision(self) -> dict[str, Any]:
        """The standard process: keep every partner, move no territory."""
        self._check_open()
        return {"actions": {}, "moves": {}}

    def played_decisions(self) -> list[dict[str, Any]]:
        """The decisions of the reviews played, first first."""
        return [{"actions": dict(r.actions), "moves": dict(r.moves)} for r in self._reviews]

    def state(self) -> dict[str, Any]:
        """What the reviewer sees (JSON-able): where the game is, the channel's structure, the year's scorecards."""
        structure = self.structure
        return jsonable({
            "round": self.round, "rounds": self.rounds, "year": self.year, "finished": self.finished,
            "tiers": dict(sorted(structure.tiers.items())), "serving": dict(sorted(structure.serving.items())),
            "dealers": {name: {"display_name": d.display_name, "region": d.region, "joined_year": d.joined_year}
                        for name, d in sorted(structure.dealers.items())},
            "scorecard": self.scorecard(),
        })  # fmt: skip

    def kpis(self) -> pd.DataFrame:
        """The KPI cards as a table: one row, ``round``, ``year`` and :meth:`kpi_cards` (:data:`KPI_COLUMNS`)."""
        return pd.DataFrame([{"round": self.round, "year": self.year, **self.kpi_cards()}], columns=KPI_COLUMNS)

    def _did_nothing(self, review: Review) -> bool:
        """Whether the trainee's line is still the benchmark's: no decision or move in any review, this one too."""
        return not any(r.actions or r.moves or r.newcomers for r in (*self._reviews, review))

    def prepare_benchmark(self, *, background: bool = True, delay: float = 0.0) -> threading.Thread | None:
        """Compute the benchmark years of the whole game ahead (see :func:`precompute_benchmark`)."""
        return precompute_benchmark(self.seed, self.total_rounds + 1, background=background, delay=delay)

    def undo(self) -> Review:
        """Take back the last review and its year (the pending decisions are dropped)."""
        if not self._reviews:
            raise DecisionError("control.nothing_to_undo")
        self._years.pop()
        self.clear()
        return self._reviews.pop()

    def reset(self) -> None:
        """Back to the review of year 1 with no decisions."""
        del self._years[1:]
        self._reviews.clear()
        self.clear()

    def _check_open(self) -> None:
        if self.finished:
            raise DecisionError("control.game_over")

    def _make_review(self) -> Review:
        from faker import Faker

        year = self.year + 1
        structure = self.structure
        newcomers = []
        taken = {d.display_name for d in structure.dealers.values()}
        for name in sorted(p for p, a in self._actions.items() if a == "replace"):
            old = structure.dealers.get(name) or self._dealer_of(name)
            key = zlib.crc32(old.template.encode())
            rng = np.random.default_rng([self.seed, year, key])
            fake = Faker("en_US")
            fake.seed_instance(int(rng.integers(2**31)))
            display = f"{fake.last_name()} Home Appliances"
            while display in taken:
                display = f"{fake.last_name()} Home Appliances"
            taken.add(display)
            capability = float(rng.beta(4.0, 3.0))
            newcomers.append(Dealer(f"{old.template}_y{year}", display, old.region, old.template, capability, year))
        return Review(year, tuple(sorted(self.pending_actions.items())), tuple(sorted(self._moves.items())),
                      tuple(newcomers))  # fmt: skip

    def _dealer_of(self, name: str) -> Dealer:
        for outcome in reversed(self._years):
            if name in outcome.structure.dealers:
                return outcome.structure.dealers[name]
        raise KeyError(name)  # pragma: no cover

    def _apply(self, structure: Structure, review: Review) -> Structure:
        tiers = dict(structure.tiers)
        dealers = dict(structure.dealers)
        serving = {**structure.serving, **dict(review.moves)}
        replaced: dict[str, str] = {}
        for partner, action in review.actions:
            if action in ("promote", "demote") and partner in tiers:
                rank = TIERS.index(tiers[partner]) + (-1 if action == "promote" else 1)
                tiers[partner] = TIERS[min(len(TIERS) - 1, max(0, rank))]
        by_template = {d.template: d for d in review.newcomers}
        for partner, action in review.actions:
            if action != "replace":
                continue
            old = dealers.get(partner) or self._dealer_of(partner)
            new = by_template[old.template]
            replaced[partner] = new.name
            dealers.pop(partner, None)
            tiers.pop(partner, None)
            dealers[new.name] = new
            tiers[new.name] = TIERS[-1]
            home = [m for m in evaluation_scenario().markets if m.served_by == old.template]
            for market in list(serving):
                if serving[market] == partner or (market in (h.name for h in home) and serving[market] not in dealers):
                    serving[market] = new.name
            for market in home:  # a dealer that left took its home territory away to a successor: it comes back
                if market.name not in dict(review.moves):
                    serving[market.name] = new.name
        return Structure(tiers=tiers, dealers=dealers, serving=serving, newcomers=tuple(sorted(replaced.values())),
                         replaced=replaced)  # fmt: skip

    # ------------------------------------------------------------------ what the trainee sees
    def benchmark(self, year: int) -> YearOutcome:
        """Year ``year`` of the do-nothing line (same seeds)."""
        return benchmark_year(self.seed, int(year))

    def scorecard(self, year: int | None = None, line: str = "you") -> pd.DataFrame:
        """The partner scorecards of ``year`` (default: the year under review); columns :data:`SCORECARD_COLUMNS`."""
        year = self.year if year is None else int(year)
        outcome = self.benchmark(year) if line == "benchmark" else self._years[year - 1]
        return outcome.scorecard.copy()

    def years_table(self) -> pd.DataFrame:
        """Totals per simulated year of the trainee's line and of the benchmark (columns :data:`YEAR_COLUMNS`)."""
        rows = []
        for outcome in self._years:
            rows.append({"year": outcome.year, "line": "you", **outcome.totals})
            if outcome.year > 1:
                rows.append({"year": outcome.year, "line": "benchmark", **self.benchmark(outcome.year).totals})
        return pd.DataFrame(rows, columns=YEAR_COLUMNS)

    def kpi_cards(self) -> dict[str, float]:
        """The cards: the year under review and its change against the year before (and the benchmark)."""
        now = self._years[-1].totals
        before = self._years[-2].totals if len(self._years) > 1 else None
        bench = self.benchmark(self.year).totals if self.year > 1 else None
        return {
            "channel_profit": now["channel_profit"], "sell_out": now["sell_out"], "attainment": now["attainment"],
            "fill_rate": now["fill_rate"], "profit_change": (now["channel_profit"] - before["channel_profit"])
            if before else math.nan,
            "profit_vs_benchmark": (now["channel_profit"] - bench["channel_profit"]) if bench else math.nan,
        }  # fmt: skip

    def score(self) -> Score:
        """The score of the years played after a review (see the module docstring); NaN before the first."""
        played = self._years[1:]
        if not played:
            return Score(math.nan, "evaluation.score_formula", SCORE_FORMULA)
        profit = sum(o.totals["channel_profit"] for o in played)
        bench = [self.benchmark(o.year) for o in played]
        profit_b = sum(o.totals["channel_profit"] for o in bench)
        attain = sum(o.totals["sell_out"] for o in played) / sum(o.totals["target"] for o in played)
        attain_b = sum(o.totals["sell_out"] for o in bench) / sum(o.totals["target"] for o in bench)
        profit_points = PROFIT_POINTS * (profit - profit_b) / abs(profit_b)
        attain_points = ATTAINMENT_POINTS * (attain - attain_b)
        value = min(100.0, max(0.0, 50.0 + profit_points + attain_points))
        return Score(
            value, "evaluation.score_formula", SCORE_FORMULA,
            params={"P_b": profit_b, "P": profit, "A_b": attain_b, "A": attain},
            components={"profit_points": profit_points, "attainment_points": attain_points},
        )  # fmt: skip

    def advice(self, lang: str = DEFAULT_LANGUAGE) -> list[Advice]:
        """Feedback tied to what happened in the years played (rules in :func:`advise`)."""
        return advise(self, lang)

    def report(self) -> pd.DataFrame:
        """Every scorecard of every year (both lines) with the decisions taken on it: the CSV download.

        ``decision`` is the review's decision on the partner after that year (empty on the
        benchmark and on a year not reviewed yet); ``territories_given`` lists the territories
        the review moved away from it (``territory>dealer``, separated by ``;``).
        """
        frames = []
        decisions = {(r.year - 1, p): a for r in self._reviews for p, a in r.actions}
        given: dict[tuple[int, str], list[str]] = {}
        for review in self._reviews:
            serving = self._years[review.year - 2].structure.serving
            for territory, dealer in review.moves:
                given.setdefault((review.year - 1, serving[territory]), []).append(f"{territory}>{dealer}")
        for outcome in self._years:
            card = outcome.scorecard.copy()
            reviewed = outcome.year < self.year  # a review followed this year
            card["decision"] = [decisions.get((outcome.year, p), "keep") if reviewed else "" for p in card["partner"]]
            card["territories_given"] = [";".join(given.get((outcome.year, p), [])) for p in card["partner"]]
            frames.append(card)
            if outcome.year > 1:
                bench = self.benchmark(outcome.year).scorecard.copy()
                bench["decision"] = ""
                bench["territories_given"] = ""
                frames.append(bench)
        frame = pd.concat(frames, ignore_index=True)
        frame.insert(0, "seed", self.seed)
        frame.insert(0, "exercise", self.exercise)
        return frame

    def to_csv(self, path_or_buffer: Any = None) -> str | None:
        """Write :meth:`report` as CSV to a path or buffer; with none, return the text."""
        return self.report().to_csv(path_or_buffer, index=False)


def _shown(value: object) -> str:
    text = str(value)
    return text if len(text) <= 40 else text[:37] + "..."


# --------------------------------------------------------------------------- feedback

#: Thresholds of the feedback rules.
LOW_ATTAINMENT = 0.9
SUPPLY_FILL_LIMIT = 0.9
OWN_FILL_LIMIT = 0.95
RAMP_DROP = 0.10
HOPELESS_ATTAINMENT = 0.75


def advise(game: Evaluation, lang: str = DEFAULT_LANGUAGE) -> list[Advice]:
    """Advice from the reviews played, most severe first.

    =================== ======== ==============================================================
    code                severity fires when
    =================== ======== ==============================================================
    supply_blame        critical a dealer was demoted or replaced whose attainment was below 85 %
                                 while its distributor filled under 90 % of its orders on arrival
                                 or it lost sales (its own fill rate under 95 %)
    ramp_loss           warning  a replaced dealer's territories sold at least 10 % less in the
                                 next year than in the year before (the newcomer's onboarding)
    hopeless_kept       warning  after the last review a dealer with attainment under 75 % and
                                 a fill rate of at least 95 % (no supply excuse) was never replaced
    promoted_weak       warning  a partner under 85 % attainment was promoted (MDF on a weak base)
    demoted_star        warning  a partner at or above 100 % attainment was demoted
    churned             warning  partners left the channel in a year played
    territory_gain      info     a territory moved to another dealer sold more the next year
    beat_benchmark      info     the channel profit beat the do-nothing benchmark
    =================== ======== ==============================================================
    """
    t = game.catalogue
    out: list[Advice] = []

    def add(code: str, severity: str, **evidence: Any) -> None:
        message = t.get(f"evaluation.advice.{code}", lang, **evidence)
        out.append(Advice(code, severity, message, dict(evidence)))  # type: ignore[arg-type]

    years = game.outcomes
    for review in game.history:
        before = years[review.year - 2]
        after = years[review.year - 1]
        card = before.scorecard.set_index("partner")
        supplier_of = {n.name: n.lanes[0].supplier for n in before.result.scenario.nodes if n.lanes}
        for partner, action in review.actions:
            row = card.loc[partner]
            name = str(row["display_name"])
            attainment = float(row["attainment"])
            if action in ("demote", "replace") and attainment < LOW_ATTAINMENT:
                supply = float(row["supply_fill_rate"])
                own = float(row["fill_rate"])
                if (not math.isnan(supply) and supply < SUPPLY_FILL_LIMIT) or own < OWN_FILL_LIMIT:
                    distributor = supplier_of.get(partner, "")
                    add("supply_blame", "critical", partner=name, action=t.get(f"evaluation.action.{action}", lang),
                        attainment=attainment, supply=0.0 if math.isnan(supply) else supply, fill=own,
                        lost=float(row["lost_sales"]), distributor=game.display_name(str(distributor)),
                        year=before.year)  # fmt: skip
            if action == "promote" and attainment < LOW_ATTAINMENT:
                add("promoted_weak", "warning", partner=name, attainment=attainment, year=before.year)
            if action == "demote" and attainment >= 1.0:
                add("demoted_star", "warning", partner=name, attainment=attainment, year=before.year)
            if action == "replace":
                territories = [m for m, d in before.structure.serving.items() if d == partner]
                old = _territory_sales(before, territories)
                new = _territory_sales(after, territories)
                newcomer = after.structure.replaced.get(partner, "")
                if old > 0 and new < old * (1 - RAMP_DROP):
                    add("ramp_loss", "warning", partner=name, newcomer=game.display_name(newcomer), drop=1 - new / old,
                        year=after.year, months=3)  # fmt: skip
        for territory, dealer in review.moves:
            old = _territory_sales(before, [territory])
            new = _territory_sales(after, [territory])
            if old > 0 and new > old:
                add("territory_gain", "info", territory=game.territory_name(territory),
                    dealer=game.display_name(dealer), gain=new / old - 1,
                    year=after.year)  # fmt: skip
    for outcome in years[1:]:
        if outcome.exits:
            names = ", ".join(game.display_name(p) for p in sorted(outcome.exits))
            add("churned", "warning", partners=names, year=outcome.year)
    if game.finished:
        card = years[-1].scorecard
        replaced = {p for r in game.history for p, a in r.actions if a == "replace"}
        for row in card[(card["kind"] == "dealer") & ~card["status"].isin(["churned", "insolvent"])].itertuples(
            index=False
        ):
            if row.attainment < HOPELESS_ATTAINMENT and row.fill_rate >= OWN_FILL_LIMIT and row.partner not in replaced:
                add(
                    "hopeless_kept", "warning", partner=row.display_name, attainment=row.attainment, year=years[-1].year
                )
    score = game.score()
    if game.round and score.components.get("profit_points", 0.0) > 0:
        add("beat_benchmark", "info", gain=score.params["P"] - score.params["P_b"])
    rank = {"critical": 0, "warning": 1, "info": 2}
    return sorted(out, key=lambda a: rank[a.severity])


def _territory_sales(outcome: YearOutcome, territories: Sequence[str]) -> float:
    """End-customer revenue of ``territories`` in ``outcome``'s year (at the serving dealer's prices)."""
    result = outcome.result
    levels = result.levels
    wanted = set(territories)
    markets = [m for m in result.scenario.markets if m.name in wanted]
    total = 0.0
    for market in markets:
        served = [m for m in result.scenario.markets if m.served_by == market.served_by]
        share_of = {}
        for sku in {d.sku for d in market.demand}:
            means = {m.name: sum(d.distribution.mean for d in m.demand if d.sku == sku) for m in served}
            share_of[sku] = means[market.name] / sum(means.values()) if sum(means.values()) else 0.0
        rows = levels[levels["node"].astype(str) == market.served_by]
        prices = {s.name: s.list_price for s in result.scenario.skus}
        for sku, share in share_of.items():
            sales = rows.loc[rows["sku"].astype(str) == sku, "customer_sales"].sum()
            total += float(sales) * prices[sku] * share
    return total


def debrief(game: Evaluation, lang: str = DEFAULT_LANGUAGE) -> list[str]:
    """What happened, one line per year played: profit and attainment against the benchmark."""
    lines = []
    for outcome in game.outcomes[1:]:
        bench = game.benchmark(outcome.year).totals
        lines.append(
            game.catalogue.get(
                "evaluation.debrief.year",
                lang,
                year=outcome.year,
                profit=outcome.totals["channel_profit"],
                bench=bench["channel_profit"],
                attainment=outcome.totals["attainment"],
                bench_attainment=bench["attainment"],
            )  # fmt: skip
        )
    return lines
