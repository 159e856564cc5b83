"""Bad input through the command line: exit code 2, a message naming the field, no traceback.

Each broken scenario is run through ``chansim run`` (one process per file) and
``chansim validate`` (all files in one call, each reported) in subprocesses
(``python -m chansim.cli``), the way a user meets them.
"""

from __future__ import annotations

import copy
import os
import subprocess
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import yaml

CLI = [sys.executable, "-m", "chansim.cli"]

BASE: dict[str, Any] = {
    "name": "bad-input-base",
    "horizon_days": 10,
    "skus": [{"name": "widget", "unit_cost": 6, "list_price": 10}],
    "nodes": [
        {
            "name": "vendor",
            "kind": "vendor",
            "lanes": [{"supplier": None, "lead_time_days": 2}],
            "policy": {"type": "base_stock", "order_up_to": 40},
        },
        {
            "name": "dist_a",
            "kind": "distributor",
            "lanes": [{"supplier": "vendor", "lead_time_days": 2}],
            "policy": {"type": "base_stock", "order_up_to": 20},
        },
        {
            "name": "dist_b",
            "kind": "distributor",
            "lanes": [{"supplier": "dist_a", "lead_time_days": 1}],
            "policy": {"type": "base_stock", "order_up_to": 15},
        },
        {
            "name": "dealer",
            "kind": "dealer",
            "lanes": [{"supplier": "dist_b", "lead_time_days": 1}],
            "policy": {"type": "base_stock", "order_up_to": 10},
            "initial": {"on_hand": 10},
        },
    ],
    "markets": [
        {
            "name": "town",
            "served_by": "dealer",
            "demand": [{"sku": "widget", "distribution": {"type": "poisson", "mean": 3}}],
        }
    ],
}


def variant(change: Callable[[dict[str, Any]], None]) -> str:
    doc = copy.deepcopy(BASE)
    change(doc)
    return yaml.safe_dump(doc, sort_keys=False)


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    """A change that sets ``a.b[0].c`` (dotted, with indexes) to ``value``."""

    def change(doc: dict[str, Any]) -> None:
        *parents, last = _steps(path)
        target: Any = doc
        for step in parents:
            target = target[step]
        target[last] = value

    return change


def _delete(path: str) -> Callable[[dict[str, Any]], None]:
    def change(doc: dict[str, Any]) -> None:
        *parents, last = _steps(path)
        target: Any = doc
        for step in parents:
            target = target[step]
        del target[last]

    return change


def _rename(path: str, new_key: str) -> Callable[[dict[str, Any]], None]:
    def change(doc: dict[str, Any]) -> None:
        *parents, last = _steps(path)
        target: Any = doc
        for step in parents:
            target = target[step]
        target[new_key] = target.pop(last)

    return change


def _steps(path: str) -> list[str | int]:
    steps: list[str | int] = []
    for part in path.replace("]", "").split("."):
        name, *indexes = part.split("[")
        steps.append(name)
        steps.extend(int(i) for i in indexes)
    return steps


def _cycle(doc: dict[str, Any]) -> None:
    doc["nodes"][1]["lanes"][0]["supplier"] = "dist_b"  # dist_a <- dist_b <- dist_a


