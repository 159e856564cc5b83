"""The sales funnel: leads, routing to partners, opportunity stages, deal registration, won deals.

A self-contained SimPy model of how end-customer demand reaches the channel as *deals*
rather than as a daily demand draw. The engine supplies the ``env``, the partners and
the random streams, and turns every :class:`WonDeal` into an end-customer order at the
winning partner's node (see :meth:`Funnel.__init__`).

Life of a lead (all times in days, SimPy time)
-----------------------------------------------
1. **Arrival.** Leads of region ``r`` arrive as a Poisson process whose rate is constant
   within each day ``d``: ``N_d ~ Poisson(lambda_r * s_r(d))`` leads at times
   ``d + U_(1) <= ... <= d + U_(N)`` (sorted uniforms), where the seasonality multiplier
   is ``s_r(d) = m[floor(n * (d mod C) / C)]`` for the ``n`` listed multipliers ``m`` and
   cycle ``C = seasonality_cycle_days`` (12 values and C = 365: months). Each lead gets an
   end-customer account drawn uniformly from the region's finite pool (so partners meet
   the same accounts), ``U = max(1, round(deal size draw))`` units, split over the SKU
   mix by a multinomial draw (``E[units of k] = U * share_k``, units conserved).
2. **Routing.** The lead is offered to one partner by ``routing.rule``. The partner
   accepts with probability ``a_p`` (per partner, else the default) after the response
   time ``R``; if it does not accept, or ``R > accept_timeout_days``, the lead is
   rerouted exactly ``accept_timeout_days`` after the offer to the next partner by the
   same rule, never to a partner already tried. After ``max_reroutes`` reroutes (or when
   no untried partner is left) the lead is lost as ``unrouted``.
3. **Stages.** An accepted lead enters stage 0 at once. In stage ``i`` it stays
   ``D_i`` days (its duration distribution), then passes to stage ``i + 1`` with
   probability ``min(1, p_i * w)``, where ``w`` is the partner's ``win_rate_multiplier``
   *at that moment*; otherwise it is lost at stage ``i``. Passing the last stage is a
   win: ``on_won`` is called at that time. Hence, for a partner with ``w = 1``:
   ``P(win | in stage i) = prod_{j >= i} p_j`` and ``E[time to win] = sum_i E[D_i]``
   (conversion and duration draws are independent).
4. **Deal registration** (if enabled) happens on entering ``register_at_stage`` (the
   first stage by default), before the stage's duration. An approved registration
   protects the account for the partner on ``[t, t + protection_days)``. A registration
   by a partner while another partner holds an active protection on the same account is
   a *conflict*: ``first_wins`` rejects it; ``escalate`` records it and asks the
   ``on_conflict`` hook (a manual decision), falling back to ``escalation_default``.
   Without a conflict the registration is approved with probability
   ``approval_probability``. A rejected registration loses the deal
   (``on_rejection: lose``, recorded as lost at that stage with reason
   ``registration_rejected``) or lets it continue unprotected (``continue``).
   Protection lasts its full window whatever the deal's outcome; the same partner
   registering again is never a conflict with itself.

Order of events and randomness
------------------------------
Events at equal times run in the order they were scheduled (SimPy). Lead generators
start in region order. Each source of randomness has its own named stream, so a
change of policy leaves the other draws unchanged (common random numbers):
``funnel/leads/<region>`` (arrivals, accounts, deal sizes), ``funnel/stages/<region>``
(every lead's stage uniforms and durations, drawn with the lead, so a more capable
partner wins a superset of the same deals), ``funnel/routing`` (tier-weighted
choices), ``funnel/acceptance`` (one uniform and one response time per offer),
``funnel/registration`` (one uniform per registration attempt) and ``funnel/manual``
(everything about leads added by :meth:`Funnel.add_lead`). A region's leads of a day are
drawn together at the start of that day: count, times, accounts, sizes, SKU splits, then
their stage draws.

KPIs (pure functions over :func:`funnel_tables`)
------------------------------------------------
- conversion of stage i = passed_i / entered_i (``closed_conversion`` = passed / (passed + lost));
- win rate = won / (won + lost + unrouted), and won / (won + lost) among accepted leads;
- registration: approval rate = approved / attempts, conflict rate = conflicts / attempts,
  win rate of deals with an approved registration = won / closed among them;
- weighted pipeline at day t = ``sum over open opportunities o of v_o * prod_{j >= i_o} p_j``
  (``i_o`` the stage o is in at t, ``v_o`` its units or value);
- won-units forecast for ``(t, t + N]`` = ``sum over open o with expected close day
  <= t + N of units_o * prod_{j >= i_o} p_j``, expected close day = ``t`` + expected
  remaining time in stage ``i_o`` given the time already spent + ``sum_{j > i_o} E[D_j]``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
import simpy

from chansim.business.records import FunnelRecord
from chansim.config.funnel import (  # the configuration (scenario layer), re-exported
    DEFAULT_STAGES,
    Days,
    DealRegistration,
    DeterministicDays,
    ExponentialDays,
    FunnelConfig,
    LeadSource,
    Probability,
    Routing,
    RoutingRule,
    SkuShare,
    Stage,
    StageDuration,
    UniformDays,
)
from chansim.model.resumable import Resumable, finish

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "DEFAULT_STAGES",
    "RECORD_COLUMNS",
    "Conflict",
    "DealRegistration",
    "DeterministicDays",
    "ExponentialDays",
    "Funnel",
    "FunnelConfig",
    "FunnelTables",
    "LeadSource",
    "PartnerInfo",
    "Routing",
    "SkuShare",
    "Stage",
    "StageDuration",
    "UniformDays",
    "WonDeal",
    "forecast_won_units",
    "funnel_tables",
    "registration_rates",
    "stage_conversion",
    "win_probability_from",
    "win_rates",
    "weighted_pipeline",
    "Probability",
    "Days",
    "RoutingRule",
]



# --------------------------------------------------------------------------- runtime values


@dataclass(frozen=True, slots=True)
class PartnerInfo:
    """A partner as the funnel sees it; ``name`` is its node name in the scenario.

    ``win_rate_multiplier`` (training, capability) multiplies every stage conversion
    probability, capped at 1. Change it during a run with :meth:`Funnel.set_win_multiplier`.
    """

    name: str
    region: str
    tier: str
    win_rate_multiplier: float = 1.0

    def __post_init__(self) -> None:
        if not math.isfinite(self.win_rate_multiplier) or self.win_rate_multiplier < 0:
            raise ValueError(f"partner '{self.name}': win_rate_multiplier must be >= 0, got {self.win_rate_multiplier}")


@dataclass(frozen=True, slots=True)
class WonDeal:
    """A won deal: the end-customer order the engine places at ``partner``."""

    day: float
    partner: str
    account: str
    sku_lines: tuple[tuple[str, int], ...]
    deal_id: int
    region: str

    @property
    def units(self) -> int:
        """Total units over all SKU lines."""
        return sum(units for _, units in self.sku_lines)


@dataclass(frozen=True, slots=True)
class Conflict:
    """A registration by ``partner`` for an account that ``holder`` protects."""

    day: float
    deal_id: int
    account: str
    region: str
    partner: str
    holder: str


# --------------------------------------------------------------------------- records

RECORD_COLUMNS = FunnelRecord._fields
"""Layout of every record tuple (:class:`~chansim.business.records.FunnelRecord`, appended as
plain tuples in its field order). ``value`` holds units, the offer number, the stage index
or the protection end day, depending on the event; ``detail`` a reason, SKU or origin."""

LEAD_CREATED = "lead_created"  # value: units, detail: origin ("source" or "manual")
DEAL_LINE = "deal_line"  # value: units, detail: sku
ROUTED = "routed"  # value: offer number (1)
REROUTED = "rerouted"  # value: offer number (2, 3, ...)
ACCEPTED = "accepted"  # value: offer number
TIMED_OUT = "timed_out"  # value: offer number, detail: "declined" or "late"
UNROUTED = "unrouted"  # detail: "no_partner" or "max_reroutes"
CONFLICT = "conflict"  # detail: the partner holding the protection
REGISTERED = "registered"  # value: protected until (day), detail: "approved" or "escalation_approved"
REJECTED = "rejected"  # detail: "not_approved", "conflict" or "escalation_rejected"
STAGE_ENTERED = "stage_entered"  # value: stage index
STAGE_PASSED = "stage_passed"  # value: stage index
STAGE_LOST = "stage_lost"  # value: stage index, detail: "not_converted" or "registration_rejected"
WON = "won"  # value: units
FUNNEL_EVENTS = frozenset({
    LEAD_CREATED, DEAL_LINE, ROUTED, REROUTED, ACCEPTED, TIMED_OUT, UNROUTED, CONFLICT,
    REGISTERED, REJECTED, STAGE_ENTERED, STAGE_PASSED, STAGE_LOST, WON,
})  # fmt: skip

RngSource = Mapping[str, np.random.Generator] | Callable[[str], np.random.Generator]


class _Lead:
    """One lead/opportunity while it is in the funnel."""

    __slots__ = ("deal_id", "region", "account", "lines", "uniforms", "durations", "requested_partner")

    def __init__(
        self,
        deal_id: int,
        region: str,
        account: str,
        lines: tuple[tuple[str, int], ...],
        uniforms: list[float],
        durations: list[float],
        requested_partner: str | None,
    ) -> None:
        self.deal_id = deal_id
        self.region = region
        self.account = account
        self.lines = lines
        self.uniforms = uniforms
        self.durations = durations
        self.requested_partner = requested_partner


# --------------------------------------------------------------------------- the model


class Funnel:
    """The sales funnel as SimPy processes in the engine's ``env``.

    Args:
        env: the simulation environment (shared with the engine).
        config: the ``business.funnel`` section.
        partners: the partners leads can be routed to (names unique).
        rng_by_source: a generator per source name (see :meth:`random_sources`), as a
            mapping or a factory such as ``lambda s: chansim.rng.stream(seed, rep, s)``.
        on_won: called with each :class:`WonDeal` at the time it is won.
        records: the list record tuples (:data:`RECORD_COLUMNS`) are appended to.
        on_conflict: for ``conflict_rule: escalate``, the manual decision: return True to
            approve, False to reject, None for ``escalation_default``.

    """

    def __init__(
        self,
        env: simpy.Environment,
        config: FunnelConfig,
        partners: Sequence[PartnerInfo],
        rng_by_source: RngSource,
        on_won: Callable[[WonDeal], None] | None = None,
        records: list[tuple[Any, ...]] | None = None,
        *,
        on_conflict: Callable[[Conflict], bool | None] | None = None,
    ) -> None:
        self.env = env
        self.config = config
        self.records: list[tuple[Any, ...]] = records if records is not None else []
        self.conflicts: list[Conflict] = []
        self._on_won = on_won
        self._on_conflict = on_conflict
        self._rng_by_source = rng_by_source
        self._rngs: dict[str, np.random.Generator] = {}
        self._partners: dict[str, PartnerInfo] = {}
        self._active: list[str] = []  # names of partners that take new leads, sorted
        self._active_in: dict[str, list[str]] = {}  # the same per region
        self._load: dict[str, int] = {}  # open offers + open opportunities per partner
        self._last_choice: dict[str, str] = {}  # round-robin position per region (or "*")
        self._protections: dict[str, list[tuple[str, float]]] = {}  # account -> [(partner, until)]
        self._next_deal_id = 1
        self._manual_leads = 0
        self._source_by_region = {s.region: s for s in config.lead_sources}
        self._stages = list(config.stages)
        at = config.deal_registration.register_at_stage
        self._register_index = 0 if at is None else config.stage_names.index(at)
        for partner in partners:
            self.add_partner(partner)
        routing = config.routing
        for name in sorted(routing.partner_accept_probability):
            if name not in self._partners:
                raise ValueError(
                    f"routing.partner_accept_probability: unknown partner '{name}' "
                    f"(known: {', '.join(sorted(self._partners)) or 'none'})"
                )
        for source in sorted(config.lead_sources, key=lambda s: s.region):
            if source.arrival_rate_per_day > 0:
                env.process(_LeadGenerator(self, source))

    # ------------------------------------------------------------------ partners
    @staticmethod
    def random_sources(config: FunnelConfig) -> list[str]:
        """The names of the random streams a funnel with ``config`` may ask for."""
        names = ["funnel/acceptance", "funnel/manual", "funnel/registration", "funnel/routing"]
        for region in sorted(s.region for s in config.lead_sources):
            names += [f"funnel/leads/{region}", f"funnel/stages/{region}"]
        return names

    @property
    def partners(self) -> tuple[PartnerInfo, ...]:
        """Every partner known to the funnel (retired ones included), by name."""
        return tuple(self._partners[name] for name in sorted(self._partners))

    @property
    def active_partners(self) -> tuple[str, ...]:
        """Names of the partners new leads can be routed to, sorted."""
        return tuple(self._active)

    def partner(self, name: str) -> PartnerInfo:
        """The partner called ``name``."""
        try:
            return self._partners[name]
        except KeyError:
            raise KeyError(f"unknown partner '{name}' (known: {', '.join(sorted(self._partners))})") from None

    def add_partner(self, partner: PartnerInfo) -> None:
        """A (newly recruited) partner that takes leads from now on."""
        if partner.name in self._partners:
            raise ValueError(f"partner '{partner.name}' is already in the funnel")
        if self.config.routing.uses_tiers and partner.tier not in self.config.routing.tier_weights:
            known = ", ".join(sorted(self.config.routing.tier_weights))
            raise ValueError(
                f"partner '{partner.name}': tier '{partner.tier}' has no weight in routing.tier_weights "
                f"(known: {known})"
            )
        self._partners[partner.name] = partner
        self._load.setdefault(partner.name, 0)
        self._set_active(sorted([*self._active, partner.name]))

    def retire_partner(self, name: str) -> None:
        """Stop routing new leads to ``name``; its open offers and opportunities go on."""
        self.partner(name)
        self._set_active([n for n in self._active if n != name])

    def _set_active(self, names: list[str]) -> None:
        self._active = names
        self._active_in = {}
        for name in names:
            self._active_in.setdefault(self._partners[name].region, []).append(name)

    def set_routing(self, changes: Mapping[str, Any]) -> None:
        """Change routing fields (``rule``, ``tie_break``, ...) for the leads routed from now on.

        The changed configuration is validated like a new one (a bad rule raises ``ValueError``).
        """
        routing = Routing.model_validate({**self.config.routing.model_dump(), **dict(changes)})
        self.config = FunnelConfig.model_validate({**self.config.model_dump(), "routing": routing.model_dump()})

    def set_win_multiplier(self, name: str, value: float) -> None:
        """Set a partner's ``win_rate_multiplier`` (applies to stage decisions from now on)."""
        self._partners[name] = replace(self.partner(name), win_rate_multiplier=float(value))

    # ------------------------------------------------------------------ leads
    def add_lead(
        self,
        region: str,
        *,
        account: str | None = None,
        sku_lines: Sequence[tuple[str, int]] | None = None,
        partner: str | None = None,
    ) -> int:
        """A lead created now (an exercise, a campaign, a test); returns its deal id.

        Missing ``account`` and ``sku_lines`` are drawn as for the region's lead source
        (from the ``funnel/manual`` stream). With ``partner`` the first offer goes to that
        partner; reroutes follow the routing rule.
        """
        source = self._source_by_region.get(region)
        rng = self._rng("funnel/manual")
        if partner is not None:
            self.partner(partner)
        if (account is None or sku_lines is None) and source is None:
            raise ValueError(f"region '{region}' has no lead source; give account and sku_lines")
        if account is None:
            assert source is not None
            account = _account_id(region, int(rng.integers(source.account_pool_size)), source.account_pool_size)
        if sku_lines is None:
            assert source is not None
            lines = _draw_lines(source, rng, 1, self._manual_leads)[0]
        else:
            lines = tuple((str(sku), int(units)) for sku, units in sku_lines)
            if not lines or any(units <= 0 for _, units in lines):
                raise ValueError(f"sku_lines must be a non-empty list of (sku, units > 0), got {sku_lines!r}")
        self._manual_leads += 1
        uniforms, durations = self._draw_stages(rng, 1)
        return self._start(region, account, lines, uniforms[0], durations[0], "manual", partner)

    def _draw_stages(self, rng: np.random.Generator, count: int) -> tuple[list[list[float]], list[list[float]]]:
        """For ``count`` leads: a conversion uniform and a duration per stage."""
        uniforms = rng.random((count, len(self._stages)))
        durations = np.column_stack([stage.duration.sample(rng, count) for stage in self._stages])
        return uniforms.tolist(), durations.tolist()

    def _start(
        self,
        region: str,
        account: str,
        lines: tuple[tuple[str, int], ...],
        uniforms: list[float],
        durations: list[float],
        origin: str,
        partner: str | None,
    ) -> int:
        deal_id = self._next_deal_id
        self._next_deal_id += 1
        lead = _Lead(deal_id, region, account, lines, uniforms, durations, partner)
        self._record(LEAD_CREATED, lead, value=sum(u for _, u in lines), detail=origin)
        for sku, units in lines:
            self._record(DEAL_LINE, lead, value=units, detail=sku)
        self.env.process(_LeadLifecycle(self, lead))
        return deal_id

    # ------------------------------------------------------------------ processes (see _LeadLifecycle)
    def _choose(self, lead: _Lead, tried: list[str]) -> str | None:
        routing = self.config.routing
        regional = routing.rule == "territory" or routing.scope == "region"
        pool = self._active_in.get(lead.region, []) if regional else self._active
        candidates = [n for n in pool if n not in tried] if tried else pool
        if not candidates:
            return None
        key = lead.region if regional else "*"
        how = routing.tie_break if routing.rule == "territory" else routing.rule
        if how == "tier_weighted":
            weights = np.array([routing.tier_weights[self._partners[n].tier] for n in candidates], dtype=float)
            total = float(weights.sum())
            if total <= 0:
                return None
            target = float(self._rng("funnel/routing").random()) * total
            index = int(np.searchsorted(np.cumsum(weights), target, side="right"))
            return candidates[min(index, len(candidates) - 1)]
        if how == "fewest_open":
            least = min(self._load[n] for n in candidates)
            candidates = [n for n in candidates if self._load[n] == least]
        last = self._last_choice.get(key)
        choice = next((n for n in candidates if last is None or n > last), candidates[0])
        self._last_choice[key] = choice
        return choice

    def _register(self, lead: _Lead, partner: str, stage: str) -> bool:
        registration = self.config.deal_registration
        now = self.env.now
        chance = float(self._rng("funnel/registration").random())
        active = [(p, until) for p, until in self._protections.get(lead.account, []) if until > now]
        holder = next((p for p, _ in active if p != partner), None)
        if holder is not None:
            conflict = Conflict(now, lead.deal_id, lead.account, lead.region, partner, holder)
            self.conflicts.append(conflict)
            self._record(CONFLICT, lead, partner, stage, detail=holder)
            if registration.conflict_rule == "first_wins":
                approved, reason = False, "conflict"
            else:
                decision = self._on_conflict(conflict) if self._on_conflict is not None else None
                approved = registration.escalation_default == "approve" if decision is None else bool(decision)
                reason = "escalation_approved" if approved else "escalation_rejected"
        else:
            approved = chance < registration.approval_probability
            reason = "approved" if approved else "not_approved"
        if approved:
            until = now + registration.protection_days
            active.append((partner, until))
            self._record(REGISTERED, lead, partner, stage, until, reason)
        else:
            self._record(REJECTED, lead, partner, stage, detail=reason)
        self._protections[lead.account] = active
        return approved

    # ------------------------------------------------------------------ helpers
    def _rng(self, source: str) -> np.random.Generator:
        rng = self._rngs.get(source)
        if rng is None:
            if isinstance(self._rng_by_source, Mapping):
                if source not in self._rng_by_source:
                    raise KeyError(
                        f"no random stream '{source}' given; the funnel needs {self.random_sources(self.config)}"
                    )
                rng = self._rng_by_source[source]
            else:
                rng = self._rng_by_source(source)
            self._rngs[source] = rng
        return rng

    def _record(
        self,
        event: str,
        lead: _Lead,
        partner: str | None = None,
        stage: str | None = None,
        value: float | None = None,
        detail: str | None = None,
    ) -> None:
        self.records.append(  # a FunnelRecord, as a plain tuple (the cheaper append)
            (self.env.now, event, lead.deal_id, partner, stage, lead.region, lead.account, value, detail)
        )

    def tables(self, identity: Mapping[str, object] | None = None) -> FunnelTables:
        """The records so far as tidy tables (see :func:`funnel_tables`)."""
        return funnel_tables(self.records, self.config.stage_names, identity=identity)


