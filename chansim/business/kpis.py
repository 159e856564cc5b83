"""Business KPIs: channel performance per partner and for the network, from a :class:`Result`.

:func:`business_kpis` gives one row per partner (every node with a supplier: distributors,
dealers, ...) plus a ``network`` row; :func:`business_kpis_by_period` the per-period
partner metrics; :func:`funnel_conversion_by_stage` the funnel's stage conversions;
:func:`summarize_business_kpis` mean / std / ci95 over replications.

Window: with ``w`` = ``warmup_days`` (the scenario's unless given; a warm-up not shorter
than the run becomes 0, as in :func:`chansim.metrics.kpis`) and ``D`` = days simulated,
the KPIs use money and levels rows of periods starting on or after ``w``, invoices and
settlements over ``[w, D)``, credit decisions and approval queues starting at ``t >= w``,
leads created at ``t >= w`` (with their stage events and registrations), incentive
settlements of periods starting at ``>= w``. A column is NaN when the part of the business
layer it needs is not configured (formulas and sources: ``docs/kpis.md``).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from chansim.business.funnel import registration_rates, stage_conversion, weighted_pipeline, win_rates
from chansim.business.incentives import ACCOUNT_OF_TYPE
from chansim.business.order_to_cash import average_receivables, dso
from chansim.business.partners import ACCOUNTS, scorecard
from chansim.config.business import partner_tiers
from chansim.config.money import cents_of, to_units
from chansim.metrics import kpis, summarize
from chansim.results import install_kpis

if TYPE_CHECKING:
    from chansim.results import Replications, Result

__all__ = [
    "BUSINESS_KPI_NAMES",
    "PERIOD_KPI_NAMES",
    "business_kpis",
    "business_kpis_by_period",
    "business_kpis_by_replication",
    "funnel_conversion_by_stage",
    "summarize_business_kpis",
]

NETWORK = "network"
ID_COLUMNS = ["scenario", "replication", "seed"]
ROW_COLUMNS = [*ID_COLUMNS, "node", "kind", "tier"]

BUSINESS_KPI_NAMES = [
    "target_attainment", "contribution_share", "gross_margin_partner", "cost_to_serve", "channel_cost_ratio",
    "dso", "credit_utilisation", "bad_debt", "approval_wait_days", "orders_held_share",
    "deal_reg_approval_rate", "deal_reg_win_rate", "deal_reg_conflict_rate", "funnel_win_rate",
    "weighted_pipeline", "rebates", "commissions", "mdf_return", "activation", "churned", "scorecard",
]  # fmt: skip
PERIOD_KPI_NAMES = [
    "sales", "cost_of_goods", "gross_margin_partner", "target", "target_attainment", "invoiced", "dso",
    "leads", "deals_won", "deals_lost", "funnel_win_rate",
]  # fmt: skip

CREDIT_DECISIONS = ("accepted", "partial", "held", "rejected")
EXIT_STATUSES = ("churned", "insolvent")
#: Money accounts counted as channel cost (besides the incentive income of the partners).
CHANNEL_COST_ACCOUNTS = (
    "shipping_cost", "holding_cost", "transit_holding_cost", "mdf_claimed", "recruitment_cost", "training_cost",
)  # fmt: skip


# --------------------------------------------------------------------------- helpers


def _ratio(num: float, den: float) -> float:
    return float(num) / float(den) if den and math.isfinite(den) else math.nan


def _warmup(result: Result, warmup_days: int | None) -> int:
    info = result.info
    warm = result.scenario.warmup_days if warmup_days is None else warmup_days
    return 0 if warm >= info.days and info.days > 0 else int(warm)


def _partners(result: Result) -> list[str]:
    """Nodes with a supplier, upstream first (the order of :func:`chansim.metrics.kpis`)."""
    topo = result.scenario.topology
    supplied = {n.name for n in result.scenario.nodes if any(lane.supplier is not None for lane in n.lanes)}
    return [name for name in topo.downstream_first[::-1] if name in supplied]


def _final_tiers(result: Result, partners: Iterable[str]) -> dict[str, Any]:
    """Each partner's tier at the end of the run: its last ``tier_change``, else its starting tier."""
    tiers: dict[str, Any] = {p: None for p in partners}
    tiers.update({p: t for p, t in partner_tiers(result.scenario).items() if p in tiers})
    audit = result.audit
    changes = audit[(audit["source"] == "partners") & (audit["action"] == "tier_change")]
    for subject, new in zip(changes["subject"], changes["detail"], strict=True):
        if subject in tiers and new not in ("", "None", "nan"):
            tiers[subject] = new
    return tiers


