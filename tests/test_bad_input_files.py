"""Bad scenario files found by fuzzing the command line: each exits 2 with a message that names the
file and what is allowed, never a traceback, an "internal error", a hang or a memory blow-up."""

from __future__ import annotations

import copy
import errno
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

import chansim.io
from chansim.cli import cli
from chansim.io import MAX_FILE_BYTES, MAX_NESTING_DEPTH, load_scenario

BASE: dict[str, Any] = {
    "name": "fuzz-base",
    "horizon_days": 10,
    "skus": [{"name": "widget", "unit_cost": 6, "list_price": 10}],
    "nodes": [
        {"name": "vendor", "kind": "vendor", "lanes": [{"supplier": None, "lead_time_days": 2}],
         "policy": {"type": "base_stock", "order_up_to": 40}},
        {"name": "dealer", "kind": "dealer", "lanes": [{"supplier": "vendor", "lead_time_days": 1}],
         "policy": {"type": "base_stock", "order_up_to": 10}},
    ],
    "markets": [{"name": "town", "served_by": "dealer",
                 "demand": [{"sku": "widget", "distribution": {"type": "poisson", "mean": 3}}]}],
}  # fmt: skip
GOOD = yaml.safe_dump(BASE, sort_keys=False)


def invoke(*args: str | Path) -> tuple[int, str]:
    result = CliRunner().invoke(cli, [str(a) for a in args])
    return result.exit_code, result.output


def assert_refused(code_output: tuple[int, str], *fragments: str) -> None:
    code, output = code_output
    assert code == 2, output
    assert "Traceback" not in output and "internal error" not in output
    for fragment in fragments:
        assert fragment in output, (fragment, output)