class _LeadGenerator(Resumable):
    """One lead source's arrivals: each day, a Poisson count of leads at sorted uniform times.

    The generator it replaces::

        day = max(source.start_day, ceil(now))
        while source.end_day is None or day < source.end_day:
            if day > now: yield timeout(day - now)                  # state "day"
            draw the day's count, times, accounts, lines and stages
            for each lead j:
                if times[j] > now: yield timeout(times[j] - now)    # state "lead"
                start lead j
            day += 1
    """

    __slots__ = (
        "funnel", "source", "rng", "stage_rng", "day", "created", "state", "count", "times", "accounts",
        "lines", "uniforms", "durations", "j",
    )  # fmt: skip

    def __init__(self, funnel: Funnel, source: LeadSource) -> None:
        self.funnel = funnel
        self.source = source
        self.rng: np.random.Generator | None = None
        self.stage_rng: np.random.Generator | None = None
        self.day = 0
        self.created = 0
        self.state = "start"
        self.count = 0
        self.times: list[float] = []
        self.accounts: list[int] = []
        self.lines: list[tuple[tuple[str, int], ...]] = []
        self.uniforms: list[list[float]] = []
        self.durations: list[list[float]] = []
        self.j = 0

    def send(self, value: object) -> simpy.Event:
        funnel, source = self.funnel, self.source
        env = funnel.env
        pool = source.account_pool_size
        if self.state == "start":  # the streams are asked for when the process starts
            self.rng = funnel._rng(f"funnel/leads/{source.region}")
            self.stage_rng = funnel._rng(f"funnel/stages/{source.region}")
            self.day = max(source.start_day, math.ceil(env.now))
            self.state = "top"
        while True:
            if self.state == "top":
                if not (source.end_day is None or self.day < source.end_day):
                    finish()
                if self.day > env.now:
                    self.state = "day"
                    return env.timeout(self.day - env.now)
                self.state = "day"
            if self.state == "day":
                day = self.day
                rng = self.rng
                assert rng is not None
                rate = source.arrival_rate_per_day * source.multiplier(day)
                count = int(rng.poisson(rate)) if rate > 0 else 0
                if not count:
                    self.day += 1
                    self.state = "top"
                    continue
                # the day's leads are drawn together, in this order: times, accounts, sizes and mixes
                self.times = (day + np.sort(rng.random(count))).tolist()
                self.accounts = rng.integers(pool, size=count).tolist()
                self.lines = _draw_lines(source, rng, count, self.created)
                self.uniforms, self.durations = funnel._draw_stages(self.stage_rng, count)
                self.created += count
                self.count = count
                self.j = 0
                self.state = "next_lead"
            if self.state == "next_lead":
                if self.j >= self.count:
                    self.day += 1
                    self.state = "top"
                    continue
                self.state = "lead"
                if self.times[self.j] > env.now:
                    return env.timeout(self.times[self.j] - env.now)
            # state "lead": start lead j
            j = self.j
            account = _account_id(source.region, self.accounts[j], pool)
            funnel._start(source.region, account, self.lines[j], self.uniforms[j], self.durations[j], "source", None)
            self.j += 1
            self.state = "next_lead"


