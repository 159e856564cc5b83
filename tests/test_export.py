"""``--out``: every table of every replication, and a re-used folder that holds only this run's tables."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
from click.testing import CliRunner
from pandas.testing import assert_frame_equal

import chansim
from chansim.cli import cli
from chansim.io import bundled_scenarios

OPERATIONS = str(bundled_scenarios()["stage-4-operations"])


def run(*args: str | Path) -> None:
    result = CliRunner().invoke(cli, ["run", "-q", "--format", "csv", *map(str, args)])
    assert result.exit_code == 0, result.output


def files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_replications_write_the_business_tables_too(tmp_path: Path) -> None:
    run(OPERATIONS, "--days", "40", "--out", tmp_path / "one")
    run(OPERATIONS, "--days", "40", "-r", "2", "--out", tmp_path / "two")
    one, two = files(tmp_path / "one"), files(tmp_path / "two")
    assert one == two
    assert {"audit.csv", "approvals.csv", "invoices.csv"} <= set(one)  # business tables, not only the core four
    for name in one:
        if name in ("metadata.json", "kpis.csv"):
            continue
        single = pd.read_csv(tmp_path / "one" / name)
        both = pd.read_csv(tmp_path / "two" / name)
        assert set(both["replication"]) <= {0, 1}, name
        first = both[both["replication"] == 0].reset_index(drop=True)
        assert_frame_equal(first, single, check_dtype=False, obj=name)  # replication 0 is the single run
    meta = json.loads((tmp_path / "two" / "metadata.json").read_text(encoding="utf-8"))
    assert meta["replications"] == 2 and meta["files"] == [n for n in two if n != "metadata.json"]


def test_a_reused_folder_holds_only_this_runs_tables(tmp_path: Path) -> None:
    out = tmp_path / "out"
    run(OPERATIONS, "--days", "30", "--out", out)
    assert len(files(out)) > 6
    (out / "notes.txt").write_text("mine\n", encoding="utf-8")
    (out / "summary.csv").write_text("mine,too\n", encoding="utf-8")  # a table-like file chansim did not write
    run("single-stage", "--days", "10", "--out", out)
    assert files(out) == ["events.csv", "kpis.csv", "levels.csv", "metadata.json", "money.csv", "notes.txt",
                          "orders.csv", "summary.csv"]  # fmt: skip
    assert (out / "notes.txt").read_text(encoding="utf-8") == "mine\n"
    assert (out / "summary.csv").read_text(encoding="utf-8") == "mine,too\n"
    meta = json.loads((out / "metadata.json").read_text(encoding="utf-8"))
    assert meta["scenario"] == "single-stage" and meta["chansim_version"] == chansim.__version__
    # another format replaces the CSV tables rather than adding to them
    run("single-stage", "--days", "10", "--out", out, "--export-format", "parquet")
    assert files(out) == ["events.parquet", "kpis.parquet", "levels.parquet", "metadata.json", "money.parquet",
                          "notes.txt", "orders.parquet", "summary.csv"]  # fmt: skip


def test_only_table_files_listed_by_chansim_are_removed(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    outside = tmp_path / "outside.csv"
    outside.write_text("keep\n", encoding="utf-8")
    (out / "keep.txt").write_text("keep\n", encoding="utf-8")
    listed = ["../outside.csv", "keep.txt", "/etc/hostname", "sub/dir.csv"]
    (out / "metadata.json").write_text(json.dumps({"chansim_version": "0", "files": listed}), encoding="utf-8")
    run("single-stage", "--days", "5", "--out", out)
    assert outside.read_text(encoding="utf-8") == "keep\n" and (out / "keep.txt").exists()
    # a metadata.json that chansim did not write names nothing to remove
    (out / "events.csv").rename(out / "old.csv")
    (out / "metadata.json").write_text(json.dumps({"files": ["old.csv"]}), encoding="utf-8")
    run("single-stage", "--days", "5", "--out", out)
    assert (out / "old.csv").exists()


def test_out_naming_a_file_is_a_bad_input(tmp_path: Path) -> None:
    target = tmp_path / "file.txt"
    target.write_text("x\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["run", "single-stage", "--days", "3", "--out", str(target)])
    assert result.exit_code == 2 and "--out" in result.output
    assert target.read_text(encoding="utf-8") == "x\n"
