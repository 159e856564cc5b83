"""The channel-planning app: design a channel, simulate a year, compare up to three designs.

Composes the toolkit on the app base (:class:`chansim.ui.apps.base.App`) around
:class:`chansim.exercises.planning.ChannelPlanning`; steps read the inputs, call the controller
and hand what comes back to the parts. Nothing is simulated before the first click, so the
first view is cheap.
"""

from __future__ import annotations

import html
import math
import time
from typing import Any

import ipywidgets as widgets

from chansim.exercises import numbers
from chansim.exercises.game import DecisionError
from chansim.exercises.messages import DEFAULT_LANGUAGE
from chansim.exercises.planning import (
    MAX_BUDGET,
    MAX_DEALERS_PER_REGION,
    MAX_DESIGNS,
    MAX_DISCOUNT_PCT,
    REGIONS,
    ChannelPlanning,
    PlanningSetup,
)
from chansim.ui.apps.base import App
from chansim.ui.charts import COLORS, chart_language, figure_legend, new_figure
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
)

__all__ = ["CARD_KPIS", "TABLE_KPIS", "PlanningApp", "PlanningCards", "app", "comparison_figure", "comparison_html"]

#: The KPI cards of the latest design.
CARD_KPIS = [
    "coverage", "regions_covered", "channel_cost_ratio", "vendor_margin_pct", "vendor_margin", "end_revenue",
    "dealers_lost",
]  # fmt: skip
#: The KPI rows of the comparison table.
TABLE_KPIS = [
    "coverage", "market_coverage", "regions_covered", "fill_rate", "channel_cost_ratio", "vendor_margin_pct",
    "vendor_margin", "end_revenue", "vendor_revenue", "support_cost", "vendor_freight", "mdf_claimed", "rebates",
    "commissions", "dealers_lost", "distributors_lost",
]  # fmt: skip
SHARES = {"coverage", "market_coverage", "fill_rate", "channel_cost_ratio", "vendor_margin_pct"}
COUNTS = {"regions_covered", "dealers_lost", "distributors_lost", "dealers", "distributors"}
DEFAULTS = {"north": 3, "south": 3, "east": 2, "west": 0}


