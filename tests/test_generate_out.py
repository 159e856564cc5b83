"""``chansim generate --out``: never overwrite silently, never replace what is not a regular file,
write atomically (no half file, no temporary file left), and never write what chansim cannot read."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

import chansim.io
from chansim.cli import cli
from chansim.io import load_scenario

ARGS = ["generate", "--seed", "3", "--regions", "1", "--dealers-per-distributor", "1", "--skus", "1", "--days", "30"]


def generate(out: Path, *extra: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, [*ARGS, "--out", str(out), *extra])
    return result.exit_code, result.output


def test_a_new_file_is_written_and_no_temporary_file_is_left(tmp_path: Path) -> None:
    code, output = generate(tmp_path / "new" / "s.yaml")
    assert code == 0, output
    assert load_scenario(tmp_path / "new" / "s.yaml").name == "generated-3"
    assert os.listdir(tmp_path / "new") == ["s.yaml"]


def test_an_existing_file_is_replaced_only_with_force(tmp_path: Path) -> None:
    out = tmp_path / "s.yaml"
    out.write_text("precious\n", encoding="utf-8")
    code, output = generate(out)
    assert code == 2 and "exists; add --force to replace it" in output
    assert out.read_text(encoding="utf-8") == "precious\n"
    code, output = generate(out, "--force")
    assert code == 0, output
    assert load_scenario(out).name == "generated-3"
    assert os.listdir(tmp_path) == ["s.yaml"]


@pytest.mark.parametrize("force", [[], ["--force"]], ids=["plain", "force"])
def test_a_symlink_is_never_replaced(tmp_path: Path, force: list[str]) -> None:
    target = tmp_path / "target.yaml"
    target.write_text("precious\n", encoding="utf-8")
    link = tmp_path / "link.yaml"
    link.symlink_to(target)
    code, output = generate(link, *force)
    assert code == 2 and "not a regular file" in output and "never replaced" in output
    assert link.is_symlink() and target.read_text(encoding="utf-8") == "precious\n"


@pytest.mark.parametrize("force", [[], ["--force"]], ids=["plain", "force"])
def test_a_fifo_is_never_replaced(tmp_path: Path, force: list[str]) -> None:
    # a FIFO stands for every special file (a device node needs root to make)
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    code, output = generate(fifo, *force)
    assert code == 2 and "not a regular file" in output
    assert fifo.is_fifo()


def test_a_directory_is_refused(tmp_path: Path) -> None:
    code, output = generate(tmp_path, "--force")
    assert code == 2 and "is a directory" in output


def test_a_scenario_too_big_to_read_back_is_not_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(chansim.io, "MAX_FILE_BYTES", 1000)
    out = tmp_path / "s.yaml"
    code, output = generate(out)
    assert code == 2 and "more than chansim reads (1,000)" in output
    assert not out.exists()
