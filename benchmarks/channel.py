"""Scenarios for the scaling benchmark: a vendor, distributors, dealers, many SKUs.

``scaling_scenario`` uses the project's Faker generator
(``chansim.generate.generate_scenario``) when it is importable and falls back to
``build_channel``, a plain builder kept here so the benchmark never depends on it.
"""

from __future__ import annotations

import math

DEALER_LEAD_DAYS = 3
DISTRIBUTOR_LEAD_DAYS = 7
VENDOR_LEAD_DAYS = 14
Z = 1.65  # safety factor of the base-stock levels


def _sku_mean(k: int) -> float:
    """Mean daily demand of SKU k at an average dealer (0.2 .. 2.0, deterministic)."""
    return round(0.2 + 1.8 * ((k * 0.6180339887) % 1.0), 3)


def _dealer_size(j: int) -> float:
    """Size factor of dealer j (0.5 .. 1.5, deterministic)."""
    return round(0.5 + ((j * 0.7548776662) % 1.0), 3)


def _level(mean: float, lead_days: int) -> float:
    """Base stock: mean demand over lead time + 1 period plus a safety stock."""
    cover = mean * (lead_days + 1)
    return float(math.ceil(cover + Z * math.sqrt(cover)))


def build_channel(distributors: int, dealers_per_distributor: int, skus: int, days: int, regions: int = 5) -> dict:
    """The scenario document (for ``chansim.parse_scenario``) of a generated channel.

    One vendor supplied from outside; ``distributors`` distributors supplied by the vendor;
    ``dealers_per_distributor`` dealers under each; every dealer serves one market with
    Poisson demand for every SKU. Every node follows a base-stock policy per SKU sized to
    its mean demand x (lead time + 1) + 1.65 sqrt(that), and starts with that much on hand.
    """
    sku_names = [f"sku{k:03d}" for k in range(skus)]
    sku_means = [_sku_mean(k) for k in range(skus)]
    nodes: list[dict] = []
    markets: list[dict] = []
    region_names = [f"region{r}" for r in range(regions)]
    vendor_mean = [0.0] * skus
    dealer_index = 0
    for d in range(distributors):
        dist = f"dist{d:03d}"
        region = region_names[d % regions]
        dist_mean = [0.0] * skus
        for _ in range(dealers_per_distributor):
            dealer = f"dealer{dealer_index:05d}"
            size = _dealer_size(dealer_index)
            means = [round(m * size, 3) for m in sku_means]
            for k, m in enumerate(means):
                dist_mean[k] += m
            nodes.append(
                {
                    "name": dealer,
                    "kind": "dealer",
                    "region": region,
                    "lanes": [{"supplier": dist, "lead_time_days": DEALER_LEAD_DAYS, "shipping_cost_per_unit": 0.1}],
                    "policy": {"type": "base_stock", "order_up_to": 0.0},
                    "items": [
                        {
                            "sku": s,
                            "policy": {"type": "base_stock", "order_up_to": _level(m, DEALER_LEAD_DAYS)},
                            "initial": {"on_hand": _level(m, DEALER_LEAD_DAYS)},
                        }
                        for s, m in zip(sku_names, means, strict=True)
                    ],
                    "holding_cost_per_unit_day": 0.02,
                    "backorder_cost_per_unit_day": 0.5,
                }
            )
            markets.append(
                {
                    "name": f"market{dealer_index:05d}",
                    "served_by": dealer,
                    "region": region,
                    "demand": [
                        {"sku": s, "distribution": {"type": "poisson", "mean": m}}
                        for s, m in zip(sku_names, means, strict=True)
                    ],
                }
            )
            dealer_index += 1
        for k in range(skus):
            vendor_mean[k] += dist_mean[k]
        nodes.append(
            {
                "name": dist,
                "kind": "distributor",
                "region": region,
                "lanes": [{"supplier": "vendor", "lead_time_days": DISTRIBUTOR_LEAD_DAYS}],
                "policy": {"type": "base_stock", "order_up_to": 0.0},
                "items": [
                    {
                        "sku": s,
                        "policy": {"type": "base_stock", "order_up_to": _level(m, DISTRIBUTOR_LEAD_DAYS)},
                        "initial": {"on_hand": _level(m, DISTRIBUTOR_LEAD_DAYS)},
                    }
                    for s, m in zip(sku_names, dist_mean, strict=True)
                ],
                "holding_cost_per_unit_day": 0.01,
                "backorder_cost_per_unit_day": 0.2,
            }
        )
    nodes.append(
        {
            "name": "vendor",
            "kind": "vendor",
            "lanes": [{"supplier": None, "lead_time_days": VENDOR_LEAD_DAYS}],
            "policy": {"type": "base_stock", "order_up_to": 0.0},
            "items": [
                {
                    "sku": s,
                    "policy": {"type": "base_stock", "order_up_to": _level(m, VENDOR_LEAD_DAYS)},
                    "initial": {"on_hand": _level(m, VENDOR_LEAD_DAYS)},
                }
                for s, m in zip(sku_names, vendor_mean, strict=True)
            ],
            "holding_cost_per_unit_day": 0.005,
            "backorder_cost_per_unit_day": 0.1,
        }
    )
    return {
        "name": f"channel-{distributors}x{dealers_per_distributor}x{skus}",
        "description": "benchmark channel (benchmarks/channel.py)",
        "horizon_days": days,
        "regions": [{"name": r} for r in region_names],
        "skus": [
            {"name": s, "unit_cost": 6.0 + k % 10, "list_price": 10.0 + 1.5 * (k % 10)} for k, s in enumerate(sku_names)
        ],
        "nodes": nodes,
        "markets": markets,
    }


def scaling_scenario(
    distributors: int, dealers_per_distributor: int, skus: int, days: int, seed: int = 1, prefer_generator: bool = True
):  # type: ignore[no-untyped-def]
    """``(scenario, source)``: from chansim's generator if available, else ``build_channel``."""
    import chansim

    if prefer_generator:
        try:
            from chansim.generate import GeneratorOptions, generate_scenario
        except Exception:  # noqa: BLE001 - not written yet, or broken: use our own builder
            pass
        else:
            options = GeneratorOptions(
                seed=seed,
                locale="en_US",
                regions=5,
                distributors=distributors,
                dealers_per_distributor=dealers_per_distributor,
                skus=skus,
                days=days,
            )
            scenario = generate_scenario(options)
            if not isinstance(scenario, chansim.Scenario):  # a document rather than a model
                scenario = chansim.parse_scenario(scenario)
            return scenario, "chansim.generate.generate_scenario"
    return chansim.parse_scenario(
        build_channel(distributors, dealers_per_distributor, skus, days)
    ), "benchmarks/channel.py"
