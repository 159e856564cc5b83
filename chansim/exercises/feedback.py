"""The feedback engine: plain-language advice and a score from what happened in a game.

Everything is computed from a :class:`~chansim.results.Result` (its ``levels`` table, the
KPIs of :func:`chansim.metrics.kpis` and, with a business layer, of
:func:`chansim.business.kpis.business_kpis`); nothing here draws or holds widgets.

**Whose play.** ``role`` names the trainee's node. By default it is every node with a
``manual`` policy (downstream first), or the ``network`` row when no node is manual.
Advice for each node carries ``evidence["node"]``.

**Time.** A *round* is one simulation period (``period_days``; a week in the beer game).
When deciding for round k the trainee has seen everything up to the end of round k-1.

**Rules** (thresholds are fields of :class:`Thresholds`; ``d̂_k`` = mean demand the node
received over the ``pipeline_memory_periods`` = 4 rounds before k; ``SL_k`` = units on
order at the end of round k-1, i.e. the supply line seen when deciding; ``q_k`` = units
ordered in round k; ``L`` = (order delay + lead time) / period length of the node's lane,
averaged over its SKUs). Only rounds starting on or after the scenario's warm-up count,
and for the pipeline rule only rounds with ``d̂_k > 0`` (some demand seen).

=============== ======================== ==========================================================
code            severity                 fires when
=============== ======================== ==========================================================
amplification   warning; critical > 3    bullwhip ``Var(q)/Var(d)`` of the node > 1.5 (when the facts
                                         count their rounds: over at least 4 of them)
pipeline        warning; critical ≥ 40%  rounds with ``q_k > d̂_k`` and ``SL_k > (L + 1)·d̂_k``
                                         (ordering more than demand although the supply line
                                         already covers the delivery delay plus a round) are
                                         more than 20% of the rounds played (and at least 2)
backlog         warning; critical > 50%  ``stockout_rate`` > 20%
excess_stock    warning; critical > 12   ``weeks_of_supply`` > 6
late_reaction   warning                  a demand step (see :func:`find_demand_step`) at round
                                         s and the first round r ≥ s whose order moved at least
                                         half the step (``±(q_r − before) ≥ |after − before|/2``)
                                         comes more than 2 rounds after it: ``r − s > 2``
no_reaction     critical                 a demand step and no such round r, with more than 2
                                         rounds played after the step
credit_holds    warning; critical < 50%  business layer: ``orders_held_share`` > 20% and
                                         ``fill_rate`` < 90%
approval_queue  warning                  business layer: ``approval_wait_days`` > 2
good_play       info                     ``fill_rate`` ≥ 95%, bullwhip a number ≤ 1.3, and no
                                         warning or critical advice for the node
=============== ======================== ==========================================================

The pipeline rule compares orders with the supply line rather than regressing orders on
(stock gap, supply line): in a 36-round game the two regressors move together and the
fitted weights are unstable, while the count of "ordered more over a full pipeline"
rounds is robust and easy to explain. The margin of one round of demand keeps a good
order-up-to player under random demand well below the 20% threshold.

**Score** (:func:`score`): ``score = 100 − a·C/C_b − b·(1 − OTIF)·100 − c·max(0, BW − 1)·10``
clipped to 0..100, with C the role's total cost, C_b a benchmark cost, OTIF and BW the
role's on-time-in-full and bullwhip (see :class:`ScoreWeights`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd

from chansim import scenario as sc
from chansim.exercises.messages import CATALOGUE, DEFAULT_LANGUAGE, Catalogue

if TYPE_CHECKING:
    from chansim.results import Result

__all__ = [
    "NETWORK",
    "Advice",
    "DemandStep",
    "NodeFacts",
    "ProductBacklog",
    "ScoreBreakdown",
    "ScoreWeights",
    "Severity",
    "Thresholds",
    "advise",
    "advise_facts",
    "benchmark_cost",
    "find_demand_step",
    "product_backlog_advice",
    "game_facts",
    "roles",
    "score",
    "score_from",
]

NETWORK = "network"
Severity = Literal["info", "warning", "critical"]
_SEVERITY_ORDER = {"critical": 0, "warning": 1, "info": 2}


@dataclass(frozen=True)
class Advice:
    """One piece of advice: a code (``advice.<code>`` in the catalogue), how serious, the text, the numbers."""

    code: str
    severity: Severity
    message: str
    evidence: dict[str, float | int | str]


@dataclass(frozen=True)
class Thresholds:
    """The limits of the feedback rules (see the module docstring for each formula)."""

    amplification_bullwhip: float = 1.5
    amplification_critical_bullwhip: float = 3.0
    #: a variance ratio over fewer rounds says nothing (two or three weeks of orders; see ``NodeFacts.rounds``)
    amplification_min_rounds: int = 4
    pipeline_share: float = 0.2
    pipeline_critical_share: float = 0.4
    pipeline_min_count: int = 2
    pipeline_memory_periods: int = 4
    backlog_stockout_rate: float = 0.2
    backlog_critical_stockout_rate: float = 0.5
    excess_weeks_of_supply: float = 6.0
    excess_critical_weeks_of_supply: float = 12.0
    late_reaction_periods: int = 2
    step_min_relative_change: float = 0.2
    step_min_z: float = 5.0
    credit_held_share: float = 0.2
    credit_low_fill_rate: float = 0.9
    credit_critical_fill_rate: float = 0.5
    approval_wait_days: float = 2.0
    good_fill_rate: float = 0.95
    good_bullwhip: float = 1.3


@dataclass(frozen=True)
class DemandStep:
    """A lasting change in the demand a node received: from ``before`` to ``after`` per round at ``period``."""

    period: int
    before: float
    after: float
    z: float


@dataclass(frozen=True)
class NodeFacts:
    """The numbers the rules look at, for one node (or the network).

    ``kpis``: the node's row of the inventory KPIs (and business KPIs when there is a
    business layer). Pipeline and reaction facts are empty for the network. ``rounds``: the
    rounds of data behind the bullwhip (``None``: not counted, the amplification rule judges
    any number).
    """

    node: str
    period_days: int
    kpis: Mapping[str, float]
    lead_periods: float = math.nan
    pipeline_rounds: int = 0
    pipeline_count: int = 0
    pipeline_cover_periods: float = math.nan
    step: DemandStep | None = None
    reaction_periods: int | None = None
    periods_after_step: int = 0
    rounds: int | None = None

    def kpi(self, name: str) -> float:
        """The KPI ``name`` as a float (NaN when absent)."""
        value = self.kpis.get(name, math.nan)
        return math.nan if value is None else float(value)


# --------------------------------------------------------------------------- facts


def roles(result: Result, role: str | None = None) -> list[str]:
    """The trainee's nodes: ``[role]``, else the nodes with a manual policy, else ``["network"]``.

    Raises:
        ValueError: when ``role`` is neither a node of the scenario nor ``"network"``.

    """
    scenario = result.scenario
    topo = scenario.topology
    if role is not None:
        if role != NETWORK and role not in topo.node_by_name:
            known = ", ".join(sorted(topo.node_by_name))
            raise ValueError(f"role {role!r} is not a node of scenario {scenario.name!r} (nodes: {known}; or network)")
        return [role]
    manual = [
        name
        for name in topo.downstream_first
        if any(isinstance(topo.policy_for(topo.node_by_name[name], sku), sc.Manual) for sku in topo.skus_of_node[name])
    ]
    return manual or [NETWORK]


def _lead_periods(result: Result, node: str) -> float:
    """(order delay + lead time) / period length, averaged over the node's SKUs."""
    topo = result.scenario.topology
    spec = topo.node_by_name[node]
    period = result.info.period_days
    delays = [
        (spec.order_delay_days + topo.lane_for[node, sku].lead_time_days) / period for sku in topo.skus_of_node[node]
    ]
    return float(np.mean(delays)) if delays else math.nan


