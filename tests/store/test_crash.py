"""A kernel killed with SIGKILL right after a save was acknowledged loses nothing (SQLite WAL, FULL sync)."""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

from chansim.store import Store

from .conftest import PYTHON, child_environment

_PLAYER = r"""
import sys
from chansim.store import Store
store = Store.open(sys.argv[1])
me = store.join("Ada")
log = {"format": "chansim-exercise-log/1", "exercise": "beer-game", "version": "0", "seed": 3, "options": {},
       "decisions": []}
game = store.start_game(me, "beer-game", log, rounds=100000)
print("key", me.key, game.id, flush=True)
n = 0
while True:  # saves as fast as it can, so that the kill lands in the middle of the next save
    n += 1
    log = {**log, "decisions": log["decisions"] + [{"order": n}]}
    game = store.save(game.id, me, log, revision=game.revision, round=n, finished=False)
    print("ack", n, flush=True)
"""


def test_sigkill_right_after_an_ack_loses_nothing(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    for acks_before_kill in (1, 7, 25):
        process = subprocess.Popen(
            [PYTHON, "-c", _PLAYER, url],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=child_environment(),
        )
        assert process.stdout is not None
        _, key, game_id = process.stdout.readline().split()
        acked = 0
        while acked < acks_before_kill:
            line = process.stdout.readline()
            assert line.startswith("ack"), line + process.stderr.read()
            acked = int(line.split()[1])
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
        assert process.returncode == -signal.SIGKILL
        with Store.open(url) as store:
            me = store.trainee(key)
            assert me is not None
            game = store.game(game_id, me)
            assert game.round >= acked and game.revision >= acked  # the acknowledged save is there
            decisions = store.decisions(game_id, me)
            assert decisions[:acked] == [{"order": n} for n in range(1, acked + 1)]
            assert decisions == game.log["decisions"]  # the game and its decision rows agree (one transaction)
