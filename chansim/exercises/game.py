"""A round-by-round training game over a chansim :class:`~chansim.engine.Session`.

:class:`Game` is the controller behind an interactive exercise: the trainee decides the
orders of some node x SKU pairs (switched to the ``manual`` policy) round by round, and
the rest of the channel follows its scenario. Widgets call these methods from their
callbacks and only display what comes back; there is no simulation logic in a callback.

**Replay.** The state of a game is a pure function of (scenario, seed, the recorded
decisions): the exercise contract's log (:mod:`chansim.exercises.contract`) rebuilds it.
A round is played on a fork of the session (:meth:`chansim.engine.Session.fork`), the
session before it kept on a stack, so ``undo`` and ``reset`` take a kept session back
instead of replaying from day 0, and a round that fails leaves the game as it was.
Decisions other than orders (a credit limit, ...) are :class:`RoundAction` objects,
applied at the same point of their round.

**Decisions as dicts.** ``play_round(decision)`` takes a round's whole decision as a dict
(the contract's verb; the shape is each exercise's, see :meth:`Game.parse_decision`);
``play_round()`` with none plays the pending :meth:`Game.decide` / :meth:`Game.act` calls.

**When the trainee decides** (``decision_point``):

* ``"round_start"``: the trainee sees the state at the end of the previous round; the
  orders are placed in the round's first period (after that period's demand) and the
  actions apply before it. Nothing is simulated twice: one round costs one ``advance`` (and a
  fork of the session, kept for ``undo``).
* ``"round_end"`` (the classic beer game): the trainee first sees the round's incoming
  orders and shipments, then orders; the orders are placed in the round's last period,
  after its demand, and actions apply after the round. To show the round before the
  decision, the game keeps a *preview*: a fork of the session advanced through the current
  round with no order from the trainee (what the trainee's node saw up to its ordering does
  not depend on its own order of that period). One round costs two forks (the kept one
  and the preview) and two one-round advances.

**Errors a trainee can cause** raise :class:`DecisionError` with a message key of the
catalogue (:mod:`chansim.exercises.messages`) and its parameters, never a traceback the
page must show. Keys: ``validation.empty``, ``validation.not_a_number``,
``validation.negative``, ``validation.too_small``, ``validation.too_large``,
``validation.not_whole`` (parameters ``field``, ``value``, ``minimum``, ``maximum``);
``validation.not_controlled`` and ``validation.missing_decision`` (``field``,
``allowed``); ``validation.unknown_choice`` (``field``, ``value``, ``allowed``);
``control.game_over`` and ``control.nothing_to_undo`` (no parameters).
``str(error)`` is the catalogue's English text of the key.
"""

from __future__ import annotations

import math
import numbers
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Literal

import numpy as np

from chansim import scenario as sc
from chansim.engine import Session
from chansim.exercises import numbers as shown_numbers
from chansim.exercises.contract import jsonable

if TYPE_CHECKING:
    import pandas as pd

    from chansim.results import Result

__all__ = [
    "AUTO_POLICIES",
    "REPORT_COLUMNS",
    "STATE_COLUMNS",
    "DecisionError",
    "Game",
    "RoundAction",
    "RoundRecord",
    "Score",
    "check_keys",
    "check_number",
    "cost_by_node",
    "expected_daily_demand",
    "manual_scenario",
]

DecisionPoint = Literal["round_start", "round_end"]
#: A policy for :meth:`Game.auto_play`: a name of :data:`AUTO_POLICIES` or ``f(game, node, sku) -> quantity``.
AutoPolicy = str | Callable[["Game", str, str], float]

#: Built-in auto-play policies (see :meth:`Game.suggestion` for their formulas).
AUTO_POLICIES = ("pass_through", "sterman", "order_up_to")

#: Columns of :meth:`Game.state`.
STATE_COLUMNS = [
    "round", "day", "node", "sku", "on_hand", "backorder", "on_order", "in_transit", "inventory_position",
    "incoming_orders", "received", "shipped", "lost", "last_order", "pending_order",
]  # fmt: skip
#: Columns of :meth:`Game.report` (the CSV download).
REPORT_COLUMNS = [
    "exercise", "scenario", "seed", "round", "day", "record", "node", "sku", "decision", "source",
    "on_hand", "backorder", "on_order", "in_transit", "incoming_orders", "received", "shipped", "ordered", "lost",
]  # fmt: skip
_FLOWS = ["demand", "received", "shipped", "ordered", "lost", "customer_demand"]
_STOCKS = ["day", "on_hand", "backorder", "on_order", "in_transit"]


