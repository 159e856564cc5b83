"""The beer game in Voilà and Chromium: three weeks typed and clicked, in both languages."""

from __future__ import annotations

import pytest

from tests.ui.conftest import shot, type_into, wait_changed

WEEKS = {"en_US": "Week 3: you ordered 12 cases.", "zh_CN": "第 3 周：你订了 12 箱。"}


@pytest.mark.parametrize("lang", ["en_US", "zh_CN"])
def test_three_weeks_in_the_browser(open_page, lang: str) -> None:
    page = open_page("05-beer-game.ipynb", lang)
    page.wait_for_selector(".chansim-bullwhip-chart img", timeout=60_000)
    kpi = ".chansim-kpi-total_cost .value"
    before = {
        "kpi": page.inner_text(kpi),
        "score": page.inner_text(".chansim-score"),
        "chart": page.get_attribute(".chansim-bullwhip-chart img", "src"),
        "week": page.inner_text(".chansim-week-title"),
    }
    assert before["kpi"] == "–" and before["score"].strip() == ""
    shot(page, f"beer-game-{lang}-start")
    for qty in ("4", "8", "12"):
        type_into(page, "chansim-order-input", qty)
        status = page.inner_text(".chansim-status")
        page.click(".chansim-advance")
        wait_changed(page, ".chansim-status", status)
    assert page.inner_text(".chansim-status") == WEEKS[lang]
    page.wait_for_function(
        "old => { const i = document.querySelector('.chansim-bullwhip-chart img'); return i && i.src !== old; }",
        arg=before["chart"],
    )
    assert page.inner_text(kpi) != before["kpi"]
    score = page.inner_text(".chansim-score")
    assert "100 × C_rule / C_you" in score
    assert ("Score:" if lang == "en_US" else "得分：") in score
    assert page.inner_text(".chansim-week-title") != before["week"] and "4" in page.inner_text(".chansim-week-title")
    assert page.locator(".chansim-stock-chart img").count() == 1
    shot(page, f"beer-game-{lang}-week-4")

    # a bad order is refused inline, without a traceback
    type_into(page, "chansim-order-input", "-2")
    status = page.inner_text(".chansim-status")
    page.click(".chansim-advance")
    wait_changed(page, ".chansim-status", status)
    assert "-2" in page.inner_text(".chansim-input-error")
    shot(page, f"beer-game-{lang}-bad-order")


def test_a_double_click_plays_one_week(open_page) -> None:
    """A real double click on "advance": the second click, queued while the week runs, is dropped."""
    page = open_page("05-beer-game.ipynb", "en_US")
    page.wait_for_selector(".chansim-bullwhip-chart img", timeout=60_000)
    type_into(page, "chansim-order-input", "4")
    status = page.inner_text(".chansim-status")
    page.dblclick(".chansim-advance")
    assert wait_changed(page, ".chansim-status", status) == "Week 1: you ordered 4 cases."
    # one more single click: its answer comes after the kernel has handled the double click's second half
    type_into(page, "chansim-order-input", "6")
    page.click(".chansim-advance")  # waits until the button is enabled again
    page.wait_for_function(
        "() => document.querySelector('.chansim-status').innerText.startsWith('Week 2')", timeout=60_000
    )
    assert page.inner_text(".chansim-status") == "Week 2: you ordered 6 cases."
    assert "Round 3 of 36" in page.inner_text(".chansim-round"), "the double click played two weeks"
    assert "Week 3" in page.inner_text(".chansim-week-title")


def test_enter_in_the_order_box_plays_exactly_one_week(open_page) -> None:
    """Enter did not advance the week: now it plays it, once, however fast it is pressed again."""
    page = open_page("05-beer-game.ipynb", "en_US")
    page.wait_for_selector(".chansim-bullwhip-chart img", timeout=60_000)
    box = page.locator(".chansim-order-input input")
    assert box.input_value() != "", "the order box starts pre-filled"
    box.fill("5")
    status = page.inner_text(".chansim-status")
    box.press("Enter")
    assert wait_changed(page, ".chansim-status", status) == "Week 1: you ordered 5 cases."
    assert "Round 2 of 36" in page.inner_text(".chansim-round")
    # Enter twice in a row on the pre-filled order: the second, sent before the browser saw the week end, is dropped
    page.wait_for_function("() => !document.querySelector('.chansim-order-input input').disabled", timeout=60_000)
    box.fill("7")
    status = page.inner_text(".chansim-status")
    box.press("Enter")
    box.press("Enter")
    assert wait_changed(page, ".chansim-status", status) == "Week 2: you ordered 7 cases."
    # one more week by the button: its answer comes after the kernel has handled the second Enter
    page.wait_for_function("() => !document.querySelector('.chansim-order-input input').disabled", timeout=60_000)
    type_into(page, "chansim-order-input", "6")
    page.click(".chansim-advance")
    page.wait_for_function(
        "() => document.querySelector('.chansim-status').innerText.startsWith('Week 3')", timeout=60_000
    )
    assert page.inner_text(".chansim-status") == "Week 3: you ordered 6 cases."
    assert "Round 4 of 36" in page.inner_text(".chansim-round"), "a double Enter played two weeks"
