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
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure

    from chansim.ui.widgets import Language

__all__ = [
    "CJK_FONTS",
    "COLORS",
    "GROWTH",
    "LiveChart",
    "Series",
    "bullwhip_figure",
    "bullwhip_ylim",
    "calm_ceiling",
    "calm_limits",
    "cjk_font",
    "chart_language",
    "distinct_labels",
    "empty_figure",
    "figure_legend",
    "fit_left_margin",
    "font_context",
    "legend_outside",
    "money_figure",
    "new_figure",
    "palette",
    "pyplot",
    "stock_figure",
    "unique_ticks",
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
#: The axes box of a chart whose legend sits to the right of the data (outside the axes).
LEGEND_AXES_BOX = (0.08, 0.15, 0.66, 0.78)


def palette(names: Sequence[object], colors: Sequence[str] = COLORS) -> dict[str, str]:
    """A colour per name, in the order given: pass the same names to every chart of an exercise.

    The roles of the beer game, the partners of an evaluation: a name keeps its colour in
    every chart of the page, whatever the chart draws first or leaves out.
    """
    return {str(name): colors[i % len(colors)] for i, name in enumerate(dict.fromkeys(str(n) for n in names))}


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
        _style_axes(ax, family)
    if boxes is not None:
        for ax, box in zip(axes.flat, boxes, strict=True):
            ax.set_position(box)
    elif nrows * ncols == 1:
        axes[0, 0].set_position(AXES_BOX)
    else:
        fig.set_layout_engine("constrained")
    return fig, axes


def _style_axes(ax, family: list[str]) -> None:  # type: ignore[no-untyped-def]
    ax.spines[["top", "right"]].set_visible(False)
    ax.grid(alpha=0.3)
    for text in (ax.title, ax.xaxis.label, ax.yaxis.label):
        text.set_family(family)


def _t(lang: Language, key: str, **params) -> str:
    return lang.catalogue.get(key, chart_language(lang), **params)


def legend_outside(ax, **options):  # type: ignore[no-untyped-def]
    """The axes' legend to the right of its data (never over a line), in the chart font; None without labels."""
    handles, labels = ax.get_legend_handles_labels()
    if not handles:
        return None
    return ax.legend(
        handles, labels, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0, frameon=False,
        prop={"family": _family(), "size": 8}, **options,
    )  # fmt: skip


def calm_limits(values: Sequence[float], *, min_span: float = 0.0, relative_span: float = 0.2,
                zero: bool = False) -> tuple[float, float]:  # fmt: skip
    """y-limits that do not blow a small change up into a crash.

    The span is at least ``relative_span`` of the largest absolute value (and ``min_span``),
    centred on the data; with ``zero`` (counts, money: where zero means something) the
    axis starts at zero when every value has the same sign.
    """
    finite = [float(v) for v in values if v is not None and math.isfinite(float(v))]
    if not finite:
        return (0.0, 1.0)
    low, high = min(finite), max(finite)
    if zero and low >= 0:
        return (0.0, high * 1.08 if high > 0 else 1.0)
    if zero and high <= 0:
        return (low * 1.08 if low < 0 else -1.0, 0.0)
    span = max(high - low, relative_span * max(abs(low), abs(high)), min_span, 1e-9)
    middle = (low + high) / 2
    pad = span * 0.55
    return (middle - pad, middle + pad)


def unique_ticks(axis, *, nbins: int = 6, integer: bool = False) -> None:  # type: ignore[no-untyped-def]
    """Ticks at round numbers (:class:`~matplotlib.ticker.MaxNLocator`), so no two labels read the same."""
    from matplotlib.ticker import MaxNLocator

    axis.set_major_locator(MaxNLocator(nbins=nbins, steps=[1, 2, 5, 10], integer=integer, min_n_ticks=3))


def distinct_labels(names: Sequence[object], extras: Sequence[object]) -> list[str]:
    """``names`` with a name that occurs more than once told apart by its ``extra`` (two "Appliances" dealers)."""
    names = [str(n) for n in names]
    counts = {n: names.count(n) for n in names}
    return [f"{n} ({e})" if counts[n] > 1 else n for n, e in zip(names, (str(e) for e in extras), strict=True)]


def fit_left_margin(fig, ax, *, pad_px: float = 10.0, maximum: float = 0.5) -> None:  # type: ignore[no-untyped-def]
    """Move the left edge of ``ax`` right so its y tick labels and y label fit inside the figure (never clipped).

    Measures the labels' text (no full draw) with the figure's renderer.
    """
    renderer = fig.canvas.get_renderer()
    with font_context():
        widths = [t.get_window_extent(renderer).width for t in ax.get_yticklabels() if t.get_text()]
        label = ax.yaxis.label
        extra = label.get_window_extent(renderer).height + 6 if label.get_text() else 0.0
    need = (max(widths, default=0.0) + extra + pad_px + 6) / (fig.get_figwidth() * fig.dpi)
    box = ax.get_position()
    left = min(max(box.x0, need), maximum)
    ax.set_position((left, box.y0, box.x1 - left, box.height))


def figure_legend(fig, ax, *, top: float = 0.84, **options):  # type: ignore[no-untyped-def]
    """The legend of ``ax`` above every axes of ``fig`` (the axes are lowered to ``top``): never over data."""
    handles, labels = ax.get_legend_handles_labels()
    for each in fig.axes:
        box = each.get_position()
        if box.y1 > top:
            each.set_position((box.x0, box.y0, box.width, top - box.y0))
    return fig.legend(handles, labels, loc="upper center", bbox_to_anchor=(0.5, 1.0), ncols=max(1, len(labels)),
                      frameon=False, prop={"family": _family(), "size": 8}, **options)  # fmt: skip


def empty_figure(lang: Language, title: str = "") -> Figure:
    """A small figure saying there is no data yet (its title inside the figure, never clipped)."""
    fig, axes = new_figure(lang, height=1.6)
    ax = axes[0, 0]
    ax.set_position((0.0, 0.0, 1.0, 1.0))
    ax.axis("off")
    ax.text(0.5, 0.42, _t(lang, "chart.empty"), ha="center", va="center", fontsize=12, color="#57606a",
            family=_family())  # fmt: skip
    if title:
        ax.text(0.5, 0.82, title, ha="center", va="center", fontsize=12, family=_family())
    return fig


def calm_ceiling(value: float) -> float:
    """The smallest round number (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8 times a power of ten) at least ``value`` (> 0)."""
    if not value > 0 or not math.isfinite(value):
        return 1.0
    base = 10.0 ** math.floor(math.log10(value))
    for step in (1.0, 1.2, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0):
        if step * base >= value * (1 - 1e-12):
            return step * base
    return 10.0 * base  # pragma: no cover - rounding at the top of a decade


def _round_limits(low: float, high: float, *, headroom: float = 1.0) -> tuple[float, float]:
    """``low``/``high`` (times ``headroom``) pushed outwards to round numbers (:func:`calm_ceiling`), zero kept."""
    top = calm_ceiling(high * headroom) if high > 0 else high
    bottom = -calm_ceiling(-low * headroom) if low < 0 else low
    return (bottom, top)


#: How far a sticky y range grows past the data that outgrew it (fewer redraws of a growing chart).
GROWTH = 1.5


class LiveChart:
    """A line chart kept from round to round: its lines are updated in place, not rebuilt, and blitted.

    Building a figure (axes, ticks, texts) costs more than drawing it: a round step keeps
    one :class:`LiveChart` per chart and hands it the new data; a line that exists gets
    ``set_data``, a new one is added, one that went away is removed. The legend (outside the
    axes, right of the data) is rebuilt only when the labels changed (a language switch, a
    new line). The figure is not registered with pyplot (nothing to close, no leak across
    rounds). :attr:`figure` can be saved like a one-off chart.

    **Limits that rarely move.** ``xlim`` (here or per :meth:`update`) fixes the x range (the
    game's weeks or days, known when it starts); otherwise x follows the data. The y range
    is *sticky*: :func:`calm_limits` of the data (or the ``ylim`` asked for) pushed out to
    round numbers (:func:`calm_ceiling`), and it only grows within a game, when the data
    outgrow it, to :data:`GROWTH` times what they need (rounded again); it starts again
    after :meth:`reset` or when the data's x extent shrinks (a new game from week 1).

    **Blitting.** :meth:`render_png` draws everything but the data lines (and the spines,
    which lie over them) once and keeps that picture (``copy_from_bbox``); while the static
    state (limits, labels, legend, size: :meth:`static_key`) stays the same, a render only
    restores it and draws the lines on it. :attr:`full_draws` and :attr:`blits` count both
    kinds of render (tests).
    """

    def __init__(self, *, width: float = 9.0, height: float = 3.6, box: tuple[float, ...] = LEGEND_AXES_BOX,
                 xlim: tuple[float, float] | None = None) -> None:  # fmt: skip
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        with font_context():
            self.figure = Figure(figsize=(width, height), dpi=80)
            FigureCanvasAgg(self.figure)
            self.ax = self.figure.add_axes(box)
        _style_axes(self.ax, _family())
        unique_ticks(self.ax.xaxis, nbins=8, integer=True)  # weeks and days: no "1.25" week
        self.lines: dict[str, Any] = {}
        self._labels: tuple[str, ...] = ()
        self._legend_key: tuple = ()
        self.zero_line = None
        self.xlim = xlim
        self._ylim: tuple[float, float] | None = None
        self._x_extent = -math.inf
        self._background = None
        self._background_key: tuple | None = None
        #: how many times the figure was built (1) and its lines updated (tests)
        self.updates = 0
        #: renders that drew the whole figure, and renders that only drew the lines on the kept background
        self.full_draws = 0
        self.blits = 0

    def reset(self) -> None:
        """Forget the sticky y range (a new game): the next update sets it from its data alone."""
        self._ylim = None
        self._x_extent = -math.inf

    def update(
        self,
        series: Sequence[Series],
        *,
        xlabel: str,
        ylabel: str,
        ylim: tuple[float, float] | None = None,
        zero_line: bool = False,
        xlim: tuple[float, float] | None = None,
    ) -> Figure:
        """Show ``series`` (in legend order); returns :attr:`figure`.

        ``ylim``: the range to show at least (a range shared with a compared chart), else the
        data's; ``xlim``: the x range (else the one given at construction, else the data's).
        """
        ax = self.ax
        wanted = [s.key for s in series]
        for key in [k for k in self.lines if k not in wanted]:
            self.lines.pop(key).remove()
        for s in series:
            line = self.lines.get(s.key)
            if line is None:
                (line,) = ax.plot(s.x, s.y)
                self.lines[s.key] = line
            else:
                line.set_data(s.x, s.y)
            line.set(label=s.label, color=s.color, linewidth=s.linewidth, linestyle=s.linestyle,
                     drawstyle=s.drawstyle, zorder=s.zorder)  # fmt: skip
        if zero_line and self.zero_line is None:
            # below the data lines (a full draw and a blit then stack them the same way)
            self.zero_line = ax.axhline(0, color="black", linewidth=0.8, zorder=1.9)
        self._set_limits(series, ylim, xlim if xlim is not None else self.xlim)
        if ax.xaxis.label.get_text() != xlabel:
            ax.set_xlabel(xlabel)
        if ax.yaxis.label.get_text() != ylabel:
            ax.set_ylabel(ylabel)
        # legend entries follow the series order (the lines dict keeps insertion order)
        labels = tuple(s.label for s in series)
        legend_key = tuple((s.label, s.color, s.linewidth, s.linestyle, s.drawstyle) for s in series)
        if labels != self._labels or legend_key != self._legend_key or ax.get_legend() is None:
            legend = ax.get_legend()
            if legend is not None:
                legend.remove()
            handles = [self.lines[s.key] for s in series]
            if handles:
                ax.legend(handles, list(labels), loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0,
                          frameon=False, prop={"family": _family(), "size": 8})  # fmt: skip
            self._labels, self._legend_key = labels, legend_key
        self.updates += 1
        return self.figure

    def _set_limits(self, series: Sequence[Series], ylim: tuple[float, float] | None,
                    xlim: tuple[float, float] | None) -> None:  # fmt: skip
        ax = self.ax
        xs = [float(v) for s in series for v in s.x if v is not None and math.isfinite(float(v))]
        extent = max(xs, default=-math.inf)
        if extent < self._x_extent:  # fewer weeks than last time: a new game, its own scale
            self._ylim = None
        self._x_extent = extent
        if ylim is None:
            low, high = calm_limits([v for s in series for v in s.y], zero=True)
        else:
            low, high = float(ylim[0]), float(ylim[1])
        if self._ylim is None:
            self._ylim = _round_limits(low, high)
        else:  # grow (with headroom) only on a side the data outgrew; never shrink
            shown_low, shown_high = self._ylim
            if high > shown_high:
                shown_high = _round_limits(0.0, high, headroom=GROWTH)[1]
            if low < shown_low:
                shown_low = _round_limits(low, 0.0, headroom=GROWTH)[0]
            self._ylim = (shown_low, shown_high)
        ax.set_autoscale_on(False)
        if xlim is not None:
            ax.set_xlim(*xlim)
        else:
            ax.set_autoscalex_on(True)
            ax.relim()
            ax.autoscale_view(scaley=False)
        if ax.get_ylim() != self._ylim:
            ax.set_ylim(*self._ylim)

    # ------------------------------------------------------------------ rendering
    def static_key(self) -> tuple:
        """What the kept background depends on: size, axes box, limits, labels, legend, zero line."""
        ax, fig = self.ax, self.figure
        return (
            tuple(fig.get_size_inches()), fig.dpi, ax.get_position().bounds, ax.get_xlim(), ax.get_ylim(),
            ax.xaxis.label.get_text(), ax.yaxis.label.get_text(), ax.title.get_text(), self._legend_key,
            ax.get_legend() is not None, self.zero_line is not None, tuple(_family()),
        )  # fmt: skip

    def _dynamic(self) -> list:
        """The artists drawn on the background, in the order a full draw stacks them (zorder, then children)."""
        spines = [s for s in self.ax.spines.values() if s.get_visible()]
        return sorted([*self.lines.values(), *spines], key=lambda a: a.get_zorder())

    def render_png(self, *, compress_level: int = 3) -> bytes:
        """The figure as PNG bytes: the lines drawn on the kept background, or a full draw when it changed.

        RGB (the figure is opaque), zlib level ``compress_level``: the encoding is then most of
        a blitted frame's time (a few ms at 720x288), the file a little larger than savefig's.
        """
        import io

        from PIL import Image

        canvas = self.figure.canvas
        dynamic = self._dynamic()
        key = self.static_key()
        if self._background is None or key != self._background_key:
            hidden = [a for a in dynamic if a.get_visible()]
            for artist in hidden:
                artist.set_visible(False)
            try:
                with font_context():  # the texts are drawn here only; the lines need no font
                    canvas.draw()
            finally:
                for artist in hidden:
                    artist.set_visible(True)
            self._background = canvas.copy_from_bbox(self.figure.bbox)
            self._background_key = key
            self.full_draws += 1
        else:
            canvas.restore_region(self._background)
            self.blits += 1
        renderer = canvas.get_renderer()
        for artist in dynamic:
            artist.draw(renderer)
        buffer = canvas.buffer_rgba()
        height, width = buffer.shape[:2]
        image = Image.frombuffer("RGBA", (width, height), buffer, "raw", "RGBA", 0, 1).convert("RGB")
        out = io.BytesIO()
        image.save(out, format="png", compress_level=compress_level)
        return out.getvalue()


class Series:
    """One line of a :class:`LiveChart`: a stable ``key``, the data, its label and style."""

    __slots__ = ("key", "x", "y", "label", "color", "linewidth", "linestyle", "drawstyle", "zorder")

    def __init__(self, key: str, x, y, label: str, color: str, *, linewidth: float = 1.6,  # type: ignore[no-untyped-def]
                 linestyle: str = "-", drawstyle: str = "default", zorder: float = 2.0) -> None:  # fmt: skip
        self.key, self.x, self.y, self.label, self.color = key, list(x), list(y), label, color
        self.linewidth, self.linestyle, self.drawstyle, self.zorder = linewidth, linestyle, drawstyle, zorder


def bullwhip_ylim(*tables: pd.DataFrame) -> tuple[float, float]:
    """One y-range for bullwhip charts compared side by side (the game and its benchmark)."""
    top = max((float(t["qty"].max()) for t in tables if len(t)), default=1.0)
    return (0.0, max(top, 1.0) * 1.08)


def bullwhip_figure(
    table: pd.DataFrame,
    lang: Language,
    *,
    level_names: dict[str, str] | None = None,
    colors: dict[str, str] | None = None,
    ylim: tuple[float, float] | None = None,
    live: LiveChart | None = None,
    xlim: tuple[float, float] | None = None,
) -> Figure:
    """End demand and the orders of each level per week (the bullwhip picture).

    ``table``: tidy rows ``week, level, series, qty`` with ``series`` in ``end_demand`` /
    ``orders`` (as :meth:`chansim.exercises.beer_game.BeerGame.bullwhip_table`); an optional
    boolean ``trainee`` column draws the trainee's level thicker. ``colors``: a colour per
    level (:func:`palette`, the same in every chart of the page); ``ylim``: a y-range shared
    with a chart it is compared with (:func:`bullwhip_ylim`); ``live``: the chart to update
    in place (a new one otherwise); ``xlim``: the weeks of the whole game (the x range
    then stays put from week to week, see :class:`LiveChart`).
    """
    if table.empty:
        return empty_figure(lang)
    names = level_names or {}
    demand = table[table["series"] == "end_demand"]
    orders = table[table["series"] == "orders"]
    levels = list(dict.fromkeys(str(level) for level in orders["level"]))
    colors = colors or palette(levels)
    series = [Series("end_demand", demand["week"], demand["qty"], _t(lang, "chart.end_demand"), "black",
                     linewidth=2.2, drawstyle="steps-mid", zorder=3)]  # fmt: skip
    for level, rows in orders.groupby("level", sort=False, observed=True):
        trainee = bool(rows["trainee"].any()) if "trainee" in rows else False
        label = _t(lang, "chart.orders_of", level=names.get(str(level), str(level))) + (" ★" if trainee else "")
        series.append(Series(f"orders:{level}", rows["week"], rows["qty"], label, colors.get(str(level), COLORS[0]),
                             linewidth=2.6 if trainee else 1.3, drawstyle="steps-mid"))  # fmt: skip
    chart = live if live is not None else LiveChart()
    return chart.update(series, xlabel=_t(lang, "chart.week"), ylabel=_t(lang, "chart.units_per_week"),
                        ylim=ylim or bullwhip_ylim(table), xlim=xlim)  # fmt: skip


def stock_figure(
    levels: pd.DataFrame,
    lang: Language,
    *,
    nodes: Sequence[str] | None = None,
    period_days: int = 1,
    level_names: dict[str, str] | None = None,
    colors: dict[str, str] | None = None,
    live: LiveChart | None = None,
    xlim: tuple[float, float] | None = None,
) -> Figure:
    """On hand (solid) and backlog (dashed, drawn below zero) of each node over time.

    ``levels``: a :attr:`~chansim.results.Result.levels` table (summed over SKUs per node);
    the x axis is in weeks when ``period_days`` is 7, else in days. ``colors`` and ``live``
    and ``xlim`` (in the x axis's unit) as in :func:`bullwhip_figure`.
    """
    if levels.empty:
        return empty_figure(lang)
    names = level_names or {}
    frame = levels.groupby(["node", "day"], observed=True, sort=False)[["on_hand", "backorder"]].sum().reset_index()
    order = list(nodes) if nodes is not None else list(dict.fromkeys(frame["node"]))
    colors = colors or palette(order)
    weekly = period_days == 7
    series = []
    for node in order:
        rows = frame[frame["node"] == node]
        if rows.empty:
            continue
        x = rows["day"] / 7 + 1 if weekly else rows["day"]
        color = colors.get(str(node), COLORS[0])
        label = names.get(str(node), str(node))
        series.append(Series(f"on_hand:{node}", x, rows["on_hand"], _t(lang, "chart.on_hand_of", level=label), color))
        if rows["backorder"].any():
            series.append(Series(f"backlog:{node}", x, -rows["backorder"], _t(lang, "chart.backlog_of", level=label),
                                 color, linewidth=1.2, linestyle="--"))  # fmt: skip
    chart = live if live is not None else LiveChart()
    return chart.update(series, xlabel=_t(lang, "chart.week" if weekly else "chart.day"),
                        ylabel=_t(lang, "chart.units"), zero_line=True, xlim=xlim)  # fmt: skip


def money_figure(
    money: pd.DataFrame,
    lang: Language,
    *,
    nodes: Sequence[str] | None = None,
    live: LiveChart | None = None,
    xlim: tuple[float, float] | None = None,
) -> Figure:
    """Cumulative revenue, cost and profit over time from a :attr:`~chansim.results.Result.money` table.

    Revenue is the ``revenue`` account; cost is the cost of goods plus the operating cost
    accounts (:data:`chansim.results.COST_ACCOUNTS`); cash and receivable accounts are not drawn.
    ``live`` and ``xlim`` (days) as in :func:`bullwhip_figure`.
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
    series = []
    if revenue.any():
        series.append(Series("revenue", days, revenue.values, _t(lang, "chart.revenue"), COLORS[2]))
        series.append(Series("profit", days, (revenue - cost).values, _t(lang, "chart.profit"), COLORS[0]))
    series.append(Series("cost", days, cost.values, _t(lang, "chart.cost"), COLORS[1]))
    chart = live if live is not None else LiveChart()
    return chart.update(series, xlabel=_t(lang, "chart.day"), ylabel=_t(lang, "chart.cumulative_money"),
                        zero_line=bool((revenue - cost).lt(0).any()), xlim=xlim)  # fmt: skip
