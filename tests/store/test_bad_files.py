"""Bad stores: every one is a StoreError that names the file or URL and says what to do, and no file is changed.

Permissions mean nothing to root, so when the tests run as root (CI) the permission cases run
in a child process as the user ``nobody``.
"""

from __future__ import annotations

import os
import pwd
import select
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from chansim.store import STORE_ENV, Store, StoreError, default_url

from .conftest import PYTHON
from .test_api import a_log


def _a_store(path: Path) -> None:
    with Store.open(path) as store:
        me = store.join("Ada")
        game = store.start_game(me, "beer-game", a_log(), rounds=5)
        store.save(game.id, me, a_log(decisions=1), revision=0, round=1, finished=False)


def _refused(url: object, *patterns: str, timeout_s: float = 5) -> str:
    with pytest.raises(StoreError) as caught:
        Store.open(url, timeout_s=timeout_s)  # type: ignore[arg-type]
    message = str(caught.value)
    for pattern in patterns:
        assert pattern in message, message
    assert "Traceback" not in message
    return message


@pytest.mark.parametrize(
    ("content", "what"),
    [
        (os.urandom(8192), "not an SQLite database"),
        ("Dear trainer,\nthese are my notes for the workshop.\n" * 40, "not an SQLite database"),
        (b"SQLite format 3\x00" + b"\x00" * 20, "not an SQLite database"),
    ],
    ids=["random-bytes", "a-text-file", "a-header-only"],
)
def test_a_file_that_is_not_a_database_is_refused_and_left_alone(
    tmp_path: Path, content: bytes | str, what: str
) -> None:
    path = tmp_path / "notes.db"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    before = path.read_bytes()
    _refused(path, str(path), what, "left it as it is")
    assert path.read_bytes() == before and sorted(tmp_path.iterdir()) == [path]


def test_a_truncated_store_is_refused_and_left_alone(tmp_path: Path) -> None:
    whole = tmp_path / "whole.db"
    _a_store(whole)
    with sqlite3.connect(whole) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    for size in (4096 + 100, 2 * 4096, len(whole.read_bytes()) - 4096):
        path = tmp_path / f"truncated-{size}.db"
        path.write_bytes(whole.read_bytes()[:size])
        before = path.read_bytes()
        _refused(path, str(path), "damaged")
        assert path.read_bytes() == before


def test_a_store_damaged_inside_is_refused_and_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "store.db"
    _a_store(path)
    with sqlite3.connect(path) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    data = bytearray(path.read_bytes())
    for offset in range(2 * 4096 + 8, len(data), 4096):  # scribble over every page but the first
        data[offset : offset + 64] = os.urandom(64)
    path.write_bytes(bytes(data))
    _refused(path, str(path), "damaged")
    assert path.read_bytes() == bytes(data)


def test_another_programs_sqlite_database_is_refused_and_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL)")
        connection.execute("INSERT INTO invoices VALUES (1, 9.5)")
    before = path.read_bytes()
    _refused(path, str(path), "another program", "invoices")
    assert path.read_bytes() == before


def test_an_empty_file_becomes_a_store(tmp_path: Path) -> None:
    path = tmp_path / "empty.db"
    path.touch()
    with Store.open(path) as store:
        assert store.count()["trainees"] == 0


def test_a_folder_in_place_of_the_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "store.db").mkdir()
    _refused(tmp_path / "store.db", "not a file")
    (tmp_path / "plain").write_text("x")
    _refused(tmp_path / "plain" / "store.db", "not a folder")


_HOLDER = r"""
import sqlite3, sys, time
connection = sqlite3.connect(sys.argv[1], isolation_level=None)
if sys.argv[2] == "exclusive":   # no reader or writer gets in (exclusive locking mode)
    connection.execute("PRAGMA locking_mode = EXCLUSIVE")
    connection.execute("BEGIN EXCLUSIVE")
    connection.execute("SELECT count(*) FROM games").fetchone()
else:                            # a writer holds the write lock; readers of the WAL still read
    connection.execute("BEGIN IMMEDIATE")
    connection.execute("UPDATE games SET round = round")
print("holding", flush=True)
time.sleep(float(sys.argv[3]))
"""


