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

import math
from typing import TYPE_CHECKING, Any

from chansim.business.partners import PartnerBook
from chansim.rng import stream

if TYPE_CHECKING:
    from chansim.engine import Item, Order, Session
    from chansim.scenario import Scenario

__all__ = ["BusinessRuntime", "partner_tiers", "purchase_discounts"]


def partner_tiers(scenario: Scenario) -> dict[str, str]:
    """Starting tier of every distributor and dealer (empty without a business section)."""
    business = scenario.business
    if business is None:
        return {}
    ladder = business.partners.tiers
    default = ladder.initial_tier or ladder.names[-1]
    return {
        node.name: business.tiers_by_node.get(node.name, default)
        for node in scenario.nodes
        if any(lane.supplier is not None for lane in node.lanes)
    }


def purchase_discounts(scenario: Scenario) -> dict[str, float]:
    """Discount off list price at which each partner buys, from its starting tier."""
    business = scenario.business
    if business is None:
        return {}
    by_name = {tier.name: tier for tier in business.partners.tiers.tiers}
    return {node: by_name[tier].discount for node, tier in partner_tiers(scenario).items()}


class BusinessRuntime:
    """The business processes of one replication, attached to a session."""

    def __init__(self, session: Session) -> None:
        self.session = session
        scenario = session.scenario
        assert scenario.business is not None
        self.config = scenario.business
        self.env = session.env
        self.audit: list[tuple[Any, ...]] = []
        self.tiers = partner_tiers(scenario)
        ladder = {tier.name: tier for tier in self.config.partners.tiers.tiers}
        self.book = PartnerBook.from_scenario(scenario, self.config.partners)
        for name, tier in self.tiers.items():
            if self.book.tier_of(name) is None or self.book.tier_of(name).name != tier:  # type: ignore[union-attr]
                self.book.set_tier(name, tier, day=0, actor="setup")
        for item in session.sequence:
            if item.node in self.tiers:
                item.priority = ladder[self.tiers[item.node]].allocation_priority
        self.vendor = next(n.name for n in scenario.nodes if all(lane.supplier is None for lane in n.lanes))
        self.order_to_cash = None
        if self.config.order_to_cash is not None:
            from chansim.business.order_to_cash import OrderToCash

            self.order_to_cash = OrderToCash(
                self.env,
                self.config.order_to_cash,
                seed=session.seed,
                replication=session.replication,
                partner_kinds={n.name: n.kind for n in scenario.nodes},
                seller=self.vendor,
                records=self.audit,
            )
        self.funnel = None
        self.funnel_records: list[tuple[Any, ...]] = []
        self.won: list[Any] = []
        if self.config.funnel is not None:
            from chansim.business.funnel import Funnel, PartnerInfo

            partners = [
                PartnerInfo(name, scenario.node(name).region or "", tier)
                for name, tier in sorted(self.tiers.items())
                if scenario.node(name).kind in ("dealer", "retailer")
            ]
            self.funnel = Funnel(
                self.env,
                self.config.funnel,
                partners,
                lambda source: stream(session.seed, session.replication, f"funnel/{source}"),
                on_won=self.won.append,
                records=self.funnel_records,
            )
        discounts = purchase_discounts(scenario)
        self.unit_price = {
            (item.node, item.sku): scenario.topology.sku_by_name[item.sku].list_price * (1 - discounts[item.node])
            for item in session.sequence
            if item.node in discounts
        }

    # ------------------------------------------------------------------ order-to-cash
    def takes(self, item: Item) -> bool:
        """Whether ``item``'s replenishment orders go through order-to-cash."""
        return self.order_to_cash is not None and item.supplier is not None

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
        if decision.status == "rejected":
            self.session.cancel_order(item, order, reason="credit")
        elif decision.status != "held" and not office.route(decision.granted, discount):
            desk.bill(order.id)
            self._release(item, order, decision.granted, price)
        else:
            self.env.process(self._wait_for_release(item, order, decision, discount, price))

    def _wait_for_release(self, item: Item, order: Order, decision: Any, discount: float, price: float):  # type: ignore[no-untyped-def]
        assert self.order_to_cash is not None
        final = yield decision.settled
        if final.status == "rejected":
            self.session.cancel_order(item, order, reason="credit")
            return
        if self.order_to_cash.office.route(final.granted, discount):
            yield self.order_to_cash.office.submit(order.id, item.node, final.granted, discount)
        self.order_to_cash.desk.bill(order.id)
        self._release(item, order, final.granted, price)

    def _release(self, item: Item, order: Order, granted_amount: float, price: float) -> None:
        session = self.session
        if price > 0 and granted_amount < order.qty * price - 1e-6:
            granted = granted_amount / price
            if session.discrete:
                granted = math.floor(granted + 1e-9)
            if granted <= 0:
                session.cancel_order(item, order, reason="credit")
                return
            session.shrink_order(item, order, granted)
        session.release_order(item, order)

    # ------------------------------------------------------------------ funnel
    def before_period(self, period: int, now: float) -> None:
        """Turn deals won since the last period into end-customer orders at the partners."""
        if not self.won:
            return
        deals, self.won = self.won, []
        for deal in sorted(deals, key=lambda d: (d.day, d.deal_id)):
            for sku, units in deal.sku_lines:
                item = self.session.items.get((deal.partner, sku))
                if item is None or units <= 0:
                    self.audit.append((now, deal.partner, "unserved", f"deal:{deal.deal_id}", units, sku))
                    continue
                self.session.add_customer_order(item, f"deal:{deal.deal_id}", float(units), now)

    # ------------------------------------------------------------------ results
    def tables(self) -> dict[str, Any]:
        """Business tables of the run (tidy DataFrames)."""
        import pandas as pd

        from chansim.business.partners import AUDIT_COLUMNS as PARTNER_AUDIT

        frames: dict[str, Any] = {}
        audit_rows = [
            (t, "order_to_cash", actor, action, str(subject), value, detail)
            for t, actor, action, subject, value, detail in self.audit
        ]
        audit_rows += [(r.time, "partners", r.actor, r.action, str(r.subject), r.old, r.new) for r in self.book.audit]
        frames["audit"] = pd.DataFrame(
            audit_rows, columns=["time", "source", "actor", "action", "subject", "value", "detail"]
        ).astype({"value": str, "detail": str})
        del PARTNER_AUDIT
        if self.order_to_cash is not None:
            ledger = self.order_to_cash.ledger
            frames["invoices"] = ledger.invoices_frame()
            frames["settlements"] = ledger.settlements_frame()
            frames["approvals"] = self.order_to_cash.office.steps_frame()
            frames["receivables_money"] = ledger.money_frame(self.env.now)
        if self.funnel is not None:
            from chansim.business.funnel import funnel_tables

            tables = funnel_tables(self.funnel_records, self.config.funnel.stage_names)  # type: ignore[union-attr]
            frames["leads"] = tables.leads
            frames["stage_events"] = tables.stage_events
            frames["registrations"] = tables.registrations
        return frames
