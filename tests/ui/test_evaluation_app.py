"""The performance-evaluation app in process (widgets driven from Python) and as a notebook (nbclient)."""

from __future__ import annotations

import html
import re

import pytest

from chansim.ui.apps import evaluation
from tests.ui.conftest import click, run_notebook

CJK = re.compile(r"[\u4e00-\u9fff]")


def row_of(page, partner: str) -> int:
    return page.table.partners.index(partner)


def weakest_supplied_dealer(page) -> str:
    card = page.exercise.scorecard()
    rows = card[(card["kind"] == "dealer") & (card["fill_rate"] >= 0.95) & (card["supply_fill_rate"] >= 0.9)]
    return str(rows.sort_values("attainment")["partner"].iloc[0])


def test_first_view_shows_year_one() -> None:
    page = evaluation.app("en_US", seed=0)
    assert page.exercise.year == 1 and page.exercise.round == 0
    assert page.notice.text == "Year 1 has been simulated: read the scorecards and decide."
    assert len(page.table.dropdowns) == 8 and all(d.value == "keep" for d in page.table.dropdowns)
    assert "Partner scorecards, year 1" in page.table.title.value
    assert page.kpis.text("channel_profit") != "–" and page.kpis.text("profit_vs_benchmark") == "–"
    assert page.chart.draws == 1 and page.years_chart.draws == 1
    assert page.score.score is None and "score = clip(50 + 400" in page.score.html.value
    assert page.download.csv.startswith("exercise,seed,")
    assert "Review 1 of 3: reviewing year 1" in page.review_text.value
    assert "Simulate next year" == page.controls.advance.description
    for i, dropdown in enumerate(page.table.dropdowns):
        assert f"chansim-decision-{i}" in dropdown._dom_classes


def test_a_decision_by_dropdown_reaches_the_controller_and_a_bad_one_is_refused_inline() -> None:
    page = evaluation.app("en_US", seed=0)
    weak = weakest_supplied_dealer(page)
    page.table.dropdowns[row_of(page, weak)].value = "replace"
    assert page.exercise.pending_actions == {weak: "replace"}
    assert page.notice.level == "ok" and "replace" in page.notice.text
    card = page.exercise.scorecard().set_index("partner")
    gold = card.index[card["tier"] == "gold"][0]
    dropdown = page.table.dropdowns[row_of(page, gold)]
    dropdown.value = "promote"
    assert page.notice.level == "error" and "top tier" in page.notice.text
    assert dropdown.value == "keep" and gold not in page.exercise.pending_actions  # the dropdown shows what holds


def test_territory_moves_and_their_refusals() -> None:
    page = evaluation.app("en_US", seed=0)
    game = page.exercise
    north = sorted(d for d, v in game.structure.dealers.items() if v.region == "north")
    south = sorted(d for d, v in game.structure.dealers.items() if v.region == "south")
    territory = game.structure.territories(north[0])[0]
    page.territory.source.value = territory
    page.territory.target.value = south[0]
    click(page, page.territory.apply)
    assert page.notice.level == "error" and "within a region" in page.notice.text
    page.territory.target.value = north[1]
    click(page, page.territory.apply)
    assert game.pending_moves == {territory: north[1]}
    assert page.notice.level == "ok" and "→" in page.territory.moves.value


def test_simulating_a_year_moves_the_cards_charts_score_and_download() -> None:
    page = evaluation.app("en_US", seed=0)
    before = dict(page.kpis.values)
    draws = page.chart.draws, page.years_chart.draws
    weak = weakest_supplied_dealer(page)
    page.table.dropdowns[row_of(page, weak)].value = "replace"
    click(page, page.controls.advance)
    game = page.exercise
    assert game.year == 2 and game.round == 1
    assert page.notice.text.startswith("Year 2 simulated: channel profit")
    assert page.kpis.values["channel_profit"] != before["channel_profit"]
    assert page.kpis.text("profit_vs_benchmark").startswith("+")  # replacing the hopeless dealer pays
    assert page.chart.draws > draws[0] and page.years_chart.draws > draws[1]
    assert page.score.score is not None and page.score.score > 50
    assert "Channel profit" in page.score.html.value and "Year 2: channel profit" in page.score.html.value
    assert "(new)" in "".join(
        c.value for c in page.table.grid.children if hasattr(c, "value") and isinstance(c.value, str)
    )
    assert ",2,you," in page.download.csv and ",2,benchmark," in page.download.csv
    assert all(d.value == "keep" for d in page.table.dropdowns)  # decisions start afresh each review
    assert "Review 2 of 3" in page.review_text.value