def _per_period(result: Result, node: str) -> pd.DataFrame:
    """The node's levels summed over SKUs: one row per period (``period``, ``day``, on order, ordered, demand)."""
    levels = result.levels
    rows = levels[levels["node"].astype(str) == node]
    return (
        rows.groupby("period", sort=True)
        .agg(day=("day", "first"), on_order=("on_order", "sum"), ordered=("ordered", "sum"), demand=("demand", "sum"))
        .reset_index()
    )


def find_demand_step(
    demand: Sequence[float], min_relative_change: float = 0.2, min_z: float = 5.0
) -> DemandStep | None:
    """The one lasting change in ``demand`` (per round), if there is a clear one.

    The candidate is the split k (at least 2 rounds each side) that maximises
    ``|mean(after) − mean(before)| · sqrt(k·(n − k)/n)`` (a single change point). It counts as
    a step when ``|Δ| ≥ min_relative_change · |mean(before)|`` and the two-sample statistic
    ``z = |Δ| / (s_pooled · sqrt(1/k + 1/(n − k)))`` is at least ``min_z`` (infinite when both
    sides are constant), so random demand without a step rarely qualifies.
    """
    values = np.asarray(demand, dtype=float)
    n = len(values)
    if n < 4:
        return None
    best_k, best_strength = -1, 0.0
    for k in range(2, n - 1):
        delta = values[k:].mean() - values[:k].mean()
        strength = abs(delta) * math.sqrt(k * (n - k) / n)
        if strength > best_strength + 1e-12:
            best_k, best_strength = k, strength
    if best_k < 0:
        return None
    before, after = values[:best_k], values[best_k:]
    delta = float(after.mean() - before.mean())
    dof = n - 2
    pooled = math.sqrt(((len(before) - 1) * before.var(ddof=1) + (len(after) - 1) * after.var(ddof=1)) / dof)
    scale = pooled * math.sqrt(1 / len(before) + 1 / len(after))
    z = abs(delta) / scale if scale > 1e-12 else math.inf
    base = abs(float(before.mean()))
    if z < min_z or abs(delta) < min_relative_change * base or abs(delta) <= 1e-9:
        return None
    return DemandStep(period=best_k, before=float(before.mean()), after=float(after.mean()), z=z)


