"""A page's kernel imports only what its first view needs (issue 9: the memory of one trainee's kernel).

Each check runs in a fresh interpreter: import the page's app module, build the app as the
notebook does, and look at ``sys.modules``. What a page does not need at first view is
imported by the callback that needs it (charts draw with matplotlib on the first click,
the result and KPI layers load with the first simulation), and that first click still
works (checked here for the pages whose first view imports no matplotlib).
Figures (``benchmarks/kernel_memory.py``): the home page's kernel about 95 MiB RSS instead
of 162, planning and recruitment about 28 MiB lighter.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

#: modules that would show a page pulled in something it does not show
WATCHED = (
    "pandas", "pyarrow", "matplotlib", "PIL", "faker", "scipy", "sqlalchemy",
    "chansim.results", "chansim.metrics", "chansim.business.kpis", "chansim.business.runtime", "chansim.generate",
)  # fmt: skip
EXERCISES = ("planning", "recruitment", "training", "order_desk", "beer_game", "evaluation")

#: page -> what it may import at first view (from WATCHED) besides its own exercise module
NEEDED: dict[str, set[str]] = {
    "home": set(),
    # the planning and recruitment pages show no chart before the first click: no matplotlib
    "planning": {"pandas", "pyarrow", "chansim.results", "chansim.metrics", "chansim.business.kpis",
                 "chansim.business.runtime"},
    "recruitment": {"pandas", "pyarrow", "faker", "chansim.generate", "chansim.results", "chansim.metrics",
                    "chansim.business.kpis", "chansim.business.runtime"},
}  # fmt: skip
_SIMULATING = {"pandas", "pyarrow", "matplotlib", "PIL", "chansim.results", "chansim.metrics",
               "chansim.business.kpis", "chansim.business.runtime"}  # fmt: skip
for _page in ("training", "order_desk", "beer_game", "evaluation"):  # a chart at first view
    NEEDED[_page] = set(_SIMULATING)
for _page in EXERCISES:  # an exercise page may open the store its decisions are committed to
    NEEDED[_page].add("sqlalchemy")

_CHILD = r"""
import importlib, json, sys
page, lang, click = sys.argv[1], sys.argv[2], sys.argv[3] == "1"
module = importlib.import_module(f"chansim.ui.apps.{page}")
app = module.app(lang, seed=2, reveal_days=150) if page == "recruitment" and click else module.app(lang)
loaded = lambda: sorted(m for m in WATCHED if m in sys.modules)
exercises = sorted(m.rsplit(".", 1)[1] for m in sys.modules if m.startswith("chansim.exercises.") and m.count(".") == 2)
out = {"view": loaded(), "exercises": [e for e in exercises if e in EXERCISES]}
if click:
    before = app.notice.text
    if page == "recruitment":  # rank, tick the best ranked, reveal (the round that draws the charts)
        app.busy.acknowledge()
        app.rank_button.click()
        ranking = app.exercise.ranking()
        wanted = set(ranking[ranking["region_rank"] <= app.exercise.picks_per_region]["applicant"])
        for name, box in zip(app.view["names"], app.checks, strict=False):
            box.value = name in wanted
        button = app.reveal_button
    else:
        button = app.simulate
    app.busy.acknowledge()
    button.click()
    charts = [w for w in vars(app).values() if type(w).__name__ == "ChartPanel"]
    out.update(after=loaded(), notice=app.notice.text, changed=app.notice.text != before,
               draws=sum(c.draws for c in charts), pngs=sum(bool(c.png) for c in charts))
print(json.dumps(out))
"""


def _run(page: str, lang: str = "en_US", click: bool = False) -> dict:
    code = f"WATCHED = {WATCHED!r}\nEXERCISES = {EXERCISES!r}\n" + _CHILD
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    env.pop("VOILA_PREHEAT", None)
    env.pop("QUERY_STRING", None)
    proc = subprocess.run(
        [sys.executable, "-c", code, page, lang, "1" if click else "0"],
        capture_output=True, text=True, env=env, cwd=ROOT, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("page", ["home", *EXERCISES])
def test_a_page_imports_only_what_its_first_view_needs(page: str) -> None:
    res = _run(page)
    unneeded = set(res["view"]) - NEEDED[page]
    assert not unneeded, f"{page}: the first view imported {sorted(unneeded)} (it needs only {sorted(NEEDED[page])})"
    own = [] if page == "home" else [page]
    assert res["exercises"] == own, f"{page}: imported the exercises {res['exercises']}"


def test_the_home_page_in_chinese_imports_no_pandas_nor_matplotlib() -> None:
    res = _run("home", "zh_CN")
    assert res["view"] == [], res


@pytest.mark.parametrize("page", ["planning", "recruitment"])
def test_the_first_click_imports_the_charts_and_draws(page: str) -> None:
    """matplotlib comes with the first click, which still draws its charts."""
    res = _run(page, "zh_CN", click=True)
    assert "matplotlib" not in res["view"], res
    assert "matplotlib" in res["after"], res
    assert res["changed"] and res["draws"] >= 1 and res["pngs"] >= 1, res


def test_import_chansim_defers_the_layers_above_the_engine_to_the_first_session() -> None:
    code = (
        "import sys, chansim\n"
        "print(sorted(m for m in ('pandas', 'chansim.results', 'chansim.business.runtime') if m in sys.modules))\n"
        "s = chansim.load_scenario('scenarios/stage-4-operations.yaml')\n"
        "session = chansim.Session(s)\n"
        "print(type(session.business).__name__, 'chansim.metrics' in sys.modules, chansim.results.__name__)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT, env=env, timeout=120
    )
    first, second = out.stdout.strip().splitlines()
    assert first == "[]", out.stdout
    assert second == "BusinessRuntime True chansim.results", out.stdout
