"""The planning app in Voilà and Chromium: three designs typed and simulated, in both languages."""

from __future__ import annotations

import pytest

from tests.ui.conftest import shot, type_into

DESIGNS = [  # the stage-1 footprint; add the West with a leaner ladder; go direct to fewer towns with a budget
    {
        "north": "3",
        "south": "3",
        "east": "2",
        "west": "0",
        "tiers": 1,
        "gold": "32",
        "silver": "28",
        "bronze": "25",
        "budget": "0",
    },
    {
        "north": "3",
        "south": "3",
        "east": "3",
        "west": "2",
        "tiers": 1,
        "gold": "25",
        "silver": "22",
        "bronze": "20",
        "budget": "0",
    },
    {
        "north": "2",
        "south": "2",
        "east": "1",
        "west": "0",
        "tiers": 0,
        "gold": "32",
        "silver": "28",
        "bronze": "25",
        "budget": "100000",
    },
]  # fmt: skip  (tiers: index of the toggle button, 0 = one tier, 1 = two tiers)
DONE = {"en_US": "{i} of 3 designs compared", "zh_CN": "已对比 {i}/3 个方案"}
TOO_MANY = {"en_US": "At most 3 designs", "zh_CN": "最多只能并排比较 3 个方案"}


@pytest.mark.parametrize("lang", ["en_US", "zh_CN"])
def test_three_designs_in_the_browser(open_page, lang):
    page = open_page("01-planning.ipynb", lang)
    page.wait_for_selector(".chansim-simulate")
    shot(page, f"planning-{lang}-start")
    kpis, scores, charts = [], [], []
    for i, design in enumerate(DESIGNS, start=1):
        for region in ("north", "south", "east", "west"):
            type_into(page, f"chansim-dealers-{region}", design[region])
        for tier in ("gold", "silver", "bronze"):
            type_into(page, f"chansim-{tier}", design[tier])
        type_into(page, "chansim-budget", design["budget"])
        page.locator(".chansim-tiers button").nth(design["tiers"]).click()
        page.locator(".chansim-simulate").click()
        page.wait_for_function(
            "text => document.querySelector('.chansim-status').innerText.includes(text)",
            arg=DONE[lang].format(i=i),
            timeout=60_000,
        )
        page.wait_for_selector(".chansim-chart .widget-output img")
        page.wait_for_function(
            "n => document.querySelectorAll('.chansim-compare-table tr:first-child th').length === n", arg=i + 1
        )
        kpis.append(page.inner_text(".chansim-kpis"))
        scores.append(page.inner_text(".chansim-score"))
        charts.append(page.locator(".chansim-chart .widget-output img").get_attribute("src"))
        shot(page, f"planning-{lang}-design{i}")
    assert len(set(kpis)) == 3, "the KPI cards must change with each design"
    assert len(set(scores)) == 3, "the score must change with each design"
    assert len(set(charts)) == 3, "the comparison chart must change with each design"
    formula = "How the score is computed" if lang == "en_US" else "计分公式"
    assert formula in scores[-1]
    compare = page.inner_text(".chansim-compare")
    assert all(name in compare for name in "ABC")
    assert page.locator(".chansim-download-link").count() == 1
    # a fourth design is refused with a message, then "Clear designs" empties the comparison
    page.locator(".chansim-simulate").click()
    page.wait_for_function(
        "text => document.querySelector('.chansim-status').innerText.includes(text)", arg=TOO_MANY[lang]
    )
    page.locator(".chansim-clear").click()  # it asks first ("click again to confirm"), then clears
    page.wait_for_selector(".chansim-clear.chansim-confirming")
    assert page.locator(".chansim-compare-table").count() == 1, "one click on 'clear designs' cleared them"
    page.locator(".chansim-clear").click()
    page.wait_for_function("() => !document.querySelector('.chansim-compare-table')")
    shot(page, f"planning-{lang}-cleared")
    assert "Traceback" not in page.inner_text("body")
