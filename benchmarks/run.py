"""chansim benchmark suite: ``python benchmarks/run.py [--quick]``.

1. Serial chain: chansim vs a minimal hand-written SimPy model (the floor for a SimPy
   engine) vs stockpyl, same chain, same process, best of a few repeats; the models are
   checked to be the same chain (identical trajectories on the same demand, and
   statistically equal means on independent demand).
2. Profile of chansim on the serial chain (cProfile, chansim's own functions).
3. Scaling: a generated channel (10 distributors x 20 dealers x 20 SKUs x 365 days) and
   the same with the dealers doubled and, separately, the SKUs doubled; time and peak
   memory of one run plus tables and KPIs, each case in a fresh process.

A summary table is printed at the end and written to ``benchmarks/results/latest.json``.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as _dt
import gc
import io
import json
import math
import os
import platform
import pstats
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import import_cost  # noqa: E402
import serial_chain as sch  # noqa: E402

TARGET_SERIAL_RATIO = 2.5  # issue 8 (the earlier aspiration was 1.3x)
TARGET_GROWTH = 2.2

FULL = {
    "mode": "full",
    "periods": 1000,
    "reps": 100,
    "repeats": 3,
    "kpi_reps": 20,  # run + kpis() is timed on fewer replications (it is the slow path)
    "stockpyl_reps": 10,
    "stockpyl_repeats": 2,
    "exact_reps": 5,
    "profile_reps": 20,
    "import_repeats": 7,
    "scaling": {"distributors": 10, "dealers": 20, "skus": 20, "days": 365},
}
QUICK = {
    "mode": "quick",
    "periods": 1000,
    "reps": 20,
    "repeats": 2,
    "kpi_reps": 5,
    "stockpyl_reps": 2,
    "stockpyl_repeats": 1,
    "exact_reps": 2,
    "profile_reps": 10,
    "import_repeats": 3,
    "scaling": {"distributors": 5, "dealers": 10, "skus": 10, "days": 365},
}
SEED = 2024


def log(msg: str) -> None:
    print(msg, flush=True)


def _load() -> list[float] | None:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


def _source_state() -> dict:
    """Which chansim code was measured: the commit, and a digest of the working tree's chansim/*.py."""
    import hashlib

    root = HERE.parent
    digest = hashlib.sha256()
    for path in sorted((root / "chansim").rglob("*.py")):
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(path.read_bytes())
    out: dict = {"chansim_sources_sha256": digest.hexdigest()[:12]}
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True, text=True, timeout=10
        )
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "chansim"], cwd=root, capture_output=True, text=True, timeout=10
        )
        out["commit"] = head.stdout.strip() or None
        out["chansim_modified_files"] = [line[3:] for line in dirty.stdout.splitlines()]
    except (OSError, subprocess.SubprocessError):
        out["commit"] = None
    return out


def _versions() -> dict:
    import numpy
    import pandas
    import simpy

    import chansim

    out = {
        "python": platform.python_version(),
        "chansim": chansim.__version__,
        "simpy": simpy.__version__,
        "numpy": numpy.__version__,
        "pandas": pandas.__version__,
    }
    try:
        import stockpyl

        out["stockpyl"] = getattr(stockpyl, "__version__", "?")
    except Exception:  # noqa: BLE001
        out["stockpyl"] = None
    return out


# --------------------------------------------------------------------------- 1. serial chain


