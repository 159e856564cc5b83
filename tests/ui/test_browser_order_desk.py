"""The order desk in Voilà and Chromium: three weeks typed and clicked, in both languages."""

from __future__ import annotations

import pytest

from tests.ui.conftest import shot, type_into, wait_changed

PLAYED = {"en_US": "Week 3 played: you ordered 50 refrigerators", "zh_CN": "第 3 周已完成：你补货冰箱 50 台"}
LAKESIDE = {"en_US": "Lakeside Appliance Center", "zh_CN": "湖畔家电中心"}
NEWS = {"en_US": "This week (week 4)", "zh_CN": "本周消息（第 4 周）"}


@pytest.mark.parametrize("lang", ["en_US", "zh_CN"])
def test_three_weeks_in_the_browser(open_page, lang: str) -> None:
    page = open_page("04-order-desk.ipynb", lang)
    page.wait_for_selector(".chansim-stock-chart img", timeout=60_000)
    kpi = ".chansim-kpi-total_cost .value"
    before = {
        "kpi": page.inner_text(kpi),
        "chart": page.get_attribute(".chansim-stock-chart img", "src"),
        "credit": page.inner_text(".chansim-credit-table"),
    }
    assert before["kpi"] == "–" and page.inner_text(".chansim-score").strip() == ""
    shot(page, f"order-desk-{lang}-start")
    type_into(page, "chansim-credit-1", "20000")  # dealer_n1's limit, tight
    for qty in ("40", "45", "50"):
        type_into(page, "chansim-order-input", qty, index=0)
        status = page.inner_text(".chansim-status")
        page.click(".chansim-advance")
        wait_changed(page, ".chansim-status", status)
    assert page.inner_text(".chansim-status").startswith(PLAYED[lang])
    page.wait_for_function(
        "old => { const i = document.querySelector('.chansim-stock-chart img'); return i && i.src !== old; }",
        arg=before["chart"],
    )
    assert page.inner_text(kpi) != before["kpi"]
    lakeside = [row for row in page.inner_text(".chansim-credit-table").splitlines() if LAKESIDE[lang] in row]
    assert lakeside and lakeside[0].split("\t")[1] == "20,000"  # the limit typed in week 1
    assert "\t260,000\t" in before["credit"]
    score = page.inner_text(".chansim-score")
    assert "40 × min(1, C_std / C_you)" in score and any(c.isdigit() for c in score.splitlines()[0])
    assert NEWS[lang] in page.inner_text(".chansim-news")
    assert page.locator(".chansim-money-chart img").count() == 1
    shot(page, f"order-desk-{lang}-week-4")