class DecisionError(ValueError):
    """A decision or request the game refuses; ``key`` and ``params`` select a catalogue message."""

    def __init__(self, key: str, params: Mapping[str, Any] | None = None) -> None:
        self.key = key
        self.params: dict[str, Any] = dict(params or {})
        super().__init__(key)

    def __str__(self) -> str:
        """The English text from the message catalogue, else key and parameters."""
        from chansim.exercises.messages import CATALOGUE, CatalogueError

        try:
            return CATALOGUE.get(self.key, "en_US", **self.params)
        except CatalogueError:
            return f"{self.key} {self.params}"


def shown_value(value: object) -> str:
    text = str(value)
    return text if len(text) <= 40 else text[:37] + "..."


_shown = shown_value  # the name this module uses


def check_number(value: object, field: str, *, maximum: float, whole: bool = False, minimum: float = 0.0) -> float:
    """``value`` as a float in ``[minimum, maximum]``, else :class:`DecisionError`.

    Accepts ints, floats, NumPy numbers and text that parses as a number (a widget's
    text box); refuses ``None`` and blank text (``validation.empty``), booleans, other
    text and NaN (``validation.not_a_number``), values below ``minimum`` (``validation.negative``
    when below 0, else ``validation.too_small``), above ``maximum`` or ``inf``
    (``validation.too_large``), and with ``whole`` a fractional value (``validation.not_whole``).
    """
    params: dict[str, Any] = {"field": field, "value": _shown(value), "minimum": minimum, "maximum": maximum}
    if value is None or (isinstance(value, str) and not value.strip()):
        raise DecisionError("validation.empty", params)
    if isinstance(value, bool) or not isinstance(value, str | numbers.Real):
        raise DecisionError("validation.not_a_number", params)
    try:
        number = float(value.strip() if isinstance(value, str) else value)
    except OverflowError:  # an int beyond float range
        raise DecisionError("validation.too_large" if value > 0 else "validation.negative", params) from None  # type: ignore[operator]
    except ValueError:
        raise DecisionError("validation.not_a_number", params) from None
    if math.isnan(number):
        raise DecisionError("validation.not_a_number", params)
    if number < minimum:
        raise DecisionError("validation.negative" if number < 0 else "validation.too_small", params)
    if number > maximum:
        raise DecisionError("validation.too_large", params)
    if whole and number != math.floor(number):
        raise DecisionError("validation.not_whole", params)
    return number


def check_keys(decision: object, allowed: Sequence[str], required: Sequence[str] = ()) -> Mapping[str, Any]:
    """``decision`` as a mapping with only ``allowed`` keys and every ``required`` one, else DecisionError.

    Keys: ``validation.unknown_choice`` (``field`` "decision", the key, the allowed keys) and
    ``validation.missing_decision`` (the first missing key).
    """
    if not isinstance(decision, Mapping):
        raise DecisionError(
            "validation.unknown_choice",
            {"field": "decision", "value": _shown(type(decision).__name__),
             "allowed": "a mapping of " + ", ".join(allowed)},  # fmt: skip
        )
    for key in decision:
        if key not in allowed:
            raise DecisionError(
                "validation.unknown_choice", {"field": "decision", "value": _shown(key), "allowed": ", ".join(allowed)}
            )
    for key in required:
        if key not in decision:
            raise DecisionError("validation.missing_decision", {"field": key, "allowed": ", ".join(required)})
    return decision


@dataclass(frozen=True)
class RoundAction(ABC):
    """A decision other than an order (e.g. a credit limit), applied to the session in its round.

    Subclasses set ``kind`` and implement :meth:`apply`; the game replays them at the same
    point of the same round on ``undo``. ``subject`` names what is changed (a partner),
    ``value`` the new setting.
    """

    kind: ClassVar[str] = "action"
    subject: str
    value: float
    source: str = "trainee"

    @abstractmethod
    def apply(self, session: Session) -> None:
        """Change the running session (between two ``advance`` calls)."""


@dataclass(frozen=True)
class RoundRecord:
    """The decisions of one played round: orders ``(node, sku, qty, source)`` and actions."""

    round: int
    day: int
    orders: tuple[tuple[str, str, float, str], ...]
    actions: tuple[RoundAction, ...] = ()

    def order(self, node: str, sku: str) -> float:
        """The quantity ordered for ``node`` x ``sku`` in this round."""
        for n, s, qty, _ in self.orders:
            if n == node and s == sku:
                return qty
        raise KeyError((node, sku))


@dataclass(frozen=True)
class Score:
    """A score with its formula: ``formula_key`` and ``params`` select the catalogue's text.

    ``formula`` is the English formula; :meth:`text` fills in the numbers. ``components``
    are the terms of the formula (for the score card and the feedback engine).
    """

    value: float
    formula_key: str
    formula: str
    params: Mapping[str, float] = field(default_factory=dict)
    components: Mapping[str, float] = field(default_factory=dict)

    def text(self, lang: str = "en_US") -> str:
        """The formula with the numbers in, e.g. ``score = 100 × 310.5 / 402 = 77.2``.

        Numbers as :mod:`chansim.exercises.numbers` shows them in ``lang`` (``22,610``, never ``2.261e+04``).
        """
        shown = self.formula
        for name, value in sorted(self.params.items(), key=lambda item: -len(item[0])):
            shown = shown.replace(name, shown_numbers.decimal(value, lang, shown_numbers.adaptive_digits(value)))
        if not math.isfinite(self.value):
            return shown
        return f"{shown} = {shown_numbers.decimal(self.value, lang, 1, fixed=True)}"


