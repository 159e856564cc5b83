"""Training and the sales funnel: a quarter-by-quarter exercise over stage 3 of the channel lifecycle.

The channel is the one of ``scenarios/stage-3-training.yaml`` (six dealers in two regions,
project leads routed by territory and tier, deal registration, four funnel stages), written
here as a scenario document that ships with the package (:data:`TRAINING_YAML`). Two
changes make it an exercise: the scenario's own training events are removed (the trainee
makes the training plan), and partner churn and insolvency are switched off, so that a seat
is never spent on a partner that then leaves and the comparison with the untrained channel
below is exact.

**A game.** The first ``lead_in_days`` (28) run with no decision, so that the trainee starts
with a pipeline and a history. Then, each round (a quarter of 84 days, 4 rounds), the trainee

a. allocates the quarter's training seats (at most ``seat_budget`` = 6 in all, at most
   ``max_seats_per_partner`` = 3 per dealer, whole numbers) and picks the format:
   ``offline`` workshops (uplift 0.25 a seat, 900 a seat) or ``online`` courses (uplift 0.10
   a seat, 150 a seat). Each seat is a session of the partner lifecycle
   (:meth:`chansim.business.partners.PartnerBook.apply_training`, charged as ``training_cost``)
   held on the round's first day: it multiplies every stage conversion probability of the
   dealer by ``1 + uplift``, an uplift that halves every 60 days; stacked seats never give
   more than +50 % (``max_uplift``), so a seat above the cap is wasted;
b. picks the lead routing rule (:data:`ROUTING_RULES`): by territory with tier weights (the
   scenario's rule), round robin within the region, the dealer with the fewest open deals,
   or tier-weighted across both regions;
c. sets the stage weights of the weighted-pipeline forecast: the win probability the CRM
   gives a deal in each stage (the chance that a deal now in that stage is won in the end,
   not the chance that it passes the stage); to begin with the scenario's true ones,
   ``w_i = prod_{j >= i} p_j`` of the stage conversion probabilities ``p_j``
   (:func:`win_probabilities`: 11.25 / 18.75 / 37.5 / 75 %);

then plays the round: the real engine (:class:`chansim.engine.Session` with the business
layer) simulates the quarter.

**Three runs, common random numbers.** Besides the trainee's run, the game steps two more
sessions with the same seed and the same routing: ``untrained`` (no training at all) and
``benchmark`` (the seat budget spent by the rule of :meth:`TrainingGame.benchmark_plan`).
The funnel draws every lead's stage uniforms and durations with the lead, and training
changes no other draw, so the three runs see the same leads routed to the same dealers, and
a trained dealer wins a superset of the deals it wins untrained. Differences between the
runs are the effect of training, not luck.

**Forecast.** At the start of round k (day ``t0``) the forecast is the weighted pipeline
``F_k = sum over open opportunities o of units_o * w_{i_o}`` (``i_o`` the stage o is in,
``w_i`` the trainee's win probability of stage i): the expected wins of the pipeline. The
actual ``A_k`` is the units those same opportunities won by the end of the round
(``t0 + 84``); the few still open then count as not won (the funnel takes about a month,
so they are rare). Forecast error of a round:
``(F_k - A_k) / A_k`` (positive: too optimistic). Leads that arrive during the round are in
neither. A pipeline holds some 30 deals of 5-30 units, so ``A_k`` is noisy: with the true
stage probabilities the error of one quarter is often +-40 %. The score therefore judges the
*weights*, not the luck: ``F*_k`` is the same pipeline weighted by the win probability of
each stage measured in round k (the product over the stages from it on of ``passed /
(passed + lost)`` in the trainee's run), and the calibration error is
``E = (sum_k F_k - sum_k F*_k) / sum_k F*_k``.

**Score** (0-100, :meth:`TrainingGame.score`, :data:`SCORE_FORMULA`)::

    score = 60 * clip(G / G_ref, 0, 1) + 40 * min(F, F*) / max(F, F*)

``G`` = the vendor's extra gross margin on the units won in your run over the untrained run
(its selling price to distributors minus unit cost, per unit) minus your training cost;
``G_ref`` = the same for the benchmark run (when ``G_ref <= 0``: 60 points for any ``G > 0``);
``F = sum_k F_k`` and ``F* = sum_k F*_k``: the forecast points are the accuracy of the
weights, in proportion (10 % too high: 36.4 of 40; half of the target: 20; both 0: 40).
The target is reachable: weights equal to the measured win probabilities earn all 40, the
scenario's true ones most of them when the trainee does not train (training raises the
conversion of the deals already in the pipeline, so the weights should rise with it:
:meth:`TrainingGame.measured_weights` are shown to the trainee).

**Advice** (:meth:`TrainingGame.advice`, thresholds in :class:`TrainingThresholds`):

==================== ================= =====================================================
code                 severity          fires when
==================== ================= =====================================================
no_training          warning           rounds played and no seat allocated
few_leads            warning           at least 2 seats, and at least half of them went to
                                       dealers that got less than 10 % of the round's leads
capped               warning           at least 1 seat wasted above the +50 % cap
not_paying           warning           training cost > 0 and the extra margin is below it
forecast_optimistic  warning;          E > 20 % (critical > 50 %): weights above the
                     critical > 50 %   measured conversion
forecast_pessimistic warning           E < -20 %
forecast_luck        info              |E| <= 20 % but the bias ``B = (sum F - sum A) / sum A``
                                       is beyond +-30 %: the weights were right, the few
                                       deals in the pipeline fell the other way
good_play            info              no warning, G >= 80 % of G_ref and |E| <= 20 %
==================== ================= =====================================================

Errors a trainee can cause raise :class:`~chansim.exercises.game.DecisionError` with a
catalogue key: the ``validation.*`` keys of :func:`~chansim.exercises.game.check_number`,
``validation.unknown_choice``, ``training.validation.over_budget`` (``total``, ``budget``),
``control.game_over`` and ``control.nothing_to_undo``.
"""

from __future__ import annotations

import copy
import dataclasses
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from chansim import scenario as sc
from chansim.business.funnel import (
    ACCEPTED,
    DEAL_LINE,
    LEAD_CREATED,
    STAGE_ENTERED,
    STAGE_LOST,
    STAGE_PASSED,
    UNROUTED,
    WON,
)
from chansim.business.partners import TrainingEvent, training_uplift
from chansim.business.runtime import partner_tiers
from chansim.engine import Session
from chansim.exercises.contract import Exercise, jsonable
from chansim.exercises.feedback import Advice
from chansim.exercises.game import DecisionError, Score, check_keys, check_number
from chansim.exercises.game import shown_value as _shown
from chansim.exercises.messages import CATALOGUE, DEFAULT_LANGUAGE, Catalogue
from chansim.io import package_text

__all__ = [
    "EXERCISE",
    "FORMATS",
    "FunnelLedger",
    "REPORT_COLUMNS",
    "ROUTING_RULES",
    "RUNS",
    "TRAINING_YAML",
    "SCORE_FORMULA",
    "RoundPlan",
    "TrainingFormat",
    "TrainingDecision",
    "TrainingGame",
    "TrainingThresholds",
    "exercise_variant",
    "forecast_pipeline",
    "training_scenario",
    "win_probabilities",
]

EXERCISE = "training"
ROUNDS = 4
ROUND_DAYS = 84
LEAD_IN_DAYS = 28
SEAT_BUDGET = 6
MAX_SEATS_PER_PARTNER = 3
#: The three runs stepped together (see the module docstring).
RUNS = ("trained", "untrained", "benchmark")
NETWORK = "network"