def bench_serial(cfg: dict, with_stockpyl: bool) -> dict:
    periods, reps, repeats = cfg["periods"], cfg["reps"], cfg["repeats"]
    log(
        f"\n== Serial chain: 4 stages, S={sch.S}, Poisson({sch.MEAN:g}), L={sch.L}, "
        f"{periods} periods x {reps} replications, best of {repeats} =="
    )
    scenario = sch.chansim_scenario(periods)

    # warm up imports and caches of every path (not timed)
    sch.run_hand(periods, 1, SEED)
    sch.run_chansim(scenario, periods, 1, SEED)
    sch.run_chansim(scenario, periods, 1, SEED, stats="kpis")
    sch.run_chansim(scenario, periods, 1, SEED, record_events=True)

    def chansim_gc_paused() -> tuple[float, list]:
        """Diagnostic: the engine with the cyclic GC paused during each run."""
        import chansim

        t0 = time.perf_counter()
        for r in range(reps):
            gc.disable()
            try:
                chansim.run(scenario, seed=SEED, days=periods, replication=r, record_events=False)
            finally:
                gc.enable()
        return time.perf_counter() - t0, []

    variants = {
        "hand_simpy": (reps, lambda: sch.run_hand(periods, reps, SEED)),
        "chansim_levels": (reps, lambda: sch.run_chansim(scenario, periods, reps, SEED)),
        "chansim_engine_only": (reps, lambda: sch.run_chansim(scenario, periods, reps, SEED, stats="none")),
        "chansim_events_levels": (reps, lambda: sch.run_chansim(scenario, periods, reps, SEED, record_events=True)),
        "chansim_kpis": (
            cfg["kpi_reps"],
            lambda: sch.run_chansim(scenario, periods, cfg["kpi_reps"], SEED, stats="kpis"),
        ),
        "chansim_engine_gc_paused": (reps, chansim_gc_paused),
    }
    best: dict[str, float] = {k: math.inf for k in variants}
    best_cpu: dict[str, float] = {k: math.inf for k in variants}
    stats: dict[str, list] = {}
    for i in range(repeats):  # interleaved, so that drifts in machine speed hit all alike
        for name, (n, fn) in variants.items():
            gc.collect()  # untimed: no variant pays for the garbage of the one before
            w0, c0 = time.perf_counter(), time.process_time()
            _, st = fn()
            best[name] = min(best[name], (time.perf_counter() - w0) / n)
            best_cpu[name] = min(best_cpu[name], (time.process_time() - c0) / n)
            if i == 0 and st:
                stats[name] = st
        log(f"  repeat {i + 1}/{repeats}: " + ", ".join(f"{k} {v * 1e3:.2f} ms" for k, v in best.items()))

    out: dict = {"periods": periods, "replications": reps, "repeats": repeats, "seconds_per_replication": {}}
    for name, (n, _) in variants.items():
        out["seconds_per_replication"][name] = best[name]
        out.setdefault("replications_timed", {})[name] = n

    if with_stockpyl and sch.stockpyl_available():
        n = cfg["stockpyl_reps"]
        sp_best = sp_cpu = math.inf
        for i in range(cfg["stockpyl_repeats"]):
            gc.collect()
            w0, c0 = time.perf_counter(), time.process_time()
            _, st = sch.run_stockpyl(periods, n, SEED)
            sp_best = min(sp_best, (time.perf_counter() - w0) / n)
            sp_cpu = min(sp_cpu, (time.process_time() - c0) / n)
            if i == 0:
                stats["stockpyl"] = st
        out["seconds_per_replication"]["stockpyl"] = sp_best
        best_cpu["stockpyl"] = sp_cpu
        out["replications_timed"]["stockpyl"] = n
        log(f"  stockpyl: {sp_best * 1e3:.1f} ms per replication ({n} replications)")
    else:
        out["stockpyl_skipped"] = "not importable" if with_stockpyl else "--no-stockpyl"

    hand = best["hand_simpy"]
    out["ratio_to_hand"] = {k: v / hand for k, v in out["seconds_per_replication"].items()}
    out["cpu_seconds_per_replication"] = {k: v for k, v in best_cpu.items() if k in out["seconds_per_replication"]}
    out["cpu_ratio_to_hand"] = {k: v / best_cpu["hand_simpy"] for k, v in out["cpu_seconds_per_replication"].items()}
    out["record_events_cost"] = best["chansim_events_levels"] / best["chansim_levels"]
    out["headline"] = "chansim_levels"
    out["headline_ratio"] = out["ratio_to_hand"]["chansim_levels"]
    out["target_ratio"] = TARGET_SERIAL_RATIO
    out["meets_target"] = out["headline_ratio"] <= TARGET_SERIAL_RATIO

    # are they the same chain?
    out["exact_check"] = sch.exact_trace_check(scenario, periods, cfg["exact_reps"], SEED)
    keys = ["retailer_on_hand", "retailer_backorder", "cost_per_period", "factory_on_hand", "factory_backorder"]
    summ = {k: sch.summarize_stats(v) for k, v in stats.items()}
    out["statistics"] = summ
    out["agreement"] = {"chansim_vs_hand": sch.compare(summ["chansim_levels"], summ["hand_simpy"], keys)}
    if "chansim_kpis" in summ:
        out["agreement"]["chansim_kpis_vs_hand"] = sch.compare(
            summ["chansim_kpis"], summ["hand_simpy"], ["cost_per_period"]
        )
    if "stockpyl" in summ:
        out["agreement"]["stockpyl_vs_hand"] = sch.compare(summ["stockpyl"], summ["hand_simpy"], keys)
    return out


