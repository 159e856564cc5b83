"""The store API on SQLite and PostgreSQL: trainees, PINs and keys, games, compare-and-set saves, privacy."""

from __future__ import annotations

import copy
from datetime import UTC
from typing import Any

import pytest

from chansim.store import GameRecord, StaleGameError, Store, StoreError, Trainee


def a_log(seed: int = 7, decisions: int = 0, exercise: str = "beer-game") -> dict[str, Any]:
    return {
        "format": "chansim-exercise-log/1",
        "exercise": exercise,
        "version": "0.1.0",
        "seed": seed,
        "options": {"role": "wholesaler", "rounds": 20},
        "decisions": [{"order": 4 + i} for i in range(decisions)],
    }


@pytest.fixture
def store(store_url: str):
    with Store.open(store_url, timeout_s=5) as opened:
        yield opened


def test_join_creates_a_trainee_and_a_new_secret_key_each_time(store: Store) -> None:
    first = store.join("  Ada Lovelace ")
    assert first.name == "Ada Lovelace" and first.workshop is None and first.key
    again = store.join("ada   LOVELACE")
    assert again.id == first.id and again.name == "Ada Lovelace"
    assert again.key != first.key and len(first.key) >= 40
    assert store.trainee(first.key) == Trainee(first.id, "Ada Lovelace", None, first.key)
    assert store.trainee(again.key).id == first.id
    assert store.trainee("x" * 43) is None and store.trainee("") is None and store.trainee(None) is None  # type: ignore[arg-type]
    assert "key" not in repr(first) or first.key not in repr(first)


def test_a_session_key_expires_after_session_days(store: Store) -> None:
    from datetime import UTC, datetime, timedelta

    from chansim.serve.identity import COOKIE_DAYS
    from chansim.store.errors import StoreError
    from chansim.store.identity import SESSION_DAYS

    me = store.join("Ada")
    joined = datetime.now(UTC)
    assert store.trainee(me.key, now=joined + timedelta(days=SESSION_DAYS - 1)).id == me.id
    assert store.trainee(me.key, now=joined + timedelta(days=SESSION_DAYS, hours=1)) is None
    assert store.trainee(me.key).id == me.id  # now: still valid, nothing was changed by the checks
    assert COOKIE_DAYS == SESSION_DAYS  # the browser forgets the cookie when the key stops opening anything
    again = store.join("Ada")  # a new join: a new key, valid from now, the same trainee
    assert store.trainee(again.key, now=datetime.now(UTC) + timedelta(days=SESSION_DAYS - 1)).id == me.id
    with pytest.raises(StoreError, match="aware datetime"):
        store.trainee(me.key, now=datetime(2026, 1, 1))  # noqa: DTZ001 - the naive time is the bad input


def test_the_key_is_stored_only_as_a_hash(tmp_path) -> None:
    with Store.open(tmp_path / "store.db") as store:  # type: ignore[arg-type]
        me = store.join("Grace", pin="271828")
    blobs = b"".join(p.read_bytes() for p in tmp_path.glob("store.db*"))
    assert me.key.encode() not in blobs and b"271828" not in blobs and b"Grace" in blobs


def test_names_are_unique_per_workshop_and_checked(store: Store) -> None:
    open_class = store.join("Linus")
    workshop = store.join("linus", workshop="Hamburg 2026")
    assert workshop.id != open_class.id and workshop.workshop == "Hamburg 2026"
    assert store.join("LINUS", workshop=" hamburg 2026").id == workshop.id
    for bad in ["", "   ", "x" * 41, "tab\tname", "bell\x07", "rtl\u202eevil", 42, None]:
        with pytest.raises(StoreError, match="name"):
            store.join(bad)  # type: ignore[arg-type]
    assert store.join("x" * 40).name == "x" * 40
    with pytest.raises(StoreError, match="workshop"):
        store.join("Ok", workshop="")


def test_a_pin_set_at_the_first_join_is_needed_afterwards(store: Store) -> None:
    ada = store.join("Ada", pin="4711")
    assert store.join("ada", pin="4711").id == ada.id
    for wrong in [None, "4712", "47110"]:
        with pytest.raises(StoreError, match="PIN"):
            store.join("Ada", pin=wrong)
    for bad in ["123", "1" * 13, "12\n34"]:
        with pytest.raises(StoreError, match="PIN"):
            store.join("Bob", pin=bad)
    # a name joined without a PIN stays open (the PIN is fixed at the first join)
    bob = store.join("Bob")
    assert store.join("Bob", pin="9999").id == bob.id and store.join("Bob").id == bob.id


