"""The recruitment app: weigh the evaluation index, rank Faker-made applicants, sign, reveal.

Composes the toolkit on the app base (:class:`chansim.ui.apps.base.App`) around
:class:`chansim.exercises.recruitment.Recruitment`; steps only call the controller and hand
what comes back to the parts. A reveal simulates the recruits' first months (3–16 s): the
busy state shows "working…" meanwhile and keeps the buttons disabled.
"""

from __future__ import annotations

import html
import math
from typing import Any

import ipywidgets as widgets

from chansim.exercises.recruitment import CRITERIA, NOISE, Recruitment
from chansim.generate import partner_names
from chansim.ui.apps.base import App
from chansim.ui.charts import COLORS, chart_language, cjk_font, new_figure
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
    place_name,
)

__all__ = ["KPI_NAMES", "RecruitmentApp", "app"]

KPI_NAMES = ["activation", "target_attainment", "churned", "bad_debt"]
CELL = "padding:2px 6px;border-bottom:1px solid #d0d7de;text-align:{align};width:{width}px"
APPLICANT_WIDTHS = [("rank", 44, "right"), ("company", 220, "left"), ("city", 130, "left"), ("region", 90, "left")]


def _cells(values: list[tuple[str, int, str]], head: bool = False) -> str:
    tag = "th" if head else "td"
    return "".join(
        f'<{tag} style="{CELL.format(align=align, width=width)}">{html.escape(text)}</{tag}>'
        for text, width, align in values
    )


def _table_row(values: list[tuple[str, int, str]], head: bool = False) -> str:
    return f'<table style="border-collapse:collapse;table-layout:fixed"><tr>{_cells(values, head)}</tr></table>'


def _t(lang: Language, key: str, **params: Any) -> str:
    return lang.catalogue.get(key, chart_language(lang), **params)


def _legend(ax: Any, size: int = 8) -> None:
    """A legend right of the data (the axes narrowed for it), in a font with Chinese glyphs when one is installed."""
    font = cjk_font()
    family = [font, "DejaVu Sans"] if font else ["DejaVu Sans"]
    ax.set_position((0.13, 0.15, 0.5, 0.78))
    ax.legend(prop={"family": family, "size": size}, loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0,
              frameon=False)  # fmt: skip


def scatter_figure(game: Recruitment, lang: Language):  # type: ignore[no-untyped-def]
    """Hidden capability vs composite score of the last revealed pool; picks circled, best starred."""
    fig, axes = new_figure(lang, width=6.0, height=3.6)
    ax = axes[0, 0]
    last = game.last
    if last is None:
        return fig
    pool = last.pool
    ax.scatter(
        100 * pool["capability"],
        pool["composite"],
        color=COLORS[5],
        s=25,
        label=_t(lang, "recruitment.chart.applicants"),
    )
    mine = pool[pool["picked"]]
    ax.scatter(100 * mine["capability"], mine["composite"], s=160, facecolors="none", edgecolors=COLORS[0],
               linewidths=2, label=_t(lang, "recruitment.chart.your_picks"))  # fmt: skip
    best = pool[pool["best"]]
    ax.scatter(100 * best["capability"], best["composite"], marker="*", s=90, color=COLORS[4],
               label=_t(lang, "recruitment.chart.best_picks"))  # fmt: skip
    ax.set_xlabel(_t(lang, "recruitment.chart.capability"))
    ax.set_ylabel(_t(lang, "recruitment.chart.composite"))
    _legend(ax)
    return fig


def ramp_figure(game: Recruitment, lang: Language):  # type: ignore[no-untyped-def]
    """Monthly sales of your recruits in the last revealed round."""
    fig, axes = new_figure(lang, width=6.0, height=3.6)
    ax = axes[0, 0]
    last = game.last
    if last is None:
        return fig
    monthly = last.monthly[last.monthly["run"] == "yours"]
    for i, (_name, rows) in enumerate(monthly.groupby("applicant", sort=True)):
        ax.plot(
            rows["month"], rows["sales"], marker="o", color=COLORS[i % len(COLORS)], label=str(rows["company"].iloc[0])
        )
    ax.set_xlabel(_t(lang, "recruitment.chart.month"))
    ax.set_ylabel(_t(lang, "recruitment.chart.sales"))
    _legend(ax, 7)
    return fig


