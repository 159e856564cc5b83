"""The beer game app: play one role of Sterman's chain week by week against partners on his rule.

The page composes the toolkit (:mod:`chansim.ui.widgets`) on the app base
(:class:`chansim.ui.apps.base.App`); every step calls the controller
(:class:`chansim.exercises.beer_game.BeerGame`) and hands what comes back to the parts. The
game is built when the page opens (a few milliseconds: one week of replay), the benchmark
(every role on the rule) when the first week is played.
"""

from __future__ import annotations

import html
import math
from typing import Any

import ipywidgets as widgets

from chansim.exercises.beer_game import BEER, CUSTOMERS, DEMANDS, ROLES, BeerGame
from chansim.exercises.feedback import advise_facts, game_facts
from chansim.ui import charts
from chansim.ui.apps.base import App
from chansim.ui.widgets import (
    AdvicePanel,
    ChartPanel,
    DownloadLink,
    KpiCards,
    Language,
    NumberInput,
    ScorePanel,
    Text,
    label,
    money_currency,
)

__all__ = ["KPI_NAMES", "VIEW_FIELDS", "BeerGameApp", "app"]

#: The KPI cards of the trainee's role (names of :func:`chansim.metrics.kpis`).
KPI_NAMES = ("total_cost", "fill_rate", "otif", "bullwhip", "mean_on_hand", "mean_backorder")
#: What the trainee's node sees each week: (message key, column of :meth:`BeerGame.state`).
VIEW_FIELDS = (
    ("beer_game.view.incoming", "incoming_orders"),
    ("beer_game.view.received", "received"),
    ("beer_game.view.on_hand", "on_hand"),
    ("beer_game.view.backlog", "backorder"),
    ("beer_game.view.on_order", "on_order"),
    ("beer_game.view.last_order", "last_order"),
)


AXES_BOX = (0.085, 0.15, 0.9, 0.8)


def level_names(lang: Language) -> dict[str, str]:
    """The roles (and the end customers) in the chart language."""
    language = charts.chart_language(lang)
    return {name: lang.catalogue.get(f"beer_game.role.{name}", language) for name in (*ROLES, CUSTOMERS, "chain")}


def _number(value: float) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{value:,.0f}" if float(value) == int(value) else f"{value:,.1f}"


