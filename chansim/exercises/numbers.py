"""Every number a trainee sees, formatted one way per language, by Babel (CLDR data).

The exercises and the pages show numbers only through this module: the message catalogue
fills its templates with :class:`NumberFormatter` (a ``{share:.0%}`` or ``{cost:,.0f}`` field
is mapped to the language's CLDR pattern), and the pages' cards and tables call the
functions below. The kinds of number:

- :func:`percent` -- a share (``0.943`` -> ``94%``, ``94.3%`` with ``digits=1``); a share is always
  shown as a percentage, above 100 % too (``1.33`` -> ``133%``);
- :func:`money` -- an amount with the scenario's currency (``¥5,488,548`` in Chinese,
  ``CN¥5,488,548`` in English for yuan), whole units unless ``digits`` says otherwise;
- :func:`count` -- a whole number with grouping (``12,345``);
- :func:`decimal` -- a measured quantity with at most ``digits`` decimals, trailing zeros dropped;
- :func:`quantity` -- a number with its unit (``3 days`` / ``3天``, CLDR unit names);
- :func:`ratio` -- a multiple (``1.33×``).

Never scientific notation: ``2.261e+04`` is ``22,610``, ``1e-7`` is ``0``. NaN is ``–``,
infinity ``∞``; a value that rounds to zero shows no minus sign. Formatting is cached per
value (Babel's patterns are slow to apply: a page re-renders the same numbers on every
language switch).
"""

from __future__ import annotations

import decimal as _decimal
import functools
import math
import numbers
import re
import string
from typing import Any

from babel import Locale, UnknownLocaleError
from babel.numbers import get_currency_name, parse_pattern
from babel.units import format_unit

__all__ = [
    "DEFAULT_CURRENCY",
    "NumberFormatter",
    "count",
    "currency_name",
    "decimal",
    "format_number",
    "money",
    "percent",
    "plain",
    "quantity",
    "ratio",
]

#: The currency of a scenario that names none (``Scenario.currency``'s default).
DEFAULT_CURRENCY = "CNY"
#: Shown for a missing value (NaN, None).
MISSING = "–"
INFINITE = "∞"
#: The largest number of decimals any number on a page shows.
MAX_DIGITS = 2

# CLDR units for the quantity kinds the exercises use (babel.units names)
_CLDR_UNITS = {"days": "duration-day", "weeks": "duration-week", "months": "duration-month", "years": "duration-year"}


@functools.lru_cache(maxsize=8)
def _locale(lang: str) -> Locale:
    try:
        return Locale.parse(lang)
    except (ValueError, TypeError, LookupError, UnknownLocaleError):  # a language CLDR lacks: English patterns
        return Locale.parse("en_US")


@functools.lru_cache(maxsize=256)
def _pattern(lang: str, kind: str, digits: int, sign: bool, trim: bool) -> Any:
    """The locale's own CLDR pattern of ``kind`` (where the sign, ``%`` and ``¤`` go) with ``digits`` decimals."""
    locale = _locale(lang)
    formats = {"percent": locale.percent_formats, "money": locale.currency_formats, "decimal": locale.decimal_formats}
    own = formats[kind].get("standard" if kind == "money" else None) or formats[kind].get(None)
    base = (
        own.pattern.split(";")[0] if own is not None else {"percent": "#,##0%", "money": "¤#,##0.00"}.get(kind, "#,##0")
    )
    body = "#,##0" + ("." + ("#" if trim else "0") * digits if digits else "")
    positive = re.sub(r"[#,0]*0(?:\.[0#]+)?", body, base, count=1)
    return parse_pattern(f"+{positive};-{positive}" if sign else positive)


def _is_number(value: object) -> bool:
    return not isinstance(value, bool) and isinstance(value, numbers.Real | _decimal.Decimal)


def _special(value: object) -> tuple[float, str | None]:
    """``value`` as a float, and the text to show instead of a number (missing, infinite), if any."""
    if value is None:
        return math.nan, MISSING
    number = float(value)  # type: ignore[arg-type]
    if math.isnan(number):
        return number, MISSING
    if math.isinf(number):
        return number, INFINITE if number > 0 else "-" + INFINITE
    return number, None