def game_facts(result: Result, *, role: str | None = None, thresholds: Thresholds | None = None) -> list[NodeFacts]:
    """The facts the rules need, one :class:`NodeFacts` per role node (see :func:`roles`)."""
    from chansim.metrics import kpis

    th = thresholds or Thresholds()
    if result.info.days <= 0 or result.levels.empty:
        return []
    table = kpis(result).set_index("node")
    if result.scenario.business is not None:
        from chansim.business.kpis import BUSINESS_KPI_NAMES, business_kpis

        business = business_kpis(result).set_index("node")[BUSINESS_KPI_NAMES]
        table = table.join(business, how="left")
    warmup = result.scenario.warmup_days if result.scenario.warmup_days < result.info.days else 0
    period_days = result.info.period_days
    facts = []
    for node in roles(result, role):
        row = {name: float(value) for name, value in table.loc[node].items() if isinstance(value, int | float)}
        if node == NETWORK:
            facts.append(NodeFacts(node=node, period_days=period_days, kpis=row))
            continue
        series = _per_period(result, node)
        lead = _lead_periods(result, node)
        on_order = series["on_order"].to_numpy(float)
        ordered = series["ordered"].to_numpy(float)
        demand = series["demand"].to_numpy(float)
        in_window = (series["day"] >= warmup).to_numpy()
        rounds = count = 0
        covers = []
        for k in range(1, len(series)):
            if not in_window[k]:
                continue
            seen = demand[max(0, k - th.pipeline_memory_periods) : k]
            expected = float(seen.mean())
            if expected <= 0:
                continue  # no demand seen yet: nothing to judge the supply line against
            rounds += 1
            supply_line = on_order[k - 1]
            if ordered[k] > expected + 1e-9 and supply_line > (lead + 1) * expected + 1e-9:
                count += 1
                covers.append(supply_line / expected)
        window = np.flatnonzero(in_window)
        first = int(window[0]) if len(window) else len(series)
        step = find_demand_step(demand[first:], th.step_min_relative_change, th.step_min_z)
        reaction = None
        after = 0
        if step is not None:
            start = first + step.period
            after = len(series) - start
            direction = 1.0 if step.after > step.before else -1.0
            half = abs(step.after - step.before) / 2
            for j in range(start, len(series)):
                if direction * (ordered[j] - step.before) >= half - 1e-9:
                    reaction = j - start
                    break
            step = DemandStep(period=start, before=step.before, after=step.after, z=step.z)
        facts.append(
            NodeFacts(
                node=node,
                period_days=period_days,
                kpis=row,
                lead_periods=lead,
                pipeline_rounds=rounds,
                pipeline_count=count,
                pipeline_cover_periods=float(np.mean(covers)) if covers else math.nan,
                step=step,
                reaction_periods=reaction,
                periods_after_step=after,
            )
        )
    return facts


