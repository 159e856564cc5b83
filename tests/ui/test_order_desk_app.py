"""The order desk page in process (widgets driven like a browser would) and its notebook under nbclient."""

from __future__ import annotations

import re

import pytest

from chansim.exercises.order_desk import DISTRIBUTOR, PARTNERS
from chansim.ui.apps import order_desk
from tests.ui.conftest import click, run_notebook

CJK = re.compile(r"[\u4e00-\u9fff]")
SKUS = ("fridge", "washer", "microwave")


def advance(page, orders: dict[str, object] | None = None) -> None:
    for sku, qty in (orders or {}).items():
        page.order_inputs[SKUS.index(sku)].value = qty
    click(page, page.controls.advance)


def test_first_view_prefills_the_standard_orders_and_the_credit_limits() -> None:
    page = order_desk.app("en_US")
    game = page.exercise
    assert game.round == 0 and "This week (week 1)" in page.news.value and "Nothing unusual" in page.news.value
    for sku, box in zip(SKUS, page.order_inputs, strict=True):
        assert float(box.value) == game.suggestion(DISTRIBUTOR, sku)
    limits = game.credit_table().set_index("partner")["credit_limit"]
    assert [float(box.value) for box in page.credit_inputs] == [limits[p] for p in PARTNERS]
    assert page.allocation.value == "priority" and len(page.allocation.options) == 3
    assert (
        "Northern Appliance Supply" in page.credit_table.value and "French-door refrigerator" in page.stock_table.value
    )
    assert page.score.score is None and page.download.csv == ""


def test_a_week_with_orders_a_credit_limit_and_an_allocation_rule() -> None:
    page = order_desk.app("en_US")
    game = page.exercise
    page.credit_inputs[PARTNERS.index("dealer_n1")].value = "20000"
    page.allocation.value = "proportional"
    draws = page.chart.draws, page.money_chart.draws
    advance(page, {"fridge": 45, "washer": 60, "microwave": 120})
    assert game.round == 1 and game.allocation == "proportional"
    assert [game.history[0].order(DISTRIBUTOR, sku) for sku in SKUS] == [45, 60, 120]
    actions = {(a.kind, a.subject): a.value for a in game.history[0].actions}
    assert actions == {("credit_limit", "dealer_n1"): 20000.0, ("allocation", DISTRIBUTOR): 1.0}
    assert "changed 2 settings" in page.notice.text and "45 refrigerators" in page.notice.text
    assert "20,000" in page.credit_table.value and float(page.credit_inputs[1].value) == 20000
    assert page.allocation.value == "proportional"
    assert page.chart.draws == draws[0] + 1 and page.money_chart.draws == draws[1] + 1
    first = dict(page.kpis.values)
    assert first["total_cost"] > 0 and 0 <= first["otif"] <= 1
    assert page.score.score == pytest.approx(game.score().value)
    assert "score = 40 × min(1, C_std / C_you) + 40 × OTIF + 20 × min(1, 1 / BW)" in page.score.html.value
    for _ in range(2):
        advance(page)  # the pre-filled suggestions; nothing else changed
    assert game.round == 3 and not [a for a in game.history[2].actions if a.kind != "approval"]
    assert page.kpis.values["total_cost"] > first["total_cost"]
    assert page.kpis.values["orders_held_share"] > 0  # dealer_n1 ran into its low limit
    assert page.download.csv.count("credit_limit") == 1


@pytest.mark.parametrize(("where", "typed"), [("order", "-5"), ("order", ""), ("credit", "lots"), ("credit", "-1")])
def test_bad_values_are_refused_inline_and_nothing_is_played(where: str, typed: str) -> None:
    page = order_desk.app("en_US")
    box = page.order_inputs[1] if where == "order" else page.credit_inputs[2]
    box.value = typed
    click(page, page.controls.advance)
    assert page.exercise.round == 0 and page.exercise.pending_actions == ()
    assert page.notice.level == "error" and box.message.text == page.notice.text
    assert box.field in box.message.text
    box.value = "30" if where == "order" else "150000"
    click(page, page.controls.advance)
    assert page.exercise.round == 1 and box.message.text == ""


def test_the_news_tells_the_week_events_in_both_languages() -> None:
    page = order_desk.app("en_US")
    for _ in range(3):
        advance(page)
    assert "This week (week 4)" in page.news.value
    assert "Rebuilding surge: end-customer demand at the three dealers is 150% of normal" in page.news.value
    page.lang.code = "zh_CN"
    assert "本周消息（第 4 周）" in page.news.value and "灾后重建需求激增" in page.news.value
    for _ in range(2):
        advance(page)
    assert "港口拥堵" in page.news.value  # week 6: days 35-41