class _LeadLifecycle(Resumable):
    """One lead: offered to partners until one accepts (``route``), then worked stage by stage.

    The generators it replaces::

        route:  for offer in 1 .. max_reroutes + 1:
                    choose a partner (none: unrouted, end); draw acceptance and response time
                    if it accepts in time:
                        if response > 0: yield timeout(response)       # state "accepting"
                        accepted: go on with the stages
                    yield timeout(accept_timeout_days)                 # state "offered"
                    timed out
                unrouted (max_reroutes), end
        stages: for each stage: entered; registration (may end);
                    if duration > 0: yield timeout(duration)           # state "working"
                    lost (end) or passed
                won
    """

    __slots__ = ("funnel", "lead", "state", "offer", "tried", "name", "accepts", "partner", "index")

    def __init__(self, funnel: Funnel, lead: _Lead) -> None:
        self.funnel = funnel
        self.lead = lead
        self.state = "offer"
        self.offer = 1
        self.tried: list[str] = []
        self.name: str | None = None
        self.accepts = False
        self.partner: str | None = None
        self.index = 0

    def send(self, value: object) -> simpy.Event:
        funnel, lead = self.funnel, self.lead
        env = funnel.env
        routing = funnel.config.routing
        if self.state == "accepting":
            funnel._record(ACCEPTED, lead, self.name, value=self.offer)
            self.partner = self.name
            self.state = "stage"
        elif self.state == "offered":
            name = self.name
            assert name is not None
            funnel._load[name] -= 1
            funnel._record(TIMED_OUT, lead, name, value=self.offer, detail="late" if self.accepts else "declined")
            self.offer += 1
            self.state = "offer"
        elif self.state == "working":
            self.state = "decide"
        while self.state == "offer":
            if self.offer > routing.max_reroutes + 1:
                funnel._record(UNROUTED, lead, detail="max_reroutes")
                finish()
            rng = funnel._rng("funnel/acceptance")
            if self.offer == 1 and lead.requested_partner is not None:
                name: str | None = lead.requested_partner
            else:
                name = funnel._choose(lead, self.tried)
            if name is None:
                funnel._record(UNROUTED, lead, detail="no_partner")
                finish()
            self.tried.append(name)
            self.name = name
            funnel._load[name] += 1
            funnel._record(ROUTED if self.offer == 1 else REROUTED, lead, name, value=self.offer)
            draw_accept = float(rng.random())
            response = float(routing.response_time.sample(rng, 1)[0])
            self.accepts = draw_accept < routing.partner_accept_probability.get(name, routing.accept_probability)
            if self.accepts and response <= routing.accept_timeout_days:
                if response > 0:
                    self.state = "accepting"
                    return env.timeout(response)
                funnel._record(ACCEPTED, lead, name, value=self.offer)
                self.partner = name
                self.state = "stage"
                break
            self.state = "offered"
            return env.timeout(routing.accept_timeout_days)
        partner = self.partner
        assert partner is not None
        stages = funnel._stages
        registration = funnel.config.deal_registration
        while True:
            index = self.index
            if self.state == "stage":
                if index >= len(stages):
                    break
                stage = stages[index]
                funnel._record(STAGE_ENTERED, lead, partner, stage.name, index)
                if registration.enabled and index == funnel._register_index:
                    approved = funnel._register(lead, partner, stage.name)
                    if not approved and registration.on_rejection == "lose":
                        funnel._record(STAGE_LOST, lead, partner, stage.name, index, "registration_rejected")
                        funnel._load[partner] -= 1
                        finish()
                self.state = "decide"
                if lead.durations[index] > 0:
                    self.state = "working"
                    return env.timeout(lead.durations[index])
            stage = stages[index]
            chance = min(1.0, stage.conversion_probability * funnel._partners[partner].win_rate_multiplier)
            if lead.uniforms[index] >= chance:
                funnel._record(STAGE_LOST, lead, partner, stage.name, index, "not_converted")
                funnel._load[partner] -= 1
                finish()
            funnel._record(STAGE_PASSED, lead, partner, stage.name, index)
            self.index += 1
            self.state = "stage"
        funnel._load[partner] -= 1
        deal = WonDeal(env.now, partner, lead.account, lead.lines, lead.deal_id, lead.region)
        funnel._record(WON, lead, partner, stages[-1].name, deal.units)
        if funnel._on_won is not None:
            funnel._on_won(deal)
        finish()


