"""``Session.fork()``: an independent copy that continues exactly as the original would.

Advance, fork, advance both with the same decisions: identical tables (the business
tables included), equal to a straight run; deciding or advancing on one leaves the other
unchanged. Over random engine scenarios (with manual nodes) and the bundled scenarios,
business ones included (approvals with SimPy resources, the funnel, the partner
lifecycle, the ledger's insolvency watches all running at the fork).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import yaml
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from strategies import scenario_dicts

import chansim
from chansim import parse_scenario

ROOT = Path(__file__).resolve().parents[1]
BUNDLED = sorted((ROOT / "scenarios").glob("*.yaml"))
SETTINGS = dict(
    deadline=None,
    phases=tuple(p for p in Phase if p is not Phase.shrink),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
seeds = st.integers(0, 2**32 - 1)


def digests(session: chansim.Session) -> dict[str, str]:
    """SHA-256 of every table of the session's result as CSV (one changed row shows)."""
    tables = session.result().tables()
    out = {name: hashlib.sha256(frame.to_csv(index=False).encode()).hexdigest() for name, frame in tables.items()}
    out["state"] = hashlib.sha256(session.state().to_csv(index=False).encode()).hexdigest()
    return out


def decide(session: chansim.Session, decisions: dict[tuple[int, str, str], float]) -> None:
    session.set_decisions({key: qty for key, qty in decisions.items() if key[0] >= session.period})


def check_fork(scenario: chansim.Scenario, seed: int, fork_period: int, periods: int, decisions: dict) -> None:
    straight = chansim.Session(scenario, seed=seed)
    decide(straight, decisions)
    straight.advance(periods=periods)

    original = chansim.Session(scenario, seed=seed)
    decide(original, decisions)
    original.advance(periods=fork_period)
    before = digests(original)
    twin = original.fork()
    assert twin is not original and twin.env is not original.env
    assert digests(twin) == before  # the copy starts where the original stands

    # the fork runs ahead (with other decisions, for the independence part) on a copy of it
    scout = twin.fork()
    for node, sku in scout.manual_items:
        scout.set_order(node, sku, 7.0)
    scout.advance(periods=periods - fork_period + 3)
    assert digests(original) == before  # advancing a fork does not touch the original
    assert digests(twin) == before

    twin.advance(periods=periods - fork_period)
    assert digests(original) == before
    original.advance(periods=periods - fork_period)
    expected = digests(straight)
    assert digests(original) == expected
    assert digests(twin) == expected


@settings(max_examples=40, **SETTINGS)
@given(data=st.data())
def test_fork_of_random_scenarios_continues_as_the_original(data: st.DataObject) -> None:
    scenario = parse_scenario(data.draw(scenario_dicts(manual=True), label="doc"))
    seed = data.draw(seeds, label="seed")
    periods = -(-scenario.horizon_days // scenario.period_days)
    fork_period = data.draw(st.integers(0, periods), label="fork at")
    manual = chansim.Session(scenario, seed=seed).manual_items
    quantity = st.integers(0, 30) if scenario.units == "discrete" else st.floats(0, 30, allow_nan=False)
    keys = st.tuples(st.integers(0, periods - 1), st.sampled_from(manual))
    chosen = data.draw(st.dictionaries(keys, quantity, max_size=2 * periods), label="decisions")
    decisions = {(k, node, sku): float(qty) for (k, (node, sku)), qty in chosen.items()}
    check_fork(scenario, seed, fork_period, periods, decisions)


@settings(max_examples=25, **SETTINGS)
@given(
    path=st.sampled_from(BUNDLED),
    seed=seeds,
    fork_day=st.integers(0, 150),
    more_days=st.integers(1, 60),
)
def test_fork_of_bundled_scenarios_continues_as_the_original(path: Path, seed: int, fork_day: int, more_days: int) -> None:
    """The bundled scenarios, business ones included, forked at a random day."""
    scenario = chansim.load_scenario(path)
    P = scenario.period_days
    fork_period = fork_day // P
    periods = fork_period + -(-more_days // P)
    check_fork(scenario, seed, fork_period, periods, {})


def test_fork_in_the_middle_of_approvals_and_held_orders() -> None:
    """stage-4 at day 101: orders wait in approval queues and on the credit desk at the fork."""
    scenario = chansim.load_scenario(ROOT / "scenarios" / "stage-4-operations.yaml")
    session = chansim.Session(scenario, seed=5).advance(101)
    runtime = session.business
    assert runtime is not None and runtime.order_to_cash is not None
    office = runtime.order_to_cash.office
    busy = sum(office.approvers_busy(pool.name) for pool in runtime.order_to_cash.config.approver_pools)
    assert busy > 0  # approvals are under way: SimPy resources hold requests at the fork
    check_fork(scenario, 5, 101, 200, {})


def test_a_decision_on_the_fork_does_not_reach_the_original() -> None:
    text = (ROOT / "scenarios" / "beer-game.yaml").read_text()
    first = text.index("policy: {type: sterman")
    end = text.index("}", first) + 1
    scenario = chansim.parse_scenario(yaml.safe_load(text[:first] + "policy: {type: manual}" + text[end:]))
    session = chansim.Session(scenario, seed=1).advance(periods=5)
    node, sku = session.manual_items[0]
    twin = session.fork()
    twin.set_order(node, sku, 99.0)
    assert (5, node, sku) not in session.decisions
    twin.advance(periods=1)
    session.advance(periods=1)
    assert not session.result().levels.equals(twin.result().levels)
    assert session.state()["on_order"].sum() != twin.state()["on_order"].sum()
