"""The order desk: a week-by-week daily-operations exercise on a channel with a business layer.

The channel is the northern region of ``scenarios/stage-4-operations.yaml``, written here as
a scenario document that ships with the package (:data:`ORDER_DESK_YAML`): the vendor
(Harbor Home Appliances, plant capacity 120 units a day), the gold distributor
``dist_north`` and three dealers, three products, the same credit policy (hold over the
limit, at most 10 days), the same approval path (orders over 15,000 to the
order desk, over 60,000 or above 45 % discount to finance, whose only approver is away on
days 40-47) and the same payment behaviour. The random events of stage 4 are written
as demand shocks and lane disruptions of the inventory model (a regional demand surge,
port congestion on the vendor's lane, a 3-day warehouse closure, a competitor's price
cut), which the engine runs much faster than scheduled business events.

Each week (a round of 7 daily periods, decided at the round's start) the trainee

a. places the distributor's replenishment order of each product (``dist_north`` is
   ``manual``; the order goes in on the week's first day, after that day's demand, and
   passes the credit desk and the approval path like any partner order); and
b. may change the credit limit of a partner (:meth:`OrderDesk.set_credit_limit`).

**Changing a credit limit mid-run.** The engine's credit desk takes a new limit at any
time (``CreditDesk.set_credit_limit``, which also releases held orders that now fit),
but a straight ``run(..., decisions=...)`` has no way to express it. So a limit is a
:class:`CreditLimitChange` action of the round: applied to the running session at the
start of the round, before the week's first day, and replayed at the same point when
the game is rebuilt from the start (``undo``, ``reset``), the same technique as for the
orders. The limit then holds until changed again.

The trainee then sees the KPIs (:meth:`OrderDesk.desk_kpis`): cost, OTIF, weekly
bullwhip and held orders, and a score against the desk's standard process (the
distributor's daily (s, S) policy with the scenario's credit limits, same seed).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

import numpy as np
import pandas as pd

from chansim import scenario as sc
from chansim.exercises.game import DecisionError, Game, RoundAction, Score, check_number, cost_by_node
from chansim.metrics import bullwhip_ratio

if TYPE_CHECKING:
    from chansim.engine import Session
    from chansim.results import Result

__all__ = [
    "DESK_KPI_COLUMNS",
    "DISTRIBUTOR",
    "ORDER_DESK_YAML",
    "PARTNERS",
    "CreditLimitChange",
    "OrderDesk",
    "order_desk_scenario",
]

DISTRIBUTOR = "dist_north"
DEALERS = ("dealer_n1", "dealer_n2", "dealer_n3")
#: The partners whose credit limits the trainee manages.
PARTNERS = (DISTRIBUTOR, *DEALERS)
WEEK_DAYS = 7
MAX_WEEKS = 52
MAX_CREDIT_LIMIT = 5_000_000.0
#: Columns of :meth:`OrderDesk.desk_kpis`.
DESK_KPI_COLUMNS = [
    "node", "kind", "total_cost", "otif", "fill_rate", "lost_sales", "bullwhip_weekly",
    "orders_checked", "orders_held", "orders_rejected", "orders_held_share",
]  # fmt: skip
REGION = "region"
CREDIT_DECISIONS = ("accepted", "partial", "held", "rejected")


#: The scenario as a scenario document (the YAML format of ``scenarios/``); see :func:`order_desk_scenario`.
ORDER_DESK_YAML = """
name: order-desk
description: >-
  The order desk (daily operations): the northern region of the stage-4 channel. Place the
  distributor's weekly replenishment orders and manage partner credit limits; credit holds, an
  approval path with a finance approver away for a week, and random events.
source: scenarios/stage-4-operations.yaml (northern region)
horizon_days: 84
regions: [{name: north, display_name: North}]
skus:
  - {name: fridge, display_name: French-door refrigerator, unit_cost: 620.0, list_price: 1299.0}
  - {name: washer, display_name: Front-load washer, unit_cost: 380.0, list_price: 799.0}
  - {name: microwave, display_name: Countertop microwave, unit_cost: 70.0, list_price: 149.0}
