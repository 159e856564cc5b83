"""Broken ``business`` sections through the command line: exit 2, the field path, no traceback.

Each broken scenario goes through ``chansim run`` (one process per file, two at a time)
and ``chansim validate`` (all files in one call, each reported), in subprocesses
(``python -m chansim.cli``), the way a user meets them. Every problem line must start
with the full path of the field, from ``business.`` down to the key at fault
(``business.order_to_cash.approval_path[0].pool``), so that a user can find it.
"""

from __future__ import annotations

import copy
import os
import subprocess
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import yaml

CLI = [sys.executable, "-m", "chansim.cli"]

BASE: dict[str, Any] = {
    "name": "bad-business-base",
    "horizon_days": 10,
    "regions": [{"name": "north"}],
    "skus": [{"name": "widget", "unit_cost": 6, "list_price": 10}],
    "nodes": [
        {
            "name": "vendor",
            "kind": "vendor",
            "lanes": [{"supplier": None, "lead_time_days": 2}],
            "policy": {"type": "base_stock", "order_up_to": 40},
        },
        {
            "name": "dist",
            "kind": "distributor",
            "region": "north",
            "lanes": [{"supplier": "vendor", "lead_time_days": 2}],
            "policy": {"type": "base_stock", "order_up_to": 20},
        },
        {
            "name": "dealer",
            "kind": "dealer",
            "region": "north",
            "lanes": [{"supplier": "dist", "lead_time_days": 1}],
            "policy": {"type": "base_stock", "order_up_to": 10},
            "initial": {"on_hand": 10},
        },
    ],
    "markets": [
        {
            "name": "town",
            "served_by": "dealer",
            "region": "north",
            "demand": [{"sku": "widget", "distribution": {"type": "poisson", "mean": 3}}],
        }
    ],
    "business": {
        "partners": {
            "evaluation": {"criteria": [{"name": "capital", "weight": 1}, {"name": "team", "weight": 1}]},
            "training": {"events": [{"day": 3, "seats": 1, "tier": "silver"}]},
            "events": {"scheduled": [{"kind": "demand_shock", "target": "north", "day": 2, "magnitude": 1.2}]},
        },
        "tiers_by_node": {"dist": "gold", "dealer": "silver"},
        "order_to_cash": {
            "credit": {"default_credit_limit": 5000, "partners": {"dealer": {"credit_limit": 800}}},
            "approver_pools": [{"name": "finance", "approvers": 1}],
            "approval_path": [{"pool": "finance", "amount_above": 100}],
        },
        "incentives": {
            "targets": {"by_node": {"dealer": 300}},
            "plans": [
                {"name": "rebate", "scheme": {"type": "volume_rebate", "tiers": [[100, 1], [200, 2]]}},
                {
                    "name": "commission",
                    "applies_to": {"kinds": ["dealer"]},
                    "scheme": {
                        "type": "target_commission",
                        "on_target_earnings_pct": 2,
                        "curve": [[50, 0], [100, 100]],
                    },
                },
            ],
        },
        "funnel": {
            "lead_sources": [
                {"region": "north", "arrival_rate_per_day": 0.5, "sku_mix": [{"sku": "widget", "share": 1}]}
            ]
        },
    },
}


def variant(change: Callable[[dict[str, Any]], None]) -> str:
    """The base scenario with ``change`` applied to its business section (or, for ``_whole``, to all of it)."""
    doc = copy.deepcopy(BASE)
    change(doc if getattr(change, "whole", False) else doc["business"])
    return yaml.safe_dump(doc, sort_keys=False, allow_unicode=True)


def _whole(change: Callable[[dict[str, Any]], None]) -> Callable[[dict[str, Any]], None]:
    """Mark a change that edits the whole scenario, not only its business section."""
    change.whole = True  # type: ignore[attr-defined]
    return change


@_whole
def _weekly(doc: dict[str, Any]) -> None:
    """Weekly periods: the 30-day incentive plans no longer fit the sales periods."""
    doc["period_days"] = 7
    doc["horizon_days"] = 70
    for node in doc["nodes"]:
        node["lanes"][0]["lead_time_days"] = 7