# --------------------------------------------------------------------------- rules

_Finding = tuple[str, Severity, dict[str, float | int | str]]


def _weeks(periods: float, period_days: int) -> float:
    return round(periods * period_days / 7, 1)


def _amplification(f: NodeFacts, th: Thresholds) -> _Finding | None:
    bullwhip = f.kpi("bullwhip")
    if not bullwhip > th.amplification_bullwhip:
        return None
    if f.rounds is not None and f.rounds < th.amplification_min_rounds:
        return None
    severity: Severity = "critical" if bullwhip > th.amplification_critical_bullwhip else "warning"
    return "amplification", severity, {"bullwhip": bullwhip, "limit": th.amplification_bullwhip}


def _pipeline(f: NodeFacts, th: Thresholds) -> _Finding | None:
    if f.pipeline_rounds == 0 or f.pipeline_count < th.pipeline_min_count:
        return None
    share = f.pipeline_count / f.pipeline_rounds
    if not share > th.pipeline_share:
        return None
    severity: Severity = "critical" if share >= th.pipeline_critical_share else "warning"
    return "pipeline", severity, {
        "share": share,
        "count": f.pipeline_count,
        "rounds": f.pipeline_rounds,
        "weeks_on_order": _weeks(f.pipeline_cover_periods, f.period_days),
        "lead_weeks": _weeks(f.lead_periods, f.period_days),
        "limit": th.pipeline_share,
    }  # fmt: skip


def _backlog(f: NodeFacts, th: Thresholds) -> _Finding | None:
    rate = f.kpi("stockout_rate")
    if not rate > th.backlog_stockout_rate:
        return None
    severity: Severity = "critical" if rate > th.backlog_critical_stockout_rate else "warning"
    return "backlog", severity, {
        "stockout_rate": rate, "mean_backorder": f.kpi("mean_backorder"), "limit": th.backlog_stockout_rate,
    }  # fmt: skip


def _excess_stock(f: NodeFacts, th: Thresholds) -> _Finding | None:
    weeks = f.kpi("weeks_of_supply")
    if not weeks > th.excess_weeks_of_supply:
        return None
    severity: Severity = "critical" if weeks > th.excess_critical_weeks_of_supply else "warning"
    holding = f.kpi("holding_cost")
    return "excess_stock", severity, {
        "weeks_of_supply": weeks, "holding_cost": 0.0 if math.isnan(holding) else holding,
        "limit": th.excess_weeks_of_supply,
    }  # fmt: skip


def _reaction(f: NodeFacts, th: Thresholds) -> _Finding | None:
    step = f.step
    if step is None:
        return None
    evidence: dict[str, float | int | str] = {
        "round": step.period + 1, "before": round(step.before, 1), "after": round(step.after, 1),
    }  # fmt: skip
    if f.reaction_periods is None:
        if f.periods_after_step <= th.late_reaction_periods:
            return None  # the game ended before a reaction was due
        evidence.update(rounds=f.periods_after_step, weeks=_weeks(f.periods_after_step, f.period_days))
        return "no_reaction", "critical", evidence
    if f.reaction_periods <= th.late_reaction_periods:
        return None
    evidence.update(rounds=f.reaction_periods, weeks=_weeks(f.reaction_periods, f.period_days))
    evidence["limit"] = th.late_reaction_periods
    return "late_reaction", "warning", evidence


