"""The training app in Voilà and Chromium: three quarters by typing seats and clicking, in both languages."""

from __future__ import annotations

import pytest

from tests.ui.conftest import shot, type_into, wait_changed

SEATS = [  # three quarters: the big dealers, the small shops (with a bad value first), a mix
    {0: "2", 3: "2", 1: "2"},
    {2: "3", 5: "3"},
    {0: "1", 4: "2"},
]
ROUND_DONE = {"en_US": "Quarter {n} played", "zh_CN": "第 {n} 季度完成"}


@pytest.mark.parametrize("lang", ["en_US", "zh_CN"])
def test_three_quarters_in_the_browser(open_page, lang):
    page = open_page("03-training.ipynb", lang)
    page.wait_for_selector(".chansim-seats-0 input")
    shot(page, f"training-{lang}-start")
    assert ("Run the quarter" if lang == "en_US" else "运行本季度") in page.inner_text(".chansim-advance")

    # a bad value first: an inline message, nothing played
    type_into(page, "chansim-seats-0", "-2")
    status = page.inner_text(".chansim-status")
    page.locator(".chansim-advance").click()
    status = wait_changed(page, ".chansim-status", status)
    assert "-2" in status
    assert "Round 1" in page.inner_text(".chansim-round") or "第 1 回合" in page.inner_text(".chansim-round")

    scores, kpis, charts = [], [], []
    for n, seats in enumerate(SEATS, start=1):
        for index in range(6):
            type_into(page, f"chansim-seats-{index}", seats.get(index, "0"))
        if n == 2:
            page.locator(".chansim-routing select").select_option(index=1)  # round robin
        status = page.inner_text(".chansim-status")
        page.locator(".chansim-advance").click()
        status = wait_changed(page, ".chansim-status", status)
        assert ROUND_DONE[lang].format(n=n) in status, status
        page.wait_for_selector(".chansim-forecast-chart .widget-output img")
        scores.append(page.inner_text(".chansim-score"))
        kpis.append(page.inner_text(".chansim-kpis"))
        charts.append(page.locator(".chansim-funnel-chart .widget-output img").get_attribute("src"))
        shot(page, f"training-{lang}-round{n}")
    assert len(set(charts)) == 3, "the funnel chart must change each quarter"
    assert len(set(scores)) >= 2 and len(set(kpis)) == 3
    assert ("Round 4 of 4" if lang == "en_US" else "第 4 回合，共 4 回合") in page.inner_text(".chansim-round")
    assert "chansim-download-link" in page.inner_html(".chansim-download")
    table = page.inner_text(".chansim-dealers")
    assert ("Seats so far" if lang == "en_US" else "已培训名额") in table
    assert "Traceback" not in page.inner_text("body")


def test_a_double_click_plays_one_quarter(open_page):
    """A real double click on "Run the quarter" plays one quarter; the next single click the second."""
    page = open_page("03-training.ipynb", "en_US")
    page.wait_for_selector(".chansim-seats-0 input")
    type_into(page, "chansim-seats-0", "2")
    status = page.inner_text(".chansim-status")
    page.locator(".chansim-advance").dblclick()
    status = wait_changed(page, ".chansim-status", status)
    assert "Quarter 1 played" in status, status
    page.locator(".chansim-advance").click()  # waits until the button is enabled again
    page.wait_for_function(
        "() => document.querySelector('.chansim-status').innerText.includes('Quarter 2 played')", timeout=60_000
    )
    assert "Round 3 of 4" in page.inner_text(".chansim-round"), "the double click played two quarters"
