"""The KPI cards a round step shows equal the exercise's own KPIs (``exercise.kpis()``), round after round.

A step must not recompute less than it shows: whatever shortcut the page takes, the
numbers on the cards are those of :meth:`chansim.exercises.game.Game.kpis` for the
trainee's role, over several seeds and rounds.
"""

from __future__ import annotations

import math
import os

import pytest

os.environ.setdefault("MPLBACKEND", "Agg")


def _same(shown: float, expected: float) -> bool:
    if math.isnan(expected):
        return math.isnan(shown)
    return math.isclose(shown, expected, rel_tol=1e-9, abs_tol=1e-9)


@pytest.mark.parametrize("seed, role, orders", [(0, "retailer", (4, 12, 0, 8)), (7, "wholesaler", (8, 8, 20, 2)),
                                                (42, "factory", (0, 5, 9, 30))])  # fmt: skip
def test_beer_game_cards_equal_the_exercise_kpis(seed, role, orders):
    from chansim.ui.apps import beer_game

    app = beer_game.app("en_US", seed=seed, role=role, horizon_weeks=8)
    for week, qty in enumerate(orders, start=1):
        app.busy.acknowledge()
        app.order_input.value = qty
        app.controls.advance.click()
        assert app.notice.level != "error", app.notice.text
        row = app.exercise.kpis().set_index("node").loc[role]
        for name in beer_game.KPI_NAMES:
            shown, expected = float(app.kpis.values[name]), float(row[name])
            assert _same(shown, expected), (week, name, shown, expected)


@pytest.mark.parametrize("currency, sign", [("EUR", "€"), ("USD", "$"), (None, "¥")])
def test_money_on_the_cards_is_in_the_scenarios_currency(currency, sign):
    from chansim.scenario import DEFAULT_CURRENCY
    from chansim.ui.apps import beer_game, order_desk
    from tests.ui.conftest import click

    for module, setup in ((beer_game, lambda a: setattr(a.order_input, "value", 4)), (order_desk, lambda a: None)):
        app = module.app("en_US", seed=3)
        game = app.exercise
        game.scenario = game.scenario.model_copy(update={"currency": currency})  # as a scenario that names it
        setup(app)
        click(app, app.controls.advance)
        assert app.notice.level != "error", app.notice.text
        cost = app.kpis.text("total_cost")
        assert sign in cost, (module.__name__, currency, cost)
        assert app.kpis.currency == (currency or DEFAULT_CURRENCY)
        if currency is not None:
            assert "¥" not in cost, cost