# (id, file text or None for "no file" / "dir" for a directory, fragments stderr must contain)
CASES: list[tuple[str, str | None, list[str]]] = [
    ("wrong-type", variant(_set("nodes[1].lanes[0].lead_time_days", "two")), ["nodes[1].lanes[0].lead_time_days"]),
    ("negative-lead-time", variant(_set("nodes[1].lanes[0].lead_time_days", -2)), ["nodes[1].lanes[0].lead_time_days"]),
    ("float-lead-time", variant(_set("nodes[2].lanes[0].lead_time_days", 1.5)), ["nodes[2].lanes[0].lead_time_days"]),
    (
        "unknown-supplier",
        variant(_set("nodes[1].lanes[0].supplier", "vendr")),
        ["nodes[1].lanes[0].supplier", "vendr", "did you mean 'vendor'"],
    ),
    ("cycle", variant(_cycle), ["cycle", "dist_a", "dist_b"]),
    ("unknown-top-level-key", variant(_set("horizon_dayz", 5)), ["horizon_dayz", "did you mean 'horizon_days'"]),
    (
        "unknown-nested-key",
        variant(_rename("nodes[1].lanes[0].lead_time_days", "lead_time_day")),
        ["nodes[1].lanes[0].lead_time_day", "did you mean 'lead_time_days'"],
    ),
    ("unknown-nested-key-far", variant(_set("nodes[3].initial.zzz_unknown", 1)), ["nodes[3].initial.zzz_unknown"]),
    ("empty-file", "", ["empty"]),
    ("whitespace-only", "  \n\n   \n", ["empty"]),
    ("not-yaml", "nodes: [\n  - {name: a\n", ["YAML", "line"]),
    ("yaml-list", "- name: a\n- name: b\n", ["mapping"]),
    ("yaml-scalar", "just a string\n", ["mapping"]),
    ("not-utf8", "name: caf\udce9\n", ["UTF-8"]),
    ("absurd-horizon", variant(_set("horizon_days", 10_000_000)), ["horizon_days"]),
    (
        "absurd-mean",
        variant(_set("markets[0].demand[0].distribution.mean", 1e20)),
        ["markets[0].demand[0].distribution.mean"],
    ),
    (
        "nan-mean",
        variant(_set("markets[0].demand[0].distribution.mean", float("nan"))),
        ["markets[0].demand[0].distribution.mean"],
    ),
    ("infinite-on-hand", variant(_set("nodes[3].initial.on_hand", float("inf"))), ["nodes[3].initial.on_hand"]),
    (
        "unknown-sku-in-market",
        variant(_set("markets[0].demand[0].sku", "gizmo")),
        ["markets[0].demand[0].sku", "gizmo"],
    ),
    (
        "unknown-distribution-type",
        variant(_set("markets[0].demand[0].distribution.type", "gamma")),
        ["markets[0].demand[0].distribution", "gamma"],
    ),
    (
        "missing-required-field",
        variant(_delete("nodes[0].lanes[0].lead_time_days")),
        ["nodes[0].lanes[0].lead_time_days", "missing"],
    ),
    ("missing-skus", variant(_delete("skus")), ["skus", "missing"]),
    ("duplicate-node-names", variant(_set("nodes[2].name", "dist_a")), ["nodes[2].name", "dist_a"]),
    ("node-without-policy", variant(_delete("nodes[3].policy")), ["nodes[3].policy"]),
    (
        "negative-binomial-variance-below-mean",
        variant(_set("markets[0].demand[0].distribution", {"type": "negative_binomial", "mean": 3, "variance": 2})),
        ["markets[0].demand[0].distribution", "variance"],
    ),
    (
        "negative-binomial-variance-equal-mean",
        variant(_set("markets[0].demand[0].distribution", {"type": "negative_binomial", "mean": 3, "variance": 3})),
        ["markets[0].demand[0].distribution", "variance"],
    ),
    ("missing-file", None, ["no such file"]),
    ("directory", "dir", ["directory"]),
]


def run_cli(*args: str | Path, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *map(str, args)], capture_output=True, text=True, timeout=timeout)


def assert_bad_input(done: subprocess.CompletedProcess[str] | tuple[int, str, str], fragments: list[str] = ()) -> None:  # type: ignore[assignment]
    code, stdout, stderr = done if isinstance(done, tuple) else (done.returncode, done.stdout, done.stderr)
    assert code == 2, (code, stdout, stderr)
    assert stderr.strip(), "no message on stderr"
    assert "Traceback" not in stderr + stdout
    for fragment in fragments:
        assert fragment in stderr, (fragment, stderr)


def _write(path: Path, text: str | None) -> Path:
    if text == "dir":
        path.mkdir()
    elif text is not None:
        path.write_bytes(text.encode("utf-8", errors="surrogateescape"))
    return path


def test_base_scenario_is_valid(tmp_path: Path) -> None:
    """The table's variants start from a scenario that runs."""
    path = _write(tmp_path / "base.yaml", variant(lambda doc: None))
    done = run_cli("run", path, "--days", "5", "--format", "csv")
    assert done.returncode == 0, done.stderr
    assert "network" in done.stdout