@functools.lru_cache(maxsize=16384)
def _apply(kind: str, lang: str, number: float, digits: int, sign: bool, trim: bool, currency: str) -> str:
    scale = 100 if kind == "percent" else 1
    # round as shown first: a value that shows as zero is zero (no "-0"), and Babel gets the exact decimal
    shown = _decimal.Decimal(repr(number * scale if scale != 1 else number)).quantize(
        _decimal.Decimal(1).scaleb(-digits), rounding=_decimal.ROUND_HALF_EVEN
    )
    if shown == 0:  # no "-0", and no "+0": a change that shows as nothing has no direction
        shown, sign = abs(shown), False
    if scale != 1:
        shown = shown.scaleb(-2)
    pattern = _pattern(lang, kind, digits, sign, trim)
    if kind == "money":
        return pattern.apply(shown, _locale(lang), currency=currency, currency_digits=False)
    return pattern.apply(shown, _locale(lang))


def percent(value: object, lang: str, digits: int = 0, *, sign: bool = False, trim: bool = False) -> str:
    """A share as a percentage (``0.943`` -> ``94%``; ``sign`` adds ``+`` to a positive change).

    ``trim`` drops trailing zeros of the ``digits`` decimals (``0.325`` -> ``32.5%``, ``0.32`` -> ``32%``).
    """
    number, special = _special(value)
    return special if special is not None else _apply("percent", lang, number, digits, sign, trim, "")


def money(value: object, lang: str, currency: str = DEFAULT_CURRENCY, digits: int = 0, *, sign: bool = False) -> str:
    """An amount with its currency symbol (``¥1,235`` in Chinese for yuan, ``CN¥1,235`` in English)."""
    number, special = _special(value)
    return special if special is not None else _apply("money", lang, number, digits, sign, False, currency)


def count(value: object, lang: str, *, sign: bool = False) -> str:
    """A whole number with grouping (``12,345``; a fraction is rounded)."""
    number, special = _special(value)
    return special if special is not None else _apply("decimal", lang, number, 0, sign, False, "")


def decimal(value: object, lang: str, digits: int = MAX_DIGITS, *, fixed: bool = False, sign: bool = False) -> str:
    """A number with at most ``digits`` decimals (exactly ``digits`` with ``fixed``), with grouping."""
    number, special = _special(value)
    return special if special is not None else _apply("decimal", lang, number, digits, sign, not fixed, "")


def adaptive_digits(value: float) -> int:
    """Decimals worth showing for a measured quantity: 2 below 10, 1 below 100, none from 100."""
    size = abs(value) if math.isfinite(value) else 0.0
    return 2 if size < 10 else 1 if size < 100 else 0


def ratio(value: object, lang: str, digits: int | None = None) -> str:
    """A multiple, e.g. a bullwhip ratio: ``1.33×`` (``digits`` default: :func:`adaptive_digits`)."""
    number, special = _special(value)
    if special is not None:
        return special
    return decimal(number, lang, adaptive_digits(number) if digits is None else digits) + "×"


def quantity(value: object, lang: str, unit: str, digits: int = 1) -> str:
    """A number with its unit: ``days``, ``weeks``, ``months``, ``years`` by CLDR (``3 days``, ``3天``).

    Another ``unit`` is a text of the caller's (already in the trainee's language), put after the number.
    """
    number, special = _special(value)
    if special is not None:
        return special
    cldr = _CLDR_UNITS.get(unit)
    if cldr is None:
        text = decimal(number, lang, digits)
        return f"{text} {unit}" if unit else text
    return _unit(lang, number, digits, cldr)


@functools.lru_cache(maxsize=4096)
def _unit(lang: str, number: float, digits: int, cldr: str) -> str:
    shown = _decimal.Decimal(repr(number)).quantize(
        _decimal.Decimal(1).scaleb(-digits), rounding=_decimal.ROUND_HALF_EVEN
    )
    shown = abs(shown) if shown == 0 else shown.normalize() if shown == shown.to_integral() else shown
    return format_unit(shown, cldr, format="#,##0." + "#" * digits if digits else "#,##0", locale=_locale(lang))


