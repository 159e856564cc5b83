"""End-customer demand: per-period draws with seasonality, trend, promotions and shocks.

Draws are made in fixed-size chunks of periods from the stream of one market x SKU, so
the series does not depend on how far or in what steps a run advances.
"""

from __future__ import annotations

import math

import numpy as np

from chansim.rng import copy_generator
from chansim.scenario import DemandStream, Distribution

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
    distribution: Distribution,
    rng: np.random.Generator,
    scale: np.ndarray,
    first_period: int,
    discrete: bool,
) -> np.ndarray:
    """Draw one value per entry of ``scale`` (the mean multiplier of each period).

    The distribution's own :meth:`~chansim.config.distributions.Poisson.sample` does the drawing.
    """
    return distribution.sample(rng, len(scale), scale=scale, start=first_period, discrete=discrete)


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
