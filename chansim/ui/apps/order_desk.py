"""The order desk app: week by week, credit limits, the allocation of scarce stock and replenishment orders.

The page composes the toolkit (:mod:`chansim.ui.widgets`); every callback calls the
controller (:class:`chansim.exercises.order_desk.OrderDesk`) and hands what comes back to
the parts. Each week the trainee reads the week's news (the scenario's random events on
during the week), the distributor's stock and the credit desk, may change credit limits
and the allocation rule, and places the distributor's orders (pre-filled with the standard
process's suggestion), then advances.
"""

from __future__ import annotations

import html
import math
from typing import Any

import ipywidgets as widgets

from chansim.exercises.order_desk import (
    ALLOCATION_RULES,
    APPROVAL_CHOICES,
    DEALERS,
    DISTRIBUTOR,
    PARTNERS,
    REGION,
    OrderDesk,
)
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

__all__ = ["KPI_NAMES", "OrderDeskApp", "app"]

#: The KPI cards (catalogue KPI names): the distributor's service and bullwhip, the region's cost, held orders.
KPI_NAMES = ("otif", "fill_rate", "total_cost", "bullwhip", "orders_held_share")
REGION_NODES = (DISTRIBUTOR, *DEALERS)
STOCK_COLUMNS = ("product", "on_hand", "backorder", "on_order", "incoming", "received", "last_order", "suggestion")


def _event_name(lang: Language, name: str) -> str:
    key = "operations.event_name." + "_".join(name.lower().split())
    return lang.t(key) if key in lang.catalogue else name


def _subjects(lang: Language, subjects: tuple[str, ...]) -> str:
    if set(subjects) == set(DEALERS):
        return lang.t("operations.partner.dealers")
    names = []
    for subject in subjects:
        for prefix in ("operations.partner.", "operations.pool."):
            if prefix + subject in lang.catalogue:
                names.append(lang.t(prefix + subject))
                break
        else:
            names.append(subject)
    return "、".join(names) if lang.code.startswith("zh") else ", ".join(names)


def _money(value: float) -> str:
    return "–" if value is None or math.isnan(value) else ("∞" if math.isinf(value) else f"{value:,.0f}")


def _table(head: list[str], rows: list[list[str]], css: str) -> str:
    cells = "".join(f'<th style="padding:2px 10px;text-align:left">{html.escape(h)}</th>' for h in head)
    body = "".join("<tr>" + "".join(f'<td style="padding:2px 10px">{c}</td>' for c in row) + "</tr>" for row in rows)
    return f'<table class="{css}" style="border-collapse:collapse"><tr>{cells}</tr>{body}</table>'


