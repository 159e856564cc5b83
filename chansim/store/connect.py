"""Opening a store: the URL, the SQLite file checks, the engine and its settings, the migrations to head.

A file that is not a chansim store is never written to: its first bytes, its SQLite
``application_id`` and its tables are read through a read-only connection first, and only an
empty file or a chansim store is opened for writing.
"""

from __future__ import annotations

import functools
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event, exc, text
from sqlalchemy.engine import URL, Connection, Engine, make_url

from chansim.store.errors import StoreError

__all__ = [
    "APPLICATION_ID",
    "STORE_ENV",
    "Target",
    "default_url",
    "make_engine",
    "migrate",
    "migrations_folder",
    "resolve",
    "script_revisions",
    "translate",
]

#: The environment variable with the store's SQLAlchemy URL (``chansim serve --store URL`` sets it for kernels).
STORE_ENV = "CHANSIM_STORE"
#: SQLite's ``application_id`` of a chansim store ("CSIM"): how a chansim file is told from any other.
APPLICATION_ID = 0x4353494D
#: The key of the PostgreSQL advisory lock that serialises migrations of concurrent openers.
_MIGRATION_LOCK = 0x43534D4947
_SQLITE_HEADER = b"SQLite format 3\x00"
_BACKENDS = ("sqlite", "postgresql")
_ALLOWED = "an SQLite file path, sqlite:///PATH or postgresql+psycopg://USER:PASSWORD@HOST/DATABASE"


def default_url() -> str:
    """``$CHANSIM_STORE``, else the SQLite file ``$XDG_DATA_HOME/chansim/chansim.db`` (``~/.local/share/...``)."""
    configured = os.environ.get(STORE_ENV, "").strip()
    if configured:
        return configured
    base = os.environ.get("XDG_DATA_HOME", "").strip()
    folder = Path(base) if base and Path(base).is_absolute() else Path.home() / ".local" / "share"
    return f"sqlite:///{folder / 'chansim' / 'chansim.db'}"


def migrations_folder() -> Path:
    """The Alembic script folder, shipped inside the package (``chansim/store/migrations``)."""
    return Path(__file__).resolve().parent / "migrations"


@dataclass(frozen=True)
class Target:
    """A resolved store location: the SQLAlchemy URL, the SQLite file (None for a server) and its name for people."""

    url: URL
    path: Path | None
    shown: str

    @property
    def sqlite(self) -> bool:
        """Whether the store is an SQLite file."""
        return self.path is not None


def resolve(url: str | os.PathLike[str] | None) -> Target:
    """The store location of ``url`` (None: :func:`default_url`; a text without ``://``: an SQLite file path)."""
    raw = default_url() if url is None else os.fspath(url) if isinstance(url, os.PathLike) else url
    if not isinstance(raw, str) or not raw.strip():
        raise StoreError(f"the store must be {_ALLOWED}; got {raw!r}")
    raw = raw.strip()
    if "://" not in raw:
        raw = f"sqlite:///{Path(raw).expanduser().resolve()}"
    try:
        parsed = make_url(raw)
    except (exc.ArgumentError, ValueError) as error:
        raise StoreError(f"the store URL {raw!r} is not a database URL ({error}); give {_ALLOWED}") from None
    backend = parsed.get_backend_name()
    shown_url = parsed.render_as_string(hide_password=True)
    if backend not in _BACKENDS:
        raise StoreError(
            f"the store URL {shown_url!r} names the database {backend!r}; chansim stores in SQLite "
            f"or PostgreSQL: give {_ALLOWED}"
        )
    if backend == "postgresql":
        if parsed.get_driver_name() in ("psycopg2", "") or "+" not in parsed.drivername:
            parsed = parsed.set(drivername="postgresql+psycopg")
        return Target(parsed, None, parsed.render_as_string(hide_password=True))
    if parsed.get_driver_name() != "pysqlite":
        raise StoreError(
            f"the store URL {shown_url!r} names the SQLite driver {parsed.get_driver_name()!r}; "
            "use sqlite:///PATH (Python's own sqlite3)"
        )
    database = parsed.database or ""
    if database in ("", ":memory:") or database.startswith("file:"):
        raise StoreError(
            f"the store URL {shown_url!r} names no file (an in-memory database keeps nothing); give sqlite:///PATH"
        )
    path = Path(database).expanduser()
    path = path if path.is_absolute() else Path.cwd() / path
    return Target(parsed.set(database=str(path), query={}), path, str(path))


def _probe_sqlite(target: Target, timeout_s: float) -> None:
    """Check the SQLite file before anything writes to it: a chansim store, an empty file, or a refusal."""
    try:
        _probe_file(target, timeout_s)
    except OSError as error:
        raise StoreError(
            f"cannot use the store {target.shown} ({error.strerror or error}); check the file, "
            "its folder and their permissions"
        ) from None


