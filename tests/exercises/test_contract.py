"""The exercise contract: the same verbs on all six exercises, and a decision log that rebuilds the same game.

Properties (Hypothesis, random valid decisions over a few rounds): the log survives strict
JSON and ``from_log`` gives equal ``state()``, ``score()`` and ``report()``; a refused
decision changes nothing. Then undo (undo and play the same decision again = not undoing,
also after the last round: the defect of issue 8), reset, ``default_decision`` (valid, in
the schema), ``finished`` / ``round`` / ``rounds``, the catalogue errors of bad decisions
and the errors of bad logs.
"""

from __future__ import annotations

import json
import math
from typing import Any

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chansim.exercises import EXERCISE_NAMES, EXERCISES, from_log
from chansim.exercises.contract import LOG_FORMAT, Exercise, LogError, jsonable
from chansim.exercises.game import DecisionError
from chansim.exercises.messages import CATALOGUE

#: Small games, so that each property example plays in about a second.
SMALL: dict[str, dict[str, Any]] = {
    "beer-game": {"horizon_weeks": 4, "demand": "random", "role": "distributor"},
    "order-desk": {"horizon_weeks": 3},
    "training": {"rounds": 2},
    "recruitment": {"rounds": 2, "reveal_days": 90},
    "evaluation": {"reviews": 2},
    "planning": {},
}
SEED = 5


def small(name: str, seed: int = SEED) -> Exercise:
    return EXERCISES[name](seed=seed, **SMALL[name])


def strict_json(log: dict[str, Any]) -> dict[str, Any]:
    """The log through strict JSON text (no NaN), as a workshop would store it."""
    return json.loads(json.dumps(log, allow_nan=False))


def assert_same_game(a: Exercise, b: Exercise) -> None:
    assert a.round == b.round and a.finished == b.finished
    assert a.state() == b.state()
    assert jsonable(vars(a.score())) == jsonable(vars(b.score()))
    pd.testing.assert_frame_equal(a.report(), b.report())
    pd.testing.assert_frame_equal(a.kpis(), b.kpis())


# --------------------------------------------------------------------------- random valid decisions


