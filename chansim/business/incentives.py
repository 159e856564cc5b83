r"""Incentives: the rebates and commissions a supplier pays its channel partners.

The configuration models sit in a scenario file under ``business.incentives`` (see
:class:`Incentives`); :func:`compute_incentives` turns a table of partner sales into one
settlement row per partner, plan and settlement period; :func:`incentive_money_rows`
books those settlements as money (income at the partner, expense at the payer).

Notation
--------
For a partner *n* and a plan with settlement period ``D = plan.period_days`` days,
settlement period *j* (j = 0, 1, ...) covers days ``j·D <= day < (j+1)·D`` and is
settled on ``settlement_day = (j+1)·D``, the day it closes. A sales row labelled ``day``
covers days ``day .. day + P - 1`` (``P`` = the ``period_days`` argument, the length
of a simulation period); ``D`` must be a multiple of ``P``.

``S`` is the partner's *basis* in the period: the sum of its ``purchases`` (what it
bought from its supplier) or of its ``sell_out`` (what it sold to its customers),
whichever the plan's ``measure`` names, over the plan's ``skus`` (all SKUs when not
given). ``T`` is the partner's target for the period (see *Targets*) and
``a = 100 · S / T`` its attainment in percent. Percentages in the configuration
(``..._pct``) are written as humans write them (3 means 3 %); ``r_k`` below is
``rebate_pct / 100``.

Formulas
--------
**Volume rebate** (``VolumeRebate``), tiers ``(t_1, r_1) < (t_2, r_2) < ...``
(thresholds strictly increasing, rates non-decreasing):

- ``retroactive``: the highest tier reached pays on every unit back to the first:
  ``amount = S · r_k`` with ``k = max{k : S >= t_k}``; 0 when ``S < t_1``.
  Reaching a threshold exactly qualifies. (A partner just below a threshold gains
  more than the extra purchase by crossing it: the cliff that drives forward buying.)
- ``marginal``: each rate pays only on the part of ``S`` inside its tier:
  ``amount = Σ_k r_k · max(0, min(S, t_{k+1}) - t_k)`` with ``t_{K+1} = ∞``;
  the part below ``t_1`` earns nothing.

**Growth rebate** (``GrowthRebate``): the reference ``R`` is the partner's basis in
the same period of the previous cycle (period ``j - cycle_days/D``) or in the previous
period (``j - 1``). Growth ``g = 100 · (S / R - 1)`` percent. The partner qualifies
when ``R > 0`` and ``g >= min_growth_pct`` (there is no growth to measure without a
reference, so a partner with ``R = 0``, or a period whose reference lies before day 0,
earns nothing). Then ``amount = r · S`` (``paid_on: period_sales``) or
``amount = r · max(0, S - R)`` (``paid_on: increment``), at most ``cap_amount``.

**Target commission** (``TargetCommission``): on-target earnings
``OTE = on_target_earnings_pct / 100 · T`` or the fixed ``on_target_earnings``. The
payout curve is a list of points ``(a_i, p_i)`` with ``a_i`` strictly increasing,
evaluated by linear interpolation ``p(a) = p_i + (a - a_i)(p_{i+1} - p_i)/(a_{i+1} - a_i)``
for ``a_i <= a <= a_{i+1}``. Below the first point the payout is the first point's;
beyond the last point the last segment continues (``beyond_last_point: extend``, so an
accelerator keeps accelerating) or stays at the last payout (``flat``). Then

``payout(a) = 0`` if ``a < floor_attainment_pct`` (default: the first point's attainment),
else ``min(cap_payout_pct, max(0, p(a)))``; ``amount = OTE · payout(a) / 100``.

**Achievement plan** (``AchievementPlan``), bands ``(m_1, r_1), (m_2, r_2), ...`` with
``m_k`` strictly increasing: ``amount = S · r_k`` with ``k = max{k : a >= m_k}``
(lower bounds inclusive: exactly 100 % attainment earns the "100 % and above" band);
0 when ``a < m_1``.

**Override** (``Override``): the partner earns on the basis of the nodes it supplies
(level 1, its ``children`` in the hierarchy) and, when ``second_level_rate_pct`` is
given, of the nodes those supply (level 2): ``amount = r_1 · B_1 + r_2 · B_2`` with
``B_1 = Σ_{c child of n} S_c`` and ``B_2 = Σ_{g grandchild of n} S_g``; ``basis =
B_1 (+ B_2)``. Seen from a dealer: its supplier earns ``r_1`` on its sales, its
supplier's supplier ``r_2``. The measure defaults to ``sell_out`` (the dealers' sales
to end customers).

**Targets** (``Targets``): a partner's base target ``b`` per targets period
(``targets.period_days`` days) is ``by_node[n]``, else ``default_by_kind[kind(n)]``. The
target of targets period *i* (days ``i·Dt .. (i+1)·Dt - 1``) is ``b · (1 + g/100)^i``
(``g = growth_per_period_pct``); the target of a plan period is the sum of the targets
periods it contains (``D`` must be a multiple of ``Dt``). A partner with ``T = 0`` has no
attainment and earns nothing from target-based plans.

Output columns
--------------
``rate`` is a fraction: the exact (unrounded) ``amount / basis`` (0 when the basis is 0)
for the percentage-of-sales plans (so the tier or band rate for retroactive and
achievement plans), and the payout fraction ``payout(a) / 100`` for target commissions.
``attainment`` is a fraction (``a / 100``; for growth rebates ``S / R``); ``target`` is
``T`` (for growth rebates the reference ``R``). Either is NaN where it does not apply.

Payer and settlement
--------------------
- Payer: the top of the partner's chain (``payer: top``, the vendor: it funds channel
  programmes, the default) or the partner's direct supplier (``payer: supplier``).
  Top nodes (supplier ``None``) never receive incentives.
- Only complete settlement periods are settled: a last period that the sales do not
  cover to its end (``(j+1)·D > horizon_days``) is **not settled at all** (no pro rata),
  so a target is never compared with part of a period's sales.
- Rounding (the convention of :mod:`chansim.config.money`): the basis ``S`` (a sum of the
  money table's float valuations) and the target ``T`` become whole cents first, half up
  (this also keeps a float sum such as 9 999.999 999 999 998 from missing a 10 000
  threshold). All formulas then run in exact decimal arithmetic on those cents and each
  row's ``amount`` is rounded once to whole cents, half up (0.005 -> 0.01), by
  :func:`~chansim.config.money.to_cents`. Income and expense rows carry the same cents, so
  money is conserved exactly (``cents_of`` of the income column sums to that of the expense).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from decimal import ROUND_HALF_EVEN, Decimal, localcontext
from typing import Any

import numpy as np
import pandas as pd

from chansim.config.incentives import (  # the configuration (scenario layer), re-exported
    ACCOUNT_OF_TYPE,
    HUNDRED,
    INCENTIVE_ACCOUNTS,
    MAX_DAYS,
    MAX_MONEY,
    MAX_PERCENT,
    MONEY_ROW_COLUMNS,
    NAME_PATTERN,
    SALES_COLUMNS,
    SETTLEMENT_COLUMNS,
    TARGET_SCHEMES,
    ZERO,
    AchievementBand,
    AchievementPlan,
    GrowthRebate,
    IncentivePlan,
    Incentives,
    IncentiveScheme,
    LargePercent,
    Measure,
    Money,
    Name,
    Override,
    PartnerKind,
    PartnerSelector,
    PayoutPoint,
    RatePercent,
    TargetCommission,
    Targets,
    VolumeRebate,
    VolumeTier,
    parameter_decimal,
    plan_problems,
    window_target,
)
from chansim.config.money import to_cents, to_units, units_of

__all__ = [
    "ACCOUNT_OF_TYPE",
    "INCENTIVE_ACCOUNTS",
    "SALES_COLUMNS",
    "SETTLEMENT_COLUMNS",
    "AchievementBand",
    "AchievementPlan",
    "GrowthRebate",
    "IncentivePlan",
    "IncentiveScheme",
    "Incentives",
    "Override",
    "PartnerSelector",
    "PayoutPoint",
    "TargetCommission",
    "Targets",
    "VolumeRebate",
    "VolumeTier",
    "compute_incentives",
    "incentive_money_rows",
    "sales_from_money",
    "NAME_PATTERN",
    "MAX_MONEY",
    "MAX_DAYS",
    "MAX_PERCENT",
    "Name",
    "Money",
    "RatePercent",
    "LargePercent",
    "PartnerKind",
    "Measure",
    "MONEY_ROW_COLUMNS",
]

# The same constraints as chansim.scenario; not imported from there because the scenario
# schema embeds these models (``business.incentives``), which would make the import circular.


# --------------------------------------------------------------------------- arithmetic


def _cents(value: float | Decimal) -> Decimal:
    """``value`` rounded once to whole cents, half up, as an exact decimal in currency units."""
    return units_of(to_cents(value))


def _curve_payout_pct(scheme: TargetCommission, attainment_pct: Decimal) -> Decimal:
    """``payout(a)`` in percent: floor, interpolation, extension, cap (see the module docstring)."""
    points = [(parameter_decimal(p.attainment_pct), parameter_decimal(p.payout_pct)) for p in scheme.curve]
    floor = parameter_decimal(scheme.floor_attainment_pct) if scheme.floor_attainment_pct is not None else points[0][0]
    if attainment_pct < floor:
        return ZERO
    if attainment_pct <= points[0][0]:
        payout = points[0][1]
    elif attainment_pct >= points[-1][0] and scheme.beyond_last_point == "flat":
        payout = points[-1][1]
    else:
        k = next((k for k in range(1, len(points)) if attainment_pct <= points[k][0]), len(points) - 1)
        (a0, p0), (a1, p1) = points[k - 1], points[k]
        payout = p0 + (attainment_pct - a0) * (p1 - p0) / (a1 - a0)
    payout = max(ZERO, payout)
    if scheme.cap_payout_pct is not None:
        payout = min(payout, parameter_decimal(scheme.cap_payout_pct))
    return payout


def _volume_amount(scheme: VolumeRebate, basis: Decimal) -> Decimal:
    thresholds = [parameter_decimal(t.threshold) for t in scheme.tiers]
    rates = [parameter_decimal(t.rebate_pct) / HUNDRED for t in scheme.tiers]
    if scheme.mode == "retroactive":
        reached = [k for k, t in enumerate(thresholds) if basis >= t]
        return basis * rates[reached[-1]] if reached else ZERO
    amount = ZERO
    for k, (low, rate) in enumerate(zip(thresholds, rates, strict=True)):
        high = thresholds[k + 1] if k + 1 < len(thresholds) else None
        top = basis if high is None else min(basis, high)
        if top > low:
            amount += rate * (top - low)
    return amount


def _band_rate(scheme: AchievementPlan, attainment_pct: Decimal) -> Decimal:
    reached = [b for b in scheme.bands if attainment_pct >= parameter_decimal(b.min_attainment_pct)]
    return parameter_decimal(reached[-1].rebate_pct) / HUNDRED if reached else ZERO


# --------------------------------------------------------------------------- settlement


def _tops(hierarchy: Mapping[str, str | None]) -> dict[str, str]:
    """The top of every node's chain (itself for a top node); raises on cycles and unknown suppliers."""
    for node, supplier in sorted(hierarchy.items()):
        if supplier is not None and supplier not in hierarchy:
            raise ValueError(f"hierarchy['{node}']: supplier '{supplier}' is not a node of the hierarchy")
    tops: dict[str, str] = {}
    for node in sorted(hierarchy):
        chain = [node]
        current = node
        while hierarchy[current] is not None and current not in tops:
            current = hierarchy[current]  # type: ignore[assignment]
            if current in chain:
                raise ValueError("hierarchy: the supply chain has a cycle: " + " -> ".join([*chain, current]))
            chain.append(current)
        top = tops.get(current, current)
        for name in chain:
            tops[name] = top
    return tops