def rounds_figure(game: Recruitment, lang: Language):  # type: ignore[no-untyped-def]
    """The score of each revealed round."""
    fig, axes = new_figure(lang, width=4.0, height=3.6)
    ax = axes[0, 0]
    scores = game.scores()
    ax.bar(range(1, len(scores) + 1), scores, color=COLORS[0])
    ax.set_ylim(0, 105)
    ax.set_xlim(0.3, game.rounds + 0.7)
    ax.set_xticks(range(1, game.rounds + 1))
    ax.set_xlabel(_t(lang, "recruitment.chart.round"))
    ax.set_ylabel(_t(lang, "recruitment.chart.score"))
    return fig


# --------------------------------------------------------------------------- the app


class RecruitmentApp(App):
    """The weights, the applicants, the outcome and the steps between them and the controller (:attr:`exercise`)."""

    undone_key = "recruitment.status.undone"
    reset_key = "recruitment.status.reset"

    def __init__(
        self,
        lang: str | None = None,
        *,
        seed: int = 0,
        regions: int = 2,
        applicants_per_region: int = 6,
        picks_per_region: int = 2,
        reveal_days: int = 270,
        rounds: int = 3,
    ) -> None:
        super().__init__(lang)
        language = self.lang
        self.exercise: Recruitment = Recruitment(
            seed, locale="zh_CN" if language.code == "zh_CN" else "en_US", regions=regions,
            applicants_per_region=applicants_per_region, picks_per_region=picks_per_region,
            reveal_days=reveal_days, rounds=rounds,
        )  # fmt: skip
        self.months = reveal_days // 30
        self.round_text = Text(language, None, tag="b", css="chansim-round")

        # weights
        self.weights: dict[str, NumberInput] = {}
        sources: dict[str, Text] = {}
        for c in CRITERIA:
            self.weights[c] = NumberInput(language, f"recruitment.criterion.{c}", value=1, minimum=0, maximum=1000,
                                          whole=False, css=f"chansim-weight-{c}", width="80px")  # fmt: skip
            sources[c] = Text(language, f"recruitment.source.{c}", tag="small")
        self.normalised = Text(language, None, tag="small", css="chansim-normalised")
        weight_rows = [
            widgets.HBox([self.weights[c], sources[c]], layout=widgets.Layout(align_items="center")) for c in CRITERIA
        ]

        # applicants: one row per applicant, a checkbox and the cells
        self.n_rows = applicants_per_region * regions
        self._names: tuple[Any, dict[str, dict[str, str]]] = (None, {})
        self.checks = [
            widgets.Checkbox(value=False, indent=False, layout=widgets.Layout(width="30px")) for _ in range(self.n_rows)
        ]
        for i, box in enumerate(self.checks):
            box.add_class(f"chansim-choose-{i}")
            box.add_class("chansim-sr-label")
        self.cells = [widgets.HTML() for _ in range(self.n_rows)]
        self.header = widgets.HTML()
        table_rows = [widgets.HBox([self.checks[i], self.cells[i]]) for i in range(self.n_rows)]
        applicant_box = widgets.VBox([self.header, *table_rows])
        applicant_box.add_class("chansim-applicants")
        self.chosen_text = Text(language, None, tag="small", css="chansim-chosen")
        #: what the applicant table shows: the applicants in row order, ranked or not
        self.view: dict[str, Any] = {"names": [], "ranked": False}
        self._undone: Any = None  # the round record an undo took back (its weights go back into the boxes)
        self.busy.add(*self.weights.values(), *self.checks)

        self.outcome = widgets.HTML()
        self.outcome.add_class("chansim-outcome")
        self.noise_note = widgets.HTML()
        self.kpis = KpiCards(language, KPI_NAMES)
        self.score = ScorePanel(language)
        self.advice = AdvicePanel(language)
        self.chart = ChartPanel(language, "recruitment.chart.scatter", css="chansim-chart")
        self.chart.add_class("chansim-chart-scatter")
        self.ramp_chart = ChartPanel(language, "recruitment.chart.ramp", css="chansim-chart-ramp")
        self.rounds_chart = ChartPanel(language, "recruitment.chart.rounds", css="chansim-chart-rounds")
        self.download = DownloadLink(language)

        for box in self.checks:
            box.observe(self.render_chosen, names="value")
        language.observe(self.render_applicants)
        language.observe(self.render_outcome)
        language.observe(self.render_weights_text)

        self.rank_button = self.button("recruitment.rank", css="chansim-rank", style="primary", on_click=self.on_rank)
        self.reveal_button = self.button("recruitment.reveal", css="chansim-reveal", style="success",
                                         on_click=self.on_advance)  # fmt: skip
        self.undo_button = self.button("control.undo", css="chansim-undo", on_click=self.on_undo)
        self.reset_button = self.button("control.reset", css="chansim-reset", style="warning", on_click=self.on_reset)

        self.refresh()
        self.notice.show("recruitment.status.start", "info")

        body = [
            self.round_text,
            Text(language, "recruitment.weights_heading", tag="h4"),
            *weight_rows,
            self.normalised,
            widgets.HBox(
                [self.rank_button, self.reveal_button, self.undo_button, self.reset_button, self.busy],
                layout=widgets.Layout(align_items="center"),
            ),  # fmt: skip
            self.notice,
            Text(language, "recruitment.applicants_heading", tag="h4"),
            applicant_box,
            self.chosen_text,
            self.kpis,
            self.score,
            self.outcome,
            self.noise_note,
            widgets.HBox([self.chart, self.ramp_chart], layout=widgets.Layout(flex_flow="row wrap")),
            self.rounds_chart,
            self.advice,
            self.download,
        ]
        steps = ["recruitment.step.weights", "recruitment.step.rank", "recruitment.step.choose",
                 "recruitment.step.reveal", "recruitment.step.next"]  # fmt: skip
        self.build_page("recruitment.title", body, goal_key="recruitment.goal", step_keys=steps)

    # ------------------------------------------------------------------ rendering
    def render_applicants(self) -> None:
        t, game, view = self.lang.t, self.exercise, self.view
        table = game.ranking() if view["ranked"] else game.applicants()
        view["names"] = list(table["applicant"])
        crit_cols = [(t(f"recruitment.criterion.{c}"), 92, "right") for c in CRITERIA]
        head = [(t(f"recruitment.col.{k}"), w, a) for k, w, a in APPLICANT_WIDTHS] + crit_cols
        head.append((t("recruitment.col.composite"), 80, "right"))
        self.header.value = '<div style="padding-left:30px">' + _table_row(head, head=True) + "</div>"
        for i in range(self.n_rows):
            row = table.iloc[i]
            company, city, region = self.shown(row["applicant"], row["company"], row["region"])
            self.checks[i].description = self.lang.t("ui.choose", name=company)  # its label, for screen readers
            values = [
                (str(row["rank"]) if view["ranked"] else "–", 44, "right"), (company, 220, "left"),
                (city, 130, "left"), (region, 90, "left"),
                *[(f"{row[c]:.0f}", 92, "right") for c in CRITERIA],
                (f"{row['composite']:.1f}" if view["ranked"] else "–", 80, "right"),
            ]  # fmt: skip
            self.cells[i].value = _table_row(values)
            self.checks[i].value = row["applicant"] in game.picks
            self.busy.set_disabled(self.checks[i], game.finished)
        self.render_chosen()
        if game.finished:
            self.round_text.set("recruitment.finished", rounds=game.rounds)
        else:
            self.round_text.set("recruitment.round", round=game.round + 1, rounds=game.rounds, count=self.n_rows,
                                picks=game.picks_per_region)  # fmt: skip
        self.busy.set_disabled(self.reveal_button, game.finished)
        self.busy.set_disabled(self.rank_button, game.finished)

    def shown(self, applicant: str, company: str, region: str) -> tuple[str, str, str]:
        """An applicant's company, city and region in the page's language (the game keeps its ids and locale)."""
        game = self.exercise
        if self._names[0] is not game.channel:  # made once per channel (chansim.generate.partner_names)
            self._names = (game.channel, partner_names(game.channel))
        pair = self._names[1].get(applicant, {})
        city = str(game.channel.node(applicant).metadata.get("city", ""))
        return (
            partner_name(self.lang, applicant, str(company), pair),
            place_name(self.lang, "city", applicant, city, pair),
            place_name(self.lang, "region", region, game.region_names[region]),
        )

    def ticked(self) -> list[str]:
        """The applicants ticked."""
        return [name for name, box in zip(self.view["names"], self.checks, strict=False) if box.value]

    def render_chosen(self, _change: Any = None) -> None:
        game = self.exercise
        pool = game.applicants().set_index("applicant")
        names = self.ticked()
        counts = ", ".join(
            f"{place_name(self.lang, 'region', r, game.region_names[r])} "
            f"{sum(1 for n in names if pool.loc[n, 'region'] == r)}/{game.picks_per_region}"
            for r in game.regions
        )
        self.chosen_text.set("recruitment.chosen", counts=counts)

    def render_weights_text(self) -> None:
        w = self.exercise.weights
        shares = ", ".join(f"{self.lang.t(f'recruitment.criterion.{c}')} {w[c]:.0%}" for c in CRITERIA)
        self.normalised.set("recruitment.weights_normalised", shares=shares)

    def render_outcome(self) -> None:
        t, game = self.lang.t, self.exercise
        last = game.last
        if last is None:
            self.outcome.value = f"<p>{html.escape(t('recruitment.no_outcome'))}</p>"
            self.noise_note.value = ""
            return
        cols = [
            ("run", 90, "left"), ("company", 220, "left"), ("region", 90, "left"), ("rank", 50, "right"),
            ("capability", 90, "right"), ("active_day", 80, "right"), ("sales", 100, "right"),
            ("attainment", 90, "right"), ("exit", 150, "left"), ("satisfaction", 80, "right"),
            ("bad_debt", 90, "right"), ("value", 100, "right"),
        ]  # fmt: skip
        head = "".join(
            f'<th style="{CELL.format(align=a, width=w)}">{html.escape(t(f"recruitment.col.{k}"))}</th>'
            for k, w, a in cols
        )
        body = []
        for run in ("yours", "best"):
            for row in last.run(run).itertuples(index=False):
                exit_text = (
                    t(f"recruitment.exit.{row.exit_reason}", month=int(row.exit_month))
                    if row.churned else t("recruitment.exit.none")
                )  # fmt: skip
                company, _, region = self.shown(row.applicant, row.company, row.region)
                values = [
                    t(f"recruitment.run.{run}"), company, region, str(row.rank),
                    f"{100 * row.capability:.0f}",
                    f"{row.active_day:.0f}" if row.activated else t("recruitment.never_active"),
                    f"{row.sales:,.0f}", f"{row.attainment:.0%}" if not math.isnan(row.attainment) else "–",
                    exit_text, f"{row.satisfaction:.2f}", f"{row.bad_debt:,.0f}", f"{row.value:,.0f}",
                ]  # fmt: skip
                style = "background:#ddf4ff" if run == "yours" else ""
                body.append(
                    f'<tr style="{style}">'
                    + "".join(
                        f'<td style="{CELL.format(align=a, width=w)}">{html.escape(str(v))}</td>'
                        for v, (_, w, a) in zip(values, cols, strict=True)
                    )
                    + "</tr>"
                )
        self.outcome.value = (
            f"<h4>{html.escape(t('recruitment.outcome_heading', round=last.round))}</h4>"
            f'<table style="border-collapse:collapse"><tr>{head}</tr>{"".join(body)}</table>'
        )
        noises = ", ".join(f"{t(f'recruitment.criterion.{c}')} ±{NOISE[c]:.0f}" for c in CRITERIA)
        self.noise_note.value = (
            f"<p><small>{html.escape(t('recruitment.noise_note', noises=noises, bias=5))}</small></p>"
        )

    def score_lines(self, lg: Language) -> tuple[float | None, str, list[str]]:
        game = self.exercise
        last = game.last
        assert last is not None
        formula = lg.t("recruitment.score.formula", yours=last.value_yours, best=last.value_best,
                       worst=last.value_worst, score=last.score)  # fmt: skip
        lines = [
            lg.t("recruitment.score.value", months=self.months),
            lg.t("recruitment.score.best", picks=game.picks_per_region),
            lg.t(
                "recruitment.score.capability",
                yours=100 * last.run("yours")["capability"].mean(),
                best=100 * last.run("best")["capability"].mean(),
            ),  # fmt: skip
            lg.t("recruitment.score.rounds", scores=", ".join(f"{s:.0f}" for s in game.scores())),
        ]
        return last.score, formula, lines

    def refresh(self) -> None:
        game = self.exercise
        self.render_applicants()
        self.render_outcome()
        self.render_weights_text()
        last = game.last
        if last is None:
            self.kpis.update({})
            self.score.update(None)
            self.advice.update(None)
            for chart in (self.chart, self.ramp_chart, self.rounds_chart):
                chart.draw(None)
            self.download.update("", "")
            return
        self.kpis.update(last.kpis(), currency=money_currency(game))
        self.score.update(self.score_lines)
        self.advice.update(lambda lg: game.advise(lg.code, lg.catalogue))
        self.chart.draw(lambda lg: scatter_figure(game, lg))
        self.ramp_chart.draw(lambda lg: ramp_figure(game, lg))
        self.rounds_chart.draw(lambda lg: rounds_figure(game, lg))
        self.download.update(game.to_csv() or "", f"chansim-recruitment-seed{game.seed}.csv")

    # ------------------------------------------------------------------ steps
    def _set_weights(self, values: dict[str, float]) -> None:
        labels = {c: self.weights[c].field for c in CRITERIA}
        self.exercise.set_weights(values, labels=labels)
        self.render_weights_text()

    def on_rank(self) -> None:
        """Rank the applicants by the weights typed (the ticks stay)."""
        self._set_weights({c: self.weights[c].read() for c in CRITERIA})
        self.view["ranked"] = True
        picks = self.ticked()
        self.render_applicants()
        for name, box in zip(self.view["names"], self.checks, strict=False):
            box.value = name in picks
        self.notice.show("recruitment.status.ranked", "ok", count=self.n_rows)

    # the exercise side of the round handlers: a round is a reveal
    def read_decision(self) -> dict[str, Any]:
        return {"weights": {c: self.weights[c].read() for c in CRITERIA}, "picks": self.ticked()}

    def play_decision(self, decision: dict[str, Any]) -> Any:
        record = self.exercise.play_round(decision)  # the weights and picks checked, then the reveal (3-16 s)
        # a new pool arrives unranked; after the last round the last pool stays, ranked, for the debrief
        self.view["ranked"] = self.exercise.finished
        return record

    def show_played(self, decision: dict[str, Any], result: Any) -> None:
        self.notice.show("recruitment.status.revealed", "ok", round=result.round, score=result.score)

    def adopt(self, exercise: Recruitment) -> None:
        """A resumed game: fresh weights, the pool as after its last round, then every part."""
        self._undone = None
        self.exercise = exercise
        super().adopt(exercise)
        self.view["ranked"] = exercise.finished
        self.render_applicants()

    def undo_round(self) -> int:
        self._undone = self.exercise.undo()
        return self._undone.round

    def reset_game(self) -> None:
        self._undone = None
        self.exercise.reset()

    def show_decisions(self) -> None:
        record = self._undone
        for c in CRITERIA:
            self.weights[c].value = float(record.weights[c]) if record is not None else 1
        self.view["ranked"] = record is not None


def app(
    lang: str | None = None,
    *,
    seed: int = 0,
    regions: int = 2,
    applicants_per_region: int = 6,
    picks_per_region: int = 2,
    reveal_days: int = 270,
    rounds: int = 3,
    trainee: Any = None,
    store: Any = None,
    game: str | None = None,
) -> RecruitmentApp:
    """The recruitment exercise app (see the module docstring); it displays as its page."""
    made = RecruitmentApp(
        lang, seed=seed, regions=regions, applicants_per_region=applicants_per_region,
        picks_per_region=picks_per_region, reveal_days=reveal_days, rounds=rounds,
    )  # fmt: skip
    made.open_session(trainee=trainee, store=store, game=game)
    return made
