"""The training and sales-funnel app: seats per dealer, routing rule, forecast weights, a quarter at a time.

It composes the toolkit of :mod:`chansim.ui.widgets` on the app base
(:class:`chansim.ui.apps.base.App`) around a :class:`~chansim.exercises.training.TrainingGame`;
steps only read the inputs, call the controller and hand what comes back to the parts. The two charts of the exercise (the
funnel per stage, forecast versus actual) are drawn here with
:func:`chansim.ui.charts.new_figure`.

CSS classes the browser tests use: ``chansim-seats-<i>`` (the seat box of dealer ``i`` in
:attr:`TrainingGame.partners` order), ``chansim-format``, ``chansim-routing``,
``chansim-weight-<j>`` (stage ``j``), ``chansim-advance``, ``chansim-undo``,
``chansim-reset``, ``chansim-dealers``, ``chansim-kpis``, ``chansim-funnel-chart``,
``chansim-forecast-chart``, ``chansim-score``, ``chansim-advice``, ``chansim-debrief``,
``chansim-download`` and the status line ``chansim-status``.
"""

from __future__ import annotations

import html
import math
from typing import TYPE_CHECKING, Any

import ipywidgets as widgets
import numpy as np

from chansim.exercises.game import DecisionError
from chansim.exercises.training import FORMATS, ROUTING_RULES, TrainingGame
from chansim.ui.apps.base import App
from chansim.ui.charts import chart_language, cjk_font, empty_figure, figure_legend, new_figure
from chansim.ui.widgets import (
    AdvicePanel,
    ChartPanel,
    DownloadLink,
    KpiCards,
    Language,
    NumberInput,
    ScorePanel,
    Text,
    money_currency,
    partner_name,
)

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["KPI_NAMES", "TrainingApp", "app", "forecast_figure", "funnel_figure"]

#: The KPI cards, in order.
KPI_NAMES = (
    "funnel_win_rate",
    "training_win_rate_uplift",
    "training_extra_units",
    "training_spend",
    "weighted_pipeline",
    "training_forecast_error",
)
_UNTRAINED, _TRAINED, _WEIGHTS = "#8c959f", "#0969da", "#cf222e"


def _chart_text(lang: Language, key: str, **params: Any) -> str:
    return lang.catalogue.get(key, chart_language(lang), **params)


def _with_fonts(fig: Figure) -> Figure:
    """Every text of ``fig`` (ticks and legends too) in a font that can draw the chart language.

    Inside :func:`chansim.ui.charts.font_context` (as :class:`~chansim.ui.widgets.ChartPanel`
    makes and draws its figures) every text already has that font: nothing to change.
    """
    import matplotlib as mpl
    from matplotlib.text import Text as MplText

    font = cjk_font()
    family = [font, "DejaVu Sans"] if font else ["DejaVu Sans"]
    if list(mpl.rcParams["font.family"]) == family:
        return fig
    for text in fig.findobj(MplText):
        text.set_fontfamily(family)
    return fig


#: Where the two axes of :func:`funnel_figure` sit (figure fractions), instead of a layout engine.
FUNNEL_BOXES = ((0.065, 0.095, 0.43, 0.82), (0.565, 0.095, 0.43, 0.82))


def funnel_figure(game: TrainingGame, lang: Language) -> Figure:
    """Deals entering each stage and each stage's conversion, without and with the trainee's training.

    Over the rounds played; the markers are the forecast weights of the round being decided.
    """
    if not game.round:
        return empty_figure(lang, _chart_text(lang, "training.chart.funnel"))
    table = game.stage_table()
    fig, axes = new_figure(lang, 1, 2, width=10.5, height=3.4, boxes=FUNNEL_BOXES)
    x = np.arange(len(game.stage_names))
    labels = [_chart_text(lang, f"training.stage.{name}") for name in game.stage_names]
    series = (("untrained", _UNTRAINED, "training.chart.untrained"), ("trained", _TRAINED, "training.chart.trained"))
    for ax, column, title in ((axes[0, 0], "entered", "training.chart.entered"),
                              (axes[0, 1], "conversion", "training.chart.conversion")):  # fmt: skip
        for offset, (run, color, key) in zip((-0.2, 0.2), series, strict=True):
            values = table[table["run"] == run].sort_values("stage_index")[column].to_numpy(dtype=float)
            ax.bar(x + offset, values, width=0.4, color=color, label=_chart_text(lang, key))
        ax.set_xticks(x, labels)
        ax.set_title(_chart_text(lang, title))
    axes[0, 1].plot(
        x, game.weight_conversions(), "D", color=_WEIGHTS, label=_chart_text(lang, "training.chart.your_weights")
    )
    axes[0, 1].set_ylim(0, 1.05)
    axes[0, 1].set_ylabel(_chart_text(lang, "training.chart.share"))
    axes[0, 0].set_ylabel(_chart_text(lang, "training.chart.deals"))
    figure_legend(fig, axes[0, 1], top=0.78)  # above the charts, never over a bar
    return _with_fonts(fig)


