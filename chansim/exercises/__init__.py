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

__all__ = ["EXERCISE_NAMES", "EXERCISES"]

#: The exercises' names in notebook order (the keys of :data:`EXERCISES`).
EXERCISE_NAMES = ("planning", "recruitment", "training", "order-desk", "beer-game", "evaluation")

_CLASSES = {
    "planning": ("chansim.exercises.planning", "ChannelPlanning"),
    "recruitment": ("chansim.exercises.recruitment", "Recruitment"),
    "training": ("chansim.exercises.training", "TrainingGame"),
    "order-desk": ("chansim.exercises.order_desk", "OrderDesk"),
    "beer-game": ("chansim.exercises.beer_game", "BeerGame"),
    "evaluation": ("chansim.exercises.evaluation", "Evaluation"),
}
_exercises: dict[str, type[Exercise]] | None = None


def __getattr__(name: str) -> Any:
    """``EXERCISES``, imported on first use."""
    global _exercises
    if name != "EXERCISES":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    if _exercises is None:
        import importlib

        _exercises = {key: getattr(importlib.import_module(module), cls) for key, (module, cls) in _CLASSES.items()}
    return _exercises
