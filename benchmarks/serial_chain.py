"""The 4-stage serial chain benchmark: chansim vs a hand-written SimPy model vs stockpyl.

The chain (stage 0 is downstream)::

    end customers <- retailer <- wholesaler <- distributor <- factory <- outside source

* base-stock (order-up-to ``S``) at every stage, reviewed every period;
* Poisson(``MEAN``) end-customer demand per period at the retailer;
* lead time ``L`` periods on every lane (period_days=1, lead_time_days=L);
* backorders everywhere; every stage starts with ``S`` on hand and nothing in the pipeline;
* cost: holding 1 and backorder 2 per unit per period at the retailer only (upstream
  stages and lanes carry no cost), so cost per period = on_hand_R + 2 * backorder_R.

Event order within a period (the same in all three models):

1. receipts: units shipped ``L`` periods ago are put on hand;
2. stages downstream first: the stage adds the orders it received this period (end-customer
   demand for the retailer, the downstream stage's order otherwise) to its backlog, ships
   ``min(on_hand, backlog)``, then orders ``max(0, S - (on_hand + on_order - backlog))``;
   the upstream stage sees that order in the same period; the factory's order ships at
   once from the outside source;
3. end-of-period on hand and backlog are recorded.

A unit shipped in period ``t`` is on hand at the start of period ``t + L``.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np
import simpy

STAGES = ("retailer", "wholesaler", "distributor", "factory")  # downstream first
KINDS = ("retailer", "wholesaler", "distributor", "factory")
S = 12
MEAN = 4.0
L = 2
HOLDING = 1.0  # per unit per period, retailer only
BACKORDER = 2.0  # per unit per period, retailer only


# --------------------------------------------------------------------------- chansim


def chansim_scenario(periods: int):  # type: ignore[no-untyped-def]
    """The chain as a chansim scenario, built in Python with ``parse_scenario``."""
    import chansim

    nodes = []
    for i, (name, kind) in enumerate(zip(STAGES, KINDS, strict=True)):
        supplier = STAGES[i + 1] if i + 1 < len(STAGES) else None
        nodes.append(
            {
                "name": name,
                "kind": kind,
                "lanes": [{"supplier": supplier, "lead_time_days": L}],
                "policy": {"type": "base_stock", "order_up_to": S},
                "initial": {"on_hand": S},
                "holding_cost_per_unit_day": HOLDING if i == 0 else 0.0,
                "backorder_cost_per_unit_day": BACKORDER if i == 0 else 0.0,
            }
        )
    return chansim.parse_scenario(
        {
            "name": "serial-4",
            "description": "4-stage serial chain, base stock 12, Poisson(4), lead time 2",
            "period_days": 1,
            "horizon_days": periods,
            "skus": [{"name": "item", "unit_cost": 1.0, "list_price": 2.0}],
            "nodes": nodes,
            "markets": [
                {
                    "name": "end",
                    "served_by": "retailer",
                    "demand": [{"sku": "item", "distribution": {"type": "poisson", "mean": MEAN}}],
                }
            ],
        }
    )


@dataclass
class RepStats:
    """Statistics of one replication: per-stage means (downstream first) and cost per period."""

    on_hand: list[float]
    backorder: list[float]
    cost_per_period: float


def chansim_stats_from_levels(result) -> RepStats:  # type: ignore[no-untyped-def]
    """What a user does with ``result.levels``: one groupby for the per-stage means."""
    lv = result.levels
    means = lv.groupby("node", sort=False)[["on_hand", "backorder"]].mean()
    oh = [float(means.at[s, "on_hand"]) for s in STAGES]
    bo = [float(means.at[s, "backorder"]) for s in STAGES]
    return RepStats(oh, bo, HOLDING * oh[0] + BACKORDER * bo[0])


def chansim_stats_from_kpis(result) -> RepStats:  # type: ignore[no-untyped-def]
    """The documented user path: ``result.kpis()``, network ``total_cost_per_day``."""
    k = result.kpis().set_index("node")
    oh = [float(k.at[s, "mean_on_hand"]) for s in STAGES]
    bo = [float(k.at[s, "mean_backorder"]) for s in STAGES]
    return RepStats(oh, bo, float(k.at["network", "total_cost_per_day"]))


def run_chansim(
    scenario, periods: int, reps: int, seed: int, *, record_events: bool = False, stats: str = "levels"
) -> tuple[float, list[RepStats]]:
    """Wall seconds and per-replication statistics of ``reps`` chansim replications."""
    import chansim

    extract = chansim_stats_from_kpis if stats == "kpis" else chansim_stats_from_levels
    out = []
    t0 = time.perf_counter()
    for r in range(reps):
        result = chansim.run(scenario, seed=seed, days=periods, replication=r, record_events=record_events)
        if stats != "none":
            out.append(extract(result))
    return time.perf_counter() - t0, out


# --------------------------------------------------------------------------- hand-written SimPy


def hand_simpy_chain(
    demand: list, n: int = 4, base_stock: int = S, lead: int = L, trace: list | None = None
) -> RepStats:
    """A minimal SimPy model of the chain: one period-clock process, shipments as timeouts.

    ``demand`` is the end-customer demand of each period (a list of ints). A shipment is an
    ``env.timeout(lead, (stage, qty))`` whose callback puts the units on hand. It is
    scheduled during period ``t`` for time ``t + lead``; the clock's own timeout for that
    time is scheduled later (at ``t + lead - 1`` or, for ``lead == 1``, at the end of
    period ``t``), and SimPy runs same-time events in scheduling order, so receipts always
    come before the period's work, exactly as in chansim.

    With ``trace`` a list, ``(on_hand, backlog)`` tuples per stage are appended each period.
    """
    env = simpy.Environment()
    on_hand = [base_stock] * n
    backlog = [0] * n
    on_order = [0] * n
    sum_oh = [0] * n
    sum_bo = [0] * n
    periods = len(demand)
    last = n - 1

    def receive(event) -> None:  # type: ignore[no-untyped-def]
        i, q = event.value
        on_hand[i] += q
        on_order[i] -= q

    def clock(env):  # type: ignore[no-untyped-def]
        timeout = env.timeout
        for t in range(periods):
            incoming = demand[t]  # end-customer demand, then each stage's order upstream
            for i in range(n):
                oh = on_hand[i]
                b = backlog[i] + incoming
                q = oh if oh < b else b
                if q > 0:
                    oh -= q
                    b -= q
                    if i:  # ship to the downstream stage; the retailer's customers take it at once
                        timeout(lead, (i - 1, q)).callbacks.append(receive)
                on_hand[i] = oh
                backlog[i] = b
                order = base_stock - (oh + on_order[i] - b)
                if order > 0:
                    on_order[i] += order
                    incoming = order
                    if i == last:  # the outside source ships at once
                        timeout(lead, (i, order)).callbacks.append(receive)
                else:
                    incoming = 0
            for i in range(n):
                sum_oh[i] += on_hand[i]
                sum_bo[i] += backlog[i]
            if trace is not None:
                trace.append([(on_hand[i], backlog[i]) for i in range(n)])
            yield timeout(1)

    env.process(clock(env))
    env.run(until=periods)
    oh = [x / periods for x in sum_oh]
    bo = [x / periods for x in sum_bo]
    return RepStats(oh, bo, HOLDING * oh[0] + BACKORDER * bo[0])


def run_hand(periods: int, reps: int, seed: int) -> tuple[float, list[RepStats]]:
    """Wall seconds (demand drawing included) and statistics of ``reps`` hand-SimPy replications."""
    out = []
    t0 = time.perf_counter()
    for r in range(reps):
        rng = np.random.default_rng([seed, r, 0xC0FFEE])
        demand = rng.poisson(MEAN, periods).tolist()
        out.append(hand_simpy_chain(demand))
    return time.perf_counter() - t0, out


def exact_trace_check(scenario, periods: int, reps: int, seed: int) -> dict:  # type: ignore[no-untyped-def]
    """Feed the hand model chansim's own demand; the per-period levels must be identical.

    The demand is read from ``result.levels`` (public API), so this does not depend on how
    chansim draws its random numbers.
    """
    import chansim

    mismatches = 0
    compared = 0
    first = None
    for r in range(reps):
        result = chansim.run(scenario, seed=seed, days=periods, replication=r, record_events=False)
        lv = result.levels
        by_node = {s: lv[lv["node"] == s].sort_values("day") for s in STAGES}
        demand = [int(x) for x in by_node["retailer"]["demand"].to_numpy()]
        trace: list = []
        hand_simpy_chain(demand, trace=trace)
        for i, s in enumerate(STAGES):
            oh = by_node[s]["on_hand"].to_numpy()
            bo = by_node[s]["backorder"].to_numpy()
            h_oh = np.array([row[i][0] for row in trace], dtype=float)
            h_bo = np.array([row[i][1] for row in trace], dtype=float)
            bad = np.flatnonzero((oh != h_oh) | (bo != h_bo))
            compared += len(oh)
            mismatches += len(bad)
            if len(bad) and first is None:
                t = int(bad[0])
                first = {
                    "replication": r,
                    "stage": s,
                    "period": t,
                    "chansim": [float(oh[t]), float(bo[t])],
                    "hand": [float(h_oh[t]), float(h_bo[t])],
                }
    return {
        "replications": reps,
        "stage_periods_compared": compared,
        "mismatches": mismatches,
        "first_mismatch": first,
        "identical": mismatches == 0,
    }


# --------------------------------------------------------------------------- stockpyl


def stockpyl_available() -> bool:
    try:
        import stockpyl.sim  # noqa: F401
        import stockpyl.supply_chain_network  # noqa: F401
    except Exception:  # noqa: BLE001 - any import problem means "not available"
        return False
    return True


def stockpyl_network():  # type: ignore[no-untyped-def]
    """The chain in stockpyl: nodes 4 (factory, upstream) ... 1 (retailer, downstream).

    ``shipment_lead_time = L`` and ``order_lead_time = 0``: stockpyl puts a shipment of
    period t in slot L of the successor's pipeline, received in period t + L before that
    period's shipments; its BS policy orders ``S - (IP - this period's demand)``, i.e. the
    position after demand, like chansim. Initial inventory level defaults to S.
    """
    from stockpyl.supply_chain_network import serial_system

    return serial_system(
        num_nodes=4,
        node_order_in_system=[4, 3, 2, 1],
        local_holding_cost={1: HOLDING, 2: 0.0, 3: 0.0, 4: 0.0},
        stockout_cost=BACKORDER,
        demand_type="P",
        mean=MEAN,
        policy_type="BS",
        base_stock_level=S,
        shipment_lead_time=L,
        order_lead_time=0,
    )


def run_stockpyl(periods: int, reps: int, seed: int) -> tuple[float, list[RepStats]]:
    """Wall seconds and statistics of ``reps`` stockpyl simulations (network built once)."""
    from stockpyl.sim import simulation

    network = stockpyl_network()
    by_index = {n.index: n for n in network.nodes}
    order = [1, 2, 3, 4]  # retailer .. factory
    out = []
    t0 = time.perf_counter()
    for r in range(reps):
        simulation(network, periods, rand_seed=seed * 1000 + r + 1, progress_bar=False, consistency_checks="N")
        oh, bo = [], []
        for idx in order:
            node = by_index[idx]
            prod = node.product_indices[0]
            il = np.fromiter((node.state_vars[t].inventory_level[prod] for t in range(periods)), float, periods)
            oh.append(float(np.maximum(il, 0).mean()))
            bo.append(float(np.maximum(-il, 0).mean()))
        out.append(RepStats(oh, bo, HOLDING * oh[0] + BACKORDER * bo[0]))
    return time.perf_counter() - t0, out


# --------------------------------------------------------------------------- comparison


def summarize_stats(stats: list[RepStats]) -> dict:
    """Mean and standard error over replications of each statistic."""

    def ms(values: list[float]) -> tuple[float, float]:
        a = np.asarray(values, dtype=float)
        se = float(a.std(ddof=1) / math.sqrt(len(a))) if len(a) > 1 else math.nan
        return float(a.mean()), se

    out: dict = {"replications": len(stats)}
    for i, s in enumerate(STAGES):
        out[f"{s}_on_hand"] = ms([x.on_hand[i] for x in stats])
        out[f"{s}_backorder"] = ms([x.backorder[i] for x in stats])
    out["cost_per_period"] = ms([x.cost_per_period for x in stats])
    return out


def compare(a: dict, b: dict, keys: list[str], z_max: float = 4.0, rel_max: float = 0.05) -> dict:
    """Two-sample comparison of means: relative difference and z = diff / SE(diff).

    Agreement: |z| <= z_max (statistically indistinguishable) - with 100 x 1000 periods the
    standard errors are small enough that this also means a difference of a few percent.
    """
    rows = {}
    ok = True
    for k in keys:
        (ma, sa), (mb, sb) = a[k], b[k]
        diff = ma - mb
        se = math.sqrt((sa or 0.0) ** 2 + (sb or 0.0) ** 2)
        z = diff / se if se > 0 else (0.0 if diff == 0 else math.inf)
        rel = diff / mb if mb else math.nan
        agree = abs(z) <= z_max
        ok &= agree
        rows[k] = {"a": ma, "b": mb, "rel_diff": rel, "z": z, "agree": agree, "within_rel": abs(rel) <= rel_max}
    return {"agree": ok, "checks": rows}