@pytest.fixture
def holder(tmp_path: Path) -> Iterator[object]:
    processes: list[subprocess.Popen[str]] = []

    def hold(path: Path, how: str, seconds: float = 60) -> None:
        process = subprocess.Popen(
            [PYTHON, "-c", _HOLDER, str(path), how, str(seconds)], stdout=subprocess.PIPE, text=True
        )
        processes.append(process)
        assert process.stdout is not None and process.stdout.readline().strip() == "holding"

    yield hold
    for process in processes:
        process.kill()
        process.wait(timeout=30)


def test_a_store_locked_by_another_program_is_refused_at_open_and_left_alone(tmp_path: Path, holder) -> None:
    path = tmp_path / "store.db"
    _a_store(path)
    holder(path, "exclusive")
    before = path.read_bytes()
    _refused(path, str(path), "locked by another program", "0.5 s", timeout_s=0.5)
    assert path.read_bytes() == before


def test_a_save_while_another_program_holds_the_write_lock_is_refused(tmp_path: Path, holder) -> None:
    path = tmp_path / "store.db"
    _a_store(path)
    with Store.open(path, timeout_s=0.5) as store:
        me = store.join("Bob")
        game = store.start_game(me, "beer-game", a_log(), rounds=5)
        holder(path, "write")
        with pytest.raises(StoreError, match="locked by another program"):
            store.save(game.id, me, a_log(decisions=1), revision=0, round=1, finished=False)
        assert store.game(game.id, me).revision == 0  # reading goes on (WAL)


def test_a_lock_shorter_than_the_timeout_is_waited_for(tmp_path: Path, holder) -> None:
    path = tmp_path / "store.db"
    _a_store(path)
    with Store.open(path, timeout_s=60) as store:
        me = store.join("Bob")
        game = store.start_game(me, "beer-game", a_log(), rounds=5)
        holder(path, "write", seconds=1)
        assert store.save(game.id, me, a_log(decisions=1), revision=0, round=1, finished=False).revision == 1


@pytest.mark.parametrize(
    "url",
    [
        "mysql://user@localhost/chansim",
        "sqlite://",
        "sqlite:///:memory:",
        "postgresql+nosuchdriver://u@h/db",
        "sqlite+pysqlcipher:///x.db",
        "not a url://at all",
        "",
        "   ",
    ],
)
def test_a_bad_url_is_refused(url: str) -> None:
    message = _refused(url)
    assert "sqlite" in message.lower() or "driver" in message.lower(), message


def test_the_url_hides_the_password() -> None:
    message = _refused("mysql://user:s3cret@localhost/chansim")
    assert "s3cret" not in message and "mysql" in message


def test_a_missing_postgresql_driver_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "psycopg", None)
    _refused("postgresql://user:pw@127.0.0.1/chansim", "driver", "chansim[postgres]")


def test_an_unreachable_postgresql_server_is_refused() -> None:
    message = _refused("postgresql://user:pw@127.0.0.1:1/chansim", "cannot reach", "127.0.0.1", timeout_s=3)
    assert "pw" not in message.replace("password", "")