def test_start_save_and_resume_a_game(store: Store) -> None:
    me = store.join("Ada")
    game = store.start_game(me, "beer-game", a_log(), rounds=20)
    assert isinstance(game, GameRecord)
    assert (game.revision, game.round, game.rounds, game.finished, game.trainee_id) == (0, 0, 20, False, me.id)
    assert game.created.tzinfo is UTC and game.log == a_log()
    saved = store.save(game.id, me, a_log(decisions=1), revision=0, round=1, finished=False)
    assert (saved.revision, saved.round, saved.log) == (1, 1, a_log(decisions=1))
    saved = store.save(game.id, me, a_log(decisions=2), revision=1, round=2, finished=False)
    back = store.game(game.id, me)
    assert back == saved and back.updated >= back.created and back.created == game.created
    assert store.decisions(game.id, me) == a_log(decisions=2)["decisions"]
    done = store.save(game.id, me, a_log(decisions=3), revision=2, round=3, finished=True)
    assert done.finished and store.game(game.id, me).finished


def test_a_stale_or_resent_save_changes_nothing(store: Store) -> None:
    me = store.join("Ada")
    game = store.start_game(me, "beer-game", a_log(), rounds=20)
    first = store.save(game.id, me, a_log(decisions=1), revision=0, round=1, finished=False)
    with pytest.raises(StaleGameError) as caught:  # the same message again (a resent save, a double click)
        store.save(game.id, me, a_log(decisions=1), revision=0, round=1, finished=False)
    assert caught.value.current == first
    with pytest.raises(StaleGameError):  # a second tab still on revision 0 plays another decision
        store.save(
            game.id, me, a_log(decisions=1) | {"decisions": [{"order": 99}]}, revision=0, round=1, finished=False
        )
    with pytest.raises(StaleGameError):
        store.save(game.id, me, a_log(decisions=2), revision=5, round=2, finished=False)
    assert store.game(game.id, me) == first
    assert store.decisions(game.id, me) == [{"order": 4}]
    assert store.count()["decisions"] == 1


def test_a_save_must_keep_the_game_and_its_recorded_decisions(store: Store) -> None:
    me = store.join("Ada")
    game = store.start_game(me, "beer-game", a_log(), rounds=20)
    game = store.save(game.id, me, a_log(decisions=2), revision=0, round=2, finished=False)
    changed = a_log(decisions=3)
    changed["decisions"][0] = {"order": 100}
    cases: list[tuple[dict[str, Any], str]] = [
        (a_log(seed=8, decisions=3), "seed"),
        (a_log(exercise="order-desk", decisions=3), "exercise"),
        ({**a_log(decisions=3), "options": {"role": "retailer"}}, "options"),
        (changed, "changes or drops"),
        (a_log(decisions=1), "changes or drops"),
        ({"exercise": "beer-game"}, "lacks"),
        ({**a_log(decisions=3), "decisions": "many"}, "list"),
        ({**a_log(decisions=3), "options": {"x": float("nan")}}, "JSON"),
        ({**a_log(decisions=3), "options": {"x": object()}}, "JSON"),
        ([], "mapping"),
    ]
    for log, message in cases:
        with pytest.raises(StoreError, match=message):
            store.save(game.id, me, log, revision=1, round=3, finished=False)  # type: ignore[arg-type]
    for keywords, message in [
        ({"revision": -1}, "revision"),
        ({"round": 21}, "round"),
        ({"round": "3"}, "round"),
        ({"finished": 1}, "finished"),
    ]:
        arguments = {"revision": 1, "round": 3, "finished": False} | keywords
        with pytest.raises(StoreError, match=message):
            store.save(game.id, me, a_log(decisions=3), **arguments)
    assert store.game(game.id, me) == game and len(store.decisions(game.id, me)) == 2


def test_the_log_is_kept_as_it_was_given(store: Store) -> None:
    me = store.join("Ada")
    log = a_log(decisions=1)
    log["options"] = {"b": 1, "a": [1, 2, {"z": None}], "text": "Größe ✓"}
    game = store.start_game(me, "beer-game", {**log, "decisions": []}, rounds=3)
    saved = store.save(game.id, me, copy.deepcopy(log), revision=0, round=1, finished=False)
    assert store.game(game.id, me).log == log == saved.log
    assert list(store.game(game.id, me).log["options"]) == ["b", "a", "text"]  # key order kept