def _credit_holds(f: NodeFacts, th: Thresholds) -> _Finding | None:
    held, fill = f.kpi("orders_held_share"), f.kpi("fill_rate")
    if not (held > th.credit_held_share and fill < th.credit_low_fill_rate):
        return None
    severity: Severity = "critical" if fill < th.credit_critical_fill_rate else "warning"
    return "credit_holds", severity, {"held_share": held, "fill_rate": fill, "limit": th.credit_held_share}


def _approval_queue(f: NodeFacts, th: Thresholds) -> _Finding | None:
    wait = f.kpi("approval_wait_days")
    if not wait > th.approval_wait_days:
        return None
    return "approval_queue", "warning", {"wait_days": wait, "limit": th.approval_wait_days}


_RULES = (_amplification, _pipeline, _backlog, _excess_stock, _reaction, _credit_holds, _approval_queue)


def _good_play(f: NodeFacts, th: Thresholds, found: list[_Finding]) -> _Finding | None:
    fill, bullwhip = f.kpi("fill_rate"), f.kpi("bullwhip")
    if any(severity != "info" for _, severity, _ in found):
        return None
    if not (fill >= th.good_fill_rate and bullwhip <= th.good_bullwhip):
        return None
    return "good_play", "info", {"fill_rate": fill, "bullwhip": bullwhip, "limit": th.good_bullwhip}


def advise_facts(
    facts: Sequence[NodeFacts],
    *,
    lang: str = DEFAULT_LANGUAGE,
    thresholds: Thresholds | None = None,
    catalogue: Catalogue | None = None,
) -> list[Advice]:
    """Apply the rules to ``facts``: advice sorted by severity (critical first), then node and rule order."""
    th = thresholds or Thresholds()
    texts = catalogue or CATALOGUE
    advice = []
    for f in facts:
        found = [finding for rule in _RULES if (finding := rule(f, th)) is not None]
        praise = _good_play(f, th, found)
        if praise is not None:
            found.append(praise)
        for code, severity, evidence in found:
            evidence = {"node": f.node, **evidence}
            advice.append(Advice(code, severity, texts.get(f"advice.{code}", lang=lang, **evidence), evidence))
    order = {id(a): i for i, a in enumerate(advice)}
    return sorted(advice, key=lambda a: (_SEVERITY_ORDER[a.severity], order[id(a)]))


@dataclass(frozen=True)
class ProductBacklog:
    """Waiting customers of one level (a node or a group of nodes) and one product, for :func:`product_backlog_advice`.

    ``level`` and ``product`` are the names shown; ``node`` and ``sku`` go to the evidence.
    """

    node: str
    sku: str
    level: str
    product: str
    stockout_rate: float
    mean_backorder: float


def product_backlog_advice(
    rows: Sequence[ProductBacklog],
    *,
    key: str,
    lang: str = DEFAULT_LANGUAGE,
    thresholds: Thresholds | None = None,
    catalogue: Catalogue | None = None,
) -> list[Advice]:
    """The ``backlog`` rule once per (level, product): one advice each, its text (catalogue ``key``) naming both.

    The same rule as for a node (``stockout_rate`` > 20 %, critical > 50 %), judged per row;
    the text takes ``level``, ``product``, ``stockout_rate``, ``mean_backorder`` and ``limit``.
    Sorted as :func:`advise_facts` sorts (critical first, then row order).
    """
    th = thresholds or Thresholds()
    texts = catalogue or CATALOGUE
    advice = []
    for row in rows:
        rate = float(row.stockout_rate)
        if not rate > th.backlog_stockout_rate:
            continue
        severity: Severity = "critical" if rate > th.backlog_critical_stockout_rate else "warning"
        numbers = {"stockout_rate": rate, "mean_backorder": float(row.mean_backorder),
                   "limit": th.backlog_stockout_rate}  # fmt: skip
        message = texts.get(key, lang=lang, level=row.level, product=row.product, **numbers)
        advice.append(Advice("backlog", severity, message, {"node": row.node, "sku": row.sku, **numbers}))
    return sorted(advice, key=lambda a: _SEVERITY_ORDER[a.severity])