@pytest.fixture(scope="module")
def table_outcomes(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """Every broken file of the table through `chansim run` (one process each, two at a time)
    and all of them through one `chansim validate` call."""
    root = tmp_path_factory.mktemp("broken")
    paths = {case_id: _write(root / f"{case_id}.yaml", text) for case_id, text, _ in CASES}
    with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2)) as pool:
        runs = dict(zip(paths, pool.map(lambda path: run_cli("run", path), paths.values()), strict=True))
    validate = run_cli("validate", *paths.values())
    # validate prints one block per invalid file, each starting with "chansim: error: <path>:"
    blocks = {}
    for block in validate.stderr.split("chansim: error: ")[1:]:
        for case_id, path in paths.items():
            if block.startswith(f"{path}:"):
                blocks[case_id] = block
    return runs, validate, blocks


@pytest.mark.parametrize(("case_id", "fragments"), [(c[0], c[2]) for c in CASES], ids=[c[0] for c in CASES])
def test_broken_scenario_file(table_outcomes, case_id: str, fragments: list[str]) -> None:  # type: ignore[no-untyped-def]
    runs, validate, blocks = table_outcomes
    assert_bad_input(runs[case_id], [f"{case_id}.yaml", *fragments])  # the message names the file
    assert_bad_input(validate)
    assert case_id in blocks, validate.stderr
    for fragment in fragments:
        assert fragment in blocks[case_id], (fragment, blocks[case_id])
    assert validate.stdout == ""  # nothing in the table is reported ok


def test_validate_one_broken_file(tmp_path: Path) -> None:
    path = _write(tmp_path / "one.yaml", variant(_set("nodes[1].lanes[0].lead_time_days", -2)))
    assert_bad_input(run_cli("validate", path), ["one.yaml", "nodes[1].lanes[0].lead_time_days"])


@pytest.fixture
def good_file(tmp_path: Path) -> Path:
    path = tmp_path / "good.yaml"
    path.write_text(variant(lambda doc: None), encoding="utf-8")
    return path


BAD_FLAGS = [
    ("negative-seed", ["--seed", "-1"], "--seed"),
    ("seed-not-a-number", ["--seed", "abc"], "--seed"),
    ("zero-days", ["--days", "0"], "--days"),
    ("too-many-days", ["--days", "10000000"], "--days"),
    ("zero-replications", ["--replications", "0"], "--replications"),
    ("unknown-format", ["--format", "xml"], "--format"),
    ("unknown-export-format", ["--export-format", "xlsx", "--out", "OUT"], "--export-format"),
    ("warmup-equal-to-days", ["--days", "5", "--warmup", "5"], "warmup"),
    ("warmup-beyond-horizon", ["--warmup", "10"], "warmup"),  # the scenario's horizon is 10 days
    ("unknown-option", ["--sede", "1"], "--sede"),
]


@pytest.mark.parametrize(("flags", "named"), [c[1:] for c in BAD_FLAGS], ids=[c[0] for c in BAD_FLAGS])
def test_bad_run_flags(good_file: Path, tmp_path: Path, flags: list[str], named: str) -> None:
    flags = [str(tmp_path / "out") if f == "OUT" else f for f in flags]
    done = run_cli("run", good_file, *flags)
    assert_bad_input(done, [named])
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("order", ["bad-first", "good-first"])
def test_validate_reports_every_file(good_file: Path, tmp_path: Path, order: str) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(variant(_set("nodes[1].lanes[0].lead_time_days", "two")), encoding="utf-8")
    files = [bad, good_file] if order == "bad-first" else [good_file, bad]
    done = run_cli("validate", *files)
    assert_bad_input(done, ["bad.yaml", "nodes[1].lanes[0].lead_time_days"])
    assert f"{good_file}: ok" in done.stdout
    assert "bad.yaml" not in done.stdout


def test_validate_accepts_good_files(good_file: Path) -> None:
    done = run_cli("validate", good_file)
    assert done.returncode == 0, done.stderr
    assert f"{good_file}: ok" in done.stdout


def test_out_pointing_at_an_existing_file(good_file: Path, tmp_path: Path) -> None:
    target = tmp_path / "precious.txt"
    target.write_text("do not touch\n", encoding="utf-8")
    done = run_cli("run", good_file, "--days", "3", "--out", target)
    assert_bad_input(done, ["--out"])
    assert target.read_text(encoding="utf-8") == "do not touch\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["good.yaml", "precious.txt"]
