"""The engine's extension seam: a typed hook Protocol and one control API for every change.

Nothing outside the engine writes ``Item``/``Order`` fields or calls another module's
underscore methods; nothing touches SimPy's private attributes. The business layer and
the exercises change a running session only through ``session.control`` (the engine) and
the business runtime's own controls.
"""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest

import chansim
from chansim.business.runtime import BusinessRuntime
from chansim.engine import Extension, Item, Order, SessionControl, SimulationError

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "chansim"
# engine record fields no other class has: a write to one of them outside the engine is a reach-in
ENGINE_FIELDS = (set(Item.__slots__) | set(Order.__slots__)) - {
    "id", "kind", "sku", "qty", "node", "customer", "supplier", "priority", "policy", "lane", "book", "markets",
    "received", "shipped", "index",
}  # fmt: skip
ENGINE_FIELDS |= {"book_dirty", "markets", "supplier_index"}


def sources(skip: tuple[str, ...] = ("engine.py",)) -> list[Path]:
    return [p for p in sorted(PACKAGE.rglob("*.py")) if p.name not in skip]


def attribute_writes(path: Path) -> list[tuple[int, str]]:
    """``x.field = ...`` / ``x.field += ...`` for engine-only fields, with ``x`` not ``self``."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, ast.AugAssign) else []
        for target in targets:
            for part in ast.walk(target):
                if (
                    isinstance(part, ast.Attribute)
                    and part.attr in ENGINE_FIELDS
                    and not (isinstance(part.value, ast.Name) and part.value.id == "self")
                ):
                    found.append((part.lineno, ast.unparse(part)))
    return found


def test_no_module_outside_the_engine_writes_item_or_order_fields() -> None:
    offenders = {str(p.relative_to(ROOT)): w for p in sources() if (w := attribute_writes(p))}
    assert offenders == {}


def test_the_write_finder_finds_writes(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("def f(item, order):\n    item.on_hand = 0\n    order.remaining -= 1\n    self.on_hand = 1\n")
    assert attribute_writes(sample) == [(2, "item.on_hand"), (3, "order.remaining")]


def private_calls(path: Path) -> list[tuple[int, str]]:
    """``obj._name(...)`` / ``obj._name`` reads on objects other than ``self``/``cls`` and SimPy's ``_value``/``_ok``."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Attribute) and node.attr.startswith("_") and not node.attr.startswith("__"):
            base = node.value
            if isinstance(base, ast.Name) and base.id in ("self", "cls"):
                continue
            if node.attr in ("_fields", "_replace", "_asdict", "_make"):  # the NamedTuple API
                continue
            found.append((node.lineno, ast.unparse(node)))
    return found


@pytest.mark.parametrize("part", ["business", "engine.py"])
def test_no_reach_into_underscore_names_of_other_objects(part: str) -> None:
    """The business layer calls no ``session._x``; the engine reads no SimPy private attribute."""
    paths = sorted((PACKAGE / part).glob("*.py")) if part == "business" else [PACKAGE / part]
    offenders = {}
    for path in paths:
        calls = [
            (line, text)
            for line, text in private_calls(path)
            # the business layer's resumable processes are its own objects' private helpers
            if not (part == "business" and text.split(".")[0] in {"funnel", "office", "ledger", "runtime", "book"})
            and not text.startswith(("session._item", "self._session._"))
            # the engine's own helpers (its process, its control object) on the session they serve
            and not (part == "engine.py" and text.startswith(("session._", "self._session", "self.session._")))
        ]
        if calls:
            offenders[path.name] = calls
    assert offenders == {}


def test_nothing_touches_simpy_private_attributes() -> None:
    offenders = []
    for path in sources(skip=()):
        text = path.read_text()
        for name in ("._value", "._ok", "._eid", "._queue", "._active_proc", "._defused"):
            offenders += [f"{path.name}: {name}" for line in text.splitlines() if name in line and "self._value" not in line]
    assert offenders == []


