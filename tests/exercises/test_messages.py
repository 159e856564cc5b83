"""The message catalogue: complete in both languages, placeholders agree, clear errors, no UI imports."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from chansim.business.kpis import BUSINESS_KPI_NAMES
from chansim.exercises.messages import (
    ADVICE_CODES,
    CATALOGUE,
    LANGUAGES,
    MESSAGES,
    STAGES,
    Catalogue,
    CatalogueError,
    placeholders,
)
from chansim.metrics import KPI_NAMES

CJK = re.compile(r"[\u4e00-\u9fff]")


def test_the_catalogue_checks_clean() -> None:
    assert CATALOGUE.check() == []
    assert CATALOGUE.languages == ("zh_CN", "en_US") == LANGUAGES


def test_every_key_in_both_languages_with_the_same_placeholders() -> None:
    wrong = []
    for key, entry in sorted(MESSAGES.items()):
        zh, en = entry.get("zh_CN", ""), entry.get("en_US", "")
        if set(entry) != {"zh_CN", "en_US"} or not zh.strip() or not en.strip():
            wrong.append(f"{key}: languages {sorted(entry)}")
        elif placeholders(zh) != placeholders(en):
            wrong.append(f"{key}: {sorted(placeholders(zh))} != {sorted(placeholders(en))}")
        elif not CJK.search(zh) or CJK.search(en):
            wrong.append(f"{key}: Chinese text without Chinese or English text with Chinese")
    assert wrong == []


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_template_formats_with_numbers(lang: str) -> None:
    for key, entry in MESSAGES.items():
        text = CATALOGUE.get(key, lang=lang, **dict.fromkeys(placeholders(entry[lang]), 0.5))
        assert "{" not in text, key


def test_every_kpi_has_label_unit_and_meaning() -> None:
    for name in [*KPI_NAMES, *BUSINESS_KPI_NAMES]:
        for part in ("label", "unit", "meaning"):
            for lang in LANGUAGES:
                # a money unit names the scenario's currency, which the cards fill in
                assert CATALOGUE.get(f"kpi.{name}.{part}", lang=lang, currency="人民币")
    assert "人民币" in CATALOGUE.get("kpi.revenue.unit", lang="zh_CN", currency="人民币")


def test_stages_controls_validation_scores_and_advice_are_there() -> None:
    assert len(STAGES) == 5
    keys = set(CATALOGUE.keys())
    for stage in STAGES:
        assert {f"stage.{stage}.name", f"stage.{stage}.description"} <= keys
    assert {"app.title", "control.advance_week", "control.autoplay", "control.undo", "control.reset"} <= keys
    for name in ("empty", "not_a_number", "negative", "too_large"):
        assert {"field", "minimum", "maximum"} <= placeholders(MESSAGES[f"validation.{name}"]["en_US"])
    assert {"score.title", "score.formula", "debrief.title", "debrief.advice"} <= keys
    assert {f"advice.{code}" for code in ADVICE_CODES} <= keys
    assert CATALOGUE.get("control.autoplay", lang="en_US", weeks=4) == "Auto-play 4 weeks"
    assert CATALOGUE.get("control.autoplay", lang="zh_CN", weeks=4) == "自动运行 4 周"


def test_validation_message_names_the_field_and_range() -> None:
    text = CATALOGUE.get("validation.too_large", lang="en_US", field="Order quantity", value=1e9, minimum=0,
                         maximum=1000)  # fmt: skip
    assert "Order quantity" in text and "1000" in text and "0" in text
    text = CATALOGUE.get("validation.empty", lang="zh_CN", field="订货量", minimum=0, maximum=1000)
    assert "订货量" in text and "1000" in text


def test_extra_parameters_are_ignored() -> None:
    assert CATALOGUE.get("app.title", lang="en_US", unused=1) == MESSAGES["app.title"]["en_US"]


def test_missing_key_language_translation_or_parameter_raise_clear_errors() -> None:
    with pytest.raises(CatalogueError, match=r"no message 'app.titel'.*app.title"):
        CATALOGUE.get("app.titel")
    with pytest.raises(CatalogueError, match=r"unknown language 'fr_FR'.*zh_CN, en_US"):
        CATALOGUE.get("app.title", lang="fr_FR")
    with pytest.raises(CatalogueError, match=r"needs the parameter 'weeks'"):
        CATALOGUE.get("control.autoplay", lang="zh_CN")
    with pytest.raises(CatalogueError, match=r"cannot format"):
        CATALOGUE.get("advice.amplification", lang="en_US", bullwhip="a lot")
    broken = Catalogue({"only.english": {"en_US": "hello"}})
    with pytest.raises(CatalogueError, match=r"'only.english' has no zh_CN translation"):
        broken.get("only.english", lang="zh_CN")
    assert isinstance(CatalogueError("x"), LookupError)


def test_check_reports_every_kind_of_gap() -> None:
    broken = Catalogue({
        "a": {"en_US": "hello {name}"},
        "b": {"zh_CN": "{count} 个", "en_US": "{number} items"},
        "c": {"zh_CN": "坏 {", "en_US": "bad {"},
        "d": {"zh_CN": "{0}", "en_US": "{0}"},
        "e": {"zh_CN": "{lang}", "en_US": "{lang}", "fr_FR": "x"},
    })  # fmt: skip
    problems = "\n".join(broken.check(required=["a", "z"]))
    assert "a: missing in zh_CN" in problems
    assert "b: placeholders differ" in problems
    assert "c (zh_CN): bad template" in problems
    assert "d (en_US): bad template: positional" in problems
    assert "e (en_US): reserved placeholder" in problems
    assert "e: text in unknown language 'fr_FR'" in problems
    assert "z: required but not in the catalogue" in problems
    assert "kpi." not in problems  # only the required keys given


def test_placeholders_reads_names_and_nested_specs() -> None:
    assert placeholders("{share:.0%} of {count} ({x[0]}, {y.z}) {w:{width}}") == {"share", "count", "x", "y", "w",
                                                                                  "width"}  # fmt: skip
    with pytest.raises(ValueError):
        placeholders("{}")


def test_importing_the_exercises_does_not_import_the_ui() -> None:
    code = (
        "import sys, chansim.exercises; assert set(sys.modules) >= {'chansim.exercises'};"
        "import chansim.exercises.messages, chansim.exercises.feedback;"
        "bad = [m for m in ('ipywidgets', 'matplotlib', 'voila') if m in sys.modules];"
        "assert not bad, bad"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
