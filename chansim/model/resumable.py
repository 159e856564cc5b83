"""SimPy process bodies whose state is plain data, so a running simulation can be copied.

A Python generator cannot be copied: its state lives in a suspended frame. A
:class:`Resumable` is a process body written as an object with the generator protocol
(``send``, ``throw``) that SimPy's :class:`simpy.Process` drives exactly as it drives a
generator -- same events, same order -- but whose state is attributes (a resume point and
local values). ``copy.deepcopy`` of an environment whose processes are resumables gives an
independent simulation that continues exactly as the original (see
:meth:`chansim.engine.Session.fork`).

Each subclass keeps the generator it replaces as its docstring's reference and one
``state`` label per ``yield``: ``send`` runs from the resume point to the next ``yield``
and returns the event to wait for; returning (``StopIteration(value)``) ends the process.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, NoReturn

import simpy

__all__ = ["Resumable", "finish"]


def finish(value: Any = None) -> NoReturn:
    """End the process with ``value`` (what ``return value`` does in a generator)."""
    raise StopIteration(value)


class Resumable(ABC):
    """The generator protocol over explicit state (subclasses implement :meth:`send`)."""

    __slots__ = ()

    @property
    def __name__(self) -> str:  # SimPy names a process after its generator
        return type(self).__name__

    def __iter__(self) -> Resumable:
        return self

    def __next__(self) -> simpy.Event:
        return self.send(None)

    @abstractmethod
    def send(self, value: Any) -> simpy.Event:
        """Run from the resume point to the next event to wait for (``value``: the last event's value)."""

    def throw(self, exc: BaseException) -> simpy.Event:
        """A failed event or an interrupt while waiting; by default the process fails with it."""
        raise exc

    def close(self) -> None:
        """Nothing to release."""