nodes:
  - name: vendor
    kind: vendor
    display_name: Harbor Home Appliances
    lanes: [{supplier: null, lead_time_days: 7, capacity_units_per_day: 120}]
    policy: {type: base_stock, order_up_to: 150}
    items:
      - {sku: fridge, policy: {type: base_stock, order_up_to: 125}, initial: {on_hand: 125}}
      - {sku: microwave, policy: {type: base_stock, order_up_to: 290}, initial: {on_hand: 290}}
    initial: {on_hand: 150}
    allocation: priority
    holding_cost_per_unit_day: 0.3
    backorder_cost_per_unit_day: 1.5
  - name: dist_north
    kind: distributor
    display_name: Northern Appliance Supply
    region: north
    lanes:
      - supplier: vendor
        lead_time_days: 3
        shipping_cost_per_unit: 6.0
        disruptions:   # port congestion: 4 extra days of transit
          - {start_day: 35, end_day: 45, capacity_units_per_day: 1000000, extra_lead_time_days: 4,
             name: Port congestion}
    policy: {type: s_S, reorder_point: 40, order_up_to: 78}
    items:
      - {sku: fridge, policy: {type: s_S, reorder_point: 35, order_up_to: 65}, initial: {on_hand: 65}}
      - {sku: microwave, policy: {type: s_S, reorder_point: 80, order_up_to: 158}, initial: {on_hand: 158}}
    initial: {on_hand: 78}
    allocation: priority
    holding_cost_per_unit_day: 0.4
    backorder_cost_per_unit_day: 2.0
    ordering_cost_per_order: 40.0
  - name: dealer_n1
    kind: dealer
    display_name: Lakeside Appliance Center
    region: north
    lanes: [{supplier: dist_north, lead_time_days: 2, shipping_cost_per_unit: 3.0, disruptions: [&closure
             {start_day: 56, end_day: 59, capacity_units_per_day: 0, name: Warehouse closure}]}]
    policy: {type: base_stock, order_up_to: 17}
    items:
      - {sku: fridge, policy: {type: base_stock, order_up_to: 13}, initial: {on_hand: 13}}
      - {sku: microwave, policy: {type: base_stock, order_up_to: 31}, initial: {on_hand: 31}}
    initial: {on_hand: 17}
    holding_cost_per_unit_day: 0.8
    backorder_cost_per_unit_day: 4.0
    ordering_cost_per_order: 5.0
  - name: dealer_n2
    kind: dealer
    display_name: Maple Street TV & Appliance
    region: north
    lanes: [{supplier: dist_north, lead_time_days: 2, shipping_cost_per_unit: 3.0, disruptions: [*closure]}]
    policy: {type: base_stock, order_up_to: 11}
    items:
      - {sku: fridge, policy: {type: base_stock, order_up_to: 9}, initial: {on_hand: 9}}
      - {sku: microwave, policy: {type: base_stock, order_up_to: 20}, initial: {on_hand: 20}}
    initial: {on_hand: 11}
    holding_cost_per_unit_day: 0.8
    backorder_cost_per_unit_day: 4.0
    ordering_cost_per_order: 5.0
  - name: dealer_n3
    kind: dealer
    display_name: Pine Ridge Home Store
    region: north
    lanes: [{supplier: dist_north, lead_time_days: 2, shipping_cost_per_unit: 3.5, disruptions: [*closure]}]
    policy: {type: base_stock, order_up_to: 5}
    items:
      - {sku: microwave, policy: {type: base_stock, order_up_to: 11}, initial: {on_hand: 11}}
    initial: {on_hand: 5}
    shortage: lost_sales
    holding_cost_per_unit_day: 0.8
    lost_sale_cost_per_unit: 60.0
    ordering_cost_per_order: 5.0
# demand per day; a rebuilding surge (+50 %, days 21-42) and a competitor's price cut (-15 %, days 63-83)
x-shocks: &shocks
  - {start_day: 21, end_day: 42, multiplier: 1.5, name: Rebuilding surge}
  - {start_day: 63, end_day: 83, multiplier: 0.85, name: Competitor promotion}
markets:
  - name: market_n1
    served_by: dealer_n1
    region: north
    display_name: Lakeside shoppers
    demand:
      - {sku: fridge, distribution: {type: poisson, mean: 3.0}, shocks: *shocks}
      - {sku: washer, distribution: {type: poisson, mean: 4.0}, shocks: *shocks}
      - {sku: microwave, distribution: {type: negative_binomial, mean: 8.0, variance: 14.0}, shocks: *shocks}
  - name: market_n2
    served_by: dealer_n2
    region: north
    display_name: Maple Street shoppers
    demand:
      - {sku: fridge, distribution: {type: poisson, mean: 2.0}, shocks: *shocks}
      - {sku: washer, distribution: {type: poisson, mean: 2.5}, shocks: *shocks}
      - {sku: microwave, distribution: {type: poisson, mean: 5.0}, shocks: *shocks}
  - name: market_n3
    served_by: dealer_n3
    region: north
    display_name: Pine Ridge shoppers
    demand:
      - {sku: fridge, distribution: {type: poisson, mean: 1.0}, shocks: *shocks}
      - {sku: washer, distribution: {type: poisson, mean: 1.0}, shocks: *shocks}
      - {sku: microwave, distribution: {type: poisson, mean: 2.5}, shocks: *shocks}
