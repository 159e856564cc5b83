"""Primitives every part of a scenario's configuration shares: limits, names, money.

The distributions are in :mod:`chansim.config.distributions`.

The lowest layer of the package: pure pydantic, importing no other chansim module, so the
scenario (:mod:`chansim.scenario`) and the business configuration (:mod:`chansim.config`)
both build on it. :mod:`chansim.scenario` re-exports every name.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["MAX_DAYS", "MAX_MONEY", "MAX_QUANTITY", "NAME_PATTERN", "Money", "Name", "NodeKind", "Quantity"]

MAX_QUANTITY = 1e9
MAX_MONEY = 1e9
MAX_DAYS = 36_500
NAME_PATTERN = r"^[A-Za-z0-9_][A-Za-z0-9_.\-]{0,63}$"

Name = Annotated[str, Field(pattern=NAME_PATTERN, description="identifier: letters, digits, _ . -")]
Quantity = Annotated[float, Field(ge=0, le=MAX_QUANTITY)]
Money = Annotated[float, Field(ge=0, le=MAX_MONEY)]


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


NodeKind = Literal["vendor", "factory", "distributor", "wholesaler", "dealer", "retailer"]
