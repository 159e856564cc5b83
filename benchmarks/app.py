"""Page-ready and round-step benchmarks of the training app (issue 4 targets).

* **Page ready**: Voilà serves notebooks/ exactly as ``chansim serve`` does (preheated
  kernels, or not with ``--no-preheat``); Debian's Chromium opens each notebook and the
  clock stops when the app's ``.chansim-page`` is visible. Baseline in the same run: a
  notebook showing one plain ipywidgets label, served by the same server.
  Targets: home ≤ 2 s, an exercise ≤ 3 s.
* **Round step** (server side, in process): the time of one click on an app's advance
  button, including the chart redraws, against the bare controller step
  (``Game.play_round``) as baseline. Target ≤ 0.25 s.

Run: ``python benchmarks/app.py`` (``--no-browser`` for the step part only; ``--repeat N``).
Needs the ui and test extras and /usr/bin/chromium.
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]  # fmt: skip
BASELINE_NB = "zz-baseline.ipynb"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _baseline_notebook(folder: pathlib.Path) -> None:
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    code = "import ipywidgets as w\nb = w.Label('baseline')\nb.add_class('chansim-page')\nb"
    nb.cells = [nbformat.v4.new_code_cell(code)]
    nbformat.write(nb, folder / BASELINE_NB)


def page_ready(preheat: bool, repeat: int) -> dict[str, list[float]]:
    """Seconds from navigation to a visible ``.chansim-page``, per notebook."""
    from playwright.sync_api import sync_playwright

    from chansim.serve import ServeOptions, voila_command

    work = pathlib.Path(tempfile.mkdtemp(prefix="chansim-bench-"))
    folder = work / "notebooks"
    shutil.copytree(ROOT / "notebooks", folder)
    _baseline_notebook(folder)
    port = _free_port()
    cmd = voila_command(ServeOptions(notebooks=folder, port=port, preheat=preheat, pool_size=1))
    log = open(work / "voila.log", "w")  # noqa: SIM115
    proc = subprocess.Popen(
        cmd, cwd=work, stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "MPLBACKEND": "Agg"}
    )
    times: dict[str, list[float]] = {}
    try:
        end = time.monotonic() + 60
        while time.monotonic() < end:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.1)
        names = [BASELINE_NB] + sorted(p.name for p in (ROOT / "notebooks").glob("*.ipynb"))
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS, headless=True)
            for rep in range(repeat + 1):
                for name in names:
                    if preheat:  # let the pool refill after the previous page took its kernel
                        time.sleep(4.0)
                    page = browser.new_page()
                    t0 = time.perf_counter()
                    page.goto(f"http://127.0.0.1:{port}/voila/render/{name}", timeout=120_000)
                    page.wait_for_selector(".chansim-page", state="visible", timeout=120_000)
                    elapsed = time.perf_counter() - t0
                    if rep > 0:  # the first pass warms the disk cache and the pools
                        times.setdefault(name, []).append(elapsed)
                    page.close()
            browser.close()
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        log.close()
        shutil.rmtree(work, ignore_errors=True)
    return times


def _tick_top(page) -> None:
    ranking = page.exercise.ranking()
    wanted = set(ranking[ranking["region_rank"] <= page.exercise.picks_per_region]["applicant"])
    for name, box in zip(page.view["names"], page.checks, strict=False):
        box.value = name in wanted


def _order_four(page) -> None:
    page.order_input.value = 4


def _replace_weakest_dealer(page) -> None:
    """A real decision before the first review (the app reuses the do-nothing year while nothing is decided).

    The trainee reads the year-1 scorecards before deciding: meanwhile the app computes the
    do-nothing years in the background; the untimed wait for that thread stands for the reading.
    """
    if page.exercise.round == 0:
        if page.benchmark_thread is not None:
            page.benchmark_thread.join()
        card = page.exercise.scorecard()
        dealers = card[card["kind"] == "dealer"].sort_values("attainment")
        page.table.dropdowns[page.table.partners.index(str(dealers["partner"].iloc[0]))].value = "replace"


def _click(page, button) -> None:
    """A trainee's click: after the browser acknowledged the last step (chansim.ui.widgets.Busy)."""
    page.busy.acknowledge()
    button.click()


def _prepare_recruitment(page) -> None:
    _click(page, page.rank_button)
    _tick_top(page)


