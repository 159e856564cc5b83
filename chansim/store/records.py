"""What the store hands out: frozen records, never live database rows."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

__all__ = ["GameRecord", "Trainee"]


@dataclass(frozen=True)
class Trainee:
    """A trainee of the open class (``workshop`` None) or of a workshop.

    ``key`` is the secret session key when this record came from :meth:`Store.join` or
    :meth:`Store.trainee` (the store keeps only its hash), else None.
    """

    id: int
    name: str
    workshop: str | None
    key: str | None = field(default=None, repr=False)


@dataclass(frozen=True)
class GameRecord:
    """One stored game: the exercise's decision log (``to_log()``) and where the trainee is.

    ``revision`` counts the saves (0 after :meth:`Store.start_game`); a save must name the
    revision it was based on (compare-and-set). ``created`` and ``updated`` are aware UTC times.
    """

    id: str
    trainee_id: int
    exercise: str
    log: dict[str, Any]
    revision: int
    round: int
    rounds: int
    finished: bool
    created: datetime
    updated: datetime
