"""Charts a beginner reads (issue 10): legends off the data, labels never cut, honest and shared scales,
one colour per role, and charts updated in place from round to round.

The tests inspect the matplotlib figures themselves: where the legend and the labels sit
(their extents, measured with the figure's renderer), the y-limits, the tick labels drawn.
"""

from __future__ import annotations

import os

import pandas as pd
import pytest

os.environ.setdefault("MPLBACKEND", "Agg")

from chansim.ui import charts  # noqa: E402
from chansim.ui.widgets import Language  # noqa: E402


def _renderer(fig):
    fig.canvas.draw()  # ticks and their labels as drawn
    return fig.canvas.get_renderer()


def _legends(fig):
    found = [ax.get_legend() for ax in fig.axes if ax.get_legend() is not None]
    return found + list(fig.legends)


def assert_legends_off_the_data(fig) -> None:
    """Every legend of ``fig`` exists, lies inside the figure and overlaps no axes (no line or bar hidden)."""
    renderer = _renderer(fig)
    legends = _legends(fig)
    assert legends, "the chart has a legend"
    whole = fig.bbox
    for legend in legends:
        box = legend.get_window_extent(renderer)
        assert box.x0 >= whole.x0 - 1 and box.x1 <= whole.x1 + 1 and box.y1 <= whole.y1 + 1, "legend inside the figure"
        for ax in fig.axes:
            assert not box.overlaps(ax.get_window_extent(renderer)), "the legend lies over a chart's data area"


def assert_texts_inside(fig) -> None:
    """Tick labels, axis labels and titles all inside the figure (nothing clipped at its edges)."""
    renderer = _renderer(fig)
    whole = fig.bbox
    for ax in fig.axes:
        texts = [*_shown_ticks(ax.xaxis), *_shown_ticks(ax.yaxis), ax.xaxis.label, ax.yaxis.label] if ax.axison else []
        texts.append(ax.title)
        texts += [t for t in ax.texts]
        for text in texts:
            if not text.get_text() or not text.get_visible():
                continue
            box = text.get_window_extent(renderer)
            assert box.x0 >= whole.x0 - 1 and box.x1 <= whole.x1 + 1, f"{text.get_text()!r} cut at a side"
            assert box.y0 >= whole.y0 - 1 and box.y1 <= whole.y1 + 1, f"{text.get_text()!r} cut at the top or bottom"


def _shown_ticks(axis) -> list:
    """The tick labels drawn: those of ticks within the axis's view (matplotlib keeps a few outside)."""
    lo, hi = sorted(axis.get_view_interval())
    span = (hi - lo) * 1e-9
    labels = axis.get_majorticklabels()
    return [t for t, v in zip(labels, axis.get_majorticklocs(), strict=False) if lo - span <= v <= hi + span]


def _tick_texts(ax) -> list[str]:
    return [t.get_text() for t in _shown_ticks(ax.yaxis)]


def _bullwhip_table(weeks: int = 6) -> pd.DataFrame:
    rows = []
    for week in range(1, weeks + 1):
        rows.append({"week": week, "level": "customers", "series": "end_demand", "qty": 4 + 4 * (week > 2),
                     "trainee": False})  # fmt: skip
        for i, level in enumerate(("retailer", "wholesaler", "distributor", "factory")):
            rows.append({"week": week, "level": level, "series": "orders", "qty": 4 + week * (i + 1) % 9,
                         "trainee": level == "retailer"})  # fmt: skip
    return pd.DataFrame(rows)


@pytest.fixture
def lang():
    return Language("en_US")


# --------------------------------------------------------------------------- legends and labels


def test_line_chart_legends_sit_right_of_the_data(lang):
    fig = charts.bullwhip_figure(_bullwhip_table(3), lang)
    assert_legends_off_the_data(fig)
    weeks = [t.get_text() for t in _shown_ticks(fig.axes[0].xaxis)]
    assert weeks and all(w.isdigit() for w in weeks), f"whole weeks only: {weeks}"
    levels = pd.DataFrame({"node": ["a", "a", "b", "b"], "sku": "x", "day": [0, 1, 0, 1], "on_hand": [5, 3, 2, 0],
                           "backorder": [0, 0, 0, 4]})  # fmt: skip
    fig = charts.stock_figure(levels, lang)
    assert_legends_off_the_data(fig)
    assert_texts_inside(fig)


def test_empty_placeholder_keeps_its_title_inside(lang):
    fig = charts.empty_figure(lang, "A rather long chart title that used to be cut at the top")
    assert_texts_inside(fig)
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert "No data yet" in texts and any("chart title" in t for t in texts)


