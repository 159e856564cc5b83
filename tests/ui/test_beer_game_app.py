"""The beer game page in process (widgets driven like a browser would) and its notebook under nbclient."""

from __future__ import annotations

import re

import pytest

from chansim.exercises.beer_game import ROLES
from chansim.exercises.game import DecisionError, check_number
from chansim.exercises.messages import CATALOGUE
from chansim.ui.apps import beer_game
from tests.ui.conftest import run_notebook

CJK = re.compile(r"[\u4e00-\u9fff]")


def play(page, *quantities: object) -> None:
    for qty in quantities:
        page.order_input.value = qty
        page.controls.advance.click()


def test_first_view_shows_the_retailers_week_and_no_score_yet() -> None:
    page = beer_game.app("en_US")
    game = page.exercise
    assert game.role == "retailer" and game.round == 0
    assert "Week 1: what the Retailer sees" in page.app.week_title.value
    assert '<div class="value">12</div>' in page.week_view.value  # 12 cases on hand
    assert page.score.score is None and page.advice.codes == [] and page.download.csv == ""
    assert page.debrief.layout.display == "none"
    assert [label for label, _ in page.role_picker.options] == ["Retailer", "Wholesaler", "Distributor", "Factory"]


def test_weeks_played_move_the_view_kpis_score_and_charts() -> None:
    page = beer_game.app("en_US")
    draws = page.chart.draws, page.stock_chart.draws
    play(page, 4)
    game = page.exercise
    assert game.round == 1 and game.history[0].order("retailer", "beer") == 4
    assert page.notice.text == "Week 1: you ordered 4 cases." and page.notice.level == "ok"
    first_cost, first_score = page.kpis.values["total_cost"], page.score.score
    assert first_cost > 0 and first_score == pytest.approx(game.score().value)
    play(page, 20, 20, 20, 16)  # a big order reaches the wholesaler after 2 weeks: its backlog costs
    assert game.round == 5 and "Week 6" in page.app.week_title.value
    assert page.kpis.values["total_cost"] > first_cost
    assert page.score.score == pytest.approx(game.score().value) and page.score.score < first_score
    assert page.chart.draws == draws[0] + 5 and page.stock_chart.draws == draws[1] + 5
    assert "score = 100 × C_rule / C_you" in page.score.html.value
    assert "With the numbers: score = 100 ×" in page.score.html.value
    shown = re.search(r'chansim-view-last_order.*?class="value">([^<]+)<', page.week_view.value)
    assert shown is not None and shown.group(1) == "16"
    assert page.download.filename == "chansim-beer-game-retailer-classic-seed0.csv"
    assert page.download.csv.count("\n") == 6


@pytest.mark.parametrize(("typed", "key"), [("", "validation.empty"), ("-3", "validation.negative"),
                                            ("lots", "validation.not_a_number"), ("2.5", "validation.not_whole"),
                                            ("5000", "validation.too_large")])  # fmt: skip
def test_a_bad_order_is_refused_inline_and_nothing_is_played(typed: str, key: str) -> None:
    page = beer_game.app("en_US")
    play(page, typed)
    assert page.exercise.round == 0
    assert page.notice.level == "error" and page.order_input.message.text
    assert "Your order this week (cases)" in page.order_input.message.text
    assert page.order_input.message.text == page.notice.text
    with pytest.raises(DecisionError) as expected:
        check_number(typed, "Your order this week (cases)", minimum=0, maximum=1000, whole=True)
    assert expected.value.key == key
    assert page.notice.text == CATALOGUE.get(key, "en_US", **expected.value.params)
    play(page, 8)
    assert page.exercise.round == 1 and page.order_input.message.text == ""