class BeerGameApp(App):
    """The parts of the page and the steps between them and the controller (:attr:`exercise`)."""

    new_game_in_bar = False  # its own new-game button (a role and demand / a seed) is the one

    def __init__(self, lang: str | None, *, seed: int, role: str, demand: str, horizon_weeks: int) -> None:
        super().__init__(lang)
        self.seed, self.horizon_weeks = seed, horizon_weeks
        self.role_picker = widgets.Dropdown(description="", layout=widgets.Layout(width="200px"))
        self.role_picker.add_class("chansim-role")
        self.demand_picker = widgets.Dropdown(description="", layout=widgets.Layout(width="340px"))
        self.demand_picker.add_class("chansim-demand")
        self.role_label = Text(self.lang, "beer_game.role_label", tag="b")
        self.demand_label = Text(self.lang, "beer_game.demand_label", tag="b")
        label(self.lang, self.role_picker, "beer_game.role_label")  # their names, for screen readers
        label(self.lang, self.demand_picker, "beer_game.demand_label")
        self._relabel_pickers(role, demand)
        self.lang.observe(lambda: self._relabel_pickers(self.role_picker.value, self.demand_picker.value))
        self.start = self.button("beer_game.start", css="chansim-start", style="info", on_click=self.on_start)
        self.busy.add(self.role_picker, self.demand_picker)
        setup = widgets.HBox(
            [self.role_label, self.role_picker, self.demand_label, self.demand_picker, self.start],
            layout=widgets.Layout(flex_flow="row wrap", align_items="center", grid_gap="8px"),
        )
        self.week_title = Text(self.lang, None, tag="h4", css="chansim-week-title")
        self.week_view = widgets.HTML()
        self.week_view.add_class("chansim-week")
        self.order_input = NumberInput(self.lang, "beer_game.order_label", minimum=0, maximum=1000, whole=True,
                                       css="chansim-order-input", width="90px")  # fmt: skip
        self.busy.add(self.order_input)
        self.round_controls("control.advance_week")
        self.order_input.on_submit(self.controls.advance.click)  # Enter plays the week, through the busy state
        self.kpis_title = Text(self.lang, "beer_game.kpis_title", tag="h4")
        self.kpis = KpiCards(self.lang, KPI_NAMES)
        self.chart = ChartPanel(self.lang, "debrief.bullwhip_chart", css="chansim-bullwhip-chart")
        self.stock_chart = ChartPanel(self.lang, "debrief.stock_chart", css="chansim-stock-chart")
        self.score = ScorePanel(self.lang, out_of=None)  # 100 = as cheap as the rule; beating it scores more
        self.advice = AdvicePanel(self.lang)
        self.download = DownloadLink(self.lang)
        self.debrief_title = Text(self.lang, "debrief.title", tag="h3")
        self.debrief_text = Text(self.lang, None, tag="p")
        self.cost_table = widgets.HTML()
        self.cost_table.add_class("chansim-cost-table")
        self.benchmark_chart = ChartPanel(self.lang, "beer_game.benchmark_chart", css="chansim-benchmark-chart")
        # charts kept from week to week (lines updated in place), one colour per role in all of them
        self.live_bullwhip, self.live_stock, self.live_benchmark = charts.LiveChart(), charts.LiveChart(), None
        self.colors = charts.palette(ROLES)
        self.debrief = widgets.VBox(
            [self.debrief_title, self.debrief_text, self.cost_table, self.benchmark_chart],
            layout=widgets.Layout(display="none"),
        )
        self.debrief.add_class("chansim-debrief")
        self.lang.observe(self._render_tables)
        body = [
            setup,
            self.notice,
            self.week_title,
            self.week_view,
            self.order_input,
            self.controls,
            self.kpis_title,
            self.kpis,
            widgets.HBox([self.score, self.advice], layout=widgets.Layout(flex_flow="row wrap", grid_gap="16px")),
            self.chart,
            self.stock_chart,
            self.debrief,
            self.download,
        ]
        self.build_page("beer_game.title", body, goal_key="beer_game.goal",
                        step_keys=[f"beer_game.step.{i}" for i in range(1, 6)])  # fmt: skip
        self.exercise: BeerGame = self._new_game(role, demand)
        self.refresh()
        self.notice.show("beer_game.started", "info", role=self._role_name(), weeks=self.exercise.rounds)

    # ------------------------------------------------------------------ helpers
    def _new_game(self, role: str, demand: str) -> BeerGame:
        return BeerGame(role, seed=self.seed, demand=demand, horizon_weeks=self.horizon_weeks)

    def _relabel_pickers(self, role: str, demand: str) -> None:
        t = self.lang.t
        self.role_picker.options = [(t(f"beer_game.role.{r}"), r) for r in ROLES]
        self.role_picker.value = role
        self.demand_picker.options = [(t(f"beer_game.demand.{d}"), d) for d in DEMANDS]
        self.demand_picker.value = demand

    def _weeks(self) -> tuple[float, float]:
        """The x range of the weekly charts: every week of the game, so it stays put from week to week."""
        return (0.5, self.exercise.rounds + 0.5)

    def _role_name(self, lang: Language | None = None) -> str:
        return (lang or self.lang).t(f"beer_game.role.{self.exercise.role}")

    # ------------------------------------------------------------------ steps
    def on_start(self) -> None:
        """A new game with the role and demand picked."""
        self.exercise = self._new_game(self.role_picker.value, self.demand_picker.value)
        self.refresh()
        self.notice.show("beer_game.started", "ok", role=self._role_name(), weeks=self.exercise.rounds)

    def adopt(self, exercise: BeerGame) -> None:
        """A resumed game: its role, demand and horizon in the pickers, then every part."""
        self.seed, self.horizon_weeks = exercise.seed, exercise.horizon_weeks
        self._relabel_pickers(exercise.role, exercise.demand)
        super().adopt(exercise)

    # the exercise side of the shared round handlers (the rest is the base's contract verbs)
    def read_decision(self) -> dict[str, float]:
        return {"order": self.order_input.read()}

    def show_played(self, decision: dict[str, float], result) -> None:  # type: ignore[no-untyped-def]
        qty = result.order(self.exercise.role, BEER)
        self.notice.show("beer_game.ordered", "ok", week=result.round + 1, qty=qty)

    def show_autoplayed(self, count: int) -> None:
        self.notice.show("beer_game.autoplayed", "ok", count=count)

    # ------------------------------------------------------------------ what the parts show
    def refresh(self) -> None:
        """Hand the controller's state to every part (the charts are redrawn)."""
        game = self.exercise
        self.controls.show_round(game.round, game.rounds, game.finished)
        self.busy.set_disabled(self.order_input, game.finished)
        if not game.finished:  # pre-filled with the standard process's order (Sterman's rule): Enter plays it
            self.order_input.value = int(game.default_decision()["order"])
            self.order_input.message.clear()
        self._state = game.stock_table().iloc[0]
        played = game.round > 0
        if played:
            facts = game_facts(game.result(), role=game.role)  # the role's KPIs and the feedback facts, once
            self.kpis.update({name: facts[0].kpi(name) for name in KPI_NAMES}, currency=money_currency(game))
            self._score = game.score()
            self._costs = game.cost_table().set_index("node")
            table = game.bullwhip_table()
            self._bullwhip = table[table["run"] == "game"]
            self._benchmark_bullwhip = table[table["run"] == "benchmark"]
            self._levels = game.result().levels
            self.advice.update(lambda lang: advise_facts(facts, lang=lang.code))
            self.score.update(self._score_view)
            # the game and the rule's bullwhip charts are compared: one y-range for both
            self._bullwhip_ylim = charts.bullwhip_ylim(self._bullwhip, self._benchmark_bullwhip)
            self.chart.draw(
                lambda lang: charts.bullwhip_figure(
                    self._bullwhip, lang, level_names=level_names(lang), colors=self.colors,
                    ylim=self._bullwhip_ylim, live=self.live_bullwhip, xlim=self._weeks(),
                ),
                live=self.live_bullwhip,
            )  # fmt: skip
            self.stock_chart.draw(
                lambda lang: charts.stock_figure(
                    self._levels, lang, nodes=ROLES, period_days=7, level_names=level_names(lang),
                    colors=self.colors, live=self.live_stock, xlim=self._weeks(),
                ),
                live=self.live_stock,
            )  # fmt: skip
            self.download.update(game.to_csv(), f"chansim-beer-game-{game.role}-{game.demand}-seed{game.seed}.csv")
        else:
            self.kpis.update({})
            self.advice.update(None)
            self.score.update(None)
            self.chart.draw(lambda lang: charts.empty_figure(lang))
            self.stock_chart.draw(None)
            self.download.update("", "")
        if game.finished:  # drawn on the range the game's chart shows (its y range is sticky: grown over the game)
            if self.live_benchmark is None:
                self.live_benchmark = charts.LiveChart()
            self.live_benchmark.reset()  # a game's debrief: its own range, not the last game's
            self.benchmark_chart.draw(
                lambda lang: charts.bullwhip_figure(
                    self._benchmark_bullwhip, lang, level_names=level_names(lang), colors=self.colors,
                    ylim=self.live_bullwhip.ax.get_ylim(), live=self.live_benchmark, xlim=self._weeks(),
                ),
                live=self.live_benchmark,
            )  # fmt: skip
            self.debrief.layout.display = "flex"
        else:
            self.debrief.layout.display = "none"
        self._render_tables()

    def _render_tables(self) -> None:
        """The week view, the debrief text and the cost table (texts in the page language)."""
        game, t = self.exercise, self.lang.t
        state = self._state
        if game.finished:
            self.week_title.set("beer_game.week_over", week=game.round, role=self._role_name())
        else:
            self.week_title.set("beer_game.week_title", week=game.week, role=self._role_name())
        unit = html.escape(t("beer_game.view.cases"))
        cards = "".join(
            f'<div class="chansim-card chansim-view-{column}"><div class="label">{html.escape(t(key))}</div>'
            f'<div class="value">{_number(float(state[column]))}</div><div class="unit">{unit}</div></div>'
            for key, column in VIEW_FIELDS
        )
        self.week_view.value = f'<div style="display:flex;flex-wrap:wrap">{cards}</div>'
        if not game.finished or game.round == 0:
            self.debrief_text.clear()
            self.cost_table.value = ""
            return
        chain = self._costs.loc["chain"]
        self.debrief_text.set("beer_game.debrief_summary", weeks=game.round, c_you=chain["cost"],
                              c_rule=chain["benchmark_cost"])  # fmt: skip
        head = "".join(
            f"<th>{html.escape(t(key))}</th>"
            for key in ("beer_game.cost_table.role", "beer_game.cost_table.cost", "beer_game.cost_table.benchmark")
        )
        rows = ""
        for node, row in self._costs.iterrows():
            name = html.escape(t(f"beer_game.role.{node}")) + (" ★" if row["trainee"] else "")
            style = ' style="font-weight:600"' if node == "chain" or row["trainee"] else ""
            rows += f"<tr{style}><td>{name}</td><td>{row['cost']:,.1f}</td><td>{row['benchmark_cost']:,.1f}</td></tr>"
        self.cost_table.value = f'<table class="chansim-table"><tr>{head}</tr>{rows}</table>'

    def _score_view(self, lang: Language) -> tuple[float | None, str, list[str]]:
        score, costs, t = self._score, self._costs, lang.t
        chain, mine = costs.loc["chain"], costs.loc[self.exercise.role]
        lines = [
            t("beer_game.score_numbers", text=score.text(lang.code)),
            t("beer_game.score_chain", weeks=score.params["weeks"], c_you=chain["cost"],
              c_rule=chain["benchmark_cost"]),
            t("beer_game.score_role", role=self._role_name(lang), cost=mine["cost"], rule=mine["benchmark_cost"]),
        ]  # fmt: skip
        value = score.value if math.isfinite(score.value) else None
        return value, t(score.formula_key), lines


def app(
    lang: str | None = None,
    *,
    seed: int = 0,
    role: str = "retailer",
    demand: str = "classic",
    horizon_weeks: int = 36,
    trainee: Any = None,
    store: Any = None,
    game: str | None = None,
) -> BeerGameApp:
    """The beer game app (see the module docstring); it displays as its page, ``.exercise`` is the :class:`BeerGame`."""
    made = BeerGameApp(lang, seed=seed, role=role, demand=demand, horizon_weeks=horizon_weeks)
    made.open_session(trainee=trainee, store=store, game=game)
    return made
