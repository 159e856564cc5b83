"""Layers one way, no import cycles (counting imports inside functions), a light ``import chansim``.

The layers (``[tool.importlinter]`` in pyproject.toml): scenario configuration -> model ->
engine -> business layer -> results -> metrics and business KPIs -> io/generate ->
exercises -> ui, cli, serve. The business layer plugs into the engine as its extension
(``chansim.engine.install_extension``), the result classes and KPI functions install
themselves likewise, so no module imports a layer above its own.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import grimp
import pytest
from importlinter.cli import lint_imports

ROOT = Path(__file__).resolve().parents[1]


def import_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    cycles: list[list[str]] = []
    counter = 0
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, successors = work[-1]
            for successor in successors:
                if successor not in graph:
                    continue
                if successor not in index:
                    index[successor] = low[successor] = counter
                    counter += 1
                    stack.append(successor)
                    on_stack.add(successor)
                    work.append((successor, iter(sorted(graph[successor]))))
                    break
                if successor in on_stack:
                    low[node] = min(low[node], index[successor])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1 or node in graph[node]:
                        cycles.append(sorted(component))
    return cycles


def chansim_graph() -> dict[str, set[str]]:
    """Every chansim module and the chansim modules it imports, anywhere in the file except under TYPE_CHECKING."""
    graph = grimp.build_graph("chansim", exclude_type_checking_imports=True, cache_dir=None)
    return {module: set(graph.find_modules_directly_imported_by(module)) for module in graph.modules}


def test_the_cycle_finder_finds_cycles() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": {"e"}, "f": set()}
    assert import_cycles(graph) == [["a", "b", "c"], ["e"]]
    assert import_cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycle_among_chansim_modules() -> None:
    graph = chansim_graph()
    assert "chansim.engine" in graph and "chansim.business.runtime" in graph
    assert import_cycles(graph) == []


def test_function_level_imports_are_counted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An import inside a function closes a cycle as well; one under TYPE_CHECKING does not."""
    package = tmp_path / "cyclepkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "low.py").write_text("def f():\n    from cyclepkg import high\n    return high\n")
    (package / "high.py").write_text(
        "from typing import TYPE_CHECKING\nimport cyclepkg.low\nif TYPE_CHECKING:\n    import cyclepkg.other\n"
    )
    (package / "other.py").write_text("import cyclepkg.high\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    graph = grimp.build_graph("cyclepkg", exclude_type_checking_imports=True, cache_dir=None)
    found = {module: set(graph.find_modules_directly_imported_by(module)) for module in graph.modules}
    assert import_cycles(found) == [["cyclepkg.high", "cyclepkg.low"]]
    assert "chansim.business.runtime" not in chansim_graph()["chansim.engine"]  # the engine never imports it
    assert "chansim.results" not in chansim_graph()["chansim.engine"]


def test_import_linter_layers_contract_is_kept() -> None:
    assert lint_imports(config_filename=str(ROOT / "pyproject.toml"), no_cache=True) == 0


@pytest.mark.parametrize(
    "module",
    ["chansim.business.funnel", "chansim.business.runtime", "chansim.scenario", "chansim.engine", "chansim.results"],
)
def test_each_module_imports_on_its_own(module: str) -> None:
    """No module depends on being imported after another (no 'partially initialized module')."""
    subprocess.run([sys.executable, "-c", f"import {module}"], check=True, capture_output=True, text=True)


def test_import_chansim_loads_no_faker_matplotlib_or_widgets() -> None:
    code = (
        "import sys, chansim\n"
        "print(sorted(m for m in ('faker', 'matplotlib', 'ipywidgets', 'IPython') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout + out.stderr


def test_the_business_layer_is_installed_as_the_engine_extension() -> None:
    code = (
        "import chansim, chansim.engine as e\n"
        "from chansim.business.runtime import BusinessRuntime\n"
        "s = chansim.load_scenario('scenarios/stage-4-operations.yaml')\n"
        "print(type(chansim.Session(s).business).__name__)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "BusinessRuntime", out.stderr