def _cents_total(amounts: pd.Series | np.ndarray) -> float:
    """Σ of a column of settled money (whole cents each), summed exactly in cents (:mod:`chansim.config.money`)."""
    return to_units(int(cents_of(amounts).sum()))


def _cents_by(frame: pd.DataFrame, key: str) -> pd.Series:
    """Σ ``amount`` (settled money, whole cents) per value of ``key``, exact, in currency units."""
    cents = pd.Series(cents_of(frame["amount"]), index=frame.index)
    return cents.groupby(frame[key].astype(str)).sum().map(to_units)


def _by_node(money: pd.DataFrame, *accounts: str) -> pd.Series:
    """Σ amount per node over the given accounts."""
    part = money[money["account"].isin(accounts)]
    return part.groupby(part["node"].astype(str))["amount"].sum()


def _frame(partners: list[str]) -> pd.DataFrame:
    return pd.DataFrame(math.nan, index=pd.Index([*partners, NETWORK], name="node"), columns=BUSINESS_KPI_NAMES)


def _partner_money(result: Result, warm: int) -> pd.DataFrame:
    """Lifecycle money (recruitment, training, MDF, exit stock) from ``day >= warm``: day, node, account, amount.

    Taken from the money table when it holds these accounts, else from the business table
    ``partner_money`` (so they are never counted twice).
    """
    money = result.money
    rows = money[money["account"].astype(str).isin(ACCOUNTS)]
    if rows.empty and "partner_money" in result.business:
        rows = result.business["partner_money"]
    rows = rows[rows["day"] >= warm]
    return pd.DataFrame({
        "day": rows["day"].to_numpy(float), "node": rows["node"].astype(str).to_numpy(),
        "account": rows["account"].astype(str).to_numpy(), "amount": rows["amount"].to_numpy(float),
    })  # fmt: skip


def _incentive_config(result: Result) -> Any:
    business = result.scenario.business
    return None if business is None else business.incentives


# --------------------------------------------------------------------------- inventory-based KPIs


def _end_customer_revenue(result: Result, levels: pd.DataFrame) -> pd.Series:
    """Σ customer_sales x selling price per node (units sold to end customers, valued)."""
    par = result.parameters.set_index(["node", "sku"])["sell_price"]
    key = pd.MultiIndex.from_arrays([levels["node"].astype(str), levels["sku"].astype(str)])
    value = levels["customer_sales"].to_numpy(float) * par.reindex(key).to_numpy(float)
    return pd.Series(value, index=levels.index).groupby(levels["node"].astype(str)).sum()


def _cost_to_serve(result: Result, levels: pd.DataFrame, money: pd.DataFrame, partners: list[str]) -> pd.Series:
    """Shipping + transit holding + ordering cost of the partner + its share of its suppliers' holding.

    The share is, per SKU, units shipped to the partner / units its supplier shipped.
    """
    topo = result.scenario.topology
    node = levels["node"].astype(str)
    sku = levels["sku"].astype(str)
    sell_in = levels["sell_in"].groupby([node, sku]).sum()
    shipped = levels["shipped"].groupby([node, sku]).sum()
    inv = money[money["sku"].notna()]
    holding = inv[inv["account"] == "holding_cost"]
    holding = holding.groupby([holding["node"].astype(str), holding["sku"].astype(str)])["amount"].sum()
    own = _by_node(money, "shipping_cost", "transit_holding_cost", "ordering_cost")
    out = {}
    for partner in partners:
        total = float(own.get(partner, 0.0))
        for sku_name in topo.skus_of_node[partner]:
            supplier = topo.lane_for[partner, sku_name].supplier
            if supplier is None:
                continue
            sent = float(shipped.get((supplier, sku_name), 0.0))
            if sent > 0:
                share = float(sell_in.get((partner, sku_name), 0.0)) / sent
                total += share * float(holding.get((supplier, sku_name), 0.0))
        out[partner] = total
    return pd.Series(out, dtype=float)


# --------------------------------------------------------------------------- targets


