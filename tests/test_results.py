"""Result tables, export, replications and the CLI's KPI output.

What is checked is what ``docs/kpis.md`` and ``docs/cli.md`` promise: the tables'
columns, ids on every row, files that read back equal, KPI names and confidence
intervals, byte-identical output for the same command.
"""

from __future__ import annotations

import io
import json
import math
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

import chansim
from chansim.metrics import KPI_NAMES
from chansim.results import MONEY_ACCOUNTS

ROOT = Path(__file__).resolve().parent.parent
DISRUPTION = ROOT / "scenarios" / "supply-disruption.yaml"
SINGLE = ROOT / "scenarios" / "single-stage.yaml"
CLI = [sys.executable, "-m", "chansim.cli"]
ID_COLUMNS = ["scenario", "replication", "seed"]

DOCUMENTED = {  # docs/kpis.md "Where the numbers come from" and docs/cli.md "--out tables"
    "events": ["day", "event", "node", "counterpart", "sku", "qty", "order_id"],
    "levels": [
        "day",
        "period",
        "node",
        "sku",
        "on_hand",
        "backorder",
        "on_order",
        "in_transit",
        "demand",
        "shipped",
        "sell_in",
        "received",
        "ordered",
        "lost",
        "orders_placed",
    ],
    "orders": [
        "order_id",
        "kind",
        "customer",
        "supplier",
        "sku",
        "qty",
        "placed_day",
        "due_day",
        "seen_day",
        "shipped",
        "shipped_on_arrival",
        "received",
        "cancelled",
        "last_receipt_day",
        "closed",
        "cycle_time_days",
        "in_full",
        "on_time",
        "otif",
    ],
    "money": ["day", "period", "node", "sku", "account", "amount"],
}
CLI_KPIS = [
    "fill_rate",
    "otif",
    "mean_on_hand",
    "mean_backorder",
    "stockout_rate",
    "bullwhip",
    "inventory_turns",
    "weeks_of_supply",
    "total_cost",
]


@pytest.fixture(scope="module")
def disruption() -> chansim.Scenario:
    return chansim.load_scenario(DISRUPTION)


@pytest.fixture(scope="module")
def result(disruption: chansim.Scenario):  # type: ignore[no-untyped-def]
    return chansim.run(disruption, seed=7, days=90, replication=2)


def run_cli(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *map(str, args)], capture_output=True, text=True, timeout=120)


def _plain(frame: pd.DataFrame) -> pd.DataFrame:
    """Categorical columns as plain strings (CSV has no categories)."""
    out = frame.copy()
    for column in out.columns:
        if isinstance(out[column].dtype, pd.CategoricalDtype):
            out[column] = out[column].astype(str)
        elif out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].astype(str)
    return out


# --------------------------------------------------------------------------- tables


@pytest.mark.parametrize("name", list(DOCUMENTED))
def test_tables_have_the_documented_columns_and_ids_on_every_row(result, name: str) -> None:  # type: ignore[no-untyped-def]
    table = getattr(result, name)
    assert len(table) > 0
    assert list(table.columns[:3]) == ID_COLUMNS
    missing = [c for c in DOCUMENTED[name] if c not in table.columns]
    assert not missing, missing
    assert (table["scenario"] == "supply-disruption").all()
    assert (table["replication"] == 2).all()
    assert (table["seed"] == 7).all()
    assert result.tables()[name] is table


def test_table_values_are_the_documented_ones(result, disruption: chansim.Scenario) -> None:  # type: ignore[no-untyped-def]
    assert (
        {"demand", "ordered", "shipped", "received"}
        <= set(result.events["event"])
        <= {"demand", "ordered", "shipped", "received", "lost"}
    )
    assert set(result.orders["kind"]) <= {"customer", "replenishment", "initial"}
    assert set(result.money["account"]) <= set(MONEY_ACCOUNTS)
    assert (result.money["amount"] != 0).all()  # non-zero amounts only
    lv = result.levels
    assert sorted(lv["period"].unique()) == list(range(90))
    assert (lv["day"] == lv["period"] * disruption.period_days).all()
    nodes = {n.name for n in disruption.nodes}
    assert set(lv["node"].astype(str)) == nodes
    orders = result.orders
    assert orders["order_id"].is_unique
    assert (orders["closed"] == orders["last_receipt_day"].notna()).all()
    closed = orders[orders["closed"]]
    np.testing.assert_allclose(closed["cycle_time_days"], closed["last_receipt_day"] - closed["placed_day"])
    assert (orders["otif"] == (orders["in_full"] & orders["on_time"])).all()


def test_result_metadata(result) -> None:  # type: ignore[no-untyped-def]
    meta = result.metadata
    assert meta["chansim_version"] == chansim.__version__
    assert (meta["scenario"], meta["seed"], meta["replication"], meta["days"]) == ("supply-disruption", 7, 2, 90)
    assert re.fullmatch(r"[0-9a-f]{12}", meta["scenario_digest"])


# --------------------------------------------------------------------------- export