def _steps(path: str) -> list[str | int]:
    steps: list[str | int] = []
    for part in path.replace("]", "").split("."):
        name, *indexes = part.split("[")
        steps.append(name)
        steps.extend(int(i) for i in indexes)
    return steps


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    """A change that sets ``a.b[0].c`` (below ``business``) to ``value``, creating mappings on the way."""

    def change(business: dict[str, Any]) -> None:
        *parents, last = _steps(path)
        target: Any = business
        for step in parents:
            target = target.setdefault(step, {}) if isinstance(step, str) else target[step]
        target[last] = value

    return change


def _rename(path: str, new_key: str) -> Callable[[dict[str, Any]], None]:
    def change(business: dict[str, Any]) -> None:
        *parents, last = _steps(path)
        target: Any = business
        for step in parents:
            target = target[step]
        target[new_key] = target.pop(last)

    return change


def _both(*changes: Callable[[dict[str, Any]], None]) -> Callable[[dict[str, Any]], None]:
    def change(business: dict[str, Any]) -> None:
        for one in changes:
            one(business)

    return change


OTC = "business.order_to_cash"
INC = "business.incentives"
FUN = "business.funnel"
PAR = "business.partners"

# (id, change to the business section, expected field paths (each starts a problem line), other fragments)
CASES: list[tuple[str, Callable[[dict[str, Any]], None], list[str], list[str]]] = [
    # unknown keys, with a near miss
    ("unknown-key-near-miss", _rename("order_to_cash.credit", "credti"), [f"{OTC}.credti"], ["did you mean 'credit'"]),
    ("unknown-business-key", _rename("incentives", "incentive"), ["business.incentive"], ["did you mean 'incentives'"]),
    (
        "unknown-partners-key",
        _set("partners.churn.intercpt", 1.0),
        [f"{PAR}.churn.intercpt"],
        ["did you mean 'intercept'"],
    ),
    # order to cash
    (
        "negative-credit-limit",
        _set("order_to_cash.credit.default_credit_limit", -5000),
        [f"{OTC}.credit.default_credit_limit"],
        ["-5000"],
    ),
    (
        "negative-partner-credit-limit",
        _set("order_to_cash.credit.partners.dealer.credit_limit", -1),
        [f"{OTC}.credit.partners.dealer.credit_limit"],
        [],
    ),
    (
        "credit-for-unknown-node",
        _set("order_to_cash.credit.partners.dealr", {"credit_limit": 10}),
        [f"{OTC}.credit.partners.dealr"],
        ["dealr"],
    ),
    ("unknown-on-exceed", _set("order_to_cash.credit.on_exceed", "maybe"), [f"{OTC}.credit.on_exceed"], ["maybe"]),
    (
        "unknown-approver-pool",
        _set("order_to_cash.approval_path[0].pool", "finanse"),
        [f"{OTC}.approval_path[0].pool"],
        ["finanse"],
    ),
    (
        "approval-rule-without-threshold",
        _set("order_to_cash.approval_path[0]", {"pool": "finance"}),
        [f"{OTC}.approval_path[0].amount_above"],
        [],
    ),
    (
        "duplicate-pool-and-unknown-pool",
        _both(
            _set("order_to_cash.approver_pools[0]", {"name": "finance"}),
            _set("order_to_cash.approver_pools", [{"name": "finance"}, {"name": "finance"}]),
            _set("order_to_cash.approval_path[0].pool", "legal"),
        ),
        [f"{OTC}.approver_pools[1].name", f"{OTC}.approval_path[0].pool"],
        ["legal"],
    ),
    (
        "absence-of-more-approvers-than-the-pool",
        _set("order_to_cash.approver_pools[0].absences", [{"start_day": 1, "end_day": 3, "approvers_absent": 2}]),
        [f"{OTC}.approver_pools[0].absences[0].approvers_absent"],
        [],
    ),
    (
        "recovery-share-above-one",
        _set("order_to_cash.payment.recovery_share", 1.5),
        [f"{OTC}.payment.recovery_share"],
        ["1.5"],
    ),
    # funnel
    (
        "conversion-probability-1.5",
        _set(
            "funnel.stages",
            [{"name": "lead", "conversion_probability": 1.5, "duration": {"type": "deterministic", "days": 1}}],
        ),
        [f"{FUN}.stages[0].conversion_probability"],
        ["1.5"],
    ),
    (
        "sku-shares-do-not-sum-to-one",
        _set("funnel.lead_sources[0].sku_mix[0].share", 0.6),
        [f"{FUN}.lead_sources[0].sku_mix"],
        ["sum"],
    ),
    (
        "lead-source-unknown-sku",
        _set("funnel.lead_sources[0].sku_mix[0].sku", "gizmo"),
        [f"{FUN}.lead_sources[0].sku_mix[0].sku"],
        ["gizmo"],
    ),
    (
        "lead-source-unknown-region",
        _set("funnel.lead_sources[0].region", "south"),
        [f"{FUN}.lead_sources[0].region"],
        ["south"],
    ),
    (
        "registration-at-unknown-stage",
        _set("funnel.deal_registration.register_at_stage", "closing"),
        [f"{FUN}.deal_registration.register_at_stage"],
        ["closing"],
    ),
    (
        "tier-without-routing-weight",
        _set("funnel.routing", {"tie_break": "tier_weighted", "tier_weights": {"gold": 1.0}}),
        [f"{FUN}.routing.tier_weights"],
        ["silver"],
    ),
    (
        "accept-probability-for-unknown-partner",
        _set("funnel.routing.partner_accept_probability", {"dealr": 0.5}),
        [f"{FUN}.routing.partner_accept_probability.dealr"],
        ["dealr"],
    ),
    (
        "routing-weight-for-unknown-tier",
        _set("funnel.routing.tier_weights", {"platinum": 2.0}),
        [f"{FUN}.routing.tier_weights.platinum"],
        ["platinum"],
    ),
    # tiers
    (
        "unknown-tier-in-tiers-by-node",
        _set("tiers_by_node.dealer", "platinum"),
        ["business.tiers_by_node.dealer"],
        ["platinum"],
    ),
    ("unknown-node-in-tiers-by-node", _set("tiers_by_node.dealr", "gold"), ["business.tiers_by_node.dealr"], ["dealr"]),
    (
        "promotion-thresholds-not-decreasing",
        _set(
            "partners.tiers.tiers",
            [
                {"name": "gold", "promotion_threshold": 50},
                {"name": "silver", "promotion_threshold": 60},
                {"name": "bronze"},
            ],
        ),
        [f"{PAR}.tiers.tiers[1].promotion_threshold"],
        [],
    ),  # fmt: skip
    (
        "training-for-unknown-tier",
        _set("partners.training.events[0].tier", "platinum"),
        [f"{PAR}.training.events[0].tier"],
        ["platinum"],
    ),
    (
        "event-in-unknown-region",
        _set("partners.events.scheduled[0].target", "south"),
        [f"{PAR}.events.scheduled[0].target"],
        ["south"],
    ),
    # weights
    (
        "evaluation-weights-not-positive",
        _set("partners.evaluation.criteria", [{"name": "capital", "weight": 0}, {"name": "team", "weight": 0}]),
        [f"{PAR}.evaluation.criteria"],
        ["weight"],
    ),
    (
        "negative-criterion-weight",
        _set("partners.evaluation.criteria[0].weight", -1),
        [f"{PAR}.evaluation.criteria[0].weight"],
        [],
    ),
    (
        "scorecard-weights-not-positive",
        _set("partners.scorecard", {"weights": {"fill_rate": 0}, "bounds": {}}),
        [f"{PAR}.scorecard.weights"],
        [],
    ),
    # incentives
    (
        "decreasing-rebate-thresholds",
        _set("incentives.plans[0].scheme.tiers", [[200, 1], [100, 2]]),
        [f"{INC}.plans[0].scheme.tiers[1].threshold"],
        [],
    ),
    ("unknown-scheme-type", _set("incentives.plans[0].scheme.type", "bonus"), [f"{INC}.plans[0].scheme"], ["bonus"]),
    (
        "commission-with-two-on-target-earnings",
        _set("incentives.plans[1].scheme.on_target_earnings", 500),
        [f"{INC}.plans[1].scheme.on_target_earnings_pct"],
        [],
    ),
    (
        "plan-for-unknown-tier",
        _set("incentives.plans[0].applies_to", {"tiers": ["platinum"]}),
        [f"{INC}.plans[0].applies_to.tiers[0]"],
        ["platinum"],
    ),
    (
        "target-for-unknown-node",
        _set("incentives.targets.by_node.dealr", 100),
        [f"{INC}.targets.by_node.dealr"],
        ["dealr"],
    ),
    ("plan-period-not-a-multiple-of-the-period", _weekly, [f"{INC}.plans[0].period_days"], ["7"]),
    (
        "target-plan-for-a-partner-without-target",
        _set("incentives.plans[1].applies_to", {}),  # the distributor has no target
        [f"{INC}.plans[1]"],
        ["dist"],
    ),
]