def test_switching_language_re_renders_tables_cards_and_charts() -> None:
    page = order_desk.app("en_US")
    advance(page)
    draws = page.chart.draws
    page.lang.code = "zh_CN"
    assert CJK.search(page.stock_table.value) and CJK.search(page.credit_table.value)
    assert CJK.search(page.kpis.children[0].value) and CJK.search(page.score.html.value)
    assert [label for label, _ in page.allocation.options][0] == "先到先得" and page.allocation.value == "priority"
    assert page.notice.text.startswith("第 1 周已完成")
    assert page.chart.draws == draws + 1 and any(CJK.search(t) for t in page.chart.figure_texts)
    assert CJK.search(page.order_inputs[0].label.value)


def test_undo_reset_and_autoplay_to_the_debrief() -> None:
    page = order_desk.app("en_US", horizon_weeks=6)
    advance(page, {"fridge": 10})
    page.credit_inputs[3].value = 90000
    advance(page)
    click(page, page.controls.undo)
    assert page.exercise.round == 1 and float(page.credit_inputs[3].value) == 45000
    click(page, page.controls.reset)
    assert page.exercise.round == 0 and page.score.score is None
    page.controls.autoplay_weeks.value = 10
    click(page, page.controls.autoplay)
    assert page.exercise.finished and page.notice.text == "The standard process played 6 weeks for you."
    assert page.controls.advance.disabled and all(box.text.disabled for box in page.order_inputs)
    assert page.debrief.layout.display == "flex" and page.bullwhip_chart.draws >= 1
    assert "The game is over (6 weeks)" in page.debrief_text.value
    assert "Port congestion" in page.events_list.value and page.advice.codes


def test_the_notebook_plays_three_weeks_and_draws_png_charts() -> None:
    driver = """
page = _
page.credit_inputs[1].value = "30000"
for qty in (40, 55, 35):
    page.order_inputs[0].value = qty
    page.busy.acknowledge()  # what the browser does after each step
    page.controls.advance.click()
print(json.dumps({
    "round": page.exercise.round, "score": page.score.score, "cost": float(page.kpis.values["total_cost"]),
    "draws": page.chart.draws, "notice": page.notice.text, "limits": len(page.exercise.history[0].actions),
    "png": page.chart.png[:4] == b"\\x89PNG",
}))
"""
    out = run_notebook("04-order-desk.ipynb", driver)
    assert out["round"] == 3 and 0 < out["score"] <= 100 and out["cost"] > 0 and out["limits"] == 1
    assert out["draws"] >= 4 and out["notice"].startswith("Week 3 played: you ordered 35 refrigerators")
    assert out["png"], "charts must reach the page as images, not as '<Figure size ...>'"


# --------------------------------------------------------------------------- issue 10: approve or hold, a week-1 order


def test_week_one_is_pre_filled_with_an_order_not_zero() -> None:
    page = order_desk.app("en_US")
    assert all(float(box.value) > 0 for box in page.order_inputs)
    assert "No order is waiting for approval." in page.pending_title.value and page.approval_inputs == {}


@pytest.mark.parametrize("lang", ["en_US", "zh_CN"])
def test_the_page_approves_or_holds_each_held_order(lang: str) -> None:
    """The page promised "approve or hold orders": each held order has its row and choice, pre-filled."""
    page = order_desk.app(lang)
    game = page.exercise
    page.credit_inputs[PARTNERS.index("dealer_n3")].value = 5000
    advance(page)
    pending = game.held_orders()
    assert list(page.approval_inputs) == list(pending["order"]) and len(pending) > 0
    assert {o: box.value for o, box in page.approval_inputs.items()} == game.standard_approvals()
    first, box = next(iter(page.approval_inputs.items()))
    row = page.pending_box.children[0].children[0].value
    assert f"#{first}" in row and page.lang.t("operations.partner.dealer_n3") in row
    assert page.lang.t(f"operations.sku.{pending['sku'].iloc[0]}") in row
    assert [label for label, _ in box.options] == [page.lang.t("operations.approval.approve"),
                                                   page.lang.t("operations.approval.hold")]  # fmt: skip
    assert box in page.busy.controls
    box.value = "approve" if box.value == "hold" else "hold"
    chosen = box.value
    advance(page)
    assert game.played_decisions()[-1]["approvals"][first] == chosen
    if lang == "zh_CN":
        assert CJK.search(page.pending_title.value)