def _account_id(region: str, index: int, pool_size: int) -> str:
    return f"{region}-{index + 1:0{len(str(pool_size))}d}"


def _draw_lines(
    source: LeadSource, rng: np.random.Generator, count: int, first_index: int
) -> list[tuple[tuple[str, int], ...]]:
    """SKU lines of ``count`` deals: units (at least 1) split over the SKU mix by a multinomial draw."""
    sizes = source.deal_size_units.sample(rng, count, start=first_index, discrete=True)
    units = np.maximum(1, sizes.astype(np.int64))
    skus = [line.sku for line in source.sku_mix]
    if len(skus) == 1:
        return [((skus[0], int(u)),) for u in units]
    shares = np.array([line.share for line in source.sku_mix], dtype=float)
    split = rng.multinomial(units, shares / shares.sum()).tolist()
    return [tuple((sku, k) for sku, k in zip(skus, row, strict=True) if k > 0) for row in split]


# --------------------------------------------------------------------------- tables

LEAD_COLUMNS = [
    "deal_id", "created_day", "region", "account", "origin", "units", "offers", "partner",
    "accepted_day", "registration", "outcome", "outcome_day", "lost_reason", "stage", "stage_index",
]  # fmt: skip
STAGE_EVENT_COLUMNS = ["day", "deal_id", "partner", "region", "stage", "stage_index", "event", "detail"]
REGISTRATION_COLUMNS = [
    "day", "deal_id", "partner", "region", "account", "stage", "status", "conflict", "conflict_with",
    "reason", "protected_until",
]  # fmt: skip
ROUTING_COLUMNS = ["day", "deal_id", "partner", "region", "event", "offer", "detail"]
LINE_COLUMNS = ["deal_id", "region", "account", "sku", "units"]
_STAGE_EVENT = {STAGE_ENTERED: "entered", STAGE_PASSED: "passed", STAGE_LOST: "lost", WON: "won"}


