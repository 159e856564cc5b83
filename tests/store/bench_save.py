"""How long Store.save takes: p50/p95 over 200 saves of one growing game (SQLite WAL, synchronous=FULL).

Run: ``python3 tests/store/bench_save.py [URL]`` (not collected by pytest). Prints the CPU time of
this process (``time.process_time``: what a save costs the kernel, robust to a loaded machine)
and the wall time (includes the fsync of the commit and any wait for the machine).
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

from chansim.store import Store


def main() -> None:
    url = sys.argv[1] if len(sys.argv) > 1 else str(Path(tempfile.mkdtemp()) / "bench.db")
    saves = 200
    with Store.open(url) as store:
        me = store.join("Bench")
        log = {"format": "chansim-exercise-log/1", "exercise": "beer-game", "version": "0.1.0", "seed": 7,
               "options": {"role": "wholesaler", "rounds": saves, "policy": "base-stock"}, "decisions": []}  # fmt: skip
        game = store.start_game(me, "beer-game", log, rounds=saves)
        cpu, wall = [], []
        for n in range(1, saves + 1):
            log = {**log, "decisions": [*log["decisions"], {"order": 4 + n % 9, "note": f"round {n}"}]}
            c0, w0 = time.process_time(), time.perf_counter()
            game = store.save(game.id, me, log, revision=game.revision, round=n, finished=n == saves)
            cpu.append(time.process_time() - c0)
            wall.append(time.perf_counter() - w0)

    def q(values: list[float], p: int) -> float:
        return statistics.quantiles(values, n=100, method="inclusive")[p - 1] * 1000

    print(f"{saves} saves on {url}")
    print(f"CPU  ms: p50 {q(cpu, 50):.2f}  p95 {q(cpu, 95):.2f}  max {max(cpu) * 1000:.2f}")
    print(f"wall ms: p50 {q(wall, 50):.2f}  p95 {q(wall, 95):.2f}  max {max(wall) * 1000:.2f}")


if __name__ == "__main__":
    main()