def test_the_scorecard_rows_are_updated_in_place_from_year_to_year() -> None:
    page = evaluation.app("en_US", seed=1)
    page.benchmark_thread.join(timeout=120)  # the do-nothing years were computed ahead
    dropdowns, cells = list(page.table.dropdowns), list(page.table.grid.children)
    weak = weakest_supplied_dealer(page)
    page.table.dropdowns[row_of(page, weak)].value = "replace"
    click(page, page.controls.advance)
    assert page.table.dropdowns == dropdowns and list(page.table.grid.children) == cells  # same widgets
    assert all(d.value == "keep" and not d.disabled for d in page.table.dropdowns)
    game = page.exercise
    card = game.scorecard().set_index("partner")
    for i, partner in enumerate(page.table.partners):
        texts = [c.value for c in page.table.grid.children if f"chansim-scorecard-row-{i}" in c._dom_classes]
        assert html.escape(str(card.loc[partner, "display_name"])) in texts[0]
        assert f">{card.loc[partner, 'score']:.0f}<" in texts[-1]
    newcomer = game.outcomes[-1].structure.replaced[weak]
    dropdown = page.table.dropdowns[row_of(page, newcomer)]
    dropdown.value = "promote"  # a reused dropdown decides for the partner now in its row
    assert game.pending_actions == {newcomer: "promote"}


def test_three_reviews_finish_the_game_and_undo_reset_work() -> None:
    page = evaluation.app("en_US", seed=2)
    for _ in range(3):
        click(page, page.controls.advance)
    game = page.exercise
    assert game.finished and page.controls.advance.disabled
    assert all(d.disabled for d in page.table.dropdowns) and page.territory.apply.disabled
    assert "All reviews are done" in page.review_text.value
    assert page.score.score == pytest.approx(50.0)  # doing nothing is the benchmark
    assert "hopeless_kept" in page.advice.codes
    click(page, page.controls.undo)
    assert game.round == 2 and not page.controls.advance.disabled
    assert page.notice.text == "The review before year 4 was undone."
    click(page, page.controls.reset)
    assert game.round == 0 and page.score.score is None


def test_the_seed_field_checks_its_value_and_starts_a_new_game() -> None:
    page = evaluation.app("en_US", seed=0)
    old = page.exercise
    for bad in ("", "-4", "1.5", "abc", "99999999"):
        page.seed_input.value = bad
        click(page, page.new_game)
        assert page.notice.level == "error" and "Seed" in page.seed_input.message.text, bad
        assert page.exercise is old
    page.seed_input.value = "7"
    click(page, page.new_game)
    assert page.exercise is not old and page.exercise.seed == 7
    assert page.notice.text == "New game with seed 7: review year 1." and page.seed_input.message.text == ""
    assert "Review 1 of 3" in page.review_text.value  # one controller: the app shows the new game


def test_switching_the_language_rerenders_everything() -> None:
    page = evaluation.app("en_US", seed=0)
    click(page, page.controls.advance)
    draws = page.chart.draws, page.years_chart.draws
    page.lang.code = "zh_CN"
    assert CJK.search(page.page.heading.value) and CJK.search(page.notice.text)
    assert CJK.search(page.table.title.value) and CJK.search(page.territory.moves.value)
    assert [label for label, _ in page.table.dropdowns[0].options] == ["保留", "升级", "降级", "替换"]
    assert page.controls.advance.description == "模拟下一年"
    assert CJK.search(page.score.html.value) and CJK.search(page.kpis.children[0].value)
    assert page.chart.draws == draws[0] + 1 and page.years_chart.draws == draws[1] + 1
    assert any(CJK.search(text) for text in page.chart.figure_texts)
    page.lang.code = "en_US"
    assert page.table.dropdowns[0].options[0][0] == "keep"


def test_the_notebook_plays_three_reviews_and_draws_png_charts() -> None:
    driver = """
page = _
before = page.chart.draws, page.years_chart.draws
card = page.exercise.scorecard()
rows = card[(card["kind"] == "dealer") & (card["fill_rate"] >= 0.95) & (card["supply_fill_rate"] >= 0.9)]
weak = str(rows.sort_values("attainment")["partner"].iloc[0])
page.table.dropdowns[page.table.partners.index(weak)].value = "replace"
for _round in range(3):
    page.busy.acknowledge()  # what the browser does after each step
    page.controls.advance.click()
outputs = page.years_chart.output.outputs
print(json.dumps({
    "round": page.exercise.round, "finished": page.exercise.finished, "score": page.score.score,
    "draws": [page.chart.draws - before[0], page.years_chart.draws - before[1]], "notice": page.notice.text,
    "profit_vs_benchmark": page.kpis.values["profit_vs_benchmark"],
    "png": any("image/png" in o.get("data", {}) for o in outputs),
}))
"""
    out = run_notebook("06-evaluation.ipynb", driver)
    assert out["round"] == 3 and out["finished"]
    assert out["score"] > 50 and out["profit_vs_benchmark"] > 0
    assert out["draws"] == [3, 3] and out["notice"].startswith("Year 4 simulated")
    assert out["png"], "the chart must reach the page as an image"