class FunnelTables(NamedTuple):
    """Tidy tables of a funnel run.

    ``leads``: one row per lead with its final state (``outcome`` won, lost, unrouted or open).
    ``stage_events``: one row per stage entered, passed or lost, and per win.
    ``registrations``: one row per registration attempt.
    ``routing``: one row per offer, acceptance, timeout and unrouted lead.
    ``deal_lines``: one row per SKU line of each lead.
    """

    leads: pd.DataFrame
    stage_events: pd.DataFrame
    registrations: pd.DataFrame
    routing: pd.DataFrame
    deal_lines: pd.DataFrame


def funnel_tables(
    records: Sequence[tuple[Any, ...]],
    stage_names: Sequence[str] | None = None,
    *,
    identity: Mapping[str, object] | None = None,
) -> FunnelTables:
    """Build the tidy tables from record tuples (others in the same list are skipped).

    ``identity`` (e.g. scenario, replication, seed) is put in front of every table.
    """
    import pandas as pd

    stage_index = {name: i for i, name in enumerate(stage_names or ())}
    leads: dict[int, dict[str, Any]] = {}
    stage_rows: list[tuple[Any, ...]] = []
    registration_rows: list[tuple[Any, ...]] = []
    routing_rows: list[tuple[Any, ...]] = []
    line_rows: list[tuple[Any, ...]] = []
    pending_conflict: dict[int, str] = {}
    for record in records:
        if len(record) != len(RECORD_COLUMNS) or record[1] not in FUNNEL_EVENTS:
            continue
        day, event, deal, partner, stage, region, account, value, detail = record
        if event == LEAD_CREATED:
            leads[deal] = dict.fromkeys(LEAD_COLUMNS)
            leads[deal].update(
                deal_id=deal, created_day=day, region=region, account=account, origin=detail, units=value,
                offers=0, outcome="open",
            )  # fmt: skip
            continue
        row = leads.get(deal)
        if row is None:  # a record of a lead whose creation is not in the list
            continue
        if event == DEAL_LINE:
            line_rows.append((deal, region, account, detail, value))
        elif event in (ROUTED, REROUTED, ACCEPTED, TIMED_OUT, UNROUTED):
            routing_rows.append((day, deal, partner, region, event, value, detail))
            if event in (ROUTED, REROUTED):
                row["offers"] = value
            elif event == ACCEPTED:
                row.update(partner=partner, accepted_day=day)
            elif event == UNROUTED:
                row.update(outcome="unrouted", outcome_day=day, lost_reason=detail)
        elif event == CONFLICT:
            pending_conflict[deal] = detail
        elif event in (REGISTERED, REJECTED):
            holder = pending_conflict.pop(deal, None)
            status = "approved" if event == REGISTERED else "rejected"
            until = value if event == REGISTERED else math.nan
            registration_rows.append(
                (day, deal, partner, region, account, stage, status, holder is not None, holder, detail, until)
            )
            row["registration"] = status
        else:
            index = int(value) if event != WON else stage_index.get(stage, row["stage_index"])
            stage_rows.append((day, deal, partner, region, stage, index, _STAGE_EVENT[event], detail))
            if event == STAGE_ENTERED:
                row.update(stage=stage, stage_index=index)
                stage_index.setdefault(stage, index)
            elif event == STAGE_LOST:
                row.update(outcome="lost", outcome_day=day, lost_reason=detail)
            elif event == WON:
                row.update(outcome="won", outcome_day=day)
    tables = FunnelTables(
        leads=pd.DataFrame(list(leads.values()), columns=LEAD_COLUMNS),
        stage_events=pd.DataFrame(stage_rows, columns=STAGE_EVENT_COLUMNS),
        registrations=pd.DataFrame(registration_rows, columns=REGISTRATION_COLUMNS),
        routing=pd.DataFrame(routing_rows, columns=ROUTING_COLUMNS),
        deal_lines=pd.DataFrame(line_rows, columns=LINE_COLUMNS),
    )
    tables.leads["stage_index"] = tables.leads["stage_index"].astype("Int64")
    tables.leads["offers"] = tables.leads["offers"].astype("int64")
    for frame in (tables.leads, tables.registrations):
        for column in ("accepted_day", "outcome_day", "protected_until"):
            if column in frame:
                frame[column] = frame[column].astype(float)
    tables.routing["offer"] = tables.routing["offer"].astype("Int64")
    tables.registrations["conflict"] = tables.registrations["conflict"].astype(bool)
    if identity:
        for frame in tables:
            for position, (column, value) in enumerate(identity.items()):
                frame.insert(position, column, value)
    return tables


