"""The class server's store: trainees, their games and every decision (SQLAlchemy 2, Alembic migrations).

SQLite (WAL) by default, any SQLAlchemy URL (PostgreSQL) by option::

    store = Store.open()                       # $CHANSIM_STORE, else ~/.local/share/chansim/chansim.db
    me = store.join("Ada", pin="4711")         # me.key goes into the trainee's cookie
    game = store.start_game(me, "beer-game", exercise.to_log(), rounds=20)
    game = store.save(game.id, me, exercise.to_log(), revision=game.revision, round=1, finished=False)

The store keeps JSON (the exercises' decision logs); it does not import the exercises.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from chansim.store.connect import STORE_ENV, default_url
    from chansim.store.errors import StaleGameError, StoreError
    from chansim.store.records import GameRecord, Trainee
    from chansim.store.store import DEFAULT_TIMEOUT_S, Store

#: where each public name lives; loaded on first use, so that a page kernel that only reads
#: the session cookie (:mod:`chansim.store.identity`) does not import SQLAlchemy
_HOMES = {
    "STORE_ENV": "connect", "default_url": "connect", "StaleGameError": "errors", "StoreError": "errors",
    "GameRecord": "records", "Trainee": "records", "DEFAULT_TIMEOUT_S": "store", "Store": "store",
}  # fmt: skip


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'chansim.store' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"chansim.store.{home}"), name)
    globals()[name] = value
    return value


__all__ = [
    "DEFAULT_TIMEOUT_S",
    "STORE_ENV",
    "GameRecord",
    "StaleGameError",
    "Store",
    "StoreError",
    "Trainee",
    "default_url",
]