# --------------------------------------------------------------------------- 2. profile


def profile_serial(cfg: dict, top: int = 15) -> dict:
    import chansim
    from chansim.engine import Session

    periods, reps = cfg["periods"], cfg["profile_reps"]
    log(f"\n== Profile: chansim on the serial chain, {reps} replications (cProfile) ==")
    scenario = sch.chansim_scenario(periods)
    sch.run_chansim(scenario, periods, 1, SEED)

    # phase breakdown without the profiler (its overhead distorts small functions)
    phases = {"session_init": 0.0, "advance": 0.0, "result": 0.0, "levels_frame": 0.0, "groupby": 0.0}
    for r in range(reps):
        t0 = time.perf_counter()
        session = Session(scenario, seed=SEED, replication=r, record_events=False)
        t1 = time.perf_counter()
        session.advance(periods)
        t2 = time.perf_counter()
        result = session.result()
        t3 = time.perf_counter()
        lv = result.levels
        t4 = time.perf_counter()
        lv.groupby("node", sort=False)[["on_hand", "backorder"]].mean()
        t5 = time.perf_counter()
        for k, dt in zip(phases, (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4), strict=True):
            phases[k] += dt
    phases = {k: v / reps for k, v in phases.items()}

    # time spent in the cyclic garbage collector during the runs, and the objects that only
    # the collector can free (reference cycles), counted with a final collection (not timed)
    gc_time = [0.0, 0]
    gc_started = [0.0]
    timing = [True]

    def on_gc(phase: str, info: dict) -> None:
        if phase == "start":
            gc_started[0] = time.perf_counter()
        else:
            if timing[0]:
                gc_time[0] += time.perf_counter() - gc_started[0]
            gc_time[1] += info.get("collected", 0)

    gc_reps = max(reps, 40)  # steady state needs a few gen-1/gen-2 collections
    gc.callbacks.append(on_gc)
    t0 = time.perf_counter()
    try:
        for r in range(gc_reps):
            res = chansim.run(scenario, seed=SEED, days=periods, replication=r, record_events=False)
            res.levels.groupby("node", sort=False)[["on_hand", "backorder"]].mean()
            del res
        wall = time.perf_counter() - t0
        timing[0] = False
        gc.collect()
    finally:
        gc.callbacks.remove(on_gc)
    gc_info = {
        "replications": gc_reps,
        "gc_seconds_per_replication": gc_time[0] / gc_reps,
        "gc_share_of_wall": gc_time[0] / wall,
        "cyclic_garbage_objects_per_replication": gc_time[1] / gc_reps,
    }

    prof = cProfile.Profile()
    prof.enable()
    for r in range(reps):
        res = chansim.run(scenario, seed=SEED, days=periods, replication=r, record_events=False)
        res.levels.groupby("node", sort=False)[["on_hand", "backorder"]].mean()
    prof.disable()
    st = pstats.Stats(prof)
    total = st.total_tt
    rows = []
    for (filename, line, func), (_cc, nc, tt, ct, _callers) in st.stats.items():  # type: ignore[attr-defined]
        rows.append(
            {
                "function": func,
                "file": os.path.relpath(filename, HERE.parent) if filename.startswith(str(HERE.parent)) else filename,
                "line": line,
                "calls": nc,
                "tottime_s": tt,
                "cumtime_s": ct,
            }
        )
    own = [r for r in rows if r["file"].startswith("chansim")]
    own.sort(key=lambda r: r["tottime_s"], reverse=True)
    simpy_tt = sum(r["tottime_s"] for r in rows if "simpy" in r["file"])
    pandas_tt = sum(r["tottime_s"] for r in rows if "pandas" in r["file"] or "numpy" in r["file"])
    own_tt = sum(r["tottime_s"] for r in own)
    buf = io.StringIO()
    pstats.Stats(prof, stream=buf).sort_stats("tottime").print_stats(25)
    log("  phases per replication (ms): " + ", ".join(f"{k} {v * 1e3:.2f}" for k, v in phases.items()))
    log(
        f"  cyclic GC: {gc_info['gc_seconds_per_replication'] * 1e3:.2f} ms per replication "
        f"({gc_info['gc_share_of_wall']:.0%} of wall), {gc_info['cyclic_garbage_objects_per_replication']:.0f} "
        "objects per replication freed only by the GC (reference cycles)"
    )
    log(
        f"  profiled total {total:.2f} s: chansim code {own_tt / total:.0%}, simpy {simpy_tt / total:.0%}, "
        f"pandas/numpy {pandas_tt / total:.0%}"
    )
    return {
        "replications": reps,
        "phases_seconds_per_replication": phases,
        "gc": gc_info,
        "profiled_total_s": total,
        "share": {"chansim": own_tt / total, "simpy": simpy_tt / total, "pandas_numpy": pandas_tt / total},
        "top_chansim": own[:top],
        "pstats_text": buf.getvalue(),
    }


