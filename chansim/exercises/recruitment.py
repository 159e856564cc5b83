"""Partner recruitment and screening: weigh an evaluation index, sign partners, see how they really do.

The channel is a Faker-made two-tier channel (:func:`chansim.generate.generate_scenario` with
``--business --applicants``): a vendor, one distributor per region, three dealers each, and
for every round a fresh pool of applicant dealers per region (company name, city, contact,
founding year). Each applicant has a **hidden capability** (0-1, Beta(2.5, 2), the
``partners.recruitment.capability`` of ``scenarios/stage-2-recruitment.yaml``) and **noisy
observed scores** (0-100) on the evaluation index :data:`EVALUATION` (the stage-2 criteria:
``100 × clip(capability + bias + Normal(0, noise²), 0, 1)``; capital is overstated by 5 points
on average, credit history is measured best, the service team worst).

A round:

1. the trainee sets the **weights** of the index (:meth:`Recruitment.set_weights`: numbers
   ``>= 0``, not all zero; divided by their sum);
2. sees the applicants **ranked** by the weighted composite score (:meth:`Recruitment.ranking`);
3. **chooses** up to ``picks_per_region`` partners per region (:meth:`Recruitment.choose`);
4. **reveals** (:meth:`Recruitment.reveal`): the real engine simulates ``reveal_days`` days with the
   business layer. The picks are signed on day 0 (the recruitment round's ``select``), onboard
   for ``round(30 × (1.5 − k))`` days (a capable partner is set up sooner: 45 days at
   capability 0, 15 at 1) and ramp up over 60; their capability scales their demand
   (``capability_effect`` 1: demand × ``2k``, from nothing to twice a neutral dealer's) and is their **payment health**
   (order-to-cash: a weak partner pays later and goes bust more often, leaving bad debt:
   insolvency probability ``0.6 × (1 - k)`` a year). Churn follows the lifecycle's logistic
   model of margin, fill rate and satisfaction, which the index does not measure: each applicant
   has its own price discipline, a discount off list price to its customers drawn per applicant
   (0-15 %, :data:`MAX_PRICE_DISCOUNT`), so its margin, satisfaction and churn risk differ.
   Applicants of a region share one market size, so what they sell reflects their capability
   (and its discount).

**Score** (shown on the page with its benchmark): ``V = Σ over the signed partners of (sell-out
revenue - bad debt)`` over the revealed months; ``score = 100 × clip((V_yours - V_worst) / (V_best -
V_worst), 0, 1)``. The benchmarks are outcomes, not capabilities: every applicant of the pool is
first evaluated in one run that signs them all (:meth:`Recruitment.evaluation`, the suppliers sized
for all of them, the same seed: common random numbers), which gives each applicant its outcome
value ``v_a`` (a partner that churns or goes bust early is worth little whatever its capability).
``V_best`` is the value of the best achievable choice, simulated: per region the (at most)
``picks_per_region`` applicants of the highest ``v_a``, those with ``v_a > 0`` only, or the
highest-capability choice when that did better in its own simulation (who else is signed
changes which churn and insolvency draws a partner gets, so ``v_a`` is an estimate and both
are simulated);
``V_worst`` that of the worst achievable choice (at least one pick; "at most" means fewer are
allowed): every applicant with ``v_a < 0`` within the limits, or else the single applicant of the
lowest ``v_a``, simulated. 100: as good as the best achievable choice; 0: no
better than the worst. Signing fewer partners than allowed is allowed and scored on the same scale
(one strong partner instead of two scores what its value is worth, not 0).

**Rounds.** Up to ``rounds`` rounds, each with a new applicant pool and its own seed. ``undo``
takes the last round back (its pool and choice become current again: "try other weights");
``reset`` starts from round 1. Everything is a function of (seed, decisions): the same seed and
decisions give the same pools, simulations and scores.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from chansim import scenario as sc
from chansim.business.partners import Criterion, EvaluationIndex
from chansim.config.distributions import Uniform
from chansim.engine import Session
from chansim.exercises.contract import Exercise, jsonable
from chansim.exercises.feedback import Advice
from chansim.exercises.game import DecisionError, Score, check_keys, check_number, expected_daily_demand
from chansim.exercises.game import shown_value as _shown
from chansim.exercises.messages import CATALOGUE, DEFAULT_LANGUAGE, Catalogue
from chansim.generate import GeneratorOptions, generate_scenario

__all__ = [
    "APPLICANT_COLUMNS",
    "CRITERIA",
    "EVALUATION",
    "OUTCOME_COLUMNS",
    "REPORT_COLUMNS",
    "Recruitment",
    "RecruitmentDecision",
    "RoundOutcome",
]

#: The evaluation index of the exercise (the criteria of ``scenarios/stage-2-recruitment.yaml``):
#: noise in score points (0-100), bias in capability units (capital is overstated).
EVALUATION = EvaluationIndex(
    criteria=[
        Criterion(name="capital", weight=0.25, noise_std=15.0, bias=0.05),
        Criterion(name="regional_coverage", weight=0.20, noise_std=10.0),
        Criterion(name="category_experience", weight=0.20, noise_std=22.0),
        Criterion(name="credit_history", weight=0.20, noise_std=8.0),
        Criterion(name="service_team", weight=0.15, noise_std=30.0),
    ]
)
CRITERIA: tuple[str, ...] = tuple(EVALUATION.names)
NOISE: dict[str, float] = {c.name: c.noise_std for c in EVALUATION.criteria}
BIAS: dict[str, float] = {c.name: c.bias for c in EVALUATION.criteria}
#: The largest weight accepted (weights are relative; anything bigger is a typo).
MAX_WEIGHT = 1000.0
MONTH_DAYS = 30
#: Churn model intercept (the lifecycle's logistic model; lower than the default 2.0: recruits rarely leave).
CHURN_INTERCEPT = 1.0
#: Stock and credit of the suppliers are sized for the recruits' demand times this (strong recruits sell more).
HEADROOM = 1.5
#: Demand multiplier of a recruit of capability k: ``1 + CAPABILITY_EFFECT (2k - 1)`` (0 to 2).
CAPABILITY_EFFECT = 1.0
#: Onboarding of a recruit of capability k: ``round(ONBOARDING_DAYS × (1.5 − k))`` days (45 at k = 0, 15 at k = 1).
ONBOARDING_DAYS = 30
#: The most an applicant discounts off list price to its customers (its own price discipline, drawn uniformly
#: per applicant from the round's seed; the index does not measure it): less margin, less satisfaction, more churn.
MAX_PRICE_DISCOUNT = 0.15


def onboarding_days(capability: float) -> int:
    """The onboarding days of a recruit of hidden ``capability``: a capable partner is set up sooner."""
    return int(round(ONBOARDING_DAYS * (1.5 - capability)))

#: Columns of :meth:`Recruitment.applicants` (then one column per criterion).
APPLICANT_COLUMNS = ["applicant", "company", "city", "region", "contact", "founded"]
#: Columns of :meth:`RoundOutcome.outcome` (one row per signed partner and run).
OUTCOME_COLUMNS = [
    "round", "run", "applicant", "company", "region", "rank", "composite", "capability", "activated",
    "active_day", "sales", "target", "attainment", "churned", "exit_day", "exit_month", "exit_reason",
    "satisfaction", "bad_debt", "value",
]  # fmt: skip
#: Columns of :meth:`Recruitment.report` (the CSV download).
REPORT_COLUMNS = [
    "exercise", "seed", "round_seed", *OUTCOME_COLUMNS[:2], "score", *[f"weight_{c}" for c in CRITERIA],
    *OUTCOME_COLUMNS[2:],
]  # fmt: skip


def _round_seed(seed: int, round_index: int) -> int:
    """The simulation seed of round ``round_index`` (0-based): one stream a round."""
    return int(np.random.SeedSequence([seed, round_index]).generate_state(1)[0])


@dataclass(frozen=True)
class RoundOutcome:
    """What one revealed round decided and what happened."""

    round: int
    seed: int
    weights: Mapping[str, float]
    picks: tuple[str, ...]
    best: tuple[str, ...]
    pool: pd.DataFrame  # every applicant: scores, composite, rank, capability, outcome_value, picked, best
    outcome: pd.DataFrame  # OUTCOME_COLUMNS, runs "yours" and "best"
    monthly: pd.DataFrame  # run, applicant, company, month, sales
    value_yours: float
    value_best: float
    value_worst: float
    score: float
    advice_facts: tuple[tuple[str, str, dict[str, Any]], ...] = field(default=())
    raw_weights: Mapping[str, float] = field(default_factory=dict)  # as the trainee typed them (the log's)

    def run(self, which: str) -> pd.DataFrame:
        """The outcome rows of ``"yours"`` or ``"best"``."""
        return self.outcome[self.outcome["run"] == which]

    def kpis(self) -> dict[str, float]:
        """The KPI cards of the round (your signed partners).

        ``activation`` share that became active, ``target_attainment`` Σ sales / Σ target,
        ``churned`` how many left (churn or insolvency), ``bad_debt`` Σ written off.
        """
        mine = self.run("yours")
        target = float(mine["target"].sum())
        return {
            "activation": float(mine["activated"].mean()) if len(mine) else math.nan,
            "target_attainment": float(mine["sales"].sum()) / target if target > 0 else math.nan,
            "churned": float(mine["churned"].sum()),
            "bad_debt": float(mine["bad_debt"].sum()),
        }


#: Columns of :meth:`Recruitment.kpis`.
KPI_COLUMNS = ["round", "score", "activation", "target_attainment", "churned", "bad_debt"]
#: The game's score formula (the catalogue's ``recruitment.score.mean_formula``).
SCORE_FORMULA = "score = mean over the rounds of 100 × clip((V_yours − V_worst) / (V_best − V_worst), 0, 1)"


class RecruitmentDecision(BaseModel):
    """One round's decision of the recruitment exercise (the contract's ``play_round`` takes it as a dict)."""

    model_config = ConfigDict(extra="forbid")

    weights: dict[Literal[CRITERIA], float] = Field(  # type: ignore[valid-type]
        description="Weight of every criterion of the evaluation index (0-1000, not all 0; divided by their sum)."
    )
    picks: list[str] = Field(
        min_length=1, description="The applicants signed this round (at most picks_per_region a region)."
    )


class Recruitment(Exercise):
    """The recruitment exercise's controller (no widgets); see the module docstring.

    Exercise contract name ``recruitment``; a decision is ``{"weights": {criterion: w},
    "picks": [applicant, ...]}``; the standard process (:meth:`default_decision`) weighs the
    criteria as the evaluation index does and signs the top of each region's ranking.

    Args:
        seed: every random draw (applicant names, capability, scores, demand, churn) follows from it.
        locale: ``en_US`` or ``zh_CN``: the language of company names, cities and money scale.
        regions: regions of the channel (2-4).
        applicants_per_region: applicants per region and round (3-12).
        picks_per_region: the most partners signed per region (1 to ``applicants_per_region - 1``).
        reveal_days: days simulated after signing (90-720).
        rounds: rounds in the game (1-5), each with a new pool.

    """

    exercise = "recruitment"
    name = "recruitment"
    Decision = RecruitmentDecision

    def __init__(
        self,
        seed: int = 0,
        *,
        locale: str = "en_US",
        regions: int = 2,
        applicants_per_region: int = 6,
        picks_per_region: int = 2,
        reveal_days: int = 270,
        rounds: int = 3,
    ) -> None:
        if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
            raise DecisionError("validation.not_whole" if isinstance(seed, float) else "validation.negative",
                                {"field": "seed", "value": _shown(seed), "minimum": 0, "maximum": 2**31})  # fmt: skip
        if locale not in ("en_US", "zh_CN"):
            raise DecisionError("validation.unknown_choice",
                                {"field": "locale", "value": _shown(locale), "allowed": "en_US, zh_CN"})  # fmt: skip
        regions = int(check_number(regions, "regions", minimum=2, maximum=4, whole=True))
        applicants_per_region = int(check_number(applicants_per_region, "applicants_per_region", minimum=3,
                                                 maximum=12, whole=True))  # fmt: skip
        picks_per_region = int(check_number(picks_per_region, "picks_per_region", minimum=1,
                                            maximum=applicants_per_region - 1, whole=True))  # fmt: skip
        reveal_days = int(check_number(reveal_days, "reveal_days", minimum=90, maximum=720, whole=True))
        rounds = int(check_number(rounds, "rounds", minimum=1, maximum=5, whole=True))
        self.seed = int(seed)
        self.options: dict[str, Any] = {
            "locale": locale, "regions": regions, "applicants_per_region": applicants_per_region,
            "picks_per_region": picks_per_region, "reveal_days": reveal_days, "rounds": rounds,
        }  # fmt: skip
        self.locale = locale
        self.picks_per_region = picks_per_region
        self.applicants_per_region = applicants_per_region
        self.reveal_days = reveal_days
        self.total_rounds = rounds
        options = GeneratorOptions(
            seed=self.seed, locale=locale, regions=regions, dealers_per_distributor=2, skus=3, days=reveal_days,
            business=True, applicants=applicants_per_region * rounds,
        )  # fmt: skip
        self.channel = generate_scenario(options)
        self.regions: list[str] = [r.name for r in self.channel.regions]
        self.region_names: dict[str, str] = {r.name: r.display_name or r.name for r in self.channel.regions}
        self.history: list[RoundOutcome] = []
        self._weights: dict[str, float] = {c: 1.0 for c in CRITERIA}
        self._picks: tuple[str, ...] = ()
        self._pools: dict[int, tuple[sc.Scenario, pd.DataFrame]] = {}
        self._best_runs: dict[int, Any] = {}
        self._evaluations: dict[int, pd.DataFrame] = {}

    # ------------------------------------------------------------------ state
    @property
    def round(self) -> int:
        """Rounds revealed so far (the current round is ``round + 1``)."""
        return len(self.history)

    @property
    def rounds(self) -> int:
        """Rounds in the game."""
        return self.total_rounds

    @property
    def finished(self) -> bool:
        """Whether every round has been revealed."""
        return self.round >= self.rounds

    @property
    def weights(self) -> dict[str, float]:
        """The current weights, normalised to sum 1."""
        total = sum(self._weights.values())
        return {c: self._weights[c] / total for c in CRITERIA}

    @property
    def raw_weights(self) -> dict[str, float]:
        """The weights as the trainee typed them."""
        return dict(self._weights)

    @property
    def picks(self) -> tuple[str, ...]:
        """The applicants chosen for the current round (not yet revealed)."""
        return self._picks

    @property
    def seed_of_round(self) -> int:
        """The simulation seed of the current round."""
        return _round_seed(self.seed, min(self.round, self.rounds - 1))

    # ------------------------------------------------------------------ the contract's decisions
    def play_round(self, decision: Mapping[str, Any] | None = None) -> RoundOutcome:
        """Play the round with ``decision`` (``{"weights": ..., "picks": [...]}``) or, with none, the pending choice.

        The decision is checked in full (the errors of :meth:`set_weights` and :meth:`choose`)
        before anything changes; then the round is revealed (:meth:`reveal`).
        """
        self._check_open()
        if decision is not None:
            checked = check_keys(decision, ("weights", "picks"), ("weights", "picks"))
            weights, picks = self._weights, self._picks
            try:
                if not isinstance(checked["weights"], Mapping):
                    raise DecisionError("validation.missing_decision", {"field": "weights",
                                                                        "allowed": ", ".join(CRITERIA)})  # fmt: skip
                self.set_weights(checked["weights"])
                chosen = checked["picks"]
                if isinstance(chosen, str | bytes) or not isinstance(chosen, Iterable):
                    raise DecisionError("recruitment.error.no_picks", {"maximum": self.picks_per_region})
                self.choose(chosen)
            except DecisionError:
                self._weights, self._picks = weights, picks
                raise
        return self.reveal()

    def default_decision(self) -> dict[str, Any]:
        """The standard process: the evaluation index's own weights, the top ``picks_per_region`` of each region."""
        self._check_open()
        weights = {c.name: c.weight for c in EVALUATION.criteria}
        ranking = self.ranking(weights)
        picks = list(ranking[ranking["region_rank"] <= self.picks_per_region]["applicant"])
        order = {name: i for i, name in enumerate(self.applicants()["applicant"])}
        return {"weights": weights, "picks": sorted(picks, key=order.__getitem__)}

    def played_decisions(self) -> list[dict[str, Any]]:
        """The decisions of the revealed rounds, first first (weights as typed, picks)."""
        return [{"weights": dict(h.raw_weights or h.weights), "picks": list(h.picks)} for h in self.history]

    def state(self) -> dict[str, Any]:
        """What the trainee sees (JSON-able): where the game is, the current pool and each revealed round.

        ``applicants`` are the current round's applications (empty when finished); ``revealed``
        per round: weights (normalised), picks, best choice, values and score.
        """
        return jsonable({
            "round": self.round, "rounds": self.rounds, "finished": self.finished, "regions": self.regions,
            "round_seed": self.seed_of_round, "applicants": self.applicants() if not self.finished else [],
            "revealed": [
                {"round": h.round, "seed": h.seed, "weights": h.weights, "picks": h.picks, "best": h.best,
                 "value_yours": h.value_yours, "value_best": h.value_best, "value_worst": h.value_worst,
                 "score": h.score}
                for h in self.history
            ],
        })  # fmt: skip

    def kpis(self) -> pd.DataFrame:
        """One row per revealed round: its score and KPI cards (:meth:`RoundOutcome.kpis`), :data:`KPI_COLUMNS`."""
        rows = [{"round": h.round, "score": h.score, **h.kpis()} for h in self.history]
        return pd.DataFrame(rows, columns=KPI_COLUMNS)

    def score(self) -> Score:
        """``score`` = the mean of the revealed rounds' scores (NaN before the first reveal); components per round."""
        scores = self.scores()
        value = float(np.mean(scores)) if scores else math.nan
        return Score(
            value=value, formula_key="recruitment.score.mean_formula", formula=SCORE_FORMULA,
            params={"rounds": float(len(scores))},
            components={f"round_{h.round}": h.score for h in self.history},
        )  # fmt: skip

    def advice(self, lang: str = DEFAULT_LANGUAGE) -> list[Advice]:
        """Advice on the last revealed round (:meth:`advise`)."""
        return self.advise(lang)

    # ------------------------------------------------------------------ decisions
    def set_weights(
        self, weights: Mapping[str, object], *, labels: Mapping[str, str] | None = None
    ) -> dict[str, float]:
        """Set the weights of the criteria; returns them normalised.

        Every criterion of :data:`CRITERIA` must be given, as a number from 0 to
        :data:`MAX_WEIGHT` (text that parses as a number is accepted); not all may be 0.
        ``labels`` names the fields in the trainee's language in the messages.

        Raises:
            DecisionError: ``validation.*`` for a bad number, ``validation.unknown_choice`` for an
                unknown criterion, ``validation.missing_decision`` for a missing one,
                ``recruitment.error.weights_zero`` when they sum to 0.

        """
        labels = labels or {}
        unknown = [k for k in weights if k not in CRITERIA]
        if unknown:
            params = {"field": "weights", "value": _shown(unknown[0]), "allowed": ", ".join(CRITERIA)}
            raise DecisionError("validation.unknown_choice", params)
        missing = [c for c in CRITERIA if c not in weights]
        if missing:
            params = {"field": labels.get(missing[0], missing[0]), "allowed": ", ".join(CRITERIA)}
            raise DecisionError("validation.missing_decision", params)
        checked = {c: check_number(weights[c], labels.get(c, c), maximum=MAX_WEIGHT) for c in CRITERIA}
        if sum(checked.values()) <= 0:
            raise DecisionError("recruitment.error.weights_zero")
        self._weights = checked
        return self.weights

    def choose(self, applicants: Iterable[str]) -> tuple[str, ...]:
        """Choose the applicants to sign this round (replaces an earlier choice).

        Raises:
            DecisionError: ``control.game_over`` after the last round; ``validation.unknown_choice``
                for a name not in the current pool; ``recruitment.error.no_picks`` for an empty
                choice; ``recruitment.error.too_many`` when a region gets more than ``picks_per_region``.

        """
        self._check_open()
        chosen = list(dict.fromkeys(applicants))
        pool = self.applicants()
        known = list(pool["applicant"])
        for name in chosen:
            if name not in known:
                params = {"field": "applicant", "value": _shown(name), "allowed": ", ".join(known)}
                raise DecisionError("validation.unknown_choice", params)
        if not chosen:
            raise DecisionError("recruitment.error.no_picks", {"maximum": self.picks_per_region})
        region_of = dict(zip(pool["applicant"], pool["region"], strict=True))
        for region in self.regions:
            count = sum(1 for name in chosen if region_of[name] == region)
            if count > self.picks_per_region:
                raise DecisionError("recruitment.error.too_many",
                                    {"region": self.region_names[region], "count": count,
                                     "maximum": self.picks_per_region})  # fmt: skip
        order = {name: i for i, name in enumerate(known)}
        self._picks = tuple(sorted(chosen, key=order.__getitem__))
        return self._picks

    # ------------------------------------------------------------------ what the trainee sees
    def applicants(self) -> pd.DataFrame:
        """The current round's applications: :data:`APPLICANT_COLUMNS` and the observed criterion scores."""
        return self._pool(min(self.round, self.rounds - 1))[1].drop(columns=["capability"])

    def ranking(self, weights: Mapping[str, float] | None = None) -> pd.DataFrame:
        """The applicants ranked by composite score (Σ normalised weight × score), best first.

        Columns: ``rank`` (1 = best overall), ``region_rank``, then :meth:`applicants`' columns and
        ``composite``. Ties: by applicant name.
        """
        w = self.weights if weights is None else _normalised(weights)
        table = self.applicants()
        return _ranked(table, w)

    # ------------------------------------------------------------------ reveal
    def reveal(self) -> RoundOutcome:
        """Sign the chosen applicants, simulate ``reveal_days`` days, and record the round.

        Raises:
            DecisionError: ``control.game_over`` after the last round, ``recruitment.error.no_picks``
                when nothing is chosen.

        """
        self._check_open()
        if not self._picks:
            raise DecisionError("recruitment.error.no_picks", {"maximum": self.picks_per_region})
        r = self.round
        scenario, pool = self._pool(r)
        seed = _round_seed(self.seed, r)
        weights = self.weights
        raw_weights = dict(self._weights)
        ranked = _ranked(pool.drop(columns=["capability"]), weights).set_index("applicant")
        full = pool.set_index("applicant")
        full["composite"] = ranked["composite"]
        full["rank"] = ranked["rank"]
        full["region_rank"] = ranked["region_rank"]
        values = self.evaluation(r)
        worst = self.best_choice(r, worst=True)
        full["outcome_value"] = pd.Series(values)
        full["picked"] = full.index.isin(self._picks)
        best = self.benchmark_choice(r)
        _, best_result, worst_result = self._best_runs[r]
        # the same scenario, seed and picks give the same run: a benchmark's is reused
        known = {best: best_result, worst: worst_result}
        yours = known[self._picks] if self._picks in known else self._simulate(scenario, seed, self._picks)
        full["best"] = full.index.isin(best)
        full = full.reset_index()
        rows, monthly = [], []
        runs = (("yours", yours, self._picks), ("best", best_result, best), ("worst", worst_result, worst))
        for run, result, names in runs:
            r_rows, r_monthly = self._measure(result, scenario, full, names, run, r + 1)
            rows += r_rows
            monthly += r_monthly
        outcome = pd.DataFrame(rows, columns=OUTCOME_COLUMNS)
        monthly_frame = pd.DataFrame(monthly, columns=["run", "applicant", "company", "month", "sales"])
        v_yours = float(outcome.loc[outcome["run"] == "yours", "value"].sum())
        v_best = float(outcome.loc[outcome["run"] == "best", "value"].sum())
        v_worst = float(outcome.loc[outcome["run"] == "worst", "value"].sum())
        score = score_from(v_yours, v_best, v_worst)
        record = RoundOutcome(
            round=r + 1, seed=seed, weights=weights, picks=self._picks, best=best, pool=full, outcome=outcome,
            monthly=monthly_frame, value_yours=v_yours, value_best=v_best, value_worst=v_worst, score=score,
            raw_weights=raw_weights,
        )  # fmt: skip
        record = _with_facts(record, self)
        self.history.append(record)
        self._picks = ()
        return record

    def best_choice(self, round_index: int | None = None, *, worst: bool = False) -> tuple[str, ...]:
        """The best achievable choice of a round (0-based; default current) by outcome (:meth:`evaluation`).

        Per region the (at most) ``picks_per_region`` applicants of the highest outcome value, those
        worth more than 0 only (the single best applicant when none is). With ``worst``: the worst
        achievable choice: the applicants worth less than 0 (at most ``picks_per_region`` a region),
        or, when none is, the single applicant of the lowest value. Ties by applicant name.
        """
        r = min(self.round, self.rounds - 1) if round_index is None else round_index
        pool = self._pool(r)[1]
        values = self.evaluation(r)
        ranked = pool.assign(value=pool["applicant"].map(values))
        chosen = []
        for region in self.regions:
            mine = ranked[ranked["region"] == region].sort_values(["value", "applicant"], ascending=[worst, True])
            mine = mine.iloc[: self.picks_per_region]
            chosen += list(mine.loc[mine["value"] < 0 if worst else mine["value"] > 0, "applicant"])
        if not chosen:
            order_by = ranked.sort_values(["value", "applicant"], ascending=[worst, True])
            chosen = [str(order_by["applicant"].iloc[0])]
        order = {name: i for i, name in enumerate(pool["applicant"])}
        return tuple(sorted(chosen, key=order.__getitem__))

    def benchmark_choice(self, round_index: int | None = None) -> tuple[str, ...]:
        """The choice the round's ``V_best`` is the value of (simulated once a round; see the module docstring).

        Of :meth:`best_choice` and :meth:`capability_choice`, the one of the higher simulated value
        (the first when they tie).
        """
        r = min(self.round, self.rounds - 1) if round_index is None else round_index
        if r not in self._best_runs:
            scenario, pool = self._pool(r)
            seed = _round_seed(self.seed, r)
            info = pool.assign(rank=0, composite=0.0)
            simulated = []
            for names in dict.fromkeys((self.best_choice(r), self.capability_choice(r))):
                result = self._simulate(scenario, seed, names)
                got, _ = self._measure(result, scenario, info, names, "best", r + 1)
                simulated.append((sum(row[OUTCOME_COLUMNS.index("value")] for row in got), names, result))
            _, best, best_result = max(simulated, key=lambda item: item[0])
            self._best_runs[r] = (best, best_result, self._simulate(scenario, seed, self.best_choice(r, worst=True)))
        return self._best_runs[r][0]

    def capability_choice(self, round_index: int | None = None) -> tuple[str, ...]:
        """The ``picks_per_region`` applicants of each region of the highest capability (a benchmark candidate)."""
        r = min(self.round, self.rounds - 1) if round_index is None else round_index
        pool = self._pool(r)[1]
        chosen = []
        for region in self.regions:
            mine = pool[pool["region"] == region].sort_values(["capability", "applicant"], ascending=[False, True])
            chosen += list(mine["applicant"][: self.picks_per_region])
        order = {name: i for i, name in enumerate(pool["applicant"])}
        return tuple(sorted(chosen, key=order.__getitem__))

    def evaluation(self, round_index: int | None = None) -> dict[str, float]:
        """Every applicant's outcome value ``v_a`` (sell-out revenue minus bad debt) in a run that signs them all.

        The round's scenario with the suppliers sized for every applicant, the round's seed;
        computed once a round (the benchmark choices of :meth:`best_choice` are picked by it).
        """
        table = self.evaluation_table(round_index)
        return {str(a): float(v) for a, v in zip(table["applicant"], table["value"], strict=True)}

    def evaluation_table(self, round_index: int | None = None) -> pd.DataFrame:
        """The evaluation run of a round (:meth:`evaluation`): one row per applicant, :data:`OUTCOME_COLUMNS`.

        ``rank`` and ``composite`` are 0 there (no ranking is involved).
        """
        r = min(self.round, self.rounds - 1) if round_index is None else round_index
        if r not in self._evaluations:
            _, pool = self._pool(r)
            everyone = self._round_scenario(r, select=None, sized_for=self.applicants_per_region)
            names = list(pool["applicant"])
            result = self._simulate(everyone, _round_seed(self.seed, r), names)
            info = pool.assign(rank=0, composite=0.0)
            rows, _ = self._measure(result, everyone, info, names, "evaluation", r + 1)
            self._evaluations[r] = pd.DataFrame(rows, columns=OUTCOME_COLUMNS)
        return self._evaluations[r].copy()

    def undo(self) -> RoundOutcome:
        """Take the last revealed round back: its pool, weights and choice become current again."""
        if not self.history:
            raise DecisionError("control.nothing_to_undo")
        record = self.history.pop()
        self._weights = dict(record.weights)
        self._picks = record.picks
        return record

    def reset(self) -> None:
        """Back to round 1 with no decisions (the same seed: the same pools)."""
        self.history.clear()
        self._weights = {c: 1.0 for c in CRITERIA}
        self._picks = ()

    # ------------------------------------------------------------------ results
    @property
    def last(self) -> RoundOutcome | None:
        """The last revealed round."""
        return self.history[-1] if self.history else None

    def scores(self) -> list[float]:
        """The score of each revealed round."""
        return [h.score for h in self.history]

    def report(self) -> pd.DataFrame:
        """Every revealed round's signed partners (yours and the best), one row each (:data:`REPORT_COLUMNS`)."""
        frames = []
        for h in self.history:
            frame = h.outcome.copy()
            frame.insert(0, "exercise", self.exercise)
            frame.insert(1, "seed", self.seed)  # the game's seed: the same seed and decisions give this file again
            frame.insert(2, "round_seed", h.seed)  # the seed of this round's pool and simulation, derived from it
            frame.insert(5, "score", h.score)
            for i, c in enumerate(CRITERIA):
                frame.insert(6 + i, f"weight_{c}", h.weights[c])
            frames.append(frame)
        if not frames:
            return pd.DataFrame(columns=REPORT_COLUMNS)
        return pd.concat(frames, ignore_index=True)[REPORT_COLUMNS]

    def to_csv(self, path_or_buffer: Any = None) -> str | None:
        """Write :meth:`report` as CSV to a path or buffer; with none, return the text."""
        return self.report().to_csv(path_or_buffer, index=False)

    def advise(self, lang: str = DEFAULT_LANGUAGE, catalogue: Catalogue = CATALOGUE) -> list[Advice]:
        """Advice on the last revealed round in ``lang`` (see :func:`advice_facts` for the rules)."""
        if self.last is None:
            return []
        out = []
        for code, severity, params in self.last.advice_facts:
            shown = dict(params)
            if "criterion" in shown:
                shown["criterion"] = catalogue.get(f"recruitment.criterion.{shown['criterion']}", lang)
            out.append(Advice(code, severity, catalogue.get(f"recruitment.advice.{code}", lang, **shown), params))  # type: ignore[arg-type]
        return out

    # ------------------------------------------------------------------ internals
    def _check_open(self) -> None:
        if self.finished:
            raise DecisionError("control.game_over")

    def _pool(self, r: int) -> tuple[sc.Scenario, pd.DataFrame]:
        """The scenario of round ``r`` (0-based) and its applicants with scores and hidden capability."""
        if r in self._pools:
            return self._pools[r]
        scenario = self._round_scenario(r, select=None)
        session = Session(scenario, seed=_round_seed(self.seed, r), record_events=False)
        book = session.business.book  # type: ignore[union-attr]
        rows = []
        for name in scenario.business.recruitment_round.candidates:  # type: ignore[union-attr]
            node = scenario.node(name)
            meta = node.metadata
            state = book[name]
            rows.append({
                "applicant": name, "company": node.display_name or name, "city": str(meta.get("city", "")),
                "region": node.region, "contact": str(meta.get("contact", "")), "founded": int(meta.get("founded", 0)),
                **{c: round(float(state.observed_scores[c]), 1) for c in CRITERIA},
                "capability": float(state.capability),
            })  # fmt: skip
        table = pd.DataFrame(rows, columns=[*APPLICANT_COLUMNS, *CRITERIA, "capability"])
        self._pools[r] = (scenario, table)
        return self._pools[r]

    def _round_scenario(self, r: int, select: Sequence[str] | None, sized_for: int | None = None) -> sc.Scenario:
        """The channel with round ``r``'s applicants (a region's applicants share one market size).

        The suppliers' stock and credit are sized for ``sized_for`` recruits a region (default ``picks_per_region``).
        """
        sized_for = self.picks_per_region if sized_for is None else sized_for
        n = self.applicants_per_region
        base = self.channel
        rnd = base.business.recruitment_round  # type: ignore[union-attr]
        assert rnd is not None
        per_region: dict[str, list[str]] = {}
        for name in rnd.candidates:
            per_region.setdefault(str(base.node(name).region), []).append(name)
        mine = [name for region in self.regions for name in per_region[region][r * n : (r + 1) * n]]
        dropped = set(rnd.candidates) - set(mine)
        data = base.model_dump()
        data["nodes"] = [node for node in data["nodes"] if node["name"] not in dropped]
        markets = [m for m in data["markets"] if m["served_by"] not in dropped]
        # An applicant's market is the size of the region's first dealer's (the same store policy and
        # lane), so that what a recruit sells reflects its capability; the distributors, the vendor and
        # the distributors' credit limits are scaled up for the recruits' extra demand.
        nodes = {node["name"]: node for node in data["nodes"]}
        market_of = {m["served_by"]: m for m in markets}
        # each applicant's own price discipline (drawn from the round's seed, in applicant order)
        spread = Uniform(low=0.0, high=MAX_PRICE_DISCOUNT)
        draws = spread.sample(np.random.default_rng([self.seed, r, 1]), size=len(mine))
        discounts = {name: round(float(d), 3) for name, d in zip(mine, draws, strict=True)}
        added: dict[str, float] = {}
        existing_total = 0.0
        for region in self.regions:
            dealers = sorted(
                n.name for n in base.nodes if n.kind == "dealer" and n.region == region and n.name not in rnd.candidates
            )
            reference = market_of[dealers[0]]
            store = nodes[dealers[0]]
            for name in per_region[region][r * n : (r + 1) * n]:
                market_of[name]["demand"] = reference["demand"]
                nodes[name]["price_discount"] = discounts[name]
                for key in ("policy", "items", "initial", "shortage", "lanes"):
                    nodes[name][key] = copy.deepcopy(store[key])
                _scale_stock(nodes[name], 1.0 + CAPABILITY_EFFECT)  # a capable recruit sells up to twice as much
            size = sum(d["distribution"]["mean"] for d in reference["demand"])
            existing = sum(sum(d["distribution"]["mean"] for d in market_of[d_]["demand"]) for d_ in dealers)
            supplier = store["lanes"][0]["supplier"]
            added[supplier] = added.get(supplier, 0.0) + HEADROOM * sized_for * size
            added.setdefault(f"{supplier}:base", 0.0)
            added[f"{supplier}:base"] += existing
            existing_total += existing
        credit = data["business"]["order_to_cash"]["credit"]["partners"]
        extra_total = 0.0
        for supplier in sorted(k for k in added if ":" not in k):
            factor = 1.0 + added[supplier] / added[f"{supplier}:base"]
            extra_total += added[supplier]
            _scale_stock(nodes[supplier], factor)
            if supplier in credit and credit[supplier]["credit_limit"] is not None:
                credit[supplier]["credit_limit"] = float(math.ceil(credit[supplier]["credit_limit"] * factor))
        vendor = next(node for node in data["nodes"] if node["kind"] == "vendor")
        _scale_stock(vendor, 1.0 + extra_total / existing_total)
        data["markets"] = markets
        business = data["business"]
        business["funnel"] = None
        partners = business["partners"]
        partners["training"] = {"events": []}
        partners["evaluation"] = EVALUATION.model_dump()
        partners["recruitment"] = {
            "capability": {"type": "beta", "a": 2.5, "b": 2.0}, "onboarding_days": 30, "ramp_up_days": 60,
            "cost_per_partner": 0.0, "capability_effect": CAPABILITY_EFFECT,
        }  # fmt: skip
        partners["churn"] = {**partners.get("churn", {}), "intercept": CHURN_INTERCEPT}
        payment = business["order_to_cash"]["payment"]
        payment.update(insolvency_probability_per_year=0.6, default_health=0.9, recovery_share=0.2)
        business["incentives"] = {"plans": [], "targets": business["incentives"]["targets"]}
        business["recruitment_round"] = {
            "candidates": mine, "day": 0, "recruit_per_region": sized_for,
            "select": list(select) if select is not None else None,
        }  # fmt: skip
        data["horizon_days"] = self.reveal_days
        data["warmup_days"] = 0
        scenario = sc.Scenario.model_validate(data)
        # each applicant's monthly sell-out target: its market's expected sales at list price
        targets = dict(scenario.business.incentives.targets.by_node)  # type: ignore[union-attr]
        prices = {s.name: s.list_price for s in scenario.skus}
        for name in mine:
            monthly = MONTH_DAYS * sum(expected_daily_demand(scenario, name, s) * p for s, p in prices.items())
            targets[name] = float(round(monthly, -2))
        data["business"]["incentives"]["targets"]["by_node"] = targets
        return sc.Scenario.model_validate(data)

    def _simulate(self, scenario: sc.Scenario, seed: int, picks: Sequence[str]):  # type: ignore[no-untyped-def]
        """Run the round's scenario with ``picks`` signed; a pick's payment health is its capability."""
        run_scenario = scenario.model_copy(
            update={
                "business": scenario.business.model_copy(  # type: ignore[union-attr]
                    update={
                        "recruitment_round": scenario.business.recruitment_round.model_copy(  # type: ignore[union-attr]
                            update={"select": list(picks)}
                        )
                    }
                )
            }  # fmt: skip
        )
        session = Session(run_scenario, seed=seed, record_events=False)
        runtime = session.business
        assert runtime is not None and runtime.order_to_cash is not None
        for name in sorted(picks):
            capability = runtime.book[name].capability
            runtime.set_payment_health(name, capability)
            runtime.book.plan_onboarding(name, onboarding_days(capability))
        session.advance(self.reveal_days)
        return session.result()

    def _measure(
        self, result: Any, scenario: sc.Scenario, pool: pd.DataFrame, names: Sequence[str], run: str, round_no: int
    ) -> tuple[list[list[Any]], list[tuple[Any, ...]]]:
        """Outcome rows and monthly sales of ``names`` in ``result``."""
        money = result.money
        revenue = money[money["account"] == "revenue"]
        node = revenue["node"].astype(str)
        months = self.reveal_days // MONTH_DAYS
        partners = result.business["partners"].set_index("partner")
        audit = result.audit
        status = audit[(audit["source"] == "partners") & (audit["action"] == "status_change")]
        settlements = result.business.get("settlements")
        targets = scenario.business.incentives.targets  # type: ignore[union-attr]
        info = pool.set_index("applicant")
        rows, monthly = [], []
        for name in names:
            mine = revenue[node == name]
            by_month = mine.groupby(mine["day"] // MONTH_DAYS)["amount"].sum()
            for k in range(months):
                monthly.append((run, name, info.loc[name, "company"], k + 1, float(by_month.get(k, 0.0))))
            sales = float(mine.loc[mine["day"] < months * MONTH_DAYS, "amount"].sum())
            target = float(targets.by_node.get(name, 0.0)) * months
            went_active = status[(status["subject"] == name) & (status["detail"] == "active")]
            active_day = float(went_active["time"].min()) if len(went_active) else math.nan
            p = partners.loc[name]
            exit_day = float(p["exit_day"]) if pd.notna(p["exit_day"]) else math.nan
            churned = p["status"] in ("churned", "insolvent")
            bad = 0.0
            if settlements is not None and len(settlements):
                offs = settlements[(settlements["partner"] == name) & (settlements["kind"] == "write_off")]
                bad = float(offs["amount"].sum())
            rows.append([
                round_no, run, name, info.loc[name, "company"], info.loc[name, "region"], int(info.loc[name, "rank"]),
                float(info.loc[name, "composite"]), float(info.loc[name, "capability"]),
                bool(not math.isnan(active_day)),
                active_day, sales, target, sales / target if target > 0 else math.nan, bool(churned), exit_day,
                int(exit_day // MONTH_DAYS) + 1 if churned and not math.isnan(exit_day) else math.nan,
                str(p["status"]) if churned else "", float(p["satisfaction"]), bad, sales - bad,
            ])  # fmt: skip
        return rows, monthly


# --------------------------------------------------------------------------- helpers


def score_from(value_yours: float, value_best: float, value_worst: float) -> float:
    """``100 × clip((V_yours - V_worst) / (V_best - V_worst), 0, 1)``; 100 when best and worst tie and you match."""
    span = value_best - value_worst
    if span <= 0:
        return 100.0 if value_yours >= value_best else 0.0
    return 100.0 * min(1.0, max(0.0, (value_yours - value_worst) / span))


def _normalised(weights: Mapping[str, float]) -> dict[str, float]:
    total = float(sum(weights.get(c, 0.0) for c in CRITERIA))
    if total <= 0:
        raise DecisionError("recruitment.error.weights_zero")
    return {c: float(weights.get(c, 0.0)) / total for c in CRITERIA}


def _ranked(table: pd.DataFrame, weights: Mapping[str, float]) -> pd.DataFrame:
    """``table`` with ``composite`` = Σ w × score, ``rank`` overall and ``region_rank``, best first."""
    out = table.copy()
    out["composite"] = sum(weights[c] * out[c] for c in CRITERIA).round(2)
    out = out.sort_values(["composite", "applicant"], ascending=[False, True], kind="stable").reset_index(drop=True)
    out.insert(0, "rank", np.arange(1, len(out) + 1))
    out.insert(1, "region_rank", out.groupby("region").cumcount() + 1)
    return out


def _scale_stock(node: dict[str, Any], factor: float) -> None:
    """Multiply a node's stock levels (policies, initial stock) and its outside lane capacity by ``factor``."""

    def policy(p: dict[str, Any] | None) -> None:
        if p is None:
            return
        for key in ("reorder_point", "order_up_to", "order_quantity", "safety_stock"):
            if p.get(key) is not None:
                p[key] = float(math.ceil(p[key] * factor))

    def initial(state: dict[str, Any] | None) -> None:
        if state is not None:
            state["on_hand"] = float(math.ceil(state["on_hand"] * factor))

    policy(node["policy"])
    initial(node["initial"])
    for item in node["items"]:
        policy(item["policy"])
        initial(item["initial"])
    for lane in node["lanes"]:
        if lane["supplier"] is None and lane["capacity_units_per_day"] is not None:
            lane["capacity_units_per_day"] = float(math.ceil(lane["capacity_units_per_day"] * factor))


def inverse_variance_weights() -> dict[str, float]:
    """The weights that predict capability best: proportional to ``1 / noise_std²``."""
    return EVALUATION.inverse_variance_weights()


# thresholds of the advice rules
NOISY_POINTS = 20.0  # a criterion measured with at least this noise is "noisy"
HEAVY_SHARE = 0.3  # a weight share this large is "a lot"
PRECISE_POINTS = 10.0  # a criterion measured with at most this noise is "precise"
LIGHT_SHARE = 0.1  # a precise criterion with less than this share is "neglected"
GOOD_SCORE = 90.0


def advice_facts(record: RoundOutcome, game: Recruitment) -> list[tuple[str, str, dict[str, Any]]]:
    """The advice rules on a revealed round: ``(code, severity, parameters)``, most severe first.

    * ``noisy_weight`` (warning): a criterion with noise >= 20 points has >= 30 % of the weight.
    * ``neglected_precise`` (info): a criterion with noise <= 10 points has < 10 % of the weight.
    * ``biased_capital`` (info): capital (overstated by applicants) has >= 30 % of the weight.
    * ``insolvent`` (critical): a pick went bust; its bad debt, capability and most flattering score.
    * ``churned`` (warning): a pick left; the month and its satisfaction then.
    * ``missed_best`` (info): the strongest applicant of a region was not signed; where you ranked it
      (the overall rank, as the table shows it).
    * ``few_picks`` (info): fewer picks than allowed in a region.
    * ``good_choice`` (info): score >= 90 and no warning.
    """
    facts: list[tuple[str, str, dict[str, Any]]] = []
    w = record.weights
    for c in CRITERIA:
        if NOISE[c] >= NOISY_POINTS and w[c] >= HEAVY_SHARE:
            facts.append(("noisy_weight", "warning", {"criterion": c, "share": w[c], "noise": NOISE[c]}))
        if NOISE[c] <= PRECISE_POINTS and w[c] < LIGHT_SHARE:
            facts.append(("neglected_precise", "info", {"criterion": c, "share": w[c], "noise": NOISE[c]}))
    if w["capital"] >= HEAVY_SHARE:
        facts.append(("biased_capital", "info", {"share": w["capital"], "bias": 100 * BIAS["capital"]}))
    pool = record.pool.set_index("applicant")
    for row in record.run("yours").itertuples(index=False):
        if not row.churned:
            continue
        if row.exit_reason == "insolvent":
            scores = pool.loc[row.applicant, list(CRITERIA)]
            top = str(scores.astype(float).idxmax())
            facts.append(("insolvent", "critical", {
                "company": row.company, "month": int(row.exit_month), "bad_debt": row.bad_debt,
                "capability": 100 * row.capability, "criterion": top, "score": float(scores[top]),
            }))  # fmt: skip
        else:
            facts.append(("churned", "warning", {
                "company": row.company, "month": int(row.exit_month), "satisfaction": row.satisfaction,
            }))  # fmt: skip
    for region in game.regions:
        mine = pool[pool["region"] == region]
        strongest = str(mine["capability"].idxmax())
        if strongest not in record.picks:
            facts.append(("missed_best", "info", {
                "company": str(mine.loc[strongest, "company"]), "region": game.region_names[region],
                "capability": 100 * float(mine.loc[strongest, "capability"]),
                "rank": int(mine.loc[strongest, "rank"]), "count": len(pool),
            }))  # fmt: skip
        count = int(mine["picked"].sum())
        if count < game.picks_per_region:
            facts.append(("few_picks", "info", {"region": game.region_names[region], "count": count,
                                                "maximum": game.picks_per_region}))  # fmt: skip
    if record.score >= GOOD_SCORE and not any(s in ("warning", "critical") for _, s, _ in facts):
        facts.append(("good_choice", "info", {"score": record.score}))
    order = {"critical": 0, "warning": 1, "info": 2}
    return sorted(facts, key=lambda f: order[f[1]])


def _with_facts(record: RoundOutcome, game: Recruitment) -> RoundOutcome:
    from dataclasses import replace

    return replace(record, advice_facts=tuple(advice_facts(record, game)))
