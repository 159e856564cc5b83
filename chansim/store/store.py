"""The store: trainees, their games and every decision, in SQLite (WAL) or PostgreSQL.

Every write is one short transaction; :meth:`Store.save` returns only after its commit, so
a page that says "saved" after it returned has the decision on disk (SQLite: WAL with
``synchronous=FULL``). Games are saved by compare-and-set on their revision, and each
decision is appended to the ``decisions`` table whose (game, position) is unique: two tabs,
a double click or a resent message never record a round twice. An undo or reset takes
decisions back: :meth:`Store.replace` then stores the shorter game as a new one and marks the
old one ``replaced_by`` it, in one transaction; nothing is deleted.
"""

from __future__ import annotations

import json
import operator
import os
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any, Self

from sqlalchemy import Connection, exc, func, insert, select, update
from sqlalchemy.engine import Engine

from chansim.store import identity
from chansim.store.connect import Target, make_engine, migrate, resolve, translate
from chansim.store.errors import StaleGameError, StoreError
from chansim.store.models import DecisionRow, GameRow, SessionRow, TraineeRow
from chansim.store.records import GameRecord, Trainee

__all__ = ["DEFAULT_TIMEOUT_S", "Store"]

#: How long a write waits for another writer (SQLite busy timeout; PostgreSQL connect timeout).
DEFAULT_TIMEOUT_S = 10.0
#: A log bigger than this is refused (a game of any exercise is a few kB to a few hundred kB).
MAX_LOG_BYTES = 8 * 1024 * 1024
_EXERCISE_MAX = 64
#: How many replacements :meth:`Store.live` follows at most (one per undo or reset).
_CHAIN_MAX = 100_000
_LOG_KEYS = ("exercise", "seed", "options", "decisions")


def _now() -> datetime:
    return datetime.now(UTC)


def _dumps(value: Any, what: str) -> str:
    try:
        return json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    except (TypeError, ValueError) as error:
        raise StoreError(f"the {what} is not plain JSON ({error}); save the exercise's to_log()") from None


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, allow_nan=False, separators=(",", ":"))


def _check_log(log: object) -> dict[str, Any]:
    if not isinstance(log, dict):
        raise StoreError(f"the decision log must be a mapping (the exercise's to_log()), got {type(log).__name__}")
    missing = [key for key in _LOG_KEYS if key not in log]
    if missing:
        raise StoreError(f"the decision log lacks {', '.join(missing)}; save the exercise's to_log()")
    if not isinstance(log["exercise"], str) or not 1 <= len(log["exercise"]) <= _EXERCISE_MAX:
        raise StoreError(f"the decision log's exercise must be a name of 1 to {_EXERCISE_MAX} characters")
    if isinstance(log["seed"], bool) or not isinstance(log["seed"], int) or not 0 <= log["seed"] < 2**63:
        raise StoreError(f"the decision log's seed must be a whole number from 0, got {log['seed']!r}")
    if not isinstance(log["decisions"], list):
        raise StoreError("the decision log's decisions must be a list")
    return log


def _check_count(value: object, what: str, minimum: int, maximum: int) -> int:
    """``value`` as an int (NumPy integers too) when it is a whole number from ``minimum`` to ``maximum``."""
    try:
        number = None if isinstance(value, bool) else operator.index(value)  # type: ignore[arg-type]
    except TypeError:
        number = None
    if number is None or not minimum <= number <= maximum:
        raise StoreError(f"{what} must be a whole number from {minimum} to {maximum}, got {value!r}")
    return number


def _checked_text(log: dict[str, Any]) -> str:
    text = _dumps(log, "decision log")
    if len(text.encode("utf-8")) > MAX_LOG_BYTES:
        raise StoreError(f"the decision log has more than {MAX_LOG_BYTES // 2**20} MiB; it is refused")
    return text


class _Conflict(StoreError):
    """A unique constraint refused a write (two writers at once); the caller may read again and retry."""


def _record(row: Any) -> GameRecord:
    return GameRecord(
        id=row.id,
        trainee_id=row.trainee_id,
        exercise=row.exercise,
        log=json.loads(row.log),
        revision=row.revision,
        round=row.round,
        rounds=row.rounds,
        finished=bool(row.finished),
        created=row.created,
        updated=row.updated,
        replaced_by=row.replaced_by,
    )


