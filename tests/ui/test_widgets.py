"""The widget toolkit: language switching, inline errors, guarded callbacks, cards, charts, downloads."""

from __future__ import annotations

import base64
import re

import pytest

from chansim.exercises.game import DecisionError
from chansim.exercises.messages import CATALOGUE, LANGUAGES
from chansim.ui import charts
from chansim.ui import widgets as ui

CJK = re.compile(r"[\u4e00-\u9fff]")


def test_catalogue_has_every_app_text_in_both_languages():
    assert CATALOGUE.check() == []


def test_language_change_rerenders_every_part():
    lang = ui.Language("en_US")
    text = ui.Text(lang, "app.title", tag="h1")
    btn = ui.button(lang, "control.undo", css="chansim-undo")
    notice = ui.Notice(lang)
    notice.show("control.nothing_to_undo", "warning")
    cards = ui.KpiCards(lang, ["fill_rate"])
    assert not CJK.search(text.value + btn.description + notice.value + cards.children[0].value)
    lang.code = "zh_CN"
    for shown in (text.value, btn.description, notice.value, cards.children[0].value):
        assert CJK.search(shown), shown
    with pytest.raises(ValueError, match="not one of"):
        lang.code = "fr_FR"


def test_language_switch_widget_drives_the_language():
    lang = ui.Language("en_US")
    switch = ui.LanguageSwitch(lang)
    switch.value = "zh_CN"
    assert lang.code == "zh_CN"


def test_initial_language_from_query_string_then_env(monkeypatch):
    monkeypatch.delenv("VOILA_PREHEAT", raising=False)
    monkeypatch.setenv("QUERY_STRING", "lang=zh_CN&x=1")
    assert ui.initial_language() == "zh_CN"
    monkeypatch.setenv("QUERY_STRING", "lang=xx")
    monkeypatch.setenv("CHANSIM_LANG", "zh_CN")
    assert ui.initial_language() == "zh_CN"
    monkeypatch.delenv("CHANSIM_LANG")
    monkeypatch.setenv("QUERY_STRING", "")
    assert ui.initial_language() == "en_US"


@pytest.mark.parametrize(
    ("typed", "key"),
    [("", "validation.empty"), ("abc", "validation.not_a_number"), ("-4", "validation.negative"),
     ("1e9", "validation.too_large"), ("2.5", "validation.not_whole")],
)  # fmt: skip
def test_number_input_names_the_field_and_the_allowed_range(typed, key):
    lang = ui.Language("en_US")
    box = ui.NumberInput(lang, "control.order_quantity", minimum=0, maximum=500)
    box.value = typed
    with pytest.raises(DecisionError) as caught:
        box.read()
    assert caught.value.key == key
    assert "Order quantity" in box.message.text and "500" in box.message.text
    lang.code = "zh_CN"
    assert "订货量" in box.message.text
    box.value = "12"
    assert box.read() == 12 and box.message.text == ""


def test_guard_turns_failures_into_messages_not_tracebacks():
    lang = ui.Language("en_US")
    notice = ui.Notice(lang)

    def bad_value():
        raise DecisionError("validation.negative", {"field": "Seats", "value": "-1", "minimum": 0, "maximum": 9})

    def bug():
        raise ZeroDivisionError("boom")

    notice.guard(bad_value)()
    assert notice.level == "error" and "Seats" in notice.text
    notice.guard(bug)()
    assert notice.level == "error" and "ZeroDivisionError" in notice.text and "Traceback" not in notice.value


def test_kpi_cards_format_by_unit():
    lang = ui.Language("en_US")
    cards = ui.KpiCards(lang, ["fill_rate", "total_cost", "bullwhip", "revenue"])
    cards.update({"fill_rate": 0.934, "total_cost": 12345.6, "bullwhip": float("nan")})
    assert cards.text("fill_rate") == "93%"
    assert cards.text("total_cost") == "CN¥12,346"  # money with the scenario's currency (CNY by default)
    assert cards.text("bullwhip") == "–" and cards.text("revenue") == "–"
    assert "amount (Chinese Yuan)" in cards.children[1].value and "fraction" not in cards.children[0].value
    lang.code = "zh_CN"
    assert cards.text("total_cost") == "¥12,346" and "金额（人民币）" in cards.children[1].value
    dollars = ui.KpiCards(ui.Language("en_US"), ["total_cost"], currency="USD")
    dollars.update({"total_cost": 12345.6})
    assert dollars.text("total_cost") == "$12,346"


def test_chart_panel_redraws_in_the_new_language():
    import pandas as pd

    lang = ui.Language("en_US")
    panel = ui.ChartPanel(lang, "debrief.bullwhip_chart")
    table = pd.DataFrame(
        {"week": [1, 2, 1, 2], "level": ["customers", "customers", "retailer", "retailer"],
         "series": ["end_demand", "end_demand", "orders", "orders"], "qty": [4, 8, 4, 12], "trainee": [0, 0, 1, 1]}
    )  # fmt: skip
    panel.draw(lambda lg: charts.bullwhip_figure(table, lg))
    assert panel.draws == 1 and "week" in panel.figure_texts
    assert panel.png.startswith(b"\x89PNG"), "the panel shows a PNG image, not the figure's text repr"
    assert "End demand" in panel.figure_texts  # legend texts are recorded too
    lang.code = "zh_CN"
    assert panel.draws == 2
    expected = "周" if charts.cjk_font() else "week"  # without a CJK font the chart falls back to English
    assert expected in panel.figure_texts


def test_download_link_carries_the_csv():
    lang = ui.Language("en_US")
    link = ui.DownloadLink(lang)
    assert "No results" in link.value
    link.update("a,b\n1,2\n", "game.csv")
    payload = re.search(r"base64,([A-Za-z0-9+/=]+)", link.value).group(1)
    assert base64.b64decode(payload).decode("utf-8-sig") == "a,b\n1,2\n"
    assert 'download="game.csv"' in link.value


def test_every_language_has_a_name_for_the_switch():
    for code in LANGUAGES:
        for shown in LANGUAGES:
            assert CATALOGUE.get(f"app.language.{code}", shown)


def test_scenario_picker_keeps_the_choice_across_languages_and_checks_the_seed():
    lang = ui.Language("en_US")
    picker = ui.ScenarioPicker(lang, {"classic": "app.language.en_US", "random": "app.language.zh_CN"}, seed=3)
    picker.dropdown.value = "random"
    assert picker.read() == ("random", 3)
    lang.code = "zh_CN"
    assert picker.dropdown.value == "random"
    assert [label for label, _ in picker.dropdown.options] == ["英语", "简体中文"]
    picker.seed.value = "-1"
    with pytest.raises(DecisionError):
        picker.read()
    assert "随机种子" in picker.seed.message.text


def test_new_figure_places_several_axes_in_the_given_boxes_without_a_layout_engine():
    import matplotlib.pyplot as plt

    lang = ui.Language("en_US")
    boxes = ((0.1, 0.1, 0.35, 0.8), (0.55, 0.1, 0.35, 0.8))
    fig, axes = charts.new_figure(lang, 1, 2, boxes=boxes)
    try:
        assert fig.get_layout_engine() is None
        assert [tuple(round(v, 6) for v in ax.get_position().bounds) for ax in axes.flat] == list(boxes)
    finally:
        plt.close(fig)
    fig, _ = charts.new_figure(lang, 1, 2)  # without boxes: the constrained layout, as before
    assert fig.get_layout_engine() is not None
    plt.close(fig)
    with pytest.raises(ValueError, match="boxes"):
        charts.new_figure(lang, 1, 2, boxes=boxes[:1])