def run_cli(*args: str | Path, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *map(str, args)], capture_output=True, text=True, timeout=timeout)


def test_base_business_section_is_valid(tmp_path: Path) -> None:
    """The table's variants start from a scenario with a business section that runs."""
    path = tmp_path / "base.yaml"
    path.write_text(variant(lambda business: None), encoding="utf-8")
    done = run_cli("run", path, "--days", "5", "--format", "csv")
    assert done.returncode == 0, done.stderr
    assert "network" in done.stdout


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """Every broken file through `chansim run` (two at a time) and all through one `chansim validate`."""
    root = tmp_path_factory.mktemp("broken-business")
    paths = {}
    for case_id, change, _, _ in CASES:
        paths[case_id] = root / f"{case_id}.yaml"
        paths[case_id].write_text(variant(change), encoding="utf-8")
    with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2)) as pool:
        runs = dict(zip(paths, pool.map(lambda p: run_cli("run", p, "--days", "5"), paths.values()), strict=True))
    validate = run_cli("validate", *paths.values())
    blocks: dict[str, str] = {}
    for block in validate.stderr.split("chansim: error: ")[1:]:
        for case_id, path in paths.items():
            if block.startswith(f"{path}:"):
                blocks[case_id] = block
    oks = {case_id for case_id, path in paths.items() if f"{path}: ok" in validate.stdout}
    return runs, validate, blocks, oks