def draw_decision(data: st.DataObject, game: Any) -> dict[str, Any]:
    """A random decision for the round being decided (valid in form; the game may still refuse it)."""
    draw = data.draw
    name = game.name
    if name == "beer-game":
        return {"order": draw(st.integers(0, 40))}
    if name == "order-desk":
        decision: dict[str, Any] = {"orders": {sku: draw(st.integers(0, 400)) for _, sku in game.controlled}}
        partners = draw(st.lists(st.sampled_from(game.partners), max_size=2, unique=True))
        if partners:
            decision["credit_limits"] = {p: draw(st.integers(0, 200_000)) for p in partners}
        if draw(st.booleans()):
            decision["allocation"] = draw(st.sampled_from(["first_come", "proportional", "priority"]))
        pending = list(game.held_orders()["order"])  # orders held at the credit desk: approve or hold some
        if pending:
            chosen = draw(st.lists(st.sampled_from(pending), max_size=len(pending), unique=True))
            decision["approvals"] = {order: draw(st.sampled_from(["approve", "hold"])) for order in chosen}
        return decision
    if name == "training":
        seats: dict[str, int] = {}
        budget = game.seat_budget
        for partner in draw(st.lists(st.sampled_from(game.partners), max_size=4, unique=True)):
            n = draw(st.integers(0, min(game.max_seats_per_partner, budget)))
            seats[partner] = n
            budget -= n
        decision = {"seats": seats}
        if draw(st.booleans()):
            decision["format"] = draw(st.sampled_from(["offline", "online"]))
        if draw(st.booleans()):
            decision["routing"] = draw(st.sampled_from(["territory_tier", "round_robin", "fewest_open",
                                                        "tier_weighted_all"]))  # fmt: skip
        if draw(st.booleans()):
            decision["forecast_weights"] = [draw(st.integers(0, 20)) / 20 for _ in game.stage_names]
        return decision
    if name == "recruitment":
        weights = {c: draw(st.integers(0, 10)) for c in ("capital", "regional_coverage", "category_experience",
                                                         "credit_history", "service_team")}  # fmt: skip
        if not any(weights.values()):
            weights["credit_history"] = 1
        pool = game.state()["applicants"]
        picks = []
        for region in game.regions:
            names = [row["applicant"] for row in pool if row["region"] == region]
            picks += draw(st.lists(st.sampled_from(names), min_size=0, max_size=game.picks_per_region, unique=True))
        return {"weights": weights, "picks": picks or [pool[0]["applicant"]]}
    if name == "evaluation":
        state = game.state()
        partners = [row["partner"] for row in state["scorecard"]]
        chosen = draw(st.lists(st.sampled_from(partners), max_size=3, unique=True))
        actions = {p: draw(st.sampled_from(["keep", "promote", "demote", "replace"])) for p in chosen}
        moves = {}
        if draw(st.booleans()):
            territory = draw(st.sampled_from(sorted(state["serving"])))
            moves[territory] = draw(st.sampled_from(sorted(state["dealers"])))
        return {"actions": actions, "moves": moves}
    if name == "planning":
        dealers = [draw(st.integers(0, 5)) for _ in range(4)]
        if not any(dealers):
            dealers[0] = 1
        bronze = draw(st.integers(10, 30))
        silver = draw(st.integers(bronze, 40))
        gold = draw(st.integers(silver, 45))
        return {"dealers": dealers, "tiers": draw(st.sampled_from([1, 2])), "gold_discount_pct": gold,
                "silver_discount_pct": silver, "bronze_discount_pct": bronze,
                "marketing_budget": draw(st.integers(0, 5)) * 100_000}  # fmt: skip
    raise AssertionError(name)


EXAMPLES = {"beer-game": 12, "order-desk": 8, "training": 5, "recruitment": 3, "evaluation": 3, "planning": 3}


