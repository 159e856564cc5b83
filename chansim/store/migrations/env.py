"""Alembic's environment for the store: it runs on the connection that :func:`chansim.store.connect.migrate` gives.

Run only from :meth:`chansim.store.Store.open` (or a test that passes a connection in
``config.attributes["connection"]``); there is no alembic.ini and no offline mode.
"""

from __future__ import annotations

from alembic import context

from chansim.store.models import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("the chansim store migrates only through Store.open (no connection was given)")
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
