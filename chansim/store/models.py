"""The store's tables as SQLAlchemy 2 typed ORM classes; the Alembic revisions in ``migrations/`` create them.

``tests/store/test_migrations.py`` checks that the migrations at head build exactly these
tables (an autogenerate diff is empty), so a change here needs a new revision.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

__all__ = ["Base", "DecisionRow", "GameRow", "SessionRow", "TraineeRow", "UTCDateTime"]

#: Constraint names fixed by convention, so that migrations can name what they alter.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """An aware UTC time on every backend (SQLite keeps no time zone: stored naive UTC, read back aware)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """An aware time as naive UTC for the database; a naive time is refused."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("the store keeps aware times only")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """A time of the database as an aware UTC time."""
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    """The declarative base of the store's tables."""

    metadata = MetaData(naming_convention=NAMING)


class TraineeRow(Base):
    """A trainee: a name unique per workshop, compared case-insensitively (``name_key``), an optional PIN hash.

    ``workshop_key`` is ``""`` for the open class, so that the unique constraint also holds
    there (NULLs never collide in a unique constraint).
    """

    __tablename__ = "trainees"
    __table_args__ = (UniqueConstraint("workshop_key", "name_key", name="uq_trainees_workshop_name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(40))
    name_key: Mapped[str] = mapped_column(String(160))
    workshop: Mapped[str | None] = mapped_column(String(64), nullable=True)
    workshop_key: Mapped[str] = mapped_column(String(256), default="")
    pin_hash: Mapped[str | None] = mapped_column(String(200), nullable=True)
    created: Mapped[datetime] = mapped_column(UTCDateTime())


class SessionRow(Base):
    """A session key of a trainee, kept only as its SHA-256 (the key itself is a 256-bit random secret)."""

    __tablename__ = "sessions"

    key_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    trainee_id: Mapped[int] = mapped_column(ForeignKey("trainees.id", ondelete="CASCADE"), index=True)
    created: Mapped[datetime] = mapped_column(UTCDateTime())


class GameRow(Base):
    """A game: the latest decision log and its place; ``revision`` is the compare-and-set counter of saves."""

    __tablename__ = "games"
    __table_args__ = (Index("ix_games_trainee_exercise", "trainee_id", "exercise", "updated"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    trainee_id: Mapped[int] = mapped_column(ForeignKey("trainees.id", ondelete="CASCADE"))
    exercise: Mapped[str] = mapped_column(String(64))
    seed: Mapped[int] = mapped_column(BigInteger)
    options: Mapped[str] = mapped_column(Text)
    log: Mapped[str] = mapped_column(Text)
    revision: Mapped[int] = mapped_column(Integer)
    round: Mapped[int] = mapped_column(Integer)
    rounds: Mapped[int] = mapped_column(Integer)
    finished: Mapped[bool] = mapped_column(Boolean)
    created: Mapped[datetime] = mapped_column(UTCDateTime())
    updated: Mapped[datetime] = mapped_column(UTCDateTime())


class DecisionRow(Base):
    """One decision of a game, append-only: (game, position) is unique, so a round is never recorded twice."""

    __tablename__ = "decisions"
    __table_args__ = (UniqueConstraint("game_id", "position", name="uq_decisions_game_position"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    game_id: Mapped[str] = mapped_column(ForeignKey("games.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    decision: Mapped[str] = mapped_column(Text)
    revision: Mapped[int] = mapped_column(Integer)
    recorded: Mapped[datetime] = mapped_column(UTCDateTime())