@pytest.mark.parametrize("name", EXERCISE_NAMES)
def test_from_log_of_random_valid_decisions_rebuilds_the_same_game(name: str) -> None:
    @settings(max_examples=EXAMPLES[name], deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(data=st.data(), seed=st.integers(0, 2**16))
    def check(data: st.DataObject, seed: int) -> None:
        game = small(name, seed)
        rounds = data.draw(st.integers(1, game.rounds))
        while game.round < rounds:
            decision = draw_decision(data, game)
            before = game.state()
            try:
                game.play_round(decision)
            except DecisionError as error:  # a refused decision changes nothing and has a catalogue text
                assert game.state() == before
                assert CATALOGUE.get(error.key, "en_US", **error.params)
                game.play_round(game.default_decision())
        log = strict_json(game.to_log())
        assert log["exercise"] == name and log["seed"] == seed and len(log["decisions"]) == game.round
        assert_same_game(type(game).from_log(log), game)
        assert_same_game(Exercise.from_log(log), game)  # the base class picks the exercise from the log
        assert_same_game(from_log(log), game)

    check()


# --------------------------------------------------------------------------- the verbs


def test_exercises_are_the_six_in_notebook_order_with_kebab_names() -> None:
    assert list(EXERCISES) == list(EXERCISE_NAMES)
    assert EXERCISE_NAMES == ("planning", "recruitment", "training", "order-desk", "beer-game", "evaluation")
    for name, cls in EXERCISES.items():
        assert issubclass(cls, Exercise) and cls.name == name
        schema = cls.decision_schema()
        assert schema["type"] == "object" and schema["properties"]


@pytest.mark.parametrize("name", EXERCISE_NAMES)
def test_default_decisions_play_the_game_to_the_end(name: str) -> None:
    game = small(name)
    assert game.round == 0 and not game.finished and game.rounds == (3 if name == "planning" else
                                                                     {"beer-game": 4, "order-desk": 3}.get(name, 2))
    assert isinstance(game.kpis(), pd.DataFrame) and isinstance(game.report(), pd.DataFrame)
    json.dumps(game.state(), allow_nan=False)
    while not game.finished:
        decision = game.default_decision()
        assert json.loads(json.dumps(decision, allow_nan=False)) == decision
        type(game).Decision.model_validate(decision)  # in the published schema
        game.play_round(decision)
    assert game.round == game.rounds
    json.dumps(game.state(), allow_nan=False)
    assert isinstance(game.kpis(), pd.DataFrame) and len(game.kpis())
    assert math.isfinite(game.score().value)
    assert isinstance(game.advice(), list)
    with pytest.raises(DecisionError) as info:
        game.play_round(game.played_decisions()[-1])
    assert info.value.key in ("control.game_over", "planning.error.too_many_designs")


@pytest.mark.parametrize("name", EXERCISE_NAMES)
def test_undo_then_the_same_decision_again_is_as_not_undoing_also_after_the_last_round(name: str) -> None:
    game = small(name)
    while not game.finished:
        game.play_round(game.default_decision())
    finished = EXERCISES[name].from_log(game.to_log())
    last = game.played_decisions()[-1]
    game.undo()  # after the last round: no error, the round is taken back (issue 8's defect)
    assert game.round == game.rounds - 1 and not game.finished
    game.play_round(last)
    assert_same_game(game, finished)
    game.undo()
    game.undo()
    assert game.round == game.rounds - 2
    shorter = EXERCISES[name].from_log({**game.to_log()})
    assert_same_game(game, shorter)


@pytest.mark.parametrize("name", EXERCISE_NAMES)
def test_reset_after_the_last_round_is_a_fresh_game(name: str) -> None:
    game = small(name)
    while not game.finished:
        game.play_round(game.default_decision())
    game.reset()
    assert game.round == 0 and not game.finished and game.played_decisions() == []
    assert_same_game(game, small(name))
    with pytest.raises(DecisionError) as info:
        game.undo()
    assert info.value.key == "control.nothing_to_undo"
    game.play_round(game.default_decision())  # and it plays on
    assert game.round == 1


BAD_DECISIONS: dict[str, list[tuple[Any, str]]] = {
    "beer-game": [
        ({"order": -1}, "validation.negative"),
        ({"order": "many"}, "validation.not_a_number"),
        ({"order": 2.5}, "validation.not_whole"),
        ({"order": 1e6}, "validation.too_large"),
        ({}, "validation.missing_decision"),
        ({"order": 4, "price": 3}, "validation.unknown_choice"),
        ([4], "validation.unknown_choice"),
    ],
    "order-desk": [
        ({"orders": {"fridge": 1, "washer": 1}}, "validation.missing_decision"),
        ({"orders": {"fridge": 1, "washer": 1, "microwave": -3}}, "validation.negative"),
        ({"orders": {"fridge": 1, "washer": 1, "microwave": 1, "toaster": 1}}, "validation.not_controlled"),
        ({"orders": {"fridge": 1, "washer": 1, "microwave": 1}, "credit_limits": {"nobody": 5}},
         "validation.unknown_choice"),
        ({"orders": {"fridge": 1, "washer": 1, "microwave": 1}, "credit_limits": {"dealer_n1": 1e12}},
         "validation.too_large"),
        ({"orders": {"fridge": 1, "washer": 1, "microwave": 1}, "allocation": "lottery"}, "validation.unknown_choice"),
        ({"orders": {"fridge": 1, "washer": 1, "microwave": 1}, "approvals": {"999999": "approve"}},
         "validation.unknown_choice"),
        ({"orders": {"fridge": 1, "washer": 1, "microwave": 1}, "approvals": ["approve"]}, "validation.unknown_choice"),
    ],
    "training": [
        ({"seats": {"dealer_n1": 3, "dealer_n2": 3, "dealer_s1": 3}}, "training.validation.over_budget"),
        ({"seats": {"dealer_x": 1}}, "validation.unknown_choice"),
        ({"seats": {"dealer_n1": 1.5}}, "validation.not_whole"),
        ({"seats": {}, "format": "by post"}, "validation.unknown_choice"),
        ({"seats": {}, "routing": "random"}, "validation.unknown_choice"),
        ({"seats": {}, "forecast_weights": [0.5]}, "validation.missing_decision"),
        ({"seats": {}, "forecast_weights": [0.5, 0.5, 0.5, 2.0]}, "validation.too_large"),
    ],
    "recruitment": [
        ({"weights": dict.fromkeys(("capital", "regional_coverage", "category_experience", "credit_history",
                                    "service_team"), 0), "picks": ["x"]}, "recruitment.error.weights_zero"),
        ({"weights": {"capital": 1}, "picks": []}, "validation.missing_decision"),
        ({"weights": dict.fromkeys(("capital", "regional_coverage", "category_experience", "credit_history",
                                    "service_team"), 1), "picks": ["nobody"]}, "validation.unknown_choice"),
        ({"weights": dict.fromkeys(("capital", "regional_coverage", "category_experience", "credit_history",
                                    "service_team"), 1), "picks": []}, "recruitment.error.no_picks"),
    ],
    "evaluation": [
        ({"actions": {"nobody": "keep"}}, "evaluation.unknown_partner"),
        ({"actions": {"dist_north": "fire"}}, "evaluation.unknown_action"),
        ({"actions": {"dist_north": "replace"}}, "evaluation.replace_distributor"),
        ({"moves": {"nowhere": "dealer_n1"}}, "evaluation.unknown_territory"),
        ({"reviews": 1}, "validation.unknown_choice"),
    ],
    "planning": [
        ({"dealers": [0, 0, 0, 0]}, "planning.error.no_dealer"),
        ({"dealers": [1, 1, 1, 9]}, "validation.too_large"),
        ({"gold_discount_pct": 10, "silver_discount_pct": 20}, "planning.error.ladder_order"),
        ({"tiers": 3}, "validation.unknown_choice"),
        ({"colour": "blue"}, "validation.unknown_choice"),
    ],
}  # fmt: skip


@pytest.mark.parametrize(("name", "decision", "key"),
                         [(n, d, k) for n, cases in BAD_DECISIONS.items() for d, k in cases])  # fmt: skip
def test_bad_decisions_raise_the_catalogue_errors_and_change_nothing(name: str, decision: Any, key: str) -> None:
    game = small(name)
    if name == "training":  # not the game's first round: the refusal must leave a played round alone
        game.play_round(game.default_decision())
    before = game.state()
    with pytest.raises(DecisionError) as info:
        game.play_round(decision)
    assert info.value.key == key
    assert CATALOGUE.get(key, "en_US", **info.value.params) == str(info.value)
    assert game.state() == before and game.played_decisions() == (
        [] if name != "training" else game.played_decisions()
    )


def test_a_refused_decision_keeps_the_pending_input_of_the_old_methods() -> None:
    game = small("order-desk")
    game.decide("dist_north", "fridge", 7)
    with pytest.raises(DecisionError):
        game.play_round({"orders": {"fridge": -1, "washer": 0, "microwave": 0}})
    assert game.pending_orders == {("dist_north", "fridge"): 7.0}


# --------------------------------------------------------------------------- bad logs


@pytest.fixture(scope="module")
def beer_log() -> dict[str, Any]:
    game = small("beer-game")
    game.play_round({"order": 5})
    game.play_round({"order": 9})
    return strict_json(game.to_log())


def test_the_log_names_what_it_needs(beer_log: dict[str, Any]) -> None:
    assert beer_log["format"] == LOG_FORMAT
    assert set(beer_log) == {"format", "exercise", "version", "seed", "options", "decisions"}
    assert beer_log["options"] == {"role": "distributor", "demand": "random", "horizon_weeks": 4}
    assert beer_log["decisions"] == [{"order": 5.0, "source": "trainee"}, {"order": 9.0, "source": "trainee"}]


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (lambda log: [log], "mapping"),
        (lambda log: {k: v for k, v in log.items() if k != "decisions"}, "no decisions"),
        (lambda log: {**log, "format": "chansim-exercise-log/0"}, "format"),
        (lambda log: {**log, "exercise": "order-desk"}, "a log of 'order-desk'"),
        (lambda log: {**log, "version": "latest"}, "version"),
        (lambda log: {**log, "version": 1}, "version"),
        (lambda log: {**log, "seed": -2}, "seed"),
        (lambda log: {**log, "options": {"role": "brewer"}}, "options"),
        (lambda log: {**log, "options": {"colour": "red"}}, "options"),
        (lambda log: {**log, "decisions": "order 5"}, "decisions"),
        (lambda log: {**log, "decisions": [{"order": 5}, {"order": -1}]}, "decision 2"),
        (lambda log: {**log, "decisions": [{"order": 5}] * 5}, "more decisions than the game has rounds"),
    ],
)
def test_a_bad_log_raises_a_clear_error(beer_log: dict[str, Any], change: Any, words: str) -> None:
    with pytest.raises(LogError) as info:
        EXERCISES["beer-game"].from_log(change(beer_log))
    assert words in str(info.value)


