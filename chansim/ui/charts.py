"""Debrief charts drawn with matplotlib (Agg), labelled in the trainee's language.

Each function takes the data and a :class:`~chansim.ui.widgets.Language` and returns a
closed-over ``Figure``; :class:`~chansim.ui.widgets.ChartPanel` displays and closes it.

**Chinese labels.** Matplotlib needs a font with CJK glyphs to draw Chinese. The first
installed one of :data:`CJK_FONTS` is used (Debian: ``apt-get install fonts-wqy-microhei``
or ``fonts-noto-cjk``). Without one, a chart in Chinese would show empty boxes, so its
labels fall back to English (:func:`chart_language`) and the page text stays Chinese.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure

    from chansim.ui.widgets import Language

__all__ = [
    "CJK_FONTS",
    "pyplot",
    "bullwhip_figure",
    "cjk_font",
    "chart_language",
    "empty_figure",
    "font_context",
    "money_figure",
    "new_figure",
    "stock_figure",
]

# "findfont: Failed to find font weight bold for WenQuanYi Micro Hei" and the like are logged
# as warnings while a chart is drawn inside a page's Output widget, where they would show to
# the trainee as an error box: the fallback they describe is harmless.
logging.getLogger("matplotlib.font_manager").setLevel(logging.ERROR)

#: Fonts with Chinese glyphs, in order of preference.
CJK_FONTS = (
    "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "WenQuanYi Micro Hei", "WenQuanYi Zen Hei",
    "Droid Sans Fallback", "PingFang SC", "Microsoft YaHei", "SimHei", "AR PL UMing CN",
)  # fmt: skip
COLORS = ("#0969da", "#cf222e", "#1a7f37", "#8250df", "#bf8700", "#57606a", "#e16f24", "#1b7c83")


@functools.cache
def pyplot():  # type: ignore[no-untyped-def]
    """``matplotlib.pyplot`` on the Agg backend, imported with the first chart drawn.

    Not at import: a page whose first view draws no chart (the planning and recruitment
    pages, before the first click) then does not load matplotlib (about 45 MiB a kernel).
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


@functools.cache
def cjk_font() -> str | None:
    """The name of the first installed font of :data:`CJK_FONTS`, or None."""
    from matplotlib import font_manager

    installed = {font.name for font in font_manager.fontManager.ttflist}
    return next((name for name in CJK_FONTS if name in installed), None)


def _family() -> list[str]:
    font = cjk_font()
    return [font, "DejaVu Sans"] if font else ["DejaVu Sans"]


def font_context():
    """A matplotlib rc context whose fonts draw Chinese when a CJK font is installed (legends included)."""
    return pyplot().rc_context({"font.family": _family(), "axes.unicode_minus": False})


def chart_language(lang: Language) -> str:
    """The language chart labels are written in: the page's, or English when no CJK font is installed."""
    if lang.code.startswith("zh") and cjk_font() is None:
        return "en_US"
    return lang.code


#: Where the axes of a one-chart figure sit (figure fractions: left, bottom, width, height).
AXES_BOX = (0.09, 0.15, 0.89, 0.78)


def new_figure(
    lang: Language,
    nrows: int = 1,
    ncols: int = 1,
    *,
    width: float = 9.0,
    height: float = 3.6,
    boxes: Sequence[tuple[float, float, float, float]] | None = None,
):
    """A figure and its axes, with a font that can draw the chart language's labels.

    A one-chart figure gets a fixed axes box (:data:`AXES_BOX`) instead of a layout engine:
    the constrained layout costs a third of a chart's drawing time, and a round redraws
    its charts every time. ``boxes`` (one per axes, row by row, in figure fractions like
    :data:`AXES_BOX`) places the axes of a figure with several charts the same way; without
    it such a figure keeps the constrained layout.
    """
    if boxes is not None and len(boxes) != nrows * ncols:
        raise ValueError(f"boxes: {len(boxes)} given for {nrows * ncols} axes")
    family = _family()
    with font_context():
        fig, axes = pyplot().subplots(nrows, ncols, figsize=(width, height), dpi=80, squeeze=False)
    for ax in axes.flat:
        ax.spines[["top", "right"]].set_visible(False)
        ax.grid(alpha=0.3)
        for text in (ax.title, ax.xaxis.label, ax.yaxis.label):
            text.set_family(family)
    if boxes is not None:
        for ax, box in zip(axes.flat, boxes, strict=True):
            ax.set_position(box)
    elif nrows * ncols == 1:
        axes[0, 0].set_position(AXES_BOX)
    else:
        fig.set_layout_engine("constrained")
    return fig, axes


def _t(lang: Language, key: str, **params) -> str:
    return lang.catalogue.get(key, chart_language(lang), **params)


def empty_figure(lang: Language, title: str = "") -> Figure:
    """A small figure saying there is no data yet."""
    fig, axes = new_figure(lang, height=1.6)
    ax = axes[0, 0]
    ax.axis("off")
    ax.text(0.5, 0.5, _t(lang, "chart.empty"), ha="center", va="center", fontsize=12, color="#57606a")
    if title:
        ax.set_title(title)
    return fig


