"""The beer game: the trainee plays one role of Sterman's four-stage chain, week by week.

The scenario is the bundled ``scenarios/beer-game.yaml`` (package data of the wheel):
retailer, wholesaler, distributor and factory, 12 cases on hand each, 2-week order and shipping delays, holding 0.50 and
backlog 1.00 per case-week, customer demand 4 cases a week stepping to 8 in week 5.
The three other roles follow Sterman's (1989) anchoring-and-adjustment rule.

Each week (a round of one period, decided at the round's end as in the board game) the
trainee sees the week's incoming order and arriving shipment, then orders. The
benchmark is the same game (same seed, same demand) with all four roles on the rule; the
score compares the chain's cost with it.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from chansim import scenario as sc
from chansim.exercises.contract import Exercise
from chansim.exercises.game import (
    DecisionError,
    Game,
    RoundAction,
    RoundRecord,
    Score,
    check_keys,
    check_number,
    cost_by_node,
)

if TYPE_CHECKING:
    from chansim.exercises.feedback import Advice
    from chansim.results import Result

__all__ = ["BEER", "BULLWHIP_COLUMNS", "DEMANDS", "ROLES", "BeerGame", "BeerGameDecision", "beer_game_scenario"]

#: The roles, from the end customer up the chain.
ROLES = ("retailer", "wholesaler", "distributor", "factory")
#: ``classic``: 4 cases a week, 8 from week 5; ``random``: Poisson with those means (seeded). The page's menu
#: names them without the step (``beer_game.demand.*``): the change is the game's surprise.
DEMANDS = ("classic", "random")
BEER = "beer"
CUSTOMERS = "customers"
WEEK_DAYS = 7
MAX_WEEKS = 520
#: Columns of :meth:`BeerGame.bullwhip_table`.
BULLWHIP_COLUMNS = ["run", "week", "level", "series", "qty", "trainee"]

_RANDOM_DESCRIPTION = (
    "Sterman's beer game with random customer demand: Poisson, mean 4 cases a week, 8 from week 5; "
    "four stages each following the anchoring-and-adjustment rule."
)


def beer_game_scenario(demand: Literal["classic", "random"] = "classic", horizon_weeks: int = 36) -> sc.Scenario:
    """The beer game of the bundled ``scenarios/beer-game.yaml`` (``classic``, 36 weeks: the file as it is).

    ``random`` keeps everything but draws the weekly customer demand from a Poisson
    distribution with the classic means (4, then 8 from week 5); its name is
    ``beer-game-random``.
    """
    if demand not in DEMANDS:
        raise ValueError(f"demand: {demand!r} is not one of {', '.join(DEMANDS)}")
    from chansim.io import bundled_scenarios, parse_scenario, read_yaml

    path = bundled_scenarios()["beer-game"]
    document = read_yaml(path.read_text(encoding="utf-8"), str(path))
    document["horizon_days"] = WEEK_DAYS * horizon_weeks
    if demand == "random":
        document.update(name="beer-game-random", description=_RANDOM_DESCRIPTION)
        (market,) = document["markets"]
        (stream,) = market["demand"]
        stream["distribution"] = {"type": "poisson", "mean": 4}
    return parse_scenario(document, str(path))


class BeerGameDecision(BaseModel):
    """One week's decision of the beer game (the contract's ``play_round`` takes it as a dict)."""

    model_config = ConfigDict(extra="forbid")

    order: float = Field(ge=0, le=1000, description="Cases the trainee's role orders this week (whole).")
    source: str = Field("trainee", min_length=1, max_length=40, description="Who decided: trainee or auto:<policy>.")


class BeerGame(Game, Exercise):
    """The beer game with the trainee in ``role``; the other roles follow Sterman's rule.

    Exercise contract name ``beer-game``; a decision is ``{"order": cases}`` (and an optional
    ``source``); the standard process (:meth:`default_decision`) is Sterman's rule.

    Args:
        role: ``retailer``, ``wholesaler``, ``distributor`` or ``factory``.
        seed: seed of the demand draws (``random``) and of the game.
        demand: ``classic`` (4, then 8 from week 5) or ``random`` (Poisson with those means).
        horizon_weeks: weeks to play (1 to 520).

    Raises:
        DecisionError: ``validation.unknown_choice`` for a role or demand not offered, or a
            number error of :func:`~chansim.exercises.game.check_number` for ``horizon_weeks``.

    """

    def __init__(
        self,
        role: str = "retailer",
        *,
        seed: int = 0,
        demand: str = "classic",
        horizon_weeks: object = 36,
    ) -> None:
        if role not in ROLES:
            raise DecisionError(
                "validation.unknown_choice", {"field": "role", "value": str(role), "allowed": ", ".join(ROLES)}
            )
        if demand not in DEMANDS:
            raise DecisionError(
                "validation.unknown_choice", {"field": "demand", "value": str(demand), "allowed": ", ".join(DEMANDS)}
            )
        weeks = int(check_number(horizon_weeks, "horizon_weeks", maximum=MAX_WEEKS, whole=True, minimum=1))
        super().__init__(
            beer_game_scenario(demand, weeks),  # type: ignore[arg-type]
            [(role, BEER)],
            seed=seed,
            round_days=WEEK_DAYS,
            decision_point="round_end",
            max_order=1000,
            default_policy="sterman",
            exercise="beer_game",
        )
        self.role = role
        self.demand = demand
        self.horizon_weeks = weeks
        self.options = {"role": role, "demand": demand, "horizon_weeks": weeks}
        self._benchmark: Result | None = None

    name = "beer-game"
    Decision = BeerGameDecision

    # ------------------------------------------------------------------ the contract's decisions
    def parse_decision(self, decision: object) -> tuple[dict[tuple[str, str], tuple[float, str]], list[RoundAction]]:
        """``{"order": cases, "source": "trainee"}`` checked (the order as :meth:`order` checks it)."""
        checked = check_keys(decision, ("order", "source"), ("order",))
        source = self._check_source(checked.get("source", "trainee"))
        return {(self.role, BEER): (self.check_order(self.role, BEER, checked["order"]), source)}, []

    def decision_of(self, record: RoundRecord) -> dict[str, Any]:
        """The week's decision dict: the order and its source."""
        return {"order": record.order(self.role, BEER), "source": self._record_source(record)}

    def default_decision(self) -> dict[str, Any]:
        """Sterman's rule's order for the role this week (source ``auto:sterman``)."""
        self._check_open()
        return {"order": self.suggestion(self.role, BEER), "source": self._auto_label(self.default_policy)}

    def state(self) -> dict[str, Any]:
        """The contract's state (:meth:`Game.state`) with the role, the demand and the week being decided."""
        return {**super().state(), "role": self.role, "demand": self.demand, "week": self.week}

    def advice(self, lang: str = "en_US") -> list[Advice]:
        """Plain-language advice on the role's play so far (:mod:`chansim.exercises.feedback`); none before week 1."""
        from chansim.exercises.feedback import advise_facts, game_facts

        if self.round == 0:
            return []
        return advise_facts(game_facts(self.result(), role=self.role), lang=lang)

    @property
    def week(self) -> int:
        """The week being decided, counted from 1 as in the board game."""
        return self.round + 1

    def order(self, qty: object) -> float:
        """Decide this week's order of the trainee's role (``decide`` with the role filled in)."""
        return self.decide(self.role, BEER, qty)

    def benchmark(self) -> Result:
        """The whole game with all four roles on Sterman's rule (same seed, same demand); run once."""
        if self._benchmark is None:
            from chansim.engine import run

            self._benchmark = run(self.base_scenario, seed=self.seed, days=self.total_rounds * WEEK_DAYS)
        return self._benchmark

    def cost_table(self) -> pd.DataFrame:
        """Cost per role over the weeks played: ``node, trainee, cost, benchmark_cost`` and a ``chain`` row.

        Cost = holding + backlog (+ any other cost account) of the role, as ``total_cost``
        in :func:`chansim.metrics.kpis`; the benchmark's over the same weeks.
        """
        if "cost_table" in self._cache:  # the score and the page read it in the same step: once per round
            return self._cache["cost_table"].copy()
        end_day = self.round * WEEK_DAYS
        yours = cost_by_node(self.result(), end_day, ROLES) if self.round else pd.Series(0.0, index=list(ROLES))
        rule = cost_by_node(self.benchmark(), end_day, ROLES)
        frame = pd.DataFrame({
            "node": [*ROLES, "chain"],
            "trainee": [role == self.role for role in ROLES] + [False],
            "cost": [*yours.to_list(), float(yours.sum())],
            "benchmark_cost": [*rule.to_list(), float(rule.sum())],
        })  # fmt: skip
        self._cache["cost_table"] = frame
        return frame.copy()

    def score(self) -> Score:
        """``score = 100 × C_rule / C_you``: the chain's cost with the rule over yours (NaN before week 1).

        ``C_you`` = total cost of the four roles over the weeks played, ``C_rule`` = the same
        in the benchmark; 100 plays as well as the rule, above 100 beats it.
        """
        table = self.cost_table().set_index("node")
        yours = float(table.loc["chain", "cost"])
        rule = float(table.loc["chain", "benchmark_cost"])
        if self.round == 0:
            value = math.nan
        elif yours > 0:
            value = 100.0 * rule / yours
        else:
            value = 100.0 if rule == 0 else math.inf
        return Score(
            value=value,
            formula_key="score.beer_game.formula",
            formula="score = 100 × C_rule / C_you",
            params={"C_rule": rule, "C_you": yours, "weeks": float(self.round)},
            components={"chain_cost": yours, "benchmark_cost": rule, "role_cost": float(table.loc[self.role, "cost"])},
        )

    def bullwhip_table(self) -> pd.DataFrame:
        """The bullwhip picture over the weeks played, tidy (columns :data:`BULLWHIP_COLUMNS`).

        One row per run (``game``, ``benchmark``) x week (from 1) x level: ``level ==
        "customers"`` with ``series == "end_demand"`` is the end-customer demand, each role
        with ``series == "orders"`` the cases it ordered that week; ``trainee`` marks the
        trainee's role.
        """
        weeks = self.round
        runs = [("game", self.result())] if weeks else []
        runs.append(("benchmark", self.benchmark()))
        parts = []
        for run_name, result in runs:
            levels = result.levels
            levels = levels[levels["period"] < weeks]
            week = levels["period"] + 1
            node = levels["node"].astype(str)
            demand = levels[node == ROLES[0]]
            parts.append(
                pd.DataFrame(
                    {
                        "run": run_name,
                        "week": week[demand.index],
                        "level": CUSTOMERS,
                        "series": "end_demand",
                        "qty": demand["customer_demand"],
                        "trainee": False,
                    }
                )  # fmt: skip
            )
            parts.append(
                pd.DataFrame(
                    {
                        "run": run_name,
                        "week": week,
                        "level": node,
                        "series": "orders",
                        "qty": levels["ordered"],
                        "trainee": (node == self.role) & (run_name == "game"),
                    }
                )  # fmt: skip
            )
        frame = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=BULLWHIP_COLUMNS)
        order = {name: i for i, name in enumerate([CUSTOMERS, *ROLES])}
        frame = frame.assign(rank=frame["level"].map(order), run_rank=frame["run"].map({"game": 0, "benchmark": 1}))
        frame = frame.sort_values(["run_rank", "week", "rank"], kind="stable").reset_index(drop=True)
        return frame[BULLWHIP_COLUMNS].astype({"week": "int64", "qty": float, "trainee": bool})
