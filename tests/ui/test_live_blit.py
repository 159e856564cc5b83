"""Live charts are blitted: a round step draws only the data lines on a kept background.

The honest check: every blitted frame, decoded, equals a full ``savefig`` of the same figure
(what a one-off chart would show), over many updates, a change of limits and a language
switch; and the number of full draws over a whole game stays small (counts, not times).
"""

from __future__ import annotations

import io
import os

import numpy as np
import pytest

os.environ.setdefault("MPLBACKEND", "Agg")

from chansim.ui import charts  # noqa: E402
from tests.ui.conftest import click  # noqa: E402


def _pixels(png: bytes) -> np.ndarray:
    from PIL import Image

    return np.asarray(Image.open(io.BytesIO(png)).convert("RGBA")).astype(int)


def _full_render(figure) -> bytes:
    buffer = io.BytesIO()
    with charts.font_context():
        figure.savefig(buffer, format="png", dpi=figure.dpi)
    return buffer.getvalue()


def assert_same_picture(png: bytes, figure) -> None:
    """``png`` shows what a full draw of ``figure`` shows (a few antialiasing levels of tolerance)."""
    shown, full = _pixels(png), _pixels(_full_render(figure))
    assert shown.shape == full.shape
    diff = np.abs(shown - full).max(axis=2)
    assert diff.max() <= 8 and (diff > 0).mean() < 1e-3, f"{(diff > 0).sum()} pixels differ, by up to {diff.max()}"


def _series(n: int, scale: float = 1.0, label: str = "Orders") -> list[charts.Series]:
    x = list(range(1, n + 1))
    return [
        charts.Series("demand", x, [4 * scale + (i * 7) % 9 * scale for i in x], "End demand", "black",
                      linewidth=2.2, drawstyle="steps-mid", zorder=3),
        charts.Series("orders", x, [scale * ((i * 5) % 11) for i in x], label, charts.COLORS[0], drawstyle="steps-mid"),
        charts.Series("backlog", x, [-((i * 3) % 4) for i in x], "Backlog", charts.COLORS[1], linestyle="--"),
        charts.Series("zero", x, [0] * n, "Nothing", charts.COLORS[2]),  # on the zero line and the bottom spine
    ]  # fmt: skip


def test_blitted_frames_equal_full_renders_through_limit_and_label_changes():
    live = charts.LiveChart(xlim=(0.5, 12.5))
    keys = []
    for week in range(1, 13):
        scale = 1.0 if week < 7 else 6.0  # week 7: the data outgrow the y range
        label = "Orders" if week < 10 else "订单 / orders"  # week 10: a new legend label (a language switch)
        live.update(_series(week, scale, label), xlabel="Week", ylabel="Units", zero_line=True)
        if week == 4:  # a download at another resolution between two weeks leaves the kept background valid
            live.figure.savefig(io.BytesIO(), format="png", dpi=150)
        png = live.render_png()
        assert png.startswith(b"\x89PNG")
        assert_same_picture(png, live.figure)
        keys.append(live.static_key())
    assert live.blits > live.full_draws >= 3, "a first draw, a limit change and a label change drew in full"
    changes = 1 + sum(a != b for a, b in zip(keys, keys[1:], strict=False))
    assert live.full_draws == changes, "a full draw exactly when the static state changed"
    assert live.ax.get_xlim() == (0.5, 12.5), "the x range asked for is kept"
    assert live.ax.get_ylim()[1] >= 6 * 12, "no line leaves the range"


def test_y_range_is_sticky_and_round_and_starts_again_for_a_new_game():
    live = charts.LiveChart()
    live.update(_series(5, 3.0), xlabel="Week", ylabel="Units")
    low, high = live.ax.get_ylim()
    assert high == charts.calm_ceiling(high) and high >= max(_series(5, 3.0)[0].y)
    live.update(_series(6, 1.0), xlabel="Week", ylabel="Units")  # smaller data: the range does not shrink
    assert live.ax.get_ylim() == (low, high)
    live.update(_series(2, 1.0), xlabel="Week", ylabel="Units")  # fewer weeks: a new game, its own range
    assert live.ax.get_ylim()[1] < high
    live.reset()
    live.update(_series(2, 0.5), xlabel="Week", ylabel="Units")
    assert live.ax.get_ylim()[1] <= charts.calm_ceiling(max(_series(2, 0.5)[0].y) * 1.08)
    assert [charts.calm_ceiling(v) for v in (0.9, 1.0, 11, 13, 170, 4100)] == [1.0, 1.0, 12.0, 15.0, 200.0, 5000.0]


def _play_beer(app, weeks: int) -> None:
    for _ in range(weeks):
        app.busy.acknowledge()
        app.order_input.value = 4 + app.exercise.round % 5 * 3
        app.controls.advance.click()
        assert app.notice.level != "error", app.notice.text


def test_beer_game_blits_its_weekly_charts_and_draws_in_full_only_a_few_times():
    from chansim.ui.apps import beer_game

    app = beer_game.app("en_US", horizon_weeks=20)
    panels = {"bullwhip": (app.chart, app.live_bullwhip), "stock": (app.stock_chart, app.live_stock)}
    legends: dict[str, list] = {name: [] for name in panels}
    for week in range(1, 21):
        _play_beer(app, 1)
        for name, (panel, live) in panels.items():
            legends[name].append(tuple(panel.figure_texts))
            if week in (1, 8, 20):
                assert_same_picture(panel.png, live.figure)
    assert app.exercise.finished
    for name, (_panel, live) in panels.items():
        assert live.updates == 20 and live.full_draws + live.blits == 20
        # a backlog line appearing changes the legend (a full draw); the y range grows at most a few times
        new_legends = 1 + sum(a != b for a, b in zip(legends[name], legends[name][1:], strict=False))
        assert live.full_draws - new_legends <= 3, f"{name}: {live.full_draws} full draws in 20 weeks"
        assert live.ax.get_xlim() == (0.5, 20.5)
    assert app.live_bullwhip.full_draws <= 5
    assert app.chart.figure_texts and any("End demand" in t for t in app.chart.figure_texts)
    full = app.live_bullwhip.full_draws
    app.lang.code = "zh_CN"  # new labels: one full draw, and the picture still matches a full render
    assert app.live_bullwhip.full_draws == full + 1
    assert_same_picture(app.chart.png, app.live_bullwhip.figure)
    assert_same_picture(app.benchmark_chart.png, app.live_benchmark.figure)


@pytest.mark.parametrize("weeks", [12])
def test_order_desk_blits_its_daily_charts(weeks):
    from chansim.ui.apps import order_desk

    page = order_desk.app("en_US", horizon_weeks=weeks)
    for _ in range(weeks):
        click(page, page.controls.advance)
        assert page.notice.level != "error", page.notice.text
    assert page.exercise.finished
    for panel, live in ((page.chart, page.live_stock), (page.money_chart, page.live_money)):
        assert live.ax.get_xlim() == (0.0, 7.0 * weeks)
        assert live.full_draws + live.blits == weeks and live.full_draws <= 5, (live.full_draws, live.blits)
        assert_same_picture(panel.png, live.figure)
    assert page.bullwhip_chart.png.startswith(b"\x89PNG")
