"""Store.replace: an undo or reset stores the shorter game in place of the old one, in one compare-and-set."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine

from chansim.store import StaleGameError, Store, StoreError
from chansim.store.connect import APPLICATION_ID, migrations_folder
from tests.store.test_api import a_log


@pytest.fixture
def store(store_url: str):
    with Store.open(store_url, timeout_s=5) as opened:
        yield opened


def _played(store: Store, trainee, decisions: int):
    game = store.start_game(trainee, "beer-game", a_log(), rounds=20)
    return store.save(game.id, trainee, a_log(decisions=decisions), revision=0, round=decisions, finished=False)


def test_replace_starts_the_new_game_and_marks_the_old_one_in_one_step(store: Store) -> None:
    me = store.join("Ada")
    old = _played(store, me, 3)
    new = store.replace(old.id, me, a_log(decisions=2), revision=old.revision, round=2, finished=False, rounds=20)
    assert new.id != old.id and new.revision == 0 and new.round == 2 and new.replaced_by is None
    assert new.log == a_log(decisions=2) and store.decisions(new.id, me) == a_log(decisions=2)["decisions"]
    kept = store.game(old.id, me)  # history kept: the old game and its decisions are all there
    assert kept.replaced_by == new.id and kept.log == a_log(decisions=3) and kept.revision == old.revision + 1
    assert store.decisions(old.id, me) == a_log(decisions=3)["decisions"]
    assert [g.id for g in store.games(me)] == [new.id]
    assert [g.id for g in store.games(me, "beer-game")] == [new.id]
    assert {g.id for g in store.games(me, include_replaced=True)} == {old.id, new.id}
    assert [g.id for _, g in store.workshop_games()] == [new.id]
    assert {g.id for _, g in store.workshop_games(include_replaced=True)} == {old.id, new.id}
    # the new game goes on as usual (append-only saves)
    saved = store.save(new.id, me, a_log(decisions=3) | {"decisions": [{"order": 4}, {"order": 5}, {"order": 9}]},
                       revision=0, round=3, finished=False)  # fmt: skip
    assert saved.revision == 1


def test_a_stale_replace_changes_nothing(store: Store) -> None:
    me = store.join("Ada")
    old = _played(store, me, 3)
    before = store.count()
    with pytest.raises(StaleGameError):
        store.replace(old.id, me, a_log(decisions=1), revision=old.revision - 1, round=1, finished=False, rounds=20)
    assert store.count() == before and store.game(old.id, me) == old
    # replaced once: a second replace based on the same revision (another tab, a resent message) is stale
    store.replace(old.id, me, a_log(decisions=1), revision=old.revision, round=1, finished=False, rounds=20)
    after = store.count()
    with pytest.raises(StaleGameError):
        store.replace(old.id, me, a_log(decisions=0), revision=old.revision, round=0, finished=False, rounds=20)
    with pytest.raises(StaleGameError):
        store.replace(old.id, me, a_log(), revision=old.revision + 1, round=0, finished=False, rounds=20)
    assert store.count() == after
    # and a save of another tab on the replaced game is stale too
    with pytest.raises(StaleGameError, match="replaced"):
        store.save(old.id, me, a_log(decisions=4), revision=old.revision + 1, round=4, finished=False)


def test_replace_refuses_another_trainees_game_and_another_exercise(store: Store) -> None:
    me, other = store.join("Ada"), store.join("Grace")
    old = _played(store, me, 2)
    with pytest.raises(StoreError, match="no such game"):
        store.replace(old.id, other, a_log(), revision=old.revision, round=0, finished=False, rounds=20)
    with pytest.raises(StoreError, match="exercise"):
        store.replace(old.id, me, a_log(exercise="planning"), revision=old.revision, round=0, finished=False,
                      rounds=20)  # fmt: skip
    with pytest.raises(StoreError, match="round"):
        store.replace(old.id, me, a_log(), revision=old.revision, round=21, finished=False, rounds=20)
    assert store.game(old.id, me).replaced_by is None and len(store.games(me, include_replaced=True)) == 1


def test_live_follows_the_chain_of_replacements(store: Store) -> None:
    me = store.join("Ada")
    first = _played(store, me, 3)
    second = store.replace(first.id, me, a_log(decisions=2), revision=first.revision, round=2, finished=False,
                           rounds=20)  # fmt: skip
    third = store.replace(second.id, me, a_log(), revision=0, round=0, finished=False, rounds=20)
    assert store.game(first.id, me).replaced_by == second.id
    assert store.game(second.id, me).replaced_by == third.id
    assert store.live(first.id, me).id == third.id and store.live(third.id, me).id == third.id
    assert [g.id for g in store.games(me)] == [third.id]
    with pytest.raises(StoreError, match="no such game"):
        store.live(first.id, store.join("Grace"))


def test_a_0001_store_upgrades_on_open_and_keeps_its_games(store_url: str, tmp_path: Path) -> None:
    sqlite = store_url.startswith("sqlite")
    path = tmp_path / "store.db"
    engine = create_engine(store_url)
    with engine.begin() as connection:  # a store as the first chansim with a store left it
        if sqlite:
            connection.exec_driver_sql(f"PRAGMA application_id = {APPLICATION_ID}")
        config = Config()
        config.set_main_option("script_location", str(migrations_folder()))
        config.attributes["connection"] = connection
        command.upgrade(config, "0001")
        connection.exec_driver_sql(
            "INSERT INTO trainees (id, name, name_key, workshop, workshop_key, pin_hash, created) "
            "VALUES (1, 'Ada', 'ada', NULL, '', NULL, '2026-12-01 10:00:00')"
        )
        connection.exec_driver_sql(
            "INSERT INTO games (id, trainee_id, exercise, seed, options, log, revision, round, rounds, finished, "
            "created, updated) VALUES ('g1', 1, 'beer-game', 7, '{}', '{\"decisions\":[1]}', 1, 1, 20, false, "
            "'2026-12-01 10:00:00', '2026-12-01 10:01:00')"
        )
        connection.exec_driver_sql(
            "INSERT INTO decisions (game_id, position, decision, revision, recorded) "
            "VALUES ('g1', 0, '1', 1, '2026-12-01 10:01:00')"
        )
    with engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT version_num FROM alembic_version").all() == [("0001",)]
    engine.dispose()
    with Store.open(store_url) as store:
        me = store.join("Ada")
        (game,) = store.games(me)
        assert game.id == "g1" and game.replaced_by is None and game.log == {"decisions": [1]}
        assert store.decisions("g1", me) == [1] and store.count() == {"trainees": 1, "games": 1, "decisions": 1}
        old = store.game("g1", me)
        new = store.replace("g1", me, a_log(), revision=1, round=0, finished=False, rounds=20)
        assert store.game("g1", me).replaced_by == new.id and old.replaced_by is None
    engine = create_engine(store_url)
    with engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT version_num FROM alembic_version").all() == [("0002",)]
    engine.dispose()
    if sqlite:
        with sqlite3.connect(path) as connection:
            assert connection.execute("PRAGMA foreign_key_check").fetchall() == []