# --------------------------------------------------------------------------- 3. scaling


def _scaling_case(args: list[str], timeout: float) -> dict:
    cmd = [sys.executable, str(HERE / "scaling.py"), *args]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=str(HERE.parent))
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {timeout:.0f} s"}
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-5:]
        return {"error": f"exit code {proc.returncode}: " + " | ".join(tail)}
    try:
        return json.loads(proc.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return {"error": "no JSON output: " + proc.stdout[-300:]}


def bench_scaling(cfg: dict, timeout: float) -> dict:
    base = cfg["scaling"]
    cases = {
        "base": dict(base),
        "dealers_x2": {**base, "dealers": base["dealers"] * 2},
        "skus_x2": {**base, "skus": base["skus"] * 2},
    }
    log(
        f"\n== Scaling: {base['distributors']} distributors x {base['dealers']} dealers each x "
        f"{base['skus']} SKUs x {base['days']} days; dealers x2; SKUs x2 (each case in a fresh process) =="
    )
    out: dict = {"cases": {}, "target_growth": TARGET_GROWTH}
    for name, case in cases.items():
        common = [
            "--distributors",
            str(case["distributors"]),
            "--dealers",
            str(case["dealers"]),
            "--skus",
            str(case["skus"]),
            "--days",
            str(case["days"]),
        ]
        for variant, extra in (("events", []), ("no_events", ["--no-events", "--no-tables"])):
            t0 = time.perf_counter()
            res = _scaling_case(common + extra, timeout)
            out["cases"][f"{name}/{variant}"] = res
            if "error" in res:
                log(f"  {name:11s} {variant:9s} ERROR {res['error']}")
            else:
                extra_txt = (
                    f" tables {res['tables_s']:.1f} s, kpis {res['kpis_s']:.1f} s, "
                    f"events table {res.get('events_s', 0):.1f} s,"
                    if "tables_s" in res
                    else ""
                )
                log(
                    f"  {name:11s} {variant:9s} run {res['run_s']:.1f} s,{extra_txt} total {res['total_s']:.1f} s; "
                    f"peak RSS +{res['peak_total_mib']:.0f} MiB ({res['node_skus']} node x SKU, "
                    f"{res['scenario_source']}) [{time.perf_counter() - t0:.0f} s wall]"
                )
    growth: dict = {}
    for doubled in ("dealers_x2", "skus_x2"):
        g: dict = {}
        for variant, metrics in (
            (
                "events",
                ["run_s", "tables_s", "kpis_s", "total_s", "peak_total_mib", "node_skus", "run_cpu_s", "total_cpu_s"],
            ),
            ("no_events", ["run_s", "peak_total_mib", "run_cpu_s"]),
        ):
            b = out["cases"].get(f"base/{variant}", {})
            d = out["cases"].get(f"{doubled}/{variant}", {})
            for m in metrics:
                if m in b and m in d and b[m]:
                    g[f"{variant}/{m}"] = d[m] / b[m]
        growth[doubled] = g
    out["growth"] = growth
    return out


# --------------------------------------------------------------------------- summary


def _fmt_ratio(x: float | None) -> str:
    return "-" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.2f}x"


def bench_import(cfg: dict) -> dict:
    log(f"\n== import chansim: time and memory, fresh processes, best of {cfg['import_repeats']} ==")
    res = import_cost.measure(cfg["import_repeats"])
    for line in import_cost.summary_lines(res):
        log("  " + line)
    return res


