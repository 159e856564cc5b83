"""The recruitment app in Voilà and Chromium: three rounds by typing and clicking, in both languages."""

from __future__ import annotations

import pytest

from tests.ui.conftest import shot, type_into, wait_changed

WEIGHTS = [  # three rounds: reliable criteria first, then the noisiest only, then equal
    {"capital": "1", "regional_coverage": "2", "category_experience": "0", "credit_history": "4", "service_team": "0"},
    {"capital": "0", "regional_coverage": "0", "category_experience": "0", "credit_history": "0", "service_team": "1"},
    {"capital": "1", "regional_coverage": "1", "category_experience": "1", "credit_history": "1", "service_team": "1"},
]


def tick_two_per_region(page) -> int:
    """Tick, from the top of the ranking, the first two applicants of each region; returns how many."""
    per_region: dict[str, int] = {}
    ticked = 0
    for i in range(12):
        # the row's cells (the checkbox next to them has its own label, for screen readers)
        row = page.locator(f".chansim-choose-{i}").locator("xpath=following-sibling::*[1]")
        cells = [part for part in row.inner_text().replace("\t", "\n").split("\n") if part.strip()]
        key = cells[3]  # rank, company, city, region, ...
        if per_region.get(key, 0) < 2:
            page.locator(f".chansim-choose-{i} input").check()
            per_region[key] = per_region.get(key, 0) + 1
            ticked += 1
    return ticked


@pytest.mark.parametrize("lang", ["en_US", "zh_CN"])
def test_three_rounds_in_the_browser(open_page, lang):
    page = open_page("02-recruitment.ipynb", lang)
    page.wait_for_selector(".chansim-rank")
    shot(page, f"recruitment-{lang}-start")
    scores, kpis, charts = [], [], []
    for round_no, weights in enumerate(WEIGHTS, start=1):
        for criterion, value in weights.items():
            type_into(page, f"chansim-weight-{criterion}", value)
        status = page.inner_text(".chansim-status")
        page.locator(".chansim-rank").click()
        status = wait_changed(page, ".chansim-status", status)
        assert "12" in status
        assert tick_two_per_region(page) == 4
        page.locator(".chansim-reveal").click()
        status = wait_changed(page, ".chansim-status", status)
        assert str(round_no) in status, status
        page.wait_for_selector(".chansim-chart-rounds .widget-output img")
        scores.append(page.inner_text(".chansim-score"))
        kpis.append(page.inner_text(".chansim-kpis"))
        charts.append(page.locator(".chansim-chart-rounds .widget-output img").get_attribute("src"))
        shot(page, f"recruitment-{lang}-round{round_no}")
    assert len(set(charts)) == 3, "the score-by-round chart must change each round"
    assert len(set(scores)) >= 2 and len(set(kpis)) >= 2
    outcome = page.inner_text(".chansim-outcome")
    assert ("Round 3 revealed" in outcome) if lang == "en_US" else ("第 3 轮揭晓" in outcome)
    assert "Traceback" not in page.inner_text("body")


def test_the_reveal_shows_the_working_indicator_and_a_double_click_reveals_once(open_page):
    """The reveal takes seconds: "Simulating…" shows and the buttons are disabled until it is done."""
    page = open_page("02-recruitment.ipynb", "en_US")
    page.wait_for_selector(".chansim-rank")
    assert page.inner_text(".chansim-working").strip() == ""
    status = page.inner_text(".chansim-status")
    page.locator(".chansim-rank").click()
    status = wait_changed(page, ".chansim-status", status)
    assert tick_two_per_region(page) == 4
    page.locator(".chansim-reveal").dblclick()
    page.wait_for_function(
        "() => document.querySelector('.chansim-working').innerText.includes('Simulating')", timeout=30_000
    )
    assert page.locator(".chansim-reveal").is_disabled() and page.locator(".chansim-undo").is_disabled()
    shot(page, "recruitment-en_US-working")
    status = wait_changed(page, ".chansim-status", status, timeout=120_000)
    assert status.startswith("Round 1 revealed"), status
    page.wait_for_function("() => document.querySelector('.chansim-working').innerText.trim() === ''")
    # the next single click (rank) answers after the kernel has handled the double click's second half
    page.locator(".chansim-rank").click()
    wait_changed(page, ".chansim-status", status)
    assert "Round 2 of 3" in page.inner_text(".chansim-round"), "the double click revealed two rounds"