def test_the_default_url_follows_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(STORE_ENV, raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert default_url() == f"sqlite:///{tmp_path / 'data' / 'chansim' / 'chansim.db'}"
    monkeypatch.delenv("XDG_DATA_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert default_url() == f"sqlite:///{tmp_path / 'home' / '.local' / 'share' / 'chansim' / 'chansim.db'}"
    with Store.open() as store:
        assert store.shown == str(tmp_path / "home" / ".local" / "share" / "chansim" / "chansim.db")
    monkeypatch.setenv(STORE_ENV, f"sqlite:///{tmp_path / 'elsewhere.db'}")
    assert default_url() == f"sqlite:///{tmp_path / 'elsewhere.db'}"
    with Store.open() as store:
        assert store.shown == str(tmp_path / "elsewhere.db")


# -- permissions ------------------------------------------------------------------------------


@pytest.fixture
def as_user() -> Iterator[tuple[Path, object]]:
    """A folder and a function that opens a store in it as a user without rights beyond its own.

    As root, a forked child drops to ``nobody`` (the Python of the tests may lie in a folder
    that ``nobody`` cannot read, so a fresh interpreter is no option); every module the
    store needs is imported before the fork.
    """
    base = Path(tempfile.mkdtemp(prefix="chansim-store-perm-"))
    os.chmod(base, 0o755)
    Store.open(base / "warm-up.db").close()  # imports the store's lazy imports (alembic) before the fork
    root = os.geteuid() == 0
    if root:
        user = pwd.getpwnam("nobody")
        uid, gid = user.pw_uid, user.pw_gid
    else:
        uid, gid = os.geteuid(), os.getegid()

    def open_as_user(path: Path) -> str:
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: drop to the user, open, write the outcome, leave at once
            try:
                os.close(read_end)
                if root:
                    os.setgroups([])
                    os.setgid(gid)
                    os.setuid(uid)
                try:
                    Store.open(path, timeout_s=2).close()
                    outcome = "opened"
                except StoreError as error:
                    outcome = f"StoreError: {error}"
                except BaseException as error:  # noqa: BLE001 - reported to the parent as a failure
                    outcome = f"Traceback: {error!r}"
                os.write(write_end, outcome.encode())
            finally:
                os._exit(0)
        os.close(write_end)
        chunks: list[bytes] = []
        deadline = time.monotonic() + 120
        with os.fdopen(read_end, "rb", buffering=0) as answer:
            while time.monotonic() < deadline:
                ready, _, _ = select.select([answer], [], [], 1.0)
                if ready:
                    chunk = answer.read(65536)
                    if not chunk:
                        break
                    chunks.append(chunk)
            else:
                os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        outcome = b"".join(chunks).decode()
        assert outcome, "the child that opened the store as another user gave no answer within 120 s"
        assert "Traceback" not in outcome, outcome
        return outcome

    open_as_user.uid, open_as_user.gid = uid, gid  # type: ignore[attr-defined]
    try:
        yield base, open_as_user
    finally:
        for folder, _dirs, _files in os.walk(base):
            os.chmod(folder, 0o755)
        shutil.rmtree(base, ignore_errors=True)


def _owned(path: Path, uid: int, gid: int, mode: int) -> None:
    if os.geteuid() == 0:
        os.chown(path, uid, gid)
    os.chmod(path, mode)


def test_permission_problems_are_refused_and_leave_the_file_alone(as_user) -> None:
    base, open_as_user = as_user
    uid, gid = open_as_user.uid, open_as_user.gid
    # the user's own folder: a store there opens
    # (a store made beforehand: creating the schema reads the package's migration scripts, which
    # the unprivileged user may not reach when the checkout lies in a private folder)
    mine = base / "mine"
    mine.mkdir()
    _a_store(mine / "store.db")
    for extra in mine.glob("store.db*"):
        _owned(extra, uid, gid, 0o644)
    _owned(mine, uid, gid, 0o755)
    assert open_as_user(mine / "store.db") == "opened"

    cases = {
        "read-only": ("is read-only", 0o444, 0o755),
        "unreadable": ("cannot read the store", 0o000, 0o755),
        "folder-read-only": ("is not writable", 0o644, 0o555),
        "folder-closed": ("cannot be opened", 0o644, 0o000),
    }
    for name, (message, file_mode, folder_mode) in cases.items():
        folder = base / name
        folder.mkdir()
        _a_store(folder / "store.db")
        with sqlite3.connect(folder / "store.db") as connection:
            connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        for extra in folder.glob("store.db-*"):
            extra.unlink()
        _owned(folder / "store.db", uid, gid, file_mode)
        _owned(folder, uid, gid, folder_mode)
        before = (folder / "store.db").read_bytes()
        answer = open_as_user(folder / "store.db")
        assert answer.startswith("StoreError:") and message in answer and str(folder / "store.db") in answer, answer
        assert (folder / "store.db").read_bytes() == before
    # a folder that cannot be created
    closed = base / "closed"
    closed.mkdir()
    _owned(closed, 0 if os.geteuid() == 0 else uid, gid, 0o555)
    answer = open_as_user(closed / "deeper" / "store.db")
    assert answer.startswith("StoreError:") and "cannot create the folder" in answer, answer
