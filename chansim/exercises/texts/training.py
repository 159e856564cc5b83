"""Texts of the training exercise and its app: ``{key: (zh_CN, en_US)}``."""

TEXTS: dict[str, tuple[str, str]] = {
    # --- page
    "training.goal": (
        "把有限的培训名额用在能带来最多赢单的经销商身上，选择线索分配规则，并用符合实际转化率的阶段权重做加权管道预测。"
        "培训把经销商每个漏斗阶段的转化率乘以（1 + 提升幅度），提升幅度每 60 天减半，叠加最多 +50%。",
        "Spend a limited number of training seats on the dealers where they win the most deals, choose how leads "
        "are routed, and forecast the weighted pipeline with stage weights that match the real conversion. "
        "Training multiplies a dealer's conversion at every funnel stage by (1 + uplift); the uplift halves every "
        "60 days, and stacked seats give at most +50 %.",
    ),
    "training.step.1": (
        "看经销商表：上季度每家拿到多少线索、赢单率多少、培训提升还剩多少。",
        "Read the dealer table: the leads each dealer got last quarter, its win rate, and what is left of its "
        "training uplift.",
    ),
    "training.step.2": (
        "在预算内分配本季度的培训名额（每家经销商有上限，见下方），并选择线下或线上培训。",
        "Allocate this quarter's training seats within the budget (each dealer has a limit, see below) and choose "
        "offline or online training.",
    ),
    "training.step.3": (
        "选择线索分配规则，并设定各阶段的预测权重：CRM 给处于该阶段的商机的赢单概率"
        "（最终赢单的机会，而不是进入下一阶段的机会）。",
        "Choose the lead routing rule and set the forecast weight of each stage: the win probability your CRM gives "
        "a deal in that stage (its chance to be won in the end, not to pass the stage).",
    ),
    "training.step.4": (
        "点击“运行本季度”，然后看漏斗转化、预测与实际、得分和改进建议。",
        "Click “Run the quarter”, then read the funnel conversion, forecast versus actual, the score and the advice.",
    ),
    "training.step.5": (
        "打完所有季度后看复盘并下载结果；随时可以撤销上一季度或重置。",
        "After the last quarter read the debrief and download the results; undo the last quarter or reset at any time.",
    ),
    "training.intro": (
        "开局前系统已运行了 {days} 天（没有培训），所以你一开始就有一个销售管道和一些历史数据。"
        "每个回合是一个季度（{round_days} 天），共 {rounds} 个季度；"
        "每季度最多 {budget} 个名额，每家最多 {max_seats} 个。",
        "The first {days} days have already run (no training), so you start with a pipeline and some history. "
        "Each round is a quarter ({round_days} days), {rounds} in all; each quarter you have {budget} seats, at "
        "most {max_seats} per dealer.",
    ),
    "training.advance": ("运行本季度", "Run the quarter"),
    "training.finished": (
        "{rounds} 个季度已全部完成：请看下面的复盘。",
        "All {rounds} quarters played: see the debrief below.",
    ),
    "training.round_played": (
        "第 {round} 季度完成：培训多赢了 {units:.0f} 件，预测误差 {error:+.0f}%。",
        "Quarter {round} played: training won {units:.0f} extra units; forecast error {error:+.0f}%.",
    ),
    "training.round_played_no_error": (
        "第 {round} 季度完成：培训多赢了 {units:.0f} 件；季度初的管道没有赢单，无法计算预测误差。",
        "Quarter {round} played: training won {units:.0f} extra units; the pipeline won nothing, so there is no "
        "forecast error.",
    ),
    "training.decisions": ("本季度的决策", "This quarter's decisions"),
    "training.dealers": ("经销商与培训名额", "Dealers and training seats"),
    "training.seats_label": ("培训名额", "Training seats"),
    "training.seats_field": ("{partner} 的培训名额", "Training seats for {partner}"),
    "training.seat_budget": (
        "已分配 {used} 个名额，本季度预算 {budget} 个；费用 {cost:,.0f}。",
        "{used} of {budget} seats allocated this quarter; cost {cost:,.0f}.",
    ),
    "training.format": ("培训形式", "Training format"),
    "training.format.offline": ("线下工作坊", "Offline workshop"),
    "training.format.online": ("线上课程", "Online course"),
    "training.format_help": (
        "线下工作坊：每个名额提升 +{offline_uplift:.0%}，费用 {offline_cost:,.0f}；"
        "线上课程：每个名额提升 +{online_uplift:.0%}，费用 {online_cost:,.0f}。",
        "Offline workshop: +{offline_uplift:.0%} a seat for {offline_cost:,.0f}; "
        "online course: +{online_uplift:.0%} a seat for {online_cost:,.0f}.",
    ),
    "training.routing": ("线索分配规则", "Lead routing rule"),
    "training.routing.territory_tier": (
        "按区域，按等级加权（金牌多分）",
        "By territory, weighted by tier (gold gets more)",
    ),
    "training.routing.round_robin": ("区域内轮流分配", "Round robin within the region"),
    "training.routing.fewest_open": (
        "区域内分给在手商机最少的经销商",
        "Within the region, to the dealer with the fewest open deals",
    ),
    "training.routing.tier_weighted_all": ("跨区域，按等级加权", "Across regions, weighted by tier"),
    "training.weights": (
        "预测权重（处于各阶段的商机最终赢单的概率，%）",
        "Forecast weights (the chance a deal in each stage is won in the end, %)",
    ),
    "training.weight.lead": ("线索阶段（%）", "Lead (%)"),
    "training.weight.qualified": ("已确认需求阶段（%）", "Qualified (%)"),
    "training.weight.proposal": ("方案报价阶段（%）", "Proposal (%)"),
    "training.weight.negotiation": ("商务谈判阶段（%）", "Negotiation (%)"),
    "training.weights_help": (
        "加权管道 = 各阶段商机的件数 × 该阶段的赢单概率。已完成回合实测的赢单概率（各阶段）：{measured}。"
        "培训会提高在手商机的赢单概率。",
        "Weighted pipeline = units of the deals in each stage × that stage's win probability. Win probability "
        "measured in the rounds played (by stage): {measured}. Training raises it for the deals in the pipeline.",
    ),
    "training.stage.lead": ("线索", "Lead"),
    "training.stage.qualified": ("已确认需求", "Qualified"),
    "training.stage.proposal": ("方案报价", "Proposal"),
    "training.stage.negotiation": ("商务谈判", "Negotiation"),
    "training.tier.gold": ("金牌", "gold"),
    "training.tier.silver": ("银牌", "silver"),
    "training.tier.bronze": ("铜牌", "bronze"),
    "training.region.north": ("北区", "North"),
    "training.region.south": ("南区", "South"),
    "training.table.partner": ("经销商", "Dealer"),
    "training.table.tier": ("等级", "Tier"),
    "training.table.region": ("区域", "Region"),
    "training.table.leads": ("上季度线索", "Leads last quarter"),
    "training.table.share": ("线索占比", "Share of leads"),
    "training.table.win_rate": ("赢单率", "Win rate"),
    "training.table.uplift": ("当前培训提升", "Training uplift now"),
    "training.table.seats_so_far": ("已培训名额", "Seats so far"),
    "training.validation.over_budget": (
        "培训名额合计 {total} 个，超过了本季度预算 {budget} 个：请减少一些名额。",
        "{total} training seats in all is more than this quarter's budget of {budget}: take some seats away.",
    ),
    # --- KPIs of the exercise (cards)
    "kpi.training_win_rate_uplift.label": ("培训带来的赢单率提升", "Win rate uplift from training"),
    "kpi.training_win_rate_uplift.unit": ("百分点", "percentage points"),
    "kpi.training_win_rate_uplift.meaning": (
        "你的赢单率减去同一批线索在不培训时的赢单率。",
        "Your win rate minus the win rate of the same leads without any training.",
    ),
    "kpi.training_extra_units.label": ("培训多赢的件数", "Extra units won by training"),
    "kpi.training_extra_units.unit": ("件", "units"),
    "kpi.training_extra_units.meaning": (
        "你赢单的件数减去同一批线索在不培训时赢单的件数。",
        "Units you won minus the units the same leads would have won without any training.",
    ),
    "kpi.training_spend.label": ("培训费用", "Training spend"),
    "kpi.training_spend.unit": ("金额（{currency}）", "amount ({currency})"),
    "kpi.training_spend.meaning": ("所有培训名额的费用之和。", "The cost of every training seat."),
    "kpi.training_forecast_error.label": ("上季度预测误差", "Forecast error last quarter"),
    "kpi.training_forecast_error.unit": ("相对实际赢单", "relative to the units won"),
    "kpi.training_forecast_error.meaning": (
        "（季度初的加权管道 − 这些商机在季度内实际赢单的件数）/ 实际件数；正数表示预测偏乐观。",
        "(weighted pipeline at the start of the quarter − units those deals actually won in the quarter) / actual; "
        "positive means too optimistic.",
    ),
    # --- charts
    "training.chart.funnel": ("漏斗：各阶段的商机数与转化率", "The funnel: deals and conversion at each stage"),
    "training.chart.forecast": ("预测与实际（每季度）", "Forecast versus actual (each quarter)"),
    "training.chart.entered": ("进入该阶段的商机", "Deals entering the stage"),
    "training.chart.conversion": ("阶段转化率", "Stage conversion"),
    "training.chart.untrained": ("不培训（同一批线索）", "Without training (same leads)"),
    "training.chart.trained": ("你的培训方案", "With your training"),
    "training.chart.your_weights": ("你的权重隐含的转化率", "Conversion your weights imply"),
    "training.chart.forecast_units": ("预测（季度初加权管道）", "Forecast (weighted pipeline at the start)"),
    "training.chart.measured_units": ("按实测转化率加权", "Weighted by the measured conversion"),
    "training.chart.actual_units": ("实际（这些商机赢单的件数）", "Actual (units those deals won)"),
    "training.chart.quarter": ("季度", "Quarter"),
    "training.chart.quarter_n": ("第 {round} 季度", "Q{round}"),
    "training.chart.units": ("件", "units"),
    "training.chart.deals": ("商机数", "deals"),
    "training.chart.share": ("比例", "share"),
    # --- score
    "training.score.formula": (
        "得分 = 60 × clip(G / G_ref, 0, 1) + 40 × min(F, F*) / max(F, F*)：G 是培训为厂商多带来的毛利减去培训费用，"
        "G_ref 是基准方案（每季度把线下名额给线索最多、尚未达到上限的经销商）的同一数值，"
        "F 是你各季度初的加权管道之和，F* 是同一批商机按季度内实测的各阶段赢单概率加权之和"
        "（预测越准，得分越接近 40）。",
        "score = 60 × clip(G / G_ref, 0, 1) + 40 × min(F, F*) / max(F, F*): G is the vendor's extra gross margin from "
        "training minus the training cost, G_ref the same for the benchmark plan (each quarter, offline seats to the "
        "dealers with the most leads that are below the cap), F your weighted pipelines at the quarter starts, F* "
        "the same deals weighted by the win probability of each stage measured in the quarter (the closer, the "
        "nearer to 40).",
    ),
    "training.score.uplift_term": (
        "培训净收益 G = {gain:,.0f}，基准 G_ref = {reference:,.0f}：得 {points:.1f} / 60 分",
        "Net gain from training G = {gain:,.0f} against the benchmark's G_ref = {reference:,.0f}: "
        "{points:.1f} of 60 points",
    ),
    "training.score.forecast_term": (
        "你的预测 F = {forecast:,.0f} 件，按实测赢单概率 F* = {measured:,.0f} 件"
        "（偏差 {calibration:+.0%}）：得 {points:.1f} / 40 分",
        "Your forecasts F = {forecast:,.0f} units, at the measured win probabilities F* = {measured:,.0f} units "
        "(off by {calibration:+.0%}): {points:.1f} of 40 points",
    ),
    "training.score.actual_term": (
        "这些商机实际赢单 {actual:,.0f} 件（预测误差 {bias:+.0%}）。",
        "Those deals actually won {actual:,.0f} units (forecast error {bias:+.0%}).",
    ),
    # --- advice
    "training.advice.no_training": (
        "{rounds} 个季度里你没有安排任何培训：赢单率停留在 {win_rate:.0%}，和不培训完全一样。"
        "培训能提高每个阶段的转化率，把名额给线索最多的经销商。",
        "You trained nobody in {rounds} quarters: the win rate stayed at {win_rate:.0%}, exactly the untrained "
        "channel's. Training raises every stage's conversion: give seats to the dealers with the most leads.",
    ),
    "training.advice.few_leads": (
        "你的 {total} 个名额中有 {seats} 个给了 {partners}，它们平均只拿到 {share:.0%} 的线索，"
        "只多赢了 {extra_units:.0f} 件。"
        "培训要用在线索多的地方，或者把线索分给你培训过的经销商。",
        "{seats} of your {total} seats went to {partners}, which got only {share:.0%} of the leads on average: they "
        "won just {extra_units:.0f} extra units. Train where the leads go, or route leads to the dealers you trained.",
    ),
    "training.advice.capped": (
        "有 {wasted:.1f} 个名额白白浪费：{partners} 的培训提升已经达到 +{cap:.0%} 的上限，再培训也不会更好。"
        "把名额分给更多经销商。",
        "{wasted:.1f} seats were wasted: {partners} had already reached the +{cap:.0%} cap on the training uplift, "
        "so more seats did nothing. Spread the seats over more dealers.",
    ),
    "training.advice.not_paying": (
        "培训花了 {cost:,.0f}，多赢的 {units:.0f} 件只给厂商带来 {margin:,.0f} 的毛利：培训没有收回成本。"
        "选线索多的经销商，或者用更便宜的线上课程。",
        "Training cost {cost:,.0f} but the {units:.0f} extra units brought the vendor only {margin:,.0f} of gross "
        "margin: it did not pay. Pick dealers with more leads, or use the cheaper online course.",
    ),
    "training.advice.forecast_optimistic": (
        "预测偏差 {calibration:+.0%}：加权管道用的赢单概率太乐观了。按你的权重，第一阶段商机的赢单概率是 "
        "{weights_win:.1%}，而实测只有 {measured_win:.1%}。"
        "你预测 {forecast:,.0f} 件，这些商机实际赢单 {actual:,.0f} 件。"
        "把权重调到实测的各阶段赢单概率。",
        "Forecast off by {calibration:+.0%}: the pipeline was weighted by win probabilities that were too "
        "optimistic. Your weights give a first-stage deal a {weights_win:.1%} chance to win; the measured "
        "win rate is {measured_win:.1%}. You forecast {forecast:,.0f} units and those deals won {actual:,.0f}. "
        "Set the weights to the measured win probability of each stage.",
    ),
    "training.advice.forecast_pessimistic": (
        "预测偏差 {calibration:+.0%}：预测太保守了。培训提高了转化率，实测第一阶段商机的赢单概率是 {measured_win:.1%}，"
        "而你的权重只给 {weights_win:.1%}。你预测 {forecast:,.0f} 件，实际赢单 {actual:,.0f} 件。"
        "培训之后要更新阶段权重。",
        "Forecast off by {calibration:+.0%}: it was too cautious. Training raised conversion: a first-stage deal "
        "won with {measured_win:.1%} as measured, but your weights gave only {weights_win:.1%}. You forecast "
        "{forecast:,.0f} units and the deals won {actual:,.0f}. Update the stage weights after training.",
    ),
    "training.advice.forecast_luck": (
        "你的阶段权重与实测转化率相符（偏差 {calibration:+.0%}），但预测与实际仍差 {bias:+.0%}："
        "管道里平均只有约 {deals:.0f} 个商机，几笔大单的输赢就决定了一个季度。"
        "评价权重要看转化率，而不是某一季度的误差。",
        "Your stage weights matched the measured conversion (off by {calibration:+.0%}), yet the forecast missed "
        "the actual by {bias:+.0%}: the pipeline held only about {deals:.0f} deals, so a few large deals decide a "
        "quarter. Judge the weights by the conversion rates, not by one quarter's miss.",
    ),
    "training.advice.good_play": (
        "做得好：培训净收益 {gain:,.0f}，达到基准方案（{reference:,.0f}）的水平，"
        "预测权重也与实测转化率相符（偏差 {calibration:+.0%}）。",
        "Well played: training brought a net gain of {gain:,.0f}, on par with the benchmark plan ({reference:,.0f}), "
        "and your forecast weights matched the measured conversion (off by {calibration:+.0%}).",
    ),
    # --- debrief
    "training.debrief.uplift": (
        "{rounds} 个季度的赢单率为 {win_rate:.1%}，比不培训高 {points:.1f} 个百分点，多赢了 {units:.0f} 件。",
        "Over {rounds} quarters your win rate was {win_rate:.1%}, {points:.1f} points above the untrained channel: "
        "{units:.0f} extra units won.",
    ),
    "training.debrief.money": (
        "厂商多得毛利 {margin:,.0f}，培训费用 {cost:,.0f}，净收益 {gain:,.0f}；基准方案的净收益为 {reference:,.0f}。",
        "The vendor earned {margin:,.0f} more gross margin for {cost:,.0f} of training: a net gain of {gain:,.0f}; "
        "the benchmark plan's net gain was {reference:,.0f}.",
    ),
    "training.debrief.best_partner": (
        "培训效果最好的是 {partner}：多赢了 {units:.0f} 件。",
        "Training paid most at {partner}: {units:.0f} extra units won.",
    ),
    "training.debrief.forecast": (
        "季度初的加权管道合计 {forecast:,.0f} 件，这些商机实际赢单 {actual:,.0f} 件（误差 {bias:+.0%}）；"
        "按实测转化率加权应为 {measured:,.0f} 件（权重偏差 {calibration:+.0%}）。",
        "Your weighted pipelines at the quarter starts came to {forecast:,.0f} units and those deals won "
        "{actual:,.0f} (error {bias:+.0%}); weighted by the measured conversion they were worth {measured:,.0f} "
        "(weights off by {calibration:+.0%}).",
    ),
    "training.debrief.try_next": (
        "下次可以试试：把线索分配规则和培训对象配合起来；培训后把预测权重调到实测赢单概率；比较线上和线下的性价比。",
        "Try next time: match the routing rule to the dealers you train; after training, set the forecast weights "
        "to the measured win probabilities; compare what online and offline seats return for their cost.",
    ),
}
