"""The performance-evaluation app in Voilà and Chromium: three review-and-simulate cycles, both languages."""

from __future__ import annotations

import re

import pytest

from chansim.exercises.messages import CATALOGUE
from tests.ui.conftest import shot, type_into, wait_changed

CHART = ".chansim-chart-years .widget-output img"


def cells(page, row: int) -> list[str]:
    """The texts of the scorecard row ``row`` (partner, tier, status, territories, sell-out, attainment, ...)."""
    return [text.strip() for text in page.locator(f".chansim-scorecard-row-{row}").all_inner_texts()]


def percent(text: str) -> float:
    match = re.search(r"(\d+)%", text)
    return float(match.group(1)) if match else float("inf")


def weakest_dealer_row(page, lang: str) -> int:
    dealer = CATALOGUE.get("evaluation.kind.dealer", lang)
    rows = [i for i in range(page.locator(".chansim-decision").count()) if dealer in cells(page, i)[0]]
    return min(rows, key=lambda i: percent(cells(page, i)[5]))


def choose(page, row: int, action: str, lang: str) -> str:
    status = page.inner_text(".chansim-status")
    page.locator(f".chansim-decision-{row} select").select_option(
        label=CATALOGUE.get(f"evaluation.action.{action}", lang)
    )
    return wait_changed(page, ".chansim-status", status)


@pytest.mark.parametrize("lang", ["en_US", "zh_CN"])
def test_three_reviews_in_the_browser(open_page, lang):
    t = lambda key, **p: CATALOGUE.get(key, lang, **p)  # noqa: E731
    page = open_page("06-evaluation.ipynb", lang)
    page.wait_for_selector(".chansim-decision-7 select")
    page.wait_for_selector(CHART)
    assert t("evaluation.title") in page.inner_text(".chansim-title")
    shot(page, f"evaluation-{lang}-start")

    # a bad seed is refused inline, a good one starts the game again
    status = page.inner_text(".chansim-status")
    type_into(page, "chansim-seed", "-1")
    page.locator(".chansim-new-game").click()
    status = wait_changed(page, ".chansim-status", status)
    assert "-1" in page.inner_text(".chansim-input-error")
    type_into(page, "chansim-seed", "0")
    page.locator(".chansim-new-game").click()
    status = wait_changed(page, ".chansim-status", status)
    assert status == t("evaluation.new_game_done", seed=0)

    kpis, scores, charts = [page.inner_text(".chansim-kpis")], [], [page.locator(CHART).get_attribute("src")]
    for review in range(1, 4):
        if review == 1:  # replace the dealer that sells the smallest share of its target
            row = weakest_dealer_row(page, lang)
            name = cells(page, row)[0].split("\n")[0]
            status = choose(page, row, "replace", lang)
            assert status == t("evaluation.decided", partner=name, action=t("evaluation.action.replace"))
        elif review == 2:  # hand the first territory to another dealer of its region
            page.locator(".chansim-territory-to select").select_option(index=1)
            moves = page.inner_text(".chansim-territory-moves")
            status = page.inner_text(".chansim-status")
            page.locator(".chansim-territory-apply").click()
            status = wait_changed(page, ".chansim-status", status)
            assert wait_changed(page, ".chansim-territory-moves", moves) != t("evaluation.moves_none")
        else:  # promote a bronze partner
            bronze = t("evaluation.tier.bronze")
            row = next(i for i in range(8) if cells(page, i)[1] == bronze)
            choose(page, row, "promote", lang)
        status = page.inner_text(".chansim-status")
        page.locator(".chansim-advance").click()
        status = wait_changed(page, ".chansim-status", status)
        assert status.startswith(t("evaluation.simulated", year=review + 1, profit=0, bench=0)[:6]), status
        page.wait_for_function(
            "([sel, old]) => { const e = document.querySelector(sel); return e && e.getAttribute('src') !== old; }",
            arg=[CHART, charts[-1]],
        )
        charts.append(page.locator(CHART).get_attribute("src"))
        kpis.append(page.inner_text(".chansim-kpis"))
        scores.append(page.inner_text(".chansim-score"))
        shot(page, f"evaluation-{lang}-review{review}")
    assert len(set(charts)) == 4, "the year-by-year chart must change after every simulated year"
    assert len(set(kpis)) == 4 and len(set(scores)) >= 2
    assert re.search(r"\d", scores[-1]) and "clip(50 + 400" in scores[-1]
    assert t("evaluation.finished") in page.inner_text(".chansim-review")
    assert page.locator(".chansim-advance").is_disabled()
    assert page.locator(".chansim-download-link").count() == 1
    assert "Traceback" not in page.inner_text("body")