def test_the_business_runtime_provides_every_extension_hook() -> None:
    hooks = [name for name, value in vars(Extension).items() if callable(value) and not name.startswith("_")]
    assert set(hooks) == {"before_period", "intercept_order", "on_allocation", "on_order_decision", "tables", "fork_records"}
    for name in hooks:
        protocol = inspect.signature(getattr(Extension, name))
        runtime = inspect.signature(getattr(BusinessRuntime, name))
        assert list(runtime.parameters) == list(protocol.parameters), name


def test_session_keeps_its_user_api_apart_from_the_control_api() -> None:
    public = {n for n in dir(chansim.Session) if not n.startswith("_")}
    assert public == {
        "advance", "day", "event_rows", "fork", "level_rows", "manual_items", "result", "set_decisions", "set_order", "state",
    }  # fmt: skip
    control = {n for n in dir(SessionControl) if not n.startswith("_")}
    assert {"set_demand_factor", "set_allocation", "retire", "divert", "set_unit_price", "add_customer_order"} <= control


def base_session(name: str = "stage-4-operations", days: int = 30) -> chansim.Session:
    return chansim.Session(chansim.load_scenario(ROOT / "scenarios" / f"{name}.yaml"), seed=3).advance(days)


def test_set_allocation_changes_the_rule_and_checks_it() -> None:
    session = base_session()
    node = next(i.node for i in session.sequence if i.supplier is not None and i.supplier.supplier is None)
    session.control.set_allocation(node, "proportional")
    assert {item.allocation for item in session.control.items_of(node)} == {"proportional"}
    with pytest.raises(SimulationError, match="first_come, proportional, priority"):
        session.control.set_allocation(node, "random")
    with pytest.raises(SimulationError, match="no stock"):
        session.control.set_allocation("nobody", "first_come")


def test_retire_stops_ordering_disposes_stock_and_moves_markets() -> None:
    session = base_session("two-tier-regional")
    dealer = next(i for i in session.sequence if i.markets)
    other = next(i for i in session.sequence if i.markets and i.sku == dealer.sku and i is not dealer)
    markets = len(dealer.markets) + len(other.markets)
    session.control.retire(dealer, "write_off", other)
    assert dealer.on_hand == 0 and not dealer.book and not dealer.markets and len(other.markets) == markets
    session.advance(periods=3)
    levels = session.result().levels
    mine = (levels["node"] == dealer.node) & (levels["sku"] == dealer.sku) & (levels["period"] >= 30)
    assert mine.sum() == 3 and (levels[mine]["ordered"] == 0).all()


def test_business_controls_validate_and_apply() -> None:
    training = base_session("stage-3-training", days=10)
    runtime = training.business
    assert isinstance(runtime, BusinessRuntime)
    runtime.set_lead_routing({"rule": "round_robin"})
    assert runtime.funnel is not None and runtime.funnel.config.routing.rule == "round_robin"
    with pytest.raises(ValueError):
        runtime.set_lead_routing({"rule": "by_coin_toss"})
    operations = base_session("stage-4-operations", days=10).business
    assert isinstance(operations, BusinessRuntime) and operations.order_to_cash is not None
    partner = sorted(operations.tiers)[0]
    operations.set_payment_health(partner, 0.2)
    assert operations.order_to_cash.ledger.health(partner) == 0.2
    operations.set_credit_limit(partner, 1234.0)
    assert operations.order_to_cash.desk.available(partner) <= 1234.0
    assert runtime.order_to_cash is None  # stage 3 has no order-to-cash: a clear error
    with pytest.raises(SimulationError, match="no credit desk"):
        runtime.set_credit_limit(partner, 1.0)


def test_allocation_audit_rows_name_the_node_as_subject() -> None:
    result = chansim.run(chansim.load_scenario(ROOT / "scenarios" / "stage-4-operations.yaml"), seed=7, days=60)
    audit = result.tables()["audit"]
    rows = audit[audit["action"] == "allocation"]
    nodes = {n.name for n in result.scenario.nodes}
    assert len(rows) and set(rows["actor"]) == {"engine"} and set(rows["subject"]) <= nodes
