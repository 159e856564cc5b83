"""Feedback on games played through the exercise controllers (what the apps show).

``test_feedback.py`` drives a raw ``Session``; here the beer game is played with
:class:`~chansim.exercises.beer_game.BeerGame` as the app plays it: each week the trainee
sees the week's incoming order and shipment, then orders.
"""

from __future__ import annotations

import pytest

from chansim.exercises.beer_game import BeerGame
from chansim.exercises.feedback import advise

DESIRED_STOCK = 12  # the cases on hand at the start


def refill_stock_only(game: BeerGame) -> None:
    """Each week: order what was asked for plus what refills the stock (and the backlog), never the supply line."""
    while not game.finished:
        seen = game.stock_table().iloc[0]
        game.order(max(0.0, DESIRED_STOCK - seen["on_hand"] + seen["backorder"] + seen["incoming_orders"]))
        game.play_round()


def pass_through(game: BeerGame) -> None:
    """Each week: order exactly the incoming order (a smooth player who never over-orders)."""
    while not game.finished:
        game.order(game.stock_table().iloc[0]["incoming_orders"])
        game.play_round()


@pytest.mark.parametrize(("role", "demand", "seed"), [("retailer", "classic", 0), ("retailer", "random", 1),
                                                      ("wholesaler", "random", 2)])  # fmt: skip
def test_a_trainee_who_ignores_the_pipeline_is_told_so_with_the_right_numbers(
    role: str, demand: str, seed: int
) -> None:
    game = BeerGame(role, seed=seed, demand=demand)
    refill_stock_only(game)
    advice = {a.code: a for a in advise(game.result(), role=role)}
    assert {"pipeline", "amplification"} <= set(advice)

    bullwhip = game.kpis().set_index("node").loc[role, "bullwhip"]
    amplification = advice["amplification"]
    assert amplification.evidence["bullwhip"] == pytest.approx(bullwhip) and bullwhip > 3
    assert amplification.severity == "critical"
    assert f"Your orders amplified demand {bullwhip:.1f}×" in amplification.message

    pipeline = advice["pipeline"]
    assert pipeline.evidence["node"] == role and pipeline.evidence["lead_weeks"] == 4
    weeks = pipeline.evidence["weeks_on_order"]
    assert weeks > 4  # more on order than the 4 weeks of delay need
    assert f"You ignored the {weeks:.1f} weeks of stock already on order" in pipeline.message

    chinese = {a.code: a for a in advise(game.result(), role=role, lang="zh_CN")}
    assert f"放大了 {bullwhip:.1f} 倍" in chinese["amplification"].message
    assert f"已经在途的 {weeks:.1f} 周库存" in chinese["pipeline"].message


def test_the_same_role_played_smoothly_gets_neither_advice() -> None:
    game = BeerGame("retailer", seed=1, demand="random")
    pass_through(game)
    codes = {a.code for a in advise(game.result(), role="retailer")}
    assert not codes & {"pipeline", "amplification"}