# --------------------------------------------------------------------------- KPIs


def _keys(by: str | None) -> list[str]:
    return [by] if by else []


def _rate(num: Any, den: Any) -> Any:
    """``num / den`` with NaN where ``den`` is 0."""
    return num / den.where(den > 0) if hasattr(den, "where") else (num / den if den else math.nan)


def stage_conversion(stage_events: pd.DataFrame, by: str | None = None) -> pd.DataFrame:
    """Per stage (and ``by`` column, e.g. ``partner``): entered, passed, lost, open and conversions.

    ``conversion = passed / entered``; ``closed_conversion = passed / (passed + lost)``
    (the same once every opportunity is closed; the latter is unbiased while some are open).
    """
    import pandas as pd

    keys = [*_keys(by), "stage_index", "stage"]
    events = stage_events[stage_events["event"].isin(["entered", "passed", "lost"])]
    counts = (
        events.groupby([*keys, "event"], observed=True)
        .size()
        .unstack("event", fill_value=0)
        .reindex(columns=["entered", "passed", "lost"], fill_value=0)
    )
    out = pd.DataFrame(counts).reset_index()
    out.columns.name = None
    out["open"] = out["entered"] - out["passed"] - out["lost"]
    out["conversion"] = _rate(out["passed"], out["entered"])
    out["closed_conversion"] = _rate(out["passed"], out["passed"] + out["lost"])
    return out.sort_values(keys, kind="stable").reset_index(drop=True)