business:
  partners:
    tiers:
      tiers:
        - {name: gold, discount: 0.32, allocation_priority: 0, promotion_threshold: 85, demotion_threshold: 75}
        - {name: silver, discount: 0.28, allocation_priority: 1, promotion_threshold: 65, demotion_threshold: 55}
        - {name: bronze, discount: 0.25, allocation_priority: 2}
      initial_tier: bronze
      review_period_days: 365
  tiers_by_node: {dist_north: gold, dealer_n1: gold, dealer_n2: silver}
  order_to_cash:
    credit:
      default_credit_limit: 200000
      credit_limit_by_kind: {distributor: 520000}
      default_terms_days: 30
      terms_days_by_kind: {distributor: 45}
      partners:
        dealer_n1: {credit_limit: 260000}
        dealer_n3: {credit_limit: 45000, terms_days: 15}
      on_exceed: hold
      max_hold_days: 10
    approver_pools:
      - {name: sales_ops, approvers: 2, service_time_days: {type: exponential, mean: 0.3}}
      - name: finance
        approvers: 1
        service_time_days: {type: exponential, mean: 1.0}
        absences: [{start_day: 40, end_day: 47, approvers_absent: 1, name: Finance manager on leave}]
    approval_path:
      - {pool: sales_ops, amount_above: 15000, name: Order desk check}
      - {pool: finance, amount_above: 60000, discount_above: 0.45, name: Finance sign-off}
    payment:
      base_delay_days: 3
      delay_slope_days: 20
      delay_distribution: exponential
      insolvency_probability_per_year: 0.05
      recovery_share: 0.35
      default_health: 0.8
"""


def order_desk_scenario(horizon_weeks: int = 12) -> sc.Scenario:
    """The northern region of the stage-4 operations scenario (:data:`ORDER_DESK_YAML`), ``horizon_weeks`` long."""
    import yaml

    from chansim.io import parse_scenario

    document = yaml.safe_load(ORDER_DESK_YAML)
    document.pop("x-shocks")  # only an anchor for the markets' shocks
    document["horizon_days"] = WEEK_DAYS * int(horizon_weeks)
    return parse_scenario(document, source="order_desk_scenario")


@dataclass(frozen=True)
class CreditLimitChange(RoundAction):
    """A partner's new credit limit (``subject``: the partner, ``value``: the limit), from the round it is set in."""

    kind: ClassVar[str] = "credit_limit"

    def apply(self, session: Session) -> None:
        """Set the limit on the session's credit desk (held orders that now fit are released)."""
        business = session.business
        if business is None or business.order_to_cash is None:
            raise RuntimeError("the scenario has no credit desk (business.order_to_cash)")
        business.order_to_cash.desk.set_credit_limit(self.subject, self.value)


