"""Scaling benchmark worker: one chansim run of a generated channel, in a fresh process.

Run by ``benchmarks/run.py`` (one subprocess per case so that peak memory is measured
cleanly); it can also be run by hand::

    python benchmarks/scaling.py --distributors 10 --dealers 20 --skus 20 --days 365 [--no-events]

It prints one JSON object (the last line of stdout) with the timings (wall seconds; the
process CPU time of the run and of the whole case too) and the
memory (MiB) of: building the scenario, ``chansim.run``, building the tables
(levels, orders, money and, when recorded, events) and ``result.kpis()``.

Memory is the process's resident set (RSS), in MiB over ``baseline`` (the RSS after the
imports and the scenario build). On Linux the kernel's high-water mark ``VmHWM`` is reset
(``/proc/self/clear_refs``) at the baseline, so ``peak_run`` is the true peak of the run
alone and ``peak_total`` that of run + tables + KPIs; elsewhere ``getrusage`` ``ru_maxrss``
is used (it cannot be reset, so small cases may show the import peak). ``held_by_result``
is the RSS right after the run: what the Result keeps alive. tracemalloc is not used: it
slows this allocation-heavy code 2-3x, too much at this size.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))


def _status_mib(field: str) -> float | None:
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024  # kB
    except OSError:
        pass
    return None


def _rss_mib() -> float:
    value = _status_mib("VmRSS")
    return value if value is not None else _maxrss_mib()


def _maxrss_mib() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 1024  # bytes on macOS, KiB on Linux


def _reset_peak() -> bool:
    """Reset the kernel's RSS high-water mark (Linux); False where that is not possible."""
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
    except OSError:
        return False
    return _status_mib("VmHWM") is not None


def _peak_mib(resettable: bool) -> float:
    value = _status_mib("VmHWM") if resettable else None
    return value if value is not None else _maxrss_mib()


def run_case(
    distributors: int,
    dealers: int,
    skus: int,
    days: int,
    record_events: bool,
    tables: bool,
    seed: int = 1,
    prefer_generator: bool = True,
) -> dict:
    from channel import scaling_scenario

    import chansim
    import chansim.metrics  # noqa: F401 - imported before the baseline, like pandas
    import chansim.results  # noqa: F401

    out: dict = {
        "distributors": distributors,
        "dealers_per_distributor": dealers,
        "dealers": distributors * dealers,
        "skus": skus,
        "days": days,
        "record_events": record_events,
    }
    t0 = time.perf_counter()
    scenario, source = scaling_scenario(distributors, dealers, skus, days, seed=seed, prefer_generator=prefer_generator)
    out["build_scenario_s"] = time.perf_counter() - t0
    out["scenario_source"] = source
    out["nodes"] = len(scenario.nodes)
    out["node_skus"] = sum(len(v) for v in scenario.topology.skus_of_node.values())
    import gc

    gc.collect()
    baseline = _rss_mib()
    resettable = _reset_peak()
    out["baseline_rss_mib"] = baseline
    out["peak_method"] = "VmHWM reset at baseline" if resettable else "ru_maxrss (not reset)"

    t0, c0 = time.perf_counter(), time.process_time()
    result = chansim.run(scenario, seed=seed, days=days, record_events=record_events)
    out["run_s"] = time.perf_counter() - t0
    out["run_cpu_s"] = time.process_time() - c0
    out["held_by_result_mib"] = _rss_mib() - baseline
    out["peak_run_mib"] = _peak_mib(resettable) - baseline

    if tables:
        c1 = time.process_time()
        t0 = time.perf_counter()
        out["levels_rows"] = len(result.levels)
        out["levels_s"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        out["orders_rows"] = len(result.orders)
        out["orders_s"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        out["money_rows"] = len(result.money)
        out["money_s"] = time.perf_counter() - t0
        out["tables_s"] = out["levels_s"] + out["orders_s"] + out["money_s"]
        if record_events:
            t0 = time.perf_counter()
            out["events_rows"] = len(result.events)
            out["events_s"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        kpis = result.kpis()
        out["kpis_s"] = time.perf_counter() - t0
        out["kpi_rows"] = len(kpis)
        out["total_s"] = out["run_s"] + out["tables_s"] + out["kpis_s"] + out.get("events_s", 0.0)
        out["total_cpu_s"] = out["run_cpu_s"] + time.process_time() - c1
    else:
        out["total_s"] = out["run_s"]
        out["total_cpu_s"] = out["run_cpu_s"]
    out["peak_total_mib"] = _peak_mib(resettable) - baseline
    return out


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--distributors", type=int, default=10)
    p.add_argument("--dealers", type=int, default=20, help="dealers per distributor")
    p.add_argument("--skus", type=int, default=20)
    p.add_argument("--days", type=int, default=365)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--no-events", action="store_true", help="run with record_events=False")
    p.add_argument("--no-tables", action="store_true", help="time the run only (no tables, no KPIs)")
    p.add_argument(
        "--own-builder", action="store_true", help="use benchmarks/channel.py even if chansim.generate exists"
    )
    a = p.parse_args(argv)
    out = run_case(
        a.distributors,
        a.dealers,
        a.skus,
        a.days,
        not a.no_events,
        not a.no_tables,
        a.seed,
        prefer_generator=not a.own_builder,
    )
    print(json.dumps(out))


if __name__ == "__main__":
    main()
