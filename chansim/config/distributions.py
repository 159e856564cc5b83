"""The one typed distribution family of a scenario: every random quantity a scenario configures.

In the spirit of Ciw's ``ciw.dists``: one typed object per distribution, each with

- ``sample(rng, size=None)``: one draw as a ``float`` (``size=None``) or an array of ``size``
  draws, from the :class:`numpy.random.Generator` the caller owns (one named stream per
  source, :func:`chansim.rng.stream`);
- ``mean`` and ``variance``: the exact moments of what ``sample`` returns (formulas below).

They are frozen pydantic models (scenario configuration), discriminated by their ``type`` tag,
so a scenario file names one with ``{type: poisson, mean: 4}``. ``mean`` and ``variance`` are
read-only attributes rather than methods because several distributions are *parametrised* by
them (``Poisson.mean``, ``NegativeBinomial.variance``, ``Exponential.mean``): the field is then
the moment itself; the others compute it as a property.

Unions, one per place a scenario draws:

=============================  ======================================================  ==========
union                          members (``type`` tag)                                  used by
=============================  ======================================================  ==========
:data:`Distribution`           poisson, negative_binomial, normal, deterministic,      demand, lead times,
                               uniform, empirical                                      deal sizes
:data:`StageDuration`          deterministic, exponential, uniform (``*_days`` names)  funnel stages, routing
:data:`ServiceTime`            exponential, deterministic, uniform                     approvals
:data:`CapabilityDistribution` beta, fixed                                             partner recruitment
=============================  ======================================================  ==========

The per-period members of :data:`Distribution` also take ``scale`` (the mean multiplier of
each draw, e.g. seasonality), ``start`` (the index of the first draw, which an ``empirical``
series in ``cycle`` mode replays from) and ``discrete`` (round to whole units). ``mean`` and
``variance`` are those of ``sample(rng, size)`` with the defaults: scale 1, continuous.

Every draw anywhere in chansim that comes from a configured distribution goes through
``sample`` (``tests/test_distributions.py`` checks that no other module dispatches on these
classes or samples them by hand).
"""

from __future__ import annotations

import math
from abc import abstractmethod
from typing import Annotated, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from chansim.config.base import MAX_DAYS, MAX_QUANTITY, Quantity

__all__ = [
    "Beta", "CapabilityDistribution", "Deterministic", "DeterministicDays", "DistributionSpec", "Distribution",
    "Empirical", "Exponential", "ExponentialDays", "Fixed", "NegativeBinomial", "Normal", "Poisson", "ServiceTime",
    "StageDuration", "Uniform", "UniformDays",
]  # fmt: skip

Days = Annotated[float, Field(ge=0, le=MAX_DAYS)]
Fraction = Annotated[float, Field(ge=0, le=1)]


class DistributionSpec(BaseModel):
    """The family's base: a frozen, typed distribution with ``sample``, ``mean`` and ``variance``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    @abstractmethod
    def sample(self, rng: np.random.Generator, size: int | None = None) -> float | np.ndarray:
        """One draw (``size=None``) or an array of ``size`` draws."""

    # ``mean`` and ``variance`` are a field or a property on every member (see the module docstring).


def _one_or_many(values: np.ndarray, size: int | None) -> float | np.ndarray:
    return float(values[0]) if size is None else values


# --------------------------------------------------------------------------- per-period quantities


class _PerPeriod(DistributionSpec):
    """A member of :data:`Distribution`: draws scaled per period, optionally whole units."""

    def sample(
        self,
        rng: np.random.Generator,
        size: int | None = None,
        *,
        scale: np.ndarray | None = None,
        start: int = 0,
        discrete: bool = False,
    ) -> float | np.ndarray:
        """``size`` draws (one float if ``size`` and ``scale`` are None), draw i with mean ``mean * scale[i]``.

        ``scale`` defaults to ones; when given, its length is the number of draws. ``start`` is the
        index of the first draw (an ``empirical`` series in ``cycle`` mode replays from it);
        ``discrete`` rounds to whole units (half up).
        """
        factors = np.ones(1 if size is None else size) if scale is None else np.asarray(scale, dtype=float)
        if size is not None and len(factors) != size:
            raise ValueError(f"scale has {len(factors)} entries, size is {size}")
        values = self._draw(rng, factors, start, discrete)
        return float(values[0]) if size is None and scale is None else values

    @abstractmethod
    def _draw(self, rng: np.random.Generator, scale: np.ndarray, start: int, discrete: bool) -> np.ndarray:
        """The member's draws for :meth:`sample`."""


