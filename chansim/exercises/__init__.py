"""Training exercises: the bilingual message catalogue, the feedback engine, scores and the six exercises.

Everything here works from result tables and plain Python: no widgets, no plots, so it
can be tested headless and reused by the Voilà exercises. Every exercise follows one
contract (:class:`chansim.exercises.contract.Exercise`); :data:`EXERCISES` maps their names,
as the notebooks number them, to their classes:

============== =============================================== ===========================
name           class                                           notebook
============== =============================================== ===========================
planning       :class:`~chansim.exercises.planning.ChannelPlanning`  ``01-planning``
recruitment    :class:`~chansim.exercises.recruitment.Recruitment`   ``02-recruitment``
training       :class:`~chansim.exercises.training.TrainingGame`     ``03-training``
order-desk     :class:`~chansim.exercises.order_desk.OrderDesk`      ``04-order-desk``
beer-game      :class:`~chansim.exercises.beer_game.BeerGame`        ``05-beer-game``
evaluation     :class:`~chansim.exercises.evaluation.Evaluation`     ``06-evaluation``
============== =============================================== ===========================

:data:`EXERCISES` is built on first use, so ``import chansim.exercises`` loads no exercise
(nor the name generator the recruitment exercise needs).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from chansim.exercises.contract import Exercise

__all__ = ["EXERCISE_NAMES", "EXERCISES", "from_log"]

#: The exercises' names in notebook order (the keys of :data:`EXERCISES`).
EXERCISE_NAMES = ("planning", "recruitment", "training", "order-desk", "beer-game", "evaluation")

_exercises: dict[str, type[Exercise]] | None = None


def _load() -> dict[str, type[Exercise]]:
    global _exercises
    if _exercises is None:
        from chansim.exercises.beer_game import BeerGame
        from chansim.exercises.evaluation import Evaluation
        from chansim.exercises.order_desk import OrderDesk
        from chansim.exercises.planning import ChannelPlanning
        from chansim.exercises.recruitment import Recruitment
        from chansim.exercises.training import TrainingGame

        classes = (ChannelPlanning, Recruitment, TrainingGame, OrderDesk, BeerGame, Evaluation)
        _exercises = {cls.name: cls for cls in classes}
        assert tuple(_exercises) == EXERCISE_NAMES
    return _exercises


def __getattr__(name: str) -> Any:
    """``EXERCISES``, imported on first use."""
    if name != "EXERCISES":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return _load()


def from_log(log: Any) -> Exercise:
    """The game of a decision log of any of the six exercises (the log's ``exercise`` picks the class).

    See :meth:`chansim.exercises.contract.Exercise.from_log`; raises its ``LogError``.
    """
    from chansim.exercises.contract import Exercise

    _load()
    return Exercise.from_log(log)
