"""What ``import chansim`` costs: time and memory, each measured in a fresh process.

Run by ``benchmarks/run.py`` (section 0); by hand: ``python benchmarks/import_cost.py [--repeats N]``
prints the same figures and one JSON object on its last line.

* ``process``: wall time of ``python -c "import chansim"`` minus that of ``python -c "pass"``
  (what a user waits for, interpreter start-up excluded); the two are interleaved and the
  best (minimum) of ``repeats`` runs of each is taken;
* ``in_process``: ``time.perf_counter`` (and process CPU time) around ``import chansim`` in a
  fresh interpreter, best of ``repeats``;
* memory: resident set (``VmRSS``) just before and after the import in that interpreter
  (the difference is what the import adds), and, in a separate fresh interpreter (tracing
  slows the import), ``tracemalloc``'s peak and retained Python allocations of the import;
* the number of modules the import loads and which heavy optional packages (Faker,
  matplotlib, ipywidgets, ...) it pulls in.

The child interpreters import the same ``chansim`` as this process (its parent directory
goes first on ``PYTHONPATH``).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

HEAVY = ("faker", "matplotlib", "ipywidgets", "IPython", "scipy", "pandas", "pyarrow", "pydantic", "simpy", "numpy")

_CHILD = r"""
import json, sys, time
def rss_kib():
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
mode = sys.argv[1]
before_modules = set(sys.modules)
if mode == "trace":
    import tracemalloc
    tracemalloc.start()
    import chansim
    current, peak = tracemalloc.get_traced_memory()
    print(json.dumps({"tracemalloc_current": current, "tracemalloc_peak": peak}))
else:
    r0 = rss_kib()
    w0, c0 = time.perf_counter(), time.process_time()
    import chansim
    w1, c1 = time.perf_counter(), time.process_time()
    r1 = rss_kib()
    heavy = sorted(m for m in HEAVY if m in sys.modules)
    print(json.dumps({
        "wall": w1 - w0, "cpu": c1 - c0, "rss_before_kib": r0, "rss_after_kib": r1,
        "modules": len(set(sys.modules) - before_modules), "heavy": heavy, "file": chansim.__file__,
    }))
"""


def _env() -> dict[str, str]:
    import chansim

    root = str(Path(chansim.__file__).resolve().parent.parent)
    env = dict(os.environ)
    env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return env


def _child(mode: str, env: dict[str, str]) -> dict:
    code = f"HEAVY = {HEAVY!r}\n" + _CHILD
    proc = subprocess.run([sys.executable, "-c", code, mode], capture_output=True, text=True, env=env, check=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _process_wall(code: str, env: dict[str, str]) -> float:
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], env=env, check=True, capture_output=True)
    return time.perf_counter() - t0


def measure(repeats: int = 5) -> dict:
    """Best-of-``repeats`` import time (process and in-process) and the memory of ``import chansim``."""
    env = _env()
    bare = full = wall = cpu = float("inf")
    rss_delta = rss_after = float("inf")
    info: dict = {}
    for _ in range(repeats):  # interleaved, so that a busy moment hits both alike
        bare = min(bare, _process_wall("pass", env))
        full = min(full, _process_wall("import chansim", env))
        child = _child("time", env)
        wall, cpu = min(wall, child["wall"]), min(cpu, child["cpu"])
        rss_delta = min(rss_delta, (child["rss_after_kib"] - child["rss_before_kib"]) / 1024)
        rss_after = min(rss_after, child["rss_after_kib"] / 1024)
        info = child
    trace = _child("trace", env)
    return {
        "repeats": repeats,
        "process_import_s": full - bare,
        "process_wall_s": full,
        "bare_python_s": bare,
        "in_process_import_s": wall,
        "in_process_import_cpu_s": cpu,
        "rss_added_mib": rss_delta,
        "rss_after_import_mib": rss_after,
        "tracemalloc_peak_mib": trace["tracemalloc_peak"] / 2**20,
        "tracemalloc_retained_mib": trace["tracemalloc_current"] / 2**20,
        "modules_loaded": info.get("modules"),
        "heavy_modules_loaded": info.get("heavy", []),
        "chansim_file": info.get("file"),
    }


def summary_lines(res: dict) -> list[str]:
    heavy = res["heavy_modules_loaded"]
    return [
        f"import chansim (fresh process, best of {res['repeats']}): {res['process_import_s'] * 1e3:.0f} ms "
        f"(python -c 'import chansim' {res['process_wall_s'] * 1e3:.0f} ms - bare python "
        f"{res['bare_python_s'] * 1e3:.0f} ms); in process {res['in_process_import_s'] * 1e3:.0f} ms wall, "
        f"{res['in_process_import_cpu_s'] * 1e3:.0f} ms CPU",
        f"  memory: RSS +{res['rss_added_mib']:.1f} MiB (total {res['rss_after_import_mib']:.1f} MiB), "
        f"tracemalloc peak {res['tracemalloc_peak_mib']:.1f} MiB, retained {res['tracemalloc_retained_mib']:.1f} MiB; "
        f"{res['modules_loaded']} modules loaded; heavy packages among them: {', '.join(heavy) if heavy else 'none'}",
    ]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="time and memory of `import chansim`")
    p.add_argument("--repeats", type=int, default=5)
    a = p.parse_args(argv)
    res = measure(a.repeats)
    print("\n".join(summary_lines(res)))
    print(json.dumps(res))
    return 0


if __name__ == "__main__":
    sys.exit(main())
