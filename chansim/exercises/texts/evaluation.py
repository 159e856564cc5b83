"""Texts of the evaluation app: {key: (zh_CN, en_US)}."""

TEXTS: dict[str, tuple[str, str]] = {
    # --- page
    "evaluation.title": (
        "绩效考核：评分卡、目标达成与渠道结构调整",
        "Performance evaluation: scorecards, targets and channel structure",
    ),
    "evaluation.goal": (
        "每年考核一次伙伴：读懂评分卡和目标达成率背后的原因，决定保留、升级、降级或替换伙伴，"
        "必要时重新划分区域，然后模拟下一年，看你的决定比“什么都不做”好还是差。",
        "Review your partners once a year: read what lies behind each scorecard and target attainment, decide "
        "to keep, promote, demote or replace each partner, redraw territories where it helps, then simulate the "
        "next year and see whether you did better than doing nothing.",
    ),
    "evaluation.step1": (
        "阅读第 1 年的评分卡：达成率低是伙伴自己卖不动，还是缺货（看供货满足率和丢单）？",
        "Read the year-1 scorecards: is a low attainment the partner's own weak selling, or missing stock "
        "(look at the supply fill rate and lost sales)?",
    ),
    "evaluation.step2": (
        "为每个伙伴选择决定：保留、升级（更低进价、缺货时优先供货、季度市场发展基金）、降级或替换"
        "（新伙伴需要 1 个月入驻、2 个月爬坡）。",
        "Choose a decision for each partner: keep, promote (lower buying price, served first when stock is "
        "short, quarterly co-marketing funds), demote, or replace (a newcomer needs 1 month to onboard and "
        "2 months to ramp up).",
    ),
    "evaluation.step3": (
        "可选：把某个区域（终端客户群）从一个经销商划给同一大区的另一个经销商。",
        "Optional: move a territory (a group of end customers) from one dealer to another dealer of the same region.",
    ),
    "evaluation.step4": (
        "点击“模拟下一年”，对比下一年与上一年、以及与“什么都不做”的基准；共 3 轮考核，可撤销或重置。",
        "Click “Simulate next year” and compare the new year with the last one and with the do-nothing "
        "benchmark; 3 reviews in all, with undo and reset.",
    ),
    "evaluation.advance": ("模拟下一年", "Simulate next year"),
    "evaluation.new_game": ("用此种子开始新游戏", "New game with this seed"),
    "evaluation.new_game_done": (
        "已用种子 {seed} 开始新游戏：请考核第 1 年。",
        "New game with seed {seed}: review year 1.",
    ),
    "evaluation.ready": (
        "第 1 年已模拟完毕：请查看评分卡并做出决定。",
        "Year 1 has been simulated: read the scorecards and decide.",
    ),
    "evaluation.simulated": (
        "已模拟第 {year} 年：渠道利润 {profit:,.0f}（基准 {bench:,.0f}）。",
        "Year {year} simulated: channel profit {profit:,.0f} (benchmark {bench:,.0f}).",
    ),
    "evaluation.undone": ("已撤销第 {year} 年的考核决定。", "The review before year {year} was undone."),
    "evaluation.decided": ("已决定：{partner} {action}。", "{partner}: {action}."),
    "evaluation.review_round": (
        "第 {round} 次考核（共 {rounds} 次）：正在考核第 {year} 年",
        "Review {round} of {rounds}: reviewing year {year}",
    ),
    "evaluation.finished": (
        "三次考核已完成，请查看复盘：得分、建议和年度对比。",
        "All reviews are done: see the debrief (score, advice and the year-by-year comparison).",
    ),
    # --- scorecard table
    "evaluation.scorecard_title": ("第 {year} 年伙伴评分卡", "Partner scorecards, year {year}"),
    "evaluation.col.partner": ("伙伴", "Partner"),
    "evaluation.col.tier": ("等级", "Tier"),
    "evaluation.col.status": ("状态", "Status"),
    "evaluation.col.territories": ("负责区域", "Territories"),
    "evaluation.col.sell_out": ("销售额", "Sell-out"),
    "evaluation.col.attainment": ("目标达成率", "Attainment"),
    "evaluation.col.fill_rate": ("现货满足率", "Fill rate"),
    "evaluation.col.supply_fill_rate": ("供货满足率", "Supply fill"),
    "evaluation.col.lost_sales": ("丢单（件）", "Lost sales"),
    "evaluation.col.margin": ("毛利率", "Margin"),
    "evaluation.col.satisfaction": ("满意度", "Satisfaction"),
    "evaluation.col.score": ("评分", "Score"),
    "evaluation.col.decision": ("你的决定", "Your decision"),
    "evaluation.kind.distributor": ("分销商", "distributor"),
    "evaluation.kind.dealer": ("经销商", "dealer"),
    "evaluation.newcomer": ("新伙伴", "new"),
    "evaluation.action.keep": ("保留", "keep"),
    "evaluation.action.promote": ("升级", "promote"),
    "evaluation.action.demote": ("降级", "demote"),
    "evaluation.action.replace": ("替换", "replace"),
    "evaluation.tier.gold": ("金牌", "gold"),
    "evaluation.tier.silver": ("银牌", "silver"),
    "evaluation.tier.bronze": ("铜牌", "bronze"),
    "evaluation.status.active": ("正常", "active"),
    "evaluation.status.at_risk": ("有流失风险", "at risk"),
    "evaluation.status.churned": ("已流失", "left"),
    "evaluation.status.insolvent": ("已破产", "insolvent"),
    "evaluation.status.onboarding": ("入驻中", "onboarding"),
    "evaluation.status.candidate": ("候选", "candidate"),
    # --- territories
    "evaluation.territory_title": ("重新划分区域", "Redraw territories"),
    "evaluation.territory_from": ("区域", "Territory"),
    "evaluation.territory_to": ("划给经销商", "Give to dealer"),
    "evaluation.territory_apply": ("划转区域", "Move territory"),
    "evaluation.territory_served": ("{territory}（现由 {dealer} 负责）", "{territory} (now {dealer})"),
    "evaluation.territory_moved": ("{territory} 将划给 {dealer}。", "{territory} will go to {dealer}."),
    "evaluation.moves": ("待生效的区域划转：{moves}", "Territory moves for next year: {moves}"),
    "evaluation.moves_none": ("没有待生效的区域划转。", "No territory moves for next year."),
    # --- KPI cards
    "evaluation.kpi.channel_profit.label": ("渠道利润", "Channel profit"),
    "evaluation.kpi.channel_profit.unit": ("每年", "per year"),
    "evaluation.kpi.channel_profit.meaning": (
        "终端销售收入减去生产成本、全渠道运营成本、市场发展基金和招募费用（厂商与伙伴之间的价格、佣金和返利在渠道内部抵消）。",
        "End-customer revenue minus the cost of making the goods, the channel's operating cost, MDF and "
        "recruitment (prices, commissions and rebates between the vendor and partners cancel out inside the channel).",
    ),
    "evaluation.kpi.profit_vs_benchmark.label": ("与基准相比", "Versus benchmark"),
    "evaluation.kpi.profit_vs_benchmark.unit": ("每年", "per year"),
    "evaluation.kpi.profit_vs_benchmark.meaning": (
        "本年渠道利润减去“什么都不做”时同一年的渠道利润（相同需求）。",
        "This year's channel profit minus the same year's profit when nothing is changed (same demand).",
    ),
    "evaluation.kpi.profit_change.label": ("与上一年相比", "Versus last year"),
    "evaluation.kpi.profit_change.unit": ("每年", "per year"),
    "evaluation.kpi.profit_change.meaning": (
        "本年渠道利润减去上一年渠道利润。",
        "This year's channel profit minus last year's.",
    ),
    "evaluation.kpi.sell_out.label": ("经销商销售额", "Dealer sell-out"),
    "evaluation.kpi.sell_out.unit": ("每年", "per year"),
    "evaluation.kpi.sell_out.meaning": ("经销商卖给终端客户的总金额。", "What the dealers sold to end customers."),
    "evaluation.kpi.attainment.label": ("渠道目标达成率", "Channel attainment"),
    "evaluation.kpi.attainment.unit": ("百分比", "percent"),
    "evaluation.kpi.attainment.meaning": (
        "经销商销售额除以全部区域的销售目标之和。",
        "Dealer sell-out divided by the sum of every territory's target.",
    ),
    "evaluation.kpi.fill_rate.label": ("全渠道现货满足率", "Channel fill rate"),
    "evaluation.kpi.fill_rate.unit": ("百分比", "percent"),
    "evaluation.kpi.fill_rate.meaning": (
        "各节点当期从库存发出的件数占被订购件数的比例。",
        "Share of the units ordered from any node that it shipped from stock at once.",
    ),
    # --- charts
    "evaluation.chart.scorecards": ("伙伴评分（0–100）与目标达成率", "Partner scores (0–100) and target attainment"),
    "evaluation.chart.years": (
        "逐年对比：你的渠道与“什么都不做”的基准",
        "Year by year: your channel against doing nothing",
    ),
    "evaluation.chart.score_axis": ("评分卡得分", "scorecard points"),
    "evaluation.chart.attainment_label": ("达成 {attainment:.0%}", "{attainment:.0%} of target"),
    "evaluation.chart.year": ("年份", "year"),
    "evaluation.chart.profit_axis": ("渠道利润（千）", "channel profit (thousands)"),
    "evaluation.chart.attainment_axis": ("渠道目标达成率", "channel attainment"),
    "evaluation.chart.you": ("你的决定", "your decisions"),
    "evaluation.chart.benchmark": ("什么都不做", "do nothing"),
    "evaluation.chart.year_n": ("第 {year} 年", "year {year}"),
    # --- score
    "evaluation.score_formula": (
        "得分 = clip(50 + 400 × (P − P_b) / |P_b| + 100 × (A − A_b), 0, 100)："
        "P、P_b 为考核后各年你和基准的渠道利润之和，"
        "A、A_b 为对应的渠道目标达成率；50 分表示与什么都不做一样，利润每高 1% 加 4 分，达成率每高 1 个百分点加 1 分。",
        "score = clip(50 + 400 × (P − P_b) / |P_b| + 100 × (A − A_b), 0, 100): P and P_b are your and the "
        "benchmark's channel profit summed over the years after a review, A and A_b the channel attainment; 50 "
        "is as good as doing nothing, each 1 % more profit adds 4 points, each point of attainment 1.",
    ),
    "evaluation.score.none": (
        "还没有考核后的年份：模拟下一年后才有得分。",
        "No year after a review yet: the score comes once the next year is simulated.",
    ),
    "evaluation.score.profit_term": (
        "渠道利润 {profit:,.0f}，基准 {bench:,.0f}：{points:+.1f} 分",
        "Channel profit {profit:,.0f} against {bench:,.0f}: {points:+.1f} points",
    ),
    "evaluation.score.attainment_term": (
        "渠道目标达成率 {attainment:.1%}，基准 {bench:.1%}：{points:+.1f} 分",
        "Channel attainment {attainment:.1%} against {bench:.1%}: {points:+.1f} points",
    ),
    "evaluation.debrief.year": (
        "第 {year} 年：渠道利润 {profit:,.0f}（基准 {bench:,.0f}），"
        "目标达成率 {attainment:.0%}（基准 {bench_attainment:.0%}）",
        "Year {year}: channel profit {profit:,.0f} (benchmark {bench:,.0f}), attainment {attainment:.0%} "
        "(benchmark {bench_attainment:.0%})",
    ),
    # --- advice
    "evaluation.advice.supply_blame": (
        "你对 {partner} 做了“{action}”，但它第 {year} 年 {attainment:.0%} 的低达成率主要来自缺货："
        "其分销商 {distributor} 只有 {supply:.0%} 的订单到货即发，它自己的现货满足率 {fill:.0%}，丢单 {lost:,.0f} 件。"
        "先解决供货（或升级它以获得优先供货），而不是惩罚经销商。",
        "You chose to {action} {partner}, but its low attainment of {attainment:.0%} in year {year} came from "
        "missing stock: its distributor {distributor} shipped only {supply:.0%} of its orders on arrival, its "
        "own fill rate was {fill:.0%} and it lost {lost:,.0f} units. Fix the supply (or promote it to be served "
        "first) instead of punishing the dealer.",
    ),
    "evaluation.advice.ramp_loss": (
        "替换 {partner} 的新伙伴 {newcomer} 需要约 {months} 个月入驻和爬坡：第 {year} 年该区域销售额下降了 {drop:.0%}。"
        "替换是长期投资，只对确实卖不动的伙伴值得。",
        "The newcomer {newcomer} that replaced {partner} took about {months} months to onboard and ramp up: "
        "year-{year} sales in its territories fell {drop:.0%}. Replacing is a long-term investment, worth it only "
        "for a partner that really cannot sell.",
    ),
    "evaluation.advice.hopeless_kept": (
        "{partner} 在第 {year} 年只完成了目标的 {attainment:.0%}，而且并不缺货：问题在它自己的销售能力。"
        "你一直没有替换它，也没有把它的区域交给更强的经销商。",
        "{partner} reached only {attainment:.0%} of its target in year {year} with no shortage of stock: its own "
        "selling is the problem. You never replaced it nor gave its territories to a stronger dealer.",
    ),
    "evaluation.advice.promoted_weak": (
        "你升级了第 {year} 年只完成目标 {attainment:.0%} 的 {partner}："
        "市场发展基金和更低的进价投在了很小的销售基数上，回报有限。",
        "You promoted {partner}, which reached only {attainment:.0%} of its target in year {year}: the "
        "co-marketing funds and the lower price went to a small sales base and paid back little.",
    ),
    "evaluation.advice.demoted_star": (
        "你降级了第 {year} 年完成目标 {attainment:.0%} 的 {partner}："
        "它失去市场发展基金和优先供货，毛利下降后满意度和留存也会受影响。",
        "You demoted {partner}, which reached {attainment:.0%} of its target in year {year}: it loses its "
        "co-marketing funds and priority, and a lower margin hurts its satisfaction and loyalty.",
    ),
    "evaluation.advice.churned": (
        "第 {year} 年有伙伴离开了渠道：{partners}。它们的区域交给了同一大区的其他经销商；关注毛利和供货以留住伙伴。",
        "Partners left the channel in year {year}: {partners}. Their territories went to another dealer of the "
        "region; watch margin and supply to keep partners.",
    ),
    "evaluation.advice.territory_gain": (
        "把 {territory} 划给 {dealer} 有效：第 {year} 年该区域销售额增长了 {gain:.0%}。",
        "Moving {territory} to {dealer} worked: its sales grew {gain:.0%} in year {year}.",
    ),
    "evaluation.advice.beat_benchmark": (
        "你的渠道调整比“什么都不做”多赚了 {gain:,.0f} 的渠道利润。",
        "Your changes to the channel earned {gain:,.0f} more channel profit than doing nothing.",
    ),
    # --- validation
    "evaluation.unknown_partner": (
        "“{value}”不是渠道中的伙伴；伙伴有：{allowed}。",
        "{value} is not a partner of the channel; partners: {allowed}.",
    ),
    "evaluation.unknown_action": (
        "“{value}”不是“{field}”的可选决定，请从中选择：{allowed}。",
        "{value} is not a decision for {field}; choose one of: {allowed}.",
    ),
    "evaluation.top_tier": (
        "{partner} 已经是最高等级（{tier}），不能再升级。",
        "{partner} is already {tier}, the top tier: it cannot be promoted.",
    ),
    "evaluation.bottom_tier": (
        "{partner} 已经是最低等级（{tier}），不能再降级（可以考虑替换）。",
        "{partner} is already {tier}, the lowest tier: it cannot be demoted (replace it?).",
    ),
    "evaluation.partner_gone": (
        "{partner} 已经离开渠道：只能“保留”（区域留给接手者）或“替换”。",
        "{partner} has left the channel: only keep (leave its territory) or replace.",
    ),
    "evaluation.replace_distributor": (
        "{partner} 是分销商：本练习只能替换经销商。",
        "{partner} is a distributor: only dealers can be replaced here.",
    ),
    "evaluation.replace_all": (
        "不能一次替换 {region} 大区的全部经销商：至少保留一家，在新伙伴爬坡期间服务客户。",
        "You cannot replace every dealer of the {region} region at once: keep one to serve customers while "
        "the newcomers ramp up.",
    ),
    "evaluation.unknown_territory": (
        "“{value}”不是一个区域；区域有：{allowed}。",
        "{value} is not a territory; territories: {allowed}.",
    ),
    "evaluation.unknown_dealer": (
        "“{value}”不是在营的经销商；经销商有：{allowed}。",
        "{value} is not a live dealer; dealers: {allowed}.",
    ),
    "evaluation.other_region": (
        "{territory} 属于 {region} 大区，而 {dealer} 不在该大区：只能在同一大区内划转。",
        "{territory} is in the {region} region and {dealer} is not: move territories within a region.",
    ),
    "evaluation.territory_replaced": (
        "{dealer} 正在被替换：不能把区域划给它，也不能替换正在接收区域的经销商。",
        "{dealer} is being replaced: do not give it territories, and do not replace a dealer receiving one.",
    ),
    "evaluation.empty_dealer": (
        "划转后 {dealer} 将没有任何区域：如果要让它退出，请选择“替换”。",
        "{dealer} would have no territory left: replace it instead of emptying it.",
    ),
}