class OrderDesk(Game):
    """The order desk exercise (see the module docstring).

    Args:
        seed: seed of every random draw (demand, approvals, payments).
        horizon_weeks: weeks to play (1 to 52).
        max_order: the largest weekly order of one product.

    """

    def __init__(self, *, seed: int = 0, horizon_weeks: object = 12, max_order: float = 2000) -> None:
        weeks = int(check_number(horizon_weeks, "horizon_weeks", maximum=MAX_WEEKS, whole=True, minimum=1))
        scenario = order_desk_scenario(weeks)
        super().__init__(
            scenario,
            [(DISTRIBUTOR, sku) for sku in scenario.topology.skus_of_node[DISTRIBUTOR]],
            seed=seed,
            round_days=WEEK_DAYS,
            decision_point="round_start",
            max_order=max_order,
            default_policy="order_up_to",
            exercise="order_desk",
        )
        self.horizon_weeks = weeks
        self.partners = PARTNERS
        self.max_credit_limit = MAX_CREDIT_LIMIT
        self._benchmark: Result | None = None

    # ------------------------------------------------------------------ decisions
    def set_credit_limit(self, partner: str, limit: object) -> float:
        """Set ``partner``'s credit limit from the round being decided on; returns the limit taken.

        Raises:
            DecisionError: ``validation.unknown_choice`` for a partner not in :data:`PARTNERS`,
                a number error (``validation.*``) for a limit outside ``[0, max_credit_limit]``,
                or ``control.game_over``.

        """
        self._check_open()
        if partner not in self.partners:
            raise DecisionError(
                "validation.unknown_choice",
                {"field": "partner", "value": str(partner), "allowed": ", ".join(self.partners)},
            )
        value = check_number(limit, f"credit_limit/{partner}", maximum=self.max_credit_limit)
        self.act(CreditLimitChange(subject=partner, value=value))
        return value

    # ------------------------------------------------------------------ what the trainee sees
    def credit_table(self) -> pd.DataFrame:
        """The credit desk now, one row per partner of :data:`PARTNERS`.

        ``credit_limit`` in force, ``exposure`` (open invoices + credit reserved for accepted
        orders), ``available`` (limit - exposure), ``held_orders`` (orders waiting for
        credit), ``pending_limit`` (set for the round being decided; NaN when none).
        """
        desk = self._session.business.order_to_cash.desk  # type: ignore[union-attr]
        pending = {a.subject: a.value for a in self.pending_actions if isinstance(a, CreditLimitChange)}
        rows = []
        for partner in self.partners:
            limit = desk.credit_limit(partner)
            rows.append({
                "partner": partner, "kind": self.scenario.node(partner).kind,
                "credit_limit": math.inf if limit is None else limit,
                "exposure": desk.exposure(partner), "available": desk.available(partner),
                "held_orders": len(desk.held(partner)), "pending_limit": pending.get(partner, math.nan),
            })  # fmt: skip
        return pd.DataFrame(rows)

    def desk_kpis(self) -> pd.DataFrame:
        """The desk's KPIs over the rounds played, per node of the region and a ``region`` row.

        ``total_cost``, ``otif``, ``fill_rate``, ``lost_sales``: as in :func:`chansim.metrics.kpis`
        (no warm-up; OTIF and fill rate of the orders the node received; region: cost
        summed, service of the end customers). ``bullwhip_weekly`` = Var(weekly units
        ordered) / Var(weekly units demanded of the node), all products summed (region: the
        distributor's orders over the end-customer demand); NaN before two weeks.
        ``orders_checked`` = partner orders at the credit desk, ``orders_held`` = those whose
        first decision was a hold, ``orders_rejected`` = those finally rejected (e.g. a hold
        that expired), ``orders_held_share`` = held / checked (region: all partners).
        No rows before the first round.
        """
        if "desk_kpis" in self._cache:
            return self._cache["desk_kpis"].copy()
        if self.round == 0:
            return pd.DataFrame(columns=DESK_KPI_COLUMNS)
        result = self.result()
        table = self.kpis().set_index("node")
        region_nodes = [DISTRIBUTOR, *DEALERS]
        credit = _credit_counts(result)
        weekly = _weekly(result)
        rows = []
        for node in region_nodes:
            mine = weekly[weekly["node"] == node]
            rows.append({
                "node": node, "kind": table.loc[node, "kind"], "total_cost": table.loc[node, "total_cost"],
                "otif": table.loc[node, "otif"], "fill_rate": table.loc[node, "fill_rate"],
                "lost_sales": table.loc[node, "lost_sales"],
                "bullwhip_weekly": bullwhip_ratio(mine["ordered"].to_numpy(), mine["demand"].to_numpy()),
                **credit.get(node, _NO_ORDERS),
            })  # fmt: skip
        dist = weekly[weekly["node"] == DISTRIBUTOR]
        end = weekly[weekly["node"].isin(DEALERS)].groupby("week")["customer_demand"].sum()
        checked = sum(credit.get(n, _NO_ORDERS)["orders_checked"] for n in region_nodes)
        held = sum(credit.get(n, _NO_ORDERS)["orders_held"] for n in region_nodes)
        network = table.loc["network"]
        rows.append({
            "node": REGION, "kind": REGION, "total_cost": float(sum(row["total_cost"] for row in rows)),
            "otif": network["otif"], "fill_rate": network["fill_rate"], "lost_sales": network["lost_sales"],
            "bullwhip_weekly": bullwhip_ratio(dist["ordered"].to_numpy(), end.reindex(dist["week"]).to_numpy()),
            "orders_checked": checked, "orders_held": held,
            "orders_rejected": sum(credit.get(n, _NO_ORDERS)["orders_rejected"] for n in region_nodes),
            "orders_held_share": held / checked if checked else math.nan,
        })  # fmt: skip
        frame = pd.DataFrame(rows, columns=DESK_KPI_COLUMNS)
        frame = frame.astype({c: float for c in DESK_KPI_COLUMNS if c not in ("node", "kind")})
        self._cache["desk_kpis"] = frame
        return frame.copy()

    def benchmark(self) -> Result:
        """The desk's standard process: the distributor's daily (s, S) policy, the scenario's limits, same seed."""
        if self._benchmark is None:
            from chansim.engine import run

            self._benchmark = run(self.base_scenario, seed=self.seed, days=self.total_rounds * WEEK_DAYS)
        return self._benchmark

    def score(self) -> Score:
        """``score = 40 × min(1, C_std / C_you) + 40 × OTIF + 20 × min(1, 1 / BW)`` (NaN before week 1).

        ``C_you`` = total cost of the distributor and its dealers over the weeks played,
        ``C_std`` = the same in :meth:`benchmark`, ``OTIF`` = the distributor's on time in
        full to its dealers, ``BW`` = the distributor's ``bullwhip_weekly``. A term without
        data yet (no order due, fewer than two weeks) counts in full.
        """
        nodes = [DISTRIBUTOR, *DEALERS]
        end_day = self.round * WEEK_DAYS
        yours = float(cost_by_node(self.result(), end_day, nodes).sum()) if self.round else 0.0
        standard = float(cost_by_node(self.benchmark(), end_day, nodes).sum())
        kpis = self.desk_kpis().set_index("node")
        otif = float(kpis.loc[DISTRIBUTOR, "otif"]) if self.round else math.nan
        bullwhip = float(kpis.loc[DISTRIBUTOR, "bullwhip_weekly"]) if self.round else math.nan
        cost_term = min(1.0, standard / yours) if yours > 0 else 1.0
        service_term = otif if math.isfinite(otif) else 1.0
        bullwhip_term = min(1.0, 1.0 / bullwhip) if math.isfinite(bullwhip) and bullwhip > 0 else 1.0
        value = 40 * cost_term + 40 * service_term + 20 * bullwhip_term if self.round else math.nan
        return Score(
            value=value,
            formula_key="score.order_desk.formula",
            formula="score = 40 × min(1, C_std / C_you) + 40 × OTIF + 20 × min(1, 1 / BW)",
            params={"C_std": standard, "C_you": yours, "OTIF": otif, "BW": bullwhip},
            components={"cost": cost_term, "service": service_term, "bullwhip": bullwhip_term},
        )


