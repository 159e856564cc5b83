"""Ordering policies: each period a node decides how much to order of each SKU.

A policy object is built from its schema model and keeps its own state (forecasts).
``decide`` is called once per period, after the node has served its demand, with:

* ``position``: inventory position = on hand + on order - backlog,
* ``stock``: on hand - backlog (Sterman's effective inventory),
* ``supply_line``: units ordered and not yet received,
* ``demand``: units the node's customers asked for in this period,
* ``period``: the 0-based period index.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections import deque

from chansim import scenario as sc

__all__ = ["OrderingPolicy", "build_policy"]


class OrderingPolicy(ABC):
    """Base class: returns the quantity to order this period (before rounding)."""

    __slots__ = ()

    @abstractmethod
    def decide(self, position: float, stock: float, supply_line: float, demand: float, period: int) -> float:
        """Quantity to order now."""


class BaseStockPolicy(OrderingPolicy):
    """``max(0, S - position)``."""

    __slots__ = ("level",)

    def __init__(self, level: float) -> None:
        self.level = level

    def decide(self, position: float, stock: float, supply_line: float, demand: float, period: int) -> float:
        """Order up to S."""
        q = self.level - position
        return q if q > 0 else 0.0


class SSPolicy(OrderingPolicy):
    """``S - position`` when ``position <= s``, else 0."""

    __slots__ = ("reorder_point", "level")

    def __init__(self, reorder_point: float, level: float) -> None:
        self.reorder_point = reorder_point
        self.level = level

    def decide(self, position: float, stock: float, supply_line: float, demand: float, period: int) -> float:
        """Order up to S when at or below s."""
        return self.level - position if position <= self.reorder_point else 0.0


class RQPolicy(OrderingPolicy):
    """``n * Q`` with the smallest n that lifts the position above r, when ``position <= r``."""

    __slots__ = ("reorder_point", "quantity")

    def __init__(self, reorder_point: float, quantity: float) -> None:
        self.reorder_point = reorder_point
        self.quantity = quantity

    def decide(self, position: float, stock: float, supply_line: float, demand: float, period: int) -> float:
        """Order multiples of Q when at or below r."""
        if position > self.reorder_point:
            return 0.0
        n = math.floor((self.reorder_point - position) / self.quantity) + 1
        return n * self.quantity


class PeriodicReviewPolicy(OrderingPolicy):
    """Order up to S on review days (``(day - offset) % R == 0``), else nothing."""

    __slots__ = ("level", "review_periods", "offset_periods")

    def __init__(self, level: float, review_periods: int, offset_periods: int) -> None:
        self.level = level
        self.review_periods = review_periods
        self.offset_periods = offset_periods

    def decide(self, position: float, stock: float, supply_line: float, demand: float, period: int) -> float:
        """Order up to S on review periods."""
        if (period - self.offset_periods) % self.review_periods:
            return 0.0
        q = self.level - position
        return q if q > 0 else 0.0


class ForecastOrderUpToPolicy(OrderingPolicy):
    """Order up to ``cover * forecast + safety_stock`` (Chen et al. 2000 with a moving average)."""

    __slots__ = ("cover_periods", "safety_stock", "window", "alpha", "history", "total", "forecast")

    def __init__(
        self,
        cover_periods: float,
        safety_stock: float,
        window: int | None,
        alpha: float | None,
        initial_forecast: float | None,
    ) -> None:
        self.cover_periods = cover_periods
        self.safety_stock = safety_stock
        self.window = window
        self.alpha = alpha
        self.forecast = initial_forecast
        self.history: deque[float] | None = None
        self.total = 0.0
        if window is not None and initial_forecast is not None:
            self.history = deque([initial_forecast] * window)
            self.total = initial_forecast * window

    def _update(self, demand: float) -> float:
        if self.window is not None:
            if self.history is None:  # no initial forecast: start from the first demand seen
                self.history = deque([demand] * self.window)
                self.total = demand * self.window
            else:
                self.total += demand - self.history.popleft()
                self.history.append(demand)
            self.forecast = self.total / self.window
        else:
            assert self.alpha is not None
            if self.forecast is None:
                self.forecast = demand
            else:
                self.forecast += self.alpha * (demand - self.forecast)
        return self.forecast

    def decide(self, position: float, stock: float, supply_line: float, demand: float, period: int) -> float:
        """Update the forecast with this period's demand and order up to the new level."""
        level = self.cover_periods * self._update(demand) + self.safety_stock
        q = level - position
        return q if q > 0 else 0.0


class StermanPolicy(OrderingPolicy):
    """Anchoring and adjustment: ``max(0, E + alpha_s (S' - stock - beta * supply_line))``."""

    __slots__ = ("alpha_s", "beta", "theta", "desired_stock", "expected")

    def __init__(self, spec: sc.Sterman) -> None:
        self.alpha_s = spec.alpha_s
        self.beta = spec.beta
        self.theta = spec.theta
        self.desired_stock = spec.desired_stock
        self.expected = spec.initial_expected_demand

    def decide(self, position: float, stock: float, supply_line: float, demand: float, period: int) -> float:
        """Smooth the demand, then adjust for the stock and supply-line gaps."""
        if self.expected is None:
            self.expected = demand
        else:
            self.expected = self.theta * demand + (1.0 - self.theta) * self.expected
        q = self.expected + self.alpha_s * (self.desired_stock - stock - self.beta * supply_line)
        return q if q > 0 else 0.0


class ManualPolicy(OrderingPolicy):
    """Orders given by the caller; ``default`` when none was given for the period."""

    __slots__ = ("default",)

    def __init__(self, default: float) -> None:
        self.default = default

    def decide(self, position: float, stock: float, supply_line: float, demand: float, period: int) -> float:
        """The default order (the engine substitutes the caller's decision when there is one)."""
        return self.default


def build_policy(spec: sc.Policy, lead_time_days: int, period_days: int) -> OrderingPolicy:
    """A fresh policy object (with empty state) for one node x SKU."""
    if isinstance(spec, sc.BaseStock):
        return BaseStockPolicy(spec.order_up_to)
    if isinstance(spec, sc.SS):
        return SSPolicy(spec.reorder_point, spec.order_up_to)
    if isinstance(spec, sc.RQ):
        return RQPolicy(spec.reorder_point, spec.order_quantity)
    if isinstance(spec, sc.PeriodicReview):
        return PeriodicReviewPolicy(
            spec.order_up_to,
            max(1, spec.review_period_days // period_days),
            spec.review_offset_days // period_days,
        )
    if isinstance(spec, sc.ForecastOrderUpTo):
        cover_days = spec.cover_days if spec.cover_days is not None else lead_time_days
        window = spec.forecast.window_periods if isinstance(spec.forecast, sc.MovingAverage) else None
        alpha = spec.forecast.alpha if isinstance(spec.forecast, sc.ExponentialSmoothing) else None
        return ForecastOrderUpToPolicy(
            cover_days / period_days,
            spec.safety_stock,
            window,
            alpha,
            spec.initial_forecast,
        )
    if isinstance(spec, sc.Sterman):
        return StermanPolicy(spec)
    if isinstance(spec, sc.Manual):
        return ManualPolicy(spec.default_order)
    raise TypeError(f"unknown policy {spec!r}")  # pragma: no cover
