"""The message catalogue: every string the exercises show, in Simplified Chinese and English.

Messages are ``str.format`` templates keyed by dotted names (``kpi.fill_rate.label``,
``advice.pipeline``). :meth:`Catalogue.get` fills them in, every number by the language's
CLDR patterns (:mod:`chansim.exercises.numbers`: ``{share:.0%}`` is ``94%``, ``{cost:,.0f}``
``22,610``, never ``2.261e+04``); a missing key, language,
translation or parameter raises :class:`CatalogueError` naming what is missing, so a
gap shows up in the tests rather than on a trainee's page. :meth:`Catalogue.check`
lists every gap at once (keys missing in a language, placeholders that differ between
languages, templates that do not parse, KPIs without texts).

The texts live in this module (``MESSAGES``) so they ship with the package without any
package-data configuration. To add a language, add its code to ``LANGUAGES`` and a text
for every key; ``check`` reports what is left.
"""

from __future__ import annotations

import difflib
import os
import re
import string
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import parse_qsl

from chansim.exercises.numbers import formatter

__all__ = [
    "CATALOGUE",
    "DEFAULT_LANGUAGE",
    "KPI_UNITS",
    "LANGUAGES",
    "MESSAGES",
    "Catalogue",
    "CatalogueError",
    "language_asked",
    "placeholders",
    "required_keys",
]

LANGUAGES: tuple[str, ...] = ("zh_CN", "en_US")
DEFAULT_LANGUAGE = "en_US"
#: Placeholder names a template may not use (they are parameters of :meth:`Catalogue.get`).
RESERVED_PLACEHOLDERS = frozenset({"lang"})

#: The five stages of the channel lifecycle, in order (keys ``stage.<name>.name`` / ``.description``).
STAGES = ("planning", "recruitment", "training", "operations", "evaluation")
#: Advice codes of :mod:`chansim.exercises.feedback` (keys ``advice.<code>``).
ADVICE_CODES = (
    "amplification", "pipeline", "backlog", "excess_stock", "late_reaction", "no_reaction",
    "credit_holds", "approval_queue", "good_play",
)  # fmt: skip
SEVERITIES = ("info", "warning", "critical")


def language_asked(query: str, default: str = DEFAULT_LANGUAGE) -> str:
    """The language a page's query string asks for: ``?lang=``, else ``$CHANSIM_LANG``, else ``default``.

    The one rule for the serve layer (the page's ``<html lang>`` and title) and the page's kernel.
    """
    asked = [v for k, v in parse_qsl(query, keep_blank_values=True) if k == "lang"]
    for code in (*asked, os.environ.get("CHANSIM_LANG", ""), default):
        if code in LANGUAGES:
            return code
    return DEFAULT_LANGUAGE