def _card(names: list[str]) -> pd.DataFrame:
    n = len(names)
    return pd.DataFrame({
        "partner": [f"dealer_{i}" for i in range(n)], "display_name": names,
        "tier": ["gold", "silver", "bronze"] * (n // 3) + ["gold"] * (n % 3),
        "score": [90.0 - 7 * i for i in range(n)], "attainment": [1.1 - 0.05 * i for i in range(n)],
    })  # fmt: skip


def test_scorecard_names_are_whole_and_told_apart(lang):
    from chansim.ui.apps.evaluation import scorecard_figure

    names = ["Northern Appliance Supply and Logistics Co.", "Appliances", "Appliances", "Gulf Coast Distributors"]
    fig = scorecard_figure(_card(names), lang, previous=_card(names).assign(score=50.0))
    assert_texts_inside(fig)
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert len(set(labels)) == len(labels) == 4, labels
    assert "Northern Appliance Supply and Logistics Co." in labels, "a long name is shown whole"
    assert all("Appliances" in label for label in labels if "dealer_1" in label or "dealer_2" in label)


def _years(profit: list[float], attainment: list[float]) -> pd.DataFrame:
    rows = []
    for year, (p, a) in enumerate(zip(profit, attainment, strict=True), start=1):
        rows.append({"year": year, "line": "you", "channel_profit": p, "attainment": a})
        if year > 1:
            rows.append({"year": year, "line": "benchmark", "channel_profit": p * 0.999, "attainment": a - 0.001})
    return pd.DataFrame(rows)


@pytest.mark.parametrize(
    "profit, attainment",
    [
        ([22_610.0, 22_590.0, 22_630.0], [0.981, 0.9801, 0.9815]),  # a 0.09 % change
        ([5_615_000.0, 5_937_000.0, 6_090_000.0], [0.986, 1.039, 1.062]),
        ([-120_000.0, 40_000.0, 10_000.0], [0.7, 1.3, 0.9]),
    ],
)
def test_year_chart_does_not_turn_a_small_change_into_a_crash(lang, profit, attainment):
    from chansim.ui.apps.evaluation import years_figure

    fig = years_figure(_years(profit, attainment), lang)
    assert_legends_off_the_data(fig)
    assert_texts_inside(fig)
    money, share = fig.axes[0], fig.axes[1]
    lo, hi = money.get_ylim()
    top = max(abs(p) for p in profit) / 1000
    assert hi - lo >= 0.2 * top, "the profit axis spans at least a fifth of the profit"
    if min(profit) > 0:
        assert lo == 0, "a positive profit is drawn from zero"
    lo, hi = share.get_ylim()
    assert hi - lo >= 0.2 - 1e-9, "the attainment axis spans at least 20 points"
    for ax in (money, share):
        texts = _tick_texts(ax)
        assert len(texts) >= 3 and len(set(texts)) == len(texts), f"duplicate tick labels {texts}"
        assert not any("e+" in t or "e-" in t for t in texts)
    assert not money.yaxis.get_offset_text().get_text(), "no offset like +2.26e4 over the axis"


# --------------------------------------------------------------------------- the apps' charts


def _play(app, weeks: int) -> None:
    for _ in range(weeks):
        app.busy.acknowledge()
        app.order_input.value = 4
        app.controls.advance.click()
        assert app.notice.level != "error", app.notice.text


def test_beer_game_charts_update_in_place_with_one_colour_per_role():
    from chansim.ui.apps import beer_game

    app = beer_game.app("en_US", horizon_weeks=6)
    _play(app, 2)
    first = app.live_bullwhip.figure
    lines = dict(app.live_bullwhip.lines)
    _play(app, 1)
    assert app.live_bullwhip.figure is first, "the figure is kept, not rebuilt"
    assert all(app.live_bullwhip.lines[k] is line for k, line in lines.items()), "lines updated, not replaced"
    assert app.live_bullwhip.updates == 3 and app.chart.draws >= 3
    weeks = list(app.live_bullwhip.lines["end_demand"].get_xdata())
    assert weeks == [1, 2, 3], "the kept line carries the new week"
    assert app.chart.png.startswith(b"\x89PNG")
    # one colour per role in both charts
    bullwhip = {k.split(":")[1]: line.get_color() for k, line in app.live_bullwhip.lines.items() if ":" in k}
    stock = {k.split(":")[1]: line.get_color() for k, line in app.live_stock.lines.items() if k.startswith("on_hand")}
    assert bullwhip == stock and len(set(bullwhip.values())) == 4
    assert_legends_off_the_data(first)


def test_beer_game_comparison_charts_share_their_scale():
    from chansim.ui.apps import beer_game

    app = beer_game.app("en_US", horizon_weeks=6)
    _play(app, 1)
    app.busy.acknowledge()
    app.controls.autoplay_weeks.value = 10
    app.controls.autoplay.click()
    assert app.exercise.finished and app.live_benchmark is not None
    game_ax, rule_ax = app.live_bullwhip.ax, app.live_benchmark.ax
    assert game_ax.get_ylim() == rule_ax.get_ylim(), "the game and the rule are drawn on the same scale"
    top = max(
        max(map(float, line.get_ydata())) for c in (app.live_bullwhip, app.live_benchmark) for line in c.lines.values()
    )
    assert game_ax.get_ylim()[1] >= top, "no line leaves the shared range"
    game_colors = {k: line.get_color() for k, line in app.live_bullwhip.lines.items()}
    rule_colors = {k: line.get_color() for k, line in app.live_benchmark.lines.items()}
    assert game_colors == rule_colors


def test_live_chart_follows_a_language_switch():
    from chansim.ui.apps import beer_game

    app = beer_game.app("en_US", horizon_weeks=6)
    _play(app, 1)
    figure = app.live_bullwhip.figure
    app.lang.code = "zh_CN"
    assert app.live_bullwhip.figure is figure
    expected = "终端需求" if charts.cjk_font() else "End demand"
    assert expected in [t.get_text() for t in figure.axes[0].get_legend().get_texts()]


def test_planning_keeps_percent_and_score_on_separate_axes():
    from chansim.ui.apps import planning

    app = planning.app("en_US")
    app.busy.acknowledge()
    app.simulate.click()
    assert app.notice.level != "error", app.notice.text
    fig = planning.comparison_figure(app.exercise, app.lang)
    ylabels = [ax.yaxis.label.get_text() for ax in fig.axes]
    margin = next(ax for ax in fig.axes if ax.yaxis.label.get_text() == app.lang.t("planning.chart.margin"))
    score = next(ax for ax in fig.axes if ax.yaxis.label.get_text() == app.lang.t("planning.chart.score"))
    assert margin is not score and len(set(ylabels)) == len(ylabels)
    assert_legends_off_the_data(fig)
    assert_texts_inside(fig)