def _probe_file(target: Target, timeout_s: float) -> None:
    path = target.path
    assert path is not None
    folder = path.parent
    if not folder.exists():
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise StoreError(
                f"cannot create the folder {folder} of the store ({error.strerror}); "
                "give a file in a folder you may write to"
            ) from None
    if not folder.is_dir():
        raise StoreError(f"the store {path} cannot be made: {folder} is not a folder")
    if not os.access(folder, os.X_OK):
        raise StoreError(
            f"the folder {folder} of the store {path} cannot be opened (no permission); "
            "check its owner and permissions or give another file"
        )
    if not os.access(folder, os.R_OK | os.W_OK):
        raise StoreError(
            f"the folder {folder} of the store {path} is not writable (SQLite writes its journal "
            "files next to the database); give a file in a folder you may write to"
        )
    if path.exists() and not path.is_file():
        raise StoreError(f"the store {path} is not a file (a folder or a device); give an SQLite file")
    if not path.exists():
        return
    try:
        with path.open("rb") as handle:
            head = handle.read(100)
    except OSError as error:
        raise StoreError(
            f"cannot read the store {path} ({error.strerror}); check its owner and permissions or give another file"
        ) from None
    if not os.access(path, os.W_OK):
        raise StoreError(
            f"the store {path} is read-only; chansim must write every decision to it: "
            "make it writable or give another file"
        )
    if not head:
        return  # an empty file: a new store
    if len(head) < 100 or not head.startswith(_SQLITE_HEADER):
        raise StoreError(
            f"the file {path} is not an SQLite database (it does not start as one); chansim left it "
            "as it is: give another file for the store, or move this one away"
        )
    try:
        probe = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True, timeout=timeout_s)
    except sqlite3.Error as error:
        raise _sqlite_error(error, target, timeout_s) from None
    try:
        application_id = probe.execute("PRAGMA application_id").fetchone()[0]
        tables = sorted(
            row[0]
            for row in probe.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
        )
        check = [row[0] for row in probe.execute("PRAGMA quick_check(5)")]
    except sqlite3.Error as error:
        raise _sqlite_error(error, target, timeout_s) from None
    finally:
        probe.close()
    if check != ["ok"]:
        raise StoreError(
            f"the store {path} is damaged (SQLite's check: {'; '.join(check)[:300]}); chansim left it "
            "as it is: restore it from a backup or give another file"
        )
    if application_id == APPLICATION_ID or (application_id == 0 and not tables):
        return
    found = ", ".join(tables[:6]) or "no tables"
    raise StoreError(
        f"the file {path} is an SQLite database of another program (application id {application_id}, "
        f"{found}), not a chansim store; chansim left it as it is: give another file"
    )


def _sqlite_error(error: BaseException, target: Target, timeout_s: float) -> StoreError:
    message = str(error).lower()
    where = target.shown
    if "locked" in message or "busy" in message:
        return StoreError(
            f"the store {where} is locked by another program for more than {timeout_s:g} s; "
            "close the program that holds it (or wait) and try again"
        )
    if "readonly" in message or "read-only" in message:
        return StoreError(
            f"the store {where} is read-only; chansim must write every decision to it: "
            "make it and its folder writable or give another file"
        )
    if "not a database" in message or "malformed" in message or "corrupt" in message:
        return StoreError(
            f"the store {where} is damaged or not a database ({error}); chansim left it as it is: "
            "restore it from a backup or give another file"
        )
    if "disk is full" in message or "database or disk is full" in message:
        return StoreError(f"the disk of the store {where} is full; nothing more can be saved: free space and "
                          "try again")  # fmt: skip
    if "unable to open" in message or "disk i/o" in message or "permission" in message:
        return StoreError(f"cannot open the store {where} ({error}); check the file, its folder and permissions")
    if "no such table" in message or "no such column" in message:
        return StoreError(
            f"the store {where} lacks part of its tables ({error}); it was changed by another "
            "program: restore it from a backup or give another file"
        )
    return StoreError(f"the store {where} failed: {error}")


def translate(error: BaseException, target: Target, timeout_s: float) -> StoreError:
    """A database error as a :class:`StoreError` that says what is wrong with ``target`` and what to do."""
    original = getattr(error, "orig", None) or error
    if target.sqlite:
        return _sqlite_error(original, target, timeout_s)
    message = str(original).strip().splitlines()[0] if str(original).strip() else type(original).__name__
    if isinstance(error, exc.OperationalError | exc.InterfaceError):
        return StoreError(
            f"cannot reach the store {target.shown} ({message}); check that the database server "
            "runs, the URL, the user and the password"
        )
    return StoreError(f"the store {target.shown} failed: {message}")