def advise(
    result: Result,
    *,
    role: str | None = None,
    lang: str = DEFAULT_LANGUAGE,
    thresholds: Thresholds | None = None,
    catalogue: Catalogue | None = None,
) -> list[Advice]:
    """Plain-language advice on the trainee's play in ``result`` (rules in the module docstring)."""
    facts = game_facts(result, role=role, thresholds=thresholds)
    return advise_facts(facts, lang=lang, thresholds=thresholds, catalogue=catalogue)


# --------------------------------------------------------------------------- score


@dataclass(frozen=True)
class ScoreWeights:
    """Weights of the score formula (defaults: a = 10, b = 0.5, c = 1).

    ``cost`` (a): points lost for costing as much as the benchmark (twice the benchmark
    loses 2a); ``service`` (b): points per percentage point of OTIF missed; ``bullwhip``
    (c): points per 0.1 of bullwhip above 1; ``benchmark_cost``: the cost to compare with
    (``None``: :func:`benchmark_cost` replays the game). With the defaults, matching the
    benchmark costs 10 points, 80% OTIF 10 points and a bullwhip of 2 another 10.
    """

    cost: float = 10.0
    service: float = 0.5
    bullwhip: float = 1.0
    benchmark_cost: float | None = None

    def __post_init__(self) -> None:
        for name in ("cost", "service", "bullwhip"):
            value = getattr(self, name)
            if not (isinstance(value, int | float) and math.isfinite(value) and value >= 0):
                raise ValueError(f"score weight {name} must be a finite number >= 0, got {value!r}")
        if self.benchmark_cost is not None and not (math.isfinite(self.benchmark_cost) and self.benchmark_cost > 0):
            raise ValueError(f"benchmark_cost must be a finite number > 0, got {self.benchmark_cost!r}")


@dataclass(frozen=True)
class ScoreBreakdown:
    """A score and how it was reached: the inputs and the points each term took off."""

    score: float
    cost: float
    benchmark_cost: float
    otif: float
    bullwhip: float
    cost_points: float
    service_points: float
    bullwhip_points: float
    weights: ScoreWeights = field(default_factory=ScoreWeights)
    nodes: tuple[str, ...] = ()

    def formula(self, lang: str = DEFAULT_LANGUAGE, catalogue: Catalogue | None = None) -> str:
        """The formula as text, with this score's weights."""
        w = self.weights
        return (catalogue or CATALOGUE).get(
            "score.formula", lang=lang, cost_weight=w.cost, service_weight=w.service, bullwhip_weight=w.bullwhip
        )

    def explain(self, lang: str = DEFAULT_LANGUAGE, catalogue: Catalogue | None = None) -> list[str]:
        """One line a term, with the numbers, then the total."""
        texts = catalogue or CATALOGUE
        lines = [
            texts.get("score.cost_term", lang=lang, cost=self.cost, benchmark_cost=self.benchmark_cost,
                      points=self.cost_points),
            texts.get("score.service_missing", lang=lang) if math.isnan(self.otif)
            else texts.get("score.service_term", lang=lang, otif=self.otif, points=self.service_points),
            texts.get("score.bullwhip_missing", lang=lang) if math.isnan(self.bullwhip)
            else texts.get("score.bullwhip_term", lang=lang, bullwhip=self.bullwhip, points=self.bullwhip_points),
            texts.get("score.total", lang=lang, score=self.score),
        ]  # fmt: skip
        return lines


def score_from(
    cost: float,
    benchmark_cost: float,
    otif: float,
    bullwhip: float,
    weights: ScoreWeights | None = None,
    nodes: Sequence[str] = (),
) -> ScoreBreakdown:
    """``100 − a·cost/benchmark − b·(1 − OTIF)·100 − c·max(0, bullwhip − 1)·10``, clipped to 0..100.

    A NaN OTIF (no orders due) or bullwhip (demand did not vary) takes no points. With a
    benchmark of 0, any cost above 0 takes 100 points.
    """
    w = weights or ScoreWeights()
    if benchmark_cost > 0:
        cost_points = w.cost * max(cost, 0.0) / benchmark_cost
    else:
        cost_points = 0.0 if cost <= 0 else 100.0
    service_points = 0.0 if math.isnan(otif) else w.service * (1.0 - min(max(otif, 0.0), 1.0)) * 100.0
    bullwhip_points = 0.0 if math.isnan(bullwhip) else w.bullwhip * max(0.0, bullwhip - 1.0) * 10.0
    total = min(100.0, max(0.0, 100.0 - cost_points - service_points - bullwhip_points))
    return ScoreBreakdown(
        score=total, cost=cost, benchmark_cost=benchmark_cost, otif=otif, bullwhip=bullwhip,
        cost_points=cost_points, service_points=service_points, bullwhip_points=bullwhip_points,
        weights=w, nodes=tuple(nodes),
    )  # fmt: skip