def forecast_figure(game: TrainingGame, lang: Language) -> Figure:
    """Per quarter: the weighted pipeline forecast, the same weighted by the measured conversion, the actual."""
    rows = game.rounds_table()
    if rows.empty:
        return empty_figure(lang, _chart_text(lang, "training.chart.forecast"))
    fig, axes = new_figure(lang, width=10.5, height=3.2)
    ax = axes[0, 0]
    x = np.arange(len(rows))
    bars = (
        ("forecast_units", _WEIGHTS, "training.chart.forecast_units", -0.27),
        ("measured_forecast_units", "#bf8700", "training.chart.measured_units", 0.0),
        ("actual_units", _TRAINED, "training.chart.actual_units", 0.27),
    )
    for column, color, key, offset in bars:
        ax.bar(x + offset, rows[column].to_numpy(dtype=float), width=0.27, color=color, label=_chart_text(lang, key))
    for i, error in enumerate(rows["forecast_error"]):
        if isinstance(error, float) and math.isfinite(error):
            top = max(rows["forecast_units"].iloc[i], rows["actual_units"].iloc[i])
            ax.annotate(f"{error:+.0%}", (i, top), ha="center", va="bottom", fontsize=9, color="#1f2328")
    ax.set_xticks(x, [_chart_text(lang, "training.chart.quarter_n", round=int(r)) for r in rows["round"]])
    ax.set_ylabel(_chart_text(lang, "training.chart.units"))
    ax.set_title(_chart_text(lang, "training.chart.forecast"))
    figure_legend(fig, ax, top=0.76)
    ax.margins(y=0.15)
    return _with_fonts(fig)


def _percent(value: float) -> str:
    return "–" if value != value else f"{value:.0%}"


class _Options:
    """Keeps a selection widget's option labels in the page language, its value unchanged."""

    def __init__(self, lang: Language, widget: widgets.Widget, keys: dict[str, str]) -> None:
        self.lang, self.widget, self.keys = lang, widget, keys
        lang.observe(self.relabel)
        self.relabel()

    def relabel(self) -> None:
        value = self.widget.value
        self.widget.options = [(self.lang.t(key), name) for name, key in self.keys.items()]
        if value in self.keys:
            self.widget.value = value