def _check_sales(sales: pd.DataFrame, period_days: int, hierarchy: Mapping[str, str | None]) -> pd.DataFrame:
    missing = [c for c in SALES_COLUMNS if c not in sales.columns]
    if missing:
        raise ValueError(f"sales: missing columns {missing}; expected {SALES_COLUMNS}")
    if "replication" in sales.columns and sales["replication"].nunique() > 1:
        raise ValueError("sales.replication: several replications in one table; settle each replication apart")
    frame = sales[SALES_COLUMNS].copy()
    for column in ("node", "sku"):  # few distinct names, many rows
        codes, names = pd.factorize(frame[column])
        frame[column] = pd.Categorical.from_codes(codes, categories=[str(name) for name in names])
    days = pd.to_numeric(frame["day"])
    if len(frame) and (days.isna().any() or (days % 1 != 0).any() or (days < 0).any()):
        raise ValueError("sales.day: days must be whole numbers >= 0")
    frame["day"] = days.astype("int64")
    if (frame["day"] % period_days != 0).any():
        bad = int(frame.loc[frame["day"] % period_days != 0, "day"].iloc[0])
        raise ValueError(f"sales.day: {bad} is not the first day of a period of {period_days} days")
    for column in ("purchases", "sell_out"):
        values = pd.to_numeric(frame[column]).astype("float64")
        if not np.isfinite(values).all() or (values < 0).any():
            raise ValueError(f"sales.{column}: amounts must be finite and >= 0")
        frame[column] = values
    unknown = sorted(set(frame["node"].cat.categories) - set(hierarchy))
    if unknown:
        raise ValueError(f"sales.node: {unknown[:5]} not in the hierarchy")
    return frame