class CatalogueError(LookupError):
    """A message key, language, translation or parameter the catalogue does not have."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


def placeholders(text: str) -> frozenset[str]:
    """The names of the ``str.format`` fields in ``text`` (``{share:.0%}`` gives ``share``).

    Raises:
        ValueError: when the template does not parse or uses positional fields (``{}``, ``{0}``).

    """
    names: set[str] = set()
    for _, field, spec, _ in string.Formatter().parse(text):
        if field is None:
            continue
        name = re.split(r"[.\[]", field, maxsplit=1)[0]
        if not name or name.isdigit():
            raise ValueError(f"positional field {{{field}}}: use a name")
        names.add(name)
        if spec:
            names |= placeholders(spec)
    return frozenset(names)


class Catalogue:
    """Messages by key and language; see the module docstring."""

    def __init__(
        self,
        messages: Mapping[str, Mapping[str, str]] | None = None,
        languages: Iterable[str] = LANGUAGES,
    ) -> None:
        self.messages: Mapping[str, Mapping[str, str]] = MESSAGES if messages is None else messages
        self.languages: tuple[str, ...] = tuple(languages)
        if not self.languages:
            raise ValueError("a catalogue needs at least one language")

    def __contains__(self, key: object) -> bool:
        return key in self.messages

    def keys(self) -> list[str]:
        """Every message key, sorted."""
        return sorted(self.messages)

    def template(self, key: str, lang: str = DEFAULT_LANGUAGE) -> str:
        """The unformatted text of ``key`` in ``lang``."""
        if lang not in self.languages:
            raise CatalogueError(f"unknown language {lang!r}; the catalogue has {', '.join(self.languages)}")
        entry = self.messages.get(key)
        if entry is None:
            close = difflib.get_close_matches(key, list(self.messages), n=3)
            hint = f" (did you mean {', '.join(close)}?)" if close else ""
            raise CatalogueError(f"no message {key!r} in the catalogue{hint}")
        text = entry.get(lang)
        if not text:
            raise CatalogueError(f"message {key!r} has no {lang} translation")
        return text

    def get(self, key: str, /, lang: str = DEFAULT_LANGUAGE, **params: Any) -> str:
        """The text of ``key`` in ``lang`` with ``params`` filled in (extra parameters are ignored).

        Raises:
            CatalogueError: for an unknown key or language, a missing translation, a missing
                parameter or a parameter that does not fit its format (``{share:.0%}`` and a string).

        """
        text = self.template(key, lang)
        try:
            return formatter(lang).vformat(text, (), params)
        except KeyError as missing:
            raise CatalogueError(f"message {key!r} ({lang}) needs the parameter {missing.args[0]!r}") from None
        except (ValueError, TypeError, IndexError, AttributeError) as error:
            raise CatalogueError(f"message {key!r} ({lang}) cannot format {params!r}: {error}") from None

    def check(self, required: Iterable[str] | None = None) -> list[str]:
        """Problems with the catalogue, one line each (empty when all is well).

        Checks that every key has a non-empty text in every language, that each template
        parses, that all languages of a key use the same placeholders, that no template uses
        a reserved name, and that every key in ``required`` (default :func:`required_keys`)
        exists.
        """
        problems: list[str] = []
        for key in self.keys():
            entry = self.messages[key]
            for lang in sorted(set(entry) - set(self.languages)):
                problems.append(f"{key}: text in unknown language {lang!r}")
            found: dict[str, frozenset[str]] = {}
            for lang in self.languages:
                text = entry.get(lang)
                if not isinstance(text, str) or not text.strip():
                    problems.append(f"{key}: missing in {lang}")
                    continue
                try:
                    found[lang] = placeholders(text)
                except ValueError as error:
                    problems.append(f"{key} ({lang}): bad template: {error}")
                    continue
                reserved = found[lang] & RESERVED_PLACEHOLDERS
                if reserved:
                    problems.append(f"{key} ({lang}): reserved placeholder {sorted(reserved)}")
            if len(set(found.values())) > 1:
                detail = "; ".join(f"{lang}: {sorted(names)}" for lang, names in found.items())
                problems.append(f"{key}: placeholders differ between languages ({detail})")
        for key in required_keys() if required is None else required:
            if key not in self.messages:
                problems.append(f"{key}: required but not in the catalogue")
        return problems


def required_keys() -> list[str]:
    """Keys the app needs: stages, every KPI (label, unit, meaning), advice codes and severities."""
    from chansim.business.kpis import BUSINESS_KPI_NAMES
    from chansim.metrics import KPI_NAMES

    keys = ["app.title"]
    keys += [f"stage.{stage}.{part}" for stage in STAGES for part in ("name", "description")]
    keys += [
        f"kpi.{name}.{part}" for name in [*KPI_NAMES, *BUSINESS_KPI_NAMES] for part in ("label", "unit", "meaning")
    ]
    keys += [f"advice.{code}" for code in ADVICE_CODES]
    keys += [f"severity.{severity}" for severity in SEVERITIES]
    return keys


# --------------------------------------------------------------------------- the texts

_UNITS: dict[str, tuple[str, str]] = {
    "units": ("件", "units"),
    "fraction": ("百分比", "percent"),
    "days": ("天", "days"),
    "weeks": ("周", "weeks"),
    "turns": ("次/年", "turns per year"),
    "ratio": ("倍", "ratio (×)"),
    # the cards fill in the scenario's currency (chansim.exercises.numbers.currency_name)
    "money": ("金额（{currency}）", "amount ({currency})"),
    "money_per_day": ("{currency}/天", "{currency} per day"),
    "points": ("分（0–100）", "points (0–100)"),
    "flag": ("是/否（全网：占比）", "yes/no (network: share)"),
    "flag_count": ("是/否（全网：个数）", "yes/no (network: count)"),
}

# name: (label zh, label en, unit, meaning zh, meaning en)
_KPIS: dict[str, tuple[str, str, str, str, str]] = {
    # --- inventory and order KPIs (chansim.metrics.KPI_NAMES)
    "demand": ("需求量", "Demand", "units",
               "客户（终端客户或下游伙伴）向该节点要求的总件数。",
               "Units the node's customers (end customers or downstream partners) asked for."),
    "fill_rate": ("现货满足率", "Fill rate", "fraction",
                  "订单到达当期就从库存发出的件数占比。",
                  "Share of ordered units shipped from stock in the period the order arrived."),
    "order_fill_rate": ("订单完整满足率", "Order fill rate", "fraction",
                        "到达当期就完整发货的订单占比。",
                        "Share of orders shipped complete in the period they arrived."),
    "otif": ("准时足额率（OTIF）", "On time in full (OTIF)", "fraction",
             "在承诺日期前足额收到的订单占比。",
             "Share of orders received complete by their due day."),
    "order_cycle_time_days": ("订单周期", "Order cycle time", "days",
                              "从下单到最后一件到货的平均天数。",
                              "Mean days from placing an order to receiving its last unit."),
    "stockout_rate": ("缺货率", "Stockout rate", "fraction",
                      "期末仍有欠货或丢单的周期占比。",
                      "Share of periods that ended with a backlog or lost sales."),
    "mean_on_hand": ("平均在库库存", "Average stock on hand", "units",
                     "每期期末在库件数的平均值。",
                     "Average of the units on hand at the end of each period."),
    "mean_backorder": ("平均欠货", "Average backlog", "units",
                       "每期期末仍欠客户的件数的平均值。",
                       "Average of the units still owed to customers at the end of each period."),
    "mean_on_order": ("平均已订未到", "Average on order", "units",
                      "已经订购但尚未收到的件数（订货管道）的平均值。",
                      "Average of the units ordered and not yet received (the supply line)."),
    "mean_in_transit": ("平均运输中", "Average in transit", "units",
                        "已经发出、正在运往该节点的件数的平均值。",
                        "Average of the units shipped to the node and still on the way."),
    "lost_sales": ("丢失销量", "Lost sales", "units",
                   "因缺货而被取消的需求件数。",
                   "Units of demand cancelled because there was no stock."),
    "weeks_of_supply": ("库存可供周数", "Weeks of supply", "weeks",
                        "按当前出货速度，平均在库库存可以维持的周数。",
                        "How many weeks the average stock on hand lasts at the current shipping rate."),
    "inventory_turns": ("库存周转次数", "Inventory turns", "turns",
                        "年化出货量除以平均在库库存。",
                        "Units shipped per year divided by the average stock on hand."),
    "sell_in": ("进货量（入渠）", "Sell-in", "units",
                "供应商发给该节点的件数。",
                "Units shipped to the node by its supplier."),
    "sell_through": ("出货量（动销）", "Sell-through", "units",
                     "该节点发给其客户的件数。",
                     "Units the node shipped to its customers."),
    "sell_through_rate": ("动销率", "Sell-through rate", "fraction",
                          "出货量除以（期初库存 + 进货量）。",
                          "Units shipped divided by (opening stock + sell-in)."),
    "bullwhip": ("牛鞭效应系数", "Bullwhip ratio", "ratio",
                 "订货量的方差除以需求的方差；大于 1 表示订单放大了需求波动。",
                 "Variance of the orders placed over variance of the demand received; above 1 orders amplify demand."),
    "revenue": ("销售收入", "Revenue", "money",
                "发出的件数乘以销售价格。",
                "Units shipped times the selling price."),
    "cost_of_goods": ("销货成本", "Cost of goods sold", "money",
                      "发出的件数乘以采购价格。",
                      "Units shipped times the purchase price."),
    "gross_margin": ("毛利", "Gross margin", "money",
                     "销售收入减去销货成本。",
                     "Revenue minus cost of goods sold."),
    "gross_margin_pct": ("毛利率", "Gross margin %", "fraction",
                         "毛利除以销售收入。",
                         "Gross margin divided by revenue."),
    "holding_cost": ("库存持有成本", "Holding cost", "money",
                     "在库库存乘以每件每天的持有成本。",
                     "Stock on hand times the holding cost per unit and day."),
    "transit_holding_cost": ("在途持有成本", "Transit holding cost", "money",
                             "运往该节点途中的库存乘以每件每天的在途持有成本。",
                             "Units in transit to the node times the transit holding cost per unit and day."),
    "backorder_cost": ("欠货成本", "Backorder cost", "money",
                       "欠客户的件数乘以每件每天的欠货成本。",
                       "Units owed to customers times the backorder cost per unit and day."),
    "lost_sale_cost": ("丢单成本", "Lost-sale cost", "money",
                       "丢失的件数乘以每件的丢单成本。",
                       "Units lost times the cost per lost unit."),
    "ordering_cost": ("订货成本", "Ordering cost", "money",
                      "下单次数乘以每张订单的固定成本。",
                      "Orders placed times the fixed cost per order."),
    "shipping_cost": ("运费", "Shipping cost", "money",
                      "运到该节点的件数乘以每件运费。",
                      "Units shipped to the node times the shipping cost per unit."),
    "total_cost": ("总运营成本", "Total cost", "money",
                   "持有、在途、欠货、丢单、订货和运输成本之和（不含销货成本）。",
                   "Holding, transit, backorder, lost-sale, ordering and shipping cost (not cost of goods)."),
    "total_cost_per_day": ("日均运营成本", "Total cost per day", "money_per_day",
                           "总运营成本除以天数。",
                           "Total cost divided by the number of days."),
    # --- business KPIs (chansim.business.kpis.BUSINESS_KPI_NAMES)
    "target_attainment": ("目标达成率", "Target attainment", "fraction",
                          "销售收入除以销售目标。",
                          "Revenue divided by the sales target."),
    "contribution_share": ("贡献占比", "Contribution share", "fraction",
                           "该伙伴的终端销售收入占全部终端收入的比例。",
                           "The partner's end-customer revenue as a share of all end-customer revenue."),
    "gross_margin_partner": ("伙伴毛利", "Partner gross margin", "money",
                             "伙伴的销售收入减去销货成本（不含返利和佣金）。",
                             "The partner's revenue minus cost of goods (rebates and commissions not included)."),
    "cost_to_serve": ("服务成本", "Cost to serve", "money",
                      "为服务该伙伴发生的运输、在途、订货成本和分摊的上游库存成本。",
                      "Shipping, transit, ordering and the share of upstream holding cost spent on the partner."),
    "channel_cost_ratio": ("渠道费用率", "Channel cost ratio", "fraction",
                           "返利、佣金、市场发展基金、物流、招募和培训费用之和除以销售收入。",
                           "Rebates, commissions, MDF, logistics, recruitment and training cost divided by revenue."),
    "dso": ("应收账款周转天数（DSO）", "Days sales outstanding (DSO)", "days",
            "平均应收账款除以日均开票额：客户平均多少天付款。",
            "Average receivables over invoiced per day: how many days customers take to pay."),
    "credit_utilisation": ("信用额度使用率", "Credit utilisation", "fraction",
                           "平均应收账款除以信用额度。",
                           "Average receivables divided by the credit limit."),
    "bad_debt": ("坏账", "Bad debt", "money",
                 "无法收回而核销的应收账款。",
                 "Receivables written off as uncollectable."),
    "approval_wait_days": ("审批等待天数", "Approval wait", "days",
                           "订单在各审批环节排队等待的平均总天数。",
                           "Average total days an order waited in the approval queues."),
    "orders_held_share": ("信用冻结订单占比", "Orders on credit hold", "fraction",
                          "首次信用审核时被冻结的订单占比。",
                          "Share of orders held at their first credit check."),
    "deal_reg_approval_rate": ("报备批准率", "Deal registration approval rate", "fraction",
                               "获批的商机报备占全部报备的比例。",
                               "Approved deal registrations divided by all attempts."),
    "deal_reg_win_rate": ("报备赢单率", "Deal registration win rate", "fraction",
                          "获批报备的商机中，赢单占已结商机的比例。",
                          "Won among closed deals with an approved registration."),
    "deal_reg_conflict_rate": ("报备冲突率", "Deal registration conflict rate", "fraction",
                               "与其他伙伴的受保护商机冲突的报备占比。",
                               "Share of registration attempts that clashed with another partner's protected deal."),
    "funnel_win_rate": ("漏斗赢单率", "Funnel win rate", "fraction",
                        "赢单数除以（赢单数 + 输单数）。",
                        "Deals won divided by deals won plus deals lost."),
    "weighted_pipeline": ("加权销售管道", "Weighted pipeline", "units",
                          "未结商机的件数乘以各自的赢单概率之和。",
                          "Open opportunities' units times their chance of being won, summed."),
    "rebates": ("返利", "Rebates", "money",
                "结算给伙伴的返利（销量、增长、达成返利）。",
                "Rebates settled to the partner (volume, growth, achievement)."),
    "commissions": ("佣金", "Commissions", "money",
                    "结算给伙伴的佣金（目标佣金、管理佣金）。",
                    "Commissions settled to the partner (target and override commissions)."),
    "mdf_return": ("市场发展基金回报", "MDF return", "ratio",
                   "每单位市场发展基金（MDF）带来的增量收入，按使用前后对比估计。",
                   "Extra revenue per unit of market development funds, estimated before versus after."),
    "activation": ("激活", "Activation", "flag",
                   "招募的伙伴是否开始交易。",
                   "Whether a recruited partner started trading."),
    "churned": ("流失", "Churned", "flag_count",
                "伙伴是否在期间内退出渠道（流失或破产）。",
                "Whether the partner left the channel (churned or insolvent)."),
    "scorecard": ("伙伴评分卡", "Partner scorecard", "points",
                  "按评估指标体系的权重算出的综合得分。",
                  "Overall score under the weights of the evaluation index."),
}  # fmt: skip

_TEXTS: dict[str, tuple[str, str]] = {
    # --- the app
    "app.title": ("渠道销售管理训练沙盘", "Channel sales management training sandbox"),
    "app.subtitle": (
        "在无风险的模拟环境中练习渠道经理的决策：计划、招募、培训、运营和考核。",
        "Practise a channel manager's decisions in a risk-free sandbox: plan, recruit, train, operate, evaluate.",
    ),
    "app.language": ("语言", "Language"),
    "app.language.zh_CN": ("简体中文", "Simplified Chinese"),
    "app.language.en_US": ("英语", "English"),
    "app.exercises": ("练习列表", "Exercises"),
    "app.learning_goal": ("学习目标", "Learning goal"),
    "app.download_results": ("下载结果（CSV）", "Download results (CSV)"),
    # --- the five lifecycle stages
    "stage.planning.name": ("渠道规划", "Channel planning"),
    "stage.planning.description": (
        "制定渠道策略、选择合作模式，在市场覆盖与渠道成本之间取得平衡。",
        "Set the channel strategy and choose the cooperation model, balancing market coverage and channel cost.",
    ),
    "stage.recruitment.name": ("伙伴招募与筛选", "Partner recruitment and screening"),
    "stage.recruitment.description": (
        "用科学的评估指标体系招募和筛选合作伙伴。",
        "Recruit and screen partners with a sound evaluation index.",
    ),
    "stage.training.name": ("培训与销售漏斗", "Training and the sales funnel"),
    "stage.training.description": (
        "通过线上线下培训提升伙伴的产品知识和销售技能，管理销售漏斗的各个阶段。",
        "Build partners' product knowledge and sales skills online and offline, and manage the funnel stages.",
    ),
    "stage.operations.name": ("日常运营：订单台", "Daily operations: the order desk"),
    "stage.operations.description": (
        "按标准流程快速处理订单、管理库存，包括经典的啤酒游戏。",
        "Process orders and manage stock with a standard process and quick response, including the beer game.",
    ),
    "stage.evaluation.name": ("绩效考核", "Performance evaluation"),
    "stage.evaluation.description": (
        "分析目标达成率，定期考核伙伴并优化渠道结构。",
        "Analyse target attainment, assess partners periodically and improve the channel structure.",
    ),
    "exercise.beer_game.name": ("啤酒游戏", "The beer game"),
    "exercise.beer_game.description": (
        "扮演供应链中的一个角色，其他角色按 Sterman 规则下单；留意终端需求的变化。",
        "Play one role of the supply chain against partners following Sterman's rule; watch how end demand changes.",
    ),
    # --- round controls
    "control.advance_week": ("前进一周", "Advance a week"),
    "control.advance_round": ("进入下一回合", "Next round"),
    "control.autoplay": ("自动运行 {weeks} 周", "Auto-play {weeks} weeks"),
    "control.autoplay_weeks": ("自动运行周数", "Weeks to auto-play"),
    "control.undo": ("撤销上一回合", "Undo the last round"),
    "control.reset": ("重置沙盘", "Reset the sandbox"),
    "control.round": ("第 {round} 回合，共 {rounds} 回合", "Round {round} of {rounds}"),
    "control.nothing_to_undo": ("没有可以撤销的回合。", "There is no round to undo."),
    "control.game_over": ("游戏结束，请查看复盘。", "The game is over: see the debrief."),
    "control.order_quantity": ("订货量", "Order quantity"),
    # --- validation of inputs
    "validation.empty": (
        "请填写“{field}”：允许范围 {minimum} 到 {maximum}。",
        "Please enter {field}: allowed from {minimum} to {maximum}.",
    ),
    "validation.not_a_number": (
        "“{field}”必须是数字，而“{value}”不是：允许范围 {minimum} 到 {maximum}。",
        "{field} must be a number, and “{value}” is not: allowed from {minimum} to {maximum}.",
    ),
    "validation.negative": (
        "“{field}”不能为负数（{value}）：允许范围 {minimum} 到 {maximum}。",
        "{field} cannot be negative ({value}): allowed from {minimum} to {maximum}.",
    ),
    "validation.too_large": (
        "“{field}”的值 {value} 太大：允许范围 {minimum} 到 {maximum}。",
        "{field} is too large ({value}): allowed from {minimum} to {maximum}.",
    ),
    "validation.not_whole": (
        "“{field}”必须是整数（{value}）：允许范围 {minimum} 到 {maximum}。",
        "{field} must be a whole number ({value}): allowed from {minimum} to {maximum}.",
    ),
    "validation.too_small": (
        "“{field}”的值 {value} 太小：允许范围 {minimum} 到 {maximum}。",
        "{field} is too small ({value}): allowed from {minimum} to {maximum}.",
    ),
    "validation.not_controlled": (
        "“{field}”不由你决定；你可以决定的是：{allowed}。",
        "You do not decide {field}; your decisions are: {allowed}.",
    ),
    "validation.missing_decision": (
        "请先填写“{field}”再进行本回合（待决定：{allowed}）。",
        "Please enter {field} before playing the round (to decide: {allowed}).",
    ),
    "validation.unknown_choice": (
        "“{value}”不是“{field}”的可选项，请从中选择：{allowed}。",
        "{value} is not a choice for {field}; choose one of: {allowed}.",
    ),
    # --- scores
    "score.title": ("得分", "Score"),
    "score.total": ("得分：{score:.0f} / 100", "Score: {score:.0f} / 100"),
    "score.formula": (
        "得分 = 100 − {cost_weight:g} × 成本 / 基准成本 − {service_weight:g} × (1 − 准时足额率) × 100"
        " − {bullwhip_weight:g} × max(0, 牛鞭系数 − 1) × 10，结果限制在 0 到 100 之间",
        "score = 100 − {cost_weight:g} × cost / benchmark cost − {service_weight:g} × (1 − OTIF) × 100"
        " − {bullwhip_weight:g} × max(0, bullwhip − 1) × 10, clipped to 0–100",
    ),
    "score.cost_term": (
        "成本 {cost:,.0f}，基准成本 {benchmark_cost:,.0f}：扣 {points:.1f} 分",
        "Cost {cost:,.0f} against a benchmark of {benchmark_cost:,.0f}: −{points:.1f} points",
    ),
    "score.service_term": (
        "准时足额率 {otif:.0%}：扣 {points:.1f} 分",
        "On time in full {otif:.0%}: −{points:.1f} points",
    ),
    "score.service_missing": ("没有到期的订单：服务项不扣分", "No orders were due: no deduction for service"),
    "score.bullwhip_term": (
        "牛鞭效应系数 {bullwhip:.2f}：扣 {points:.1f} 分",
        "Bullwhip {bullwhip:.2f}: −{points:.1f} points",
    ),
    "score.bullwhip_missing": ("需求没有波动：牛鞭项不扣分", "Demand did not vary: no deduction for bullwhip"),
    "score.benchmark_replay": (
        "基准：同一场游戏（相同需求）按补货至目标库存的规则下单的成本。",
        "Benchmark: the cost of the same game (same demand) played with an order-up-to rule.",
    ),
    "score.beer_game.formula": (
        "得分 = 100 × C_rule / C_you：C_you 是你参与时整条供应链的总成本，C_rule 是各角色都按 Sterman 规则下单时的"
        "总成本；100 表示与规则一样好，高于 100 表示胜过规则。",
        "score = 100 × C_rule / C_you: C_you is the whole chain's cost with you playing, C_rule its cost when "
        "every role follows Sterman's rule; 100 plays as well as the rule, above 100 beats it.",
    ),
    "score.order_desk.formula": (
        "得分 = 40 × min(1, C_std / C_you) + 40 × OTIF + 20 × min(1, 1 / BW)：C_you 是分销商及其经销商的总成本，"
        "C_std 是标准做法下的同一成本，OTIF 是分销商对经销商的准时足额率，BW 是分销商的牛鞭效应系数。",
        "score = 40 × min(1, C_std / C_you) + 40 × OTIF + 20 × min(1, 1 / BW): C_you is the cost of the "
        "distributor and its dealers, C_std the same under the standard play, OTIF the distributor's on time "
        "in full to its dealers, BW its bullwhip ratio.",
    ),
    # --- debrief
    "debrief.title": ("复盘", "Debrief"),
    "debrief.what_happened": ("发生了什么", "What happened"),
    "debrief.advice": ("改进建议", "Advice"),
    "debrief.no_advice": ("没有需要特别指出的问题。", "Nothing in particular to point out."),
    "debrief.kpis": ("关键指标", "Key figures"),
    "debrief.score": ("你的得分", "Your score"),
    "debrief.bullwhip_chart": ("牛鞭效应：终端需求与各级订单", "The bullwhip: end demand and the orders at each level"),
    "debrief.stock_chart": ("各级库存与欠货", "Stock and backlog by level"),
    "debrief.money_chart": ("资金随时间变化", "Money over time"),
    "debrief.try_next": ("下次可以试试", "Try next time"),
    # --- advice severities
    "severity.info": ("提示", "Note"),
    "severity.warning": ("注意", "Warning"),
    "severity.critical": ("严重", "Critical"),
    # --- feedback advice (chansim.exercises.feedback; thresholds and formulas there)
    "advice.amplification": (
        "你的订单把需求波动放大了 {bullwhip:.1f} 倍：订货量的波动是你收到的需求波动的 {bullwhip:.1f} 倍。"
        "请平稳下单：每次只做小幅调整，并把已在途的货算进去。",
        "Your orders amplified demand {bullwhip:.1f}×: they varied {bullwhip:.1f} times as much as the demand "
        "you received. Smooth your orders: change them a little at a time and count what is already on its way.",
    ),
    "advice.pipeline": (
        "你忽略了已经在途的 {weeks_on_order:.1f} 周库存：在 {share:.0%} 的回合（{count} 次）里，"
        "订货管道已超过交货延迟所需的 {lead_weeks:g} 周需求，你仍然订了比需求更多的货。"
        "下单前先算一算已订未到的数量，再从需要量中扣除。",
        "You ignored the {weeks_on_order:.1f} weeks of stock already on order: in {share:.0%} of the rounds "
        "({count} times) you ordered more than demand although the pipeline already held more than the "
        "{lead_weeks:g} weeks of demand the delivery delay needs. Before ordering, add up what is on order "
        "and subtract it from what you need.",
    ),
    "advice.backlog": (
        "客户等待太频繁：{stockout_rate:.0%} 的时间里存在欠货或丢单，平均欠客户 {mean_backorder:.1f} 件。"
        "需求上升前先备货；补欠货时只补一次，不要每回合重复补。",
        "Customers waited too often: {stockout_rate:.0%} of the time there was a backlog or lost sales, "
        "with {mean_backorder:.1f} units owed on average. Build stock before demand rises, and order for a "
        "backlog once, not again every round.",
    ),
    "advice.excess_stock": (
        "库存过多：平均可供 {weeks_of_supply:.1f} 周（超过 {limit:g} 周），持有成本 {holding_cost:,.0f}。"
        "减少订货，直到库存只覆盖交货期再加少量安全库存。",
        "You held too much stock: {weeks_of_supply:.1f} weeks of supply on average (more than {limit:g}), "
        "holding cost {holding_cost:,.0f}. Order less until your stock covers the delivery delay plus a "
        "small safety margin.",
    ),
    "advice.late_reaction": (
        "你对需求变化反应太慢：第 {round} 回合需求从每回合 {before:g} 变为 {after:g}，"
        "你的订单过了 {rounds} 个回合（{weeks:g} 周）才跟上。每回合都关注来单，一旦变化持续就及时调整。",
        "You reacted late to the change in demand: it went from {before:g} to {after:g} per round in round "
        "{round}, and your orders took {rounds} rounds ({weeks:g} weeks) to follow. Watch incoming orders "
        "every round and adjust as soon as a change persists.",
    ),
    "advice.no_reaction": (
        "你的订单始终没有跟上需求变化：第 {round} 回合需求从每回合 {before:g} 变为 {after:g}，"
        "但此后 {rounds} 个回合里你的订单调整还不到变化的一半。",
        "Your orders never followed the change in demand: it went from {before:g} to {after:g} per round in "
        "round {round}, but in the {rounds} rounds after it your orders did not move even halfway.",
    ),
    "advice.credit_holds": (
        "信用冻结影响了服务：{held_share:.0%} 的订单在信用审核时被冻结，现货满足率只有 {fill_rate:.0%}。"
        "请加快回款、申请提高信用额度，或拆分大额订单。",
        "Credit holds cost you service: {held_share:.0%} of the orders were held at the credit desk and the "
        "fill rate was only {fill_rate:.0%}. Collect receivables sooner, ask for a higher credit limit or "
        "split large orders.",
    ),
    "advice.approval_queue": (
        "订单审批等待过长：平均 {wait_days:.1f} 天（超过 {limit:g} 天）。"
        "可以提高审批金额门槛、增加审批人或安排休假替岗。",
        "Orders waited too long for approval: {wait_days:.1f} days on average (more than {limit:g}). Raise "
        "the approval thresholds, add approvers or cover their absences.",
    ),
    "advice.good_play": (
        "打得好：你用现货满足了 {fill_rate:.0%} 的需求，订单没有放大需求波动（牛鞭效应系数 {bullwhip:.2f}）。",
        "Well played: you filled {fill_rate:.0%} of demand from stock and your orders did not amplify "
        "demand (bullwhip {bullwhip:.2f}).",
    ),
}


def _build() -> dict[str, dict[str, str]]:
    from chansim.exercises.texts import all_texts

    extra = all_texts()
    clash = sorted(set(extra) & set(_TEXTS))
    if clash:
        raise ValueError(f"app texts redefine core messages: {', '.join(clash)}")
    messages = {key: dict(zip(LANGUAGES, texts, strict=True)) for key, texts in {**_TEXTS, **extra}.items()}
    for name, (label_zh, label_en, unit, meaning_zh, meaning_en) in _KPIS.items():
        messages[f"kpi.{name}.label"] = {"zh_CN": label_zh, "en_US": label_en}
        messages[f"kpi.{name}.unit"] = dict(zip(LANGUAGES, _UNITS[unit], strict=True))
        messages[f"kpi.{name}.meaning"] = {"zh_CN": meaning_zh, "en_US": meaning_en}
    return messages


#: The unit code of every KPI (``fraction``, ``money``, ``flag``, ...; see ``_UNITS``), and of the
#: exercises' own KPIs whose texts live in ``chansim.exercises.texts`` (``percent_value``: a value
#: already in percent, ``-5.0`` is ``-5%``; ``percentage_points``: a difference of two percentages).
KPI_UNITS: dict[str, str] = {
    **{name: spec[2] for name, spec in _KPIS.items()},
    "training_win_rate_uplift": "percentage_points",
    "training_extra_units": "units",
    "training_spend": "money",
    "training_forecast_error": "percent_value",
}
#: Every message: ``{key: {language: template}}``.
MESSAGES: dict[str, dict[str, str]] = _build()
#: The catalogue the exercises use.
CATALOGUE = Catalogue(MESSAGES)