class TrainingApp(App):
    """The parts of the page and the steps between them and the controller (:attr:`exercise`)."""

    def __init__(self, lang: str | None = None, *, seed: int = 0, rounds: int = 4) -> None:
        super().__init__(lang)
        language = self.lang
        self.seed = seed
        self.exercise: TrainingGame = TrainingGame(seed=seed, rounds=rounds)
        game = self.exercise
        intro = Text(
            language, "training.intro", tag="p", css="chansim-intro", days=game.lead_in_days,
            round_days=game.round_days, rounds=game.rounds, budget=game.seat_budget,
            max_seats=game.max_seats_per_partner,
        )  # fmt: skip

        # --- decisions
        self.dealer_table = widgets.HTML()
        self.dealer_table.add_class("chansim-dealers")
        self.seat_inputs = [
            NumberInput(
                language,
                "training.seats_field",
                value=0,
                minimum=0,
                maximum=game.max_seats_per_partner,
                whole=True,
                css=f"chansim-seats-{i}",
                width="70px",
                partner=lambda lg, p=partner: partner_name(lg, p, game.display_names[p]),
            )  # fmt: skip
            for i, partner in enumerate(game.partners)
        ]
        self.budget_text = Text(language, None, tag="div", css="chansim-seat-budget")
        self.training_format = widgets.ToggleButtons(value="offline", options=[("offline", "offline")])
        self.training_format.add_class("chansim-format")
        format_help = Text(
            language, "training.format_help", tag="small", offline_uplift=FORMATS["offline"].uplift,
            offline_cost=FORMATS["offline"].cost_per_seat, online_uplift=FORMATS["online"].uplift,
            online_cost=FORMATS["online"].cost_per_seat,
        )  # fmt: skip
        self.routing = widgets.Dropdown(value=game.routing, options=[(game.routing, game.routing)],
                                        layout=widgets.Layout(width="420px"))  # fmt: skip
        self.routing.add_class("chansim-routing")
        self._options = [  # keep the relabelling observers alive with the app
            _Options(language, self.training_format, {name: f"training.format.{name}" for name in FORMATS}),
            _Options(language, self.routing, {name: f"training.routing.{name}" for name in ROUTING_RULES}),
        ]
        self.weight_inputs = [
            NumberInput(
                language,
                f"training.weight.{stage}",
                value=round(100 * weight, 1),
                minimum=0,
                maximum=100,
                whole=False,
                css=f"chansim-weight-{j}",
                width="70px",
            )  # fmt: skip
            for j, (stage, weight) in enumerate(zip(game.stage_names, game.forecast_weights, strict=True))
        ]
        self.weights_help = Text(language, None, tag="small", css="chansim-weights-help")
        self.busy.add(*self.seat_inputs, *self.weight_inputs, self.training_format, self.routing)

        # --- results
        self.kpis = KpiCards(language, KPI_NAMES)
        self.funnel_chart = ChartPanel(language, "training.chart.funnel", css="chansim-funnel-chart")
        self.chart = self.funnel_chart
        self.forecast_chart = ChartPanel(language, "training.chart.forecast", css="chansim-forecast-chart")
        self.score = ScorePanel(language)
        self.advice = AdvicePanel(language)
        self.debrief_title = Text(language, None, tag="h3")
        self.debrief = widgets.HTML()
        self.debrief.add_class("chansim-debrief")
        self.download = DownloadLink(language)

        self.round_controls("training.advance", autoplay=False)
        for box in self.seat_inputs:
            box.text.observe(self.update_budget, names="value")
        self.training_format.observe(self.update_budget, names="value")
        language.observe(self.render_dealers)
        language.observe(self.render_debrief)

        decisions = widgets.VBox([
            Text(language, "training.dealers", tag="h4"),
            self.dealer_table,
            widgets.HBox([widgets.VBox(self.seat_inputs[: (len(self.seat_inputs) + 1) // 2]),
                          widgets.VBox(self.seat_inputs[(len(self.seat_inputs) + 1) // 2 :])]),
            self.budget_text,
            widgets.HBox([Text(language, "training.format", tag="b"), self.training_format]),
            format_help,
            widgets.HBox([Text(language, "training.routing", tag="b"), self.routing]),
            Text(language, "training.weights", tag="b"),
            widgets.HBox(self.weight_inputs[:2]),
            widgets.HBox(self.weight_inputs[2:]),
            self.weights_help,
        ])  # fmt: skip
        decisions.add_class("chansim-decisions")
        body = [
            intro,
            self.notice,
            widgets.HTML("<hr>"),
            Text(language, "training.decisions", tag="h3"),
            decisions,
            self.controls,
            self.kpis,
            self.funnel_chart,
            self.forecast_chart,
            self.score,
            self.advice,
            self.debrief_title,
            self.debrief,
            self.download,
        ]
        steps = [f"training.step.{i}" for i in range(1, 6)]
        self.build_page("stage.training.name", body, goal_key="training.goal", step_keys=steps)
        self.refresh()
        self.notice.show("ui.ready", "info")

    # ------------------------------------------------------------------ what the parts show
    def render_dealers(self) -> None:
        t, game = self.lang.t, self.exercise
        state = game.dealer_table()
        head = "".join(
            f"<th style='text-align:left;padding:2px 8px'>{html.escape(t('training.table.' + key))}</th>"
            for key in ("partner", "tier", "region", "leads", "share", "win_rate", "uplift", "seats_so_far")
        )
        body = "".join(
            "<tr>"
            f"<td style='padding:2px 8px'>{i + 1}. "
            f"{html.escape(partner_name(self.lang, row.partner, row.display_name))}</td>"
            f"<td style='padding:2px 8px'>{html.escape(t('training.tier.' + row.tier))}</td>"
            f"<td style='padding:2px 8px'>{html.escape(t('training.region.' + row.region))}</td>"
            f"<td style='padding:2px 8px'>{row.leads_last_round}</td>"
            f"<td style='padding:2px 8px'>{_percent(row.lead_share_last_round)}</td>"
            f"<td style='padding:2px 8px'>{_percent(row.win_rate)}</td>"
            f"<td style='padding:2px 8px'>+{row.uplift_now:.0%}</td>"
            f"<td style='padding:2px 8px'>{row.seats_so_far}</td></tr>"
            for i, row in enumerate(state.itertuples())
        )
        self.dealer_table.value = f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"

    def update_budget(self, *_: Any) -> None:
        used = 0
        for box in self.seat_inputs:
            try:
                used += max(0, int(float(box.value)))
            except ValueError:
                pass
        cost = used * FORMATS.get(self.training_format.value, FORMATS["offline"]).cost_per_seat
        self.budget_text.set("training.seat_budget", used=used, budget=self.exercise.seat_budget, cost=cost)

    def update_weights_help(self) -> None:
        game = self.exercise
        measured = game.measured_weights() if game.round else (math.nan,) * len(game.stage_names)
        shown = " / ".join("–" if w != w else f"{w:.0%}" for w in measured)
        self.weights_help.set("training.weights_help", measured=shown)

    def score_view(self, lang: Language) -> tuple[float | None, str, list[str]]:
        result = self.exercise.score()
        if not math.isfinite(result.value):
            return None, lang.t("training.score.formula"), []
        c = result.components
        lines = [
            lang.t("training.score.uplift_term", gain=c["G"], reference=c["G_ref"], points=c["uplift_points"]),
            lang.t("training.score.forecast_term", forecast=c["forecast_units"],
                   measured=c["measured_forecast_units"], calibration=c["E"], points=c["forecast_points"]),
        ]  # fmt: skip
        if math.isfinite(c["B"]):
            lines.append(lang.t("training.score.actual_term", actual=c["actual_units"], bias=c["B"]))
        return result.value, lang.t("training.score.formula"), lines

    def render_debrief(self) -> None:
        game, language = self.exercise, self.lang
        if not game.finished:
            self.debrief_title.clear()
            self.debrief.value = ""
            return
        self.debrief_title.set("debrief.title")
        lines = game.debrief(language.code)
        items = "".join(f"<li>{html.escape(line)}</li>" for line in lines)
        self.debrief.value = (
            f"<ul>{items}</ul><p><b>{html.escape(language.t('debrief.try_next'))}:</b> "
            f"{html.escape(language.t('training.debrief.try_next'))}</p>"
        )

    def refresh(self) -> None:
        game = self.exercise
        self.render_dealers()
        self.update_budget()
        self.update_weights_help()
        values = game.kpi_cards()
        for name, digits in (("training_win_rate_uplift", 1), ("training_forecast_error", 0)):
            if math.isfinite(values[name]):
                values[name] = round(values[name], digits)
        self.kpis.update(values, currency=money_currency(game))
        self.funnel_chart.draw(lambda lang: funnel_figure(game, lang))
        self.forecast_chart.draw(lambda lang: forecast_figure(game, lang))
        self.score.update(self.score_view)
        self.advice.update(lambda lang: game.advice(lang.code))
        self.render_debrief()
        if game.round:
            self.download.update(game.to_csv() or "", f"chansim-training-seed{self.seed}.csv")
        else:
            self.download.update("", "")
        self.controls.show_round(game.round, game.rounds, game.finished)

    def adopt(self, exercise: TrainingGame) -> None:
        """A resumed game: its seed for the file name, then every part."""
        self.seed = exercise.seed
        super().adopt(exercise)

    def show_decisions(self) -> None:
        """Put the game's current decisions into the inputs (after undo or reset)."""
        game = self.exercise
        for box in self.seat_inputs:
            box.value = 0
            box.message.clear()
        for box, weight in zip(self.weight_inputs, game.forecast_weights, strict=True):
            box.value = round(100 * weight, 1)
            box.message.clear()
        self.training_format.value = game.training_format
        self.routing.value = game.routing

    # ------------------------------------------------------------------ the exercise side of the round handlers
    def read_decision(self) -> dict[str, Any]:
        seats = _read_all(self.seat_inputs)
        weights = _read_all(self.weight_inputs)
        return {
            "seats": {p: int(n) for p, n in zip(self.exercise.partners, seats, strict=True)},
            "format": self.training_format.value,
            "routing": self.routing.value,
            "forecast_weights": [w / 100.0 for w in weights],
        }

    def play_decision(self, decision: dict[str, Any]) -> Any:
        plan = self.exercise.play_round(decision)
        for box in self.seat_inputs:  # seats start at 0 again for the next quarter
            box.value = 0
        return plan

    def show_played(self, decision: dict[str, Any], result: Any) -> None:
        game = self.exercise
        row = game.rounds_table().iloc[-1]
        if math.isfinite(row["forecast_error"]):
            self.notice.show("training.round_played", "ok", round=result.round + 1, units=row["extra_won_units"],
                             error=100.0 * row["forecast_error"])  # fmt: skip
        else:
            self.notice.show("training.round_played_no_error", "ok", round=result.round + 1,
                             units=row["extra_won_units"])  # fmt: skip
        if game.finished:
            self.notice.show("training.finished", "ok", rounds=game.rounds)


def _read_all(boxes: list[NumberInput]) -> list[float]:
    """Every box checked (each bad one shows its message); the first error is raised."""
    values, first = [], None
    for box in boxes:
        try:
            values.append(box.read())
        except DecisionError as error:
            first = first or error
    if first is not None:
        raise first
    return values


def app(
    lang: str | None = None, *, seed: int = 0, rounds: int = 4,
    trainee: Any = None, store: Any = None, game: str | None = None,
) -> TrainingApp:  # fmt: skip
    """The training and sales-funnel exercise in ``lang`` (default: the page URL's ``?lang=``); displays as its page."""
    made = TrainingApp(lang, seed=seed, rounds=rounds)
    made.open_session(trainee=trainee, store=store, game=game)
    return made
