"""The training app in process (widgets driven directly) and its notebook run headless."""

from __future__ import annotations

import pytest

from chansim.ui.apps import training
from tests.ui.conftest import click, run_notebook


def _play(page, seats: dict[int, object]) -> None:
    for index, value in seats.items():
        page.seat_inputs[index].value = value
    click(page, page.controls.advance)


def test_first_view_guides_the_trainee():
    page = training.app("en_US", seed=0)
    assert page.exercise.round == 0
    assert "Lakeside Appliance Center" in page.dealer_table.value
    assert "Run the quarter" == page.controls.advance.description
    assert "Round 1 of 4" in page.controls.counter.value
    assert "0 of 6 seats" in page.budget_text.value
    assert page.score.score is None
    assert page.page.goal.value.count("<li>") == 5


def test_playing_rounds_updates_kpis_charts_score_and_download():
    page = training.app("en_US", seed=1)
    draws = page.funnel_chart.draws, page.forecast_chart.draws
    _play(page, {0: 3, 3: 2, 1: "1"})  # 3 offline seats on one dealer pass the +50 % cap
    assert page.exercise.round == 1
    assert page.notice.level == "ok" and "Quarter 1 played" in page.notice.text
    assert page.funnel_chart.draws > draws[0] and page.forecast_chart.draws > draws[1]
    assert page.kpis.values["training_extra_units"] > 0
    assert page.kpis.text("funnel_win_rate").endswith("%")
    first_score = page.score.score
    assert first_score is not None and 0 <= first_score <= 100
    assert "G_ref" in page.score.html.value
    assert page.download.csv.startswith("exercise,scenario,seed,round")
    assert [b.value for b in page.seat_inputs] == ["0"] * 6  # seats start again at zero
    page.routing.value = "round_robin"
    page.training_format.value = "online"
    page.weight_inputs[3].value = "90"
    _play(page, {2: 3, 5: 3})
    plan = page.exercise.history[-1]
    assert (plan.routing, plan.training_format, plan.forecast_weights[3]) == ("round_robin", "online", 0.9)
    assert page.exercise.round == 2 and page.score.score != first_score
    assert "+" in page.dealer_table.value
    _play(page, {})
    _play(page, {0: 1})
    assert page.exercise.finished and page.controls.advance.disabled
    assert "<li>" in page.debrief.value and "Debrief" in page.page.children[-3].value
    assert "capped" in page.advice.codes and "wasted" in page.advice.value


def test_bad_values_show_inline_messages_and_nothing_is_played():
    page = training.app("en_US", seed=2)
    _play(page, {0: "-1", 1: "abc", 2: "1.5"})
    assert page.exercise.round == 0
    assert page.notice.level == "error"
    assert "cannot be negative" in page.seat_inputs[0].message.text
    assert "must be a number" in page.seat_inputs[1].message.text
    assert "whole number" in page.seat_inputs[2].message.text
    _play(page, {0: 3, 1: 3, 2: 3})
    assert page.exercise.round == 0 and "budget of 6" in page.notice.text
    for box in page.seat_inputs:
        box.value = 0
    page.weight_inputs[0].value = "120"
    click(page, page.controls.advance)
    assert page.exercise.round == 0 and "too large" in page.weight_inputs[0].message.text
    page.weight_inputs[0].value = "60"
    click(page, page.controls.advance)
    assert page.exercise.round == 1 and page.weight_inputs[0].message.text == ""


def test_undo_and_reset_put_the_decisions_back():
    page = training.app("en_US", seed=3)
    page.weight_inputs[0].value = "70"
    _play(page, {0: 1})
    page.routing.value = "fewest_open"
    _play(page, {1: 1})
    click(page, page.controls.undo)
    assert page.exercise.round == 1 and "undone" in page.notice.text
    assert page.routing.value == "territory_tier" and page.weight_inputs[0].value == "70"
    click(page, page.controls.reset)
    assert page.exercise.round == 0 and page.weight_inputs[0].value == "11.2"  # the true win probability
    assert page.download.csv == "" and page.score.score is None


def test_language_switch_rerenders_everything():
    page = training.app("en_US", seed=4)
    _play(page, {0: 2})
    english = (page.dealer_table.value, page.score.html.value, page.routing.options[0][0], page.notice.text)
    draws = page.funnel_chart.draws
    page.lang.code = "zh_CN"
    assert page.controls.advance.description == "运行本季度"
    assert "经销商" in page.dealer_table.value and page.dealer_table.value != english[0]
    assert "得分" in page.score.html.value
    assert page.routing.options[0][0] == "按区域，按等级加权（金牌多分）" and page.routing.value == "territory_tier"
    assert "第 1 季度完成" in page.notice.text
    assert page.funnel_chart.draws > draws
    assert any("转化" in text for text in page.funnel_chart.figure_texts)
    assert "培训名额" in page.seat_inputs[0].label.value


@pytest.mark.parametrize("lang", ["zh_CN", "en_US"])
def test_a_round_redraws_both_charts(lang):
    page = training.app(lang, seed=5)
    _play(page, {0: 1})
    draws = page.funnel_chart.draws, page.forecast_chart.draws
    png = page.funnel_chart.png
    _play(page, {0: 2, 3: 2})
    assert page.exercise.round == 2
    assert page.funnel_chart.draws == draws[0] + 1 and page.forecast_chart.draws == draws[1] + 1
    assert page.funnel_chart.png.startswith(b"\x89PNG") and page.funnel_chart.png != png


def test_notebook_plays_a_short_game():
    driver = """
page = _
boxes = page.seat_inputs
result = {"draws": []}
for seats in ({0: 2, 3: 2}, {1: 3, 4: 3}, {}):
    for i, n in seats.items():
        boxes[i].value = n
    page.busy.acknowledge()  # what the browser does after each step
    page.controls.advance.click()
    result["draws"].append(page.funnel_chart.draws)
result.update(round=page.exercise.round, score=page.score.score, status=page.notice.text,
              extra=page.kpis.values["training_extra_units"], csv_rows=page.download.csv.count("\\n"))
print(json.dumps(result))
"""
    out = run_notebook("03-training.ipynb", driver)
    assert out["round"] == 3
    assert out["draws"] == sorted(out["draws"]) and out["draws"][0] < out["draws"][-1]
    assert 0 <= out["score"] <= 100 and out["extra"] > 0
    assert out["csv_rows"] == 1 + 3 * 7


def test_weights_are_prefilled_win_probabilities_and_crm_values_score():
    """Regression (issue 10): the boxes ask for win probabilities; 10/25/45/70 % earned 0 of 40 forecast points."""
    page = training.app("en_US", seed=1)
    shown = [float(box.value) for box in page.weight_inputs]
    assert shown == [round(100 * w, 1) for w in page.exercise.base_weights] == [11.2, 18.8, 37.5, 75.0]
    for box, value in zip(page.weight_inputs, ("10", "25", "45", "70"), strict=True):
        box.value = value
    _play(page, {})
    points = page.exercise.score().components["forecast_points"]
    assert points > 25 and "of 40 points" in page.score.html.value
    assert "%" in page.weights_help.value and "–" not in page.weights_help.value  # measured win probabilities shown
