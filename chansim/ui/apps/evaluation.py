"""The performance-evaluation app: yearly partner reviews over :class:`~chansim.exercises.evaluation.Evaluation`.

The page shows the scorecards of the year under review with a decision dropdown per
partner (CSS ``chansim-decision-<i>``, ``i`` the row), a territory control
(``chansim-territory-from``, ``chansim-territory-to``, ``chansim-territory-apply``), the
round controls ("Simulate next year" is ``chansim-advance``; undo, reset), a seed field
(``chansim-seed``) with a new-game button (``chansim-new-game``), KPI cards, two charts
(partner scores; year by year against the do-nothing benchmark), the score with its
formula, advice and a CSV download. The app is built on the app base
(:class:`chansim.ui.apps.base.App`); steps only call the controller and hand its results
to the parts.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from typing import Any

import ipywidgets as widgets
import pandas as pd

from chansim.exercises import numbers
from chansim.exercises.evaluation import ACTIONS, REVIEWS, Evaluation, debrief
from chansim.ui.apps.base import App
from chansim.ui.charts import (
    COLORS,
    calm_limits,
    chart_language,
    distinct_labels,
    empty_figure,
    figure_legend,
    fit_left_margin,
    new_figure,
    unique_ticks,
)
from chansim.ui.widgets import (
    AdvicePanel,
    Busy,
    ChartPanel,
    DownloadLink,
    KpiCards,
    Language,
    Notice,
    NumberInput,
    ScorePanel,
    Text,
    button,
    money_currency,
    partner_name,
)

__all__ = ["CARD_NAMES", "EvaluationApp", "app", "scorecard_figure", "years_figure"]

#: The KPI cards (keys ``evaluation.kpi.<name>.label/unit/meaning``).
CARD_NAMES = ("channel_profit", "profit_vs_benchmark", "profit_change", "sell_out", "attainment", "fill_rate")
_SHARES = {"attainment", "fill_rate"}
TIER_COLORS = {"gold": "#bf8700", "silver": "#8c959f", "bronze": "#a0522d"}
_COLUMNS = (
    "partner", "tier", "status", "territories", "sell_out", "attainment", "fill_rate", "supply_fill_rate",
    "lost_sales", "satisfaction", "score", "decision",
)  # fmt: skip


def _chart_text(lang: Language, key: str, **params: Any) -> str:
    return lang.catalogue.get(key, chart_language(lang), **params)


def scorecard_figure(card: pd.DataFrame, lang: Language, previous: pd.DataFrame | None = None):
    """Horizontal bars of each partner's scorecard points, coloured by tier, attainment written at the end.

    ``previous`` (the year before) adds a black tick at each partner's earlier score. Partner
    names are never cut: the axes start right of the longest name, and two partners of the
    same name are told apart by their id.
    """
    if card.empty:
        return empty_figure(lang)
    fig, axes = new_figure(lang, height=0.42 * len(card) + 1.2)
    ax = axes[0, 0]
    rows = card.iloc[::-1]
    code = chart_language(lang)
    pairs = zip(rows["partner"], rows["display_name"], strict=True)
    shown = [partner_name(lang, str(p), str(n), code=code) for p, n in pairs]
    names = distinct_labels(shown, rows["partner"])
    y = range(len(rows))
    colors = [TIER_COLORS.get(str(t), COLORS[0]) for t in rows["tier"]]
    ax.barh(list(y), rows["score"], color=colors, height=0.6)
    xs = [math.nan] * len(rows)
    if previous is not None and not previous.empty:
        before = previous.set_index("partner")["score"]
        xs = [float(before.get(p, math.nan)) for p in rows["partner"]]
        ax.scatter(xs, list(y), marker="|", s=220, color="black", zorder=3)
    for i, row, earlier in zip(y, rows.itertuples(index=False), xs, strict=True):
        if not math.isnan(row.attainment):  # right of the bar and of last year's tick, never on them
            label = _chart_text(lang, "evaluation.chart.attainment_label", attainment=row.attainment)
            end = max(row.score, earlier) if not math.isnan(earlier) else row.score
            ax.text(min(end, 100) + 1.5, i, label, va="center", fontsize=8)
    ax.set_yticks(list(y), names)
    ax.set_xlim(0, 125)
    ax.set_xlabel(_chart_text(lang, "evaluation.chart.score_axis"))
    fit_left_margin(fig, ax)
    return fig


#: Where the two axes of :func:`years_figure` sit (figure fractions), instead of a layout engine.
YEARS_BOXES = ((0.1, 0.15, 0.39, 0.7), (0.6, 0.15, 0.39, 0.7))


def years_figure(years: pd.DataFrame, lang: Language):
    """Channel profit and attainment per year: the trainee's line against the do-nothing benchmark.

    The y-axes do not blow a small change up: profit starts at zero (when it has one sign),
    attainment spans at least 20 points; ticks at round values (no two labels alike); the
    legend sits above the charts.
    """
    if years.empty:
        return empty_figure(lang)
    fig, axes = new_figure(lang, 1, 2, height=3.2, boxes=YEARS_BOXES)
    bench_rows = years[years["line"] == "benchmark"]
    you = years[years["line"] == "you"]
    first = you[you["year"] == 1]
    bench = pd.concat([first, bench_rows]).sort_values("year")
    for ax, column, scale, key, zero in (
        (axes[0, 0], "channel_profit", 1000.0, "evaluation.chart.profit_axis", True),
        (axes[0, 1], "attainment", 1.0, "evaluation.chart.attainment_axis", False),
    ):
        ax.plot(bench["year"], bench[column] / scale, color=COLORS[5], linestyle="--", marker="o",
                label=_chart_text(lang, "evaluation.chart.benchmark"))  # fmt: skip
        ax.plot(you["year"], you[column] / scale, color=COLORS[0], linewidth=2.2, marker="o",
                label=_chart_text(lang, "evaluation.chart.you"))  # fmt: skip
        ax.set_xticks(sorted(set(years["year"])))
        ax.set_xlabel(_chart_text(lang, "evaluation.chart.year"))
        ax.set_ylabel(_chart_text(lang, key))
        values = [*(bench[column] / scale), *(you[column] / scale)]
        ax.set_ylim(*calm_limits(values, zero=zero, relative_span=0.2))
        unique_ticks(ax.yaxis)
    from matplotlib.ticker import PercentFormatter

    axes[0, 0].ticklabel_format(axis="y", style="plain", useOffset=False)  # no "1e4" or "+2.26e4" over the axis
    axes[0, 1].yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    figure_legend(fig, axes[0, 0])
    return fig


class EvaluationCards(KpiCards):
    """KPI cards labelled by ``evaluation.kpi.<name>.*`` keys (the exercise's own figures)."""

    def text(self, name: str) -> str:
        value = self.values.get(name, math.nan)
        number = float(value) if value is not None else math.nan  # type: ignore[arg-type]
        if math.isnan(number):
            return "–"
        if name in _SHARES:
            return numbers.percent(number, self._lang.code, 1)
        signed = name in ("profit_vs_benchmark", "profit_change")
        return numbers.money(number, self._lang.code, self.currency, sign=signed)

    def _render(self) -> None:
        t = self._lang.t
        for name, card in self._cards.items():
            key = f"evaluation.kpi.{name}"
            card.value = (
                f'<div title="{html.escape(t(key + ".meaning"))}"><div class="label">{html.escape(t(key + ".label"))}'
                f'</div><div class="value">{self.text(name)}</div><div class="unit">{html.escape(t(key + ".unit"))}'
                "</div></div>"
            )


def _share(value: float) -> str:
    return "–" if value is None or math.isnan(value) else f"{value:.0%}"


class ScorecardTable(widgets.VBox):
    """The scorecards of the year under review, one row per partner, with a decision dropdown per row."""

    def __init__(self, lang: Language, notice: Notice, on_decide, busy: Busy) -> None:  # type: ignore[no-untyped-def]
        self._lang, self._notice, self._on_decide, self._busy = lang, notice, on_decide, busy
        self.title = Text(lang, None, tag="h4", css="chansim-scorecard-title")
        self.grid = widgets.GridBox(
            layout=widgets.Layout(
                grid_template_columns="minmax(170px, 1.6fr) 60px 80px 160px repeat(7, minmax(56px, 1fr)) 120px",
                grid_gap="4px 6px",
            )
        )
        self.grid.add_class("chansim-scorecard")
        self.dropdowns: list[widgets.Dropdown] = []
        self.partners: list[str] = []
        self._heads: list[widgets.HTML] = []
        self._rows: list[tuple[list[widgets.HTML], widgets.Dropdown]] = []
        self._game: Evaluation | None = None
        self._syncing = False
        super().__init__([self.title, self.grid])
        lang.observe(self._render)

    def show(self, game: Evaluation) -> None:
        """Show the scorecards of ``game``'s year under review and its pending decisions."""
        self._game = game
        self._render()

    def _render(self) -> None:
        game = self._game
        if game is None:
            return
        t = self._lang.t
        self.title.set("evaluation.scorecard_title", year=game.year)
        card = game.scorecard().set_index("partner")
        self.partners = game.partners()
        heads = [f"<b>{html.escape(t('evaluation.col.' + column))}</b>" for column in _COLUMNS]
        if not self._heads:
            self._heads = [widgets.HTML() for _ in _COLUMNS]
        for head, value in zip(self._heads, heads, strict=True):
            _set(head, "value", value)
        options = [(t(f"evaluation.action.{a}"), a) for a in ACTIONS]
        rows = len(self.partners)
        old = self._rows[rows:]
        while len(self._rows) < rows:  # a row's widgets are kept from year to year and updated in place
            self._rows.append(self._new_row(len(self._rows)))
        del self._rows[rows:]
        self._syncing = True
        try:
            for i, partner in enumerate(self.partners):
                row = card.loc[partner]
                kind = t(f"evaluation.kind.{row['kind']}")
                badge = f" <i>({html.escape(t('evaluation.newcomer'))})</i>" if row["newcomer"] else ""
                names = [x for x in str(row["territories"]).split(", ") if x]
                territories = ", ".join(html.escape(_territory(self._lang, game, x)) for x in names)
                values = [
                    f"<b>{html.escape(partner_name(self._lang, partner, str(row['display_name'])))}</b>"
                    f"<br><small>{html.escape(kind)}</small>{badge}",
                    html.escape(t(f"evaluation.tier.{row['tier']}")),
                    html.escape(t(f"evaluation.status.{row['status']}")),
                    f"<small>{territories or '–'}</small>",
                    f"{row['sell_out']:,.0f}",
                    _share(row["attainment"]),
                    _share(row["fill_rate"]),
                    _share(row["supply_fill_rate"]),
                    f"{row['lost_sales']:,.0f}",
                    _share(row["satisfaction"]),
                    f"{row['score']:.0f}",
                ]
                cells, dropdown = self._rows[i]
                for cell, value in zip(cells, values, strict=True):
                    _set(cell, "value", f'<div style="line-height:1.3">{value}</div>')
                if list(dropdown.options) != options:
                    dropdown.options = options
                _set(dropdown, "value", game.decision(partner))
                self._busy.set_disabled(dropdown, game.finished)  # and disabled while a step runs
        finally:
            self._syncing = False
        self.dropdowns = [dropdown for _, dropdown in self._rows]
        children = [*self._heads, *(w for cells, dropdown in self._rows for w in (*cells, dropdown))]
        if list(self.grid.children) != children:
            self.grid.children = children
        for cells, dropdown in old:  # the comms of dropped rows are closed, not leaked round after round
            self._busy.forget(dropdown)
            for widget in (*cells, dropdown):
                widget.close()

    def _new_row(self, i: int) -> tuple[list[widgets.HTML], widgets.Dropdown]:
        cells = []
        for _ in range(len(_COLUMNS) - 1):
            cell = widgets.HTML()
            cell.add_class(f"chansim-scorecard-row-{i}")
            cells.append(cell)
        dropdown = widgets.Dropdown(layout=widgets.Layout(width="115px"))
        dropdown.add_class(f"chansim-decision-{i}")
        dropdown.add_class("chansim-decision")
        dropdown.observe(self._changed(i, dropdown), names="value")
        return cells, dropdown

    def _changed(self, i: int, dropdown: widgets.Dropdown):  # type: ignore[no-untyped-def]
        def on_change(change: dict) -> None:
            if self._syncing or i >= len(self.partners):
                return
            partner = self.partners[i]
            self._notice.guard(self._on_decide)(partner, change["new"])
            game = self._game
            if game is not None and dropdown.value != game.decision(partner):  # refused: show the decision kept
                self._syncing = True
                try:
                    dropdown.value = game.decision(partner)
                finally:
                    self._syncing = False

        return on_change


def _set(widget: widgets.Widget, name: str, value: object) -> None:
    """Set a trait only when it changes (no message to the browser otherwise)."""
    if getattr(widget, name) != value:
        setattr(widget, name, value)


class TerritoryControl(widgets.VBox):
    """Move a territory to another dealer of its region for the next year."""

    def __init__(self, lang: Language, notice: Notice, on_move, busy: Busy) -> None:  # type: ignore[no-untyped-def]
        self._lang, self._busy = lang, busy
        self.title = Text(lang, "evaluation.territory_title", tag="h4")
        self.source = widgets.Dropdown(layout=widgets.Layout(width="300px"))
        self.source.add_class("chansim-territory-from")
        self.target = widgets.Dropdown(layout=widgets.Layout(width="260px"))
        self.target.add_class("chansim-territory-to")
        self.source_label = Text(lang, "evaluation.territory_from")
        self.target_label = Text(lang, "evaluation.territory_to")
        self.apply = button(lang, "evaluation.territory_apply", css="chansim-territory-apply", notice=notice,
                            on_click=lambda: on_move(self.source.value, self.target.value))  # fmt: skip
        self.moves = widgets.HTML()
        self.moves.add_class("chansim-territory-moves")
        self._game: Evaluation | None = None
        row = widgets.HBox([self.source_label, self.source, self.target_label, self.target, self.apply],
                           layout=widgets.Layout(flex_flow="row wrap", align_items="center"))  # fmt: skip
        super().__init__([self.title, row, self.moves])
        self.add_class("chansim-territory")
        lang.observe(self._render)

    def show(self, game: Evaluation) -> None:
        """Offer ``game``'s territories and live dealers; list the pending moves."""
        self._game = game
        self._render()

    def _render(self) -> None:
        game = self._game
        if game is None:
            return
        t = self._lang.t
        structure = game.structure
        chosen = self.source.value
        self.source.options = [
            (t("evaluation.territory_served", territory=_territory(self._lang, game, x),
               dealer=_name(self._lang, game, structure.serving[x])), x)
            for x in game.territories()
        ]  # fmt: skip
        territories = game.territories()
        self.source.value = chosen if chosen in territories else (territories[0] if territories else None)
        target = self.target.value
        dealers = game.live_dealers()
        self.target.options = [(_name(self._lang, game, d), d) for d in dealers]
        self.target.value = target if target in dealers else (dealers[0] if dealers else None)
        for part in (self.source, self.target, self.apply):
            self._busy.set_disabled(part, game.finished)
        moves = game.pending_moves
        if moves:
            text = "; ".join(
                f"{_territory(self._lang, game, x)} → {_name(self._lang, game, d)}" for x, d in sorted(moves.items())
            )
            self.moves.value = html.escape(t("evaluation.moves", moves=text))
        else:
            self.moves.value = html.escape(t("evaluation.moves_none"))


class EvaluationApp(App):
    """Builds the page and wires the steps to an :class:`Evaluation` (:attr:`exercise`)."""

    new_game_in_bar = False  # its own new-game button (a role and demand / a seed) is the one

    undone_key = "evaluation.undone"

    def __init__(self, lang: str | Language | None, seed: int, reviews: int) -> None:
        super().__init__(lang)
        lang = self.lang
        self.reviews = reviews
        self.exercise: Evaluation = Evaluation(seed, reviews=reviews)
        self.review_text = Text(lang, None, tag="b", css="chansim-review")
        self.seed_input = NumberInput(lang, "ui.seed", value=seed, minimum=0, maximum=999_999, css="chansim-seed",
                                      width="100px")  # fmt: skip
        self.new_game = self.button("evaluation.new_game", css="chansim-new-game", on_click=self.on_new_game)
        self.busy.add(self.seed_input)
        self.table = ScorecardTable(lang, self.notice, self.on_decide, self.busy)
        self.territory = TerritoryControl(lang, self.notice, self.on_move, self.busy)
        self.round_controls("evaluation.advance", autoplay=False)
        self.kpis = EvaluationCards(lang, CARD_NAMES)
        self.chart = ChartPanel(lang, "evaluation.chart.scorecards", css="chansim-chart-scorecards")
        self.years_chart = ChartPanel(lang, "evaluation.chart.years", css="chansim-chart-years")
        self.chart.add_class("chansim-chart")
        self.years_chart.add_class("chansim-chart")
        self.score = ScorePanel(lang)
        self.advice = AdvicePanel(lang)
        self.download = DownloadLink(lang)
        seed_row = widgets.HBox([self.seed_input, self.new_game], layout=widgets.Layout(align_items="flex-start"))
        charts = widgets.HBox([self.chart, self.years_chart], layout=widgets.Layout(flex_flow="row wrap"))
        self.build_page(
            "evaluation.title",
            [seed_row, self.review_text, self.notice, self.table, self.territory, self.controls, self.kpis, charts,
             self.score, self.advice, self.download],
            goal_key="evaluation.goal",
            step_keys=["evaluation.step1", "evaluation.step2", "evaluation.step3", "evaluation.step4"],
        )  # fmt: skip
        self.refresh()
        self.notice.show("evaluation.ready", "info")
        # the do-nothing years depend only on the seed: computed while the trainee reads the first
        # review, starting once Voila has had time to send the page (a click before waits for its year)
        self.benchmark_thread = self.exercise.prepare_benchmark(delay=2.0)

    # ------------------------------------------------------------------ steps
    def on_decide(self, partner: str, action: str) -> None:
        taken = self.exercise.decide(partner, action)
        self.notice.show("evaluation.decided", "ok", partner=_name(self.lang, self.exercise, partner),
                         action=self.lang.t(f"evaluation.action.{taken}"))  # fmt: skip

    def on_move(self, territory: str, dealer: str) -> None:
        self.exercise.reassign(territory, dealer)
        self.territory.show(self.exercise)
        self.notice.show("evaluation.territory_moved", "ok", territory=_territory(self.lang, self.exercise, territory),
                         dealer=_name(self.lang, self.exercise, dealer))  # fmt: skip

    # the exercise side of the round handlers: the decisions are taken as they are picked (on_decide, on_move)
    def read_decision(self) -> dict[str, Any]:
        """The review's decision: the actions and territory moves picked so far."""
        return {"actions": self.exercise.pending_actions, "moves": self.exercise.pending_moves}

    def show_played(self, decision: dict[str, Any], result: Any) -> None:
        bench = self.exercise.benchmark(result.year).totals["channel_profit"]
        self.notice.show("evaluation.simulated", "ok", year=result.year, profit=result.totals["channel_profit"],
                         bench=bench)  # fmt: skip

    def on_undo(self) -> None:
        """Take back the last year (the message names the year under review again)."""
        year = self.exercise.undo().year
        self.refresh()
        self.notice.show(self.undone_key, "info", year=year)

    def on_new_game(self) -> None:
        """A new evaluation with the seed typed."""
        seed = int(self.seed_input.read())
        self.exercise = Evaluation(seed, reviews=self.reviews)
        self.refresh()
        self.notice.show("evaluation.new_game_done", "ok", seed=seed)
        self.benchmark_thread = self.exercise.prepare_benchmark()

    def adopt(self, exercise: Evaluation) -> None:
        """A resumed game: its seed in the seed box, its benchmark prepared, then every part."""
        self.exercise = exercise
        self.reviews = exercise.options["reviews"]
        self.seed_input.value = exercise.seed
        super().adopt(exercise)
        self.benchmark_thread = exercise.prepare_benchmark()

    # ------------------------------------------------------------------ redraw
    def refresh(self) -> None:
        """Hand the controller's current state to every part."""
        game = self.exercise
        self.table.show(game)
        self.territory.show(game)
        self.controls.show_round(game.round, game.rounds, game.finished)
        if game.finished:
            self.review_text.set("evaluation.finished")
        else:
            self.review_text.set("evaluation.review_round", round=game.round + 1, rounds=game.rounds,
                                 year=game.year)  # fmt: skip
        self.kpis.update(game.kpi_cards(), currency=money_currency(game))
        card = game.scorecard()
        previous = game.scorecard(game.year - 1) if game.year > 1 else None
        self.chart.draw(lambda lang: scorecard_figure(card, lang, previous))
        years = game.years_table()
        self.years_chart.draw(lambda lang: years_figure(years, lang))
        self.score.update(self._score)
        self.advice.update(lambda lang: game.advice(lang.code))
        self.download.update(game.to_csv() or "", f"chansim-evaluation-seed{game.seed}.csv")

    def _score(self, lang: Language) -> tuple[float | None, str, Sequence[str]]:
        game = self.exercise
        formula = lang.t("evaluation.score_formula")
        score = game.score()
        if math.isnan(score.value):
            return None, formula, [lang.t("evaluation.score.none")]
        p = score.params
        lines = [
            lang.t("evaluation.score.profit_term", profit=p["P"], bench=p["P_b"],
                   points=score.components["profit_points"]),
            lang.t("evaluation.score.attainment_term", attainment=p["A"], bench=p["A_b"],
                   points=score.components["attainment_points"]),
            *debrief(game, lang.code),
        ]  # fmt: skip
        return score.value, formula, lines


def app(
    lang: str | Language | None = None, *, seed: int = 0, reviews: int = REVIEWS,
    trainee: Any = None, store: Any = None, game: str | None = None,
) -> EvaluationApp:  # fmt: skip
    """The performance-evaluation app (year 1 simulated; decide, then simulate the next year); displays as its page.

    Its parts, for tests: ``exercise`` (the :class:`Evaluation`), ``table``, ``territory``,
    ``controls``, ``kpis``, ``chart``, ``years_chart``, ``score``, ``advice``, ``download``,
    ``notice``, ``seed_input``, ``new_game``, ``lang``, ``busy`` and ``page``.
    """
    made = EvaluationApp(lang, seed, reviews)
    made.open_session(trainee=trainee, store=store, game=game)
    return made


def _name(lang: Language, game: Any, partner: str) -> str:
    """The partner's name in the page's language (a newcomer keeps its own)."""
    return partner_name(lang, partner, game.display_name(partner))


def _territory(lang: Language, game: Any, territory: str) -> str:
    """A territory of the fixed channel (``market_n1_centre``: "Lakeside centre", "湖畔市中心"), translated."""
    shown = game.territory_name(territory)
    town, _, part = territory.rpartition("_")
    keys = (f"territory.{town}", f"territory.part.{part}")
    cat = lang.catalogue
    if all(key in cat for key in keys):

        def name(code: str) -> str:
            return ("" if code.startswith("zh") else " ").join(cat.get(key, code) for key in keys)

        if shown in {name(code) for code in cat.languages}:
            return name(lang.code)
    return shown