def cli_process(*args: str | Path, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """The real entry point in its own process (a hang fails by the timeout, not by blocking the suite)."""
    return subprocess.run(
        [sys.executable, "-m", "chansim.cli", *map(str, args)], capture_output=True, text=True, timeout=timeout
    )


def test_the_base_file_is_valid(tmp_path: Path) -> None:
    path = tmp_path / "good.yaml"
    path.write_text(GOOD, encoding="utf-8")
    assert invoke("validate", path)[0] == 0


# --------------------------------------------------------------------------- not a regular file


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom"])
def test_a_device_is_refused_without_reading_it(device: str) -> None:
    if not os.path.exists(device):
        pytest.fail(f"{device} is missing on this system")
    for command in ("run", "validate"):
        done = cli_process(command, device)
        assert done.returncode == 2, done.stderr
        assert f"{device}: invalid scenario" in done.stderr and "not a regular file" in done.stderr


def test_a_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "scenario.yaml"
    os.mkfifo(fifo)
    done = cli_process("validate", fifo, timeout=60)  # before the fix, open() waited for a writer forever
    assert done.returncode == 2 and "not a regular file" in done.stderr, done.stderr


def test_a_file_over_the_size_limit_is_refused_before_parsing(tmp_path: Path) -> None:
    path = tmp_path / "flow.yaml"
    items = ", ".join(["7"] * (MAX_FILE_BYTES // 3 + 10))
    path.write_text(f"name: big\nvalues: [{items}]\n", encoding="utf-8")
    assert path.stat().st_size > MAX_FILE_BYTES
    assert_refused(invoke("run", path), "flow.yaml", f"the limit is {MAX_FILE_BYTES:,} bytes")


def test_a_very_long_file_name_is_a_bad_input(tmp_path: Path) -> None:
    path = tmp_path / ("a" * 300 + ".yaml")
    assert_refused(invoke("run", path), "file name is too long")
    assert_refused(invoke("validate", path), "file name is too long")


def test_a_file_in_an_unreadable_folder_is_a_bad_input(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "locked"
    folder.mkdir()
    path = folder / "scenario.yaml"
    path.write_text(GOOD, encoding="utf-8")
    folder.chmod(0)
    try:
        if os.access(path, os.R_OK):  # root reads anything: have the system answer as it does for a user
            real_stat = os.stat

            def stat(target: Any, *args: Any, **kwargs: Any) -> os.stat_result:
                if str(target).startswith(str(folder)):
                    raise PermissionError(errno.EACCES, "Permission denied", str(target))
                return real_stat(target, *args, **kwargs)

            monkeypatch.setattr(chansim.io.os, "stat", stat)
        assert_refused(invoke("run", path), "scenario.yaml", "permission denied")
        assert_refused(invoke("validate", path), "permission denied")
    finally:
        folder.chmod(0o755)


# --------------------------------------------------------------------------- YAML that is not plain


def _write(tmp_path: Path, text: str, name: str = "s.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("depth", [1_000, 200_000])
def test_deep_nesting_is_refused_with_the_limit(tmp_path: Path, depth: int) -> None:
    path = _write(tmp_path, GOOD + "extra: " + "[" * depth + "]" * depth + "\n")
    done = cli_process("run", path)  # 200,000 levels crash the C composer: refused before it runs
    assert done.returncode == 2, done.stderr
    assert f"nested more than {MAX_NESTING_DEPTH} levels" in done.stderr
    assert "internal error" not in done.stderr


def test_a_duplicate_key_is_refused_with_both_lines(tmp_path: Path) -> None:
    path = _write(tmp_path, "name: first\n" + GOOD)
    assert_refused(invoke("validate", path), "duplicate key 'name'", "first at line 1", "line 2")


def test_a_duplicate_key_deep_inside_is_refused(tmp_path: Path) -> None:
    text = GOOD.replace("order_up_to: 10", "order_up_to: 10\n    order_up_to: 12")
    assert text != GOOD
    assert_refused(invoke("validate", _write(tmp_path, text)), "duplicate key 'order_up_to'")


def test_merge_keys_may_be_overridden(tmp_path: Path) -> None:
    doc = copy.deepcopy(BASE)
    text = "x-lane: &lane {supplier: vendor, lead_time_days: 1}\n" + yaml.safe_dump(doc, sort_keys=False)
    text = text.replace("  - supplier: vendor\n    lead_time_days: 1\n", "  - {<<: *lane, lead_time_days: 3}\n")
    data = chansim.io.read_yaml(text)
    assert data["nodes"][1]["lanes"] == [{"supplier": "vendor", "lead_time_days": 3}]


@pytest.mark.parametrize(
    "value", ["!!binary aGVsbG8=", "!!set {a: null}", "!!omap [{a: 1}]", "!!python/name:os.system", "!thing 3"]
)
def test_non_plain_tags_are_refused(tmp_path: Path, value: str) -> None:
    path = _write(tmp_path, GOOD.replace("name: fuzz-base", f"name: {value}"))
    tag = value.split()[0].split(":")[0] if value.startswith("!!python") else value.split()[0]
    assert_refused(invoke("validate", path), "is not allowed", tag.rstrip(":"))


def test_an_alias_bomb_is_refused(tmp_path: Path) -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 9)]
    path = _write(tmp_path, GOOD + "\n".join(lines) + "\n")
    assert_refused(invoke("validate", path), "aliases", "at most 5,000,000")


def test_plain_anchors_and_dates_still_load(tmp_path: Path) -> None:
    text = GOOD + "start_date: 2026-03-02\n"
    text = text.replace("order_up_to: 10", "order_up_to: &level 10").replace("mean: 3", "mean: *level")
    scenario = load_scenario(_write(tmp_path, text))
    assert str(scenario.start_date) == "2026-03-02"
    assert scenario.markets[0].demand[0].distribution.mean == 10


# --------------------------------------------------------------------------- paths of errors


def test_a_field_named_like_a_union_tag_keeps_its_path(tmp_path: Path) -> None:
    doc = copy.deepcopy(BASE)
    doc["nodes"][1]["policy"] = {"type": "sterman", "beta": 2}
    done = invoke("validate", _write(tmp_path, yaml.safe_dump(doc, sort_keys=False)))
    assert_refused(done, "nodes[1].policy.beta")
    assert "policy.sterman" not in done[1]


def test_union_tags_stay_out_of_paths(tmp_path: Path) -> None:
    doc = copy.deepcopy(BASE)
    doc["markets"][0]["demand"][0]["distribution"] = {"type": "poisson", "mean": -1}
    done = invoke("validate", _write(tmp_path, yaml.safe_dump(doc, sort_keys=False)))
    assert_refused(done, "markets[0].demand[0].distribution.mean")
    assert "poisson" not in done[1].split("distribution.mean")[0].split("\n")[-1]


# --------------------------------------------------------------------------- long chains


def _chain(length: int, *, cycle: bool = False) -> dict[str, Any]:
    # names sort from the dealer up, so a search from the first name walks the whole chain
    names = [f"n{length - i:05d}" for i in range(length)]
    nodes = []
    for i, name in enumerate(names):
        kind = "vendor" if i == 0 else "dealer" if i == length - 1 else "distributor"
        supplier = None if i == 0 else names[i - 1]
        nodes.append({"name": name, "kind": kind, "lanes": [{"supplier": supplier, "lead_time_days": 1}],
                      "policy": {"type": "base_stock", "order_up_to": 5}})  # fmt: skip
    if cycle:
        nodes[1]["lanes"][0]["supplier"] = names[-1]  # the top distributor buys from the dealer
    return {
        "name": "chain", "horizon_days": 5, "skus": [{"name": "w", "unit_cost": 1, "list_price": 2}], "nodes": nodes,
        "markets": [{"name": "m", "served_by": names[-1],
                     "demand": [{"sku": "w", "distribution": {"type": "poisson", "mean": 1}}]}],
    }  # fmt: skip


def test_a_chain_of_1100_nodes_validates_and_runs(tmp_path: Path) -> None:
    path = _write(tmp_path, yaml.safe_dump(_chain(1100)))
    code, output = invoke("validate", path)
    assert code == 0, output
    code, output = invoke("run", path, "--days", "2", "--format", "csv")
    assert code == 0, output
    assert output.count("\n") == 1100 + 2  # header, every node, the network


def test_a_cycle_in_a_long_chain_is_still_found(tmp_path: Path) -> None:
    path = _write(tmp_path, yaml.safe_dump(_chain(1100, cycle=True)))
    assert_refused(invoke("validate", path), "the supply network has a cycle")