def _target_over(targets: Any, base: float, start: float, end: float) -> float:
    """Target of ``[start, end)``: each targets period's target x the share of it inside the window."""
    period = targets.period_days
    growth = 1.0 + targets.growth_per_period_pct / 100.0
    total = 0.0
    for i in range(int(start // period), int(math.ceil(end / period))):
        overlap = min(end, (i + 1) * period) - max(start, i * period)
        if overlap > 0:
            total += base * growth**i * overlap / period
    return total


def _target_attainment(result: Result, money: pd.DataFrame, warm: int, partners: list[str]) -> pd.Series:
    """Σ revenue / Σ target over the complete targets periods in the window (NaN without a target)."""
    out = pd.Series(math.nan, index=[*partners, NETWORK])
    incentives = _incentive_config(result)
    if incentives is None:
        return out
    targets = incentives.targets
    size = targets.period_days
    first, last = -(-warm // size), result.info.days // size
    if last <= first:
        return out
    start, end = first * size, last * size
    inside = money[(money["day"] >= start) & (money["day"] < end)]
    revenue = _by_node(inside, "revenue")
    kinds = {n.name: n.kind for n in result.scenario.nodes}
    sales_sum = target_sum = 0.0
    for partner in partners:
        base = targets.base_target(partner, kinds[partner])
        if base is None:
            continue
        target = targets.target(base, start, end - start)
        if target > 0:
            sales = float(revenue.get(partner, 0.0))
            out[partner] = sales / target
            sales_sum += sales
            target_sum += target
    out[NETWORK] = _ratio(sales_sum, target_sum)
    return out


# --------------------------------------------------------------------------- order-to-cash


def _order_to_cash(result: Result, frame: pd.DataFrame, warm: int, partners: list[str]) -> None:
    """DSO, credit utilisation, bad debt, approval wait and held share (in place)."""
    business = result.scenario.business
    tables = result.business
    if business is None or business.order_to_cash is None or "invoices" not in tables:
        return
    end = float(result.info.days)
    invoices, settlements = tables["invoices"], tables["settlements"]
    window = (float(warm), end)
    kinds = {n.name: n.kind for n in result.scenario.nodes}
    credit = business.order_to_cash.credit
    receivables = limits = 0.0
    write_offs = settlements[(settlements["kind"] == "write_off") & (settlements["day"] >= warm)]
    bad_debt = write_offs.groupby(write_offs["partner"].astype(str))["amount_cents"].sum()
    for partner in partners:
        frame.loc[partner, "dso"] = dso(invoices, settlements, window, partner)
        frame.loc[partner, "bad_debt"] = to_units(int(bad_debt.get(partner, 0)))
        limit = credit.credit_limit(partner, kinds[partner])
        if limit is not None and limit > 0:
            average = average_receivables(invoices, settlements, window, partner)
            frame.loc[partner, "credit_utilisation"] = average / limit
            receivables += average
            limits += limit
    frame.loc[NETWORK, "dso"] = dso(invoices, settlements, window)
    frame.loc[NETWORK, "bad_debt"] = to_units(int(write_offs["amount_cents"].sum()))
    frame.loc[NETWORK, "credit_utilisation"] = _ratio(receivables, limits)

    audit = result.audit
    otc = audit[audit["source"] == "order_to_cash"]
    decisions = otc[(otc["actor"] == "credit") & otc["action"].isin(CREDIT_DECISIONS)]
    decisions = decisions.drop_duplicates("subject", keep="first")  # a held order is decided again later
    decisions = decisions[decisions["time"] >= warm]
    held = decisions["action"] == "held"
    who = decisions["detail"].str.split(":").str[0]
    share = held.groupby(who).mean()
    for partner in partners:
        frame.loc[partner, "orders_held_share"] = float(share.get(partner, math.nan))
    frame.loc[NETWORK, "orders_held_share"] = float(held.mean()) if len(held) else math.nan

    waits = _approval_waits(result, otc, end)
    waits = waits[waits["queued_day"] >= warm]
    mean_wait = waits.groupby("partner")["waiting_days"].mean()
    if business.order_to_cash.approval_path:
        for partner in partners:
            frame.loc[partner, "approval_wait_days"] = float(mean_wait.get(partner, math.nan))
        frame.loc[NETWORK, "approval_wait_days"] = float(waits["waiting_days"].mean()) if len(waits) else math.nan


def _approval_waits(result: Result, otc: pd.DataFrame, end: float) -> pd.DataFrame:
    """Per order that entered an approval queue: partner, first queued day, Σ waiting days over its steps.

    Completed steps use the ``approvals`` table's ``waiting_days``; a step still queued at the
    end of the run (an ``approval/<pool>`` ``queued`` audit row without ``started``) counts
    ``D - queued`` (censored).
    """
    steps = result.business.get("approvals")
    rows = []
    if steps is not None and len(steps):
        rows.append(steps[["order_id", "step", "queued_day", "waiting_days"]].astype({"order_id": str, "step": int}))
    pools = otc[otc["actor"].str.startswith("approval/")]
    queued = pools[pools["action"] == "queued"]
    started = pools[pools["action"] == "started"]
    done = set(zip(started["subject"], started["detail"], strict=True))
    pending = queued[[(s, d) not in done for s, d in zip(queued["subject"], queued["detail"], strict=True)]]
    if len(pending):
        rows.append(
            pd.DataFrame(
                {
                    "order_id": pending["subject"].astype(str).to_numpy(),
                    "step": pending["detail"].astype(int).to_numpy(),
                    "queued_day": pending["time"].to_numpy(float),
                    "waiting_days": end - pending["time"].to_numpy(float),
                }
            )  # fmt: skip
        )
    if not rows:
        return pd.DataFrame(columns=["order_id", "partner", "queued_day", "waiting_days"])
    steps = pd.concat(rows, ignore_index=True)
    per_order = steps.groupby("order_id").agg(queued_day=("queued_day", "min"), waiting_days=("waiting_days", "sum"))
    orders = result.orders
    customer = pd.Series(orders["customer"].astype(str).to_numpy(), index=orders["order_id"].astype(str))
    per_order["partner"] = customer.reindex(per_order.index).to_numpy()
    return per_order.reset_index()


# --------------------------------------------------------------------------- funnel


def _funnel_tables(result: Result, warm: int) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame] | None:
    """Leads created at ``t >= warm`` with their stage events and registrations (None without a funnel)."""
    tables = result.business
    business = result.scenario.business
    if business is None or business.funnel is None or "leads" not in tables:
        return None
    leads = tables["leads"]
    leads = leads[leads["created_day"] >= warm]
    ids = set(leads["deal_id"])
    events = tables["stage_events"]
    registrations = tables["registrations"]
    return leads, events[events["deal_id"].isin(ids)], registrations[registrations["deal_id"].isin(ids)]


def _funnel(result: Result, frame: pd.DataFrame, warm: int, partners: list[str]) -> None:
    """Win rates, deal registration and the weighted pipeline (in place)."""
    found = _funnel_tables(result, warm)
    if found is None:
        return
    leads, events, registrations = found
    config = result.scenario.business.funnel  # type: ignore[union-attr]
    present = [p for p in partners if p in set(leads["partner"].dropna().astype(str))]
    if len(leads):
        by_partner = win_rates(leads, by="partner").set_index("partner")["win_rate"]
        frame.loc[present, "funnel_win_rate"] = by_partner.reindex(present).to_numpy(float)
        frame.loc[NETWORK, "funnel_win_rate"] = float(win_rates(leads)["win_rate"].iloc[0])
    if len(registrations):
        rates = registration_rates(registrations, leads, by="partner").set_index("partner")
        overall = registration_rates(registrations, leads).iloc[0]
        for column, source in (
            ("deal_reg_approval_rate", "approval_rate"),
            ("deal_reg_win_rate", "registered_win_rate"),
            ("deal_reg_conflict_rate", "conflict_rate"),
        ):
            known = [p for p in partners if p in rates.index]
            frame.loc[known, column] = rates.loc[known, source].to_numpy(float)
            frame.loc[NETWORK, column] = float(overall[source])
    # pipeline in units: every lead's units (the tables hold no per-SKU deal lines)
    lines = result.business.get("deal_lines")
    if lines is None:
        lines = result.business["leads"].assign(sku="")[["deal_id", "sku", "units"]]
    day = float(result.info.days)
    all_events = result.business["stage_events"]  # open opportunities at the end, whenever created
    for partner in partners:
        mine = all_events[all_events["partner"] == partner]
        frame.loc[partner, "weighted_pipeline"] = weighted_pipeline(mine, lines, config.stages, day)
    frame.loc[NETWORK, "weighted_pipeline"] = weighted_pipeline(all_events, lines, config.stages, day)


# --------------------------------------------------------------------------- incentives, MDF, lifecycle


def _incentives(result: Result, frame: pd.DataFrame, warm: int, partners: list[str]) -> None:

    incentives = _incentive_config(result)
    if incentives is None or not incentives.plans:
        return
    settlements = result.incentives
    settlements = settlements[settlements["period_start_day"] >= warm]
    account = settlements["type"].map(ACCOUNT_OF_TYPE)
    for column, name in (("rebates", "rebate"), ("commissions", "commission")):
        part = settlements[account == name]
        paid = _cents_by(part, "node")
        frame.loc[partners, column] = paid.reindex(partners, fill_value=0.0).to_numpy(float)
        frame.loc[NETWORK, column] = _cents_total(part["amount"])


def _mdf_return(money: pd.DataFrame, revenue_by_day: pd.DataFrame, warm: float, end: float) -> pd.Series:
    """Before/after estimate of incremental revenue per unit of MDF claimed, per partner with claims.

    MDF starts at the partner's first ``mdf_approved`` (else ``mdf_claimed``) day s in
    ``(warm, end)``: incremental = (revenue per day on ``[s, end)`` - revenue per day on
    ``[warm, s)``) x (end - s); return = incremental / Σ claimed. Network: Σ incremental / Σ claimed.
    """
    claims = money[money["account"] == "mdf_claimed"]
    out = pd.Series(dtype=float)
    if claims.empty:
        return out
    incremental_sum = claimed_sum = 0.0
    for partner, rows in claims.groupby("node"):
        start = float(rows["day"].min())
        started = money[(money["node"] == partner) & (money["account"] == "mdf_approved")]
        if len(started):
            start = min(start, float(started["day"].min()))
        revenue = revenue_by_day[revenue_by_day["node"] == partner]
        before = revenue[revenue["day"] < start]["amount"].sum()
        after = revenue[revenue["day"] >= start]["amount"].sum()
        if start <= warm or start >= end:
            continue
        incremental = (after / (end - start) - before / (start - warm)) * (end - start)
        claimed = _cents_total(rows["amount"])
        out[partner] = _ratio(incremental, claimed)
        incremental_sum += incremental
        claimed_sum += claimed
    out[NETWORK] = _ratio(incremental_sum, claimed_sum)
    return out


def _lifecycle(result: Result, frame: pd.DataFrame, partners: list[str]) -> None:
    """Activation of recruited partners and churn (exits), from the audit log."""
    if result.scenario.business is None:
        return
    audit = result.audit
    status = audit[(audit["source"] == "partners") & (audit["action"] == "status_change")]
    recruited = set(status.loc[(status["value"] == "candidate") & (status["detail"] == "onboarding"), "subject"])
    active = set(status.loc[status["detail"] == "active", "subject"])
    for partner in partners:
        if partner in recruited:
            frame.loc[partner, "activation"] = float(partner in active)
    if recruited:
        frame.loc[NETWORK, "activation"] = len(recruited & active) / len(recruited)
    left = set(status.loc[status["detail"].isin(EXIT_STATUSES), "subject"])
    ledger = audit[(audit["source"] == "order_to_cash") & (audit["action"] == "insolvent")]
    left |= set(ledger["subject"])
    frame.loc[partners, "churned"] = [float(p in left) for p in partners]
    frame.loc[NETWORK, "churned"] = float(len(left))


def _scorecard(result: Result, frame: pd.DataFrame, inventory: pd.DataFrame, partners: list[str]) -> None:
    """0-100 score of each partner with the scenario's scorecard (KPIs with no value anywhere left out)."""
    business = result.scenario.business
    if business is None or not partners:
        return
    config = business.partners.scorecard
    metrics = inventory.set_index("node").reindex(partners)
    metrics = metrics.drop(columns=[c for c in metrics.columns if c in frame.columns or c == "kind"])
    metrics = pd.concat([metrics, frame.loc[partners].drop(columns="scorecard")], axis=1)
    metrics["target_achievement"] = metrics["target_attainment"]
    metrics["margin"] = metrics["gross_margin_pct"]
    unknown = sorted(k for k in config.weights if k not in metrics.columns)
    if unknown:
        warnings.warn(f"scorecard: no KPI {', '.join(map(repr, unknown))}; left out", stacklevel=3)
    usable = {
        k: w
        for k, w in config.weights.items()
        if k in metrics.columns and w > 0 and np.isfinite(metrics[k].to_numpy(float)).any()
    }
    if not usable:
        return
    scores = scorecard(
        metrics.rename_axis("partner").reset_index(),
        usable,
        lower_is_better=[k for k in config.lower_is_better if k in usable],
        bounds={k: v for k, v in config.bounds.items() if k in usable},
    ).set_index("partner")["score"]
    frame.loc[partners, "scorecard"] = scores.reindex(partners).to_numpy(float)


# --------------------------------------------------------------------------- public API


def business_kpis(result: Result, warmup_days: int | None = None) -> pd.DataFrame:
    """Business KPIs per partner and for the network (``node == "network"``) of one replication.

    Per partner n (window: periods starting at ``>= w``; D = days simulated):

    - ``target_attainment`` = Σ revenue(n) / Σ target(n) over the complete targets periods
      in ``[w, D)`` (incentives ``targets``; network: Σ/Σ over partners with a target);
    - ``contribution_share`` = end-customer revenue(n) / end-customer revenue of all nodes
      (network: Σ over partners, the channel's share);
    - ``gross_margin_partner`` = revenue(n) - cost_of_goods(n) (network: Σ over partners);
    - ``cost_to_serve`` = shipping(n) + transit holding(n) + ordering(n) + Σ_sku holding of
      the supplier x units shipped to n / units the supplier shipped (network: Σ);
    - ``channel_cost_ratio`` = (rebates + commissions + MDF claimed + shipping + holding +
      transit holding + recruitment + training of n) / revenue(n); network: the same over
      all nodes / end-customer revenue;
    - ``dso`` = time-averaged receivables / (invoiced in ``[w, D)`` / (D - w));
      ``credit_utilisation`` = time-averaged receivables / credit limit (network: Σ/Σ over
      partners with a limit); ``bad_debt`` = Σ written off;
    - ``approval_wait_days`` = mean over orders of Σ queue waits over its approval steps;
      ``orders_held_share`` = orders whose first credit decision was ``held`` / orders checked;
    - ``deal_reg_*`` = approved / attempts, won / closed among approved registrations,
      conflicts / attempts; ``funnel_win_rate`` = won / (won + lost (+ unrouted for the
      network)); ``weighted_pipeline`` = Σ open units x P(win from their stage) at day D;
    - ``rebates``, ``commissions`` = Σ settled amounts; ``mdf_return`` = (revenue per day
      after the first MDF approval or claim - before) x days after / MDF claimed;
      ``activation`` = recruited and became active (0/1; network: share of recruits);
      ``churned`` = left as churned or insolvent (0/1; network: count);
    - ``scorecard`` = :func:`chansim.business.partners.scorecard` with the scenario's
      weights over ``target_achievement`` (= target_attainment), ``fill_rate``, ``margin``
      (= gross_margin_pct) or any other KPI column (network: NaN).
    """
    info = result.info
    warm = _warmup(result, warmup_days)
    partners = _partners(result)
    frame = _frame(partners)
    levels = result.levels
    levels = levels[levels["day"] >= warm]
    money = result.money
    money = money[money["day"] >= warm].astype({"account": str})
    inventory_money = money[money["sku"].notna()]

    frame["target_attainment"] = _target_attainment(result, inventory_money, warm, partners)
    end_revenue = _end_customer_revenue(result, levels)
    total_end = float(end_revenue.sum())
    shares = end_revenue.reindex(partners, fill_value=0.0) / total_end if total_end else math.nan
    frame.loc[partners, "contribution_share"] = shares
    frame.loc[NETWORK, "contribution_share"] = float(np.sum(shares)) if total_end else math.nan
    revenue = _by_node(inventory_money, "revenue").reindex(partners, fill_value=0.0)
    cogs = _by_node(inventory_money, "cost_of_goods").reindex(partners, fill_value=0.0)
    frame.loc[partners, "gross_margin_partner"] = (revenue - cogs).to_numpy(float)
    frame.loc[NETWORK, "gross_margin_partner"] = float((revenue - cogs).sum())
    cost_to_serve = _cost_to_serve(result, levels, money, partners)
    frame.loc[partners, "cost_to_serve"] = cost_to_serve.reindex(partners).to_numpy(float)
    frame.loc[NETWORK, "cost_to_serve"] = float(cost_to_serve.sum())

    _order_to_cash(result, frame, warm, partners)
    _funnel(result, frame, warm, partners)
    _incentives(result, frame, warm, partners)

    # incentives as settled for the periods in the window (the rebates and commissions columns)
    incentives = frame[["rebates", "commissions"]].fillna(0.0).sum(axis=1)
    lifecycle = _partner_money(result, warm)
    channel_cost = _by_node(
        pd.concat([inventory_money[["node", "account", "amount"]], lifecycle]), *CHANNEL_COST_ACCOUNTS
    )
    for partner in partners:
        cost = float(channel_cost.get(partner, 0.0)) + incentives[partner]
        frame.loc[partner, "channel_cost_ratio"] = _ratio(cost, revenue[partner])
    network_cost = float(channel_cost.sum()) + incentives[NETWORK]
    frame.loc[NETWORK, "channel_cost_ratio"] = _ratio(network_cost, total_end)

    revenue_rows = inventory_money[inventory_money["account"] == "revenue"].assign(
        node=lambda f: f["node"].astype(str)
    )[["day", "node", "amount"]]
    mdf = _mdf_return(lifecycle, revenue_rows, warm, float(info.days))
    if len(mdf):
        frame["mdf_return"] = mdf.reindex(frame.index)
    _lifecycle(result, frame, partners)
    _scorecard(result, frame, kpis(result, warmup_days=warm), partners)

    frame = frame.astype(float).reset_index()
    kinds = {n.name: n.kind for n in result.scenario.nodes}
    tiers = _final_tiers(result, partners)
    frame.insert(1, "kind", [kinds.get(n, NETWORK) for n in frame["node"]])
    frame.insert(2, "tier", pd.Series([tiers.get(n) for n in frame["node"]], dtype=object))
    frame.insert(0, "seed", info.seed)
    frame.insert(0, "replication", info.replication)
    frame.insert(0, "scenario", info.scenario)
    return frame[[*ROW_COLUMNS, *BUSINESS_KPI_NAMES]]


def business_kpis_by_period(result: Result, period_days: int = 30) -> pd.DataFrame:
    """Per partner (and ``network``) and reporting period of ``period_days`` days (complete periods only).

    Columns: ``period`` (k), ``start_day`` (k·period_days), ``end_day``, ``sales`` (revenue),
    ``cost_of_goods``, ``gross_margin_partner``, ``target`` (each targets period's target x the
    share of it inside ``[start, end)``), ``target_attainment`` = sales / target, ``invoiced``,
    ``dso`` over ``[start, end)``, ``leads`` created, ``deals_won`` / ``deals_lost`` (closed in
    the period), ``funnel_win_rate`` = won / (won + lost). Network: sums over partners (target
    attainment over partners with a target; DSO and funnel over everything). No warm-up.

    Raises:
        ValueError: when ``period_days`` is not a positive multiple of the scenario's period.

    """
    info = result.info
    if period_days < 1 or period_days % info.period_days:
        raise ValueError(f"period_days: {period_days} must be a positive multiple of the period ({info.period_days})")
    partners = _partners(result)
    count = info.days // period_days
    money = result.money
    money = money[money["sku"].notna()].astype({"account": str})
    money = money.assign(node=money["node"].astype(str), k=money["day"] // period_days)
    sums = money[money["account"].isin(["revenue", "cost_of_goods"])].pivot_table(
        index=["node", "k"], columns="account", values="amount", aggfunc="sum", fill_value=0.0
    )
    incentives = _incentive_config(result)
    kinds = {n.name: n.kind for n in result.scenario.nodes}
    tables = result.business
    invoices = tables.get("invoices")
    found = _funnel_tables(result, 0)
    rows = []
    for k in range(count):
        start, end = k * period_days, (k + 1) * period_days
        net_sales = net_cogs = target_sales = target_sum = 0.0
        for node in [*partners, NETWORK]:
            row: dict[str, Any] = {"node": node, "period": k, "start_day": start, "end_day": end}
            if node == NETWORK:
                sales, cogs = net_sales, net_cogs
                target = target_sum if target_sum > 0 else math.nan
                row["target_attainment"] = _ratio(target_sales, target_sum)
            else:
                sales = float(sums["revenue"].get((node, k), 0.0)) if "revenue" in sums else 0.0
                cogs = float(sums["cost_of_goods"].get((node, k), 0.0)) if "cost_of_goods" in sums else 0.0
                net_sales += sales
                net_cogs += cogs
                base = incentives.targets.base_target(node, kinds[node]) if incentives is not None else None
                target = _target_over(incentives.targets, base, start, end) if base is not None else math.nan
                row["target_attainment"] = _ratio(sales, target)
                if base is not None and target > 0:
                    target_sales += sales
                    target_sum += target
            row.update(sales=sales, cost_of_goods=cogs, gross_margin_partner=sales - cogs, target=target)
            who = None if node == NETWORK else node
            if invoices is not None:
                mine = invoices if who is None else invoices[invoices["partner"] == who]
                days = mine["invoice_day"].to_numpy(float)
                row["invoiced"] = _cents_total(mine["amount"].to_numpy(float)[(days >= start) & (days < end)])
                row["dso"] = dso(invoices, tables["settlements"], (float(start), float(end)), who)
            if found is not None:
                leads = found[0] if who is None else found[0][found[0]["partner"] == who]
                closed = leads[(leads["outcome_day"] >= start) & (leads["outcome_day"] < end)]
                won = int((closed["outcome"] == "won").sum())
                lost = int((closed["outcome"] == "lost").sum())
                created = leads[(leads["created_day"] >= start) & (leads["created_day"] < end)]
                row.update(leads=len(created), deals_won=won, deals_lost=lost, funnel_win_rate=_ratio(won, won + lost))
            rows.append(row)
    frame = pd.DataFrame(rows, columns=["node", "period", "start_day", "end_day", *PERIOD_KPI_NAMES])
    frame[PERIOD_KPI_NAMES] = frame[PERIOD_KPI_NAMES].astype(float)
    tiers = _final_tiers(result, partners)
    frame.insert(1, "kind", [kinds.get(n, NETWORK) for n in frame["node"]])
    frame.insert(2, "tier", pd.Series([tiers.get(n) for n in frame["node"]], dtype=object))
    for position, column in enumerate(ID_COLUMNS):
        frame.insert(position, column, getattr(info, column))
    return frame


def funnel_conversion_by_stage(result: Result) -> pd.DataFrame:
    """:func:`chansim.business.funnel.stage_conversion` per partner plus ``network`` rows, with ids.

    Columns: ids, ``partner``, ``stage_index``, ``stage``, ``entered``, ``passed``, ``lost``,
    ``open``, ``conversion`` (passed / entered), ``closed_conversion`` (passed / (passed + lost)).
    Empty without a funnel.
    """
    columns = ["partner", "stage_index", "stage", "entered", "passed", "lost", "open", "conversion",
               "closed_conversion"]  # fmt: skip
    events = result.business.get("stage_events")
    if events is None or events.empty:
        frame = pd.DataFrame(columns=columns)
    else:
        per_partner = stage_conversion(events, by="partner")
        overall = stage_conversion(events).assign(partner=NETWORK)
        frame = pd.concat([per_partner, overall], ignore_index=True)[columns]
    info = result.info
    for position, column in enumerate(ID_COLUMNS):
        frame.insert(position, column, getattr(info, column))
    return frame


def business_kpis_by_replication(replications: Replications, warmup_days: int | None = None) -> pd.DataFrame:
    """:func:`business_kpis` of every replication, stacked."""
    return pd.concat([business_kpis(r, warmup_days) for r in replications.results], ignore_index=True)


def summarize_business_kpis(
    data: Replications | pd.DataFrame, warmup_days: int | None = None, names: Iterable[str] | None = None
) -> pd.DataFrame:
    """Per node: each business KPI's mean, ``<kpi>_std`` and ``<kpi>_ci95`` over replications.

    ``data`` is a :class:`~chansim.results.Replications` or a stacked
    :func:`business_kpis_by_replication` table; see :func:`chansim.metrics.summarize`.
    ``tier`` is left out (it may differ between replications).
    """
    frame = data if isinstance(data, pd.DataFrame) else business_kpis_by_replication(data, warmup_days)
    return summarize(frame, names=list(names) if names is not None else BUSINESS_KPI_NAMES)


install_kpis("business_kpis", business_kpis)
install_kpis("summarize_business_kpis", summarize_business_kpis)