def test_export_csv_reads_back_equal(result, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    paths = result.export(tmp_path / "csv", "csv")
    names = sorted(p.name for p in paths)
    assert names == ["events.csv", "levels.csv", "metadata.json", "money.csv", "orders.csv"]
    for name, table in result.tables().items():
        back = pd.read_csv(tmp_path / "csv" / f"{name}.csv")
        assert list(back.columns) == list(table.columns)
        assert_frame_equal(_plain(back), _plain(table), check_dtype=False, obj=name)
    meta = json.loads((tmp_path / "csv" / "metadata.json").read_text(encoding="utf-8"))
    assert meta["chansim_version"] == chansim.__version__
    assert meta["seed"] == 7
    assert meta.pop("files") == ["events.csv", "levels.csv", "money.csv", "orders.csv"]  # what the export wrote
    assert meta == json.loads(json.dumps(result.metadata))
    assert not list((tmp_path / "csv").glob("*.tmp"))


def test_export_parquet_reads_back_equal(result, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    result.export(tmp_path / "pq", "parquet")
    for name, table in result.tables().items():
        back = pd.read_parquet(tmp_path / "pq" / f"{name}.parquet")
        assert_frame_equal(_plain(back), _plain(table), obj=name)
        embedded = json.loads(back.attrs["chansim"])  # the metadata travels with the table
        assert embedded["seed"] == 7 and embedded["chansim_version"] == chansim.__version__
    meta = json.loads((tmp_path / "pq" / "metadata.json").read_text(encoding="utf-8"))
    assert (meta["seed"], meta["chansim_version"]) == (7, chansim.__version__)


def test_export_rejects_unknown_formats(result, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match="format"):
        result.export(tmp_path / "x", "xlsx")


# --------------------------------------------------------------------------- replications


@pytest.fixture(scope="module")
def three(disruption: chansim.Scenario):  # type: ignore[no-untyped-def]
    return chansim.replicate(disruption, n=3, seed=5, days=60)


def test_replicate_numbers_replications_and_summarises_kpis(three, disruption: chansim.Scenario) -> None:  # type: ignore[no-untyped-def]
    assert len(three) == 3
    for name, table in three.tables().items():
        assert sorted(table["replication"].unique()) == [0, 1, 2], name
        assert (table["seed"] == 5).all(), name
    summary = three.kpis()
    for kpi in KPI_NAMES:
        assert kpi in summary.columns and f"{kpi}_ci95" in summary.columns and f"{kpi}_std" in summary.columns
    assert (summary["replications"] == 3).all()
    assert summary["node"].tolist().count("network") == 1
    by_rep = three.kpis_by_replication()
    assert sorted(by_rep["replication"].unique()) == [0, 1, 2]
    net = by_rep[by_rep["node"] == "network"]["fill_rate"].to_numpy()
    row = summary[summary["node"] == "network"].iloc[0]
    assert row["fill_rate"] == pytest.approx(net.mean())
    # t(0.975, 2) = 4.303
    assert row["fill_rate_ci95"] == pytest.approx(4.303 * net.std(ddof=1) / math.sqrt(3))
    assert three.metadata["replications"] == 3


def test_replications_are_independent_and_reproducible(three, disruption: chansim.Scenario) -> None:  # type: ignore[no-untyped-def]
    levels = [r.levels.drop(columns=["replication"]) for r in three.results]
    assert not levels[0].equals(levels[1]) and not levels[1].equals(levels[2])
    again = chansim.run(disruption, seed=5, days=60, replication=1)
    for name in ("levels", "events", "orders", "money"):
        assert_frame_equal(getattr(again, name), getattr(three.results[1], name))


def test_idle_node_has_a_kind_and_zero_costs() -> None:
    """A distributor no dealer buys from stocks nothing: its KPI row still says what it is
    and costs nothing (not NaN)."""
    doc = {
        "name": "idle",
        "horizon_days": 5,
        "skus": [{"name": "a", "unit_cost": 1, "list_price": 2}],
        "nodes": [
            {
                "name": "vendor",
                "kind": "vendor",
                "lanes": [{"lead_time_days": 1}],
                "policy": {"type": "base_stock", "order_up_to": 5},
            },
            {
                "name": "spare",
                "kind": "distributor",
                "lanes": [{"supplier": "vendor", "lead_time_days": 1}],
                "policy": {"type": "base_stock", "order_up_to": 5},
            },
            {
                "name": "dealer",
                "kind": "dealer",
                "lanes": [{"supplier": "vendor", "lead_time_days": 1}],
                "policy": {"type": "base_stock", "order_up_to": 5},
            },
        ],
        "markets": [
            {
                "name": "m",
                "served_by": "dealer",
                "demand": [{"sku": "a", "distribution": {"type": "deterministic", "value": 1}}],
            }
        ],
    }
    kpis = chansim.run(chansim.parse_scenario(doc)).kpis().set_index("node")
    assert kpis.loc["spare", "kind"] == "distributor"
    assert kpis.loc["spare", "total_cost"] == 0
    assert kpis.loc["spare", "revenue"] == 0


def test_network_kpis_exclude_sales_between_nodes() -> None:
    """The vendor sells 1/day directly (market `web`) and supplies the dealer, who sells 2/day.
    The network sold 12 units to end customers for 8 x 10 + 4 x 6 = 104; the vendor's 8 units
    to the dealer are internal and count neither as revenue nor as sell-through."""
    doc = {
        "name": "direct-and-dealer",
        "horizon_days": 4,
        "skus": [{"name": "a", "unit_cost": 1, "list_price": 10}],
        "nodes": [
            {
                "name": "vendor",
                "kind": "vendor",
                "lanes": [{"lead_time_days": 1}],
                "policy": {"type": "base_stock", "order_up_to": 10},
                "initial": {"on_hand": 10},
            },
            {
                "name": "dealer",
                "kind": "dealer",
                "lanes": [{"supplier": "vendor", "lead_time_days": 1}],
                "policy": {"type": "base_stock", "order_up_to": 5},
                "initial": {"on_hand": 5},
            },
        ],
        "markets": [
            {
                "name": "shop",
                "served_by": "dealer",
                "demand": [{"sku": "a", "distribution": {"type": "deterministic", "value": 2}}],
            },
            {
                "name": "web",
                "served_by": "vendor",
                "demand": [{"sku": "a", "distribution": {"type": "deterministic", "value": 1}}],
            },
        ],
    }
    result = chansim.run(chansim.parse_scenario(doc))
    network = result.kpis().set_index("node").loc["network"]
    assert network["revenue"] == pytest.approx(104)
    assert network["sell_through"] == 12
    assert network["demand"] == 12
    assert network["cost_of_goods"] == pytest.approx(12)


# --------------------------------------------------------------------------- CLI output


SNAKE = re.compile(r"[a-z][a-z0-9]*(_[a-z0-9]+)*")


def test_cli_json_output(disruption: chansim.Scenario) -> None:
    done = run_cli("run", DISRUPTION, "--seed", "3", "--days", "60", "--format", "json")
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)  # exactly one JSON document
    assert (document["scenario"], document["seed"], document["days"], document["replications"]) == (
        "supply-disruption",
        3,
        60,
        1,
    )
    rows = document["kpis"]
    assert [r["node"] for r in rows].count("network") == 1
    assert {r["node"] for r in rows} == {n.name for n in disruption.nodes} | {"network"}
    for row in rows:
        for key in row:
            assert SNAKE.fullmatch(key), key
        for kpi in CLI_KPIS:
            assert kpi in row, kpi
        assert set(KPI_NAMES) <= set(row)
    network = next(r for r in rows if r["node"] == "network")
    assert 0 <= network["fill_rate"] <= 1
    assert network["total_cost"] >= 0


def test_cli_json_with_replications_has_ci95() -> None:
    done = run_cli("run", SINGLE, "--seed", "1", "--days", "30", "--replications", "3", "--format", "json", "--quiet")
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)["kpis"]
    for row in rows:
        assert row["replications"] == 3
        for kpi in KPI_NAMES:
            assert f"{kpi}_ci95" in row, kpi
    network = next(r for r in rows if r["node"] == "network")
    assert network["fill_rate_ci95"] is not None and network["fill_rate_ci95"] >= 0


