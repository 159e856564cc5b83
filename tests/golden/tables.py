"""Digests of every table of every bundled scenario, to prove a refactoring changes no row.

``python tests/golden/tables.py --write`` records them in ``tables.json`` (run it only when a
change of results is intended and explained); ``tests/test_golden_tables.py`` compares.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
GOLDEN = HERE / "tables.json"
SEEDS = (7, 2024)
DAYS = 200  # long enough to reach every scenario's events, short enough for CI


def digest(frame: pd.DataFrame) -> str:
    """SHA-256 of the table as CSV (full float precision), so one changed row shows."""
    return hashlib.sha256(frame.to_csv(index=False).encode()).hexdigest()[:16]


def scenario_files() -> list[Path]:
    return sorted((ROOT / "scenarios").glob("*.yaml"))


def tables_of(path: Path, seed: int) -> dict[str, str]:
    import chansim

    scenario = chansim.load_scenario(path)
    result = chansim.run(scenario, seed=seed, days=min(DAYS, scenario.horizon_days))
    out = {name: digest(frame) for name, frame in sorted(result.tables().items())}
    out["kpis"] = digest(result.kpis())
    if scenario.business is not None:
        out["business_kpis"] = digest(result.business_kpis())
    return out


def collect() -> dict[str, dict[str, str]]:
    return {f"{path.name}@{seed}": tables_of(path, seed) for path in scenario_files() for seed in SEEDS}


if __name__ == "__main__":
    data = collect()
    if "--write" in sys.argv:
        GOLDEN.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")
        print(f"wrote {GOLDEN} ({sum(len(v) for v in data.values())} digests)")
    else:
        print(json.dumps(data, indent=1, sort_keys=True))