def _role_numbers(result: Result, nodes: Sequence[str]) -> tuple[float, float, float]:
    """Total cost (summed), OTIF and bullwhip (means over the nodes, NaN left out)."""
    from chansim.metrics import kpis

    table = kpis(result).set_index("node").loc[list(nodes)]
    cost = float(table["total_cost"].sum())
    otif = table["otif"].dropna()
    bullwhip = table["bullwhip"].dropna()
    return (
        cost,
        float(otif.mean()) if len(otif) else math.nan,
        float(bullwhip.mean()) if len(bullwhip) else math.nan,
    )


def benchmark_cost(result: Result, *, role: str | None = None, safety_factor: float = 1.65) -> float:
    """The role's total cost when the same game (same seed, days, demand) is replayed by a textbook player.

    Every ``manual`` node x SKU is given an order-up-to (base-stock) policy with
    ``S = ceil((L + 1)·μ + safety_factor·σ·sqrt(L + 1))``, μ and σ the mean and standard
    deviation of the demand it received per round in ``result``, L its delay in rounds; the
    other nodes keep their policies. Common random numbers make the comparison fair.
    """
    import yaml

    from chansim.engine import run
    from chansim.io import parse_scenario, scenario_to_yaml

    scenario = result.scenario
    topo = scenario.topology
    nodes = roles(result, role)
    data = yaml.safe_load(scenario_to_yaml(scenario))
    levels = result.levels
    period = result.info.period_days
    for node_data in data["nodes"]:
        node = topo.node_by_name[node_data["name"]]
        for sku in topo.skus_of_node[node.name]:
            if not isinstance(topo.policy_for(node, sku), sc.Manual):
                continue
            rows = levels[(levels["node"].astype(str) == node.name) & (levels["sku"].astype(str) == sku)]
            demand = rows["demand"].to_numpy(float)
            mean = float(demand.mean()) if len(demand) else 0.0
            spread = float(demand.std(ddof=1)) if len(demand) > 1 else 0.0
            protection = (node.order_delay_days + topo.lane_for[node.name, sku].lead_time_days) / period + 1
            level = math.ceil(protection * mean + safety_factor * spread * math.sqrt(protection))
            policy = {"type": "base_stock", "order_up_to": level}
            items = node_data.setdefault("items", [])
            item = next((i for i in items if i["sku"] == sku), None)
            if item is None:
                items.append({"sku": sku, "policy": policy})
            else:
                item["policy"] = policy
    replay = run(
        parse_scenario(data, source=f"<benchmark of {scenario.name}>"),
        seed=result.info.seed,
        days=result.info.days,
        replication=result.info.replication,
        record_events=False,
    )
    return _role_numbers(replay, nodes)[0]


def score(result: Result, weights: ScoreWeights | None = None, *, role: str | None = None) -> ScoreBreakdown:
    """The trainee's score (formula in :func:`score_from`), for the nodes of :func:`roles`.

    Cost is the roles' ``total_cost`` summed; OTIF and bullwhip their means. The benchmark is
    ``weights.benchmark_cost`` or, when that is ``None``, :func:`benchmark_cost`.
    """
    w = weights or ScoreWeights()
    nodes = roles(result, role)
    cost, otif, bullwhip = _role_numbers(result, nodes)
    benchmark = w.benchmark_cost if w.benchmark_cost is not None else benchmark_cost(result, role=role)
    return score_from(cost, benchmark, otif, bullwhip, w, nodes)
