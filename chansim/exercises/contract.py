"""The exercise contract: the verbs every exercise shares, and its replayable decision log.

Like Mesa's ``Model.step`` that every model shares, each of the six exercises
(:data:`chansim.exercises.EXERCISES`) is a class with the same verbs::

    game = EXERCISES["beer-game"](seed=7, role="wholesaler")
    while not game.finished:
        game.play_round(game.default_decision())   # a decision is a JSON-able dict
    game.score(), game.kpis(), game.report(), game.advice()
    log = game.to_log()                             # JSON-able: exercise, options, seed, version, decisions
    again = EXERCISES["beer-game"].from_log(log)    # the same state, score and report

A **decision** is a plain dict, one per round, validated by :meth:`Exercise.play_round`: a
bad one raises :class:`~chansim.exercises.game.DecisionError` with a catalogue key (the
same keys the exercise's own setters raise) and changes nothing. Its shape is the
exercise's pydantic model :attr:`Exercise.Decision` (its JSON schema:
:meth:`Exercise.decision_schema`, for a workshop's forms and checks).
:meth:`Exercise.default_decision` is what the standard process would decide this round
(a workshop plays it for an absent player).

The **log** (:meth:`Exercise.to_log`) holds everything that matters: the state of a game is
a pure function of (exercise, options, seed, decisions), so :meth:`Exercise.from_log`
rebuilds it by playing the decisions again. Format (:data:`LOG_FORMAT`)::

    {"format": "chansim-exercise-log/1", "exercise": "beer-game", "version": "0.1.0",
     "seed": 7, "options": {"role": "wholesaler", ...}, "decisions": [{...}, {...}]}

A log that is not one (wrong exercise, another format, a malformed version, a bad
decision inside) raises :class:`LogError` naming what is wrong.
"""

from __future__ import annotations

import math
import re
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Self

import numpy as np
from pydantic import BaseModel

from chansim.version import __version__

if TYPE_CHECKING:
    import pandas as pd

    from chansim.exercises.feedback import Advice
    from chansim.exercises.game import Score

__all__ = ["LOG_FORMAT", "Exercise", "LogError", "jsonable", "package_version"]

#: The format tag of :meth:`Exercise.to_log`; a log of another format is refused.
LOG_FORMAT = "chansim-exercise-log/1"
_VERSION = re.compile(r"^\d+(\.\d+)*([a-z0-9.+-]*)$")


class LogError(ValueError):
    """A decision log that :meth:`Exercise.from_log` cannot replay; the message says why.

    ``decision_error`` is the :class:`~chansim.exercises.game.DecisionError` of the bad
    decision when the log's structure was right but one of its decisions was refused.
    """

    def __init__(self, message: str, decision_error: Exception | None = None) -> None:
        super().__init__(message)
        self.decision_error = decision_error


def package_version() -> str:
    """The version of chansim written into every log."""
    return str(__version__)


def jsonable(value: Any) -> Any:
    """``value`` as plain JSON types: NumPy scalars to Python, tuples to lists, NaN and ±inf to None.

    Non-finite floats become None so that two equal states compare equal (NaN != NaN)
    and the text is strict JSON.
    """
    import pandas as pd  # here: the home page, which never writes a log, does not load pandas

    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, pd.DataFrame):
        return [jsonable(row) for row in value.to_dict("records")]
    if isinstance(value, str | bool) or value is None:
        return value
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, int):
        return value
    if isinstance(value, Sequence | set | frozenset | np.ndarray):
        return [jsonable(v) for v in value]
    if value is pd.NA or value is pd.NaT:
        return None
    return str(value)


