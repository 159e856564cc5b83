"""Hypothesis strategies that build valid chansim scenario documents (plain dicts).

The documents are what a user would write in YAML: ``parse_scenario(doc)`` must accept
every one of them. Quantities are kept small so that a run of a few dozen periods is
fast, and integral in ``discrete`` mode (a discrete scenario with fractional stock is
legal but not what these properties are about).
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

# text a user could put in a UTF-8 file: no surrogates, no NUL
text_values: st.SearchStrategy[str] = st.text(
    st.characters(exclude_categories=("Cs",), exclude_characters="\x00"), max_size=20
)

DISTRIBUTION_TYPES = ["poisson", "negative_binomial", "normal", "deterministic", "uniform", "empirical"]
POLICY_TYPES = [
    "base_stock",
    "s_S",
    "r_Q",
    "periodic_review",
    "forecast_order_up_to",
    "sterman",
    "manual",
]


def _quantity(draw: st.DrawFn, discrete: bool, low: float, high: float) -> float | int:
    """A stock quantity: integral in discrete mode, any float (often with a fraction) otherwise."""
    if discrete:
        return draw(st.integers(int(low), int(high)))
    return draw(st.floats(low, high, allow_nan=False, allow_infinity=False))


@st.composite
def distributions(draw: st.DrawFn, kind: str | None = None, high: float = 10.0) -> dict[str, Any]:
    """A demand distribution of the given (or a random) type with small parameters."""
    kind = kind or draw(st.sampled_from(DISTRIBUTION_TYPES))
    real = st.floats(0, high, allow_nan=False)
    if kind == "poisson":
        return {"type": "poisson", "mean": draw(real)}
    if kind == "negative_binomial":
        mean = draw(st.floats(0.25, high))
        return {"type": "negative_binomial", "mean": mean, "variance": mean * draw(st.floats(1.1, 5.0))}
    if kind == "normal":
        return {"type": "normal", "mean": draw(real), "std": draw(st.floats(0, high / 2))}
    if kind == "deterministic":
        return {"type": "deterministic", "value": draw(real)}
    if kind == "uniform":
        low = draw(st.floats(0, high / 2))
        return {"type": "uniform", "low": low, "high": low + draw(st.floats(0, high))}
    values = draw(st.lists(st.floats(0, high, allow_nan=False), min_size=1, max_size=6))
    return {"type": "empirical", "values": values, "mode": draw(st.sampled_from(["cycle", "sample"]))}


@st.composite
def lead_time_distributions(draw: st.DrawFn) -> dict[str, Any]:
    """A lead time distribution in days (the engine rounds to whole periods, at least one)."""
    kind = draw(st.sampled_from(["poisson", "uniform", "deterministic", "empirical"]))
    if kind == "poisson":
        return {"type": "poisson", "mean": draw(st.floats(0.5, 6))}
    if kind == "uniform":
        low = draw(st.integers(1, 4))
        return {"type": "uniform", "low": low, "high": low + draw(st.integers(0, 4))}
    if kind == "deterministic":
        return {"type": "deterministic", "value": draw(st.integers(1, 6))}
    return {
        "type": "empirical",
        "values": draw(st.lists(st.integers(1, 8), min_size=1, max_size=4)),
        "mode": draw(st.sampled_from(["cycle", "sample"])),
    }


@st.composite
def policies(draw: st.DrawFn, period_days: int, discrete: bool, kind: str | None = None) -> dict[str, Any]:
    """An ordering policy of the given (or a random) type."""
    kind = kind or draw(st.sampled_from(POLICY_TYPES))
    q = lambda lo, hi: _quantity(draw, discrete, lo, hi)  # noqa: E731
    if kind == "base_stock":
        return {"type": "base_stock", "order_up_to": q(0, 60)}
    if kind == "s_S":
        s = draw(st.integers(-5, 30))
        return {
            "type": "s_S",
            "reorder_point": s,
            "order_up_to": s + draw(st.integers(1, 40)) if s >= 0 else draw(st.integers(1, 40)),
        }
    if kind == "r_Q":
        return {
            "type": "r_Q",
            "reorder_point": draw(st.integers(-5, 30)),
            "order_quantity": draw(st.integers(1, 20)) if discrete else draw(st.floats(0.5, 20)),
        }
    if kind == "periodic_review":
        return {
            "type": "periodic_review",
            "review_period_days": period_days * draw(st.integers(1, 4)),
            "order_up_to": q(0, 60),
            "review_offset_days": period_days * draw(st.integers(0, 3)),
        }
    if kind == "forecast_order_up_to":
        forecast = draw(
            st.one_of(
                st.builds(lambda w: {"method": "moving_average", "window_periods": w}, st.integers(1, 5)),
                st.builds(lambda a: {"method": "exponential_smoothing", "alpha": a}, st.floats(0.05, 1.0)),
            )
        )
        policy: dict[str, Any] = {"type": "forecast_order_up_to", "forecast": forecast, "safety_stock": q(0, 20)}
        if draw(st.booleans()):
            policy["cover_days"] = draw(st.integers(1, 15))
        if draw(st.booleans()):
            policy["initial_forecast"] = q(0, 10)
        return policy
    if kind == "sterman":
        policy = {"type": "sterman"}
        if draw(st.booleans()):
            policy.update(
                alpha_s=draw(st.floats(0, 1)),
                beta=draw(st.floats(0, 1)),
                theta=draw(st.floats(0, 1)),
                desired_stock=q(0, 30),
            )
        if draw(st.booleans()):
            policy["initial_expected_demand"] = q(0, 10)
        return policy
    return {"type": "manual", "default_order": q(0, 10)}


@st.composite
def initial_states(draw: st.DrawFn, discrete: bool, backlog: bool = True) -> dict[str, Any]:
    """Initial on hand, backlog, pipeline and orders in transit (sometimes empty)."""
    q = lambda lo, hi: _quantity(draw, discrete, lo, hi)  # noqa: E731
    state: dict[str, Any] = {}
    if draw(st.booleans()):
        state["on_hand"] = q(0, 40)
    if backlog and draw(st.integers(0, 3)) == 0:
        state["backlog"] = q(0, 15)
    if draw(st.booleans()):
        state["pipeline"] = draw(st.lists(st.just(0) | st.builds(lambda: q(0, 15)), max_size=3))
    if draw(st.booleans()):
        state["orders_in_transit"] = draw(st.lists(st.builds(lambda: q(0, 15)), max_size=3))
    return state


@st.composite
def lanes(
    draw: st.DrawFn,
    supplier: str | None,
    period_days: int,
    horizon_days: int,
    skus: list[str] | None = None,
) -> dict[str, Any]:
    """A supply lane: fixed lead time, sometimes a lead time distribution, capacity, disruptions."""
    lane: dict[str, Any] = {"supplier": supplier, "lead_time_days": period_days * draw(st.integers(1, 3))}
    if skus is not None:
        lane["skus"] = skus
    if draw(st.integers(0, 4)) == 0:
        lane["lead_time_distribution"] = draw(lead_time_distributions())
    if draw(st.integers(0, 3)) == 0:
        lane["capacity_units_per_day"] = draw(st.sampled_from([0.5, 1, 2, 2.5, 5, 10, 20]))
    if draw(st.booleans()):
        lane["shipping_cost_per_unit"] = draw(st.floats(0, 2))
    if draw(st.integers(0, 5)) == 0:
        lane["transit_holding_cost_per_unit_day"] = draw(st.floats(0, 1))
    if draw(st.integers(0, 3)) == 0:
        windows = []
        for _ in range(draw(st.integers(1, 2))):
            start = draw(st.integers(0, horizon_days))
            window = {"start_day": start, "end_day": start + draw(st.integers(1, max(1, horizon_days)))}
            if draw(st.booleans()):
                window["capacity_units_per_day"] = draw(st.sampled_from([0, 0.5, 1, 3]))
            if draw(st.booleans()):
                window["extra_lead_time_days"] = period_days * draw(st.integers(0, 2))
            windows.append(window)
        lane["disruptions"] = windows
    return lane


@st.composite
def scenario_dicts(
    draw: st.DrawFn,
    *,
    max_skus: int = 3,
    max_distributors: int = 3,
    max_dealers: int = 4,
    min_periods: int = 3,
    max_periods: int = 20,
    period_days: int | None = None,
    manual: bool = False,
    direct_markets: bool = True,
) -> dict[str, Any]:
    """A valid scenario document.

    vendor (outside lane) -> 0..max_distributors distributors (each supplied by the vendor or
    an earlier distributor) -> 1..max_dealers dealers (each attached to the vendor or a
    distributor, sometimes with one lane per SKU to different suppliers) -> one market per
    dealer. With ``direct_markets`` the vendor or a distributor sometimes also sells directly
    to a market of its own. With ``manual`` at least one node orders by the ``manual`` policy.
    """
    P = period_days or draw(st.sampled_from([1, 1, 1, 2, 7]))
    periods = draw(st.integers(min_periods, max_periods))
    horizon = periods * P - draw(st.integers(0, P - 1))  # not always a whole number of periods
    discrete = draw(st.sampled_from(["discrete", "continuous"])) == "discrete"
    sku_names = [f"sku{i}" for i in range(draw(st.integers(1, max_skus)))]
    skus = []
    for name in sku_names:
        cost = draw(st.floats(0, 50))
        skus.append({"name": name, "unit_cost": cost, "list_price": cost + draw(st.floats(0, 50))})

    def node(name: str, kind: str, node_lanes: list[dict[str, Any]], policy_kind: str | None = None) -> dict[str, Any]:
        spec: dict[str, Any] = {"name": name, "kind": kind, "lanes": node_lanes}
        spec["policy"] = draw(policies(P, discrete, kind=policy_kind))
        init = draw(initial_states(discrete))
        if init:
            spec["initial"] = init
        if draw(st.integers(0, 3)) == 0:  # per-SKU overrides
            items = []
            for sku in draw(st.lists(st.sampled_from(sku_names), unique=True, min_size=1)):
                item: dict[str, Any] = {"sku": sku}
                if draw(st.booleans()):
                    item["policy"] = draw(policies(P, discrete))
                if draw(st.booleans()):
                    item["initial"] = draw(initial_states(discrete))
                items.append(item)
            spec["items"] = items
        spec["shortage"] = draw(st.sampled_from(["backorder", "lost_sales"]))
        spec["allocation"] = draw(st.sampled_from(["first_come", "proportional", "priority"]))
        if draw(st.booleans()):
            spec["priority"] = draw(st.integers(0, 3))
        if draw(st.integers(0, 2)) == 0:
            spec["order_delay_days"] = P * draw(st.integers(1, 2))
        for cost in (
            "holding_cost_per_unit_day",
            "backorder_cost_per_unit_day",
            "lost_sale_cost_per_unit",
            "ordering_cost_per_order",
        ):
            if draw(st.booleans()):
                spec[cost] = draw(st.floats(0, 5))
        if draw(st.integers(0, 3)) == 0:
            spec["price_discount"] = draw(st.floats(0, 0.9))
        return spec

    nodes = [node("vendor", draw(st.sampled_from(["vendor", "factory"])), [draw(lanes(None, P, horizon))])]
    distributors = [f"dist{i}" for i in range(draw(st.integers(0, max_distributors)))]
    for i, name in enumerate(distributors):
        supplier = draw(st.sampled_from(["vendor", *distributors[:i]]))
        nodes.append(
            node(name, draw(st.sampled_from(["distributor", "wholesaler"])), [draw(lanes(supplier, P, horizon))])
        )
    dealers = [f"dealer{i}" for i in range(draw(st.integers(1, max_dealers)))]
    markets = []
    for i, name in enumerate(dealers):
        demand = []
        for sku in draw(st.lists(st.sampled_from(sku_names), unique=True, min_size=1)):
            demand.append({"sku": sku, "distribution": draw(distributions())})
        demand.sort(key=lambda d: sku_names.index(d["sku"]))
        if draw(st.integers(0, 3)) == 0 and len(demand) > 1:
            # one lane per SKU, each from its own supplier
            by_supplier: dict[str, list[str]] = {}
            for d in demand:
                by_supplier.setdefault(draw(st.sampled_from(["vendor", *distributors])), []).append(d["sku"])
            node_lanes = [draw(lanes(sup, P, horizon, skus=s)) for sup, s in sorted(by_supplier.items())]
        else:
            node_lanes = [draw(lanes(draw(st.sampled_from(["vendor", *distributors])), P, horizon))]
        nodes.append(node(name, draw(st.sampled_from(["dealer", "retailer"])), node_lanes))
        market: dict[str, Any] = {"name": f"market{i}", "served_by": name, "demand": demand}
        markets.append(market)
    if direct_markets and draw(st.integers(0, 4)) == 0:
        seller = draw(st.sampled_from(["vendor", *distributors]))
        sku = draw(st.sampled_from(sku_names))
        markets.append(
            {"name": "direct", "served_by": seller, "demand": [{"sku": sku, "distribution": draw(distributions())}]}
        )
    if manual:
        # make one or more nodes manual (node default and every per-SKU override)
        first_dealer = 1 + len(distributors)
        chosen = {draw(st.sampled_from(range(first_dealer, len(nodes))))}
        chosen |= set(draw(st.lists(st.sampled_from(range(len(nodes))), unique=True)))
        for index in sorted(chosen):
            nodes[index]["policy"] = draw(policies(P, discrete, kind="manual"))
            for item in nodes[index].get("items", []):
                item.pop("policy", None)
    doc: dict[str, Any] = {
        "name": "hyp",
        "period_days": P,
        "horizon_days": horizon,
        "units": "discrete" if discrete else "continuous",
        "skus": skus,
        "nodes": nodes,
        "markets": markets,
    }
    return doc