@dataclass(frozen=True)
class TrainingFormat:
    """A way to train: the win-rate uplift of one seat and what a seat costs."""

    name: str
    uplift: float
    cost_per_seat: float


#: The training formats the trainee chooses from.
FORMATS: dict[str, TrainingFormat] = {
    "offline": TrainingFormat("offline", 0.25, 900.0),
    "online": TrainingFormat("online", 0.10, 150.0),
}

#: Routing rules the trainee chooses from: updates of the funnel's ``routing`` section.
ROUTING_RULES: dict[str, dict[str, str]] = {
    "territory_tier": {"rule": "territory", "tie_break": "tier_weighted", "scope": "region"},
    "round_robin": {"rule": "round_robin", "tie_break": "round_robin", "scope": "region"},
    "fewest_open": {"rule": "territory", "tie_break": "fewest_open", "scope": "region"},
    "tier_weighted_all": {"rule": "tier_weighted", "tie_break": "tier_weighted", "scope": "all"},
}

#: Columns of :meth:`TrainingGame.report` (the CSV download): one row per round and dealer, plus the network.
REPORT_COLUMNS = [
    "exercise", "scenario", "seed", "round", "start_day", "end_day", "partner", "tier", "region",
    "training_format", "routing", "seats", "training_cost", "wasted_seats", "uplift_after_training",
    "leads", "won", "lost", "win_rate", "untrained_win_rate", "won_units", "untrained_won_units",
    "extra_won_units", "extra_margin", "forecast_units", "actual_units", "still_open_units", "forecast_error",
]  # fmt: skip
#: The score formula as the module docstring gives it (the catalogue has it translated).
SCORE_FORMULA = "score = 60 × clip(G / G_ref, 0, 1) + 40 × min(F, F*) / max(F, F*)"
_STAGE_COLUMNS = ["round", "run", "stage_index", "stage", "entered", "passed", "lost"]


#: The exercise scenario as a document, the package data file ``chansim/data/exercises/training.yaml`` (equal to the
#: stage-3 file made into the exercise by :func:`exercise_variant`).
TRAINING_YAML = package_text("exercises/training.yaml")


def exercise_variant(scenario: sc.Scenario) -> sc.Scenario:
    """``scenario`` made into the exercise: no training events, no churn, no insolvency; named ``training-funnel``.

    :func:`training_scenario` is this function applied to ``scenarios/stage-3-training.yaml``.
    """
    if scenario.business is None or scenario.business.funnel is None:
        raise ValueError(f"scenario {scenario.name!r} has no business.funnel section: the exercise needs a funnel")
    data = scenario.model_dump(exclude_unset=False)
    partners = data["business"]["partners"]
    partners["training"]["events"] = []
    partners["churn"]["intercept"] = -50.0
    partners["insolvency"]["annual_probability"] = 0.0
    return sc.Scenario.model_validate(data)


def training_scenario() -> sc.Scenario:
    """The exercise's scenario (:data:`TRAINING_YAML`), validated."""
    from chansim.io import parse_scenario, read_yaml

    source = "chansim/data/exercises/training.yaml"
    return parse_scenario(read_yaml(TRAINING_YAML, source), source)


@dataclass(frozen=True)
class RoundPlan:
    """The decisions of one round: seats per dealer, format, routing rule, forecast stage weights."""

    round: int
    day: int
    seats: tuple[tuple[str, int], ...]
    training_format: str
    routing: str
    forecast_weights: tuple[float, ...]
    source: str = "trainee"

    @property
    def total_seats(self) -> int:
        """Seats allocated in all."""
        return sum(n for _, n in self.seats)

    def seats_of(self, partner: str) -> int:
        """Seats allocated to ``partner``."""
        return dict(self.seats).get(partner, 0)


@dataclass(frozen=True)
class TrainingThresholds:
    """The limits of the advice rules (see the module docstring)."""

    small_lead_share: float = 0.10
    small_seats_share: float = 0.5
    small_min_seats: int = 2
    wasted_seats: float = 1.0
    forecast_bias: float = 0.20
    forecast_critical_bias: float = 0.50
    forecast_luck_bias: float = 0.30
    good_gain_share: float = 0.8


def _vendor_margins(scenario: sc.Scenario) -> dict[str, float]:
    """Per SKU: the vendor's selling price to distributors minus unit cost."""
    vendor = next(n for n in scenario.nodes if all(lane.supplier is None for lane in n.lanes))
    discount = vendor.sell_discount
    return {s.name: s.list_price * (1.0 - discount) - s.unit_cost for s in scenario.skus}


class FunnelLedger:
    """Lead-level bookkeeping of one run's funnel records, brought up to date after each advance.

    Reads the engine's record tuples (:data:`chansim.business.funnel.RECORD_COLUMNS`) that
    arrived since the last :meth:`update`, so a round costs only its own records (the
    engine's :func:`~chansim.business.funnel.funnel_tables` rebuilds everything; the tests
    check that both agree). After an update, ``new_*`` hold what happened since the one before.
    """

    def __init__(self, records: list[tuple[Any, ...]], margins: Mapping[str, float]) -> None:
        self.records = records
        self.margins = margins
        self.seen = 0
        self.units: dict[int, int] = {}
        self.margin: dict[int, float] = {}
        self.partner: dict[int, str] = {}
        self.stage: dict[int, int] = {}
        self.outcome: dict[int, str] = {}
        self.entered_first = 0
        self.new_closed: list[tuple[int, str, str]] = []  # (deal, partner, "won"/"lost")
        self.new_accepted: dict[str, int] = {}
        self.new_stage_counts: dict[tuple[int, str], int] = {}

    def update(self) -> None:
        """Take in the records that arrived since the last update."""
        self.new_closed, self.new_accepted, self.new_stage_counts = [], {}, {}
        counts = self.new_stage_counts
        records = self.records
        for index in range(self.seen, len(records)):
            _, event, deal, partner, _, _, _, value, detail = records[index]
            if event == LEAD_CREATED:
                self.units[deal] = int(value)
                self.margin[deal] = 0.0
            elif event == DEAL_LINE:
                self.margin[deal] += float(value) * self.margins.get(detail, 0.0)
            elif event == ACCEPTED:
                self.partner[deal] = partner
                self.new_accepted[partner] = self.new_accepted.get(partner, 0) + 1
            elif event == STAGE_ENTERED:
                stage = int(value)
                self.stage[deal] = stage
                counts[stage, "entered"] = counts.get((stage, "entered"), 0) + 1
                if stage == 0:
                    self.entered_first += 1
            elif event == STAGE_PASSED:
                counts[int(value), "passed"] = counts.get((int(value), "passed"), 0) + 1
            elif event == STAGE_LOST:
                counts[int(value), "lost"] = counts.get((int(value), "lost"), 0) + 1
                self.outcome[deal] = "lost"
                self.new_closed.append((deal, partner, "lost"))
            elif event == WON:
                self.outcome[deal] = "won"
                self.new_closed.append((deal, partner, "won"))
            elif event == UNROUTED:
                self.outcome[deal] = "unrouted"
        self.seen = len(records)

    def fork(self, records: list[tuple[Any, ...]]) -> FunnelLedger:
        """An independent copy that reads ``records`` (the same records of a forked session) from here on."""
        twin = copy.copy(self)
        twin.records = records
        for name in ("units", "margin", "partner", "stage", "outcome", "new_accepted", "new_stage_counts"):
            setattr(twin, name, dict(getattr(self, name)))
        twin.new_closed = list(self.new_closed)
        return twin

    def open_pipeline(self) -> dict[int, int]:
        """Opportunities in a stage and not closed: ``{deal_id: stage index}``."""
        return {deal: stage for deal, stage in self.stage.items() if deal not in self.outcome}

    def balance(self) -> dict[str, int]:
        """Leads by where they are (see :meth:`TrainingGame.lead_balance`)."""
        outcomes = list(self.outcome.values())
        open_count = sum(1 for deal in self.stage if deal not in self.outcome)
        closed_or_open = len(self.outcome) + open_count
        return {
            "created": len(self.units),
            "won": outcomes.count("won"),
            "lost": outcomes.count("lost"),
            "open": open_count,
            "unrouted": outcomes.count("unrouted"),
            "awaiting": len(self.units) - closed_or_open,
            "entered": self.entered_first,
        }


