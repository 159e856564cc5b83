"""The engine's record types: one row of the ``levels`` table and one of the ``events`` table.

Each is a :class:`~typing.NamedTuple` declaring the row (field names, order and types);
:mod:`chansim.results` builds each table from them with one builder
(:func:`chansim.results.levels_frame`, :func:`chansim.results.events_frame`), and
:meth:`chansim.engine.Session.level_rows` / :meth:`~chansim.engine.Session.event_rows` give
them to the business layer and the exercises by name.

How the engine stores them while it runs (the hot path of a simulation):

* **levels** are all numbers, so they are packed (:data:`LEVEL_STRUCT`, ``pack_into``) into
  one growing float64 buffer, :data:`LEVEL_WIDTH` values per node x SKU per period in
  :class:`StoredLevelRow` field order (``item`` is the index of the node x SKU in
  ``Session.sequence``). That costs a little more than appending a tuple, but the run
  leaves no tuple and no float object behind: nothing for the cyclic garbage collector to
  scan, 8 bytes a value instead of about 30, and the table starts as a zero-copy ``numpy``
  view instead of a conversion of tuples;
* **events** mix strings and numbers and are appended as plain tuples in :class:`EventRow`
  field order: building a NamedTuple instance per event costs about 0.3 us more than a
  tuple, a fifth more run time with events on; ``event_rows`` makes named records on demand.
"""

from __future__ import annotations

import struct
from typing import NamedTuple

__all__ = ["LEVEL_STRUCT", "LEVEL_WIDTH", "EventRow", "LevelRow", "StoredLevelRow"]


class StoredLevelRow(NamedTuple):
    """One stored levels row: end-of-period stock and the period's flows of one node x SKU."""

    day: float
    item: int  # index of the node x SKU in ``Session.sequence``
    on_hand: float
    backorder: float
    on_order: float
    in_transit: float
    demand: float  # units asked of the node in the period (customers' orders and end-customer demand)
    shipped: float
    sell_in: float  # units its supplier shipped to it in the period
    received: float
    ordered: float
    lost: float
    orders_placed: int
    customer_demand: float  # end-customer part of ``demand``
    customer_sales: float  # end-customer part of ``shipped``


class LevelRow(NamedTuple):
    """A levels row as the business layer and exercises read it: the node and SKU by name."""

    day: float
    node: str
    sku: str
    on_hand: float
    backorder: float
    on_order: float
    in_transit: float
    demand: float
    shipped: float
    sell_in: float
    received: float
    ordered: float
    lost: float
    orders_placed: int
    customer_demand: float
    customer_sales: float


LEVEL_WIDTH = len(StoredLevelRow._fields)
LEVEL_STRUCT = struct.Struct(f"{LEVEL_WIDTH}d")


class EventRow(NamedTuple):
    """One event: demand, ordered, shipped, received, lost, returned, written_off, rejected_*, ..."""

    day: float
    event: str
    node: str
    counterpart: str
    sku: str
    qty: float
    order_id: int