def test_switching_language_re_renders_the_page_and_charts() -> None:
    page = beer_game.app("en_US")
    play(page, 4, 6)
    draws = page.chart.draws
    page.lang.code = "zh_CN"
    assert "第 3 周：零售商看到的情况" in page.app.week_title.value
    assert page.notice.text == "第 2 周：你订了 6 箱。"
    assert CJK.search(page.kpis.children[0].value) and CJK.search(page.score.html.value)
    assert [label for label, _ in page.role_picker.options] == ["零售商", "批发商", "分销商", "工厂"]
    assert page.role_picker.value == "retailer"
    assert page.chart.draws == draws + 1 and any(CJK.search(t) for t in page.chart.figure_texts)
    assert CJK.search(page.controls.advance.description)


def test_a_new_game_takes_the_role_and_demand_picked() -> None:
    page = beer_game.app("en_US")
    play(page, 4)
    page.role_picker.value = "factory"
    page.demand_picker.value = "random"
    page.start.click()
    game = page.exercise
    assert (game.role, game.demand, game.round) == ("factory", "random", 0)
    assert "Factory" in page.app.week_title.value and "Factory" in page.notice.text
    play(page, 5)
    assert page.exercise.history[0].order("factory", "beer") == 5


def test_undo_reset_and_autoplay_to_the_debrief() -> None:
    page = beer_game.app("en_US", horizon_weeks=10)
    play(page, 4, 30)
    page.controls.undo.click()
    assert page.exercise.round == 1 and page.notice.text == "Round 2 undone."
    page.controls.reset.click()
    assert page.exercise.round == 0 and page.score.score is None
    play(page, 4)
    page.controls.autoplay_weeks.value = 50
    page.controls.autoplay.click()
    game = page.exercise
    assert game.finished and page.notice.text == "Sterman's rule ordered for you for 9 weeks."
    assert page.controls.advance.disabled and page.order_input.text.disabled
    assert page.debrief.layout.display == "flex" and page.benchmark_chart.draws >= 1
    assert "Whole chain" in page.cost_table.value and "Retailer ★" in page.cost_table.value
    assert "The game is over (10 weeks)" in page.app.debrief_text.value
    play(page, 4)
    assert page.notice.text == "The game is over: see the debrief."


def test_a_trainee_who_ignores_the_pipeline_sees_the_advice_with_the_factor() -> None:
    page = beer_game.app("en_US", seed=1, demand="random")
    game = page.exercise
    while not game.finished:
        seen = game.stock_table().iloc[0]
        play(page, int(max(0, 12 - seen["on_hand"] + seen["backorder"] + seen["incoming_orders"])))
    assert {"pipeline", "amplification"} <= set(page.advice.codes)
    bullwhip = game.kpis().set_index("node").loc["retailer", "bullwhip"]
    assert f"Your orders amplified demand {bullwhip:.1f}×" in page.advice.value
    assert page.kpis.values["bullwhip"] == pytest.approx(bullwhip)
    page.lang.code = "zh_CN"
    assert f"放大了 {bullwhip:.1f} 倍" in page.advice.value


@pytest.mark.parametrize("role", ROLES)
def test_every_role_can_be_played_from_the_page(role: str) -> None:
    page = beer_game.app("zh_CN", role=role, horizon_weeks=3)
    play(page, 4, 4, 4)
    assert page.exercise.finished and page.exercise.role == role
    assert page.debrief.layout.display == "flex" and CJK.search(page.cost_table.value)


def test_the_notebook_plays_three_weeks_and_draws_png_charts() -> None:
    driver = """
page = _
before = page.chart.draws
for qty in (4, 12, 8):
    page.order_input.value = qty
    page.controls.advance.click()
print(json.dumps({
    "round": page.exercise.round, "score": page.score.score, "cost": float(page.kpis.values["total_cost"]),
    "draws": page.chart.draws - before, "notice": page.notice.text,
    "png": page.chart.png[:4] == b"\\x89PNG",
}))
"""
    out = run_notebook("05-beer-game.ipynb", driver)
    assert out["round"] == 3 and out["score"] > 0 and out["cost"] > 0
    assert out["draws"] == 3 and out["notice"] == "Week 3: you ordered 8 cases."
    assert out["png"], "charts must reach the page as images, not as '<Figure size ...>'"