def win_rates(leads: pd.DataFrame, by: str | None = None) -> pd.DataFrame:
    """Leads by outcome and win rates, overall (``by=None``) or per ``by`` column.

    ``win_rate = won / (won + lost + unrouted)`` over closed leads;
    ``accepted_win_rate = won / (won + lost)`` over closed opportunities a partner accepted.
    Per ``partner``, unrouted leads have no partner and are left out.
    """
    import pandas as pd

    frame = leads if by else leads.assign(_all="all")
    key = by or "_all"
    counts = (
        frame.groupby([key, "outcome"], observed=True)
        .size()
        .unstack("outcome", fill_value=0)
        .reindex(columns=["won", "lost", "unrouted", "open"], fill_value=0)
    )
    out = pd.DataFrame(counts).reset_index()
    out.columns.name = None
    out.insert(1, "leads", out[["won", "lost", "unrouted", "open"]].sum(axis=1))
    out["win_rate"] = _rate(out["won"], out["won"] + out["lost"] + out["unrouted"])
    out["accepted_win_rate"] = _rate(out["won"], out["won"] + out["lost"])
    return out.drop(columns="_all") if not by else out


def registration_rates(registrations: pd.DataFrame, leads: pd.DataFrame, by: str | None = None) -> pd.DataFrame:
    """Deal-registration KPIs, overall or per ``by`` column (e.g. ``partner``).

    ``approval_rate = approved / attempts``; ``conflict_rate = conflicts / attempts``;
    ``registered_win_rate = won / closed`` over deals with an approved registration;
    ``unregistered_win_rate = won / closed`` over accepted deals without one.
    """
    import pandas as pd

    key = by or "_all"
    regs = registrations.merge(leads[["deal_id", "outcome"]], on="deal_id", how="left")
    accepted = leads[leads["accepted_day"].notna()]
    approved_ids = set(registrations.loc[registrations["status"] == "approved", "deal_id"])
    if not by:
        regs = regs.assign(_all="all")
        accepted = accepted.assign(_all="all")
    regs = regs.assign(
        approved=regs["status"] == "approved",
        won=(regs["status"] == "approved") & (regs["outcome"] == "won"),
        closed=(regs["status"] == "approved") & regs["outcome"].isin(["won", "lost"]),
    )
    out = regs.groupby(key, observed=True).agg(
        attempts=("deal_id", "size"),
        approved=("approved", "sum"),
        conflicts=("conflict", "sum"),
        registered_won=("won", "sum"),
        registered_closed=("closed", "sum"),
    )
    unregistered = accepted[~accepted["deal_id"].isin(approved_ids)]
    other = (
        unregistered.assign(won=unregistered["outcome"] == "won", closed=unregistered["outcome"].isin(["won", "lost"]))
        .groupby(key, observed=True)[["won", "closed"]]
        .sum()
    )
    other.columns = ["unregistered_won", "unregistered_closed"]
    out = pd.concat([out, other], axis=1).fillna(0).astype("int64")
    out["rejected"] = out["attempts"] - out["approved"]
    out["approval_rate"] = _rate(out["approved"], out["attempts"])
    out["conflict_rate"] = _rate(out["conflicts"], out["attempts"])
    out["registered_win_rate"] = _rate(out["registered_won"], out["registered_closed"])
    out["unregistered_win_rate"] = _rate(out["unregistered_won"], out["unregistered_closed"])
    out = out.reset_index().rename(columns={"index": key})
    return out.drop(columns="_all") if not by else out


