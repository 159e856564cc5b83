"""The home page: every exercise listed with a link that exists and keeps the language."""

from __future__ import annotations

import re

import pytest

from chansim.exercises.messages import STAGES
from chansim.ui.apps import home
from tests.ui.conftest import NOTEBOOKS, run_notebook, shot


def test_home_lists_every_exercise_and_stage_with_working_links():
    page = home.app("en_US")
    links = re.findall(r'href="([^"?]+)\?lang=en_US"', page.body_html.value)
    assert links == [ex.notebook for ex in home.EXERCISES]
    for name in links:
        assert (NOTEBOOKS / name).is_file(), f"the home page links to a missing notebook {name}"
    for stage in STAGES:
        assert page.lang.t(f"stage.{stage}.name") in page.body_html.value.replace("&#x27;", "'")
    page.page.switch.value = "zh_CN"
    assert "?lang=zh_CN" in page.body_html.value and "渠道规划" in page.body_html.value


def test_home_notebook_runs_headless():
    out = run_notebook(
        "00-home.ipynb",
        "from chansim.ui.apps import home\np = home.app()\n"
        "print(json.dumps({'n': p.body_html.value.count('chansim-exercise-link')}))",
    )
    assert out["n"] == len(home.EXERCISES)


@pytest.mark.parametrize("lang", ["en_US", "zh_CN"])
def test_home_in_the_browser(open_page, lang):
    page = open_page("00-home.ipynb", lang)
    page.wait_for_selector(".chansim-exercise-link")
    assert page.locator(".chansim-exercise-link").count() == len(home.EXERCISES)
    title = page.inner_text(".chansim-title")
    assert ("渠道" in title) == (lang == "zh_CN")
    other = "en_US" if lang == "zh_CN" else "zh_CN"
    page.locator(".chansim-language button").nth(1 if lang == "zh_CN" else 0).click()
    page.wait_for_function(
        "([sel, old]) => document.querySelector(sel).innerText !== old", arg=[".chansim-title", title]
    )
    href = page.locator(".chansim-exercise-link").first.get_attribute("href")
    assert href.endswith(f"?lang={other}")
    shot(page, f"home-{lang}")
