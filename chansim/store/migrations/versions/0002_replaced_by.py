"""Games replaced by another: an undo or reset stores the shorter game and marks the old one ``replaced_by`` it.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02

Nothing is deleted or rewritten: the column is added (NULL for every stored game). SQLite
adds it with its foreign key in place (``ALTER TABLE ... ADD COLUMN ... REFERENCES``), so
the table is not rebuilt (a rebuild would drop ``games``, and with foreign keys on, that
would cascade to the decisions).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_FK = "fk_games_replaced_by_games"


def upgrade() -> None:
    """Add ``games.replaced_by`` (nullable, a foreign key to ``games.id``)."""
    if op.get_bind().dialect.name == "sqlite":
        op.execute(f"ALTER TABLE games ADD COLUMN replaced_by VARCHAR(32) CONSTRAINT {_FK} REFERENCES games (id)")
    else:
        op.add_column("games", sa.Column("replaced_by", sa.String(length=32), nullable=True))
        op.create_foreign_key(_FK, "games", "games", ["replaced_by"], ["id"])


def downgrade() -> None:
    """Drop ``games.replaced_by`` (the replaced games then show as games of their own again)."""
    with op.batch_alter_table("games") as batch:
        if op.get_bind().dialect.name != "sqlite":
            batch.drop_constraint(_FK, type_="foreignkey")
        batch.drop_column("replaced_by")