def test_another_trainees_games_are_invisible(store: Store) -> None:
    ada, bob = store.join("Ada"), store.join("Bob")
    game = store.start_game(ada, "beer-game", a_log(), rounds=20)
    with pytest.raises(StoreError, match="no such game"):
        store.game(game.id, bob)
    with pytest.raises(StoreError, match="no such game"):
        store.save(game.id, bob, a_log(decisions=1), revision=0, round=1, finished=False)
    with pytest.raises(StoreError, match="no such game"):
        store.decisions(game.id, bob)
    with pytest.raises(StoreError, match="no such game"):
        store.game("does-not-exist", ada)
    assert store.games(bob) == [] and [g.id for g in store.games(ada)] == [game.id]
    assert store.game(game.id, ada).revision == 0
    with pytest.raises(StoreError, match="trainee"):
        store.games("Ada")  # type: ignore[arg-type]


def test_games_are_listed_newest_first_and_by_exercise(store: Store) -> None:
    me = store.join("Ada")
    first = store.start_game(me, "beer-game", a_log(seed=1), rounds=5)
    other = store.start_game(me, "order-desk", a_log(seed=2, exercise="order-desk"), rounds=5)
    second = store.start_game(me, "beer-game", a_log(seed=3), rounds=5)
    assert [g.id for g in store.games(me)] == [second.id, other.id, first.id]
    store.save(first.id, me, a_log(seed=1, decisions=1), revision=0, round=1, finished=False)
    assert [g.id for g in store.games(me, "beer-game")] == [first.id, second.id]
    assert [g.id for g in store.games(me, "order-desk")] == [other.id]
    with pytest.raises(StoreError, match="exercise"):
        store.start_game(me, "beer-game", a_log(exercise="order-desk"), rounds=5)


def test_a_trainers_view_lists_a_workshops_trainees_and_games(store: Store) -> None:
    ada, bob = store.join("Ada", workshop="W1"), store.join("bob", workshop="W1")
    store.join("Eve")
    game = store.start_game(bob, "beer-game", a_log(), rounds=5)
    assert [t.name for t in store.trainees("w1")] == ["Ada", "bob"] and all(t.key is None for t in store.trainees("W1"))
    assert [(t.name, g.id) for t, g in store.workshop_games("W1")] == [("bob", game.id)]
    assert [t.name for t in store.trainees()] == ["Eve"] and ada.workshop == "W1"


def test_a_store_reopened_holds_everything(store_url: str) -> None:
    with Store.open(store_url) as store:
        me = store.join("Ada", pin="1234")
        game = store.start_game(me, "beer-game", a_log(), rounds=5)
        store.save(game.id, me, a_log(decisions=1), revision=0, round=1, finished=False)
    with Store.open(store_url) as store:
        again = store.trainee(me.key)
        assert again is not None and store.game(game.id, again).log == a_log(decisions=1)
        with pytest.raises(StoreError, match="PIN"):
            store.join("Ada")
    with pytest.raises(StoreError, match="closed"):
        store.games(me)


@pytest.mark.parametrize("name", ["beer-game", "order-desk"])
def test_a_real_exercise_resumes_from_the_store_with_the_same_numbers(tmp_path, name: str) -> None:
    """The store keeps an exercise's to_log(): a game saved round by round replays to the same state."""
    import numpy as np

    from chansim.exercises import EXERCISES, from_log

    url = tmp_path / "store.db"
    game = EXERCISES[name](seed=11)
    with Store.open(url) as store:
        me = store.join("Ada")
        record = store.start_game(me, name, game.to_log(), rounds=np.int64(game.rounds))
        for _ in range(3):
            game.play_round(game.default_decision())
            record = store.save(record.id, me, game.to_log(), revision=record.revision, round=np.int64(game.round),
                                finished=game.finished)  # fmt: skip
    with Store.open(url) as store:
        (stored,) = store.games(store.trainee(me.key), name)
        again = from_log(stored.log)
        assert stored.round == again.round == game.round == 3 and stored.revision == 3
        assert again.to_log() == game.to_log() and again.score() == game.score()
        assert len(store.decisions(stored.id, me)) == 3
