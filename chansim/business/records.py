"""The business layer's record types: one row of the ``audit`` table and one funnel record.

Like :mod:`chansim.records` for levels and events, each is a :class:`~typing.NamedTuple`
declaring the row (field names, order and types) and each table has one builder:

* :class:`AuditRow` is a row of the business ``audit`` table; :func:`audit_frame` builds the
  table. The order-to-cash components (:mod:`chansim.business.order_to_cash`) and the runtime
  (:mod:`chansim.business.runtime`) write into one shared log, so the rows stay in the order
  they were written. The order-to-cash components append plain 6-tuples in :class:`AuditRow`
  field order, without ``source`` (it defaults to :data:`ORDER_TO_CASH`): their logs are also
  read by position and built alone by ``order_to_cash.records_frame``, and a tuple is the
  cheapest append (an order writes several rows). The runtime's own rows (allocation, order
  decisions, diversion, rehoming, MDF requests, unserved deal lines, skipped absences) are
  :class:`AuditRow` instances with ``source=RUNTIME``. The partner book's rows
  (:class:`chansim.business.partners.AuditRecord`, ``old`` and ``new``) join them as source
  :data:`PARTNERS` with ``old`` as ``value`` and ``new`` as ``detail``.
* :class:`FunnelRecord` is one record of the funnel's log (:mod:`chansim.business.funnel`);
  :func:`chansim.business.funnel.funnel_tables` builds the funnel tables from them. The funnel
  appends plain tuples in :class:`FunnelRecord` field order (a lead writes about ten records,
  and a run many thousands of leads).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "AUDIT_TABLE_COLUMNS",
    "ORDER_TO_CASH",
    "PARTNERS",
    "RUNTIME",
    "AuditRow",
    "FunnelRecord",
    "audit_frame",
]

ORDER_TO_CASH = "order_to_cash"  # credit desk, ledger, approval office
RUNTIME = "runtime"  # the business runtime itself
PARTNERS = "partners"  # the partner book


class AuditRow(NamedTuple):
    """Who did what, when: one row of the business audit log (``source`` last, so the
    order-to-cash components' 6-tuples are rows of the same layout).
    """

    time: float
    actor: str
    action: str
    subject: Any  # an order id, invoice id, partner or node (the table holds it as text)
    value: Any
    detail: Any
    source: str = ORDER_TO_CASH


AUDIT_TABLE_COLUMNS = ("time", "source", "actor", "action", "subject", "value", "detail")
"""Columns of the ``audit`` table (``source`` after ``time``)."""


class FunnelRecord(NamedTuple):
    """One record of the funnel's log. ``value`` holds units, the offer number, the stage
    index or the protection end day, depending on the event; ``detail`` a reason, SKU or origin.
    """

    day: float
    event: str
    deal_id: int
    partner: str | None
    stage: str | None
    region: str
    account: str
    value: float | None
    detail: str | None


def audit_frame(rows: Iterable[Sequence[Any]], partner_rows: Iterable[Sequence[Any]] = ()) -> pd.DataFrame:
    """The ``audit`` table (:data:`AUDIT_TABLE_COLUMNS`): the shared log's rows in order, then the
    partner book's; ``subject``, ``value`` and ``detail`` as text.
    """
    import pandas as pd

    table = [
        (row.time, row.source, row.actor, row.action, str(row.subject), row.value, row.detail)
        for row in (AuditRow(*r) for r in rows)
    ]
    table += [
        (t, PARTNERS, actor, action, str(subject), old, new) for t, actor, action, subject, old, new in partner_rows
    ]
    return pd.DataFrame(table, columns=list(AUDIT_TABLE_COLUMNS)).astype({"value": str, "detail": str})