def test_a_bad_decision_in_a_log_carries_its_catalogue_error(beer_log: dict[str, Any]) -> None:
    with pytest.raises(LogError) as info:
        EXERCISES["beer-game"].from_log({**beer_log, "decisions": [{"order": "lots"}]})
    assert isinstance(info.value.decision_error, DecisionError)
    assert info.value.decision_error.key == "validation.not_a_number"


def test_a_log_of_an_unknown_exercise_is_refused_by_the_base_class(beer_log: dict[str, Any]) -> None:
    for read in (Exercise.from_log, from_log):
        with pytest.raises(LogError, match="'chess' is not one of") as info:
            read({**beer_log, "exercise": "chess"})
        assert all(name in str(info.value) for name in EXERCISE_NAMES)


def test_the_old_methods_and_the_contract_log_the_same(beer_log: dict[str, Any]) -> None:
    game = small("beer-game")
    game.order(5)
    game.play_round()
    game.order(9)
    game.play_round()
    assert strict_json(game.to_log()) == beer_log


# --------------------------------------------------------------------------- no replay from day 0


@pytest.mark.parametrize("name", ["beer-game", "order-desk", "training"])
def test_undo_reset_and_preview_never_replay_from_day_zero(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Undo, reset and the beer game's preview take kept forks back: no new session, at most one round simulated."""
    from chansim import engine

    game = small(name)
    for _ in range(game.rounds - 1):
        game.play_round(game.default_decision())
    created: list[object] = []
    advanced: list[tuple[object, object]] = []
    original_init, original_advance = engine.Session.__init__, engine.Session.advance

    def counting_init(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        created.append(self)
        original_init(self, *args, **kwargs)

    def counting_advance(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        advanced.append((args, kwargs))
        return original_advance(self, *args, **kwargs)

    monkeypatch.setattr(engine.Session, "__init__", counting_init)
    monkeypatch.setattr(engine.Session, "advance", counting_advance)
    runs = 3 if name == "training" else 1
    preview = 1 if name == "beer-game" else 0  # the beer game shows the week before the order: one more week
    game.undo()
    assert not created and len(advanced) == preview
    advanced.clear()
    game.play_round(game.default_decision())  # one round: each run advances once (and the preview, if any)
    assert not created and len(advanced) == runs + (preview if not game.finished else 0)
    advanced.clear()
    game.reset()
    assert not created and len(advanced) == preview
