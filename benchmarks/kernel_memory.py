"""The memory of one trainee's kernel: each page's notebook run in a fresh kernel, then measured.

Run: ``python benchmarks/kernel_memory.py [--repeats N] [--pages 00-home,05-beer-game] [--click]``.

For each notebook of ``notebooks/`` (00-home ... 06-evaluation) a fresh IPython kernel is
started (this interpreter's ``python3`` kernel, with this ``chansim`` on ``PYTHONPATH``),
the notebook is executed with nbclient as Voilà executes it for a page view, and the
kernel process's memory is read from ``/proc/<pid>/smaps_rollup`` (Linux; no psutil):

* ``RSS``: resident set (``Rss``), what ``top`` shows;
* ``USS``: unique set (``Private_Clean + Private_Dirty``), what the kernel alone holds and
  what another kernel would add; the figure to multiply by the number of trainees;
* ``PSS``: proportional set (``Pss``), shared pages divided among the processes sharing them.

The baseline, measured the same way in the same run, is a kernel that ran one empty cell
(IPython and ipykernel only): every page is printed as its figures minus the baseline's and
as a ratio to it. After the measurement one more cell lists which heavy packages the page
imported (matplotlib, pandas, pyarrow, scipy, faker, ...) and which chansim exercises.

``--click`` also presses the page's first button after the view (where the app has one:
the step a trainee does first) and measures again, so the cost of what the click imports
shows up separately. Memory figures do not depend on the machine's load; repeats take the
minimum (a kernel's memory varies by a few hundred KiB from run to run).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"

HEAVY = (
    "matplotlib", "pandas", "pyarrow", "numpy", "scipy", "faker", "simpy", "pydantic", "yaml", "PIL",
    "ipywidgets", "sqlalchemy",
)  # fmt: skip

# the cell run after the measurement: what the page imported
_MODULES_CELL = f"""
import json as _json, sys as _sys
_heavy = [m for m in {HEAVY!r} if m in _sys.modules]
_ex = sorted(m.rsplit(".", 1)[1] for m in _sys.modules if m.startswith("chansim.exercises.") and m.count(".") == 2
             and not m.endswith((".texts", ".messages", ".contract", ".game", ".feedback")))
print(_json.dumps({{"heavy": _heavy, "exercises": _ex, "modules": len(_sys.modules)}}))
"""


def smaps_rollup(pid: int) -> dict[str, float]:
    """RSS, PSS and USS of process ``pid`` in MiB, from ``/proc/<pid>/smaps_rollup``."""
    fields: dict[str, int] = {}
    with open(f"/proc/{pid}/smaps_rollup") as fh:
        for line in fh:
            parts = line.split()
            if len(parts) >= 2 and parts[0].endswith(":") and parts[1].isdigit():
                fields[parts[0][:-1]] = int(parts[1])
    return {
        "rss_mib": fields.get("Rss", 0) / 1024,
        "pss_mib": fields.get("Pss", 0) / 1024,
        "uss_mib": (fields.get("Private_Clean", 0) + fields.get("Private_Dirty", 0)) / 1024,
    }


def _env(root: Path = ROOT) -> dict[str, str]:
    env = dict(os.environ)
    rest = [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p and Path(p).resolve() != ROOT]
    env["PYTHONPATH"] = os.pathsep.join([str(root), *rest])
    env.setdefault("MPLBACKEND", "Agg")
    return env


def measure_notebook(path: Path | None, *, click: bool = False, timeout: int = 180, root: Path = ROOT) -> dict:
    """Run ``path`` (``None``: one empty cell) in a fresh kernel importing the chansim of ``root``."""
    import nbformat
    from jupyter_client.manager import KernelManager
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4) if path is not None else nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell("pass")]
    )  # fmt: skip
    km = KernelManager(kernel_name="python3")
    km.start_kernel(env=_env(root), cwd=str(NOTEBOOKS))
    try:
        pid = km.provisioner.process.pid  # type: ignore[union-attr]
        t0 = time.perf_counter()
        NotebookClient(nb, km=km, timeout=timeout, allow_errors=False).execute()
        view_s = time.perf_counter() - t0
        time.sleep(0.3)
        result = {"view": smaps_rollup(pid), "view_s": view_s}
        probe = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(_MODULES_CELL)])
        NotebookClient(probe, km=km, timeout=timeout).execute()
        result.update(json.loads(probe.cells[-1].outputs[-1]["text"]))
        if click and path is not None:
            clicks = nbformat.v4.new_notebook(
                cells=[nbformat.v4.new_code_cell(_click_code()), nbformat.v4.new_code_cell(_MODULES_CELL)]
            )
            NotebookClient(clicks, km=km, timeout=timeout).execute()
            time.sleep(0.3)
            result["after_click"] = smaps_rollup(pid)
            result["clicked"] = clicks.cells[0].outputs[-1]["text"].strip() if clicks.cells[0].outputs else ""
            result["after_click_heavy"] = json.loads(clicks.cells[-1].outputs[-1]["text"])["heavy"]
        return result
    finally:
        km.shutdown_kernel(now=True)


def _click_code() -> str:
    # the notebook's last expression is the app (``Out[1]``); press its first enabled button that is
    # not a language switch, undo or reset: the first step a trainee takes
    return """
