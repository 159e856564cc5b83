"""Message texts of the exercise apps, one module per app, merged into the catalogue.

Each module holds ``TEXTS: dict[str, tuple[str, str]]`` mapping a key to its
(Simplified Chinese, English) texts, in the order of
:data:`chansim.exercises.messages.LANGUAGES`. A key may be defined once only: :func:`all_texts`
raises on a duplicate so two apps never silently overwrite each other's text.
"""

from __future__ import annotations

from importlib import import_module

__all__ = ["MODULES", "all_texts"]

#: The modules merged, in order.
MODULES = ("ui", "home", "planning", "recruitment", "training", "operations", "evaluation", "serve")


def all_texts() -> dict[str, tuple[str, str]]:
    """Every app text: ``{key: (zh_CN, en_US)}``.

    Raises:
        ValueError: when two modules define the same key.

    """
    merged: dict[str, tuple[str, str]] = {}
    owner: dict[str, str] = {}
    for name in MODULES:
        texts = import_module(f"{__name__}.{name}").TEXTS
        for key, value in texts.items():
            if key in merged:
                raise ValueError(f"message {key!r} is defined in texts.{owner[key]} and texts.{name}")
            merged[key] = value
            owner[key] = name
    return merged
