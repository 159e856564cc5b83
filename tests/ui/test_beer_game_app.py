"""The beer game app in process (widgets driven like a browser would) and its notebook under nbclient."""

from __future__ import annotations

import re

import pytest

from chansim.exercises.beer_game import ROLES
from chansim.exercises.game import DecisionError, check_number
from chansim.exercises.messages import CATALOGUE
from chansim.ui.apps import beer_game
from tests.ui.conftest import click, run_notebook

CJK = re.compile(r"[\u4e00-\u9fff]")


def play(app, *quantities: object) -> None:
    for qty in quantities:
        app.order_input.value = qty
        click(app, app.controls.advance)


def test_first_view_shows_the_retailers_week_and_no_score_yet() -> None:
    app = beer_game.app("en_US")
    game = app.exercise
    assert game.role == "retailer" and game.round == 0
    assert "Week 1: what the Retailer sees" in app.week_title.value
    assert '<div class="value">12</div>' in app.week_view.value  # 12 cases on hand
    assert app.score.score is None and app.advice.codes == [] and app.download.csv == ""
    assert app.debrief.layout.display == "none"
    assert [label for label, _ in app.role_picker.options] == ["Retailer", "Wholesaler", "Distributor", "Factory"]


def test_weeks_played_move_the_view_kpis_score_and_charts() -> None:
    app = beer_game.app("en_US")
    draws = app.chart.draws, app.stock_chart.draws
    play(app, 4)
    game = app.exercise
    assert game.round == 1 and game.history[0].order("retailer", "beer") == 4
    assert app.notice.text == "Week 1: you ordered 4 cases." and app.notice.level == "ok"
    first_cost, first_score = app.kpis.values["total_cost"], app.score.score
    assert first_cost > 0 and first_score == pytest.approx(game.score().value)
    play(app, 20, 20, 20, 16)  # a big order reaches the wholesaler after 2 weeks: its backlog costs
    assert game.round == 5 and "Week 6" in app.week_title.value
    assert app.kpis.values["total_cost"] > first_cost
    assert app.score.score == pytest.approx(game.score().value) and app.score.score < first_score
    assert app.chart.draws == draws[0] + 5 and app.stock_chart.draws == draws[1] + 5
    assert "score = 100 × C_rule / C_you" in app.score.html.value
    assert "With the numbers: score = 100 ×" in app.score.html.value
    shown = re.search(r'chansim-view-last_order.*?class="value">([^<]+)<', app.week_view.value)
    assert shown is not None and shown.group(1) == "16"
    assert app.download.filename == "chansim-beer-game-retailer-classic-seed0.csv"
    assert app.download.csv.count("\n") == 6


@pytest.mark.parametrize(("typed", "key"), [("", "validation.empty"), ("-3", "validation.negative"),
                                            ("lots", "validation.not_a_number"), ("2.5", "validation.not_whole"),
                                            ("5000", "validation.too_large")])  # fmt: skip
def test_a_bad_order_is_refused_inline_and_nothing_is_played(typed: str, key: str) -> None:
    app = beer_game.app("en_US")
    play(app, typed)
    assert app.exercise.round == 0
    assert app.notice.level == "error" and app.order_input.message.text
    assert "Your order this week (cases)" in app.order_input.message.text
    assert app.order_input.message.text == app.notice.text
    with pytest.raises(DecisionError) as expected:
        check_number(typed, "Your order this week (cases)", minimum=0, maximum=1000, whole=True)
    assert expected.value.key == key
    assert app.notice.text == CATALOGUE.get(key, "en_US", **expected.value.params)
    play(app, 8)
    assert app.exercise.round == 1 and app.order_input.message.text == ""


def test_switching_language_re_renders_the_page_and_charts() -> None:
    app = beer_game.app("en_US")
    play(app, 4, 6)
    draws = app.chart.draws
    app.lang.code = "zh_CN"
    assert "第 3 周：零售商看到的情况" in app.week_title.value
    assert app.notice.text == "第 2 周：你订了 6 箱。"
    assert CJK.search(app.kpis.children[0].value) and CJK.search(app.score.html.value)
    assert [label for label, _ in app.role_picker.options] == ["零售商", "批发商", "分销商", "工厂"]
    assert app.role_picker.value == "retailer"
    assert app.chart.draws == draws + 1 and any(CJK.search(t) for t in app.chart.figure_texts)
    assert CJK.search(app.controls.advance.description)


def test_a_new_game_takes_the_role_and_demand_picked() -> None:
    app = beer_game.app("en_US")
    play(app, 4)
    app.role_picker.value = "factory"
    app.demand_picker.value = "random"
    click(app, app.start)
    game = app.exercise
    assert (game.role, game.demand, game.round) == ("factory", "random", 0)
    assert "Factory" in app.week_title.value and "Factory" in app.notice.text
    play(app, 5)
    assert app.exercise.history[0].order("factory", "beer") == 5