def win_probability_from(stages: Sequence[Stage], stage_index: int, multiplier: float = 1.0) -> float:
    """``prod_{j >= i} min(1, p_j * multiplier)``: the chance to win from the start of stage ``i``."""
    return math.prod(min(1.0, s.conversion_probability * multiplier) for s in stages[stage_index:])


def _open_at(stage_events: pd.DataFrame, day: float) -> pd.DataFrame:
    """The last stage entered by each opportunity still open at the end of ``day``."""
    events = stage_events[stage_events["day"] <= day]
    closed = set(events.loc[events["event"].isin(["lost", "won"]), "deal_id"])
    entered = events[(events["event"] == "entered") & ~events["deal_id"].isin(closed)]
    return entered.sort_values(["deal_id", "stage_index", "day"], kind="stable").groupby("deal_id").tail(1)


def _win_chance(
    opportunities: pd.DataFrame, stages: Sequence[Stage], multiplier_by_partner: Mapping[str, float] | None
) -> np.ndarray:
    multipliers = multiplier_by_partner or {}
    return np.array(
        [
            win_probability_from(stages, int(index), multipliers.get(partner, 1.0))
            for index, partner in zip(opportunities["stage_index"], opportunities["partner"], strict=True)
        ],
        dtype=float,
    )


def weighted_pipeline(
    stage_events: pd.DataFrame,
    deal_lines: pd.DataFrame,
    stages: Sequence[Stage],
    day: float,
    *,
    unit_value_by_sku: Mapping[str, float] | None = None,
    multiplier_by_partner: Mapping[str, float] | None = None,
) -> float:
    """``sum over open opportunities o of v_o * prod_{j >= i_o} min(1, p_j * w_o)`` at the end of ``day``.

    ``i_o`` is the stage o last entered on or before ``day`` (o not lost or won by then);
    ``v_o`` its units, or its value with ``unit_value_by_sku`` (e.g. list prices);
    ``w_o`` its partner's multiplier (1 unless given). Leads not yet accepted are not in it.
    """
    opportunities = _open_at(stage_events, day)
    if opportunities.empty:
        return 0.0
    lines = deal_lines[deal_lines["deal_id"].isin(opportunities["deal_id"])]
    if unit_value_by_sku is None:
        amounts = lines["units"].astype(float)
    else:
        missing = sorted(set(lines["sku"]) - set(unit_value_by_sku))
        if missing:
            raise KeyError(f"unit_value_by_sku has no value for sku {', '.join(map(repr, missing))}")
        amounts = lines["units"].astype(float) * lines["sku"].map(dict(unit_value_by_sku)).astype(float)
    value = amounts.groupby(lines["deal_id"]).sum()
    values = opportunities["deal_id"].map(value).fillna(0.0).to_numpy(dtype=float)
    return float(np.sum(values * _win_chance(opportunities, stages, multiplier_by_partner)))


def forecast_won_units(
    stage_events: pd.DataFrame,
    deal_lines: pd.DataFrame,
    stages: Sequence[Stage],
    day: float,
    horizon_days: float,
    *,
    multiplier_by_partner: Mapping[str, float] | None = None,
) -> pd.Series:
    """Expected units won in ``(day, day + horizon_days]`` per SKU, from the open pipeline.

    ``sum over open o with expected close <= day + horizon_days of units_o,k * P(win | o)``,
    where expected close = ``day + E[D_i - e | D_i > e] + sum_{j > i} E[D_j]`` for o in
    stage ``i`` for ``e`` days so far. Leads still to come are not counted.
    """
    import pandas as pd

    skus = sorted(deal_lines["sku"].unique())
    opportunities = _open_at(stage_events, day)
    if opportunities.empty:
        return pd.Series(0.0, index=pd.Index(skus, name="sku"), name="units")
    tail = [sum(s.duration.expected_days for s in stages[i + 1 :]) for i in range(len(stages))]
    remaining = np.array(
        [
            stages[int(i)].duration.expected_remaining_days(day - entered) + tail[int(i)]
            for i, entered in zip(opportunities["stage_index"], opportunities["day"], strict=True)
        ]
    )
    chance = _win_chance(opportunities, stages, multiplier_by_partner)
    due = opportunities.assign(chance=chance)[remaining <= horizon_days + 1e-9]
    lines = deal_lines.merge(due[["deal_id", "chance"]], on="deal_id")
    expected = (lines["units"] * lines["chance"]).groupby(lines["sku"]).sum()
    return expected.reindex(skus, fill_value=0.0).rename_axis("sku").rename("units").astype(float)