class Poisson(_PerPeriod):
    """Poisson counts with the given mean per period: ``variance = mean``."""

    type: Literal["poisson"] = "poisson"
    mean: Quantity

    @property
    def variance(self) -> float:
        """``mean``."""
        return self.mean

    def _draw(self, rng: np.random.Generator, scale: np.ndarray, start: int, discrete: bool) -> np.ndarray:
        return rng.poisson(self.mean * scale).astype(float)


class NegativeBinomial(_PerPeriod):
    """Overdispersed counts: mean and variance per period (variance > mean).

    Numpy's ``negative_binomial(r, p)`` with ``p = mean / variance`` and ``r = mean p / (1 - p)``;
    under a scale the variance-to-mean ratio is kept.
    """

    type: Literal["negative_binomial"] = "negative_binomial"
    mean: Annotated[float, Field(gt=0, le=MAX_QUANTITY)]
    variance: Annotated[float, Field(gt=0, le=MAX_QUANTITY**2)]

    @model_validator(mode="after")
    def _variance_exceeds_mean(self) -> NegativeBinomial:
        if self.variance <= self.mean:
            raise ValueError(
                f"variance ({self.variance}) must exceed mean ({self.mean}); use poisson when they are equal"
            )
        return self

    def _draw(self, rng: np.random.Generator, scale: np.ndarray, start: int, discrete: bool) -> np.ndarray:
        mean = self.mean * scale
        ratio = self.variance / self.mean  # variance-to-mean kept under scaling
        p = 1.0 / ratio
        r = np.maximum(mean * p / (1.0 - p), 1e-12)
        values = rng.negative_binomial(r, p).astype(float)
        values[mean <= 0] = 0.0
        return values


class Normal(_PerPeriod):
    """Normal with mean and standard deviation per period; negative draws count as 0.

    ``mean`` and ``variance = std**2`` are those of the normal before the cut at 0: exact
    for the draws while ``mean >= 4 std`` (then under 0.004 % of the mass is cut), and an
    upper bound on ``variance`` always.
    """

    type: Literal["normal"] = "normal"
    mean: Quantity
    std: Quantity

    @property
    def variance(self) -> float:
        """``std ** 2``."""
        return self.std**2

    def _draw(self, rng: np.random.Generator, scale: np.ndarray, start: int, discrete: bool) -> np.ndarray:
        values = rng.normal(self.mean * scale, self.std * scale)
        values = np.maximum(values, 0.0)
        if discrete:
            values = np.floor(values + 0.5)
        return values


class Deterministic(_PerPeriod):
    """The same value every period: ``mean = value``, ``variance = 0``; draws nothing."""

    type: Literal["deterministic"] = "deterministic"
    value: Quantity

    @property
    def mean(self) -> float:
        """``value``."""
        return self.value

    @property
    def variance(self) -> float:
        """0."""
        return 0.0

    def _draw(self, rng: np.random.Generator, scale: np.ndarray, start: int, discrete: bool) -> np.ndarray:
        values = self.value * scale
        if discrete:
            values = np.floor(values + 0.5)
        return values