def bullwhip_figure(table: pd.DataFrame, lang: Language, *, level_names: dict[str, str] | None = None) -> Figure:
    """End demand and the orders of each level per week (the bullwhip picture).

    ``table``: tidy rows ``week, level, series, qty`` with ``series`` in ``end_demand`` /
    ``orders`` (as :meth:`chansim.exercises.beer_game.BeerGame.bullwhip_table`); an optional
    boolean ``trainee`` column draws the trainee's level thicker.
    """
    if table.empty:
        return empty_figure(lang)
    fig, axes = new_figure(lang)
    ax = axes[0, 0]
    names = level_names or {}
    demand = table[table["series"] == "end_demand"]
    ax.step(
        demand["week"], demand["qty"], where="mid", color="black", linewidth=2.2, label=_t(lang, "chart.end_demand")
    )
    orders = table[table["series"] == "orders"]
    for i, (level, rows) in enumerate(orders.groupby("level", sort=False)):
        trainee = bool(rows["trainee"].any()) if "trainee" in rows else False
        ax.step(
            rows["week"], rows["qty"], where="mid", color=COLORS[i % len(COLORS)], linewidth=2.6 if trainee else 1.3,
            label=_t(lang, "chart.orders_of", level=names.get(str(level), str(level))) + (" ★" if trainee else ""),
        )  # fmt: skip
    ax.set_xlabel(_t(lang, "chart.week"))
    ax.set_ylabel(_t(lang, "chart.units_per_week"))
    ax.legend(fontsize=8, ncols=2, frameon=False)
    return fig


def stock_figure(
    levels: pd.DataFrame,
    lang: Language,
    *,
    nodes: Sequence[str] | None = None,
    period_days: int = 1,
    level_names: dict[str, str] | None = None,
) -> Figure:
    """On hand (solid) and backlog (dashed, drawn below zero) of each node over time.

    ``levels``: a :attr:`~chansim.results.Result.levels` table (summed over SKUs per node);
    the x axis is in weeks when ``period_days`` is 7, else in days.
    """
    if levels.empty:
        return empty_figure(lang)
    fig, axes = new_figure(lang)
    ax = axes[0, 0]
    names = level_names or {}
    frame = levels.groupby(["node", "day"], observed=True, sort=False)[["on_hand", "backorder"]].sum().reset_index()
    order = list(nodes) if nodes is not None else list(dict.fromkeys(frame["node"]))
    weekly = period_days == 7
    for i, node in enumerate(order):
        rows = frame[frame["node"] == node]
        if rows.empty:
            continue
        x = rows["day"] / 7 + 1 if weekly else rows["day"]
        color = COLORS[i % len(COLORS)]
        label = names.get(str(node), str(node))
        ax.plot(x, rows["on_hand"], color=color, linewidth=1.6, label=_t(lang, "chart.on_hand_of", level=label))
        if rows["backorder"].any():
            ax.plot(x, -rows["backorder"], color=color, linewidth=1.2, linestyle="--",
                    label=_t(lang, "chart.backlog_of", level=label))  # fmt: skip
    ax.axhline(0, color="black", linewidth=0.8)
    ax.set_xlabel(_t(lang, "chart.week" if weekly else "chart.day"))
    ax.set_ylabel(_t(lang, "chart.units"))
    ax.legend(fontsize=8, ncols=2, frameon=False)
    return fig


def money_figure(money: pd.DataFrame, lang: Language, *, nodes: Sequence[str] | None = None) -> Figure:
    """Cumulative revenue, cost and profit over time from a :attr:`~chansim.results.Result.money` table.

    Revenue is the ``revenue`` account; cost is the cost of goods plus the operating cost
    accounts (:data:`chansim.results.COST_ACCOUNTS`); cash and receivable accounts are not drawn.
    """
    from chansim.results import COST_ACCOUNTS

    if money.empty:
        return empty_figure(lang)
    frame = money if nodes is None else money[money["node"].isin(list(nodes))]
    revenue = frame[frame["account"] == "revenue"].groupby("day")["amount"].sum()
    cost = frame[frame["account"].isin([*COST_ACCOUNTS, "cost_of_goods"])].groupby("day")["amount"].sum()
    days = sorted(set(revenue.index) | set(cost.index))
    revenue = revenue.reindex(days, fill_value=0.0).cumsum()
    cost = cost.reindex(days, fill_value=0.0).cumsum()
    fig, axes = new_figure(lang)
    ax = axes[0, 0]
    if revenue.any():
        ax.plot(days, revenue.values, color=COLORS[2], label=_t(lang, "chart.revenue"))
        ax.plot(days, (revenue - cost).values, color=COLORS[0], label=_t(lang, "chart.profit"))
    ax.plot(days, cost.values, color=COLORS[1], label=_t(lang, "chart.cost"))
    ax.set_xlabel(_t(lang, "chart.day"))
    ax.set_ylabel(_t(lang, "chart.cumulative_money"))
    ax.legend(fontsize=8, frameon=False)
    return fig