def summary_text(res: dict) -> str:
    lines = []
    src = res.get("source", {})
    if src:
        mod = src.get("chansim_modified_files") or []
        lines.append(
            f"chansim at {src.get('commit')}"
            + (f" + uncommitted changes in {', '.join(mod)}" if mod else "")
            + f" (sources {src.get('chansim_sources_sha256')}); {res['mode']} mode"
        )
    m = res.get("machine", {})
    lines.append(
        f"{m.get('cpus')} CPUs; load average at start {m.get('load_average_at_start')}, "
        f"at end {m.get('load_average_at_end')}"
        + (
            "  (BUSY MACHINE: wall times are inflated; compare CPU times)"
            if max((m.get("load_average_at_start") or [0])[0], (m.get("load_average_at_end") or [0])[0])
            > (m.get("cpus") or 1)
            else ""
        )
    )
    if res.get("import"):
        lines.extend(import_cost.summary_lines(res["import"]))
    s = res.get("serial")
    if s:
        lines.append(f"Serial chain ({s['periods']} periods; s/rep = best of {s['repeats']} repeats)")
        labels = {
            "hand_simpy": "hand-written SimPy (floor)",
            "chansim_levels": "chansim run(record_events=False) + levels groupby  [headline]",
            "chansim_engine_only": "chansim run(record_events=False), no table",
            "chansim_events_levels": "chansim run(record_events=True) + levels groupby",
            "chansim_kpis": "chansim run(record_events=False) + kpis()",
            "chansim_engine_gc_paused": "chansim run, GC off around the whole call (diagnostic)",
            "stockpyl": "stockpyl sim.simulation",
        }
        lines.append(f"  {'model':62s} {'reps':>5s} {'s/rep':>9s} {'x hand':>8s} {'CPU s/rep':>10s} {'x hand':>8s}")
        for k, label in labels.items():
            if k in s["seconds_per_replication"]:
                lines.append(
                    f"  {label:62s} {s['replications_timed'][k]:5d} {s['seconds_per_replication'][k]:9.4f} "
                    f"{_fmt_ratio(s['ratio_to_hand'][k]):>8s} {s['cpu_seconds_per_replication'][k]:10.4f} "
                    f"{_fmt_ratio(s['cpu_ratio_to_hand'][k]):>8s}"
                )
        mark = "meets" if s["meets_target"] else "MISSES"
        lines.append(
            f"  chansim / hand-SimPy = {s['headline_ratio']:.2f}x ({mark} target <= {s['target_ratio']}x); "
            f"record_events=True costs {s['record_events_cost']:.2f}x of False"
        )
        if "stockpyl" in s["ratio_to_hand"]:
            lines.append(f"  stockpyl / hand-SimPy = {s['ratio_to_hand']['stockpyl']:.1f}x")
        e = s["exact_check"]
        lines.append(
            f"  same chain, same demand: {e['stage_periods_compared']} stage-periods compared, "
            f"{e['mismatches']} differ -> {'IDENTICAL' if e['identical'] else 'DIFFERENT: ' + str(e['first_mismatch'])}"
        )
        for name, cmp_ in s["agreement"].items():
            parts = [
                f"{k} {v['a']:.3f} vs {v['b']:.3f} ({v['rel_diff']:+.1%}, z={v['z']:+.1f})"
                for k, v in cmp_["checks"].items()
            ]
            lines.append(f"  {name}: {'AGREE' if cmp_['agree'] else 'DISAGREE'}: " + "; ".join(parts))
    p = res.get("profile")
    if p:
        ph = p["phases_seconds_per_replication"]
        lines.append(
            "Profile of chansim on the serial chain: phases (ms/rep) "
            + ", ".join(f"{k} {v * 1e3:.2f}" for k, v in ph.items())
        )
        g = p["gc"]
        lines.append(
            f"  cyclic GC {g['gc_seconds_per_replication'] * 1e3:.2f} ms/rep ({g['gc_share_of_wall']:.0%} of wall), "
            f"{g['cyclic_garbage_objects_per_replication']:.0f} objects/rep left in reference cycles"
        )
        lines.append("  top chansim functions by own time (cProfile):")
        for r in p["top_chansim"][:10]:
            share = r["tottime_s"] / p["profiled_total_s"]
            lines.append(f"  {share:5.1%} {r['calls']:8d} calls  {r['file']}:{r['line']} {r['function']}")
    sc = res.get("scaling")
    if sc:
        lines.append("Scaling (one run; seconds and peak RSS over the baseline)")
        lines.append(
            f"  {'case':22s} {'node*sku':>8s} {'run':>7s} {'tables':>7s} {'events':>7s} {'kpis':>7s} {'total':>7s} "
            f"{'run CPU':>7s} {'tot CPU':>7s} {'peak MiB':>9s}"
        )
        for name, c in sc["cases"].items():
            if "error" in c:
                lines.append(f"  {name:22s} ERROR {c['error']}")
                continue

            def f(key: str, c: dict = c) -> str:
                return f"{c[key]:7.1f}" if key in c else f"{'-':>7s}"

            lines.append(
                f"  {name:22s} {c['node_skus']:8d} {f('run_s')} {f('tables_s')} {f('events_s')} {f('kpis_s')} "
                f"{f('total_s')} {f('run_cpu_s')} {f('total_cpu_s')} {c['peak_total_mib']:9.0f}"
            )
        for doubled, g in sc["growth"].items():
            size = g.get("events/node_skus")
            wall = ", ".join(
                f"{k} {v:.2f}x" for k, v in g.items() if k.endswith(("_s", "_mib")) and not k.endswith("cpu_s")
            )
            cpu = ", ".join(f"{k} {v:.2f}x" for k, v in g.items() if k.endswith("cpu_s"))
            worst = max((v for k, v in g.items() if k.endswith(("cpu_s", "_mib"))), default=math.nan)
            mark = "ok" if worst <= sc["target_growth"] else f"ABOVE target {sc['target_growth']}x"
            lines.append(
                f"  growth {doubled} (size x{size:.2f}) [{mark} by CPU time and memory]:"
                if size
                else f"  growth {doubled} [{mark}]:"
            )
            lines.append(f"    wall: {wall}")
            lines.append(f"    CPU:  {cpu}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="chansim benchmark suite")
    p.add_argument("--quick", action="store_true", help="smaller run (under a minute)")
    p.add_argument("--no-stockpyl", action="store_true", help="skip stockpyl")
    p.add_argument("--no-scaling", action="store_true", help="skip the scaling benchmark")
    p.add_argument("--no-profile", action="store_true", help="skip the profile")
    p.add_argument("--no-import", action="store_true", help="skip the import time and memory")
    p.add_argument("--output", default=str(HERE / "results" / "latest.json"), help="JSON file to write")
    p.add_argument("--scaling-timeout", type=float, default=1800.0, help="seconds allowed per scaling case")
    a = p.parse_args(argv)
    cfg = QUICK if a.quick else FULL
    started = time.perf_counter()
    res: dict = {
        "date": _dt.datetime.now().isoformat(timespec="seconds"),
        "mode": cfg["mode"],
        "machine": {
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "processor": platform.processor(),
            "load_average_at_start": _load(),
        },
        "versions": _versions(),
        "source": _source_state(),
        "config": cfg,
    }
    if not a.no_import:
        res["import"] = bench_import(cfg)
    res["serial"] = bench_serial(cfg, with_stockpyl=not a.no_stockpyl)
    if not a.no_profile:
        res["profile"] = profile_serial(cfg)
    if not a.no_scaling:
        res["scaling"] = bench_scaling(cfg, a.scaling_timeout)
    res["elapsed_s"] = time.perf_counter() - started
    res["machine"]["load_average_at_end"] = _load()
    end_state = _source_state()
    if end_state.get("chansim_sources_sha256") != res["source"].get("chansim_sources_sha256"):
        res["source"]["changed_during_run"] = True
        log("WARNING: chansim's sources changed while the benchmark ran; figures may mix versions")
    text = summary_text(res)
    log("\n== Summary ==\n" + text + f"\n(total {res['elapsed_s']:.0f} s)")
    res["summary"] = text
    out = Path(a.output)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(res, indent=2, default=float) + "\n", encoding="utf-8")
    log(f"wrote {out}")
    serial = res["serial"]
    same = serial["exact_check"]["identical"] and serial["agreement"]["chansim_vs_hand"]["agree"]
    if not same:
        log("CHECK FAILED: chansim and the hand-written SimPy model do not simulate the same chain (see above)")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