class Uniform(_PerPeriod):
    """Uniform between low and high (integers in discrete mode, inclusive).

    Continuous: ``mean = (low + high) / 2``, ``variance = (high - low)**2 / 12``.
    """

    type: Literal["uniform"] = "uniform"
    low: Quantity
    high: Quantity

    @model_validator(mode="after")
    def _ordered(self) -> Uniform:
        if self.high < self.low:
            raise ValueError(f"high ({self.high}) must be >= low ({self.low})")
        return self

    @property
    def mean(self) -> float:
        """``(low + high) / 2``."""
        return (self.low + self.high) / 2

    @property
    def variance(self) -> float:
        """``(high - low) ** 2 / 12``."""
        return (self.high - self.low) ** 2 / 12

    def _draw(self, rng: np.random.Generator, scale: np.ndarray, start: int, discrete: bool) -> np.ndarray:
        n = len(scale)
        low, high = math.ceil(self.low), math.floor(self.high)
        if discrete and low <= high:
            values = rng.integers(low, high + 1, size=n).astype(float)
        elif discrete:  # no whole number in [low, high]: the nearest one
            values = np.full(n, math.floor((self.low + self.high) / 2 + 0.5), dtype=float)
        else:
            values = rng.uniform(self.low, self.high, size=n)
        values = values * scale
        if discrete:
            values = np.floor(values + 0.5)
        return values


class Empirical(_PerPeriod):
    """A recorded series: replayed in order (``cycle``) or sampled with replacement.

    ``mean`` and ``variance`` are those of the recorded values (population variance,
    ``mean((x - mean)**2)``): exact for ``sample`` mode, and over every whole cycle.
    """

    type: Literal["empirical"] = "empirical"
    values: Annotated[list[Quantity], Field(min_length=1, max_length=100_000)]
    mode: Literal["cycle", "sample"] = "cycle"

    @property
    def mean(self) -> float:
        """The mean of ``values``."""
        return float(np.mean(self.values))

    @property
    def variance(self) -> float:
        """The population variance of ``values``."""
        return float(np.var(self.values))

    def _draw(self, rng: np.random.Generator, scale: np.ndarray, start: int, discrete: bool) -> np.ndarray:
        n = len(scale)
        series = np.asarray(self.values, dtype=float)
        if self.mode == "cycle":
            values = series[(start + np.arange(n)) % len(series)]
        else:
            values = rng.choice(series, size=n)
        values = values * scale
        if discrete:
            values = np.floor(values + 0.5)
        return values


Distribution = Annotated[
    Poisson | NegativeBinomial | Normal | Deterministic | Uniform | Empirical,
    Field(discriminator="type"),
]
"""A per-period quantity: demand, a lane's lead time (days), a lead's deal size (units)."""


# --------------------------------------------------------------------------- approval service times


class Exponential(DistributionSpec):
    """Exponential with the given mean (memoryless: the "M" of an M/M/c queue): ``variance = mean**2``."""

    type: Literal["exponential"] = "exponential"
    mean: Annotated[float, Field(gt=0, le=MAX_DAYS)]

    @property
    def variance(self) -> float:
        """``mean ** 2``."""
        return self.mean**2

    def sample(self, rng: np.random.Generator, size: int | None = None) -> float | np.ndarray:
        """``mean`` times standard exponentials."""
        return _one_or_many(rng.standard_exponential(1 if size is None else size) * self.mean, size)


ServiceTime = Annotated[Exponential | Deterministic | Uniform, Field(discriminator="type")]
"""An approval's service time in days: exponential, deterministic or uniform."""


# --------------------------------------------------------------------------- stage durations (days)


class DeterministicDays(DistributionSpec):
    """Always ``days`` days: ``mean = days``, ``variance = 0``."""

    type: Literal["deterministic"] = "deterministic"
    days: Days

    @property
    def mean(self) -> float:
        """``days``."""
        return self.days

    @property
    def variance(self) -> float:
        """0."""
        return 0.0

    @property
    def expected_days(self) -> float:
        """The mean duration."""
        return self.days

    def sample(self, rng: np.random.Generator, size: int | None = None) -> float | np.ndarray:
        """Durations (draws nothing)."""
        return _one_or_many(np.full(1 if size is None else size, self.days, dtype=float), size)

    def expected_remaining_days(self, elapsed_days: float) -> float:
        """``E[D - e | D > e]``, 0 once the duration is over."""
        return max(0.0, self.days - elapsed_days)


