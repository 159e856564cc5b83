"""chansim.serve.kernels without a server: the wait cell, cell timeouts, the caps and the "full" page."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import nbformat
import pytest
from click.testing import CliRunner

from chansim.cli import cli
from chansim.exercises.messages import CATALOGUE, LANGUAGES
from chansim.serve import ServeError, ServeOptions
from chansim.serve.kernels import (
    WAIT_CELL_MARK,
    CellTimeout,
    KernelGate,
    Refusal,
    check_limits,
    configure,
    full_page,
    page_language,
    pool_budget,
    wait_cell,
    wait_for_visitor,
)

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"


def _notebook(*sources: str) -> nbformat.NotebookNode:
    return nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])


def test_the_wait_cell_runs_the_imports_then_waits_and_has_no_timeout():
    nb = _notebook("from chansim.ui.apps import home\nimport os\n\nhome.app()", "print(1)")
    cell = wait_cell(nb, "10.0.0.5")
    assert cell.metadata["chansim"][WAIT_CELL_MARK] is True
    compile(cell.source, "<wait cell>", "exec")  # valid Python
    assert "    from chansim.ui.apps import home\n    import os\n" in cell.source
    assert "home.app()" not in cell.source  # the page itself is built for the visitor, under a timeout
    assert (
        cell.source.index("import home")
        < cell.source.index("wait_for_request")
        < cell.source.index("environ['VOILA_PREHEAT'] = 'False'")
    )
    assert "'10.0.0.5'" in cell.source
    timeout = CellTimeout(120)
    assert timeout(cell) is None
    assert timeout(nb.cells[0]) == 120 and timeout(nb.cells[1]) == 120


def test_a_cell_without_imports_or_that_does_not_parse_still_gives_a_valid_wait_cell():
    for source in ("x = (", "print('hi')"):
        cell = wait_cell(_notebook(source))
        compile(cell.source, "<wait cell>", "exec")
        assert "    pass\n" in cell.source


def test_the_hook_adds_the_wait_cell_to_pool_notebooks_only_and_once():
    hook = wait_for_visitor()
    nb = _notebook("import math\nmath.pi")
    assert hook(object(), notebook=nb, cwd=".") is nb and len(nb.cells) == 1  # a fresh kernel's page
    hook(None, notebook=nb, cwd=".")
    hook(None, notebook=nb, cwd=".")
    assert len(nb.cells) == 2 and nb.cells[0].metadata["chansim"][WAIT_CELL_MARK]


def test_configure_sets_the_timeouts_and_culling():
    from traitlets.config import Config

    config = Config()
    options = ServeOptions(notebooks=NOTEBOOKS, timeout_seconds=33, cull_idle_seconds=61, cull_interval_seconds=7)
    configure(config, options)
    assert config.VoilaExecutor.timeout == 33 and config.VoilaExecutor.timeout_func == CellTimeout(33)
    assert "took too long" in config.VoilaExecutor.cell_timeout_instruction
    km = config.MappingKernelManager
    assert (km.cull_idle_timeout, km.cull_interval, km.cull_connected, km.cull_busy) == (61, 7, False, False)


class _Alive:
    def __init__(self) -> None:
        self.ids: set[str] = set()

    def __call__(self, kernel_id: str) -> bool:
        return kernel_id in self.ids


def test_the_gate_caps_the_total_with_the_pool_counted():
    alive = _Alive()
    gate = KernelGate(max_kernels=5, per_client=0, pool=3, alive=alive)
    first = gate.admit("10.0.0.1")
    second = gate.admit("10.0.0.2")
    assert not isinstance(first, Refusal) and not isinstance(second, Refusal)
    # two requests in flight fill the cap before either has its kernel: no overshoot
    assert gate.admit("10.0.0.3") == Refusal("total", 5)
    alive.ids |= {"k1", "k2"}
    gate.assign("k1", first)
    gate.assign("k2", second)
    assert gate.page_kernels() == 2 and gate.admit("10.0.0.3") == Refusal("total", 5)
    gate.forget("k1")  # the tab closed: its shutdown started
    third = gate.admit("10.0.0.3")
    assert not isinstance(third, Refusal)
    third.release()  # the request ended without a kernel (a 404...)
    alive.ids.discard("k2")  # culled: the kernel manager no longer has it
    assert gate.page_kernels() == 0 and sum(gate.inflight.values()) == 0


def test_the_gate_caps_each_client():
    alive = _Alive()
    gate = KernelGate(max_kernels=100, per_client=2, pool=7, alive=alive)
    for n in range(2):
        reservation = gate.admit("10.0.0.1")
        alive.ids.add(f"a{n}")
        gate.assign(f"a{n}", reservation)
    assert gate.admit("10.0.0.1") == Refusal("client", 2)
    assert not isinstance(gate.admit("10.0.0.2"), Refusal)  # another trainee is not affected
    gate.forget("a0")
    assert not isinstance(gate.admit("10.0.0.1"), Refusal)


def test_a_reservation_counts_once():
    gate = KernelGate(max_kernels=10, per_client=1, pool=0)
    reservation = gate.admit("c")
    gate.assign("k1", reservation)
    gate.assign("k2", reservation)  # a second start in the same request is not this page's kernel
    reservation.release()
    assert gate.owners == {"k1": "c"} and gate.inflight["c"] == 0


@pytest.mark.parametrize(
    ("query", "accept", "expected"),
    [
        ("zh_CN", "en-US,en;q=0.9", "zh_CN"),
        (None, "zh-CN,zh;q=0.9,en;q=0.8", "zh_CN"),
        (None, "zh-Hans", "zh_CN"),
        (None, "fr-FR,fr;q=0.9,zh;q=0.5,en;q=0.4", "zh_CN"),
        (None, "en;q=0.5, zh;q=0.9", "zh_CN"),
        (None, "de, fr", "en_US"),
        (None, "zh;q=0", "en_US"),
        ("fr", None, "en_US"),
        ('"><script>', "x" * 5000, "en_US"),
        (None, "en-GB", "en_US"),
    ],
)
def test_the_language_of_the_full_page(query, accept, expected):
    assert page_language(query, accept, LANGUAGES) == expected


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_full_page_is_static_and_translated(lang):
    for refusal in (Refusal("total", 60), Refusal("client", 4)):
        page = full_page(refusal, lang)
        assert CATALOGUE.get("serve.full.title", lang=lang) in page
        assert str(refusal.limit) in page
        assert "<script" not in page and "Traceback" not in page
    assert "课堂已满" in full_page(Refusal("total", 60), "zh_CN")
    assert "The class is full" in full_page(Refusal("total", 60), "en_US")


def test_the_pool_counts_every_notebook(tmp_path):
    assert pool_budget(NOTEBOOKS, 2) == 2 * len(list(NOTEBOOKS.glob("*.ipynb")))
    assert pool_budget(NOTEBOOKS, 2, preheat=False) == 0
    (tmp_path / ".ipynb_checkpoints").mkdir()
    (tmp_path / ".ipynb_checkpoints" / "a.ipynb").write_text("{}")
    (tmp_path / "a.ipynb").write_text("{}")
    assert pool_budget(tmp_path, 1) == 1


def test_limits_that_leave_no_room_for_a_page_are_refused():
    options = ServeOptions(notebooks=NOTEBOOKS, max_kernels=7)
    with pytest.raises(ServeError, match=r"--max-kernels 7: the preheated pool alone holds 7 kernels"):
        check_limits(options)
    assert check_limits(dataclasses.replace(options, max_kernels=8)) == 7
    assert check_limits(dataclasses.replace(options, preheat=False)) == 0
    with pytest.raises(ServeError, match="--max-kernels-per-client -1"):
        check_limits(dataclasses.replace(options, max_kernels=60, max_kernels_per_client=-1))


def test_the_defaults_fit_a_class_of_50_on_this_machine():
    options = ServeOptions(notebooks=NOTEBOOKS)
    # 50 trainees with a page each, the pool of 7 and a few reloads in flight
    assert options.max_kernels - check_limits(options) >= 50
    assert options.max_kernels_per_client == 4 and options.cull_idle_seconds + options.cull_interval_seconds <= 120


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--max-kernels", "1"], "1 is not in the range 2<=x<=1000"),
        (["--max-kernels", "many"], "'many' is not a valid integer"),
        (["--max-kernels", "5"], "--max-kernels 5: the preheated pool alone holds 7 kernels"),
        (["--max-kernels-per-client", "-1"], "-1 is not in the range 0<=x<=1000"),
        (["--cull-idle", "5"], "5 is not in the range 10<=x<=86400"),
    ],
)
def test_bad_kernel_flags_exit_2_with_a_message(args, needle):
    result = CliRunner().invoke(cli, ["serve", "--dry-run", "--notebooks", str(NOTEBOOKS), *args])
    assert result.exit_code == 2, result.output
    assert needle in result.output
    assert "Traceback" not in result.output


def test_the_kernel_flags_reach_the_options():
    result = CliRunner().invoke(
        cli,
        ["serve", "--dry-run", "--notebooks", str(NOTEBOOKS), "--max-kernels", "30", "--max-kernels-per-client", "0",
         "--cull-idle", "90"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert '"max_kernels": 30' in result.output and '"max_kernels_per_client": 0' in result.output
    assert '"cull_idle_seconds": 90' in result.output
    assert "MappingKernelManager.cull_idle_timeout = 90" in result.output
