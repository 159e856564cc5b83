"""Two tabs, double clicks, resent messages and many kernels at once: no round is ever recorded twice."""

from __future__ import annotations

import json
import subprocess
import threading

from chansim.store import StaleGameError, Store

from .conftest import PYTHON, child_environment
from .test_api import a_log


def test_two_stores_two_threads_the_same_round_one_save_wins(store_url: str) -> None:
    """Two Store objects on one store (two kernels), two threads saving round 1 of a game at once: one commits."""
    first, second = Store.open(store_url, timeout_s=20), Store.open(store_url, timeout_s=20)
    try:
        me = first.join("Ada")
        for _trial in range(15):
            game = first.start_game(me, "beer-game", a_log(), rounds=5)
            barrier = threading.Barrier(2)
            outcomes: dict[int, str] = {}

            def save(
                store: Store,
                order: int,
                game_id: str = game.id,
                gate: threading.Barrier = barrier,
                outcomes: dict[int, str] = outcomes,
            ) -> None:
                log = a_log()
                log["decisions"] = [{"order": order}]
                gate.wait(timeout=30)
                try:
                    store.save(game_id, me, log, revision=0, round=1, finished=False)
                    outcomes[order] = "saved"
                except StaleGameError:
                    outcomes[order] = "stale"

            threads = [threading.Thread(target=save, args=(store, 100 + i)) for i, store in enumerate((first, second))]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=60)
            assert sorted(outcomes.values()) == ["saved", "stale"], outcomes
            (winner,) = [order for order, outcome in outcomes.items() if outcome == "saved"]
            stored = second.game(game.id, me)
            assert stored.revision == 1 and stored.log["decisions"] == [{"order": winner}]
            assert first.decisions(game.id, me) == [{"order": winner}]
    finally:
        first.close()
        second.close()


def test_a_resent_save_after_a_reopen_records_nothing_twice(store_url: str) -> None:
    with Store.open(store_url) as store:
        me = store.join("Ada")
        game = store.start_game(me, "beer-game", a_log(), rounds=5)
        store.save(game.id, me, a_log(decisions=1), revision=0, round=1, finished=False)
    with Store.open(store_url) as store:  # the kernel restarted; the page sends its last message again
        try:
            store.save(game.id, me, a_log(decisions=1), revision=0, round=1, finished=False)
            raise AssertionError("a resent save was committed")
        except StaleGameError as stale:
            assert stale.current is not None and stale.current.revision == 1
        assert store.decisions(game.id, me) == [{"order": 4}] and store.count()["decisions"] == 1


_SAVER = r"""
import json, sys
from chansim.store import Store
url, name, saves = sys.argv[1], sys.argv[2], int(sys.argv[3])
gate = sys.stdin.readline()  # all children start saving together
with Store.open(url, timeout_s=60) as store:
    me = store.join(name)
    log = {"format": "chansim-exercise-log/1", "exercise": "beer-game", "version": "0", "seed": 1,
           "options": {}, "decisions": []}
    games = [store.start_game(me, "beer-game", log, rounds=saves) for _ in range(2)]
    for i in range(saves):
        for g, game in enumerate(games):
            log = {**log, "decisions": [{"order": n} for n in range(i + 1)]}
            games[g] = store.save(game.id, me, log, revision=game.revision, round=i + 1, finished=i + 1 == saves)
    print(json.dumps([game.id for game in games]))
"""


def test_several_processes_save_different_games_at_once(store_url: str) -> None:
    """Six kernels (processes) open one store at once (the first open creates it) and save their games."""
    children, saves = 6, 15
    processes = [
        subprocess.Popen(
            [PYTHON, "-c", _SAVER, store_url, f"trainee {n}", str(saves)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=child_environment(),
        )
        for n in range(children)
    ]
    for process in processes:
        process.stdin.write("go\n")
        process.stdin.flush()
    results = [process.communicate(timeout=300) for process in processes]
    for process, (_out, err) in zip(processes, results, strict=True):
        assert process.returncode == 0, err
    with Store.open(store_url) as store:
        assert store.count() == {"trainees": children, "games": 2 * children, "decisions": 2 * children * saves}
        for n, (out, _err) in enumerate(results):
            me = store.join(f"trainee {n}")
            for game_id in json.loads(out):
                game = store.game(game_id, me)
                assert (game.revision, game.round, game.finished) == (saves, saves, True)
                assert store.decisions(game_id, me) == [{"order": i} for i in range(saves)]


_OPENER = r"""
import sys
from chansim.store import Store
sys.stdin.readline()
Store.open(sys.argv[1], timeout_s=60).close()
print("opened")
"""


def test_many_kernels_opening_a_new_store_at_once_migrate_it_once(store_url: str) -> None:
    """Six processes open a new store at once (SQLite: in a folder still to be made; PostgreSQL: an empty database)."""
    url = store_url.replace("store.db", "fresh/store.db")
    processes = [
        subprocess.Popen(
            [PYTHON, "-c", _OPENER, url],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=child_environment(),
        )
        for _ in range(6)
    ]
    for process in processes:
        process.stdin.write("go\n")
        process.stdin.flush()
    for process in processes:
        out, err = process.communicate(timeout=300)
        assert process.returncode == 0 and out.strip() == "opened", err
    with Store.open(url) as store:
        assert store.count() == {"trainees": 0, "games": 0, "decisions": 0}


def test_two_first_joins_of_one_name_at_once_give_one_trainee(store_url: str) -> None:
    stores = [Store.open(store_url, timeout_s=20) for _ in range(4)]
    try:
        for trial in range(5):
            barrier = threading.Barrier(len(stores))
            joined: list[int] = []

            def join(store: Store, name: str = f"Twin {trial}", gate: threading.Barrier = barrier,
                     joined: list[int] = joined) -> None:  # fmt: skip
                gate.wait(timeout=30)
                joined.append(store.join(name).id)

            threads = [threading.Thread(target=join, args=(store,)) for store in stores]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=60)
            assert len(joined) == len(stores) and len(set(joined)) == 1, joined
        assert stores[0].count()["trainees"] == 5
    finally:
        for store in stores:
            store.close()