class Store:
    """A connection to the chansim store; open it with :meth:`Store.open`, close it with :meth:`close`.

    Thread-safe (a pool of connections); one Store a process is enough, many processes may
    open the same store at once.
    """

    def __init__(self, engine: Engine, target: Target, timeout_s: float) -> None:
        """Use :meth:`Store.open`."""
        self._engine = engine
        self._target = target
        self._timeout_s = timeout_s
        self._closed = False
        self._lock = threading.Lock()

    @classmethod
    def open(cls, url: str | os.PathLike[str] | None = None, *, timeout_s: float = DEFAULT_TIMEOUT_S) -> Self:
        """Open (and create, or migrate to head) the store at ``url``: an SQLAlchemy URL or an SQLite file path.

        None means :func:`chansim.store.default_url`. ``timeout_s`` bounds the wait for a
        lock held by another writer. Raises :class:`StoreError` naming the file or URL.
        """
        if isinstance(timeout_s, bool) or not isinstance(timeout_s, int | float) or not 0 < timeout_s <= 600:
            raise StoreError(f"the store timeout must be from 0 to 600 seconds, got {timeout_s!r}")
        target = resolve(url)
        engine = make_engine(target, float(timeout_s))
        try:
            migrate(engine, target, float(timeout_s))
        except BaseException:
            engine.dispose()
            raise
        return cls(engine, target, float(timeout_s))

    @property
    def url(self) -> str:
        """The store's URL, without its password."""
        return self._target.url.render_as_string(hide_password=True)

    @property
    def shown(self) -> str:
        """The store's name for people: the SQLite file's path, or the URL without its password."""
        return self._target.shown

    def close(self) -> None:
        """Close every connection; the store cannot be used afterwards."""
        with self._lock:
            self._closed = True
            self._engine.dispose()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Store({self.shown!r})"

    @contextmanager
    def _transaction(self, *, write: bool) -> Iterator[Connection]:
        if self._closed:
            raise StoreError(f"the store {self.shown} is closed")
        try:
            with self._engine.connect().execution_options(chansim_write=write) as connection, connection.begin():
                yield connection
        except StoreError:
            raise
        except exc.IntegrityError as error:
            raise _Conflict(str(translate(error, self._target, self._timeout_s))) from None
        except exc.SQLAlchemyError as error:
            raise translate(error, self._target, self._timeout_s) from None

    # -- trainees ---------------------------------------------------------------------------

    def join(self, name: str, *, pin: str | None = None, workshop: str | None = None) -> Trainee:
        """The trainee ``name`` of ``workshop`` (None: the open class), created at the first join, with a new key.

        The name is unique per workshop, compared case-insensitively. A PIN (4 to 12
        characters) set at the first join is then needed at every join; a wrong or missing
        PIN raises :class:`StoreError`.
        """
        name = identity.check_name(name)
        workshop = None if workshop is None else identity.check_name(workshop, "workshop", identity.WORKSHOP_MAX)
        pin = None if pin is None or pin == "" else identity.check_pin(pin)
        key_of_name = identity.name_key(name)
        key_of_workshop = "" if workshop is None else identity.name_key(workshop)
        where = "the open class" if workshop is None else f"the workshop {workshop!r}"
        key = identity.new_key()
        find = select(TraineeRow.id, TraineeRow.name, TraineeRow.workshop, TraineeRow.pin_hash).where(
            TraineeRow.workshop_key == key_of_workshop, TraineeRow.name_key == key_of_name
        )
        pin_hash: str | None = None
        # the PIN's hashing and checking (scrypt, ~50 ms) run outside any write transaction, so that
        # a class joining at once does not queue behind it
        for _attempt in range(3):
            with self._transaction(write=False) as connection:
                row = connection.execute(find).first()
            if row is not None:
                if row.pin_hash is not None and (pin is None or not identity.check_pin_hash(pin, row.pin_hash)):
                    raise StoreError(
                        f"the name {row.name!r} is taken in {where} and needs its PIN; "
                        "give the PIN chosen at the first join, or another name"
                    )
                with self._transaction(write=True) as connection:
                    connection.execute(
                        insert(SessionRow).values(key_hash=identity.hash_key(key), trainee_id=row.id, created=_now())
                    )
                return Trainee(id=int(row.id), name=row.name, workshop=row.workshop, key=key)
            if pin is not None and pin_hash is None:
                pin_hash = identity.hash_pin(pin)
            try:
                with self._transaction(write=True) as connection:
                    trainee_id = connection.execute(
                        insert(TraineeRow).values(
                            name=name,
                            name_key=key_of_name,
                            workshop=workshop,
                            workshop_key=key_of_workshop,
                            pin_hash=pin_hash,
                            created=_now(),
                        )
                    ).inserted_primary_key[0]
                    connection.execute(
                        insert(SessionRow).values(
                            key_hash=identity.hash_key(key), trainee_id=trainee_id, created=_now()
                        )
                    )
                return Trainee(id=int(trainee_id), name=name, workshop=workshop, key=key)
            except _Conflict:
                continue  # two first joins of one name at once: the unique constraint refused the second; again
        raise StoreError(f"the name {name!r} could not be joined in {where}; try again")

    def trainee(self, key: str, *, now: datetime | None = None) -> Trainee | None:
        """The trainee of the session key ``key`` (from :meth:`join`), or None for an unknown or malformed key.

        A key is valid for :data:`chansim.store.identity.SESSION_DAYS` days after its join (as
        long as the browser keeps the cookie); ``now`` (aware; default: the current time) is
        the moment it is checked at.
        """
        if not isinstance(key, str) or not 20 <= len(key) <= 200:
            return None
        if now is not None and (not isinstance(now, datetime) or now.tzinfo is None):
            raise StoreError(f"now must be an aware datetime (with a time zone), got {now!r}")
        oldest = (now or _now()) - timedelta(days=identity.SESSION_DAYS)
        with self._transaction(write=False) as connection:
            row = connection.execute(
                select(TraineeRow.id, TraineeRow.name, TraineeRow.workshop)
                .join(SessionRow, SessionRow.trainee_id == TraineeRow.id)
                .where(SessionRow.key_hash == identity.hash_key(key), SessionRow.created >= oldest)
            ).first()
        return None if row is None else Trainee(id=row.id, name=row.name, workshop=row.workshop, key=key)

    # -- games ------------------------------------------------------------------------------

    def _check_trainee(self, trainee: object) -> int:
        if not isinstance(trainee, Trainee):
            raise StoreError(
                f"a trainee of the store is needed (Store.join or Store.trainee), got {type(trainee).__name__}"
            )
        return trainee.id

    def start_game(self, trainee: Trainee, exercise: str, log: dict[str, Any], *, rounds: int) -> GameRecord:
        """A new game of ``exercise`` for ``trainee`` from ``log``: the exercise's ``to_log()`` before any decision."""
        trainee_id = self._check_trainee(trainee)
        log = _check_log(log)
        if log["exercise"] != exercise:
            raise StoreError(f"the decision log is of the exercise {log['exercise']!r}, not {exercise!r}")
        rounds = _check_count(rounds, "the number of rounds", 0, 1_000_000)
        text = _checked_text(log)
        with self._transaction(write=True) as connection:
            if connection.execute(select(TraineeRow.id).where(TraineeRow.id == trainee_id)).first() is None:
                raise StoreError(f"the trainee {trainee.name!r} is not in the store {self.shown}; join again")
            return self._insert_game(connection, trainee_id, log, text, rounds=rounds, round=0, finished=False)

    def _insert_game(
        self,
        connection: Connection,
        trainee_id: int,
        log: dict[str, Any],
        text: str,
        *,
        rounds: int,
        round: int,
        finished: bool,
    ) -> GameRecord:
        """Insert a new game (revision 0) from ``log``, its decisions recorded append-only at revision 0."""
        now = _now()
        game_id = uuid.uuid4().hex
        connection.execute(
            insert(GameRow).values(
                id=game_id,
                trainee_id=trainee_id,
                exercise=log["exercise"],
                seed=log["seed"],
                options=_canonical(log["options"]),
                log=text,
                revision=0,
                round=round,
                rounds=rounds,
                finished=finished,
                created=now,
                updated=now,
            )
        )
        for position, decision in enumerate(log["decisions"]):
            connection.execute(
                insert(DecisionRow).values(
                    game_id=game_id, position=position, decision=_canonical(decision), revision=0, recorded=now
                )
            )
        return GameRecord(
            id=game_id,
            trainee_id=trainee_id,
            exercise=log["exercise"],
            log=json.loads(text),
            revision=0,
            round=round,
            rounds=rounds,
            finished=finished,
            created=now,
            updated=now,
        )

    def replace(
        self,
        game_id: str,
        trainee: Trainee,
        log: dict[str, Any],
        *,
        revision: int,
        round: int,
        finished: bool,
        rounds: int,
    ) -> GameRecord:
        """A new game from ``log`` in place of the game ``game_id`` (an undo or reset took decisions back).

        In one transaction, with the compare-and-set of :meth:`save` on the old game's
        ``revision``: the new game is started from ``log`` (its decisions recorded
        append-only), and the old game is marked ``replaced_by`` the new one (its revision
        moves on, so a save of another tab on it is stale). Nothing is deleted: the old game
        and its decisions stay, :meth:`game` still returns it, :meth:`games` leaves it out.
        Raises :class:`StaleGameError` (changing nothing) when the old game moved on or was
        replaced already, and :class:`StoreError` for a game of another trainee or a log of
        another exercise.
        """
        trainee_id = self._check_trainee(trainee)
        log = _check_log(log)
        revision = _check_count(revision, "the revision", 0, 2**31 - 1)
        rounds = _check_count(rounds, "the number of rounds", 0, 1_000_000)
        round = _check_count(round, "the round", 0, rounds)
        if not isinstance(finished, bool):
            raise StoreError(f"finished must be True or False, got {finished!r}")
        text = _checked_text(log)
        try:
            with self._transaction(write=True) as connection:
                row = self._owned(connection, game_id, trainee_id, lock=True)
                if row.revision != revision or row.replaced_by is not None:
                    raise StaleGameError(
                        f"the game {game_id} was saved or replaced meanwhile (revision {row.revision}, this "
                        f"change was based on {revision}); nothing was changed: load it again",
                        _record(row),
                    )
                if log["exercise"] != row.exercise:
                    raise StoreError(
                        f"the decision log is of the exercise {log['exercise']!r}, not {row.exercise!r} "
                        f"(the game {game_id}); start a new game for it"
                    )
                record = self._insert_game(
                    connection, trainee_id, log, text, rounds=rounds, round=round, finished=finished
                )
                moved = connection.execute(
                    update(GameRow)
                    .where(GameRow.id == game_id, GameRow.revision == revision, GameRow.replaced_by.is_(None))
                    .values(replaced_by=record.id, revision=revision + 1, updated=record.updated)
                ).rowcount
                if moved != 1:  # another writer got in between: the transaction (and the new game) is undone
                    raise StaleGameError(f"the game {game_id} was saved meanwhile; nothing was changed: load it again")
        except _Conflict:
            raise StaleGameError(
                f"the game {game_id} was saved meanwhile; nothing was changed: load it again"
            ) from None
        return record

    def save(
        self, game_id: str, trainee: Trainee, log: dict[str, Any], *, revision: int, round: int, finished: bool
    ) -> GameRecord:
        """Save ``log`` as the game's state when the stored revision is ``revision``; committed when it returns.

        Returns the record at ``revision + 1``. Raises :class:`StaleGameError` (changing
        nothing) when the game moved on since ``revision``, and :class:`StoreError` for a game
        of another trainee, a log of another exercise, seed or options, or a log that changes
        decisions already recorded (decisions are only ever appended).
        """
        trainee_id = self._check_trainee(trainee)
        log = _check_log(log)
        revision = _check_count(revision, "the revision", 0, 2**31 - 1)
        round = _check_count(round, "the round", 0, 1_000_000)
        if not isinstance(finished, bool):
            raise StoreError(f"finished must be True or False, got {finished!r}")
        text = _dumps(log, "decision log")
        if len(text.encode("utf-8")) > MAX_LOG_BYTES:
            raise StoreError(f"the decision log has more than {MAX_LOG_BYTES // 2**20} MiB; it is refused")
        decisions = [_canonical(decision) for decision in log["decisions"]]
        now = _now()
        try:
            return self._save(game_id, trainee_id, log, text, decisions, revision, round, finished, now)
        except _Conflict:
            raise StaleGameError(
                f"the game {game_id} was saved meanwhile; nothing was changed: load it again"
            ) from None

    def _save(
        self,
        game_id: str,
        trainee_id: int,
        log: dict[str, Any],
        text: str,
        decisions: list[str],
        revision: int,
        round: int,
        finished: bool,
        now: datetime,
    ) -> GameRecord:
        with self._transaction(write=True) as connection:
            row = self._owned(connection, game_id, trainee_id, lock=True)
            if row.replaced_by is not None:
                raise StaleGameError(
                    f"the game {game_id} was replaced by the game {row.replaced_by} (an undo or reset); "
                    "nothing was changed: load it again",
                    _record(row),
                )
            if row.revision != revision:
                raise StaleGameError(
                    f"the game {game_id} was saved meanwhile (revision {row.revision}, this save was "
                    f"based on {revision}); nothing was changed: load it again",
                    _record(row),
                )
            if log["exercise"] != row.exercise or log["seed"] != row.seed or _canonical(log["options"]) != row.options:
                raise StoreError(
                    f"the decision log is not of the game {game_id} (its exercise, seed or options differ); "
                    "start a new game for it"
                )
            if round > row.rounds:
                raise StoreError(f"the round must be from 0 to {row.rounds} (the game's rounds), got {round}")
            stored = connection.execute(
                select(DecisionRow.position, DecisionRow.decision)
                .where(DecisionRow.game_id == game_id)
                .order_by(DecisionRow.position)
            ).all()
            if len(decisions) < len(stored) or any(decisions[p] != d for p, d in stored):
                raise StoreError(
                    f"the decision log of the game {game_id} changes or drops decisions already recorded "
                    f"({len(stored)} stored); decisions are only ever added"
                )
            new_revision = revision + 1
            moved = connection.execute(
                update(GameRow)
                .where(GameRow.id == game_id, GameRow.revision == revision)
                .values(log=text, revision=new_revision, round=round, finished=finished, updated=now)
            ).rowcount
            if moved != 1:  # another writer got in between (only possible where reads do not lock)
                raise StaleGameError(f"the game {game_id} was saved meanwhile; nothing was changed: load it again")
            if len(decisions) > len(stored):
                connection.execute(
                    insert(DecisionRow),
                    [
                        {
                            "game_id": game_id,
                            "position": position,
                            "decision": decisions[position],
                            "revision": new_revision,
                            "recorded": now,
                        }
                        for position in range(len(stored), len(decisions))
                    ],
                )
        return GameRecord(
            id=row.id,
            trainee_id=row.trainee_id,
            exercise=row.exercise,
            log=json.loads(text),
            revision=new_revision,
            round=round,
            rounds=row.rounds,
            finished=finished,
            created=row.created,
            updated=now,
        )

    def _owned(self, connection: Connection, game_id: object, trainee_id: int, *, lock: bool = False) -> Any:
        """The game row ``game_id`` of the trainee; ``lock``: held until the transaction ends.

        SQLite's BEGIN IMMEDIATE already holds the whole file; on PostgreSQL the row is
        locked (FOR UPDATE), so that a concurrent save waits and then reads the new revision.
        """
        if not isinstance(game_id, str) or not 1 <= len(game_id) <= 64:
            raise StoreError(f"no such game: {str(game_id)[:64]!r}")
        query = select(GameRow).where(GameRow.id == game_id)
        row = connection.execute(query.with_for_update() if lock else query).first()
        if row is None or row.trainee_id != trainee_id:  # another trainee's game is not there for this one
            raise StoreError(f"no such game: {game_id!r}")
        return row

    def game(self, game_id: str, trainee: Trainee) -> GameRecord:
        """The game ``game_id`` of ``trainee``; :class:`StoreError` "no such game" for an unknown or another's game."""
        trainee_id = self._check_trainee(trainee)
        with self._transaction(write=False) as connection:
            return _record(self._owned(connection, game_id, trainee_id))

    def live(self, game_id: str, trainee: Trainee) -> GameRecord:
        """The game ``game_id`` of ``trainee``, or the game that replaced it (the chain of :meth:`replace` followed)."""
        trainee_id = self._check_trainee(trainee)
        with self._transaction(write=False) as connection:
            row = self._owned(connection, game_id, trainee_id)
            seen = {row.id}
            while row.replaced_by is not None and len(seen) <= _CHAIN_MAX:
                row = self._owned(connection, row.replaced_by, trainee_id)
                if row.id in seen:  # not made by replace(); stop rather than loop
                    break
                seen.add(row.id)
            return _record(row)

    def games(
        self, trainee: Trainee, exercise: str | None = None, *, include_replaced: bool = False
    ) -> list[GameRecord]:
        """The games of ``trainee`` (of ``exercise`` only, when given), the last saved first.

        Games replaced by another (:meth:`replace`) are left out unless ``include_replaced``.
        """
        trainee_id = self._check_trainee(trainee)
        query = select(GameRow).where(GameRow.trainee_id == trainee_id)
        if not include_replaced:
            query = query.where(GameRow.replaced_by.is_(None))
        if exercise is not None:
            query = query.where(GameRow.exercise == exercise)
        with self._transaction(write=False) as connection:
            rows = connection.execute(query.order_by(GameRow.updated.desc(), GameRow.created.desc(), GameRow.id)).all()
        return [_record(row) for row in rows]

    def decisions(self, game_id: str, trainee: Trainee) -> list[dict[str, Any]]:
        """The recorded decisions of a game of ``trainee``, in order: the append-only record, one per round played."""
        trainee_id = self._check_trainee(trainee)
        with self._transaction(write=False) as connection:
            self._owned(connection, game_id, trainee_id)
            rows = connection.execute(
                select(DecisionRow.decision).where(DecisionRow.game_id == game_id).order_by(DecisionRow.position)
            ).all()
        return [json.loads(row.decision) for row in rows]

    # -- a trainer's view (read only) --------------------------------------------------------

    def trainees(self, workshop: str | None = None) -> list[Trainee]:
        """The trainees of ``workshop`` (None: the open class), by name; their records carry no key."""
        key_of_workshop = "" if workshop is None else identity.name_key(identity.check_name(workshop, "workshop", 64))
        with self._transaction(write=False) as connection:
            rows = connection.execute(
                select(TraineeRow.id, TraineeRow.name, TraineeRow.workshop)
                .where(TraineeRow.workshop_key == key_of_workshop)
                .order_by(TraineeRow.name_key)
            ).all()
        return [Trainee(id=row.id, name=row.name, workshop=row.workshop) for row in rows]

    def workshop_games(
        self, workshop: str | None = None, exercise: str | None = None, *, include_replaced: bool = False
    ) -> list[tuple[Trainee, GameRecord]]:
        """Every game of the trainees of ``workshop`` (None: the open class), with its trainee, the last saved first.

        Games replaced by another (:meth:`replace`) are left out unless ``include_replaced``.
        """
        key_of_workshop = "" if workshop is None else identity.name_key(identity.check_name(workshop, "workshop", 64))
        query = (
            select(GameRow, TraineeRow.name, TraineeRow.workshop)
            .join(TraineeRow, TraineeRow.id == GameRow.trainee_id)
            .where(TraineeRow.workshop_key == key_of_workshop)
        )
        if not include_replaced:
            query = query.where(GameRow.replaced_by.is_(None))
        if exercise is not None:
            query = query.where(GameRow.exercise == exercise)
        with self._transaction(write=False) as connection:
            rows = connection.execute(query.order_by(GameRow.updated.desc(), GameRow.id)).all()
        return [(Trainee(id=row.trainee_id, name=row.name, workshop=row.workshop), _record(row)) for row in rows]

    def count(self) -> dict[str, int]:
        """How many trainees, games and decisions the store holds."""
        with self._transaction(write=False) as connection:
            return {
                name: int(connection.execute(select(func.count()).select_from(table)).scalar_one())
                for name, table in (("trainees", TraineeRow), ("games", GameRow), ("decisions", DecisionRow))
            }
