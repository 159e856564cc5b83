"""Fixtures of the store tests: a store URL on SQLite (a temporary file) and on PostgreSQL.

PostgreSQL runs as a throwaway cluster in a temporary folder when the server binaries are
installed (Debian: ``apt-get install postgresql``, which brings /usr/lib/postgresql/*/bin/initdb),
started as the user ``postgres`` (or ``nobody``) when the tests run as root, since the server
refuses to run as root. It listens on a Unix socket only, with trust authentication.
"""

from __future__ import annotations

import glob
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
_counter = itertools.count()


def initdb_binary() -> str | None:
    """The newest installed PostgreSQL initdb, or None."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    return found[-1] if found else None


def _server_user() -> str | None:
    """The user to run the server as: None (ourselves) unless root, then ``postgres`` or ``nobody``."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            continue
    return ""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    """A running throwaway PostgreSQL cluster; :meth:`new_database` gives each test a database of its own."""

    def __init__(self, socket_dir: Path, port: int) -> None:
        self.socket_dir = socket_dir
        self.port = port

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://chansim@/{database}?host={self.socket_dir}&port={self.port}"

    def new_database(self) -> str:
        import psycopg

        name = f"chansim_test_{os.getpid()}_{next(_counter)}"
        with psycopg.connect(
            host=str(self.socket_dir), port=self.port, user="chansim", dbname="postgres", autocommit=True
        ) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[Cluster]:
    def skip(reason: str) -> None:
        # .ci/run installs PostgreSQL: in CI a missing server is a broken set-up, not a skip
        if os.environ.get("CI"):
            pytest.fail(f"{reason}; .ci/run must install it")
        pytest.skip(reason)

    initdb = initdb_binary()
    if initdb is None:
        skip(
            "the PostgreSQL tests need the server binaries (/usr/lib/postgresql/*/bin/initdb; Debian: "
            "apt-get install postgresql), which are not installed"
        )
    user = _server_user()
    if user == "":
        skip("running as root without a 'postgres' or 'nobody' user: PostgreSQL refuses to run as root")
    prefix = [] if user is None else ["runuser", "-u", user, "--"]
    if user is not None and shutil.which("runuser") is None:
        skip("running as root without runuser (util-linux): cannot start PostgreSQL as a non-root user")
    bin_dir = Path(initdb).parent
    base = Path(tempfile.mkdtemp(prefix="chansim-pg-"))
    os.chmod(base, 0o755)
    data, sockets = base / "data", base / "run"
    sockets.mkdir()
    if user is not None:
        entry = pwd.getpwnam(user)
        for path in (base, sockets):
            os.chown(path, entry.pw_uid, entry.pw_gid)
    port = _free_port()
    environment = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"}
    run = dict(check=True, capture_output=True, text=True, env=environment, cwd=base, timeout=120)
    try:
        subprocess.run(
            [*prefix, initdb, "-D", str(data), "-U", "chansim", "-A", "trust", "-E", "UTF8", "--no-sync"], **run
        )
        subprocess.run(
            [
                *prefix,
                str(bin_dir / "pg_ctl"),
                "-D",
                str(data),
                "-l",
                str(base / "server.log"),
                "-w",
                "-o",
                f"-k {sockets} -p {port} -c listen_addresses='' -c fsync=off",
                "start",
            ],
            **run,
        )
    except subprocess.CalledProcessError as error:
        log = (base / "server.log").read_text() if (base / "server.log").exists() else ""
        shutil.rmtree(base, ignore_errors=True)
        raise RuntimeError(f"PostgreSQL did not start: {error.stderr}\n{log}") from None
    try:
        yield Cluster(sockets, port)
    finally:
        subprocess.run(
            [*prefix, str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
            capture_output=True,
            env=environment,
            cwd=base,
            timeout=60,
        )
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh store's URL: an SQLite file, and a new database of the throwaway PostgreSQL cluster."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.db'}"
    return request.getfixturevalue("postgres_cluster").new_database()


def child_environment() -> dict[str, str]:
    """The environment of a child Python: this checkout first on its path."""
    environment = dict(os.environ)
    environment["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), environment.get("PYTHONPATH", "")) if p)
    return environment


PYTHON = sys.executable