def _on_sqlite_connect(timeout_s: float) -> Any:
    def connect(dbapi_connection: sqlite3.Connection, _record: object) -> None:
        # the driver's own transaction handling is off: SQLAlchemy's "begin" event below says BEGIN
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {int(timeout_s * 1000)}")
        cursor.execute("PRAGMA foreign_keys = ON")
        # FULL: with WAL, every commit is fsync'ed, so a save is on disk when it returns (an
        # OS crash or a power cut loses nothing acknowledged; NORMAL would only survive a killed process)
        cursor.execute("PRAGMA synchronous = FULL")
        cursor.close()

    return connect


def _on_sqlite_begin(connection: Connection) -> None:
    # writers take the write lock at BEGIN (IMMEDIATE): a deferred transaction that later writes
    # can fail with SQLITE_BUSY at once, without waiting for the busy timeout
    write = connection.get_execution_options().get("chansim_write", False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def make_engine(target: Target, timeout_s: float) -> Engine:
    """The engine of ``target``: for SQLite after :func:`_probe_sqlite`, in WAL mode with foreign keys and FULL sync."""
    if target.sqlite:
        _probe_sqlite(target, timeout_s)
        engine = create_engine(target.url, connect_args={"timeout": timeout_s, "check_same_thread": False})
        event.listen(engine, "connect", _on_sqlite_connect(timeout_s))
        event.listen(engine, "begin", _on_sqlite_begin)
        try:
            # outside any transaction (SQLite cannot change its journal inside one); kept in the file
            raw = engine.raw_connection()
            try:
                cursor = raw.cursor()
                mode = cursor.execute("PRAGMA journal_mode = WAL").fetchone()[0]
                cursor.close()
            finally:
                raw.close()
        except (exc.DBAPIError, sqlite3.Error) as error:
            engine.dispose()
            raise translate(error, target, timeout_s) from None
        if str(mode).lower() != "wal":
            engine.dispose()
            raise StoreError(
                f"the store {target.shown} cannot use SQLite's WAL journal (it stays {mode!r}); put it on a local disk"
            )
        return engine
    try:
        engine = create_engine(target.url, pool_pre_ping=True, connect_args={"connect_timeout": max(1, int(timeout_s))})
    except ModuleNotFoundError as error:
        raise StoreError(
            f"the store {target.shown} needs the database driver {error.name!r}, which is not installed; "
            "install chansim with its PostgreSQL extra: pip install 'chansim[postgres]'"
        ) from None
    except (exc.NoSuchModuleError, exc.ArgumentError) as error:
        raise StoreError(f"the store {target.shown} cannot be used ({error}); give {_ALLOWED}") from None
    return engine


@contextmanager
def _write(engine: Engine) -> Iterator[Connection]:
    with engine.connect().execution_options(chansim_write=True) as connection, connection.begin():
        yield connection


def _current_revision(connection: Connection) -> str | None:
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(connection).get_current_revision()


@functools.cache
def script_revisions() -> tuple[str, frozenset[str]]:
    """The head revision and every revision of the shipped migrations (read once per process).

    The scripts are part of the installed package and do not change while it runs; an
    already migrated store is then opened without reading the script folder again.
    """
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(migrations_folder()))
    script = ScriptDirectory.from_config(config)
    head = script.get_current_head()
    assert head is not None, "the shipped migrations have a head"
    return head, frozenset(revision.revision for revision in script.walk_revisions())


def migrate(engine: Engine, target: Target, timeout_s: float) -> None:
    """Bring the store's schema to the head revision; safe when many processes open one store at once.

    A store already at head is only read. Otherwise the migration runs in one transaction
    that holds the write lock (SQLite: BEGIN IMMEDIATE; PostgreSQL: an advisory lock), and
    the revision is read again under it, so concurrent openers migrate once, one after another.
    A schema newer than this chansim is refused.
    """
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(migrations_folder()))
    head, known = script_revisions()

    def check(current: str | None) -> bool:
        if current is not None and current not in known:
            raise StoreError(
                f"the store {target.shown} has the schema revision {current!r}, newer than this "
                f"chansim knows (up to {head!r}), or of another program; upgrade chansim, or give another store"
            )
        return current == head

    try:
        with engine.connect() as connection:
            if check(_current_revision(connection)):
                return
        with _write(engine) as connection:
            if not target.sqlite:
                connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK})
            if check(_current_revision(connection)):
                return
            from alembic import command

            config.attributes["connection"] = connection
            command.upgrade(config, "head")
            if target.sqlite:
                connection.exec_driver_sql(f"PRAGMA application_id = {APPLICATION_ID}")
    except StoreError:
        raise
    except exc.SQLAlchemyError as error:
        raise translate(error, target, timeout_s) from None
