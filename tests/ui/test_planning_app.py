"""The channel-planning app in process (widgets driven directly) and in a headless notebook run."""

from __future__ import annotations

import io

import pandas as pd
import pytest

from chansim.ui.apps import planning
from tests.ui.conftest import click, run_notebook

DESIGNS = [  # three rounds: the stage-1 footprint, add the West, then go direct to fewer towns
    {"north": 3, "south": 3, "east": 2, "west": 0, "tiers": 2, "gold": 32, "silver": 28, "bronze": 25, "budget": 0},
    {"north": 3, "south": 3, "east": 3, "west": 2, "tiers": 2, "gold": 25, "silver": 22, "bronze": 20, "budget": 0},
    {"north": 2, "south": 2, "east": 1, "west": 0, "tiers": 1, "gold": 32, "silver": 28, "bronze": 25,
     "budget": 100000},
]  # fmt: skip


def enter(page, design: dict) -> None:
    for region, box in page.dealers.items():
        box.value = design[region]
    page.tiers.value = design["tiers"]
    for tier, box in page.discounts.items():
        box.value = design[tier]
    page.budget.value = design["budget"]


@pytest.fixture
def page():
    return planning.app("en_US", seed=0)


def test_first_view_guides():
    page = planning.app("en_US", seed=0)
    assert page.exercise.outcomes == ()
    assert page.chart.draws == 0 and page.score.score is None
    assert "Learning goal" in page.page.goal.value or "goal" in page.page.goal.value.lower()
    assert "Simulate this design" in page.page.goal.value  # the steps name the button
    assert "No design yet" in page.compare.value
    assert "Simulate this design" in page.notice.text
    assert page.download.csv == ""


def test_three_designs_update_everything(page):
    cards, scores, draws = [], [], []
    for i, design in enumerate(DESIGNS, start=1):
        enter(page, design)
        click(page, page.simulate)
        assert page.notice.level == "ok", page.notice.text
        assert f"{i} of 3" in page.notice.text
        assert len(page.exercise.outcomes) == i
        latest = page.exercise.latest
        assert page.score.score == pytest.approx(latest.score.value)
        assert page.kpis.values["coverage"] == pytest.approx(latest.kpi("coverage"))
        cards.append(page.kpis.text("coverage"))
        scores.append(page.score.score)
        draws.append(page.chart.draws)
        assert page.advice.advice, "every design gets advice"
    assert draws == [1, 2, 3]
    assert len(set(cards)) == 3 and len(set(scores)) == 3
    # the second design adds the West: coverage rises and the empty-region advice is gone
    first, second, third = page.exercise.outcomes
    assert second.kpi("coverage") > first.kpi("coverage")
    assert "planning.advice.empty_regions" not in page.exercise.advise(second) and third.design.tiers == 1
    assert all(f"Design {name}" in page.compare.value for name in "ABC")
    assert "★" in page.compare.value
    table = pd.read_csv(io.StringIO(page.download.csv))
    assert list(table["design"]) == ["A", "B", "C"] and list(table["tiers"]) == [2, 2, 1]
    assert table.loc[2, "marketing_budget"] == 100000
    assert "Best score" in page.debrief.value
    assert "How the score is computed" in page.score.html.value and "budget line" in page.score.html.value
    # a fourth design is refused with a clear message; nothing is simulated
    click(page, page.simulate)
    assert page.notice.level == "error" and "At most 3 designs" in page.notice.text
    assert len(page.exercise.outcomes) == 3 and page.chart.draws == 3
    click(page, page.clear)
    assert page.exercise.outcomes == () and "No design yet" in page.compare.value
    assert page.score.score is None and page.download.csv == ""
    click(page, page.simulate)
    assert page.notice.level == "ok" and len(page.exercise.outcomes) == 1


@pytest.mark.parametrize(
    ("widget", "value", "expected"),
    [
        (lambda p: p.dealers["north"], "-1", "cannot be negative"),
        (lambda p: p.dealers["west"], "", "Please enter Dealers in West"),
        (lambda p: p.dealers["east"], "9", "too large"),
        (lambda p: p.dealers["south"], "1.5", "whole number"),
        (lambda p: p.discounts["gold"], "abc", "must be a number"),
        (lambda p: p.budget, "99999999", "too large"),
    ],
)
def test_bad_values_show_inline_messages(page, widget, value, expected):
    box = widget(page)
    box.value = value
    click(page, page.simulate)
    assert page.notice.level == "error" and expected in page.notice.text
    assert expected in box.message.text
    assert page.exercise.outcomes == ()


def test_every_bad_box_shows_its_message(page):
    page.dealers["north"].value = "-1"
    page.discounts["bronze"].value = "50"
    click(page, page.simulate)
    assert "cannot be negative" in page.notice.text  # the first one in the notice
    assert "cannot be negative" in page.dealers["north"].message.text
    assert "too large" in page.discounts["bronze"].message.text
    page.dealers["north"].value = "3"
    page.discounts["bronze"].value = "25"
    click(page, page.simulate)
    assert page.notice.level == "ok"
    assert page.dealers["north"].message.text == "" and page.discounts["bronze"].message.text == ""


def test_design_level_errors(page):
    page.discounts["gold"].value = "20"
    click(page, page.simulate)
    assert page.notice.level == "error" and "gold ≥ silver ≥ bronze" in page.notice.text
    page.discounts["gold"].value = "32"
    for box in page.dealers.values():
        box.value = 0
    click(page, page.simulate)
    assert "at least one dealer" in page.notice.text
    assert page.exercise.outcomes == ()


def test_language_switch_rerenders(page):
    enter(page, DESIGNS[0])
    click(page, page.simulate)
    draws = page.chart.draws
    page.lang.code = "zh_CN"
    assert "已模拟一年" in page.notice.text
    assert "方案 A" in page.compare.value and "覆盖率" in page.compare.value
    assert "计分公式" in page.score.html.value and "预算线" in page.score.html.value
    assert "覆盖率" in page.kpis.children[0].value
    assert page.chart.draws == draws + 1 and any("覆盖率" in text for text in page.chart.figure_texts)
    assert "渠道规划" in page.page.heading.value
    assert page.tiers.options[0][0].startswith("一级") and page.tiers.value == 2
    assert "经销商" in page.dealers["north"].label.value
    assert any("西部" in a.message for a in page.advice.advice)
    page.lang.code = "en_US"
    assert "Design A simulated" in page.notice.text and page.tiers.options[0][0].startswith("1 tier")


def test_notebook_simulates_two_designs():
    driver = """
page = _
page.dealers["west"].value = 2
page.busy.acknowledge()  # what the browser does after each step
page.simulate.click()
first = page.score.score
page.tiers.value = 1
page.busy.acknowledge()  # what the browser does after each step
page.simulate.click()
print(json.dumps({"designs": [o.design.name for o in page.exercise.outcomes], "first": first,
                  "second": page.score.score, "draws": page.chart.draws, "notice": page.notice.text,
                  "coverage": page.kpis.values["coverage"], "csv_lines": len(page.download.csv.splitlines())}))
"""
    out = run_notebook("01-planning.ipynb", driver)
    assert out["designs"] == ["A", "B"], out["notice"]
    assert out["draws"] == 2 and out["first"] != out["second"]
    assert 0 < out["coverage"] <= 1 and out["csv_lines"] == 3
