"""Time of an undo and of a preview in the exercises (issue 8: fork instead of replaying from day 0).

``python benchmarks/exercise_undo.py``: the median seconds over a few repetitions of

* ``beer-game undo``: take back week 30 of 36 (and build the preview of that week, since the
  beer game shows the week before the trainee orders);
* ``beer-game play``: one week played (the step and the next week's preview);
* ``order-desk undo``: take back week 10 of 12; ``order-desk play``: one week played;
* ``training undo``: take back quarter 3 of 4 (three runs).
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

from chansim.exercises import EXERCISES


def median_seconds(setup: Callable[[], object], action: Callable[[object], object], repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        game = setup()
        start = time.perf_counter()
        action(game)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def played(name: str, rounds: int, **options: object) -> Callable[[], object]:
    def setup() -> object:
        game = EXERCISES[name](seed=3, **options)
        for _ in range(rounds):
            game.play_round(game.default_decision())
        return game

    return setup


def undo_only(game) -> None:  # type: ignore[no-untyped-def]
    game.undo()


def main() -> None:
    cases = [
        ("beer-game undo (week 30 of 36)", played("beer-game", 30), undo_only),
        ("beer-game play one week (step + preview)", played("beer-game", 30), lambda g: g.play_round({"order": 4})),
        ("order-desk play one week", played("order-desk", 10),
         lambda g: g.play_round({"orders": {"fridge": 40, "washer": 50, "microwave": 90}})),
        ("order-desk undo (week 10 of 12)", played("order-desk", 10), undo_only),
        ("training undo (quarter 3 of 4)", played("training", 3), undo_only),
        ("training play one quarter", played("training", 2), lambda g: g.play_round({"seats": {"dealer_n1": 2}})),
    ]  # fmt: skip
    for label, setup, action in cases:
        print(f"{label:45s} {median_seconds(setup, action) * 1000:8.1f} ms")


if __name__ == "__main__":
    main()