def win_probabilities(conversions: Sequence[float]) -> tuple[float, ...]:
    """The win probability of a deal in each stage from the stage conversions: ``prod_{j >= i} conversions[j]``."""
    return tuple(math.prod(conversions[i:]) for i in range(len(conversions)))


def forecast_pipeline(
    pipeline: Mapping[int, int], units: Mapping[int, float], weights: Sequence[float]
) -> dict[int, float]:
    """Per open opportunity: ``units * weights[stage]`` (their sum is the weighted pipeline).

    ``pipeline`` maps a deal id to the stage index it is in, ``units`` a deal id to its units,
    ``weights`` gives the win probability of a deal in each stage (the CRM's, not a stage conversion).
    """
    return {deal: float(units[deal]) * weights[stage] for deal, stage in pipeline.items()}


class TrainingDecision(BaseModel):
    """One quarter's decision of the training exercise (the contract's ``play_round`` takes it as a dict)."""

    model_config = ConfigDict(extra="forbid")

    seats: dict[str, int] = Field(description="Training seats per dealer this quarter (dealers not given: 0).")
    format: Literal["offline", "online"] | None = Field(None, description="Training format (none: the last one).")
    routing: Literal["territory_tier", "round_robin", "fewest_open", "tier_weighted_all"] | None = Field(
        None, description="Lead routing rule from this quarter on (none: the last one)."
    )
    forecast_weights: list[float] | None = Field(
        None,
        description="Win probability (0-1) of a deal in each funnel stage, in order (none: the last ones).",
    )
    source: str = Field("trainee", min_length=1, max_length=40, description="Who decided: trainee or auto:<policy>.")