def format_value(
    name: str, value: float, lang: str = DEFAULT_LANGUAGE, currency: str = numbers.DEFAULT_CURRENCY
) -> str:
    """A planning KPI as shown in ``lang``: shares in %, counts whole, money with its currency (by CLDR)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return numbers.MISSING
    if name in SHARES:
        return numbers.percent(value, lang, 1)
    if name in COUNTS:
        return numbers.count(value, lang)
    return numbers.money(value, lang, currency)


def _label(lang: Language, name: str) -> str:
    key = f"planning.kpi.{name}.label"
    return lang.t(key) if key in lang.catalogue else name


class PlanningCards(KpiCards):
    """KPI cards for the planning KPIs (their texts are ``planning.kpi.<name>.*``)."""

    def text(self, name: str) -> str:
        """The value shown on the card of ``name``."""
        return format_value(name, float(self.values.get(name, math.nan)), self._lang.code, self.currency)

    def _render(self) -> None:
        for name, card in self._cards.items():
            meaning_key = f"planning.kpi.{name}.meaning"
            meaning = self._lang.t(meaning_key) if meaning_key in self._lang.catalogue else ""
            card.value = (
                f'<div title="{html.escape(meaning)}"><div class="label">{html.escape(_label(self._lang, name))}</div>'
                f'<div class="value">{html.escape(self.text(name))}</div></div>'
            )


def comparison_html(planning: ChannelPlanning, lang: Language) -> str:
    """The comparison table: one column per design, rows for its parameters, KPIs and score."""
    t = lang.t
    if not planning.outcomes:
        return f"<p>{html.escape(t('planning.compare.empty'))}</p>"
    cell = "padding:3px 10px;border-bottom:1px solid #d0d7de;text-align:{}"
    best = planning.best
    head = "".join(
        f'<th style="{cell.format("right")}">{html.escape(t("planning.compare.design"))} {html.escape(o.design.name)}'
        + (" ★" if o is best else "") + "</th>"
        for o in planning.outcomes
    )  # fmt: skip
    rows: list[tuple[str, list[str]]] = []
    tier_text = {1: t("planning.tiers.one"), 2: t("planning.tiers.two")}
    rows.append((t("planning.param.tiers"), [tier_text[o.design.tiers] for o in planning.outcomes]))
    rows.append((t("planning.param.dealers"), [" / ".join(map(str, o.design.dealers)) for o in planning.outcomes]))
    rows.append((t("planning.param.ladder"), [
        " / ".join(
            numbers.percent(pct / 100, lang.code, 1, trim=True)
            for pct in (o.design.gold_discount_pct, o.design.silver_discount_pct, o.design.bronze_discount_pct)
        )
        for o in planning.outcomes
    ]))  # fmt: skip
    rows.append(
        (t("planning.param.budget"), [numbers.money(o.design.marketing_budget, lang.code) for o in planning.outcomes])
    )
    for name in TABLE_KPIS:
        rows.append((_label(lang, name), [format_value(name, o.kpi(name), lang.code) for o in planning.outcomes]))
    rows.append((t("planning.kpi.score.label"), [numbers.count(o.score.value, lang.code) for o in planning.outcomes]))
    body = "".join(
        f'<tr><td style="{cell.format("left")}">{html.escape(label)}</td>'
        + "".join(f'<td style="{cell.format("right")}">{html.escape(v)}</td>' for v in values)
        + "</tr>"
        for label, values in rows
    )
    title = html.escape(t("planning.compare.title"))
    return (
        f'<h4>{title}</h4><table class="chansim-compare-table" style="border-collapse:collapse">'
        f'<tr><th style="{cell.format("left")}"></th>{head}</tr>{body}</table>'
    )


def _t(lang: Language, key: str, **params: Any) -> str:
    return lang.catalogue.get(key, chart_language(lang), **params)


#: Where the three axes of :func:`comparison_figure` sit (figure fractions): the scatter, the margins, the scores.
COMPARISON_BOXES = ((0.07, 0.15, 0.36, 0.72), (0.52, 0.15, 0.21, 0.72), (0.79, 0.15, 0.2, 0.72))


def comparison_figure(planning: ChannelPlanning, lang: Language):  # type: ignore[no-untyped-def]
    """Left: coverage vs channel cost ratio per design, with the budget line; then margin % and score, each on its axis.

    A design has one colour in all three charts; the budget line's legend sits above the charts.
    """
    fig, axes = new_figure(lang, 1, 3, width=10.0, height=3.8, boxes=COMPARISON_BOXES)
    left, middle, right = axes[0, 0], axes[0, 1], axes[0, 2]
    outcomes = planning.outcomes
    target = planning.setup.cost_target
    colors = [COLORS[i % len(COLORS)] for i in range(len(outcomes))]
    for o, color in zip(outcomes, colors, strict=True):
        x, y = 100 * o.kpi("coverage"), 100 * o.kpi("channel_cost_ratio")
        left.scatter([x], [y], s=120, color=color, zorder=3)
        left.annotate(o.design.name, (x, y), textcoords="offset points", xytext=(7, 5), fontsize=11, weight="bold")
    left.axhline(100 * target, color=COLORS[1], linestyle="--", linewidth=1.2,
                 label=_t(lang, "planning.chart.budget_line", target=target))  # fmt: skip
    left.set_xlim(0, 105)
    costs = [100 * o.kpi("channel_cost_ratio") for o in outcomes if math.isfinite(o.kpi("channel_cost_ratio"))]
    top = max([100 * target * 1.6, *(1.2 * c for c in costs)])
    left.set_ylim(0, top)
    left.set_xlabel(_t(lang, "planning.chart.coverage") + " %")
    left.set_ylabel(_t(lang, "planning.chart.cost_ratio") + " %")
    names = [o.design.name for o in outcomes]
    positions = list(range(len(outcomes)))
    margins = [100 * o.kpi("vendor_margin_pct") if math.isfinite(o.kpi("vendor_margin_pct")) else 0.0 for o in outcomes]
    scores = [o.score.value for o in outcomes]
    middle.bar(positions, margins, 0.6, color=colors)
    right.bar(positions, scores, 0.6, color=colors)
    for p, m, sc in zip(positions, margins, scores, strict=True):
        middle.annotate(f"{m:.1f}%", (p, m), ha="center", va="bottom" if m >= 0 else "top", fontsize=8)
        right.annotate(f"{sc:.0f}", (p, sc), ha="center", va="bottom", fontsize=8)
    for ax, key in ((middle, "planning.chart.margin"), (right, "planning.chart.score")):
        ax.set_xticks(positions, names)
        ax.set_xlim(-0.6, max(MAX_DESIGNS, len(outcomes)) - 0.4)
        ax.set_xlabel(_t(lang, "planning.chart.design"))
        ax.set_ylabel(_t(lang, key))
    low, high = min(0.0, *margins), max(0.0, *margins)
    middle.set_ylim(low * 1.25 if low < 0 else 0.0, max(high * 1.25, 10.0))
    right.set_ylim(0, 110)
    figure_legend(fig, left)
    return fig


def _bullets(lines: list[str]) -> str:
    return "<ul>" + "".join(f"<li>{html.escape(line)}</li>" for line in lines) + "</ul>"


class _Html(widgets.HTML):
    """An HTML part redrawn by ``make(lang)`` on demand and on a language change."""

    def __init__(self, lang: Language, css: str) -> None:
        super().__init__()
        self.add_class(css)
        self._lang = lang
        self._make: Any = None
        lang.observe(self._render)

    def update(self, make: Any) -> None:
        self._make = make
        self._render()

    def _render(self) -> None:
        self.value = "" if self._make is None else self._make(self._lang)


class PlanningApp(App):
    """The design form, the comparison and the steps between them and the controller (:attr:`exercise`)."""

    def __init__(self, lang: str | None = None, *, seed: int = 0, setup: PlanningSetup | None = None) -> None:
        super().__init__(lang)
        language = self.lang
        self.exercise: ChannelPlanning = ChannelPlanning(seed=seed, setup=setup)
        self.notice.show("planning.notice.start")

        self.dealers = {
            region: NumberInput(language, f"planning.input.dealers.{region}", value=DEFAULTS[region], minimum=0,
                                maximum=MAX_DEALERS_PER_REGION, whole=True, css=f"chansim-dealers-{region}",
                                width="70px")
            for region in REGIONS
        }  # fmt: skip
        tiers_label = Text(language, "planning.input.tiers", tag="span")
        self.tiers = widgets.ToggleButtons(style={"button_width": "210px"})
        self.tiers.add_class("chansim-tiers")
        language.observe(self._relabel_tiers)
        self._relabel_tiers()
        self.discounts = {
            tier: NumberInput(language, f"planning.input.{tier}", value=value, minimum=0,
                              maximum=MAX_DISCOUNT_PCT[tier], whole=False, css=f"chansim-{tier}", width="70px")
            for tier, value in (("gold", 32), ("silver", 28), ("bronze", 25))
        }  # fmt: skip
        self.budget = NumberInput(language, "planning.input.budget", value=0, minimum=0, maximum=MAX_BUDGET,
                                  whole=False, css="chansim-budget", width="110px")  # fmt: skip
        self.design_name = widgets.Text(value="", layout=widgets.Layout(width="110px"))
        self.design_name.add_class("chansim-design-name")
        name_label = Text(language, "planning.input.name")
        self.busy.add(*self.dealers.values(), self.tiers, *self.discounts.values(), self.budget, self.design_name)

        self.kpis = PlanningCards(language, CARD_KPIS)
        self.compare = _Html(language, "chansim-compare")
        self.compare.update(lambda lang: comparison_html(self.exercise, lang))
        self.chart = ChartPanel(language, "planning.chart.title")
        self.score = ScorePanel(language)
        self.advice = AdvicePanel(language)
        debrief_title = Text(language, "planning.debrief.title", tag="h4")
        self.debrief = _Html(language, "chansim-debrief")
        self.download = DownloadLink(language)

        self.simulate = self.button("planning.simulate", css="chansim-simulate", style="primary",
                                    on_click=self.on_simulate)  # fmt: skip
        self.clear = self.button("planning.clear", css="chansim-clear", style="warning", on_click=self.on_clear)

        row = widgets.Layout(flex_flow="row wrap", align_items="flex-start")
        form = widgets.VBox([
            Text(language, "planning.design_heading", tag="h4"),
            widgets.HBox(list(self.dealers.values()), layout=row),
            widgets.HBox([tiers_label, self.tiers], layout=widgets.Layout(align_items="center")),
            widgets.HBox(list(self.discounts.values()), layout=row),
            widgets.HBox([self.budget, widgets.HBox([name_label, self.design_name])], layout=row),
            widgets.HBox([self.simulate, self.clear, self.busy], layout=widgets.Layout(align_items="center")),
            self.notice,
        ])  # fmt: skip
        form.add_class("chansim-design-form")
        body = [
            form, self.kpis, self.chart, widgets.HBox([self.score, self.advice], layout=row), self.compare,
            debrief_title, self.debrief, self.download,
        ]  # fmt: skip
        self.build_page("planning.title", body, goal_key="planning.goal",
                        step_keys=[f"planning.step.{i}" for i in range(1, 6)])  # fmt: skip

    def _relabel_tiers(self) -> None:
        value = self.tiers.value if self.tiers.options else 2
        self.tiers.options = [(self.lang.t("planning.tiers.one"), 1), (self.lang.t("planning.tiers.two"), 2)]
        self.tiers.value = value

    def read_decision(self) -> dict[str, Any]:
        """The design in the form as the contract's decision (every box read, so each bad one shows inline)."""
        values: dict[str, float] = {}
        errors: list[DecisionError] = []
        boxes = {**self.dealers, **self.discounts, "budget": self.budget}
        for key, box in boxes.items():
            try:
                values[key] = box.read()
            except DecisionError as error:
                errors.append(error)
        if errors:
            raise errors[0]
        return {
            "dealers": [int(values[region]) for region in REGIONS], "tiers": self.tiers.value,
            "gold_discount_pct": values["gold"], "silver_discount_pct": values["silver"],
            "bronze_discount_pct": values["bronze"], "marketing_budget": values["budget"],
            "name": self.design_name.value,
        }  # fmt: skip

    def refresh(self) -> None:
        planning = self.exercise
        latest = planning.latest
        self.compare.update(lambda lang: comparison_html(planning, lang))
        self.download.update(planning.to_csv() if latest else "", f"chansim-planning-seed{planning.seed}.csv")
        if latest is None:
            self.kpis.update({})
            self.chart.draw(None)
            self.score.update(None)
            self.advice.update(None)
            self.debrief.update(None)
            return
        self.kpis.update(latest.kpis, currency=money_currency(planning))
        self.chart.draw(lambda lang: comparison_figure(planning, lang))
        self.score.update(lambda lang: planning.score_lines(latest, lang.code, lang.catalogue))
        self.advice.update(lambda lang: planning.advise(latest, lang.code, lang.catalogue))
        self.debrief.update(lambda lang: _bullets(planning.debrief(lang.code, lang.catalogue)))

    def on_simulate(self) -> None:
        """Simulate a year of the design in the form and add it to the comparison."""
        decision = self.read_decision()
        started = time.perf_counter()
        outcome = self.exercise.play_round(decision)  # a fourth design: planning.error.too_many_designs
        seconds = time.perf_counter() - started
        self.refresh()
        self.notice.show("planning.notice.simulated", "ok", design=outcome.design.name, seconds=seconds,
                         score=outcome.score.value, count=len(self.exercise.outcomes))  # fmt: skip

    def on_clear(self) -> None:
        """Empty the comparison."""
        self.exercise.reset()
        self.refresh()
        self.notice.show("planning.notice.cleared", "info")


def app(
    lang: str | None = None, *, seed: int = 0, setup: PlanningSetup | None = None,
    trainee: Any = None, store: Any = None, game: str | None = None,
) -> PlanningApp:  # fmt: skip
    """The channel-planning app (see the module docstring); it displays as its page."""
    made = PlanningApp(lang, seed=seed, setup=setup)
    made.open_session(trainee=trainee, store=store, game=game)
    return made
