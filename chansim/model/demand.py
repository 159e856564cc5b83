"""End-customer demand: per-period draws with seasonality, trend, promotions and shocks.

Draws are made in fixed-size chunks of periods from the stream of one market x SKU, so
the series does not depend on how far or in what steps a run advances.
"""

from __future__ import annotations


import math

import numpy as np

from chansim.rng import copy_generator
from chansim.scenario import (
    DemandStream,
    Deterministic,
    Empirical,
    NegativeBinomial,
    Normal,
    Poisson,
    Uniform,
)

__all__ = ["CHUNK_PERIODS", "DemandSeries", "draw", "multipliers"]

CHUNK_PERIODS = 512


def multipliers(stream: DemandStream, start_days: np.ndarray) -> np.ndarray:
    """Multiplier of the mean for periods starting on ``start_days``.

    ``weekly[day % 7] * (1 + A cos(2 pi (day - peak) / 365)) * (1 + trend * day / 365)
    * prod(1 + uplift for active promotions) * prod(multiplier for active shocks)``.
    """
    days = start_days.astype(float)
    m = np.ones_like(days)
    if stream.weekly_seasonality is not None:
        weekly = np.asarray(stream.weekly_seasonality, dtype=float)
        m *= weekly[start_days % 7]
    if stream.yearly_seasonality is not None:
        ys = stream.yearly_seasonality
        m *= 1.0 + ys.amplitude * np.cos(2 * math.pi * (days - ys.peak_day) / 365.0)
    if stream.trend_per_year:
        m *= np.maximum(0.0, 1.0 + stream.trend_per_year * days / 365.0)
    for promo in stream.promotions:
        active = (start_days >= promo.start_day) & (start_days < promo.end_day)
        m = np.where(active, m * (1.0 + promo.uplift), m)
    for shock in stream.shocks:
        end = shock.end_day if shock.end_day is not None else np.iinfo(np.int64).max
        active = (start_days >= shock.start_day) & (start_days < end)
        m = np.where(active, m * shock.multiplier, m)
    return m


def draw(
    distribution: object,
    rng: np.random.Generator,
    scale: np.ndarray,
    first_period: int,
    discrete: bool,
) -> np.ndarray:
    """Draw one value per entry of ``scale`` (the mean multiplier of each period)."""
    n = len(scale)
    if isinstance(distribution, Poisson):
        values = rng.poisson(distribution.mean * scale).astype(float)
    elif isinstance(distribution, NegativeBinomial):
        mean = distribution.mean * scale
        ratio = distribution.variance / distribution.mean  # variance-to-mean kept under scaling
        p = 1.0 / ratio
        r = np.maximum(mean * p / (1.0 - p), 1e-12)
        values = rng.negative_binomial(r, p).astype(float)
        values[mean <= 0] = 0.0
    elif isinstance(distribution, Normal):
        values = rng.normal(distribution.mean * scale, distribution.std * scale)
        values = np.maximum(values, 0.0)
        if discrete:
            values = np.floor(values + 0.5)
    elif isinstance(distribution, Deterministic):
        values = distribution.value * scale
        if discrete:
            values = np.floor(values + 0.5)
    elif isinstance(distribution, Uniform):
        low, high = math.ceil(distribution.low), math.floor(distribution.high)
        if discrete and low <= high:
            values = rng.integers(low, high + 1, size=n).astype(float)
        elif discrete:  # no whole number in [low, high]: the nearest one
            values = np.full(n, math.floor((distribution.low + distribution.high) / 2 + 0.5), dtype=float)
        else:
            values = rng.uniform(distribution.low, distribution.high, size=n)
        values = values * scale
        if discrete:
            values = np.floor(values + 0.5)
    elif isinstance(distribution, Empirical):
        series = np.asarray(distribution.values, dtype=float)
        if distribution.mode == "cycle":
            idx = (first_period + np.arange(n)) % len(series)
            values = series[idx]
        else:
            values = rng.choice(series, size=n)
        values = values * scale
        if discrete:
            values = np.floor(values + 0.5)
    else:  # pragma: no cover - the schema admits no other type
        raise TypeError(f"unknown distribution {distribution!r}")
    return values


class DemandSeries:
    """The demand of one market x SKU, period by period."""

    __slots__ = ("_discrete", "_period_days", "_rng", "stream", "values")

    def __init__(self, stream: DemandStream, rng: np.random.Generator, period_days: int, discrete: bool) -> None:
        self.stream = stream
        self._rng = rng
        self._period_days = period_days
        self._discrete = discrete
        self.values: list[float] = []  # drawn so far, a whole chunk at a time

    def __deepcopy__(self, memo: dict[int, object]) -> DemandSeries:
        """A copy that draws on as this one would (the drawn values are shared numbers)."""
        rng = memo.get(id(self._rng))
        if rng is None:
            rng = memo[id(self._rng)] = copy_generator(self._rng)
        twin = DemandSeries(self.stream, rng, self._period_days, self._discrete)  # type: ignore[arg-type]
        twin.values = self.values.copy()
        memo[id(self)] = twin
        return twin

    def at(self, period: int) -> float:
        """Demand in ``period`` (0-based)."""
        try:
            return self.values[period]
        except IndexError:
            while len(self.values) <= period:
                self.values.extend(self._make_chunk(len(self.values) // CHUNK_PERIODS))
            return self.values[period]

    def _make_chunk(self, index: int) -> list[float]:
        first = index * CHUNK_PERIODS
        start_days = (first + np.arange(CHUNK_PERIODS)) * self._period_days
        scale = multipliers(self.stream, start_days)
        values = draw(self.stream.distribution, self._rng, scale, first, self._discrete)
        return values.tolist()