# --------------------------------------------------------------------------- scenario helpers


def manual_scenario(scenario: sc.Scenario, controlled: Sequence[tuple[str, str]]) -> sc.Scenario:
    """A validated copy of ``scenario`` in which each ``(node, sku)`` orders by the ``manual`` policy.

    The switch is a per-SKU item override (``Manual(default_order=0)``), so the node's
    other SKUs keep their policy and a period without a decision orders nothing.
    """
    data = scenario.model_dump()
    manual = sc.Manual(default_order=0.0).model_dump()
    wanted: dict[str, list[str]] = {}
    for node, sku in controlled:
        wanted.setdefault(node, []).append(sku)
    for node in data["nodes"]:
        for sku in wanted.get(node["name"], []):
            for item in node["items"]:
                if item["sku"] == sku:
                    item["policy"] = manual
                    break
            else:
                node["items"].append({"sku": sku, "policy": manual, "initial": None})
    return sc.Scenario.model_validate(data)


def expected_daily_demand(scenario: sc.Scenario, node: str, sku: str) -> float:
    """Mean end-customer demand per day of ``sku`` flowing through ``node``.

    The sum of the distribution means of the markets served by ``node`` or by any node
    that buys ``sku`` from it (directly or further down), over ``period_days``; seasonality,
    trend, promotions and shocks are left out. Used to start the auto-play policies.
    """
    topo = scenario.topology
    reached = {node}
    frontier = [node]
    while frontier:
        supplier = frontier.pop()
        for customer in topo.customers_of[supplier]:
            lane = topo.lane_for.get((customer, sku))
            if customer not in reached and lane is not None and lane.supplier == supplier:
                reached.add(customer)
                frontier.append(customer)
    total = 0.0
    for market in scenario.markets:
        if market.served_by in reached:
            total += sum(float(d.distribution.mean) for d in market.demand if d.sku == sku)
    return total / scenario.period_days


def cost_by_node(result: Result, end_day: float | None = None, nodes: Sequence[str] | None = None) -> pd.Series:
    """Σ cost accounts (``chansim.results.COST_ACCOUNTS``) per node over the periods starting before ``end_day``.

    The same sums as ``total_cost`` of :func:`chansim.metrics.kpis` with no warm-up;
    a benchmark run longer than the game is cut to the game's days with ``end_day``.
    """
    from chansim.results import COST_ACCOUNTS

    money = result.money
    rows = money[money["account"].astype(str).isin(COST_ACCOUNTS)]
    if end_day is not None:
        rows = rows[rows["day"] < end_day]
    sums = rows.groupby(rows["node"].astype(str))["amount"].sum()
    names = list(nodes) if nodes is not None else [n.name for n in result.scenario.nodes]
    return sums.reindex(names, fill_value=0.0).astype(float)


# --------------------------------------------------------------------------- the game