def _partners(
    plan: IncentivePlan,
    index: int,
    hierarchy: Mapping[str, str | None],
    node_kinds: Mapping[str, str] | None,
    node_tiers: Mapping[str, str | None] | None,
) -> list[str]:
    select = plan.applies_to
    where = f"plans[{index}].applies_to"
    for k, name in enumerate(select.nodes):
        if name not in hierarchy:
            raise ValueError(f"{where}.nodes[{k}]: unknown node '{name}'")
    if select.kinds and node_kinds is None:
        raise ValueError(f"{where}.kinds: selecting by kind needs node_kinds")
    if select.tiers and node_tiers is None:
        raise ValueError(f"{where}.tiers: selecting by tier needs node_tiers")
    chosen = []
    for node in sorted(hierarchy):
        if hierarchy[node] is None:
            continue  # the top pays, it does not earn
        if select.nodes and node not in select.nodes:
            continue
        if select.kinds and (node_kinds or {}).get(node) not in select.kinds:
            continue
        if select.tiers and (node_tiers or {}).get(node) not in select.tiers:
            continue
        chosen.append(node)
    return chosen


def _period_totals(
    sales: pd.DataFrame, plan: IncentivePlan, measure: str, periods: int
) -> dict[tuple[str, int], Decimal]:
    """Each node's basis in each settlement period, in cents (periods with a zero sum left out)."""
    keep = (sales["day"] // plan.period_days < periods).to_numpy()
    if plan.skus is not None:
        keep = keep & sales["sku"].isin(plan.skus).to_numpy()
    names = [str(name) for name in sales["node"].cat.categories]
    codes = sales["node"].cat.codes.to_numpy()[keep].astype("int64")
    period = (sales["day"].to_numpy()[keep] // plan.period_days).astype("int64")
    sums = np.bincount(codes * periods + period, sales[measure].to_numpy()[keep], minlength=len(names) * periods)
    return {(names[k // periods], int(k % periods)): _cents(float(sums[k])) for k in np.flatnonzero(sums)}


def _empty_settlements() -> pd.DataFrame:
    return pd.DataFrame({
        "settlement_day": pd.Series(dtype="int64"), "period_start_day": pd.Series(dtype="int64"),
        "node": pd.Series(dtype="object"), "plan": pd.Series(dtype="object"), "type": pd.Series(dtype="object"),
        "basis": pd.Series(dtype="float64"), "target": pd.Series(dtype="float64"),
        "attainment": pd.Series(dtype="float64"), "rate": pd.Series(dtype="float64"),
        "amount": pd.Series(dtype="float64"), "payer": pd.Series(dtype="object"),
    })  # fmt: skip


def _ratio(num: Decimal, den: Decimal) -> float:
    return float(num / den) if den else 0.0


def compute_incentives(
    sales: pd.DataFrame,
    plans: Sequence[IncentivePlan],
    targets: Targets,
    hierarchy: Mapping[str, str | None],
    *,
    period_days: int = 1,
    horizon_days: int | None = None,
    node_kinds: Mapping[str, str] | None = None,
    node_tiers: Mapping[str, str | None] | None = None,
) -> pd.DataFrame:
    """Settle every plan for every partner it covers and every complete settlement period.

    Args:
        sales: money per node per period, columns ``day, node, sku, purchases, sell_out``
            (one replication; other columns are ignored).
        plans: the incentive plans, names unique.
        targets: the targets used by target commissions and achievement plans.
        hierarchy: node -> its supplier node (None for a top node); every node of
            ``sales`` must be a key.
        period_days: days covered by one sales row (the simulation period).
        horizon_days: days the sales cover (default: the last row's day + ``period_days``);
            a settlement period ending after it is not settled.
        node_kinds: node -> kind, needed for ``applies_to.kinds`` and ``targets.default_by_kind``.
        node_tiers: node -> tier name, needed for ``applies_to.tiers``.

    Returns:
        One row per plan, settlement period and partner, in that order, with columns
        ``SETTLEMENT_COLUMNS`` (formulas in the module docstring). Partners without sales
        get a row with amount 0.

    Raises:
        ValueError: naming the offending plan field, sales column or hierarchy entry.

    """
    if period_days < 1:
        raise ValueError(f"period_days: {period_days} must be >= 1")
    problems = plan_problems(plans, targets, period_days)
    if problems:
        raise ValueError("\n".join(problems))
    tops = _tops(hierarchy)
    children: dict[str, list[str]] = {node: [] for node in hierarchy}
    for node in sorted(hierarchy):
        supplier = hierarchy[node]
        if supplier is not None:
            children[supplier].append(node)
    frame = _check_sales(sales, period_days, hierarchy)
    if horizon_days is None:
        horizon_days = int(frame["day"].max()) + period_days if len(frame) else 0
    rows: list[tuple[Any, ...]] = []
    with localcontext() as ctx:
        ctx.prec = 34
        ctx.rounding = ROUND_HALF_EVEN
        for index, plan in enumerate(plans):
            partners = _partners(plan, index, hierarchy, node_kinds, node_tiers)
            bases = _base_targets(plan, index, partners, targets, node_kinds)
            periods = horizon_days // plan.period_days
            if not partners or periods == 0:
                continue
            scheme = plan.scheme
            totals = _period_totals(frame, plan, scheme.measure, periods)
            for j in range(periods):
                start = j * plan.period_days
                for node in partners:
                    basis = totals.get((node, j), ZERO)
                    row = _settle(scheme, plan, targets, node, j, basis, totals, bases.get(node), children)
                    payer = tops[node] if plan.payer == "top" else hierarchy[node]
                    rows.append((start + plan.period_days, start, node, plan.name, scheme.type, *row, payer))
    if not rows:
        return _empty_settlements()
    result = pd.DataFrame.from_records(rows, columns=SETTLEMENT_COLUMNS)
    return result.astype({"settlement_day": "int64", "period_start_day": "int64"})


def _base_targets(
    plan: IncentivePlan,
    index: int,
    partners: list[str],
    targets: Targets,
    node_kinds: Mapping[str, str] | None,
) -> dict[str, Decimal]:
    if not isinstance(plan.scheme, TARGET_SCHEMES):
        return {}
    bases = {}
    for node in partners:
        kind = (node_kinds or {}).get(node)
        base = targets.base_target(node, kind)
        if base is None:
            raise ValueError(
                f"targets: no target for partner '{node}' (kind {kind!r}) of plans[{index}] ('{plan.name}'); "
                f"set targets.by_node['{node}'] or targets.default_by_kind (which needs node_kinds)"
            )
        bases[node] = parameter_decimal(base)
    return bases


def _settle(
    scheme: VolumeRebate | GrowthRebate | TargetCommission | AchievementPlan | Override,
    plan: IncentivePlan,
    targets: Targets,
    node: str,
    period: int,
    basis: Decimal,
    totals: Mapping[tuple[str, int], Decimal],
    base_target: Decimal | None,
    children: Mapping[str, list[str]],
) -> tuple[float, float, float, float, float]:
    """``(basis, target, attainment, rate, amount)`` of one partner in one period."""
    target: Decimal | None = None
    attainment = math.nan
    if isinstance(scheme, VolumeRebate):
        exact = _volume_amount(scheme, basis)
        rate = _ratio(exact, basis)
    elif isinstance(scheme, GrowthRebate):
        lag = scheme.cycle_days // plan.period_days if scheme.compare_to == "previous_cycle" else 1
        exact = ZERO
        if period - lag >= 0:
            target = totals.get((node, period - lag), ZERO)
            if target > 0:
                attainment = float(basis / target)
                if basis * HUNDRED >= target * (HUNDRED + parameter_decimal(scheme.min_growth_pct)):
                    paid_on = basis if scheme.paid_on == "period_sales" else max(ZERO, basis - target)
                    exact = paid_on * parameter_decimal(scheme.rebate_pct) / HUNDRED
                    if scheme.cap_amount is not None:
                        exact = min(exact, parameter_decimal(scheme.cap_amount))
        rate = _ratio(exact, basis)
    elif isinstance(scheme, TargetCommission | AchievementPlan):
        assert base_target is not None
        target = window_target(base_target, targets, period * plan.period_days, plan.period_days)
        exact, rate = ZERO, 0.0
        if target > 0:
            attainment_pct = basis * HUNDRED / target
            attainment = float(attainment_pct / HUNDRED)
            if isinstance(scheme, TargetCommission):
                if scheme.on_target_earnings is not None:
                    earnings = parameter_decimal(scheme.on_target_earnings)
                else:
                    earnings = target * parameter_decimal(scheme.on_target_earnings_pct or 0.0) / HUNDRED  # type: ignore[arg-type]
                payout_pct = _curve_payout_pct(scheme, attainment_pct)
                exact = earnings * payout_pct / HUNDRED
                rate = float(payout_pct / HUNDRED)
            else:
                exact = basis * _band_rate(scheme, attainment_pct)
                rate = _ratio(exact, basis)
    else:
        level_1 = sum((totals.get((c, period), ZERO) for c in children[node]), ZERO)
        exact = level_1 * parameter_decimal(scheme.rate_pct) / HUNDRED
        basis = level_1
        if scheme.second_level_rate_pct is not None:
            grandchildren = [g for c in children[node] for g in children[c]]
            level_2 = sum((totals.get((g, period), ZERO) for g in grandchildren), ZERO)
            exact += level_2 * parameter_decimal(scheme.second_level_rate_pct) / HUNDRED
            basis += level_2
        rate = _ratio(exact, basis)
    return (
        float(basis),
        float(target) if target is not None else math.nan,
        attainment,
        rate,
        to_units(to_cents(exact)),  # the one rounding of the row's amount
    )


# --------------------------------------------------------------------------- money


def incentive_money_rows(settlements: pd.DataFrame) -> pd.DataFrame:
    """Book settlements as money rows ``day, node, account, amount`` (zero amounts left out).

    Each settlement with a non-zero amount gives two rows on its ``settlement_day``:
    ``<account>_income`` at the partner and ``<account>_expense`` at the payer, with the
    same positive amount, where ``<account>`` is ``rebate`` for volume and growth rebates
    and achievement plans, ``commission`` for target commissions and overrides
    (``ACCOUNT_OF_TYPE``). Hence Σ income = Σ expense.
    """
    paid = settlements[settlements["amount"] != 0]
    if paid.empty:
        return pd.DataFrame({
            "day": pd.Series(dtype="int64"), "node": pd.Series(dtype="object"),
            "account": pd.Series(dtype="object"), "amount": pd.Series(dtype="float64"),
        })  # fmt: skip
    unknown = sorted(set(paid["type"]) - set(ACCOUNT_OF_TYPE))
    if unknown:
        raise ValueError(f"settlements.type: unknown incentive types {unknown}")
    account = paid["type"].map(ACCOUNT_OF_TYPE).to_numpy()
    day = paid["settlement_day"].to_numpy()
    amount = paid["amount"].to_numpy(dtype="float64")
    income = pd.DataFrame({"day": day, "node": paid["node"].to_numpy(), "account": account + "_income"})
    expense = pd.DataFrame({"day": day, "node": paid["payer"].to_numpy(), "account": account + "_expense"})
    income["amount"], expense["amount"] = amount, amount
    order = np.arange(len(paid))
    both = pd.concat([income.assign(_order=order * 2), expense.assign(_order=order * 2 + 1)], ignore_index=True)
    both = both.sort_values(["day", "_order"], kind="stable").drop(columns="_order").reset_index(drop=True)
    return both.astype({"day": "int64"})


def sales_from_money(money: pd.DataFrame) -> pd.DataFrame:
    """The ``sales`` table of :func:`compute_incentives` from a result's money table.

    ``purchases`` is the ``purchases`` account (what the node bought from its supplier),
    ``sell_out`` the ``revenue`` account (what it sold to its customers), per day, node and SKU.
    """
    if "replication" in money.columns and money["replication"].nunique() > 1:
        raise ValueError("money.replication: several replications in one table; take one replication at a time")
    part = money[money["account"].astype(str).isin(["purchases", "revenue"])]
    table = part.pivot_table(
        index=["day", "node", "sku"], columns="account", values="amount", aggfunc="sum", observed=True, fill_value=0.0
    )
    table = table.rename(columns={"revenue": "sell_out"})
    for column in ("purchases", "sell_out"):
        if column not in table.columns:
            table[column] = 0.0
    table.columns = [str(c) for c in table.columns]
    frame = table.reset_index()[SALES_COLUMNS]
    frame["node"] = frame["node"].astype(str)
    frame["sku"] = frame["sku"].astype(str)
    return frame.astype({"day": "int64", "purchases": "float64", "sell_out": "float64"})