def plain(value: object) -> str:
    """A number as a trainee types it back into a box: no grouping, no exponent (``2000000``, ``0.25``)."""
    if not _is_number(value):
        return "" if value is None else str(value)
    number = float(value)  # type: ignore[arg-type]
    if not math.isfinite(number):
        return str(number)
    if isinstance(value, numbers.Integral) or number.is_integer():
        return str(int(number))
    return format(_decimal.Decimal(repr(number)), "f")


def currency_name(currency: str, lang: str) -> str:
    """The currency's name in ``lang`` (``人民币``, ``Chinese Yuan``)."""
    return _currency_name(currency, lang)


@functools.lru_cache(maxsize=64)
def _currency_name(currency: str, lang: str) -> str:
    return get_currency_name(currency, locale=_locale(lang))


# --------------------------------------------------------------------------- str.format specs

_SPEC = re.compile(
    r"(?:(?P<fill>.)?(?P<align>[<>=^]))?(?P<sign>[-+ ])?z?#?(?P<zero>0)?(?P<width>\d+)?(?P<grouping>[,_])?"
    r"(?:\.(?P<precision>\d+))?(?P<type>[bcdeEfFgGnosxX%])?"
)


def format_number(value: object, spec: str, lang: str) -> str:
    """``value`` formatted for ``lang`` as the ``str.format`` spec ``spec`` asks, by CLDR.

    ``%`` is :func:`percent` (``.1%``: one decimal); ``f`` a fixed number of decimals; ``d`` and
    ``n`` whole numbers; ``g``, ``e`` (and no type) at most two decimals, never an exponent. A
    ``+`` sign shows ``+`` on positive numbers; width, fill and alignment apply to the text.
    Grouping separators are always used (CLDR's standard patterns), except for a bare field
    (``{year}``) with a number below 10,000: years, rounds and days stay ``2026``, ``12``.
    Anything that is not a number, or a spec for other types (``x``, ``s``), goes to Python's
    ``format``.
    """
    match = _SPEC.fullmatch(spec)
    if not _is_number(value) or match is None or (match["type"] or "") in "bcosxX" and match["type"]:
        return format(value, spec)
    kind, precision, signed = match["type"], match["precision"], match["sign"] == "+"
    digits = int(precision) if precision is not None else None
    if kind == "%":
        text = percent(value, lang, 0 if digits is None else min(digits, MAX_DIGITS), sign=signed)
    elif kind in ("f", "F"):
        text = decimal(value, lang, MAX_DIGITS if digits is None else digits, fixed=True, sign=signed)
    elif kind in ("d", "n"):
        if kind == "d" and not isinstance(value, numbers.Integral):
            return format(value, spec)  # Python refuses a float for 'd': so do we
        text = count(value, lang, sign=signed)
    else:  # g, G, e, E or no type
        number, special = _special(value)
        if special is not None:
            text = special
        elif not spec and abs(number) < 10_000 and (isinstance(value, numbers.Integral) or number.is_integer()):
            text = ("+" if signed and number > 0 else "") + str(int(number))
        else:
            text = decimal(number, lang, min(MAX_DIGITS, digits) if kind is None and digits else MAX_DIGITS,
                           sign=signed)  # fmt: skip
    if match["width"]:
        align = match["align"] or (">" if not match["zero"] else "=")
        fill = match["fill"] or ("0" if match["zero"] else " ")
        text = format(text, f"{fill}{'>' if align == '=' else align}{match['width']}")
    return text


class NumberFormatter(string.Formatter):
    """``str.format`` with every number field formatted for one language by :func:`format_number`."""

    def __init__(self, lang: str) -> None:
        super().__init__()
        self.lang = lang

    def format_field(self, value: Any, format_spec: str) -> Any:
        """A number through :func:`format_number`; anything else as ``format`` does it."""
        if _is_number(value):
            return format_number(value, format_spec, self.lang)
        return format(value, format_spec)


@functools.lru_cache(maxsize=8)
def formatter(lang: str) -> NumberFormatter:
    """The :class:`NumberFormatter` of ``lang`` (one per language)."""
    return NumberFormatter(lang)
