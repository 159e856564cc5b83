"""The package's one money convention: whole cents (:data:`Cents`), rounded once, half up.

- **Input** (a scenario's money fields, an exercise's decision, a float amount handed to a
  public API such as ``CreditDesk.check``) is in currency units: ``15000.0``, ``19.99``.
- It becomes :data:`Cents` **once, at that edge**, with :func:`to_cents`: the decimal the
  number prints as (``repr``: ``0.285`` is 0.285, not 0.28499999...) rounded to the cent,
  half up (``0.005 -> 0.01``, ``2.675 -> 2.68``). This is the only rounding rule for money in
  the package. A product of money and a fraction (a recovery share, an MDF claim fraction, a
  rebate or commission rate) is computed exactly in decimal arithmetic and rounded by
  :func:`to_cents` once (:func:`cents_times`); a split of cents over several parts
  (a recovery over invoices) is done in integers (largest remainder), so the parts add up.
- **Inside** the simulation and its records (invoices, payments, receivables, credit limits,
  exposure and reservations, bad debt, MDF, training and recruitment costs, stock credits,
  rebate and commission settlements) every amount is an ``int`` of cents: sums, comparisons
  and differences are exact, so ``invoiced = cash_received + bad_debt + receivables_end``
  holds as an integer equality, per partner and in total.
- **Tables** (the DataFrames a result hands out) show currency units, ``cents / 100``
  (:func:`to_units`: the float nearest to the cent value). :func:`cents_of` turns such a
  column back into the same integers, exactly, so a total taken from a table is exact too
  (``cents_of(money["amount"]).sum()``), where a float sum could drift by a fraction of a cent.

The inventory accounts of the money table (``revenue``, ``purchases``, ``holding_cost``, ...)
are valuations of stock flows (units x price x days), not billed amounts: they stay floats in
currency units and are turned into cents where a settlement uses them (an incentive's basis).
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal
from typing import NewType

import numpy as np

__all__ = ["CENTS_PER_UNIT", "Cents", "cents_of", "cents_times", "decimal_of", "to_cents", "to_units", "units_of"]

Cents = NewType("Cents", int)
"""An amount of money in whole cents (of the scenario's currency)."""

CENTS_PER_UNIT = 100
_ONE = Decimal(1)
_MAX_CENT_ERROR = 1e-6  # how far (in cents) a table value may be from a whole cent: float noise only ...
_RELATIVE_ERROR = 1e-15  # ... which grows with the amount (a few units in the last place of cents / 100 x 100)


def decimal_of(value: float) -> Decimal:
    """The decimal a float prints as (``3.3 -> Decimal('3.3')``, not ``3.29999...``)."""
    return Decimal(repr(float(value)))


def to_cents(amount: float | int | Decimal) -> Cents:
    """``amount`` (in currency units) in whole cents, rounded half up: the one rounding rule.

    A float counts as the decimal it prints as; a :class:`~decimal.Decimal` as itself (so an
    exact intermediate result is rounded once). Ties round away from zero (half up for the
    non-negative amounts money is). Raises ``ValueError`` for NaN or infinity.
    """
    if isinstance(amount, Decimal):
        exact = amount
    elif isinstance(amount, int):
        return Cents(amount * CENTS_PER_UNIT)
    else:
        if not math.isfinite(amount):
            raise ValueError(f"amount must be a finite number, got {amount!r}")
        exact = decimal_of(amount)
    if not exact.is_finite():
        raise ValueError(f"amount must be a finite number, got {amount!r}")
    return Cents(int(exact.scaleb(2).quantize(_ONE, rounding=ROUND_HALF_UP)))


def cents_times(cents: int, fraction: float | Decimal) -> Cents:
    """``cents x fraction``, computed exactly and rounded half up to the cent (a share of an amount)."""
    factor = fraction if isinstance(fraction, Decimal) else decimal_of(fraction)
    return Cents(int((Decimal(cents) * factor).quantize(_ONE, rounding=ROUND_HALF_UP)))


def units_of(cents: int) -> Decimal:
    """``cents`` as an exact decimal amount in currency units (``1234 -> Decimal('12.34')``)."""
    return Decimal(cents).scaleb(-2)


def to_units(cents: int) -> float:
    """``cents`` in currency units for a table (``1234 -> 12.34``): the only way out of cents."""
    return cents / CENTS_PER_UNIT


def cents_of(amounts: object) -> np.ndarray:
    """A table's money column (currency units, whole cents each) back as ``int64`` cents, exactly.

    The inverse of :func:`to_units` for every value a table of this package holds (exact for
    amounts up to 10^13 cents, far above any total a scenario's limits allow); raises
    ``ValueError`` when a value is not a whole number of cents (so a float valuation, such
    as a holding cost, is never mistaken for a settled amount).
    """
    values = np.asarray(amounts, dtype="float64")
    if not np.isfinite(values).all():
        raise ValueError("amounts must be finite")
    scaled = values * CENTS_PER_UNIT
    cents = np.rint(scaled)
    off = np.abs(scaled - cents) > _MAX_CENT_ERROR + np.abs(scaled) * _RELATIVE_ERROR
    if off.any():
        raise ValueError(f"amounts must be whole cents; {values[off][0]!r} is not")
    return cents.astype(np.int64)