class Exercise(ABC):
    """The contract of every exercise (see the module docstring).

    Subclasses set :attr:`name` and :attr:`Decision`, keep :attr:`seed` and :attr:`options`
    (the constructor's options as JSON-able values, without the seed) and implement the
    abstract verbs; :meth:`to_log`, :meth:`from_log` and :meth:`decision_schema` come from here.
    """

    #: The exercise's name in :data:`chansim.exercises.EXERCISES` (kebab case, as the notebooks).
    name: ClassVar[str]
    #: The pydantic model of one round's decision (its JSON schema: :meth:`decision_schema`).
    Decision: ClassVar[type[BaseModel]]

    seed: int
    options: dict[str, Any]

    #: The exercises defined so far, by name (filled as their classes are created).
    registry: ClassVar[dict[str, type[Exercise]]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        name = cls.__dict__.get("name")
        if isinstance(name, str):
            Exercise.registry[name] = cls

    # ------------------------------------------------------------------ where the game is
    @property
    @abstractmethod
    def round(self) -> int:
        """Rounds played so far (the round being decided has this index, from 0)."""

    @property
    @abstractmethod
    def rounds(self) -> int:
        """Rounds in the game."""

    @property
    def finished(self) -> bool:
        """Whether every round has been played."""
        return self.round >= self.rounds

    # ------------------------------------------------------------------ decisions
    @abstractmethod
    def default_decision(self) -> dict[str, Any]:
        """What the standard process would decide this round (a valid decision, JSON-able)."""

    @abstractmethod
    def play_round(self, decision: Mapping[str, Any]) -> Any:
        """Validate ``decision`` and play the round with it; a bad decision raises DecisionError, changing nothing."""

    @abstractmethod
    def undo(self) -> Any:
        """Take back the last round (DecisionError ``control.nothing_to_undo`` before the first)."""

    @abstractmethod
    def reset(self) -> None:
        """Back to the first round with no decisions (the same seed)."""

    @abstractmethod
    def played_decisions(self) -> list[dict[str, Any]]:
        """The decisions of the played rounds, first first, as :meth:`play_round` takes them."""

    # ------------------------------------------------------------------ what the trainee sees
    @abstractmethod
    def state(self) -> dict[str, Any]:
        """What the trainee sees when deciding, JSON-able (no pending input counts)."""

    @abstractmethod
    def kpis(self) -> pd.DataFrame:
        """The KPIs of the rounds played, as a table."""

    @abstractmethod
    def score(self) -> Score:
        """The score of the rounds played, with its formula."""

    @abstractmethod
    def advice(self, lang: str = "en_US") -> list[Advice]:
        """Plain-language advice on the rounds played, most severe first."""

    @abstractmethod
    def report(self) -> pd.DataFrame:
        """The trainee's results table (the CSV download)."""

    # ------------------------------------------------------------------ the log
    def to_log(self) -> dict[str, Any]:
        """The decision log (JSON-able): :data:`LOG_FORMAT`, exercise, package version, seed, options, decisions."""
        return {
            "format": LOG_FORMAT,
            "exercise": self.name,
            "version": package_version(),
            "seed": int(self.seed),
            "options": jsonable(self.options),
            "decisions": jsonable(self.played_decisions()),
        }

    @classmethod
    def from_log(cls, log: Mapping[str, Any]) -> Self:
        """The game of ``log`` (:meth:`to_log`) rebuilt: the same options and seed, every decision played again.

        Called on :class:`Exercise` itself, the log's ``exercise`` picks the class among those
        imported (:func:`chansim.exercises.from_log` imports all six first).

        Raises:
            LogError: not a mapping, another format or exercise, a malformed version, seed,
                options or decision list, options the exercise refuses, or a decision refused
                (then ``decision_error`` is its DecisionError).

        """
        if not isinstance(log, Mapping):
            raise LogError(f"a decision log is a mapping, not {type(log).__name__}")
        missing = [k for k in ("format", "exercise", "version", "seed", "options", "decisions") if k not in log]
        if missing:
            raise LogError(f"the decision log has no {', '.join(missing)}")
        if log["format"] != LOG_FORMAT:
            shown = str(log["format"])[:40]
            raise LogError(f"format: {shown!r} is not a decision log of this version ({LOG_FORMAT!r})")
        exercise = log["exercise"]
        if cls is Exercise:
            known = Exercise.registry
            if not isinstance(exercise, str) or exercise not in known:
                raise LogError(f"exercise: {str(exercise)[:40]!r} is not one of {', '.join(sorted(known))}")
            return known[exercise].from_log(log)  # type: ignore[return-value]
        if exercise != cls.name:
            raise LogError(f"exercise: this is a log of {str(exercise)[:40]!r}, not of {cls.name!r}")
        version = log["version"]
        if not isinstance(version, str) or not _VERSION.match(version):
            raise LogError(f"version: {str(version)[:40]!r} is not a package version such as {package_version()!r}")
        seed = log["seed"]
        if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
            raise LogError(f"seed: {str(seed)[:40]!r} is not a non-negative whole number")
        options, decisions = log["options"], log["decisions"]
        if not isinstance(options, Mapping) or not all(isinstance(k, str) for k in options):
            raise LogError("options: a mapping of option names to values is expected")
        if isinstance(decisions, str | bytes | Mapping) or not isinstance(decisions, Sequence):
            raise LogError("decisions: a list of decisions is expected")
        try:
            game = cls(seed=seed, **options)  # type: ignore[call-arg]
        except (TypeError, ValueError) as error:
            raise LogError(f"options: {error}") from error
        for index, decision in enumerate(decisions, start=1):
            if game.finished:
                raise LogError(f"decision {index}: the log has more decisions than the game has rounds ({game.rounds})")
            try:
                game.play_round(decision)
            except ValueError as error:  # DecisionError is a ValueError
                raise LogError(f"decision {index}: {error}", error) from error
        return game

    @classmethod
    def decision_schema(cls) -> dict[str, Any]:
        """The JSON schema of one round's decision (of :attr:`Decision`)."""
        return cls.Decision.model_json_schema()