class TrainingGame(Exercise):
    """Quarter-by-quarter training plan, routing rule and forecast weights over the stage-3 funnel.

    Exercise contract name ``training``; a decision is ``{"seats": {dealer: n}, "format": ...,
    "routing": ..., "forecast_weights": [...]}`` (the last three optional: the last round's);
    the standard process (:meth:`default_decision`) is the benchmark's seat rule.

    Args:
        scenario: a scenario with a funnel (default :func:`training_scenario`); used as given,
            so pass it through :func:`exercise_variant` first to drop its own training events.
        seed: the seed of every random draw; the same seed and decisions give the same game.
        rounds: rounds in the game.
        round_days: days per round (a quarter: 84).
        lead_in_days: days simulated before the first decision (no training, the scenario's routing).
        seat_budget: training seats per round.
        max_seats_per_partner: seats per dealer and round.
        thresholds: the limits of the advice rules.

    """

    def __init__(
        self,
        scenario: sc.Scenario | Mapping[str, Any] | None = None,
        *,
        seed: int = 0,
        rounds: int = ROUNDS,
        round_days: int = ROUND_DAYS,
        lead_in_days: int = LEAD_IN_DAYS,
        seat_budget: int = SEAT_BUDGET,
        max_seats_per_partner: int = MAX_SEATS_PER_PARTNER,
        thresholds: TrainingThresholds | Mapping[str, float] | None = None,
    ) -> None:
        if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
            raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
        if isinstance(thresholds, Mapping):
            thresholds = TrainingThresholds(**thresholds)
        #: the options of the log: a scenario other than the exercise's is written out in full
        self.options: dict[str, Any] = {
            "rounds": rounds, "round_days": round_days, "lead_in_days": lead_in_days, "seat_budget": seat_budget,
            "max_seats_per_partner": max_seats_per_partner,
        }  # fmt: skip
        if scenario is not None:
            scenario = scenario if isinstance(scenario, sc.Scenario) else sc.Scenario.model_validate(scenario)
            self.options["scenario"] = scenario.model_dump(mode="json")
        if thresholds is not None:
            self.options["thresholds"] = dataclasses.asdict(thresholds)
        scenario = training_scenario() if scenario is None else scenario
        business = scenario.business
        if business is None or business.funnel is None:
            raise ValueError(f"scenario {scenario.name!r} has no business.funnel section: the exercise needs a funnel")
        if rounds < 1 or round_days < 1 or lead_in_days < 0:
            raise ValueError("rounds and round_days must be >= 1 and lead_in_days >= 0")
        if lead_in_days + rounds * round_days > sc.MAX_DAYS:
            raise ValueError(f"{lead_in_days} + {rounds} x {round_days} days do not fit in {sc.MAX_DAYS} days")
        if round_days % scenario.period_days or lead_in_days % scenario.period_days:
            raise ValueError(f"round_days and lead_in_days must be multiples of period_days ({scenario.period_days})")
        if seat_budget < 0 or max_seats_per_partner < 1:
            raise ValueError("seat_budget must be >= 0 and max_seats_per_partner >= 1")
        self.scenario = scenario
        self.seed = int(seed)
        self.total_rounds = int(rounds)
        self.round_days = int(round_days)
        self.lead_in_days = int(lead_in_days)
        self.seat_budget = int(seat_budget)
        self.max_seats_per_partner = int(max_seats_per_partner)
        self.thresholds = thresholds or TrainingThresholds()
        self.funnel_config = business.funnel
        self.stage_names: tuple[str, ...] = tuple(business.funnel.stage_names)
        #: the scenario's stage conversion probabilities and the win probabilities they give (the first weights)
        self.base_conversions: tuple[float, ...] = tuple(s.conversion_probability for s in business.funnel.stages)
        self.base_weights: tuple[float, ...] = win_probabilities(self.base_conversions)
        self.training_config = business.partners.training
        tiers = partner_tiers(scenario)
        nodes = {n.name: n for n in scenario.nodes}
        #: The dealers that take leads (the funnel's partners), in the order of the seat inputs.
        self.partners: tuple[str, ...] = tuple(
            name for name in sorted(tiers) if nodes[name].kind in ("dealer", "retailer")
        )
        self.tiers = {name: tiers[name] for name in self.partners}
        self.regions = {name: nodes[name].region or "" for name in self.partners}
        self.display_names = {name: nodes[name].display_name or name for name in self.partners}
        self.margins = _vendor_margins(scenario)
        self._default_routing = next(
            (key for key, update in ROUTING_RULES.items() if self._matches(business.funnel.routing, update)),
            "territory_tier",
        )
        self._records: list[RoundPlan] = []
        #: per played round, the runs as they were before it (sessions, ledgers, table lengths)
        self._before: list[tuple[dict[str, Session], dict[str, FunnelLedger], tuple[int, int, int]]] = []
        self._pending_seats: dict[str, int] = {}
        self._pending_format: str | None = None
        self._pending_routing: str | None = None
        self._pending_weights: tuple[float, ...] | None = None
        self._start()

    name = "training"
    Decision = TrainingDecision

    @staticmethod
    def _matches(routing: Any, update: Mapping[str, str]) -> bool:
        return all(getattr(routing, key) == value for key, value in update.items() if key != "tie_break") and (
            routing.rule != "territory" or routing.tie_break == update["tie_break"]
        )

    # ------------------------------------------------------------------ where the game is
    @property
    def round(self) -> int:
        """Rounds played so far (the round being decided has this index)."""
        return len(self._records)

    @property
    def day(self) -> int:
        """The first day of the round being decided."""
        return self.lead_in_days + self.round * self.round_days

    @property
    def rounds(self) -> int:
        """Rounds in the game (:attr:`total_rounds`)."""
        return self.total_rounds

    @property
    def finished(self) -> bool:
        """Whether every round has been played."""
        return self.round >= self.total_rounds

    @property
    def history(self) -> tuple[RoundPlan, ...]:
        """The plans of the played rounds, first round first."""
        return tuple(self._records)

    @property
    def max_uplift(self) -> float:
        """The cap on a dealer's stacked training uplift (infinite when the scenario sets none)."""
        cap = self.training_config.max_uplift
        return math.inf if cap is None else float(cap)

    def session(self, run: str = "trained") -> Session:
        """The live engine session of ``run`` (one of :data:`RUNS`)."""
        return self._sessions[run]

    # ------------------------------------------------------------------ decisions
    @property
    def pending_seats(self) -> dict[str, int]:
        """Seats decided for the round being decided (0 for dealers not given)."""
        return {p: self._pending_seats.get(p, 0) for p in self.partners}

    @property
    def training_format(self) -> str:
        """The format of the round being decided (the last round's until changed; ``offline`` at first)."""
        if self._pending_format is not None:
            return self._pending_format
        return self._records[-1].training_format if self._records else "offline"

    @property
    def routing(self) -> str:
        """The routing rule of the round being decided (the last round's until changed)."""
        if self._pending_routing is not None:
            return self._pending_routing
        return self._records[-1].routing if self._records else self._default_routing

    @property
    def forecast_weights(self) -> tuple[float, ...]:
        """The forecast stage weights of the round being decided (the last round's until changed)."""
        if self._pending_weights is not None:
            return self._pending_weights
        return self._records[-1].forecast_weights if self._records else self.base_weights

    def _check_partner(self, partner: object) -> str:
        if partner not in self.partners:
            raise DecisionError(
                "validation.unknown_choice",
                {"field": "partner", "value": str(partner)[:40], "allowed": ", ".join(self.partners)},
            )
        return str(partner)

    def _seats_number(self, partner: str, seats: object) -> int:
        field = f"seats: {self.display_names[partner]}"
        return int(check_number(seats, field, maximum=self.max_seats_per_partner, whole=True))

    def set_seats(self, seats: Mapping[str, object]) -> dict[str, int]:
        """Set the seats of the round being decided (dealers not given: 0); returns them.

        Raises:
            DecisionError: the game is over, a dealer is unknown, a value is not a whole
                number in ``[0, max_seats_per_partner]``, or the total exceeds ``seat_budget``
                (``training.validation.over_budget``). Nothing changes then.

        """
        self._check_open()
        self._pending_seats = self._check_seats(seats)
        return self.pending_seats

    def _check_seats(self, seats: Mapping[str, object]) -> dict[str, int]:
        taken = {self._check_partner(p): self._seats_number(str(p), n) for p, n in seats.items()}
        total = sum(taken.values())
        if total > self.seat_budget:
            raise DecisionError(
                "training.validation.over_budget",
                {"field": "seats", "total": total, "budget": self.seat_budget, "value": total},
            )
        return taken

    def set_format(self, name: object) -> str:
        """Choose the training format of the round (a key of :data:`FORMATS`)."""
        self._check_open()
        self._pending_format = self._check_format(name)
        return self._pending_format

    @staticmethod
    def _check_format(name: object) -> str:
        if name not in FORMATS:
            raise DecisionError(
                "validation.unknown_choice",
                {"field": "training format", "value": str(name)[:40], "allowed": ", ".join(FORMATS)},
            )
        return str(name)

    def set_routing(self, name: object) -> str:
        """Choose the lead routing rule from this round on (a key of :data:`ROUTING_RULES`)."""
        self._check_open()
        self._pending_routing = self._check_routing(name)
        return self._pending_routing

    @staticmethod
    def _check_routing(name: object) -> str:
        if name not in ROUTING_RULES:
            raise DecisionError(
                "validation.unknown_choice",
                {"field": "routing", "value": str(name)[:40], "allowed": ", ".join(ROUTING_RULES)},
            )
        return str(name)

    def set_forecast_weights(self, weights: Sequence[object]) -> tuple[float, ...]:
        """Set the forecast weight of each stage, in funnel order: the win probability (0-1) of a deal in it."""
        self._check_open()
        taken = self._check_weights(weights)
        self._pending_weights = taken
        return taken

    def _check_weights(self, weights: object) -> tuple[float, ...]:
        if isinstance(weights, str | bytes | Mapping) or not isinstance(weights, Sequence) or len(weights) != len(
            self.stage_names
        ):
            raise DecisionError(
                "validation.missing_decision",
                {"field": "forecast weights", "allowed": ", ".join(self.stage_names)},
            )
        return tuple(
            check_number(value, f"forecast weight: {name}", maximum=1.0)
            for value, name in zip(weights, self.stage_names, strict=True)
        )

    def plan(self, source: str = "trainee") -> RoundPlan:
        """The plan the next :meth:`play_round` would play."""
        return RoundPlan(
            round=self.round,
            day=self.day,
            seats=tuple((p, self._pending_seats.get(p, 0)) for p in self.partners),
            training_format=self.training_format,
            routing=self.routing,
            forecast_weights=self.forecast_weights,
            source=source,
        )

    def play_round(self, decision: Mapping[str, Any] | None = None) -> RoundPlan:
        """Simulate the round with ``decision`` (or, with none, the pending plan); returns the plan played.

        ``decision`` is the round's whole decision as a dict (see :class:`TrainingDecision`): it
        replaces any pending input and is checked in full (the same checks and catalogue
        errors as the setters) before anything changes. Seats start at 0 again for the next round.
        """
        self._check_open()
        source = "trainee"
        if decision is not None:
            seats, fmt, routing, weights, source = self.parse_decision(decision)
            self._pending_seats, self._pending_format, self._pending_routing = seats, fmt, routing
            self._pending_weights = weights
        plan = self.plan(source=source)
        self._play(plan)
        self._clear_pending()
        return plan

    def _play(self, plan: RoundPlan) -> None:
        """Step the runs through ``plan`` on forks of them; the runs before it are kept (undo takes them back)."""
        kept = (self._sessions, self._ledgers, (len(self._round_rows), len(self._partner_rows), len(self._stage_rows)))
        self._sessions = {run: session.fork() for run, session in kept[0].items()}
        self._ledgers = {
            run: ledger.fork(self._sessions[run].business.funnel_records)  # type: ignore[union-attr]
            for run, ledger in kept[1].items()
        }
        try:
            self._step(plan)
        except Exception:
            self._restore(kept)
            raise
        self._before.append(kept)
        self._records.append(plan)

    def _restore(self, kept: tuple[dict[str, Session], dict[str, FunnelLedger], tuple[int, int, int]]) -> None:
        self._sessions, self._ledgers = kept[0], kept[1]
        rounds, partners, stages = kept[2]
        del self._round_rows[rounds:], self._partner_rows[partners:], self._stage_rows[stages:]
        self._stage_cache = None

    # ------------------------------------------------------------------ the contract's decisions
    def parse_decision(
        self, decision: object
    ) -> tuple[dict[str, int], str | None, str | None, tuple[float, ...] | None, str]:
        """``decision`` checked: ``(seats, format, routing, forecast weights, source)``; nothing changes.

        The checks and catalogue errors of :meth:`set_seats`, :meth:`set_format`,
        :meth:`set_routing` and :meth:`set_forecast_weights`.
        """
        checked = check_keys(decision, ("seats", "format", "routing", "forecast_weights", "source"), ("seats",))
        source = checked.get("source", "trainee")
        if not isinstance(source, str) or not source or len(source) > 40:
            raise DecisionError("validation.unknown_choice", {"field": "source", "value": _shown(source),
                                                              "allowed": "trainee, auto:<policy>"})  # fmt: skip
        seats = checked["seats"]
        if not isinstance(seats, Mapping):
            raise DecisionError("validation.missing_decision", {"field": "seats", "allowed": ", ".join(self.partners)})
        taken = self._check_seats(seats)
        fmt = checked.get("format")
        routing = checked.get("routing")
        weights = checked.get("forecast_weights")
        return (
            taken,
            None if fmt is None else self._check_format(fmt),
            None if routing is None else self._check_routing(routing),
            None if weights is None else self._check_weights(weights),
            source,
        )

    def decision_of(self, plan: RoundPlan) -> dict[str, Any]:
        """The round's decision dict (every field given, so that it replays the same plan)."""
        return {
            "seats": {p: n for p, n in plan.seats if n}, "format": plan.training_format, "routing": plan.routing,
            "forecast_weights": list(plan.forecast_weights), "source": plan.source,
        }  # fmt: skip

    def played_decisions(self) -> list[dict[str, Any]]:
        """The decision dicts of the played rounds, first first (the contract's log)."""
        return [self.decision_of(plan) for plan in self._records]

    def default_decision(self) -> dict[str, Any]:
        """The standard process: the benchmark's seat rule (offline), the last round's routing, :meth:`crm_weights`."""
        self._check_open()
        last = self._records[-1] if self._records else None
        return {
            "seats": self.benchmark_plan("trained"), "format": "offline",
            "routing": last.routing if last else self._default_routing,
            "forecast_weights": list(self.crm_weights()), "source": "auto:benchmark",
        }  # fmt: skip

    def crm_weights(self) -> tuple[float, ...]:
        """The win probabilities a CRM would give now: :meth:`measured_weights`, the scenario's where none measured."""
        if not self._records:
            return self.base_weights
        return tuple(w if w == w else b for w, b in zip(self.measured_weights(), self.base_weights, strict=True))

    def auto_play(self, rounds: int | None = None, policy: str = "benchmark") -> int:
        """Play ``rounds`` rounds (default: to the end) with ``policy`` for the seats; returns the rounds played.

        ``benchmark``: the seats of :meth:`benchmark_plan`; ``none``: no training. Format,
        routing and weights keep their current values.
        """
        self._check_open()
        if policy not in ("benchmark", "none"):
            raise DecisionError(
                "validation.unknown_choice",
                {"field": "policy", "value": str(policy)[:40], "allowed": "benchmark, none"},
            )
        count = self.total_rounds - self.round if rounds is None else min(int(rounds), self.total_rounds - self.round)
        for _ in range(count):
            seats = self.benchmark_plan("trained") if policy == "benchmark" else {}
            self._pending_seats = dict(seats)
            plan = self.plan(source=f"auto:{policy}")
            self._play(plan)
            self._clear_pending()
        return count

    def undo(self) -> RoundPlan:
        """Take back the last round (the runs as they were before it come back)."""
        if not self._records:
            raise DecisionError("control.nothing_to_undo")
        plan = self._records.pop()
        self._clear_pending()
        self._restore(self._before.pop())
        return plan

    def reset(self) -> None:
        """Back to the first round with no decisions (the same seed: the same leads)."""
        self._records.clear()
        self._clear_pending()
        if self._before:
            self._restore(self._before[0])
        self._before.clear()

    def _clear_pending(self) -> None:
        self._pending_seats = {}
        self._pending_format = None
        self._pending_routing = None
        self._pending_weights = None

    def _check_open(self) -> None:
        if self.finished:
            raise DecisionError("control.game_over")

    # ------------------------------------------------------------------ simulation
    def _start(self) -> None:
        """The lead-in (the game before its first round), run once: the other runs are forks of it.

        The three runs have the same seed and no decision before the first round, so a fork
        of the trained run after the lead-in is exactly the other runs at that point.
        """
        lead_in = Session(self.scenario, seed=self.seed, record_events=False)
        lead_in.advance(days=self.lead_in_days)
        self._sessions = {run: lead_in if run == RUNS[0] else lead_in.fork() for run in RUNS}
        self._ledgers = {}
        for run, session in self._sessions.items():
            business = session.business
            assert business is not None and business.funnel is not None
            self._ledgers[run] = FunnelLedger(business.funnel_records, self.margins)
            self._ledgers[run].update()
        self._round_rows: list[dict[str, Any]] = []
        self._partner_rows: list[dict[str, Any]] = []
        self._stage_rows: list[tuple[Any, ...]] = []
        self._stage_cache: pd.DataFrame | None = None  # stage_table() of every played round

    def ledger(self, run: str = "trained") -> FunnelLedger:
        """The lead-level bookkeeping of ``run`` (one of :data:`RUNS`)."""
        return self._ledgers[run]

    def _set_routing(self, session: Session, rule: str) -> None:
        """Change the funnel's routing rule of a running session (applies to leads routed from now on)."""
        session.business.set_lead_routing(ROUTING_RULES[rule])  # type: ignore[union-attr]

    def _uncapped_uplift(self, session: Session, partner: str, day: float) -> float:
        book = session.business.book  # type: ignore[union-attr]
        return training_uplift(day, book[partner].trainings, self.training_config.half_life_days)

    def _train(
        self, session: Session, seats: Mapping[str, int], fmt: TrainingFormat, day: int, label: str
    ) -> dict[str, float]:
        """Hold the round's sessions (one training event per seat level); returns the wasted seats per dealer.

        A dealer's seats ``n`` add ``n * u`` to its uncapped uplift ``U``; the seats wasted
        are ``n - (min(cap, U + n u) - min(cap, U)) / u``.
        """
        wasted = {}
        for partner in self.partners:
            n = seats.get(partner, 0)
            if n:
                before = self._uncapped_uplift(session, partner, day)
                gain = min(self.max_uplift, before + n * fmt.uplift) - min(self.max_uplift, before)
                wasted[partner] = n - gain / fmt.uplift if fmt.uplift > 0 else float(n)
        for level in range(1, max(seats.values(), default=0) + 1):
            names = [p for p in self.partners if seats.get(p, 0) >= level]
            if names:
                event = TrainingEvent(
                    day=day, partners=names, seats=len(names), cost_per_seat=fmt.cost_per_seat,
                    uplift=fmt.uplift, name=f"{label} ({fmt.name}, seat {level})",
                )  # fmt: skip
                session.business.apply_training(event, day)  # type: ignore[union-attr]
        return wasted

    def benchmark_plan(self, run: str = "benchmark", day: int | None = None) -> dict[str, int]:
        """The benchmark's seats for a round starting on ``day`` (default: now) in ``run``.

        Offline seats where they add most, greedy, one seat at a time: the next seat goes
        to the dealer with the largest ``leads_p * (min(cap, U_p + u) - min(cap, U_p))``,
        where ``leads_p`` are the leads the dealer accepted in the last round (the lead-in
        before the first), ``U_p`` its uncapped uplift on ``day`` (seats already given
        included) and ``u`` the offline uplift; ties by dealer order; at most
        ``max_seats_per_partner`` each and no seat that adds nothing.
        """
        session = self._sessions[run]
        day = self.day if day is None else day
        leads = self._ledgers[run].new_accepted
        uplift = {p: self._uncapped_uplift(session, p, day) for p in self.partners}
        u = FORMATS["offline"].uplift
        seats = dict.fromkeys(self.partners, 0)
        for _ in range(self.seat_budget):
            gains = {
                p: leads.get(p, 0) * (min(self.max_uplift, uplift[p] + u) - min(self.max_uplift, uplift[p]))
                for p in self.partners
                if seats[p] < self.max_seats_per_partner
            }
            best = max(gains, key=lambda p: (gains[p], -self.partners.index(p)), default=None)
            if best is None or gains[best] <= 0:
                break
            seats[best] += 1
            uplift[best] += u
        return {p: n for p, n in seats.items() if n}

    def _step(self, plan: RoundPlan) -> None:
        """Play one round on the three sessions and record what happened (the same calls in play and replay)."""
        t0 = plan.day
        fmt = FORMATS[plan.training_format]
        bench_seats = self.benchmark_plan("benchmark", t0)
        snapshot = self._ledgers["trained"].open_pipeline()
        for session in self._sessions.values():
            self._set_routing(session, plan.routing)
        label = f"Round {plan.round + 1}"
        trained = self._sessions["trained"]
        wasted = self._train(trained, dict(plan.seats), fmt, t0, label)
        self._train(self._sessions["benchmark"], bench_seats, FORMATS["offline"], t0, label)
        uplift = {p: min(self.max_uplift, self._uncapped_uplift(trained, p, t0)) for p in self.partners}
        for run, session in self._sessions.items():
            session.advance(days=self.round_days)
            self._ledgers[run].update()
        self._record_round(plan, snapshot, wasted, uplift, sum(bench_seats.values()))

    def _money(self, run: str, account: str, start: float, end: float) -> float:
        book = self._sessions[run].business.book  # type: ignore[union-attr]
        return float(sum(row.amount for row in book.money if row.account == account and start <= row.day < end))

    def _record_round(
        self,
        plan: RoundPlan,
        snapshot: Mapping[int, int],
        wasted: Mapping[str, float],
        uplift: Mapping[str, float],
        bench_seats: int,
    ) -> None:
        t0, t1 = plan.day, plan.day + self.round_days
        ledgers = self._ledgers
        trained = ledgers["trained"]
        counts = trained.new_stage_counts
        conversions = []
        for index, base in enumerate(self.base_conversions):
            passed, lost = counts.get((index, "passed"), 0), counts.get((index, "lost"), 0)
            conversions.append(passed / (passed + lost) if passed + lost else base)
        measured = win_probabilities(conversions)
        forecast = forecast_pipeline(snapshot, trained.units, plan.forecast_weights)
        measured_forecast = forecast_pipeline(snapshot, trained.units, measured)
        base_forecast = forecast_pipeline(snapshot, trained.units, self.base_weights)
        rows = []
        for partner in [*self.partners, NETWORK]:

            def mine(deal: int, partner: str = partner) -> bool:
                return partner == NETWORK or trained.partner.get(deal) == partner

            stats = {}
            for run in ("trained", "untrained"):
                closed = [(d, o) for d, p, o in ledgers[run].new_closed if partner in (NETWORK, p)]
                won = [d for d, o in closed if o == "won"]
                stats[run] = (
                    len(won),
                    len(closed) - len(won),
                    float(sum(ledgers[run].units[d] for d in won)),
                    float(sum(ledgers[run].margin[d] for d in won)),
                )
            won, lost, won_units, margin = stats["trained"]
            u_won, u_lost, u_units, u_margin = stats["untrained"]
            deals = [d for d in snapshot if mine(d)]
            f = sum(forecast[d] for d in deals)
            a = float(sum(trained.units[d] for d in deals if trained.outcome.get(d) == "won"))
            still_open = float(sum(trained.units[d] for d in deals if d not in trained.outcome))
            if partner == NETWORK:
                seats, wasted_seats, leads = plan.total_seats, sum(wasted.values()), sum(trained.new_accepted.values())
            else:
                seats, wasted_seats, leads = plan.seats_of(partner), wasted.get(partner, 0.0), 0
                leads = trained.new_accepted.get(partner, 0)
            rows.append({
                "round": plan.round + 1, "start_day": t0, "end_day": t1, "partner": partner,
                "tier": self.tiers.get(partner, ""), "region": self.regions.get(partner, ""),
                "training_format": plan.training_format, "routing": plan.routing,
                "seats": seats, "training_cost": seats * FORMATS[plan.training_format].cost_per_seat,
                "wasted_seats": float(wasted_seats), "uplift_after_training": uplift.get(partner, math.nan),
                "leads": leads, "won": won, "lost": lost,
                "win_rate": won / (won + lost) if won + lost else math.nan,
                "untrained_win_rate": u_won / (u_won + u_lost) if u_won + u_lost else math.nan,
                "untrained_won": u_won, "untrained_lost": u_lost,
                "won_units": won_units, "untrained_won_units": u_units, "extra_won_units": won_units - u_units,
                "margin": margin, "untrained_margin": u_margin, "extra_margin": margin - u_margin,
                "pipeline_deals": len(deals), "forecast_units": f, "actual_units": a, "still_open_units": still_open,
                "forecast_error": (f - a) / a if a > 0 else math.nan,
                "measured_forecast_units": sum(measured_forecast[d] for d in deals),
                "base_forecast_units": sum(base_forecast[d] for d in deals),
            })  # fmt: skip
        self._partner_rows.extend(rows)
        bench = ledgers["benchmark"]
        bench_won = [d for d, _, o in bench.new_closed if o == "won"]
        self._round_rows.append({
            **rows[-1],
            "training_cost": self._money("trained", "training_cost", t0, t1),
            "benchmark_cost": self._money("benchmark", "training_cost", t0, t1),
            "benchmark_seats": bench_seats,
            "benchmark_won_units": float(sum(bench.units[d] for d in bench_won)),
            "benchmark_margin": float(sum(bench.margin[d] for d in bench_won)),
            "forecast_weights": plan.forecast_weights,
            "measured_weights": measured,
            "measured_conversions": tuple(conversions),
        })  # fmt: skip
        self._stage_cache = None
        for run in RUNS:
            stage_counts = ledgers[run].new_stage_counts
            for index, stage in enumerate(self.stage_names):
                self._stage_rows.append((
                    plan.round + 1, run, index, stage, stage_counts.get((index, "entered"), 0),
                    stage_counts.get((index, "passed"), 0), stage_counts.get((index, "lost"), 0),
                ))  # fmt: skip

    # ------------------------------------------------------------------ what the trainee sees
    def rounds_table(self) -> pd.DataFrame:
        """One row per played round (network figures): seats, cost, leads, win rates, units, margins, forecast."""
        return pd.DataFrame(self._round_rows)

    def partner_rounds(self) -> pd.DataFrame:
        """One row per played round and dealer (and the network): the columns of :data:`REPORT_COLUMNS` and more."""
        return pd.DataFrame(self._partner_rows)

    def stage_table(self, rounds: Sequence[int] | None = None) -> pd.DataFrame:
        """Per run and stage over the played rounds (or the given ones): entered, passed, lost, conversion.

        ``conversion = passed / (passed + lost)`` among the opportunities that left the stage
        during those rounds (the measured conversion to compare with the forecast weights).
        """
        if rounds is None and self._stage_cache is not None:
            return self._stage_cache.copy()
        frame = pd.DataFrame(self._stage_rows, columns=_STAGE_COLUMNS)
        if rounds is not None:
            frame = frame[frame["round"].isin(list(rounds))]
        out = frame.groupby(["run", "stage_index", "stage"], sort=False)[["entered", "passed", "lost"]].sum()
        out = out.reset_index()
        closed = out["passed"] + out["lost"]
        out["conversion"] = out["passed"] / closed.where(closed > 0)
        out["run"] = pd.Categorical(out["run"], categories=list(RUNS), ordered=True)
        out = out.sort_values(["run", "stage_index"]).reset_index(drop=True)
        out["run"] = out["run"].astype(str)
        if rounds is None:
            self._stage_cache = out.copy()
        return out

    def measured_conversions(self, run: str = "trained") -> tuple[float, ...]:
        """The measured conversion of each stage in ``run`` over the played rounds (NaN where nothing closed)."""
        table = self.stage_table()
        mine = table[table["run"] == run].set_index("stage_index")["conversion"]
        return tuple(float(mine.get(i, math.nan)) for i in range(len(self.stage_names)))

    def measured_weights(self, run: str = "trained") -> tuple[float, ...]:
        """The measured win probability of each stage in ``run`` over the played rounds (what the weights forecast).

        ``prod_{j >= i}`` of :meth:`measured_conversions`; NaN where a stage from ``i`` on closed nothing.
        """
        return win_probabilities(self.measured_conversions(run))

    def weight_conversions(self, weights: Sequence[float] | None = None) -> tuple[float, ...]:
        """The stage conversions that ``weights`` (default: the current ones) imply: ``w_i / w_{i+1}``, the last ``w``.

        NaN where the next stage's weight is 0 (a chart compares them with :meth:`measured_conversions`).
        """
        w = self.forecast_weights if weights is None else weights
        return tuple(w[i] / w[i + 1] if w[i + 1] > 0 else math.nan for i in range(len(w) - 1)) + (float(w[-1]),)

    def state(self) -> dict[str, Any]:
        """What the trainee sees when deciding (JSON-able): where the game is, the settings in force, the dealers.

        ``routing``, ``training_format`` and ``forecast_weights`` are the last round's (pending
        input is not part of the state); ``dealers`` the rows of :meth:`dealer_table`;
        ``weighted_pipeline`` with those weights.
        """
        last = self._records[-1] if self._records else None
        weights = last.forecast_weights if last else self.base_weights
        return jsonable({
            "round": self.round, "rounds": self.rounds, "day": self.day, "finished": self.finished,
            "routing": last.routing if last else self._default_routing,
            "training_format": last.training_format if last else "offline", "forecast_weights": weights,
            "weighted_pipeline": self.weighted_pipeline(weights), "dealers": self.dealer_table(),
        })  # fmt: skip

    def dealer_table(self) -> pd.DataFrame:
        """Per dealer, what the trainee sees when deciding: tier, region, leads and win rate so far, uplift now.

        ``leads_last_round`` and ``lead_share_last_round``: leads accepted in the last round
        (the lead-in before the first); ``won``, ``closed``, ``win_rate``: deals closed in the
        played rounds (the lead-in before the first); ``uplift_now``: the training uplift
        on its stage conversions today; ``seats_so_far``: seats given in the played rounds.
        """
        ledger = self._ledgers["trained"]
        last = ledger.new_accepted
        total = sum(last.values())
        if self._partner_rows:
            played = pd.DataFrame(self._partner_rows).groupby("partner")[["won", "lost"]].sum()
            closed_by = {p: (int(played.at[p, "won"]), int(played.at[p, "won"] + played.at[p, "lost"]))
                         for p in self.partners}  # fmt: skip
        else:
            closed_by = {}
            for _, partner, outcome in ledger.new_closed:
                won, closed = closed_by.get(partner, (0, 0))
                closed_by[partner] = (won + (outcome == "won"), closed + 1)
        session = self._sessions["trained"]
        rows = []
        for partner in self.partners:
            won, closed = closed_by.get(partner, (0, 0))
            rows.append({
                "partner": partner, "display_name": self.display_names[partner], "tier": self.tiers[partner],
                "region": self.regions[partner], "leads_last_round": last.get(partner, 0),
                "lead_share_last_round": last.get(partner, 0) / total if total else math.nan,
                "won": won, "closed": closed, "win_rate": won / closed if closed else math.nan,
                "uplift_now": min(self.max_uplift, self._uncapped_uplift(session, partner, self.day)),
                "seats_so_far": sum(plan.seats_of(partner) for plan in self._records),
            })  # fmt: skip
        return pd.DataFrame(rows)

    def weighted_pipeline(self, weights: Sequence[float] | None = None) -> float:
        """The open pipeline now, weighted by ``weights`` (default: the current forecast weights)."""
        ledger = self._ledgers["trained"]
        chosen = self.forecast_weights if weights is None else weights
        return float(sum(forecast_pipeline(ledger.open_pipeline(), ledger.units, chosen).values()))

    def lead_balance(self, run: str = "trained") -> dict[str, int]:
        """Leads so far by where they are: ``created = won + lost + open + unrouted + awaiting``.

        ``open``: opportunities a dealer accepted that are in a stage; ``awaiting``: leads
        offered and not yet accepted; ``entered``: opportunities that entered the first stage
        (``entered = won + lost + open``).
        """
        return self._ledgers[run].balance()

    def kpis(self) -> pd.DataFrame:
        """The KPIs as a table: one row, ``round`` and the values of :meth:`kpi_cards`."""
        return pd.DataFrame([{"round": self.round, **self.kpi_cards()}])

    def kpi_cards(self) -> dict[str, float]:
        """The KPI cards: win rates, extra won units, training spend, weighted pipeline, last forecast error.

        ``funnel_win_rate`` = won / (won + lost) over the deals closed in the played rounds;
        ``training_win_rate_uplift`` = that minus the untrained run's, in percentage points;
        ``training_extra_units`` = units won more than the untrained run; ``training_spend`` =
        training cost; ``weighted_pipeline`` = :meth:`weighted_pipeline`;
        ``training_forecast_error`` = the last round's forecast error ``(F - A) / A`` in percent.
        """
        rows = self._round_rows
        weighted = self.weighted_pipeline()
        if not rows:
            return {
                "funnel_win_rate": math.nan, "training_win_rate_uplift": math.nan, "training_extra_units": math.nan,
                "training_spend": 0.0, "weighted_pipeline": weighted, "training_forecast_error": math.nan,
            }  # fmt: skip
        won = sum(r["won"] for r in rows)
        lost = sum(r["lost"] for r in rows)
        untrained_won = sum(r["untrained_won"] for r in rows)
        untrained_closed = untrained_won + sum(r["untrained_lost"] for r in rows)
        rate = won / (won + lost) if won + lost else math.nan
        base = untrained_won / untrained_closed if untrained_closed else math.nan
        last = rows[-1]["forecast_error"]
        return {
            "funnel_win_rate": rate,
            "training_win_rate_uplift": 100.0 * (rate - base),
            "training_extra_units": float(sum(r["extra_won_units"] for r in rows)),
            "training_spend": float(sum(r["training_cost"] for r in rows)),
            "weighted_pipeline": weighted,
            "training_forecast_error": 100.0 * last if last == last else math.nan,
        }

    # ------------------------------------------------------------------ score, advice, debrief
    def score(self) -> Score:
        """The score of the rounds played (formula in the module docstring); NaN before the first round.

        ``components``: ``G``, ``G_ref``, ``E`` (calibration error of the forecast weights: ``F / F* - 1``),
        ``B`` (forecast bias against the actual units), ``uplift_points``, ``forecast_points``,
        ``extra_margin``, ``training_cost``, ``forecast_units``, ``measured_forecast_units``,
        ``actual_units``.
        """
        rows = self._round_rows
        if not rows:
            return Score(math.nan, "training.score.formula", SCORE_FORMULA)
        extra = sum(r["margin"] - r["untrained_margin"] for r in rows)
        cost = sum(r["training_cost"] for r in rows)
        gain = extra - cost
        ref = sum(r["benchmark_margin"] - r["untrained_margin"] - r["benchmark_cost"] for r in rows)
        if ref > 0:
            uplift_points = 60.0 * min(1.0, max(0.0, gain / ref))
        else:
            uplift_points = 60.0 if gain > 0 else 0.0
        forecast = sum(r["forecast_units"] for r in rows)
        measured = sum(r["measured_forecast_units"] for r in rows)
        actual = sum(r["actual_units"] for r in rows)
        calibration = (forecast - measured) / measured if measured > 0 else (0.0 if forecast == 0 else math.inf)
        high = max(forecast, measured)
        forecast_points = 40.0 * (min(forecast, measured) / high if high > 0 else 1.0)
        bias = (forecast - actual) / actual if actual > 0 else math.nan
        components = {
            "G": gain, "G_ref": ref, "E": calibration, "B": bias, "uplift_points": uplift_points,
            "forecast_points": forecast_points, "extra_margin": extra, "training_cost": cost,
            "forecast_units": forecast, "measured_forecast_units": measured, "actual_units": actual,
        }  # fmt: skip
        return Score(
            uplift_points + forecast_points,
            "training.score.formula",
            SCORE_FORMULA,
            params={"G_ref": ref, "G": gain, "F": forecast, "F*": measured},
            components=components,
        )

    def advice(self, lang: str = DEFAULT_LANGUAGE, catalogue: Catalogue | None = None) -> list[Advice]:
        """Advice on the rounds played, most severe first (rules in the module docstring)."""
        cat = catalogue or CATALOGUE
        th = self.thresholds
        rows = self._round_rows
        if not rows:
            return []
        found: list[tuple[str, str, dict[str, Any]]] = []
        partner = self.partner_rounds()
        dealers = partner[partner["partner"] != NETWORK]
        seats_total = int(dealers["seats"].sum())
        c = self.score().components
        if seats_total == 0:
            win_rate = self.kpi_cards()["funnel_win_rate"]
            found.append(("no_training", "warning", {"rounds": len(rows), "win_rate": win_rate}))
        else:
            leads_total = dealers.groupby("round")["leads"].transform("sum")
            share = dealers["leads"] / leads_total.where(leads_total > 0)
            small = dealers[(dealers["seats"] > 0) & (share < th.small_lead_share)]
            small_seats = int(small["seats"].sum())
            if small_seats >= th.small_min_seats and small_seats >= th.small_seats_share * seats_total:
                names = ", ".join(self.display_names[p] for p in dict.fromkeys(small["partner"]))
                found.append(("few_leads", "warning", {
                    "seats": small_seats, "total": seats_total, "partners": names,
                    "share": float(share[small.index].mean()), "extra_units": float(small["extra_won_units"].sum()),
                }))  # fmt: skip
            wasted = dealers[dealers["wasted_seats"] > 1e-9]
            if float(wasted["wasted_seats"].sum()) >= th.wasted_seats:
                names = ", ".join(self.display_names[p] for p in dict.fromkeys(wasted["partner"]))
                found.append(("capped", "warning", {
                    "wasted": float(wasted["wasted_seats"].sum()), "partners": names, "cap": self.max_uplift,
                }))  # fmt: skip
            if c["training_cost"] > 0 and c["extra_margin"] < c["training_cost"]:
                found.append(("not_paying", "warning", {
                    "cost": c["training_cost"], "margin": c["extra_margin"],
                    "units": float(dealers["extra_won_units"].sum()),
                }))  # fmt: skip
        calibration, bias = c["E"], c["B"]
        params = {
            "bias": bias if math.isfinite(bias) else 0.0, "forecast": c["forecast_units"], "actual": c["actual_units"],
            "calibration": calibration if math.isfinite(calibration) else 0.0,
            "weights_win": float(rows[-1]["forecast_weights"][0]),
            "measured_win": self._measured_first_stage(),
            "deals": float(np.mean([r["pipeline_deals"] for r in rows])),
        }  # fmt: skip
        if calibration > th.forecast_bias:
            severity = "critical" if calibration > th.forecast_critical_bias else "warning"
            found.append(("forecast_optimistic", severity, params))
        elif calibration < -th.forecast_bias:
            found.append(("forecast_pessimistic", "warning", params))
        elif math.isfinite(bias) and abs(bias) > th.forecast_luck_bias:
            found.append(("forecast_luck", "info", params))
        good = (
            not any(severity != "info" for _, severity, _ in found)
            and c["G_ref"] > 0
            and c["G"] >= th.good_gain_share * c["G_ref"]
            and abs(calibration) <= th.forecast_bias
        )
        if good:
            found.append(("good_play", "info", {"gain": c["G"], "reference": c["G_ref"], "calibration": calibration}))
        order = {"critical": 0, "warning": 1, "info": 2}
        found.sort(key=lambda item: order[item[1]])
        return [
            Advice(code, severity, cat.get(f"training.advice.{code}", lang, **params), dict(params))  # type: ignore[arg-type]
            for code, severity, params in found
        ]

    def _measured_first_stage(self) -> float:
        """The measured win probability of a first-stage deal (stages where nothing closed left out)."""
        return math.prod(c for c in self.measured_conversions() if c == c)

    def debrief(self, lang: str = DEFAULT_LANGUAGE, catalogue: Catalogue | None = None) -> list[str]:
        """What happened, in a few sentences (empty before the first round)."""
        cat = catalogue or CATALOGUE
        rows = self._round_rows
        if not rows:
            return []
        c = self.score().components
        kpis = self.kpi_cards()
        partner = self.partner_rounds()
        dealers = partner[partner["partner"] != NETWORK]
        gains = dealers.groupby("partner")["extra_won_units"].sum()
        lines = [
            cat.get("training.debrief.uplift", lang, rounds=len(rows), win_rate=kpis["funnel_win_rate"],
                    points=kpis["training_win_rate_uplift"], units=kpis["training_extra_units"]),
            cat.get("training.debrief.money", lang, margin=c["extra_margin"], cost=c["training_cost"], gain=c["G"],
                    reference=c["G_ref"]),
        ]  # fmt: skip
        if len(gains) and gains.max() > 0:
            best = str(gains.idxmax())
            lines.append(cat.get("training.debrief.best_partner", lang, partner=self.display_names[best],
                                 units=float(gains.max())))  # fmt: skip
        if math.isfinite(c["B"]) and math.isfinite(c["E"]):
            lines.append(cat.get("training.debrief.forecast", lang, forecast=c["forecast_units"],
                                 actual=c["actual_units"], bias=c["B"], measured=c["measured_forecast_units"],
                                 calibration=c["E"]))  # fmt: skip
        return lines

    # ------------------------------------------------------------------ results
    def report(self) -> pd.DataFrame:
        """The trainee's results (the CSV download): one row per round and dealer plus a ``network`` row."""
        frame = self.partner_rounds()
        if frame.empty:
            return pd.DataFrame(columns=REPORT_COLUMNS)
        frame = frame.assign(exercise=EXERCISE, scenario=self.scenario.name, seed=self.seed)
        return frame[REPORT_COLUMNS].reset_index(drop=True)

    def to_csv(self, path_or_buffer: Any = None) -> str | None:
        """Write :meth:`report` as CSV to a path or buffer; with none, return the text."""
        return self.report().to_csv(path_or_buffer, index=False)
