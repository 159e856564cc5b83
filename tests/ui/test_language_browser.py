"""The language switch in Chromium: ``<html lang>``, the tab title and ``?lang=`` follow it; a reload keeps it.

The served page's head says the language it was asked in (the serve layer rewrites the template's
``<html lang>`` and ``<title>``); a switch changes them and the address without a reload
(``history.replaceState``), so a reload opens the page in the language chosen last.
"""

from __future__ import annotations

from chansim.exercises.messages import CATALOGUE
from tests.ui.conftest import shot

STATE = "() => ({lang: document.documentElement.lang, title: document.title, url: location.href})"


def test_switch_title_lang_url_and_reload(open_page) -> None:
    page = open_page("03-training.ipynb", "en_US")
    page.wait_for_selector(".chansim-dealers td", timeout=120_000)
    state = page.evaluate(STATE)
    assert state["lang"] == "en-US" and state["title"] == CATALOGUE.get("stage.training.name", "en_US"), state
    assert "Lakeside Appliance Center" in page.inner_text(".chansim-dealers")

    page.locator(".chansim-language button", has_text=CATALOGUE.get("app.language.zh_CN", "zh_CN")).click()
    page.wait_for_function("() => document.documentElement.lang === 'zh-CN'", timeout=60_000)
    page.wait_for_function("() => location.search.includes('lang=zh_CN')")
    state = page.evaluate(STATE)
    assert state["title"] == CATALOGUE.get("stage.training.name", "zh_CN"), state
    assert "lang=en_US" not in state["url"]
    dealers = page.inner_text(".chansim-dealers")
    assert CATALOGUE.get("partner.dealer_n1", "zh_CN") in dealers and "Lakeside" not in dealers
    shot(page, "language-training-switched")

    page.reload(timeout=120_000)
    page.wait_for_selector(".chansim-dealers td", timeout=120_000)
    state = page.evaluate(STATE)
    assert state["lang"] == "zh-CN" and state["title"] == CATALOGUE.get("stage.training.name", "zh_CN"), state
    assert page.inner_text(".chansim-title") == CATALOGUE.get("stage.training.name", "zh_CN")
    assert CATALOGUE.get("partner.dealer_n1", "zh_CN") in page.inner_text(".chansim-dealers")
