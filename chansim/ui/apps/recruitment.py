"""The recruitment app: weigh the evaluation index, rank Faker-made applicants, sign, reveal.

Composes the toolkit around :class:`chansim.exercises.recruitment.Recruitment`; callbacks
only call the controller and hand what comes back to the parts.
"""

from __future__ import annotations

import html
import math
from typing import Any

import ipywidgets as widgets

from chansim.exercises.recruitment import CRITERIA, NOISE, Recruitment
from chansim.ui.charts import COLORS, chart_language, cjk_font, new_figure
from chansim.ui.widgets import (
    AdvicePanel,
    ChartPanel,
    DownloadLink,
    KpiCards,
    Language,
    Notice,
    NumberInput,
    Page,
    ScorePanel,
    Text,
    button,
)

__all__ = ["KPI_NAMES", "app"]

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
    """A legend in a font that has Chinese glyphs (company names, labels) when one is installed."""
    font = cjk_font()
    family = [font, "DejaVu Sans"] if font else ["DejaVu Sans"]
    ax.legend(prop={"family": family, "size": size}, loc="upper left")


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


def app(
    lang: str | None = None,
    *,
    seed: int = 0,
    regions: int = 2,
    applicants_per_region: int = 6,
    picks_per_region: int = 2,
    reveal_days: int = 270,
    rounds: int = 3,
) -> Page:
    """The recruitment exercise page (see the module docstring); parts are attributes of the page."""
    language = Language(lang)
    game = Recruitment(
        seed, locale="zh_CN" if language.code == "zh_CN" else "en_US", regions=regions,
        applicants_per_region=applicants_per_region, picks_per_region=picks_per_region,
        reveal_days=reveal_days, rounds=rounds,
    )  # fmt: skip
    months = reveal_days // 30
    notice = Notice(language)
    round_text = Text(language, None, tag="b", css="chansim-round")

    # weights
    inputs: dict[str, NumberInput] = {}
    sources: dict[str, Text] = {}
    for c in CRITERIA:
        inputs[c] = NumberInput(language, f"recruitment.criterion.{c}", value=1, minimum=0, maximum=1000,
                                whole=False, css=f"chansim-weight-{c}", width="80px")  # fmt: skip
        sources[c] = Text(language, f"recruitment.source.{c}", tag="small")
    normalised = Text(language, None, tag="small", css="chansim-normalised")

    weight_rows = [widgets.HBox([inputs[c], sources[c]], layout=widgets.Layout(align_items="center")) for c in CRITERIA]

    # applicants: one row per applicant, a checkbox and the cells
    n_rows = applicants_per_region * regions
    checks = [widgets.Checkbox(value=False, indent=False, layout=widgets.Layout(width="30px")) for _ in range(n_rows)]
    for i, box in enumerate(checks):
        box.add_class(f"chansim-choose-{i}")
    cells = [widgets.HTML() for _ in range(n_rows)]
    header = widgets.HTML()
    table_rows = [widgets.HBox([checks[i], cells[i]]) for i in range(n_rows)]
    applicant_box = widgets.VBox([header, *table_rows])
    applicant_box.add_class("chansim-applicants")
    chosen_text = Text(language, None, tag="small", css="chansim-chosen")
    view: dict[str, Any] = {"names": [], "ranked": False}

    outcome = widgets.HTML()
    outcome.add_class("chansim-outcome")
    noise_note = widgets.HTML()
    kpis = KpiCards(language, KPI_NAMES)
    score = ScorePanel(language)
    advice = AdvicePanel(language)
    scatter = ChartPanel(language, "recruitment.chart.scatter", css="chansim-chart")
    scatter.add_class("chansim-chart-scatter")
    ramp = ChartPanel(language, "recruitment.chart.ramp", css="chansim-chart-ramp")
    rounds_chart = ChartPanel(language, "recruitment.chart.rounds", css="chansim-chart-rounds")
    download = DownloadLink(language)

    # ------------------------------------------------------------------ rendering
    def render_applicants() -> None:
        t = language.t
        table = game.ranking() if view["ranked"] else game.applicants()
        view["names"] = list(table["applicant"])
        crit_cols = [(t(f"recruitment.criterion.{c}"), 92, "right") for c in CRITERIA]
        head = [(t(f"recruitment.col.{k}"), w, a) for k, w, a in APPLICANT_WIDTHS] + crit_cols
        head.append((t("recruitment.col.composite"), 80, "right"))
        header.value = '<div style="padding-left:30px">' + _table_row(head, head=True) + "</div>"
        for i in range(n_rows):
            row = table.iloc[i]
            values = [
                (str(row["rank"]) if view["ranked"] else "–", 44, "right"), (str(row["company"]), 220, "left"),
                (str(row["city"]), 130, "left"), (game.region_names[row["region"]], 90, "left"),
                *[(f"{row[c]:.0f}", 92, "right") for c in CRITERIA],
                (f"{row['composite']:.1f}" if view["ranked"] else "–", 80, "right"),
            ]  # fmt: skip
            cells[i].value = _table_row(values)
            checks[i].value = row["applicant"] in game.picks
            checks[i].disabled = game.finished
        render_chosen()
        if game.finished:
            round_text.set("recruitment.finished", rounds=game.rounds)
        else:
            round_text.set("recruitment.round", round=game.round + 1, rounds=game.rounds, count=n_rows,
                           picks=game.picks_per_region)  # fmt: skip
        reveal_button.disabled = game.finished
        rank_button.disabled = game.finished

    def ticked() -> list[str]:
        return [name for name, box in zip(view["names"], checks, strict=False) if box.value]

    def render_chosen(_change: Any = None) -> None:
        pool = game.applicants().set_index("applicant")
        names = ticked()
        counts = ", ".join(
            f"{game.region_names[r]} {sum(1 for n in names if pool.loc[n, 'region'] == r)}/{game.picks_per_region}"
            for r in game.regions
        )
        chosen_text.set("recruitment.chosen", counts=counts)

    for box in checks:
        box.observe(render_chosen, names="value")

    def render_weights_text() -> None:
        w = game.weights
        shares = ", ".join(f"{language.t(f'recruitment.criterion.{c}')} {w[c]:.0%}" for c in CRITERIA)
        normalised.set("recruitment.weights_normalised", shares=shares)

    def render_outcome() -> None:
        t = language.t
        last = game.last
        if last is None:
            outcome.value = f"<p>{html.escape(t('recruitment.no_outcome'))}</p>"
            noise_note.value = ""
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
                values = [
                    t(f"recruitment.run.{run}"), row.company, game.region_names[row.region], str(row.rank),
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
        outcome.value = (
            f"<h4>{html.escape(t('recruitment.outcome_heading', round=last.round))}</h4>"
            f'<table style="border-collapse:collapse"><tr>{head}</tr>{"".join(body)}</table>'
        )
        noises = ", ".join(f"{t(f'recruitment.criterion.{c}')} ±{NOISE[c]:.0f}" for c in CRITERIA)
        noise_note.value = f"<p><small>{html.escape(t('recruitment.noise_note', noises=noises, bias=5))}</small></p>"

    language.observe(render_applicants)
    language.observe(render_outcome)
    language.observe(render_weights_text)

    def score_lines(lg: Language) -> tuple[float | None, str, list[str]]:
        last = game.last
        assert last is not None
        formula = lg.t("recruitment.score.formula", yours=last.value_yours, best=last.value_best,
                       worst=last.value_worst, score=last.score)  # fmt: skip
        lines = [
            lg.t("recruitment.score.value", months=months),
            lg.t("recruitment.score.best", picks=game.picks_per_region),
            lg.t(
                "recruitment.score.capability",
                yours=100 * last.run("yours")["capability"].mean(),
                best=100 * last.run("best")["capability"].mean(),
            ),  # fmt: skip
            lg.t("recruitment.score.rounds", scores=", ".join(f"{s:.0f}" for s in game.scores())),
        ]
        return last.score, formula, lines

    def show_results() -> None:
        render_applicants()
        render_outcome()
        render_weights_text()
        last = game.last
        if last is None:
            kpis.update({})
            score.update(None)
            advice.update(None)
            for chart in (scatter, ramp, rounds_chart):
                chart.draw(None)
            download.update("", "")
            return
        kpis.update(last.kpis())
        score.update(score_lines)
        advice.update(lambda lg: game.advise(lg.code, lg.catalogue))
        scatter.draw(lambda lg: scatter_figure(game, lg))
        ramp.draw(lambda lg: ramp_figure(game, lg))
        rounds_chart.draw(lambda lg: rounds_figure(game, lg))
        download.update(game.to_csv() or "", f"chansim-recruitment-seed{game.seed}.csv")

    # ------------------------------------------------------------------ callbacks
    def read_weights() -> None:
        values = {c: inputs[c].read() for c in CRITERIA}
        labels = {c: inputs[c].field for c in CRITERIA}
        game.set_weights(values, labels=labels)
        render_weights_text()

    def on_rank() -> None:
        read_weights()
        view["ranked"] = True
        picks = ticked()
        render_applicants()
        for name, box in zip(view["names"], checks, strict=False):
            box.value = name in picks
        notice.show("recruitment.status.ranked", "ok", count=n_rows)

    def on_reveal() -> None:
        read_weights()
        game.choose(ticked())
        record = game.reveal()
        # a new pool arrives unranked; after the last round the last pool stays, ranked, for the debrief
        view["ranked"] = game.finished
        show_results()
        notice.show("recruitment.status.revealed", "ok", round=record.round, score=record.score)

    def on_undo() -> None:
        record = game.undo()
        for c in CRITERIA:
            inputs[c].value = float(record.weights[c])
        view["ranked"] = True
        show_results()
        notice.show("recruitment.status.undone", "info", round=record.round)

    def on_reset() -> None:
        game.reset()
        for c in CRITERIA:
            inputs[c].value = 1
        view["ranked"] = False
        show_results()
        notice.show("recruitment.status.reset", "info")

    rank_button = button(language, "recruitment.rank", css="chansim-rank", style="primary", on_click=on_rank,
                         notice=notice)  # fmt: skip
    reveal_button = button(language, "recruitment.reveal", css="chansim-reveal", style="success", on_click=on_reveal,
                           notice=notice)  # fmt: skip
    undo_button = button(language, "control.undo", css="chansim-undo", on_click=on_undo, notice=notice)
    reset_button = button(language, "control.reset", css="chansim-reset", style="warning", on_click=on_reset,
                          notice=notice)  # fmt: skip

    show_results()
    notice.show("recruitment.status.start", "info")

    body = [
        round_text,
        Text(language, "recruitment.weights_heading", tag="h4"),
        *weight_rows,
        normalised,
        widgets.HBox([rank_button, reveal_button, undo_button, reset_button]),
        notice,
        Text(language, "recruitment.applicants_heading", tag="h4"),
        applicant_box,
        chosen_text,
        kpis,
        score,
        outcome,
        noise_note,
        widgets.HBox([scatter, ramp], layout=widgets.Layout(flex_flow="row wrap")),
        rounds_chart,
        advice,
        download,
    ]
    steps = ["recruitment.step.weights", "recruitment.step.rank", "recruitment.step.choose",
             "recruitment.step.reveal", "recruitment.step.next"]  # fmt: skip
    page = Page(language, "recruitment.title", body, goal_key="recruitment.goal", step_keys=steps)
    page.exercise = game  # type: ignore[attr-defined]
    page.lang = language  # type: ignore[attr-defined]
    page.notice = notice  # type: ignore[attr-defined]
    page.weights = inputs  # type: ignore[attr-defined]
    page.checks = checks  # type: ignore[attr-defined]
    page.view = view  # type: ignore[attr-defined]
    page.rank_button = rank_button  # type: ignore[attr-defined]
    page.reveal_button = reveal_button  # type: ignore[attr-defined]
    page.undo_button = undo_button  # type: ignore[attr-defined]
    page.reset_button = reset_button  # type: ignore[attr-defined]
    page.kpis = kpis  # type: ignore[attr-defined]
    page.score = score  # type: ignore[attr-defined]
    page.advice = advice  # type: ignore[attr-defined]
    page.outcome = outcome  # type: ignore[attr-defined]
    page.chart = scatter  # type: ignore[attr-defined]
    page.ramp_chart = ramp  # type: ignore[attr-defined]
    page.rounds_chart = rounds_chart  # type: ignore[attr-defined]
    page.download = download  # type: ignore[attr-defined]
    page.round_text = round_text  # type: ignore[attr-defined]
    return page