_NO_ORDERS = {"orders_checked": 0, "orders_held": 0, "orders_rejected": 0, "orders_held_share": math.nan}


def _credit_counts(result: Result) -> dict[str, dict[str, float]]:
    """Per partner: orders checked, first decided ``held``, finally ``rejected``, and the held share."""
    audit = result.audit
    credit = audit[(audit["source"] == "order_to_cash") & (audit["actor"] == "credit")]
    credit = credit[credit["action"].isin(CREDIT_DECISIONS)]
    if not len(credit):
        return {}
    partner = credit["detail"].str.split(":").str[0]
    credit = credit.assign(partner=partner)
    first = credit.drop_duplicates("subject", keep="first")
    last = credit.drop_duplicates("subject", keep="last")
    out: dict[str, dict[str, float]] = {}
    for name, group in first.groupby("partner"):
        checked = len(group)
        held = int((group["action"] == "held").sum())
        rejected = int((last.loc[last["partner"] == name, "action"] == "rejected").sum())
        out[str(name)] = {
            "orders_checked": checked,
            "orders_held": held,
            "orders_rejected": rejected,
            "orders_held_share": held / checked if checked else math.nan,
        }
    return out


def _weekly(result: Result) -> pd.DataFrame:
    """Per node x week: units ordered, demanded of the node and demanded by end customers (all SKUs)."""
    levels = result.levels
    week = (levels["day"] // WEEK_DAYS).astype(np.int64)
    frame = pd.DataFrame({
        "node": levels["node"].astype(str), "week": week, "ordered": levels["ordered"],
        "demand": levels["demand"], "customer_demand": levels["customer_demand"],
    })  # fmt: skip
    return frame.groupby(["node", "week"], sort=True)[["ordered", "demand", "customer_demand"]].sum().reset_index()