class Game:
    """Round-by-round play of a scenario in which the trainee decides some nodes' orders.

    Args:
        scenario: the scenario as written; the ``controlled`` pairs are switched to ``manual``
            (:attr:`scenario`), the original is kept as :attr:`base_scenario` (benchmarks).
        controlled: the ``(node, sku)`` pairs whose orders the trainee decides.
        seed: the seed of every random draw; the same seed and decisions give the same game.
        round_days: days per round, a multiple of the scenario's ``period_days`` (default: one period).
        rounds: rounds in the game (default: ``horizon_days // round_days``).
        decision_point: ``"round_start"`` or ``"round_end"`` (see the module docstring).
        max_order: the largest order quantity accepted.
        default_policy: the :meth:`auto_play` policy when none is given.
        exercise: the exercise's name, written in every row of :meth:`report`.

    """

    def __init__(
        self,
        scenario: sc.Scenario,
        controlled: Sequence[tuple[str, str]],
        *,
        seed: int = 0,
        round_days: int | None = None,
        rounds: int | None = None,
        decision_point: DecisionPoint = "round_start",
        max_order: float = 10_000.0,
        default_policy: AutoPolicy = "pass_through",
        exercise: str = "game",
    ) -> None:
        if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
            raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
        pairs: list[tuple[str, str]] = []
        for node, sku in controlled:
            if (node, sku) not in pairs:
                pairs.append((str(node), str(sku)))
        if not pairs:
            raise ValueError("controlled: give at least one (node, sku) the trainee decides")
        topo = scenario.topology
        for node, sku in pairs:
            if sku not in topo.skus_of_node.get(node, []):
                known = sorted(f"{n}/{s}" for n, skus in topo.skus_of_node.items() for s in skus)
                raise ValueError(f"controlled: no stock of '{sku}' at '{node}' (known: {', '.join(known[:12])})")
        period_days = scenario.period_days
        round_days = period_days if round_days is None else int(round_days)
        if round_days < period_days or round_days % period_days:
            raise ValueError(f"round_days: {round_days} must be a positive multiple of period_days ({period_days})")
        total = scenario.horizon_days // round_days if rounds is None else int(rounds)
        if total < 1 or total * round_days > sc.MAX_DAYS:
            raise ValueError(f"rounds: {total} rounds of {round_days} days do not fit (1 to {sc.MAX_DAYS} days)")
        if decision_point not in ("round_start", "round_end"):
            raise ValueError(f"decision_point: {decision_point!r} is not 'round_start' or 'round_end'")
        if not 0 < max_order <= sc.MAX_QUANTITY:
            raise ValueError(f"max_order: {max_order} must be in (0, {sc.MAX_QUANTITY:g}]")
        self.base_scenario = scenario
        self.scenario = manual_scenario(scenario, pairs)
        self.seed = int(seed)
        self.controlled: tuple[tuple[str, str], ...] = tuple(pairs)
        self.round_days = round_days
        self.periods_per_round = round_days // period_days
        self.total_rounds = total
        self.decision_point: DecisionPoint = decision_point
        self.max_order = float(max_order)
        self.default_policy = default_policy
        self.exercise = exercise
        self._records: list[RoundRecord] = []
        self._pending_orders: dict[tuple[str, str], tuple[float, str]] = {}
        self._pending_actions: dict[tuple[str, str], RoundAction] = {}
        self._cache: dict[str, Any] = {}
        self._session = Session(self.scenario, seed=self.seed)
        #: the session at the start of each played round (the last one: before the last round)
        self._before: list[Session] = []
        self._preview: Session | None = self._make_preview()

    # ------------------------------------------------------------------ where the game is
    @property
    def round(self) -> int:
        """Rounds played so far (0 before the first; the round being decided has this index)."""
        return len(self._records)

    @property
    def day(self) -> int:
        """The first day of the round being decided."""
        return self.round * self.round_days

    @property
    def rounds(self) -> int:
        """Rounds in the game (:attr:`total_rounds`)."""
        return self.total_rounds

    @property
    def remaining_rounds(self) -> int:
        """Rounds left to play."""
        return self.total_rounds - self.round

    @property
    def finished(self) -> bool:
        """Whether every round has been played."""
        return self.round >= self.total_rounds

    @property
    def history(self) -> tuple[RoundRecord, ...]:
        """The decisions of every played round, first round first."""
        return tuple(self._records)

    @property
    def pending_orders(self) -> dict[tuple[str, str], float]:
        """Orders decided for the round not yet played."""
        return {key: qty for key, (qty, _) in self._pending_orders.items()}

    @property
    def pending_actions(self) -> tuple[RoundAction, ...]:
        """Actions decided for the round not yet played."""
        return tuple(self._pending_actions.values())

    @property
    def decisions(self) -> dict[tuple[int, str, str], float]:
        """The played orders as the engine takes them: ``{(period, node, sku): qty}``."""
        return {
            (self._decision_period(record.round), node, sku): qty
            for record in self._records
            for node, sku, qty, _ in record.orders
        }

    # ------------------------------------------------------------------ decisions
    def decide(self, node: str, sku: str, qty: object, *, source: str = "trainee") -> float:
        """Set the order of ``node`` x ``sku`` for the round being decided; returns the quantity taken.

        Raises:
            DecisionError: the game is over, the pair is not the trainee's, or ``qty`` is not
                a number in ``[0, max_order]`` (a whole number when units are discrete).

        """
        self._check_open()
        key = self._check_controlled(node, sku)
        whole = self.scenario.units == "discrete"
        number = check_number(qty, f"{node}/{sku}", maximum=self.max_order, whole=whole)
        self._pending_orders[key] = (number, source)
        return number

    def act(self, action: RoundAction) -> None:
        """Add a decision other than an order to the round being decided (the last one per subject counts)."""
        self._check_open()
        self._pending_actions[action.kind, action.subject] = action

    def play_round(self, decision: Mapping[str, Any] | None = None) -> RoundRecord:
        """Simulate the round with ``decision`` (or, with none, the pending orders and actions); returns it.

        ``decision`` is the round's whole decision as a dict (:meth:`parse_decision`); it
        replaces any pending one and is checked in full before anything changes.

        Raises:
            DecisionError: ``control.game_over`` after the last round, a bad ``decision``, or
                ``validation.missing_decision`` when an order of the trainee is not decided.

        """
        self._check_open()
        if decision is not None:
            orders, actions = self.parse_decision(decision)
            missing = [f"{n}/{s}" for n, s in self.controlled if (n, s) not in orders]
            if missing:
                raise DecisionError("validation.missing_decision", {"field": missing[0], "allowed": ", ".join(missing)})
            self._pending_orders = dict(orders)
            self._pending_actions = {(a.kind, a.subject): a for a in actions}
        missing = [f"{n}/{s}" for n, s in self.controlled if (n, s) not in self._pending_orders]
        if missing:
            raise DecisionError("validation.missing_decision", {"field": missing[0], "allowed": ", ".join(missing)})
        record = RoundRecord(
            round=self.round,
            day=self.day,
            orders=tuple((n, s, *self._pending_orders[n, s]) for n, s in self.controlled),
            actions=tuple(self._pending_actions.values()),
        )
        before = self._session
        session = before.fork()
        self._step(session, record)  # on failure the game keeps ``before``, untouched
        self._session = session
        self._before.append(before)
        self._records.append(record)
        self._pending_orders.clear()
        self._pending_actions.clear()
        self._cache.clear()
        self._preview = self._make_preview()
        return record

    def auto_play(self, rounds: object = None, policy: AutoPolicy | None = None) -> int:
        """Play ``rounds`` rounds (default: to the end) with ``policy`` for every order not decided yet.

        ``rounds`` beyond the end stop at the end. Returns the number of rounds played.
        Orders already decided for the current round and pending actions are kept.
        """
        self._check_open()
        chosen = self.default_policy if policy is None else policy
        self._check_policy(chosen)
        if rounds is None:
            count = self.remaining_rounds
        else:
            count = int(check_number(rounds, "rounds", maximum=sc.MAX_DAYS, whole=True))
            count = min(count, self.remaining_rounds)
        label = self._auto_label(chosen)
        for _ in range(count):
            for node, sku in self.controlled:
                if (node, sku) not in self._pending_orders:
                    self._pending_orders[node, sku] = (self.suggestion(node, sku, chosen), label)
            self.play_round()
        return count

    def undo(self) -> RoundRecord:
        """Take back the last round (the session kept before it comes back); returns the round taken back.

        Pending decisions are dropped. Raises :class:`DecisionError` (``control.nothing_to_undo``)
        before the first round.
        """
        if not self._records:
            raise DecisionError("control.nothing_to_undo")
        record = self._records.pop()
        self._session = self._before.pop()
        self._pending_orders.clear()
        self._pending_actions.clear()
        self._cache.clear()
        self._preview = self._make_preview()
        return record

    def reset(self) -> None:
        """Back to round 0 with no decisions (the same seed: the same demand)."""
        if self._before:
            self._session = self._before[0]
        self._before.clear()
        self._records.clear()
        self._pending_orders.clear()
        self._pending_actions.clear()
        self._cache.clear()
        self._preview = self._make_preview()

    # ------------------------------------------------------------------ decisions as dicts (the contract)
    def parse_decision(self, decision: object) -> tuple[dict[tuple[str, str], tuple[float, str]], list[RoundAction]]:
        """A round's decision dict checked: ``({(node, sku): (qty, source)}, actions)``; nothing changes.

        The generic shape: ``{"orders": {"node/sku": qty, ...}, "source": "trainee"}`` with an
        order for every controlled pair; exercises override it with their own shape.
        """
        checked = check_keys(decision, ("orders", "source"), ("orders",))
        source = self._check_source(checked.get("source", "trainee"))
        wanted = checked["orders"]
        if not isinstance(wanted, Mapping):
            allowed = ", ".join(f"{n}/{s}" for n, s in self.controlled)
            raise DecisionError("validation.missing_decision", {"field": "orders", "allowed": allowed})
        orders = {}
        for key, qty in wanted.items():
            node, _, sku = str(key).partition("/")
            orders[self._check_controlled(node, sku)] = (self.check_order(node, sku, qty), source)
        return orders, []

    def decision_of(self, record: RoundRecord) -> dict[str, Any]:
        """The decision dict of a played round (what :meth:`parse_decision` takes back)."""
        return {"orders": {f"{n}/{s}": qty for n, s, qty, _ in record.orders}, "source": self._record_source(record)}

    def played_decisions(self) -> list[dict[str, Any]]:
        """The decision dicts of the played rounds, first first (the contract's log)."""
        return [self.decision_of(record) for record in self._records]

    def default_decision(self) -> dict[str, Any]:
        """What :attr:`default_policy` would order this round, as a decision dict (source ``auto:<policy>``)."""
        self._check_open()
        label = self._auto_label(self.default_policy)
        return {"orders": {f"{n}/{s}": self.suggestion(n, s) for n, s in self.controlled}, "source": label}

    def check_order(self, node: str, sku: str, qty: object) -> float:
        """``qty`` checked as an order of ``node`` x ``sku`` (:func:`check_number` in ``[0, max_order]``)."""
        whole = self.scenario.units == "discrete"
        return check_number(qty, f"{node}/{sku}", maximum=self.max_order, whole=whole)

    @staticmethod
    def _check_source(source: object) -> str:
        if not isinstance(source, str) or not source or len(source) > 40:
            raise DecisionError(
                "validation.unknown_choice",
                {"field": "source", "value": _shown(source), "allowed": "trainee, auto:<policy> (1-40 characters)"},
            )
        return source

    @staticmethod
    def _record_source(record: RoundRecord) -> str:
        """The source of a round's decision (its orders'; ``trainee`` when mixed)."""
        sources = {source for *_, source in record.orders} | {a.source for a in record.actions}
        return sources.pop() if len(sources) == 1 else "trainee"

    @staticmethod
    def _auto_label(policy: AutoPolicy) -> str:
        return f"auto:{policy}" if isinstance(policy, str) else f"auto:{getattr(policy, '__name__', 'policy')}"

    def stock_table(self) -> pd.DataFrame:
        """The trainee's stock table at the decision point (see :meth:`state`'s ``stock``), with pending orders."""
        return self._stock_frame()

    # ------------------------------------------------------------------ auto-play policies
    def suggestion(self, node: str, sku: str, policy: AutoPolicy | None = None) -> float:
        """The order ``policy`` would place now for ``node`` x ``sku`` (to pre-fill a field or auto-play).

        With ``d`` the incoming orders of the last round the trainee has seen (the current
        one under ``round_end``) and ``mu`` :func:`expected_daily_demand` x ``round_days``
        (used before any round is seen):

        * ``pass_through``: ``d`` (order what was demanded);
        * ``sterman``: Sterman's rule ``max(0, E + alpha_s (S' - (on_hand - backorder) - beta on_order))``
          with ``E <- theta d + (1 - theta) E`` over the rounds seen, starting from the
          node's own Sterman parameters in the scenario (else the defaults and ``mu``);
          with one period a round and ``round_end`` it orders exactly as the engine's rule;
        * ``order_up_to``: ``max(0, mu_day (lead time + order delay + round_days) - inventory position)``;
        * a callable: ``policy(game, node, sku)``.

        The result is rounded to whole units in discrete scenarios and capped at ``max_order``.
        """
        key = self._check_controlled(node, sku)
        chosen = self.default_policy if policy is None else policy
        self._check_policy(chosen)
        if callable(chosen):
            qty = float(chosen(self, node, sku))
        else:
            qty = getattr(self, f"_suggest_{chosen}")(*key)
        if not math.isfinite(qty) or qty < 0:
            qty = 0.0
        if self.scenario.units == "discrete":
            qty = float(math.floor(qty + 0.5))
        return min(qty, self.max_order)

    def _suggest_pass_through(self, node: str, sku: str) -> float:
        seen = self._seen_demand(node, sku)
        return seen[-1] if seen else expected_daily_demand(self.scenario, node, sku) * self.round_days

    def _suggest_sterman(self, node: str, sku: str) -> float:
        spec = self.base_scenario.topology.policy_for(self.base_scenario.node(node), sku)
        rule = spec if isinstance(spec, sc.Sterman) else sc.Sterman()
        expected = rule.initial_expected_demand
        seen = self._seen_demand(node, sku)
        if expected is None and not seen:
            expected = expected_daily_demand(self.scenario, node, sku) * self.round_days
        for demand in seen:  # the engine's update, term for term
            expected = demand if expected is None else rule.theta * demand + (1.0 - rule.theta) * expected
        row = self._stock_row(node, sku)
        stock = row["on_hand"] - row["backorder"]
        qty = expected + rule.alpha_s * (rule.desired_stock - stock - rule.beta * row["on_order"])  # type: ignore[operator]
        return qty if qty > 0 else 0.0

    def _suggest_order_up_to(self, node: str, sku: str) -> float:
        lane = self.scenario.topology.lane_for[node, sku]
        cover_days = lane.lead_time_days + self.scenario.node(node).order_delay_days + self.round_days
        target = expected_daily_demand(self.scenario, node, sku) * cover_days
        return target - self._stock_row(node, sku)["inventory_position"]

    # ------------------------------------------------------------------ what the trainee sees
    def state(self) -> dict[str, Any]:
        """What the trainee sees when deciding (JSON-able): where the game is and the stock table.

        ``round``, ``rounds``, ``day``, ``finished`` and ``stock``: the rows of :meth:`stock_table`
        without ``pending_order`` (pending input is not part of the game's state).
        """
        stock = self._stock_frame().drop(columns=["pending_order"])
        return jsonable({
            "round": self.round, "rounds": self.rounds, "day": self.day, "finished": self.finished, "stock": stock,
        })  # fmt: skip

    def _stock_frame(self) -> pd.DataFrame:
        """The trainee's stock table at the decision point, one row per controlled node x SKU.

        ``on_hand``, ``backorder``, ``on_order`` (ordered, not received), ``in_transit``,
        ``inventory_position`` (on hand + on order - backorder) now; ``incoming_orders``
        (demand received), ``received`` (shipments that arrived), ``shipped`` and ``lost``
        over the last round seen (the current one under ``round_end``; zeros before any);
        ``last_order`` (the previous round's decision) and ``pending_order`` (decided for
        this round; NaN when none).
        """
        import pandas as pd

        if "state" in self._cache:
            return self._with_pending(self._cache["state"])
        session = self._info_session()
        live = session.state()
        live = live.set_index(["node", "sku"])
        flows = self._rounds_table(session)
        seen_round = self._seen_rounds() - 1
        last = self._records[-1] if self._records else None
        rows = []
        for node, sku in self.controlled:
            now = live.loc[(node, sku)]
            key = (seen_round, node, sku)
            flow = flows.loc[key] if key in flows.index else None
            rows.append({
                "round": self.round, "day": self.day, "node": node, "sku": sku,
                "on_hand": float(now["on_hand"]), "backorder": float(now["backorder"]),
                "on_order": float(now["on_order"]), "in_transit": float(now["in_transit"]),
                "inventory_position": float(now["inventory_position"]),
                "incoming_orders": 0.0 if flow is None else float(flow["demand"]),
                "received": 0.0 if flow is None else float(flow["received"]),
                "shipped": 0.0 if flow is None else float(flow["shipped"]),
                "lost": 0.0 if flow is None else float(flow["lost"]),
                "last_order": math.nan if last is None else last.order(node, sku),
                "pending_order": math.nan,
            })  # fmt: skip
        frame = pd.DataFrame(rows, columns=STATE_COLUMNS)
        self._cache["state"] = frame
        return self._with_pending(frame)

    def _with_pending(self, frame: pd.DataFrame) -> pd.DataFrame:
        frame = frame.copy()
        frame["pending_order"] = [
            self._pending_orders.get(key, (math.nan, ""))[0] for key in zip(frame["node"], frame["sku"], strict=True)
        ]
        return frame

    def result(self) -> Result:
        """The :class:`~chansim.results.Result` of the rounds played (no preview)."""
        if "result" not in self._cache:
            self._cache["result"] = self._session.result()
        return self._cache["result"]

    def kpis(self) -> pd.DataFrame:
        """:func:`chansim.metrics.kpis` of the rounds played, with no warm-up (every round counts).

        Before the first round: the same columns and no rows.
        """
        import pandas as pd

        if "kpis" not in self._cache:
            from chansim.metrics import KPI_NAMES, kpis

            if self.round == 0:
                columns = ["scenario", "replication", "seed", "node", "kind", *KPI_NAMES]
                self._cache["kpis"] = pd.DataFrame(columns=columns)
            else:
                self._cache["kpis"] = kpis(self.result(), warmup_days=0)
        return self._cache["kpis"].copy()

    def rounds_table(self) -> pd.DataFrame:
        """Per played round x controlled node x SKU: the round's flows and its end-of-round stock.

        Columns ``round, node, sku`` then the sums over the round of ``demand`` (incoming
        orders), ``received``, ``shipped``, ``ordered``, ``lost``, ``customer_demand``, and
        the last period's ``day``, ``on_hand``, ``backorder``, ``on_order``, ``in_transit``.
        """
        return self._rounds_table(self._session).reset_index()

    def history_frame(self) -> pd.DataFrame:
        """Every decision of the played rounds: ``round, day, kind, node, sku, value, source``."""
        import pandas as pd

        rows = []
        for record in self._records:
            for node, sku, qty, source in record.orders:
                rows.append((record.round, record.day, "order", node, sku, qty, source))
            for action in record.actions:
                rows.append((record.round, record.day, action.kind, action.subject, None, action.value, action.source))
        return pd.DataFrame(rows, columns=["round", "day", "kind", "node", "sku", "value", "source"])

    def report(self) -> pd.DataFrame:
        """The trainee's results, one row per decision (the CSV download; columns :data:`REPORT_COLUMNS`).

        ``record == "order"``: the order decided for a node x SKU in a round, with that
        round's flows (``incoming_orders``, ``received``, ``shipped``, ``ordered``, ``lost``)
        and end-of-round stock. Other records (e.g. ``credit_limit``): ``node`` is the
        subject, ``decision`` the value, and the stock columns are empty.
        """
        import pandas as pd

        flows = self._rounds_table(self._session)
        rows = []
        ids = {"exercise": self.exercise, "scenario": self.scenario.name, "seed": self.seed}
        for record in self._records:
            for node, sku, qty, source in record.orders:
                flow = flows.loc[(record.round, node, sku)]
                rows.append({
                    **ids, "round": record.round, "day": record.day, "record": "order", "node": node, "sku": sku,
                    "decision": qty, "source": source,
                    "on_hand": flow["on_hand"], "backorder": flow["backorder"], "on_order": flow["on_order"],
                    "in_transit": flow["in_transit"], "incoming_orders": flow["demand"], "received": flow["received"],
                    "shipped": flow["shipped"], "ordered": flow["ordered"], "lost": flow["lost"],
                })  # fmt: skip
            for action in record.actions:
                rows.append({
                    **ids, "round": record.round, "day": record.day, "record": action.kind, "node": action.subject,
                    "sku": math.nan, "decision": action.value, "source": action.source,
                })  # fmt: skip
        frame = pd.DataFrame(rows, columns=REPORT_COLUMNS)
        return frame.astype({"round": "int64", "day": "int64", "seed": "int64", "decision": float})

    def to_csv(self, path_or_buffer: Any = None) -> str | None:
        """Write :meth:`report` as CSV to a path or buffer; with none, return the text (for a download button)."""
        return self.report().to_csv(path_or_buffer, index=False)

    # ------------------------------------------------------------------ internals
    def _check_open(self) -> None:
        if self.finished:
            raise DecisionError("control.game_over")

    def _check_controlled(self, node: object, sku: object) -> tuple[str, str]:
        key = (node, sku)
        if key not in self.controlled:
            allowed = ", ".join(f"{n}/{s}" for n, s in self.controlled)
            raise DecisionError("validation.not_controlled", {"field": f"{node}/{sku}", "allowed": allowed})
        return key  # type: ignore[return-value]

    def _check_policy(self, policy: object) -> None:
        if callable(policy):
            return
        if not isinstance(policy, str) or policy not in AUTO_POLICIES:
            raise DecisionError(
                "validation.unknown_choice",
                {"field": "policy", "value": _shown(policy), "allowed": ", ".join(AUTO_POLICIES)},
            )

    def _decision_period(self, round_index: int) -> int:
        first = round_index * self.periods_per_round
        return first if self.decision_point == "round_start" else first + self.periods_per_round - 1

    def _step(self, session: Session, record: RoundRecord) -> None:
        """Play one recorded round on ``session`` (the same calls in play and in replay)."""
        if self.decision_point == "round_start":
            for action in record.actions:
                action.apply(session)
        period = self._decision_period(record.round)
        session.set_decisions({(period, node, sku): qty for node, sku, qty, _ in record.orders})
        session.advance(periods=self.periods_per_round)
        if self.decision_point == "round_end":
            for action in record.actions:
                action.apply(session)

    def _make_preview(self) -> Session | None:
        """Under ``round_end``: the played rounds and the current one with no order of the trainee yet (a fork)."""
        if self.decision_point != "round_end" or self.finished:
            return None
        session = self._session.fork()
        session.advance(periods=self.periods_per_round)
        return session

    def _info_session(self) -> Session:
        return self._preview if self._preview is not None else self._session

    def _seen_rounds(self) -> int:
        """Rounds whose outcome the trainee can see now (the current one too under ``round_end``)."""
        return self.round + (1 if self._preview is not None else 0)

    def _rounds_table(self, session: Session) -> pd.DataFrame:
        """Per round x controlled pair: flows summed over the round, stock at its last period."""
        import pandas as pd

        cache_key = f"rounds:{id(session)}"
        if cache_key in self._cache:
            return self._cache[cache_key]
        levels = (self.result() if session is self._session else session.result()).levels
        nodes = levels["node"].astype(str)
        skus = levels["sku"].astype(str)
        keep = pd.Series(False, index=levels.index)
        for node, sku in self.controlled:
            keep |= (nodes == node) & (skus == sku)
        rows = levels.loc[keep, ["period", *_STOCKS, *_FLOWS]].assign(node=nodes[keep], sku=skus[keep])
        rows["round"] = rows["period"] // self.periods_per_round
        grouped = rows.sort_values(["round", "day"], kind="stable").groupby(["round", "node", "sku"], sort=True)
        table = pd.concat([grouped[_FLOWS].sum(), grouped[_STOCKS].last()], axis=1)
        self._cache[cache_key] = table
        return table

    def _seen_demand(self, node: str, sku: str) -> list[float]:
        """Incoming orders of each round the trainee has seen, first round first."""
        flows = self._rounds_table(self._info_session())
        if not len(flows):
            return []
        mine = flows.xs((node, sku), level=("node", "sku"))
        return [float(x) for x in mine["demand"].sort_index()]

    def _stock_row(self, node: str, sku: str) -> pd.Series:
        state = self._stock_frame()
        return state[(state["node"] == node) & (state["sku"] == sku)].iloc[0]
