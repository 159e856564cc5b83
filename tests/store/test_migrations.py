"""The schema: a new store is at Alembic's head, and the migrations build exactly the models' tables."""

from __future__ import annotations

import sqlite3
import tomllib
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine

from chansim.store import Store, StoreError
from chansim.store.connect import APPLICATION_ID, migrations_folder
from chansim.store.models import Base

ROOT = Path(__file__).resolve().parents[2]


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(migrations_folder()))
    return config


def test_one_head_and_a_linear_history() -> None:
    script = ScriptDirectory.from_config(_config())
    assert len(script.get_heads()) == 1
    assert [r.revision for r in script.walk_revisions()][-1] == "0001"


def test_a_new_store_is_at_head_and_matches_the_models(store_url: str) -> None:
    Store.open(store_url).close()
    engine = create_engine(store_url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection)
            assert context.get_current_revision() == ScriptDirectory.from_config(_config()).get_current_head()
            assert compare_metadata(context, Base.metadata) == []
        with engine.begin() as connection:  # `alembic check` through the shipped env.py
            config = _config()
            config.attributes["connection"] = connection
            command.check(config)
    finally:
        engine.dispose()


def test_a_new_sqlite_store_is_marked_as_chansims(tmp_path: Path) -> None:
    Store.open(tmp_path / "store.db").close()
    with sqlite3.connect(tmp_path / "store.db") as connection:
        assert connection.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert connection.execute("SELECT version_num FROM alembic_version").fetchall() == [("0001",)]


def test_a_schema_newer_than_this_chansim_is_refused_and_left_alone(store_url: str, tmp_path: Path) -> None:
    Store.open(store_url).close()
    engine = create_engine(store_url)
    with engine.begin() as connection:
        connection.exec_driver_sql("UPDATE alembic_version SET version_num = '9999_from_the_future'")
    engine.dispose()
    before = (tmp_path / "store.db").read_bytes() if store_url.startswith("sqlite") else None
    with pytest.raises(StoreError, match="9999_from_the_future.*newer than this chansim"):
        Store.open(store_url)
    if before is not None:
        assert (tmp_path / "store.db").read_bytes() == before


def test_the_wheel_ships_every_migration_file() -> None:
    """The package-data globs of pyproject.toml cover every file of chansim/store/migrations."""
    globs = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]["chansim"]
    package = ROOT / "chansim"
    shipped = {p for pattern in globs for p in package.glob(pattern)}
    files = {p for p in (package / "store" / "migrations").rglob("*") if p.is_file() and "__pycache__" not in p.parts}
    assert files and files <= shipped, sorted(map(str, files - shipped))