class ExponentialDays(DistributionSpec):
    """Exponential with mean ``mean_days`` (memoryless): ``variance = mean_days**2``."""

    type: Literal["exponential"] = "exponential"
    mean_days: Annotated[float, Field(gt=0, le=MAX_DAYS)]

    @property
    def mean(self) -> float:
        """``mean_days``."""
        return self.mean_days

    @property
    def variance(self) -> float:
        """``mean_days ** 2``."""
        return self.mean_days**2

    @property
    def expected_days(self) -> float:
        """The mean duration."""
        return self.mean_days

    def sample(self, rng: np.random.Generator, size: int | None = None) -> float | np.ndarray:
        """Durations."""
        return _one_or_many(rng.exponential(self.mean_days, 1 if size is None else size), size)

    def expected_remaining_days(self, elapsed_days: float) -> float:
        """``E[D - e | D > e] = mean``."""
        return self.mean_days


class UniformDays(DistributionSpec):
    """Uniform between ``low_days`` and ``high_days``: mean ``(low + high) / 2``, variance ``(high - low)**2 / 12``."""

    type: Literal["uniform"] = "uniform"
    low_days: Days
    high_days: Days

    @model_validator(mode="after")
    def _ordered(self) -> UniformDays:
        if self.high_days < self.low_days:
            raise ValueError(f"high_days ({self.high_days}) must be >= low_days ({self.low_days})")
        return self

    @property
    def mean(self) -> float:
        """``(low_days + high_days) / 2``."""
        return (self.low_days + self.high_days) / 2

    @property
    def variance(self) -> float:
        """``(high_days - low_days) ** 2 / 12``."""
        return (self.high_days - self.low_days) ** 2 / 12

    @property
    def expected_days(self) -> float:
        """The mean duration."""
        return self.mean

    def sample(self, rng: np.random.Generator, size: int | None = None) -> float | np.ndarray:
        """Durations."""
        return _one_or_many(rng.uniform(self.low_days, self.high_days, 1 if size is None else size), size)

    def expected_remaining_days(self, elapsed_days: float) -> float:
        """``E[D - e | D > e]``: the mean minus e before ``low``, half the rest after it."""
        if elapsed_days <= self.low_days:
            return self.expected_days - elapsed_days
        return max(0.0, (self.high_days - elapsed_days) / 2)


StageDuration = Annotated[DeterministicDays | ExponentialDays | UniformDays, Field(discriminator="type")]
"""How long a lead stays in a funnel stage (or a routed lead waits for its response), in days."""


# --------------------------------------------------------------------------- capabilities in [0, 1]


class Beta(DistributionSpec):
    """Beta(a, b) on [0, 1]: mean ``a / (a + b)``, variance ``a b / ((a + b)**2 (a + b + 1))``."""

    type: Literal["beta"] = "beta"
    a: Annotated[float, Field(gt=0, le=1e4)]
    b: Annotated[float, Field(gt=0, le=1e4)]

    @property
    def mean(self) -> float:
        """``a / (a + b)``."""
        return self.a / (self.a + self.b)

    @property
    def variance(self) -> float:
        """``a b / ((a + b)**2 (a + b + 1))``."""
        total = self.a + self.b
        return self.a * self.b / (total**2 * (total + 1))

    def sample(self, rng: np.random.Generator, size: int | None = None) -> float | np.ndarray:
        """Capabilities."""
        return _one_or_many(rng.beta(self.a, self.b, size=1 if size is None else size), size)


class Fixed(DistributionSpec):
    """The same value for everyone (exercises, tests): ``mean = value``, ``variance = 0``; draws nothing."""

    type: Literal["fixed"] = "fixed"
    value: Fraction

    @property
    def mean(self) -> float:
        """The value itself."""
        return self.value

    @property
    def variance(self) -> float:
        """0."""
        return 0.0

    def sample(self, rng: np.random.Generator, size: int | None = None) -> float | np.ndarray:
        """Capabilities (draws nothing)."""
        return _one_or_many(np.full(1 if size is None else size, self.value), size)


CapabilityDistribution = Annotated[Beta | Fixed, Field(discriminator="type")]
"""A recruit's hidden capability in [0, 1]."""