#: Per app: (module, the step a trainee repeats, how to get the page ready for it, the bare
#: controller call of that step for the baseline, or None when the step is not a round).
def _specs():
    from chansim.exercises.beer_game import BeerGame
    from chansim.exercises.order_desk import OrderDesk

    def bare_round(make):
        def run():
            game = make()
            times = []
            for _ in range(3):
                for node, sku in game.controlled:
                    game.decide(node, sku, game.suggestion(node, sku))
                t0 = time.perf_counter()
                game.play_round()
                times.append(time.perf_counter() - t0)
            return statistics.median(times)

        return run

    return [
        ("beer_game", lambda p: _click(p, p.controls.advance), _order_four, bare_round(lambda: BeerGame(seed=0))),
        ("order_desk", lambda p: _click(p, p.controls.advance), None, bare_round(lambda: OrderDesk(seed=0))),
        ("training", lambda p: _click(p, p.controls.advance), None, None),
        ("evaluation", lambda p: _click(p, p.controls.advance), _replace_weakest_dealer, None),
        ("planning", lambda p: _click(p, p.simulate), None, None),
        ("recruitment", lambda p: _click(p, p.reveal_button), _prepare_recruitment, None),
    ]


def round_steps(repeat: int) -> list[dict[str, object]]:
    """Median seconds of an app's first view (``app()``) and of its repeated step (a click, redraw included)."""
    import importlib

    os.environ.setdefault("MPLBACKEND", "Agg")
    importlib.import_module("chansim.ui.apps.home").app("en_US")  # imports paid once, as in a preheated kernel
    rows = []
    for name, step, prepare, bare in _specs():
        module = importlib.import_module(f"chansim.ui.apps.{name}")
        module.app(lang="en_US")  # warm caches of the module (first-run imports)
        views, steps = [], []
        for _ in range(repeat):
            t0 = time.perf_counter()
            page = module.app(lang="en_US")
            views.append(time.perf_counter() - t0)
            for _ in range(2 if name in ("planning", "recruitment") else 3):
                if prepare is not None:
                    prepare(page)
                t0 = time.perf_counter()
                step(page)
                steps.append(time.perf_counter() - t0)
                assert page.notice.level != "error", (name, page.notice.text)
        row: dict[str, object] = {"app": name, "first_view_s": statistics.median(views),
                                  "step_s": statistics.median(steps), "round_based": bare is not None or name in
                                  ("training", "evaluation")}  # fmt: skip
        if bare is not None:
            row["bare_step_s"] = statistics.median(bare() for _ in range(repeat))
        rows.append(row)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-browser", action="store_true", help="only the round-step part")
    parser.add_argument("--no-preheat", action="store_true", help="serve without preheated kernels")
    parser.add_argument("--output", type=pathlib.Path, default=None, help="write the figures as JSON")
    args = parser.parse_args()
    report: dict[str, object] = {}
    steps = round_steps(args.repeat)
    report["round_step"] = steps
    print("app steps, server side, in process (median; a step = the click a trainee repeats, redraw included)")
    print("  baseline for round games: the bare controller step (Game.play_round) without widgets or charts")
    for row in steps:
        target = 0.25 if row["round_based"] else None
        flag = "" if target is None else ("ok" if row["step_s"] <= target else f"OVER {target} s")
        ratio = f"ratio {row['step_s'] / row['bare_step_s']:5.2f}x" if "bare_step_s" in row else " " * 12
        print(
            f"  {row['app']:<12} first view {row['first_view_s'] * 1000:6.0f} ms   step {row['step_s'] * 1000:6.0f} ms"
            f"   {ratio}   {'round target 250 ms ' + flag if target else 'one-off simulation (not a round)'}"
        )
    if not args.no_browser:
        times = page_ready(not args.no_preheat, args.repeat)
        base = statistics.median(times[BASELINE_NB])
        report["page_ready"] = {name: statistics.median(v) for name, v in times.items()}
        print(f"page ready ({'preheated' if not args.no_preheat else 'no preheat'}; baseline: a plain label "
              f"notebook {base:.2f} s)")  # fmt: skip
        for name, values in times.items():
            if name == BASELINE_NB:
                continue
            med = statistics.median(values)
            target = 2.0 if name.startswith("00-") else 3.0
            flag = "ok" if med <= target else f"OVER {target:g} s"
            print(f"  {name:<24} {med:5.2f} s   ratio {med / base:5.2f}x   target {target:g} s  {flag}")
    if args.output:
        args.output.write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