import ipywidgets as _w
def _walk(w):
    yield w
    for c in getattr(w, "children", ()) or ():
        yield from _walk(c)
_app = Out[max(Out)]
_skip = ("undo", "reset", "lang", "autoplay")
_b = [w for w in _walk(_app.page) if isinstance(w, _w.Button) and not w.disabled
      and not any(s in " ".join(w._dom_classes) for s in _skip)]
if _b:
    _b[0].click()
print(" ".join(_b[0]._dom_classes) if _b else "-")
"""


def measure(
    pages: list[str] | None = None, *, repeats: int = 1, click: bool = False, against: Path | None = None
) -> dict:
    """Baseline and every page (best of ``repeats`` fresh kernels each, interleaved).

    With ``against`` (another chansim checkout) every page is also run with that chansim,
    right after this one's, under the key ``<page>@against``.
    """
    paths = sorted(NOTEBOOKS.glob("0*.ipynb"))
    if pages:
        paths = [p for p in paths if p.stem in pages or p.name in pages]
    best: dict[str, dict] = {}
    for _ in range(repeats):
        for name, path in [("baseline", None), *[(p.stem, p) for p in paths]]:
            runs = [(name, ROOT)] + ([(f"{name}@against", against)] if against and path is not None else [])
            for key, root in runs:
                res = measure_notebook(path, click=click, root=root)
                old = best.get(key)
                if old is None or res["view"]["rss_mib"] < old["view"]["rss_mib"]:
                    best[key] = res
    return {
        "method": "/proc/<pid>/smaps_rollup of the kernel process",
        "repeats": repeats,
        "against": str(against) if against else None,
        "pages": best,
    }


def summary_lines(res: dict) -> list[str]:
    pages = res["pages"]
    base = pages["baseline"]["view"]
    lines = [
        f"kernel memory after the page's notebook ran ({res['method']}; MiB; best of {res['repeats']})",
        f"{'page':<24}{'RSS':>8}{'USS':>8}{'PSS':>8}{'USS-base':>10}{'x base':>8}"
        + ("  RSS x against" if res.get("against") else "")
        + "  heavy packages / exercises imported",
    ]
    for name, r in pages.items():
        v = r["view"]
        heavy = ",".join(h for h in r["heavy"] if h not in ("ipywidgets",)) or "-"
        ex = ",".join(r["exercises"]) or "-"
        other = pages.get(f"{name}@against")
        pad = " " * 15 if res.get("against") else ""
        ratio = f"{v['rss_mib'] / other['view']['rss_mib']:15.2f}" if other else pad
        lines.append(
            f"{name:<24}{v['rss_mib']:8.1f}{v['uss_mib']:8.1f}{v['pss_mib']:8.1f}{v['uss_mib'] - base['uss_mib']:10.1f}"
            f"{v['uss_mib'] / base['uss_mib']:8.2f}{ratio}  {heavy} / {ex}"
        )
        if "after_click" in r:
            c = r["after_click"]
            lines.append(
                f"{'  after click':<24}{c['rss_mib']:8.1f}{c['uss_mib']:8.1f}{c['pss_mib']:8.1f}"
                f"{c['uss_mib'] - base['uss_mib']:10.1f}{c['uss_mib'] / base['uss_mib']:8.2f}"
                f"{' ' * 15 if res.get('against') else ''}  ({r['clicked']}; "
                f"then also: {','.join(h for h in r['after_click_heavy'] if h not in r['heavy']) or '-'})"
            )
    return lines


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="memory of one trainee's kernel, page by page")
    p.add_argument("--repeats", type=int, default=1, help="fresh kernels per page; the minimum is kept (default 1)")
    p.add_argument("--pages", default="", help="comma-separated notebook names (default: all)")
    p.add_argument("--click", action="store_true", help="also press the page's first step button and measure again")
    p.add_argument("--output", default="", help="also write the JSON to this file")
    p.add_argument("--against", default="", help="another chansim checkout to measure page by page alongside")
    a = p.parse_args(argv)
    if a.repeats < 1:
        p.error(f"--repeats {a.repeats}: give 1 or more")
    if not Path("/proc/self/smaps_rollup").exists():
        print("kernel_memory.py needs Linux's /proc/<pid>/smaps_rollup", file=sys.stderr)
        return 2
    pages = [s.strip().removesuffix(".ipynb") for s in a.pages.split(",") if s.strip()]
    against = Path(a.against).resolve() if a.against else None
    if against is not None and not (against / "chansim" / "__init__.py").is_file():
        print(f"--against {a.against}: not a chansim checkout (no chansim/__init__.py there)", file=sys.stderr)
        return 2
    res = measure(pages, repeats=a.repeats, click=a.click, against=against)
    print("\n".join(summary_lines(res)))
    text = json.dumps(res)
    if a.output:
        Path(a.output).write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