class OrderDeskApp(App):
    """The parts of the page and the steps between them and the controller (:attr:`exercise`)."""

    def __init__(self, lang: str | None, *, seed: int, horizon_weeks: int) -> None:
        super().__init__(lang)
        self.exercise: OrderDesk = OrderDesk(seed=seed, horizon_weeks=horizon_weeks)
        self.news = widgets.HTML()
        self.news.add_class("chansim-news")
        self.stock_table = widgets.HTML()
        self.stock_table.add_class("chansim-stock-table")
        self.skus = [sku for _, sku in self.exercise.controlled]
        self.order_inputs = [
            NumberInput(
                self.lang,
                f"operations.order.{sku}",
                minimum=0,
                maximum=int(self.exercise.max_order),
                whole=True,
                css="chansim-order-input",
                width="90px",
            )  # fmt: skip
            for sku in self.skus
        ]
        self.order_hint = Text(self.lang, "operations.order_hint", tag="small")
        self.allocation_label = Text(self.lang, "operations.allocation_label", tag="b")
        self.allocation = widgets.Dropdown(layout=widgets.Layout(width="300px"))
        self.allocation.add_class("chansim-allocation")
        label(self.lang, self.allocation, "operations.allocation_label")  # its name, for screen readers
        self.credit_title = Text(self.lang, "operations.credit_title", tag="h4")
        self.credit_table = widgets.HTML()
        self.credit_table.add_class("chansim-credit-table")
        self.credit_inputs = [
            NumberInput(
                self.lang,
                f"operations.credit.{partner}",
                minimum=0,
                maximum=int(self.exercise.max_credit_limit),
                whole=False,
                css=f"chansim-credit-{i}",
                width="120px",
            )  # fmt: skip
            for i, partner in enumerate(PARTNERS)
        ]
        self.credit_hint = Text(self.lang, "operations.credit_hint", tag="small")
        self.pending_title = widgets.HTML()
        self.pending_box = widgets.VBox()
        self.pending_box.add_class("chansim-pending")
        self.pending_hint = Text(self.lang, "operations.pending_hint", tag="small")
        self.approval_inputs: dict[str, widgets.Dropdown] = {}
        self._pending = None
        self._choices: dict[str, str] = {}
        self.busy.add(*self.order_inputs, *self.credit_inputs, self.allocation)
        self.round_controls("control.advance_week")
        self.kpis = KpiCards(self.lang, KPI_NAMES)
        self.kpi_note = Text(self.lang, "operations.kpi_note", tag="small")
        self.chart = ChartPanel(self.lang, "debrief.stock_chart", css="chansim-stock-chart")
        self.money_chart = ChartPanel(self.lang, "debrief.money_chart", css="chansim-money-chart")
        self.score = ScorePanel(self.lang)
        self.advice = AdvicePanel(self.lang)
        self.download = DownloadLink(self.lang)
        self.debrief_text = Text(self.lang, None, tag="p")
        self.events_list = widgets.HTML()
        self.bullwhip_chart = ChartPanel(self.lang, "operations.bullwhip_chart", css="chansim-bullwhip-chart")
        # charts kept from week to week (lines updated in place), one colour per node in all of them
        self.live_stock, self.live_money, self.live_bullwhip = charts.LiveChart(), charts.LiveChart(), None
        self.colors = charts.palette(REGION_NODES)
        self.debrief = widgets.VBox(
            [Text(self.lang, "debrief.title", tag="h3"), self.debrief_text, self.events_list, self.bullwhip_chart],
            layout=widgets.Layout(display="none"),
        )
        self.debrief.add_class("chansim-debrief")
        self.lang.observe(self._render_texts)
        row = widgets.Layout(flex_flow="row wrap", align_items="center", grid_gap="12px")
        body = [
            self.news,
            self.stock_table,
            widgets.HBox([self.allocation_label, self.allocation], layout=row),
            widgets.HBox(self.order_inputs, layout=row),
            self.order_hint,
            self.credit_title,
            self.credit_table,
            widgets.HBox(self.credit_inputs, layout=row),
            self.credit_hint,
            self.pending_title,
            self.pending_box,
            self.pending_hint,
            self.controls,
            self.notice,
            self.kpis,
            self.kpi_note,
            widgets.HBox([self.score, self.advice], layout=widgets.Layout(flex_flow="row wrap", grid_gap="16px")),
            self.chart,
            self.money_chart,
            self.debrief,
            self.download,
        ]
        self.build_page("operations.title", body, goal_key="operations.goal",
                        step_keys=[f"operations.step.{i}" for i in range(1, 6)])  # fmt: skip
        self.exercise.benchmark()  # the standard process's run, once (~0.07 s): the first week then costs as any other
        self.refresh()
        self.notice.show("ui.ready", "info")

    # ------------------------------------------------------------------ the exercise side of the round handlers
    def read_decision(self) -> dict:
        """The week's decision dict: the orders, the credit limits changed in the form, a changed allocation rule."""
        orders = [box.read() for box in self.order_inputs]  # every value checked before anything is decided
        limits = [box.read() for box in self.credit_inputs]
        current = self.exercise.credit_table().set_index("partner")["credit_limit"]
        changed = {
            partner: limit
            for partner, limit in zip(PARTNERS, limits, strict=True)
            if not math.isclose(limit, float(current[partner]))
        }
        rule = self.allocation.value
        return {
            "orders": dict(zip(self.skus, orders, strict=True)),
            "credit_limits": changed,
            "allocation": rule if rule != self.exercise.allocation else None,
            "approvals": {order: box.value for order, box in self.approval_inputs.items()},
        }

    def show_played(self, decision: dict, result) -> None:  # type: ignore[no-untyped-def]
        week, quantities = result.round + 1, decision["orders"]
        changes = len(decision["credit_limits"]) + (decision["allocation"] is not None)
        if changes:
            self.notice.show("operations.played_changes", "ok", week=week, count=changes, **quantities)
        else:
            self.notice.show("operations.played", "ok", week=week, **quantities)

    def show_autoplayed(self, count: int) -> None:
        self.notice.show("operations.autoplayed", "ok", count=count)

    # ------------------------------------------------------------------ what the parts show
    def refresh(self) -> None:
        """Hand the controller's state to every part; pre-fill the next week's inputs; redraw the charts."""
        game = self.exercise
        self.controls.show_round(game.round, game.rounds, game.finished)
        self._state = game.stock_table().set_index("sku")
        self._credit = game.credit_table().set_index("partner")
        self._news = game.news() if not game.finished else []
        self._suggestions = {} if game.finished else {sku: game.suggestion(DISTRIBUTOR, sku) for sku in self.skus}
        if not game.finished:
            for sku, box in zip(self.skus, self.order_inputs, strict=True):
                box.value = int(self._suggestions[sku])
                box.message.clear()
        for partner, box in zip(PARTNERS, self.credit_inputs, strict=True):
            box.value = float(self._credit.loc[partner, "credit_limit"])
            box.message.clear()
        self._show_pending()
        for box in (*self.order_inputs, *self.credit_inputs, self.allocation):
            self.busy.set_disabled(box, game.finished)
        self._allocation_value = game.allocation
        if game.round:
            desk = game.desk_kpis().set_index("node")
            self.kpis.update({
                "otif": desk.loc[DISTRIBUTOR, "otif"], "fill_rate": desk.loc[DISTRIBUTOR, "fill_rate"],
                "total_cost": desk.loc[REGION, "total_cost"], "bullwhip": desk.loc[DISTRIBUTOR, "bullwhip_weekly"],
                "orders_held_share": desk.loc[REGION, "orders_held_share"],
            }, currency=money_currency(game))  # fmt: skip
            self._score = game.score()
            self._desk = desk
            result = game.result()
            self.score.update(self._score_view)
            self.advice.update(lambda lang: game.advice(lang.code))
            levels = result.levels
            levels = levels[levels["node"].isin(REGION_NODES)]
            days = (0.0, float(game.rounds * game.round_days))  # the whole game: the x range stays put
            self.chart.draw(
                lambda lang: charts.stock_figure(
                    levels,
                    lang,
                    nodes=REGION_NODES,
                    level_names=self._names(lang),
                    colors=self.colors,
                    live=self.live_stock,
                    xlim=days,
                ),
                live=self.live_stock,
            )
            money = result.money
            self.money_chart.draw(
                lambda lang: charts.money_figure(money, lang, nodes=REGION_NODES, live=self.live_money, xlim=days),
                live=self.live_money,
            )
            self.download.update(game.to_csv(), f"chansim-order-desk-seed{game.seed}.csv")
        else:
            self.kpis.update({})
            self.score.update(None)
            self.advice.update(None)
            self.chart.draw(lambda lang: charts.empty_figure(lang))
            self.money_chart.draw(None)
            self.download.update("", "")
        if game.finished:
            table = game.bullwhip_table()
            if self.live_bullwhip is None:
                self.live_bullwhip = charts.LiveChart()
            self.live_bullwhip.reset()  # a game's debrief: its own range, not the last game's
            colors = {**self.colors, "dealers": charts.COLORS[len(REGION_NODES) % len(charts.COLORS)]}
            self.bullwhip_chart.draw(
                lambda lang: charts.bullwhip_figure(
                    table, lang, level_names=self._names(lang, weekly=True), colors=colors, live=self.live_bullwhip,
                    xlim=(0.5, game.rounds + 0.5),
                ),
                live=self.live_bullwhip,
            )  # fmt: skip
            self.debrief.layout.display = "flex"
        else:
            self.debrief.layout.display = "none"
        self._render_texts()

    def _show_pending(self) -> None:
        """One row per order held at the credit desk, with its approve / hold choice pre-filled (the standard's)."""
        game = self.exercise
        self.busy.forget(*self.approval_inputs.values())
        for box in self.approval_inputs.values():
            box.close()
        self.approval_inputs = {}
        if game.finished:
            self._pending = None
            self.pending_box.children = ()
            return
        self._pending = game.held_orders()
        standard = game.standard_approvals()
        for order in self._pending["order"]:
            box = widgets.Dropdown(value=None, layout=widgets.Layout(width="140px"))
            box.add_class("chansim-approval")
            self.approval_inputs[order] = box
        self.busy.add(*self.approval_inputs.values())
        rows = []
        for box in self.approval_inputs.values():
            label = widgets.HTML()
            label.add_class("chansim-pending-order")
            rows.append(widgets.HBox([label, box], layout=widgets.Layout(align_items="center", grid_gap="8px")))
        self.pending_box.children = tuple(rows)
        self._choices = standard

    def _render_pending(self) -> None:
        t = self.lang.t
        game = self.exercise
        week = min(game.round + 1, game.rounds)
        self.pending_title.value = f"<h4>{html.escape(t('operations.pending_title', week=week))}</h4>"
        if self._pending is None or not len(self._pending):
            self.pending_title.value += f"<p>{html.escape(t('operations.pending_none'))}</p>"
            return
        for row, hbox in zip(self._pending.itertuples(), self.pending_box.children, strict=True):
            label, box = hbox.children
            status = t("operations.credit_status.held", available=_money(row.available), day=f"{row.held_since_day:g}")
            cells = [f"#{row.order}", t(f"operations.partner.{row.customer}"), t(f"operations.sku.{row.sku}"),
                     f"{row.qty:g}", _money(row.amount), status]  # fmt: skip
            label.value = " · ".join(html.escape(c) for c in cells)
            value = box.value or self._choices.get(row.order, APPROVAL_CHOICES[1])
            box.options = [(t(f"operations.approval.{choice}"), choice) for choice in APPROVAL_CHOICES]
            box.value = value
            box.tooltip = t("operations.approval_label", order=row.order)

    def _names(self, lang: Language, *, weekly: bool = False) -> dict[str, str]:
        """Chart labels of the nodes (the weekly bullwhip chart: the dealers together, the distributor as you)."""
        language = charts.chart_language(lang)
        if weekly:
            return {level: lang.catalogue.get(f"operations.level.{level}", language)
                    for level in ("dealers", DISTRIBUTOR)}  # fmt: skip
        return {n: lang.catalogue.get(f"operations.partner.{n}", language) for n in REGION_NODES}

    def _render_texts(self) -> None:
        """News, tables, allocation options and the debrief in the page language."""
        game, t = self.exercise, self.lang.t
        self.allocation.options = [(t(f"operations.allocation.{rule}"), rule) for rule in ALLOCATION_RULES]
        self.allocation.value = self._allocation_value
        self._render_pending()
        if game.finished:
            lines = [t("operations.news_over")]
        else:
            lines = [self._event_text(event) for event in self._news] or [t("operations.news_none")]
        title = t("operations.news_title", week=min(game.round + 1, game.rounds))
        items = "".join(f"<li>{html.escape(line)}</li>" for line in lines)
        self.news.value = f'<div class="chansim-goal"><b>{html.escape(title)}</b><ul>{items}</ul></div>'
        state = self._state
        head = [t(f"operations.col.{c}") for c in STOCK_COLUMNS]
        rows = []
        for sku in self.skus:
            row = state.loc[sku]
            suggestion = f"{self._suggestions[sku]:,.0f}" if sku in self._suggestions else "–"
            rows.append([
                html.escape(t(f"operations.sku.{sku}")), _money(row["on_hand"]), _money(row["backorder"]),
                _money(row["on_order"]), _money(row["incoming_orders"]), _money(row["received"]),
                _money(row["last_order"]), suggestion,
            ])  # fmt: skip
        self.stock_table.value = (
            f"<h4>{html.escape(t('operations.stock_title', week=min(game.round + 1, game.rounds)))}</h4>"
            + _table(head, rows, "chansim-table")
        )
        head = [t(f"operations.col.{c}") for c in ("partner", "limit", "exposure", "available", "held")]
        rows = [
            [html.escape(t(f"operations.partner.{p}")), _money(r["credit_limit"]), _money(r["exposure"]),
             _money(r["available"]), f"{int(r['held_orders'])}"]
            for p, r in self._credit.iterrows()
        ]  # fmt: skip
        self.credit_table.value = _table(head, rows, "chansim-table")
        if game.finished and game.round:
            score, desk = self._score, self._desk
            self.debrief_text.set(
                "operations.debrief_summary", weeks=game.round, score=score.value, cost=score.params["C_you"],
                standard=score.params["C_std"], otif=_nan0(desk.loc[DISTRIBUTOR, "otif"]),
                bullwhip=_nan0(desk.loc[DISTRIBUTOR, "bullwhip_weekly"]), held=desk.loc[REGION, "orders_held"],
            )  # fmt: skip
            events = "".join(f"<li>{html.escape(self._event_text(e))}</li>" for e in game.events())
            self.events_list.value = f"<b>{html.escape(t('operations.debrief_events'))}</b><ul>{events}</ul>"
        else:
            self.debrief_text.clear()
            self.events_list.value = ""

    def _event_text(self, event) -> str:  # type: ignore[no-untyped-def]
        lang = self.lang
        end = "–" if event.end_day is None else f"{event.end_day - 1:g}"
        return lang.t(
            f"operations.event.{event.kind}", name=_event_name(lang, event.name),
            subjects=_subjects(lang, event.subjects), magnitude=event.magnitude, start=f"{event.start_day:g}", end=end,
        )  # fmt: skip

    def _score_view(self, lang: Language) -> tuple[float | None, str, list[str]]:
        score, t = self._score, lang.t
        parts = score.components
        lines = [
            t("operations.score_numbers", text=score.text(lang.code)),
            t("operations.score.cost", term=parts["cost"], points=40 * parts["cost"], standard=score.params["C_std"],
              yours=score.params["C_you"]),
            t("operations.score.service", term=parts["service"], points=40 * parts["service"]),
            t("operations.score.bullwhip", term=parts["bullwhip"], points=20 * parts["bullwhip"],
              bullwhip=_nan0(score.params["BW"])),
            t("operations.score.no_data"),
        ]  # fmt: skip
        value = score.value if math.isfinite(score.value) else None
        return value, t(score.formula_key), lines


def _nan0(value: float) -> float:
    return 0.0 if value is None or math.isnan(float(value)) else float(value)


def app(
    lang: str | None = None, *, seed: int = 0, horizon_weeks: int = 12,
    trainee: Any = None, store: Any = None, game: str | None = None,
) -> OrderDeskApp:  # fmt: skip
    """The order desk app (see the module docstring); it displays as its page, ``.exercise`` is the :class:`OrderDesk`."""
    made = OrderDeskApp(lang, seed=seed, horizon_weeks=horizon_weeks)
    made.open_session(trainee=trainee, store=store, game=game)
    return made