def test_cli_is_deterministic_and_seed_sensitive() -> None:
    args = ["run", DISRUPTION, "--seed", "11", "--days", "60", "--format", "json"]
    first, second = run_cli(*args), run_cli(*args)
    assert first.returncode == 0, first.stderr
    assert first.stdout.encode() == second.stdout.encode()
    other = run_cli("run", DISRUPTION, "--seed", "12", "--days", "60", "--format", "json")
    assert other.stdout != first.stdout


def test_cli_csv_output_parses(tmp_path: Path) -> None:
    done = run_cli("run", DISRUPTION, "--seed", "3", "--days", "60", "--format", "csv", "--out", tmp_path / "out")
    assert done.returncode == 0, done.stderr
    table = pd.read_csv(io.StringIO(done.stdout))
    assert (table["node"] == "network").sum() == 1
    assert set(CLI_KPIS) <= set(table.columns)
    # the same numbers as the JSON output
    as_json = json.loads(run_cli("run", DISRUPTION, "--seed", "3", "--days", "60", "--format", "json").stdout)
    network_json = next(r for r in as_json["kpis"] if r["node"] == "network")
    network_csv = table[table["node"] == "network"].iloc[0]
    for kpi in CLI_KPIS:
        assert network_csv[kpi] == pytest.approx(network_json[kpi], nan_ok=True)
    # --out wrote the tables, the KPIs and the metadata
    written = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert written == ["events.csv", "kpis.csv", "levels.csv", "metadata.json", "money.csv", "orders.csv"]
    meta = json.loads((tmp_path / "out" / "metadata.json").read_text(encoding="utf-8"))
    assert (meta["seed"], meta["chansim_version"]) == (3, chansim.__version__)
    assert_frame_equal(pd.read_csv(tmp_path / "out" / "kpis.csv"), table)
