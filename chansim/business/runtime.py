"""Wiring of the business layer into a running :class:`chansim.engine.Session`.

Built only when a scenario has a ``business`` section, so the inventory model alone pays
nothing for it. What it does inside the SimPy run:

* **Tiers**: each partner's starting tier (``business.tiers_by_node``, else the ladder's
  ``initial_tier``) sets its allocation priority at its supplier and its purchase price
  (list price less the tier discount).
* **Order-to-cash**: a partner's replenishment order to another node first passes the
  credit desk (hold / reject / partial) and the approval path (approver pools are SimPy
  resources, so orders queue); only then, after the node's order delay, does the supplier
  see it. The granted amount is invoiced on approval; payments, insolvencies and bad debt
  follow the payment behaviour. A rejected order is cancelled; a partial one shrinks.
* **Funnel**: leads are generated, routed, registered and worked through the stages; a won
  deal becomes end-customer orders at the winning partner at the start of the next period
  (lines for SKUs the partner does not stock are recorded as ``unserved``).
* **Audit log**: every credit decision, approval step, routing, registration and tier or
  status change, with time, actor and values.

Incentives are settled after the run from the money table (see :mod:`chansim.results`).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from chansim.business.funnel import Funnel, PartnerInfo, funnel_tables
from chansim.business.order_to_cash import Absence, CreditDecision, OrderToCash
from chansim.business.partners import (
    LifecycleStreams,
    PartnerBook,
    PartnersConfig,
    PartnerState,
    TrainingEvent,
    draw_capability,
    exit_money_rows,
    money_frame,
    observed_scores,
    run_lifecycle,
)
from chansim.business.records import RUNTIME, AuditRow, audit_frame
from chansim.config.business import partner_tiers, purchase_discounts
from chansim.engine import SimulationError, install_extension
from chansim.model.resumable import Resumable, finish
from chansim.rng import stream

if TYPE_CHECKING:
    from chansim.engine import Item, Order, Session

__all__ = ["BusinessRuntime", "partner_tiers", "purchase_discounts"]


def _funnel_stream(seed: int, replication: int, source: str) -> Any:
    return stream(seed, replication, f"funnel/{source}")


class BusinessRuntime:
    """The business processes of one replication, attached to a session."""

    def __init__(self, session: Session) -> None:
        self.session = session
        scenario = session.scenario
        assert scenario.business is not None
        self.config = scenario.business
        self.env = session.env
        # the audit log the runtime and the order-to-cash components share (see chansim.business.records)
        self.audit: list[AuditRow | tuple[Any, ...]] = []
        self.tiers = partner_tiers(scenario)
        ladder = {tier.name: tier for tier in self.config.partners.tiers.tiers}
        self.book = PartnerBook.from_scenario(scenario, self.config.partners)
        for name, tier in self.tiers.items():
            if self.book.tier_of(name) is None or self.book.tier_of(name).name != tier:  # type: ignore[union-attr]
                self.book.set_tier(name, tier, day=0, actor="setup")
        self.control = session.control
        for item in session.sequence:
            if item.node in self.tiers:
                self.control.set_priority(item, ladder[self.tiers[item.node]].allocation_priority)
        self.vendor = next(n.name for n in scenario.nodes if all(lane.supplier is None for lane in n.lanes))

        # the lifecycle runs when the scenario configures any part of it (so a saved and
        # reloaded scenario behaves the same: defaults are not written out)
        self.lifecycle = (
            self.config.partners != PartnersConfig()
            or self.config.recruitment_round is not None
            or bool(self.config.mdf_requests)
        )
        self.schedule = None
        if self.lifecycle:
            self._draw_schedule()
        self.order_to_cash = None
        if self.config.order_to_cash is not None:

            self.order_to_cash = OrderToCash(
                self.env,
                self._order_to_cash_config(),
                seed=session.seed,
                replication=session.replication,
                partner_kinds={n.name: n.kind for n in scenario.nodes},
                seller=self.vendor,
                records=self.audit,
            )
        self.exit_money: list[Any] = []
        self.held_lines: dict[Any, tuple[str, float, str]] = {}  # order id -> (sku, qty, supplier) of held orders
        self.funnel = None
        self.funnel_records: list[tuple[Any, ...]] = []
        self.won: list[Any] = []  # deals won since the last period start (before_period turns them into orders)
        if self.config.funnel is not None:

            applicants = set(self.config.recruitment_round.candidates) if self.config.recruitment_round else set()
            partners = [  # applicants take leads only once recruited (see _run_recruitment)
                PartnerInfo(name, scenario.node(name).region or "", tier)
                for name, tier in sorted(self.tiers.items())
                if scenario.node(name).kind in ("dealer", "retailer") and name not in applicants
            ]
            self.funnel = Funnel(
                self.env,
                self.config.funnel,
                partners,
                functools.partial(_funnel_stream, session.seed, session.replication),
                on_won=self._deal_won,
                records=self.funnel_records,
            )
        discounts = purchase_discounts(scenario)
        self.unit_price = {
            (item.node, item.sku): scenario.topology.sku_by_name[item.sku].list_price * (1 - discounts[item.node])
            for item in session.sequence
            if item.node in discounts
        }
        self.sell_price = {
            (item.node, item.sku): scenario.topology.sku_by_name[item.sku].list_price
            * (1 - scenario.node(item.node).sell_discount)
            for item in session.sequence
        }
        self.regions = {n.name: n.region for n in scenario.nodes}
        self.current_tier = dict(self.tiers)
        self.base_price = dict(self.unit_price)  # tier list prices; trade promotions discount from them
        self.mdf_plan = sorted(self.config.mdf_requests, key=lambda r: (r.day, r.partner))
        if self.config.conflict is not None:
            self._set_diversion()
        self.round_done = True
        if self.config.recruitment_round is not None:
            self._open_recruitment()
        if self.lifecycle:
            self._start_lifecycle()
        if self.order_to_cash is not None:
            self.order_to_cash.ledger.subscribe(self._on_ledger)

    def _reprice(self, partner: str, tier: str) -> None:
        """A tier change moves the partner to that tier's price list from now on."""
        scenario = self.session.scenario
        ladder = {t.name: t for t in self.config.partners.tiers.tiers}
        floor = min(t.discount for t in ladder.values())
        node = scenario.node(partner)
        if node.kind in ("distributor", "wholesaler"):
            supplier = next(lane.supplier for lane in node.lanes if lane.supplier is not None)
            discount = min(0.95, scenario.node(supplier).sell_discount + ladder[tier].discount - floor)
        else:
            discount = ladder[tier].discount
        for item in self.session.sequence:
            if item.node == partner and item.supplier is not None:
                price = scenario.topology.sku_by_name[item.sku].list_price * (1 - discount)
                self.control.set_unit_price(item, price)
                self.unit_price[item.node, item.sku] = price
                self.base_price[item.node, item.sku] = price
        self.current_tier[partner] = tier

    # ------------------------------------------------------------------ channel conflict
    def _set_diversion(self) -> None:
        """Point each market-serving item at the cheapest other-region dealer beyond the freight gap."""
        conflict = self.config.conflict
        assert conflict is not None
        serving = [item for item in self.session.sequence if item.markets]
        for item in serving:
            region = self.regions.get(item.node)
            price = self.sell_price[item.node, item.sku]
            rivals = [
                (self.sell_price[other.node, other.sku], other.node, other)
                for other in serving
                if other.sku == item.sku and self.regions.get(other.node) != region
            ]
            if not rivals or region is None:
                continue
            cheapest_price, name, cheapest = min(rivals, key=lambda r: (r[0], r[1]))
            if price - cheapest_price > conflict.freight_cost_per_unit and conflict.diversion_share > 0:
                self.control.divert(item, cheapest, conflict.diversion_share)
                self._audit(0.0, "market", "diversion", item.node, conflict.diversion_share, f"{item.sku}->{name}")

    # ------------------------------------------------------------------ recruitment
    def _open_recruitment(self) -> None:
        """Turn the candidate nodes into applicants: hidden capability, noisy observed scores, no trade."""
        rnd = self.config.recruitment_round
        assert rnd is not None
        cfg = self.config.partners
        rng = stream(self.session.seed, self.session.replication, "partners/applicants")
        names = list(rnd.candidates)
        capability = draw_capability(rng, cfg.recruitment.capability, len(names))
        scores = observed_scores(rng, capability, cfg.evaluation)
        self.saved_policies: dict[tuple[str, str], Any] = {}
        for i, name in enumerate(names):
            old = self.book.partners.pop(name)
            self.book.partners[name] = PartnerState(
                name=name,
                level=old.level,
                region=old.region,
                capability=float(capability[i]),
                observed_scores={c: float(s) for c, s in zip(cfg.evaluation.names, scores[i], strict=True)},
                satisfaction=cfg.satisfaction.initial,
                status="candidate",
                tier=old.tier,
            )
            for item in self.session.sequence:
                if item.node == name:
                    self.saved_policies[name, item.sku] = (item.policy, item.manual)
                    self.control.stop_ordering(item)
                    self.control.set_demand_factor(item, 0.0)
        self.round_done = False

    def _run_recruitment(self, day: int) -> None:
        rnd = self.config.recruitment_round
        assert rnd is not None
        if rnd.select is not None:
            chosen = list(rnd.select)
        else:
            ranked = self.book.screen(list(rnd.candidates), rnd.weights)
            chosen, taken = [], {}
            for result in ranked:
                if taken.get(result.region, 0) < rnd.recruit_per_region:
                    chosen.append(result.partner)
                    taken[result.region] = taken.get(result.region, 0) + 1
        self.book.recruit(sorted(chosen), day, actor="trainee" if rnd.select is not None else "screening")
        if self.funnel is not None:

            scenario = self.session.scenario
            for name in sorted(chosen):
                if scenario.node(name).kind in ("dealer", "retailer"):
                    self.funnel.add_partner(PartnerInfo(name, scenario.node(name).region or "", self.tiers[name]))
        for name in chosen:
            for item in self.session.sequence:
                if item.node == name and (name, item.sku) in self.saved_policies:
                    self.control.set_policy(item, *self.saved_policies[name, item.sku])
        self.round_done = True

    # ------------------------------------------------------------------ partner lifecycle
    def _draw_schedule(self) -> None:
        """Random and scheduled events of the run (drawn once, from their own stream)."""
        session = self.session
        scenario = session.scenario
        self.streams = LifecycleStreams.from_seed(session.seed, session.replication)
        lanes = sorted(f"{lane.supplier}->{n.name}" for n in scenario.nodes for lane in n.lanes if lane.supplier)
        self.schedule = self.book.draw_random_events(
            self.streams.events,
            horizon_days=scenario.horizon_days,
            targets={"shipment_delay": lanes, "warehouse_outage": [n.name for n in scenario.nodes]},
        )

    def _order_to_cash_config(self) -> Any:
        """The order-to-cash configuration with the approver absences of the event schedule added.

        An ``approver_absence`` event aimed at a pool's name takes one approver of that pool
        away; one with the default target (``approver``) takes one approver of every pool.
        An absence that would leave a pool with fewer than zero approvers is skipped (audited).
        """
        config = self.config.order_to_cash
        assert config is not None
        if self.schedule is None or not len(self.schedule):
            return config
        rows = self.schedule[self.schedule["kind"] == "approver_absence"]
        if not len(rows):
            return config
        pools = []
        for pool in config.approver_pools:
            absences = list(pool.absences)
            for row in rows.itertuples(index=False):
                if row.target in (pool.name, "approver", None):
                    trial = [
                        *absences,
                        Absence(start_day=int(row.start_day), end_day=int(row.end_day), name=str(row.name)),
                    ]
                    try:
                        pool.model_validate({**pool.model_dump(), "absences": [a.model_dump() for a in trial]})
                    except ValueError:
                        self._audit(float(row.start_day), "events", "absence_skipped", pool.name, 1, "")
                        continue
                    absences = trial
            pools.append(pool.model_copy(update={"absences": absences}))
        return config.model_copy(update={"approver_pools": pools})

    def _start_lifecycle(self) -> None:

        # regional demand events as plain tuples: looked up every period for every item
        self.region_events: dict[str, list[tuple[float, float, float]]] = {}
        assert self.schedule is not None
        for row in self.schedule.itertuples(index=False):
            if row.kind in ("demand_shock", "competitor_price_cut"):
                window = (float(row.start_day), float(row.end_day), float(row.magnitude))
                self.region_events.setdefault(str(row.target), []).append(window)
        self._apply_logistics_events()
        self.env.process(
            run_lifecycle(
                self.env, self.book, self.streams, self._metrics, schedule=self.schedule, on_exit=self._on_exit
            )
        )

    def _apply_logistics_events(self) -> None:
        """Shipment delays and warehouse outages become lane disruptions (``LaneState.disruptions``)."""
        assert self.schedule is not None
        session = self.session
        P = session.period_days
        into = {}  # "supplier->node": the item whose lane it is (one lane a pair)
        for item in session.sequence:
            if item.supplier is not None:
                into[f"{item.supplier.node}->{item.node}"] = item
        for row in self.schedule.itertuples(index=False):
            start, end = int(row.start_day), int(row.end_day)
            if row.kind == "shipment_delay" and row.target in into:
                extra = round(float(row.magnitude) / P)  # days of delay, in whole periods
                if extra > 0:
                    self.control.disrupt_lane(into[row.target], start, end, None, extra)
            elif row.kind == "warehouse_outage":
                for key, item in into.items():
                    if key.split("->")[0] == row.target:
                        left = float(row.magnitude)
                        base = item.lane.base_capacity
                        cap = 0.0 if base is None and left <= 0 else None
                        if base is not None:
                            cap = base * left
                        if cap is not None:
                            self.control.disrupt_lane(item, start, end, cap, 0)

    def _metrics(self, day: int, window_days: int) -> dict[str, dict[str, float]]:
        """Each live partner's fill rate, margin and target achievement over the last window."""
        session = self.session
        periods = max(1, window_days // session.period_days)
        acc: dict[str, list[float]] = {}
        for node, sku, demand, shipped in self.control.recent_flows(periods):
            a = acc.setdefault(node, [0.0, 0.0, 0.0, 0.0])
            price = self.sell_price.get((node, sku), 0.0)
            cost = self.unit_price.get((node, sku), 0.0)
            a[0] += demand
            a[1] += shipped
            a[2] += shipped * price
            a[3] += shipped * (price - cost)
        targets = self.config.incentives.targets if self.config.incentives is not None else None
        out = {}
        for name in self.book.names():
            demand, shipped, revenue, margin = acc.get(name, [0.0, 0.0, 0.0, 0.0])
            achievement = 1.0
            if targets is not None:
                base = targets.base_target(name, session.scenario.node(name).kind)
                if base:
                    achievement = revenue / (base * window_days / targets.period_days)
            out[name] = {
                "fill_rate": min(1.0, shipped / demand) if demand > 0 else 1.0,
                "margin": margin / revenue if revenue > 0 else 0.0,
                "target_achievement": achievement,
                "sales": revenue,
            }
        return out

    def _on_exit(self, exit: Any) -> None:
        """A partner leaves: it stops ordering, its stock goes back or is written off, its markets move or go."""
        session = self.session
        stock_value = 0.0
        for item in self.control.items_of(exit.partner):
            stock_value += item.on_hand * self.unit_price.get((item.node, item.sku), 0.0)
            successor = session.items.get((exit.customers_to, item.sku)) if exit.customers_to else None
            self.control.retire(item, exit.stock, successor)  # what it still owed its customers is lost
        # its customers now buy from its own supplier (the lanes, lead times and prices stay theirs)
        for item in session.sequence:
            if item.supplier is not None and item.supplier.node == exit.partner:
                upstream = item.supplier.supplier
                if upstream is not None:
                    self.control.rehome(item, upstream)
                    self._audit(self.env.now, "partners", "rehomed", item.node, 0, f"{item.sku}->{upstream.node}")
        supplier = next((i.supplier.node for i in session.sequence if i.node == exit.partner and i.supplier), None)
        self.exit_money.extend(exit_money_rows(exit, stock_value, supplier))
        if self.funnel is not None and exit.partner in {p.name for p in self.funnel.partners}:
            self.funnel.retire_partner(exit.partner)  # only dealers take leads
        if self.order_to_cash is not None and exit.reason == "insolvency":
            ledger = self.order_to_cash.ledger
            if not ledger.is_insolvent(exit.partner):
                ledger.insolvency(exit.partner)

    def _on_ledger(self, partner: str, what: str) -> None:
        """An insolvency found by the ledger ends the partnership too."""
        if what == "insolvency" and partner in self.book.partners and self.book.partners[partner].is_live:
            self._on_exit(self.book.exit_partner(partner, int(self.env.now), "insolvency", actor="ledger"))

    def _audit(self, time: float, actor: str, action: str, subject: str, value: Any, detail: str) -> None:
        """One of the runtime's own rows of the audit log (source ``runtime``)."""
        self.audit.append(AuditRow(time, actor, action, subject, value, detail, RUNTIME))

    def _deal_won(self, deal: Any) -> None:
        self.won.append(deal)  # the current list: before_period swaps ``won`` for a new one

    # ------------------------------------------------------------------ order-to-cash
    # ------------------------------------------------------------------ business controls (exercises use these)
    def set_credit_limit(self, partner: str, limit: float | None) -> None:
        """A partner's credit limit from now (``None``: unlimited); held orders that now fit are released."""
        if self.order_to_cash is None:
            raise SimulationError("the scenario has no credit desk (business.order_to_cash)")
        self.order_to_cash.desk.set_credit_limit(partner, limit)

    def held_orders(self) -> list[dict[str, Any]]:
        """The orders held at the credit desk now, first in first per partner.

        Each: ``order`` (the order id as text), ``partner`` (who ordered), ``supplier``,
        ``sku``, ``qty``, ``amount`` (the value the desk checked) and ``held_since_day``.
        """
        if self.order_to_cash is None:
            return []
        rows = []
        for order_id, partner, amount, day in self.order_to_cash.desk.held_orders():
            sku, qty, supplier = self.held_lines.get(order_id, ("", math.nan, ""))
            rows.append({"order": str(order_id), "partner": partner, "supplier": supplier, "sku": sku, "qty": qty,
                         "amount": amount, "held_since_day": day})  # fmt: skip
        return rows

    def approve_order(self, order: str) -> bool:
        """Approve a held order (its id as text) over the credit limit: it goes on at once; False when not held."""
        if self.order_to_cash is None:
            raise SimulationError("the scenario has no credit desk (business.order_to_cash)")
        desk = self.order_to_cash.desk
        for order_id, *_ in desk.held_orders():
            if str(order_id) == str(order):
                self.held_lines.pop(order_id, None)
                return desk.approve_held(order_id)
        return False

    def set_payment_health(self, partner: str, health: float) -> None:
        """A partner's payment health (0-1) from now: its payment delays and insolvency hazard."""
        if self.order_to_cash is None:
            raise SimulationError("the scenario has no receivables ledger (business.order_to_cash)")
        self.order_to_cash.ledger.set_health(partner, health)

    def set_lead_routing(self, changes: Mapping[str, Any]) -> None:
        """Routing of the leads routed from now on (fields of ``business.funnel.routing``), validated."""
        if self.funnel is None:
            raise SimulationError("the scenario has no sales funnel (business.funnel)")
        self.funnel.set_routing(changes)

    def apply_training(self, event: TrainingEvent, day: int | None = None) -> list[str]:
        """Hold a training (see :class:`~chansim.config.partners.TrainingEvent`); returns who was trained."""
        return self.book.apply_training(event, day)

    # ------------------------------------------------------------------ engine hooks (chansim.engine.Extension)
    def on_allocation(self, now: float, item: Item, available: float) -> None:
        """Audit a shortage allocation: the engine shares ``item``'s stock among its waiting orders."""
        detail = f"{item.sku} {item.allocation}: {item.backlog:g} wanted"
        self._audit(now, "engine", "allocation", item.node, available, detail)

    def on_order_decision(self, now: float, item: Item, qty: float) -> None:
        """Audit the trainee's order for a manual node."""
        self._audit(now, "trainee", "order_decision", item.node, qty, item.sku)

    def intercept_order(self, item: Item, order: Order) -> bool:
        """With order-to-cash, a partner's order to another node passes credit and approvals first."""
        if self.order_to_cash is None or item.supplier is None:
            return False
        self.place(item, order)
        return True

    def place(self, item: Item, order: Order) -> None:
        """Credit check and approval path for a new order; release it to the supplier afterwards.

        An order that the desk accepts at once and that needs no approval is released in
        the same period (its supplier, being upstream, still sees it today); otherwise a
        SimPy process waits for the credit release and the approvers.
        """
        assert self.order_to_cash is not None
        desk, office = self.order_to_cash.desk, self.order_to_cash.office
        price = self.unit_price.get((item.node, item.sku), 0.0)
        list_price = self.session.scenario.topology.sku_by_name[item.sku].list_price
        discount = 1 - price / list_price if list_price else 0.0
        decision = desk.check(order.id, item.node, order.qty * price)
        if decision.status == "held":  # what the order desk shows of it (held_orders)
            self.held_lines[order.id] = (item.sku, float(order.qty), item.supplier.node)
        if decision.status == "rejected":
            self.control.cancel_order(item, order, reason="credit")
        elif decision.status != "held" and not office.route(decision.granted, discount):
            self._bill(item, order)
            self._release(item, order, decision, price)
        else:
            self.env.process(_WaitForRelease(self, item, order, decision, discount, price))

    def _bill(self, item: Item, order: Order) -> None:
        """Invoice the order's reserved credit; the seller is the partner's direct supplier."""
        assert self.order_to_cash is not None and item.supplier is not None
        ledger = self.order_to_cash.ledger
        ledger.seller = item.supplier.node
        try:
            self.order_to_cash.desk.bill(order.id)
        finally:
            ledger.seller = self.vendor

    def _release(self, item: Item, order: Order, decision: CreditDecision, price: float) -> None:
        """Send the order to its supplier, shrunk to the units the granted credit pays for (if partial)."""
        session = self.session
        if decision.granted_cents < decision.requested_cents:  # both whole cents: an exact comparison
            granted = decision.granted / price
            if session.discrete:
                granted = math.floor(granted + 1e-9)
            if granted <= 0:
                self.control.cancel_order(item, order, reason="credit")
                return
            self.control.shrink_order(item, order, granted)
        self.control.release_order(item, order)

    # ------------------------------------------------------------------ funnel
    def _apply_price_promotions(self, now: float) -> None:
        """Each partner item buys at its tier price less any trade promotion running today."""
        for item in self.session.sequence:
            key = (item.node, item.sku)
            if key not in self.base_price:
                continue
            tier = self.current_tier.get(item.node)
            discount = 0.0
            for promo in self.config.price_promotions:
                if (
                    promo.start_day <= now < promo.end_day
                    and (not promo.skus or item.sku in promo.skus)
                    and (not promo.tiers or tier in promo.tiers)
                ):
                    discount = max(discount, promo.extra_discount)
            price = self.base_price[key] * (1 - discount)
            if price != item.unit_price:
                self.control.set_unit_price(item, price)
                self.unit_price[key] = price

    def before_period(self, period: int, now: float) -> None:
        """Update demand factors and win rates; turn deals won since the last period into orders."""
        if not self.round_done and now >= self.config.recruitment_round.day:  # type: ignore[union-attr]
            self._run_recruitment(int(now))
        while self.mdf_plan and self.mdf_plan[0].day <= now:
            request = self.mdf_plan.pop(0)
            if request.partner in self.book.partners and self.book[request.partner].is_live:
                self.book.request_mdf(request.partner, request.amount, int(now))
                self._audit(now, request.partner, "mdf_requested", request.partner, request.amount, "")
        if self.lifecycle:
            book = self.book
            priority = {tier.name: tier.allocation_priority for tier in self.config.partners.tiers.tiers}
            for item in self.session.sequence:
                tier = book.tier_of(item.node) if item.node in book.partners else None
                if tier is not None:
                    self.control.set_priority(item, priority[tier.name])  # orders from now on carry the new tier's
                    if self.current_tier.get(item.node, tier.name) != tier.name:
                        self._reprice(item.node, tier.name)
                if item.node in book.partners and item.markets:
                    factor = book.demand_multiplier(item.node, now, include_training=self.funnel is None)
                    region = self.regions.get(item.node)
                    if region and region in self.region_events:
                        for start, end, magnitude in self.region_events[region]:
                            if start <= now < end:
                                factor *= magnitude
                    self.control.set_demand_factor(item, factor)
            if self.funnel is not None:
                for name in self.funnel.active_partners:
                    self.funnel.set_win_multiplier(name, book.win_rate_multiplier(name, now))
        if self.config.price_promotions:  # after tier changes: promotions discount the new list
            self._apply_price_promotions(now)
        if not self.won:
            return
        deals, self.won = self.won, []
        for deal in sorted(deals, key=lambda d: (d.day, d.deal_id)):
            for sku, units in deal.sku_lines:
                item = self.session.items.get((deal.partner, sku))
                if item is None or units <= 0:
                    self._audit(now, deal.partner, "unserved", f"deal:{deal.deal_id}", units, sku)
                    continue
                self.control.add_customer_order(item, f"deal:{deal.deal_id}", float(units))

    # ------------------------------------------------------------------ fork
    def fork_records(self) -> tuple[list[Any], list[list[Any]]]:
        """For :meth:`Session.fork`: containers of immutable rows, and archives of objects that
        are final once nothing live refers to them (see there).
        """
        rows: list[Any] = [self.audit, self.funnel_records, self.book.audit, self.book.money, self.exit_money]
        archives: list[list[Any]] = []
        if self.order_to_cash is not None:
            ledger, office = self.order_to_cash.ledger, self.order_to_cash.office
            rows += [ledger.money, ledger.settlements, office.steps, office.outcomes]
            archives.append(ledger.invoices)
        return rows, archives

    # ------------------------------------------------------------------ results
    def tables(self) -> dict[str, Any]:
        """Business tables of the run (tidy DataFrames)."""
        frames: dict[str, Any] = {}
        frames["audit"] = audit_frame(self.audit, self.book.audit)
        if self.exit_money or self.book.money:
            frames["partner_money"] = money_frame([*self.book.money, *self.exit_money])
        if self.schedule is not None:
            frames["random_events"] = self.schedule.copy()
        book_tables = self.book.tables()
        frames["partners"] = book_tables["partners"]
        if len(book_tables.get("exits", ())):
            frames["exits"] = book_tables["exits"]
        if self.order_to_cash is not None:
            ledger = self.order_to_cash.ledger
            frames["invoices"] = ledger.invoices_frame()
            frames["settlements"] = ledger.settlements_frame()
            frames["approvals"] = self.order_to_cash.office.steps_frame()
            frames["receivables_money"] = ledger.money_frame(self.env.now)
        if self.funnel is not None:

            tables = funnel_tables(self.funnel_records, self.config.funnel.stage_names)  # type: ignore[union-attr]
            frames["leads"] = tables.leads
            frames["stage_events"] = tables.stage_events
            frames["registrations"] = tables.registrations
            frames["deal_lines"] = tables.deal_lines
        return frames


class _WaitForRelease(Resumable):
    """A held or approval-bound order: wait for the credit release, then the approvers; bill and release.

    The generator it replaces::

        final = yield decision.settled                                  # state "credit"
        if final is rejected: cancel the order; return
        if the granted amount needs approval: yield office.submit(...)  # state "approval"
        bill; release
    """

    __slots__ = ("runtime", "item", "order", "decision", "discount", "price", "state", "final")

    def __init__(
        self, runtime: BusinessRuntime, item: Item, order: Order, decision: Any, discount: float, price: float
    ) -> None:
        self.runtime = runtime
        self.item = item
        self.order = order
        self.decision = decision
        self.discount = discount
        self.price = price
        self.state = "start"
        self.final: Any = None

    def send(self, value: object) -> Any:
        runtime = self.runtime
        assert runtime.order_to_cash is not None
        if self.state == "start":
            self.state = "credit"
            return self.decision.settled
        if self.state == "credit":
            final = self.final = value
            if final.status == "rejected":  # type: ignore[attr-defined]
                runtime.control.cancel_order(self.item, self.order, reason="credit")
                finish()
            office = runtime.order_to_cash.office
            if office.route(final.granted, self.discount):  # type: ignore[attr-defined]
                self.state = "approval"
                return office.submit(self.order.id, self.item.node, final.granted, self.discount)  # type: ignore[attr-defined]
        runtime._bill(self.item, self.order)
        runtime._release(self.item, self.order, self.final, self.price)
        finish()


install_extension(BusinessRuntime)
