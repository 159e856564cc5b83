"""The store's two errors: every failure of the store is a :class:`StoreError` with a message for people."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from chansim.store.records import GameRecord

__all__ = ["StaleGameError", "StoreError"]


class StoreError(Exception):
    """The store cannot do what was asked; the message names the file or URL, what is wrong and what to do."""


class StaleGameError(StoreError):
    """A compare-and-set save found the game moved on (another tab, a double click, a resent message).

    Nothing was changed. ``current`` is the game as stored now, so that a page can show the
    trainee where the game really is.
    """

    def __init__(self, message: str, current: GameRecord | None = None) -> None:
        super().__init__(message)
        self.current = current
