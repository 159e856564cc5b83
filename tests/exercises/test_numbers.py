"""The number formatter (chansim.exercises.numbers): Babel's CLDR patterns per language, never an exponent."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
from babel.numbers import format_currency, format_decimal, format_percent

from chansim.exercises import numbers
from chansim.exercises.game import DecisionError, Score, check_number
from chansim.exercises.messages import CATALOGUE, KPI_UNITS, LANGUAGES, Catalogue

NO_EXPONENT = re.compile(r"^[^eE]*$")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_kinds_of_number_follow_cldr(lang):
    assert numbers.percent(0.943, lang) == format_percent(0.943, locale=lang) == "94%"
    assert numbers.percent(0.9434, lang, 1) == "94.3%"
    assert numbers.percent(0.123, lang, 1, sign=True) == "+12.3%"
    assert numbers.percent(-0.05, lang, sign=True) == "-5%"
    assert numbers.count(22610.4, lang) == format_decimal(22610, locale=lang) == "22,610"
    assert numbers.decimal(45.0, lang) == "45"
    assert numbers.decimal(2.5, lang, 2, fixed=True) == "2.50"
    assert numbers.decimal(1234567.891, lang) == "1,234,567.89"
    assert numbers.ratio(1.333, lang) == "1.33×"
    assert numbers.ratio(4521.44, lang) == "4,521×"


def test_money_carries_the_currency_of_each_language():
    assert numbers.money(5488548.2, "zh_CN") == "¥5,488,548"
    assert numbers.money(5488548.2, "en_US") == "CN¥5,488,548"
    assert numbers.money(1234.5, "en_US", "USD", 2) == format_currency(1234.5, "USD", locale="en_US") == "$1,234.50"
    assert numbers.money(3, "zh_CN", "USD") == "US$3"
    assert numbers.money(-94826, "zh_CN", sign=True) == "-¥94,826"
    assert numbers.money(94826, "en_US", sign=True) == "+CN¥94,826"
    assert numbers.currency_name("CNY", "zh_CN") == "人民币"


def test_quantities_use_cldr_unit_names():
    assert numbers.quantity(3, "en_US", "days") == "3 days"
    assert numbers.quantity(1, "en_US", "weeks") == "1 week"
    assert numbers.quantity(3, "zh_CN", "days") == "3天"
    assert numbers.quantity(2.55, "en_US", "days") == "2.6 days"
    assert numbers.quantity(12, "en_US", "cases") == "12 cases"


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("value", [2.261e4, 1e20, 1e-7, -3.2e-9, 6.02e23, 123456789.123])
def test_never_scientific_notation(lang, value):
    for text in (
        numbers.decimal(value, lang), numbers.count(value, lang), numbers.percent(value, lang),
        numbers.money(value, lang), numbers.ratio(value, lang), numbers.plain(value),
        numbers.format_number(value, "g", lang), numbers.format_number(value, ",.4g", lang),
        numbers.format_number(value, "", lang), numbers.format_number(value, "e", lang),
    ):  # fmt: skip
        assert NO_EXPONENT.match(text), text


def test_missing_infinite_and_negative_zero():
    for fn in (numbers.decimal, numbers.count, numbers.percent, numbers.money, numbers.ratio):
        assert fn(math.nan, "en_US") == "–"
        assert fn(None, "en_US") == "–"
    assert numbers.decimal(math.inf, "en_US") == "∞"
    assert numbers.decimal(-0.001, "en_US") == "0"
    assert numbers.percent(-0.0001, "zh_CN") == "0%"
    assert numbers.money(-0.2, "zh_CN") == "¥0"
    assert numbers.money(0.2, "en_US", sign=True) == "CN¥0" and numbers.percent(0.001, "en_US", sign=True) == "0%"


def test_plain_is_what_a_text_box_parses_back():
    for value, text in [(2e6, "2000000"), (75.0, "75"), (0.1, "0.1"), (1e-7, "0.0000001"), (4, "4"), ("", "")]:
        assert numbers.plain(value) == text
        if text:
            assert float(text) == float(value)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_format_specs_map_to_cldr(lang):
    f = numbers.formatter(lang)
    assert f.format("{a:.0%}", a=0.5) == "50%"
    assert f.format("{a:+.0%}", a=0.05) == "+5%"
    assert f.format("{a:,.0f} {b:.1f} {c:.2f}", a=22610.7, b=3.25, c=1) == "22,611 3.2 1.00"
    assert f.format("{a:g} {b:g} {c:,.4g}", a=22610.0, b=0.5, c=0.74666) == "22,610 0.5 0.75"
    assert f.format("{a} {b} {c} {d}", a=45.0, b=2026, c=123456, d="x") == "45 2026 123,456 x"
    assert f.format("{a:d}", a=np.int64(12345)) == "12,345"
    assert f.format("{a:>6.0f}|", a=3.0) == "     3|"
    assert f.format("{a:.1f}", a=math.nan) == "–"
    assert f.format("{a}", a=True) == "True"


def test_the_catalogue_fills_its_templates_through_the_formatter():
    catalogue = Catalogue({"x.cost": {"zh_CN": "成本 {cost:,.0f}", "en_US": "cost {cost:g}"}})
    assert catalogue.get("x.cost", "en_US", cost=2.261e4) == "cost 22,610"
    assert catalogue.get("x.cost", "zh_CN", cost=np.float64(2.261e4)) == "成本 22,610"
    text = CATALOGUE.get("score.cost_term", "en_US", cost=22610.0, benchmark_cost=1.5e7, points=3.14159)
    assert text == "Cost 22,610 against a benchmark of 15,000,000: −3.1 points"


def test_validation_messages_show_bounds_as_the_trainee_typed_them():
    with pytest.raises(DecisionError) as caught:
        check_number("50", "Discount", maximum=45.0)
    for lang in LANGUAGES:
        text = CATALOGUE.get(caught.value.key, lang, **caught.value.params)
        assert "45.0" not in text and "45" in text
    assert "from 0 to 45." in str(caught.value)


def test_score_formulas_show_grouped_numbers_never_an_exponent():
    score = Score(value=77.24, formula_key="k", formula="score = 100 × C_rule / C_you",
                  params={"C_rule": 22610.0, "C_you": 29271.3})  # fmt: skip
    for lang in LANGUAGES:
        assert score.text(lang) == "score = 100 × 22,610 / 29,271 = 77.2"


def test_one_representation_per_kpi_attainment_always_a_percentage():
    from chansim.ui.widgets import Language, format_kpi

    assert KPI_UNITS["target_attainment"] == "fraction"
    for lang in LANGUAGES:
        shown = [format_kpi(Language(lang), "target_attainment", v) for v in (1.14, 0.94, 1.33)]
        assert shown == ["114%", "94%", "133%"]
        assert format_kpi(Language(lang), "total_cost", 8754.2) == numbers.money(8754.2, lang)
        assert format_kpi(Language(lang), "bullwhip", 4521.44) == "4,521"
        assert format_kpi(Language(lang), "training_forecast_error", -5.0) == "-5%"


def test_the_scenario_names_its_currency_and_refuses_an_unknown_one():
    import chansim.scenario as sc
    from chansim import io

    assert sc.DEFAULT_CURRENCY == numbers.DEFAULT_CURRENCY
    assert "currency" in sc.Scenario.model_json_schema()["properties"]
    shop = {"name": "shop", "kind": "retailer", "lanes": [{"supplier": None, "lead_time_days": 1}],
            "policy": {"type": "base_stock", "order_up_to": 5}}  # fmt: skip
    market = {
        "name": "m",
        "served_by": "shop",
        "demand": [{"sku": "w", "distribution": {"type": "poisson", "mean": 1}}],
    }
    base = {"name": "s", "skus": [{"name": "w", "unit_cost": 1, "list_price": 2}], "nodes": [shop], "markets": [market]}
    assert io.parse_scenario(base).money_currency == "CNY"
    tagged = io.parse_scenario({**base, "metadata": {"currency": "USD"}})  # the generator's tag
    assert tagged.currency is None and tagged.money_currency == "USD"
    assert io.parse_scenario({**base, "currency": "EUR"}).money_currency == "EUR"
    for bad in ("XYZ", "usd"):
        with pytest.raises(io.ScenarioError) as caught:
            io.parse_scenario({**base, "currency": bad})
        assert "currency" in str(caught.value) and bad in str(caught.value)


def test_another_language_gets_its_own_cldr_placement_of_sign_and_symbol():
    # the patterns come from each locale's CLDR data, not from English: a catalogue language added later works
    assert numbers.money(1234, "de_DE", "EUR") == "1.234\xa0€"
    assert numbers.percent(-0.123, "de_DE", 1) == "-12,3\xa0%"
    assert numbers.decimal(1234.5, "xx_YY") == "1,234.5"  # a language CLDR does not know: English patterns
