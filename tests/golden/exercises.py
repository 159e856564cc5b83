"""Digests of every exercise played over its rounds with scripted decisions, to prove a refactoring changes no result.

Each exercise is played with a fixed script (orders, actions, an undo in the middle) and its
results are digested: the CSV table (``report``), the score, the KPIs and the trainee's view
(``state``). ``python tests/golden/exercises.py --write`` records them in ``exercises.json``
(only when a change of results is intended and explained); ``tests/test_golden_exercises.py``
compares.
"""

from __future__ import annotations

import hashlib
import json
import math
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

HERE = Path(__file__).resolve().parent
GOLDEN = HERE / "exercises.json"


def digest(value: Any) -> str:
    """SHA-256 of a table as CSV (full float precision), or of a value as sorted JSON."""
    if isinstance(value, pd.DataFrame):
        text = value.to_csv(index=False)
    else:
        text = json.dumps(value, sort_keys=True, default=_plain)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _plain(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return repr(value)
    if hasattr(value, "item"):
        return value.item()
    if isinstance(value, tuple | set):
        return list(value)
    return repr(value)


def score_digest(score: Any) -> str:
    return digest({
        "value": repr(float(score.value)), "formula": score.formula,
        "params": {k: repr(float(v)) for k, v in score.params.items()},
        "components": {k: repr(float(v)) for k, v in score.components.items()},
    })  # fmt: skip


def kpi_digest(kpis: Any) -> str:
    if isinstance(kpis, pd.DataFrame):
        return digest(kpis)
    return digest({k: repr(float(v)) for k, v in kpis.items()})


# --------------------------------------------------------------------------- the scripts (one decision list each)

#: Beer game: the wholesaler's weekly orders (12 weeks), an undo after week 5 and a different week 5.
BEER_OPTIONS = {"role": "wholesaler", "demand": "random", "horizon_weeks": 12}
BEER_ORDERS = [4, 8, 0, 12, 6, 5, 9, 4, 4, 20, 0, 7]
#: Order desk: 6 weeks, orders per product, a credit limit in week 2, a new allocation rule in week 3.
DESK_OPTIONS = {"horizon_weeks": 6}
DESK_ORDERS = [
    {"fridge": 40, "washer": 50, "microwave": 90},
    {"fridge": 0, "washer": 120, "microwave": 60},
    {"fridge": 80, "washer": 0, "microwave": 200},
    {"fridge": 30, "washer": 30, "microwave": 30},
    {"fridge": 60, "washer": 70, "microwave": 0},
    {"fridge": 10, "washer": 40, "microwave": 150},
]
#: Training: four quarters of seats, format, routing and forecast weights.
TRAINING_PLANS = [
    {"seats": {"dealer_n1": 3, "dealer_s1": 2}, "format": "offline", "routing": "territory_tier", "weights": None},
    {"seats": {"dealer_n2": 1, "dealer_s2": 3}, "format": "online", "routing": "round_robin",
     "weights": [0.6, 0.7, 0.8, 0.9]},
    {"seats": {}, "format": "offline", "routing": "fewest_open", "weights": None},
    {"seats": {"dealer_n1": 2, "dealer_n3": 2, "dealer_s3": 2}, "format": "offline", "routing": "tier_weighted_all",
     "weights": [0.5, 0.5, 0.5, 0.5]},
]  # fmt: skip
#: Recruitment: two rounds of weights, the top picks of each region by the ranking.
RECRUITMENT_OPTIONS = {"rounds": 2, "reveal_days": 120}
RECRUITMENT_WEIGHTS = [
    {"capital": 1, "regional_coverage": 1, "category_experience": 1, "credit_history": 1, "service_team": 1},
    {"capital": 0, "regional_coverage": 2, "category_experience": 1, "credit_history": 5, "service_team": 0.5},
]
#: Evaluation: two reviews.
EVALUATION_OPTIONS = {"reviews": 2}
#: Planning: two designs.
PLANNING_DESIGNS = [
    {"dealers": [3, 3, 2, 0], "tiers": 2, "gold_discount_pct": 32, "silver_discount_pct": 28,
     "bronze_discount_pct": 25, "marketing_budget": 0},
    {"dealers": [2, 2, 2, 2], "tiers": 1, "gold_discount_pct": 30, "silver_discount_pct": 26,
     "bronze_discount_pct": 22, "marketing_budget": 200000},
]  # fmt: skip
SEED = 11


def play_beer_game() -> dict[str, str]:
    from chansim.exercises.beer_game import BeerGame

    game = BeerGame(seed=SEED, **BEER_OPTIONS)
    for week, qty in enumerate(BEER_ORDERS):
        if week == 5:
            game.order(99)
            game.play_round()
            game.undo()
        game.order(qty)
        game.play_round()
    return {
        "report": digest(game.report()), "score": score_digest(game.score()), "kpis": kpi_digest(game.kpis()),
        "state": digest(game.stock_table()), "cost_table": digest(game.cost_table()),
    }  # fmt: skip


def play_order_desk() -> dict[str, str]:
    from chansim.exercises.order_desk import OrderDesk

    game = OrderDesk(seed=SEED, **DESK_OPTIONS)
    for week, orders in enumerate(DESK_ORDERS):
        if week == 1:
            game.set_credit_limit("dealer_n2", 20000)
        if week == 2:
            game.set_allocation("proportional")
        if week == 4:
            game.set_credit_limit("dealer_n1", 0)
            for sku, qty in orders.items():
                game.decide("dist_north", sku, qty + 500)
            game.play_round()
            game.undo()
        for sku, qty in orders.items():
            game.decide("dist_north", sku, qty)
        game.play_round()
    return {
        "report": digest(game.report()), "score": score_digest(game.score()), "kpis": kpi_digest(game.kpis()),
        "state": digest(game.stock_table()), "desk_kpis": digest(game.desk_kpis()),
        "credit": digest(game.credit_table()),
    }  # fmt: skip


def play_training() -> dict[str, str]:
    from chansim.exercises.training import TrainingGame

    game = TrainingGame(seed=SEED)
    for plan in TRAINING_PLANS:
        game.set_seats(plan["seats"])
        game.set_format(plan["format"])
        game.set_routing(plan["routing"])
        if plan["weights"] is not None:
            game.set_forecast_weights(plan["weights"])
        game.play_round()
        if game.round == 2:
            game.undo()
            game.set_seats(plan["seats"])
            game.set_format(plan["format"])
            game.set_routing(plan["routing"])
            if plan["weights"] is not None:
                game.set_forecast_weights(plan["weights"])
            game.play_round()
    return {
        "report": digest(game.report()), "score": score_digest(game.score()), "kpis": kpi_digest(game.kpi_cards()),
        "state": digest(game.dealer_table()), "stages": digest(game.stage_table()),
    }  # fmt: skip


def play_recruitment() -> dict[str, str]:
    from chansim.exercises.recruitment import Recruitment

    game = Recruitment(seed=SEED, **RECRUITMENT_OPTIONS)
    for weights in RECRUITMENT_WEIGHTS:
        game.set_weights(weights)
        ranking = game.ranking()
        game.choose(list(ranking[ranking["region_rank"] <= game.picks_per_region]["applicant"]))
        game.reveal()
    return {
        "report": digest(game.report()), "scores": digest([repr(s) for s in game.scores()]),
        "kpis": kpi_digest(game.last.kpis()), "advice": digest([a.code for a in game.advise()]),
    }  # fmt: skip


def play_evaluation() -> dict[str, str]:
    from chansim.exercises.evaluation import Evaluation

    game = Evaluation(seed=SEED, **EVALUATION_OPTIONS)
    card = game.scorecard()
    dealers = card[card["kind"] == "dealer"].sort_values("attainment")
    game.decide(str(dealers["partner"].iloc[0]), "replace")
    game.decide("dist_south", "promote")
    game.simulate()
    north = [d for d in game.live_dealers() if game.structure.dealers[d].region == "north"]
    mine = game.structure.territories(north[0])
    game.reassign(mine[0], north[1])
    game.decide("dist_north", "demote")
    game.simulate()
    return {
        "report": digest(game.report()), "score": score_digest(game.score()), "kpis": kpi_digest(game.kpi_cards()),
        "years": digest(game.years_table()), "advice": digest([a.code for a in game.advice()]),
    }  # fmt: skip


def play_planning() -> dict[str, str]:
    from chansim.exercises.planning import ChannelPlanning

    game = ChannelPlanning(seed=SEED)
    for fields in PLANNING_DESIGNS:
        game.add(game.design(**fields))
    latest = game.latest
    assert latest is not None
    return {
        "report": digest(game.comparison()), "score": score_digest(latest.score),
        "kpis": kpi_digest(latest.kpis), "regions": digest(game.regions_table()),
        "advice": digest([a.code for a in game.advise(latest)]),
    }  # fmt: skip


#: The scripts played through each exercise's own methods (decide, set_*, reveal, simulate, add).
PLAYS: dict[str, Callable[[], dict[str, str]]] = {
    "beer-game": play_beer_game,
    "order-desk": play_order_desk,
    "training": play_training,
    "recruitment": play_recruitment,
    "evaluation": play_evaluation,
    "planning": play_planning,
}


# --------------------------------------------------------------------------- the same scripts through the contract


def _exercise(name: str, **options: Any) -> Any:
    from chansim.exercises import EXERCISES

    return EXERCISES[name](seed=SEED, **options)


def contract_beer_game() -> dict[str, str]:
    game = _exercise("beer-game", **BEER_OPTIONS)
    for week, qty in enumerate(BEER_ORDERS):
        if week == 5:
            game.play_round({"order": 99})
            game.undo()
        game.play_round({"order": qty})
    return {
        "report": digest(game.report()), "score": score_digest(game.score()), "kpis": kpi_digest(game.kpis()),
        "state": digest(game.stock_table()), "cost_table": digest(game.cost_table()),
    }  # fmt: skip


def contract_order_desk() -> dict[str, str]:
    game = _exercise("order-desk", **DESK_OPTIONS)
    for week, orders in enumerate(DESK_ORDERS):
        decision: dict[str, Any] = {"orders": orders}
        if week == 1:
            decision["credit_limits"] = {"dealer_n2": 20000}
        if week == 2:
            decision["allocation"] = "proportional"
        if week == 4:
            game.play_round({"orders": {sku: qty + 500 for sku, qty in orders.items()},
                             "credit_limits": {"dealer_n1": 0}})  # fmt: skip
            game.undo()
        game.play_round(decision)
    return {
        "report": digest(game.report()), "score": score_digest(game.score()), "kpis": kpi_digest(game.kpis()),
        "state": digest(game.stock_table()), "desk_kpis": digest(game.desk_kpis()),
        "credit": digest(game.credit_table()),
    }  # fmt: skip


def contract_training() -> dict[str, str]:
    game = _exercise("training")
    for plan in TRAINING_PLANS:
        decision = {"seats": plan["seats"], "format": plan["format"], "routing": plan["routing"]}
        if plan["weights"] is not None:
            decision["forecast_weights"] = plan["weights"]
        game.play_round(decision)
        if game.round == 2:
            game.undo()
            game.play_round(decision)
    return {
        "report": digest(game.report()), "score": score_digest(game.score()), "kpis": kpi_digest(game.kpi_cards()),
        "state": digest(game.dealer_table()), "stages": digest(game.stage_table()),
    }  # fmt: skip


def contract_recruitment() -> dict[str, str]:
    game = _exercise("recruitment", **RECRUITMENT_OPTIONS)
    for weights in RECRUITMENT_WEIGHTS:
        ranking = game.ranking(weights)
        picks = list(ranking[ranking["region_rank"] <= game.picks_per_region]["applicant"])
        game.play_round({"weights": weights, "picks": picks})
    return {
        "report": digest(game.report()), "scores": digest([repr(s) for s in game.scores()]),
        "kpis": kpi_digest(game.last.kpis()), "advice": digest([a.code for a in game.advice()]),
    }  # fmt: skip


def contract_evaluation() -> dict[str, str]:
    game = _exercise("evaluation", **EVALUATION_OPTIONS)
    card = game.state()["scorecard"]
    dealers = sorted((row for row in card if row["kind"] == "dealer"), key=lambda row: row["attainment"])
    game.play_round({"actions": {dealers[0]["partner"]: "replace", "dist_south": "promote"}})
    north = [d for d, info in game.state()["dealers"].items() if info["region"] == "north"]
    mine = sorted(t for t, d in game.state()["serving"].items() if d == north[0])
    game.play_round({"actions": {"dist_north": "demote"}, "moves": {mine[0]: north[1]}})
    return {
        "report": digest(game.report()), "score": score_digest(game.score()), "kpis": kpi_digest(game.kpi_cards()),
        "years": digest(game.years_table()), "advice": digest([a.code for a in game.advice()]),
    }  # fmt: skip


def contract_planning() -> dict[str, str]:
    game = _exercise("planning")
    for fields in PLANNING_DESIGNS:
        game.play_round(fields)
    latest = game.latest
    assert latest is not None
    return {
        "report": digest(game.report()), "score": score_digest(latest.score),
        "kpis": kpi_digest(latest.kpis), "regions": digest(game.regions_table()),
        "advice": digest([a.code for a in game.advice()]),
    }  # fmt: skip


#: The same scripts played through the exercise contract (``play_round(decision)``, ``undo``).
CONTRACT_PLAYS: dict[str, Callable[[], dict[str, str]]] = {
    "beer-game": contract_beer_game,
    "order-desk": contract_order_desk,
    "training": contract_training,
    "recruitment": contract_recruitment,
    "evaluation": contract_evaluation,
    "planning": contract_planning,
}


def collect() -> dict[str, dict[str, str]]:
    return {name: play() for name, play in PLAYS.items()}


if __name__ == "__main__":
    data = collect()
    if "--write" in sys.argv:
        GOLDEN.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")
        print(f"wrote {GOLDEN} ({sum(len(v) for v in data.values())} digests)")
    else:
        print(json.dumps(data, indent=1, sort_keys=True))
