"""Primitives every part of a scenario's configuration shares: limits, names, money, distributions.

The lowest layer of the package: pure pydantic, importing no other chansim module, so the
scenario (:mod:`chansim.scenario`) and the business configuration (:mod:`chansim.config`)
both build on it. :mod:`chansim.scenario` re-exports every name.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = [
    "MAX_DAYS", "MAX_MONEY", "MAX_QUANTITY", "NAME_PATTERN", "Deterministic", "Distribution", "Empirical", "Money",
    "Name", "NegativeBinomial", "NodeKind", "Normal", "Poisson", "Quantity", "Uniform",
]  # fmt: skip

MAX_QUANTITY = 1e9
MAX_MONEY = 1e9
MAX_DAYS = 36_500
NAME_PATTERN = r"^[A-Za-z0-9_][A-Za-z0-9_.\-]{0,63}$"

Name = Annotated[str, Field(pattern=NAME_PATTERN, description="identifier: letters, digits, _ . -")]
Quantity = Annotated[float, Field(ge=0, le=MAX_QUANTITY)]
Money = Annotated[float, Field(ge=0, le=MAX_MONEY)]


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# --------------------------------------------------------------------------- distributions


class Poisson(_Frozen):
    """Poisson counts with the given mean per period."""

    type: Literal["poisson"] = "poisson"
    mean: Quantity


class NegativeBinomial(_Frozen):
    """Overdispersed counts: mean and variance per period (variance > mean)."""

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


class Normal(_Frozen):
    """Normal with mean and standard deviation per period; negative draws count as 0."""

    type: Literal["normal"] = "normal"
    mean: Quantity
    std: Quantity


class Deterministic(_Frozen):
    """The same value every period."""

    type: Literal["deterministic"] = "deterministic"
    value: Quantity


class Uniform(_Frozen):
    """Uniform between low and high (integers in discrete mode, inclusive)."""

    type: Literal["uniform"] = "uniform"
    low: Quantity
    high: Quantity

    @model_validator(mode="after")
    def _ordered(self) -> Uniform:
        if self.high < self.low:
            raise ValueError(f"high ({self.high}) must be >= low ({self.low})")
        return self


class Empirical(_Frozen):
    """A recorded series: replayed in order (``cycle``) or sampled with replacement."""

    type: Literal["empirical"] = "empirical"
    values: Annotated[list[Quantity], Field(min_length=1, max_length=100_000)]
    mode: Literal["cycle", "sample"] = "cycle"


Distribution = Annotated[
    Poisson | NegativeBinomial | Normal | Deterministic | Uniform | Empirical,
    Field(discriminator="type"),
]


NodeKind = Literal["vendor", "factory", "distributor", "wholesaler", "dealer", "retailer"]