def test_undo_reset_and_autoplay_to_the_debrief() -> None:
    app = beer_game.app("en_US", horizon_weeks=10)
    play(app, 4, 30)
    click(app, app.controls.undo)
    assert app.exercise.round == 1 and app.notice.text == "Round 2 undone."
    click(app, app.controls.reset)
    assert app.exercise.round == 0 and app.score.score is None
    play(app, 4)
    app.controls.autoplay_weeks.value = 50
    click(app, app.controls.autoplay)
    game = app.exercise
    assert game.finished and app.notice.text == "Sterman's rule ordered for you for 9 weeks."
    assert app.controls.advance.disabled and app.order_input.text.disabled
    assert app.debrief.layout.display == "flex" and app.benchmark_chart.draws >= 1
    assert "Whole chain" in app.cost_table.value and "Retailer ★" in app.cost_table.value
    assert "The game is over (10 weeks)" in app.debrief_text.value
    play(app, 4)
    assert app.notice.text == "The game is over: see the debrief."


def test_a_trainee_who_ignores_the_pipeline_sees_the_advice_with_the_factor() -> None:
    app = beer_game.app("en_US", seed=1, demand="random")
    game = app.exercise
    while not game.finished:
        seen = game.stock_table().iloc[0]
        play(app, int(max(0, 12 - seen["on_hand"] + seen["backorder"] + seen["incoming_orders"])))
    assert {"pipeline", "amplification"} <= set(app.advice.codes)
    bullwhip = game.kpis().set_index("node").loc["retailer", "bullwhip"]
    assert f"Your orders amplified demand {bullwhip:.1f}×" in app.advice.value
    assert app.kpis.values["bullwhip"] == pytest.approx(bullwhip)
    app.lang.code = "zh_CN"
    assert f"放大了 {bullwhip:.1f} 倍" in app.advice.value


@pytest.mark.parametrize("role", ROLES)
def test_every_role_can_be_played_from_the_page(role: str) -> None:
    app = beer_game.app("zh_CN", role=role, horizon_weeks=3)
    play(app, 4, 4, 4)
    assert app.exercise.finished and app.exercise.role == role
    assert app.debrief.layout.display == "flex" and CJK.search(app.cost_table.value)


def test_the_notebook_plays_three_weeks_and_draws_png_charts() -> None:
    driver = """
app = _
before = app.chart.draws
for qty in (4, 12, 8):
    app.order_input.value = qty
    app.busy.acknowledge()  # what the browser does after each step
    app.controls.advance.click()
print(json.dumps({
    "round": app.exercise.round, "score": app.score.score, "cost": float(app.kpis.values["total_cost"]),
    "draws": app.chart.draws - before, "notice": app.notice.text,
    "png": app.chart.png[:4] == b"\\x89PNG",
}))
"""
    out = run_notebook("05-beer-game.ipynb", driver)
    assert out["round"] == 3 and out["score"] > 0 and out["cost"] > 0
    assert out["draws"] == 3 and out["notice"] == "Week 3: you ordered 8 cases."
    assert out["png"], "charts must reach the app as images, not as '<Figure size ...>'"


# --------------------------------------------------------------------------- issue 10: the content bugs a new user hits


def submit(app) -> None:
    """Enter in the order box, as the browser sends it (a ``submit`` message of the text box)."""
    app.order_input.text._handle_custom_msg({"event": "submit"}, [])


@pytest.mark.parametrize("lang", ["en_US", "zh_CN"])
def test_the_demand_menu_and_the_home_card_do_not_give_away_the_step(lang: str) -> None:
    """The menu said "8 from week 5": the surprise of the game was on the page before week 1."""
    app = beer_game.app(lang)
    texts = [label for label, _ in app.demand_picker.options]
    texts.append(CATALOGUE.get("exercise.beer_game.description", lang=lang))
    assert len(texts) == 3 and len(set(texts[:2])) == 2
    for text in texts:
        assert not re.search(r"\d", text), text  # no week, no quantity
        assert "doubl" not in text and "翻倍" not in text


def test_the_order_box_is_pre_filled_with_the_rules_order_every_week() -> None:
    app = beer_game.app("en_US", role="wholesaler")
    game = app.exercise
    assert app.order_input.value == f"{game.default_decision()['order']:g}" and app.order_input.value != ""
    play(app, 9)
    assert app.order_input.value == f"{game.default_decision()['order']:g}"
    click(app, app.start)  # a new game: pre-filled again
    assert app.exercise.round == 0 and app.order_input.value == f"{app.exercise.default_decision()['order']:g}"


def test_enter_in_the_order_box_plays_exactly_one_week() -> None:
    """Enter did nothing; now it plays the week with the number typed, once, through the busy state."""
    app = beer_game.app("en_US")
    app.order_input.value = 7
    submit(app)
    game = app.exercise
    assert game.round == 1 and game.history[0].order("retailer", "beer") == 7
    assert app.notice.text == "Week 1: you ordered 7 cases."
    submit(app)  # a second Enter sent before the browser saw the week end: dropped
    assert game.round == 1 and app.busy.dropped == 1
    app.busy.acknowledge()
    expected = game.default_decision()["order"]
    submit(app)  # the pre-filled rule's order, after the browser saw the step: the next week
    assert game.round == 2 and game.history[1].order("retailer", "beer") == expected
    app.busy.acknowledge()
    app.order_input.value = "-3"
    submit(app)  # a bad number is refused inline, as by the button
    assert game.round == 2 and app.notice.level == "error" and "-3" in app.order_input.message.text