def _problem_lines(message: str) -> list[str]:
    """The lines after ``<file>: invalid scenario``."""
    return [line for line in message.strip().splitlines()[1:] if line.strip()]


def _check(message: str, paths: list[str], fragments: list[str]) -> None:
    assert "Traceback" not in message
    lines = _problem_lines(message)
    assert lines, message
    for line in lines:  # every problem is its own item and names a field of the business section
        assert line.startswith("  - business."), (line, message)
    for path in paths:  # the full path, then the problem
        named = any(line.startswith((f"  - {path}:", f"  - {path} ")) for line in lines)
        assert named, (path, message)
    for fragment in fragments:
        assert fragment in message, (fragment, message)


def _params() -> list[Any]:
    params = []
    for case_id, _, paths, fragments in CASES:
        params.append(pytest.param(case_id, paths, fragments, id=case_id))
    return params


@pytest.mark.parametrize(("case_id", "paths", "fragments"), _params())
def test_broken_business_section(outcomes, case_id: str, paths: list[str], fragments: list[str]) -> None:  # type: ignore[no-untyped-def]
    runs, validate, blocks, oks = outcomes
    run = runs[case_id]
    assert "Traceback" not in run.stderr + run.stdout
    assert run.returncode == 2, (run.returncode, run.stdout, run.stderr)
    assert run.stderr.startswith("chansim: error: ") and f"{case_id}.yaml" in run.stderr
    _check(run.stderr.removeprefix("chansim: error: "), paths, fragments)
    assert validate.returncode == 2
    assert case_id not in oks, f"validate reports {case_id}.yaml ok"
    assert case_id in blocks, validate.stderr
    _check(blocks[case_id], paths, fragments)
