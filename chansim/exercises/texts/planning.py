"""Texts of the channel-planning exercise and app: ``{key: (zh_CN, en_US)}``."""

TEXTS: dict[str, tuple[str, str]] = {
    # --- page
    "planning.title": ("渠道规划：覆盖率与渠道成本", "Channel planning: coverage vs channel cost"),
    "planning.goal": (
        "设计一个渠道（各区域经销商数量、一级或两级渠道、折扣阶梯、市场预算），模拟一年，"
        "在市场覆盖率、渠道成本率和厂商利润率之间找到平衡；最多并排比较三个方案。",
        "Design a channel (dealers per region, one or two tiers, discount ladder, marketing budget), "
        "simulate a year and find the balance between market coverage, channel cost ratio and the vendor's "
        "margin; compare up to three designs side by side.",
    ),
    "planning.step.1": (
        "为四个区域各设定经销商数量（0–5 家，先开在区域内最大的城镇）。",
        "Set the number of dealers in each of the four regions (0-5; they open in the region's largest towns first).",
    ),
    "planning.step.2": (
        "选择渠道层级：两级 = 每个区域一家分销商再供货给经销商；一级 = 厂商直接发货给经销商。",
        "Choose the tiers: two = a distributor per region supplies the dealers; one = the vendor ships to every "
        "dealer directly.",
    ),
    "planning.step.3": (
        "设定经销商折扣阶梯（金/银/铜牌，按标价的百分比）和全年市场预算（市场发展基金）。",
        "Set the dealer discount ladder (gold / silver / bronze, % off list price) and the yearly marketing "
        "budget (market development funds).",
    ),
    "planning.step.4": (
        "点击“模拟此方案”：模拟一年，方案加入对比表（最多三个）。",
        "Click “Simulate this design”: a year is simulated and the design joins the comparison (up to three).",
    ),
    "planning.step.5": (
        "比较指标、得分和图表，阅读建议，再调整方案；需要时下载对比表（CSV）。",
        "Compare the KPIs, scores and chart, read the advice, then adjust; download the comparison (CSV).",
    ),
    # --- inputs
    "planning.input.dealers.north": ("华北经销商数", "Dealers in North"),
    "planning.input.dealers.south": ("华南经销商数", "Dealers in South"),
    "planning.input.dealers.east": ("华东经销商数", "Dealers in East"),
    "planning.input.dealers.west": ("西部经销商数", "Dealers in West"),
    "planning.input.tiers": ("渠道层级", "Tiers"),
    "planning.tiers.one": ("一级（厂商直供经销商）", "1 tier (vendor → dealers)"),
    "planning.tiers.two": ("两级（分销商 + 经销商）", "2 tiers (distributor + dealers)"),
    "planning.input.gold": ("金牌折扣 %", "Gold discount %"),
    "planning.input.silver": ("银牌折扣 %", "Silver discount %"),
    "planning.input.bronze": ("铜牌折扣 %", "Bronze discount %"),
    "planning.input.budget": ("全年市场预算", "Marketing budget per year"),
    "planning.input.name": ("方案名称（可选）", "Design name (optional)"),
    "planning.simulate": ("模拟此方案", "Simulate this design"),
    "planning.clear": ("清空方案", "Clear designs"),
    "planning.design_heading": ("设计方案", "Your design"),
    # --- notices
    "planning.notice.start": ("设定方案后点击“模拟此方案”。", "Set up a design, then click “Simulate this design”."),
    "planning.notice.simulated": (
        "方案 {design} 已模拟一年（{seconds:.1f} 秒）：得分 {score:.0f}。已对比 {count}/3 个方案。",
        "Design {design} simulated for a year ({seconds:.1f} s): score {score:.0f}. {count} of 3 designs compared.",
    ),
    "planning.notice.cleared": ("已清空所有方案，可以重新开始。", "All designs cleared: start again."),
    # --- errors
    "planning.error.no_dealer": (
        "渠道至少需要一家经销商：请至少为一个区域设定 1–5 家经销商。",
        "A channel needs at least one dealer: give at least one region 1 to 5 dealers.",
    ),
    "planning.error.ladder_order": (
        "折扣阶梯必须是 金牌 ≥ 银牌 ≥ 铜牌，而现在是 {gold:g}% / {silver:g}% / {bronze:g}%。",
        "The discount ladder must run gold ≥ silver ≥ bronze; it is {gold:g}% / {silver:g}% / {bronze:g}%.",
    ),
    "planning.error.too_many_designs": (
        "最多只能并排比较 {maximum} 个方案：请先点击“清空方案”再模拟新的方案。",
        "At most {maximum} designs can be compared side by side: click “Clear designs” before simulating another.",
    ),
    # --- regions and towns
    "planning.region.north": ("华北", "North"),
    "planning.region.south": ("华南", "South"),
    "planning.region.east": ("华东", "East"),
    "planning.region.west": ("西部", "West"),
    "planning.town": ("{region}第 {rank} 大城镇", "{region} town no. {rank}"),
    # --- KPIs (cards and the comparison table)
    "planning.kpi.coverage.label": ("覆盖率", "Coverage"),
    "planning.kpi.coverage.meaning": (
        "市场覆盖率 × 现货满足率：渠道用现货满足了潜在终端需求的多少。",
        "Market coverage × fill rate: the share of the potential end-customer demand served from stock.",
    ),
    "planning.kpi.market_coverage.label": ("市场覆盖率", "Market coverage"),
    "planning.kpi.market_coverage.meaning": (
        "有经销商的城镇的潜在需求占全部潜在需求的比例（按全年在营天数加权）。",
        "Potential demand of the towns with a live dealer / all potential demand (weighted by days open).",
    ),
    "planning.kpi.regions_covered.label": ("覆盖区域数", "Regions covered"),
    "planning.kpi.regions_covered.meaning": (
        "年末至少有一家经销商的区域数（共 4 个）。",
        "Regions with at least one dealer at year end (of 4).",
    ),
    "planning.kpi.fill_rate.label": ("现货满足率", "Fill rate"),
    "planning.kpi.fill_rate.meaning": (
        "终端需求在当期由现货满足的比例。",
        "Share of end-customer demand served from stock in the period.",
    ),
    "planning.kpi.channel_cost_ratio.label": ("渠道成本率", "Channel cost ratio"),
    "planning.kpi.channel_cost_ratio.meaning": (
        "（返利 + 佣金 + 市场基金 + 运费 + 库存持有成本 + 伙伴支持费用）/ 终端销售收入。",
        "(rebates + commissions + MDF + freight + holding + partner support) / end-customer revenue.",
    ),
    "planning.kpi.vendor_margin.label": ("厂商利润", "Vendor margin"),
    "planning.kpi.vendor_margin.meaning": (
        "厂商收入 − 产品成本 − 运营成本 − 运费 − 返利佣金 − 市场基金 − 伙伴支持费用。",
        "Vendor revenue − cost of goods − operating costs − freight − rebates and commissions − MDF − support.",
    ),
    "planning.kpi.vendor_margin_pct.label": ("厂商利润率", "Vendor margin %"),
    "planning.kpi.vendor_margin_pct.meaning": ("厂商利润 / 厂商收入。", "Vendor margin / vendor revenue."),
    "planning.kpi.end_revenue.label": ("终端销售额", "End-customer revenue"),
    "planning.kpi.end_revenue.meaning": ("经销商卖给终端客户的金额。", "What the dealers sold to end customers."),
    "planning.kpi.vendor_revenue.label": ("厂商收入", "Vendor revenue"),
    "planning.kpi.vendor_revenue.meaning": ("厂商向渠道伙伴开票的金额。", "What the vendor invoiced its partners."),
    "planning.kpi.channel_cost.label": ("渠道成本", "Channel cost"),
    "planning.kpi.channel_cost.meaning": ("渠道成本率 × 终端销售额。", "Channel cost ratio × end-customer revenue."),
    "planning.kpi.support_cost.label": ("伙伴支持费用", "Partner support"),
    "planning.kpi.support_cost.meaning": (
        "厂商每年照顾每个伙伴的费用（直供经销商更高）。",
        "The vendor's yearly cost of looking after each partner (higher for dealers served directly).",
    ),
    "planning.kpi.vendor_freight.label": ("厂商运费", "Vendor freight"),
    "planning.kpi.vendor_freight.meaning": (
        "厂商送货上门所付的运费。",
        "Freight the vendor pays on its own deliveries.",
    ),
    "planning.kpi.mdf_claimed.label": ("市场基金支出", "MDF claimed"),
    "planning.kpi.mdf_claimed.meaning": (
        "经销商实际申领的市场发展基金。",
        "Market development funds the dealers claimed.",
    ),
    "planning.kpi.rebates.label": ("返利", "Rebates"),
    "planning.kpi.rebates.meaning": ("分销商的采购量返利。", "Volume rebates paid to distributors."),
    "planning.kpi.commissions.label": ("佣金", "Commissions"),
    "planning.kpi.commissions.meaning": (
        "经销商目标佣金与分销商的管理佣金（1%）。",
        "Dealer target commissions and the distributors' 1 % override.",
    ),
    "planning.kpi.dealers_lost.label": ("流失经销商", "Dealers lost"),
    "planning.kpi.dealers_lost.meaning": (
        "一年内退出的经销商（毛利太薄时更容易流失）。",
        "Dealers that left during the year (more likely on thin margins).",
    ),
    "planning.kpi.distributors_lost.label": ("流失分销商", "Distributors lost"),
    "planning.kpi.distributors_lost.meaning": (
        "一年内退出的分销商（其经销商改由厂商直供）。",
        "Distributors that left during the year (their dealers then buy from the vendor).",
    ),
    "planning.kpi.dealers.label": ("经销商数", "Dealers"),
    "planning.kpi.dealers.meaning": ("方案中的经销商总数。", "Dealers in the design."),
    "planning.kpi.distributors.label": ("分销商数", "Distributors"),
    "planning.kpi.distributors.meaning": ("方案中的分销商数。", "Distributors in the design."),
    "planning.kpi.score.label": ("得分", "Score"),
    "planning.param.tiers": ("渠道层级", "Tiers"),
    "planning.param.dealers": ("经销商（华北/华南/华东/西部）", "Dealers (N/S/E/W)"),
    "planning.param.ladder": ("折扣阶梯 金/银/铜", "Ladder gold/silver/bronze"),
    "planning.param.budget": ("市场预算", "Marketing budget"),
    "planning.compare.title": ("方案对比", "Designs compared"),
    "planning.compare.empty": (
        "还没有方案：设定后点击“模拟此方案”。",
        "No design yet: set one up and click “Simulate this design”.",
    ),
    "planning.compare.design": ("方案", "Design"),
    # --- chart
    "planning.chart.title": ("覆盖率与渠道成本率；厂商利润率", "Coverage vs channel cost ratio; vendor margin"),
    "planning.chart.coverage": ("覆盖率", "coverage"),
    "planning.chart.cost_ratio": ("渠道成本率", "channel cost ratio"),
    "planning.chart.budget_line": ("成本预算线 {target:.0%}", "budget line {target:.0%}"),
    "planning.chart.margin": ("厂商利润率", "vendor margin %"),
    "planning.chart.score": ("得分", "score"),
    "planning.chart.design": ("方案", "design"),
    # --- score
    "planning.score.formula": (
        "得分 = 100 ×（{w:g} × 覆盖率 + {w2:g} × min(1, 厂商利润率 / {margin_ref:.0%}））"
        " − {p:g} × 100 × max(0, 渠道成本率 − {target:.0%})，限定在 0–100",
        "score = 100 × ({w:g} × coverage + {w2:g} × min(1, vendor margin % / {margin_ref:.0%}))"
        " − {p:g} × 100 × max(0, channel cost ratio − {target:.0%}), clipped to 0-100",
    ),
    "planning.score.design": ("方案 {design} 的得分构成：", "How design {design} scored:"),
    "planning.score.coverage_term": (
        "覆盖率 {coverage:.0%} → +{points:.1f} 分",
        "coverage {coverage:.0%} → +{points:.1f} points",
    ),
    "planning.score.margin_term": (
        "厂商利润率 {margin:.1%}（满分参照 {margin_ref:.0%}）→ +{points:.1f} 分",
        "vendor margin {margin:.1%} (full marks at {margin_ref:.0%}) → +{points:.1f} points",
    ),
    "planning.score.cost_term": (
        "渠道成本率 {cost_ratio:.1%}（预算线 {target:.0%}）→ −{points:.1f} 分",
        "channel cost ratio {cost_ratio:.1%} (budget line {target:.0%}) → −{points:.1f} points",
    ),
    # --- advice
    "planning.advice.empty_regions": (
        "覆盖率 {coverage:.0%}：{count} 个区域没有经销商（{regions}），放弃了 {missed:.0%} 的潜在需求。",
        "Coverage {coverage:.0%}: {count} region(s) have no dealer ({regions}), leaving {missed:.0%} of the "
        "potential demand unserved.",
    ),
    "planning.advice.cost_over_budget": (
        "渠道成本率 {cost_ratio:.1%} 高于 {target:.0%} 的预算线：减少小城镇的经销商、改用两级渠道分摊物流和支持，"
        "或压缩市场预算。",
        "Channel cost ratio {cost_ratio:.1%} is above the {target:.0%} budget line: drop dealers in the smallest "
        "towns, let distributors share freight and support (two tiers), or trim the marketing budget.",
    ),
    "planning.advice.costly_dealers": (
        "{count} 家经销商自身的渠道成本率超过 {limit:.0%}，最高的是{dealer}（{cost_ratio:.0%}）："
        "小城镇的销售撑不起固定的支持和物流费用。",
        "{count} dealer(s) cost more than {limit:.0%} of their own sales; the worst is {dealer} ({cost_ratio:.0%}): "
        "a small town's sales do not carry the fixed support and freight.",
    ),
    "planning.advice.dealers_lost": (
        "一年内流失了 {count} 家经销商，它们的城镇也随之失去覆盖："
        "铜牌折扣 {bronze:.0%} 给经销商的毛利太薄，满意度下降。",
        "{count} dealer(s) left during the year and took their towns with them: a bronze discount of {bronze:.0%} "
        "leaves the dealers too thin a margin and their satisfaction falls.",
    ),
    "planning.advice.distributors_lost": (
        "{count} 家分销商退出了（它们的经销商改由厂商直供）：分销商卖给金牌经销商只赚 {margin:.0%}。"
        "铜牌折扣越高，分销商的差价越薄。",
        "{count} distributor(s) left (their dealers now buy from the vendor): a distributor earns only {margin:.0%} "
        "on its gold dealer. The higher the bronze discount, the thinner the distributor's spread.",
    ),
    "planning.advice.thin_margin_two_tier": (
        "厂商利润率只有 {margin:.1%}：两级渠道中分销商拿走了一部分毛利。可以考虑在大城镇直供，或降低折扣、返利。",
        "The vendor keeps only {margin:.1%}: in two tiers the distributor takes its share of the margin. "
        "Consider serving the big towns directly, or lower discounts and rebates.",
    ),
    "planning.advice.thin_margin": (
        "厂商利润率只有 {margin:.1%}：直供的运费和支持费用吃掉了毛利。减少小经销商，或在偏远区域使用分销商。",
        "The vendor keeps only {margin:.1%}: direct freight and support eat the margin. Drop small dealers "
        "or use distributors in the remote regions.",
    ),
    "planning.advice.low_fill_direct": (
        "现货满足率只有 {fill_rate:.0%}：厂商直供的交货期更长，经销商更容易缺货。",
        "Fill rate only {fill_rate:.0%}: direct deliveries from the vendor take longer and the dealers run out "
        "more often.",
    ),
    "planning.advice.low_fill": (
        "现货满足率只有 {fill_rate:.0%}：市场活动带来的需求超出了库存计划。",
        "Fill rate only {fill_rate:.0%}: demand outran the stock plan (marketing uplift, scarce supply).",
    ),
    "planning.advice.balanced": (
        "方案均衡：覆盖率 {coverage:.0%}，渠道成本率 {cost_ratio:.1%} 在预算线内，厂商利润率 {margin:.1%}。"
        "试试能否用更少的小经销商保持覆盖。",
        "A balanced design: coverage {coverage:.0%}, channel cost ratio {cost_ratio:.1%} within the budget line, "
        "vendor margin {margin:.1%}. See whether fewer small dealers keep the coverage.",
    ),
    "planning.advice.more_coverage": (
        "成本和利润都在控制中，但覆盖率只有 {coverage:.0%}：在大一些的空白城镇增加经销商。",
        "Cost and margin are under control but coverage is only {coverage:.0%}: add dealers in the larger "
        "towns you do not serve yet.",
    ),
    # --- debrief
    "planning.debrief.title": ("对比复盘", "What the comparison shows"),
    "planning.debrief.best": (
        "得分最高的是方案 {design}（{score:.0f} 分）。",
        "Best score: design {design} ({score:.0f}).",
    ),
    "planning.debrief.widest": (
        "覆盖最广：方案 {design}（{coverage:.0%}）。",
        "Widest coverage: design {design} ({coverage:.0%}).",
    ),
    "planning.debrief.cheapest": (
        "渠道成本率最低：方案 {design}（{cost_ratio:.1%}）。",
        "Lowest channel cost ratio: design {design} ({cost_ratio:.1%}).",
    ),
    "planning.debrief.richest": (
        "厂商利润率最高：方案 {design}（{margin:.1%}）。",
        "Highest vendor margin: design {design} ({margin:.1%}).",
    ),
    "planning.debrief.tiers": (
        "一级与两级的对比：直供让厂商保留分销商的毛利，但要自己承担每家经销商的运费、支持和更长的交货期。",
        "One tier vs two: serving dealers directly keeps the distributor's margin for the vendor, but the vendor "
        "then pays each dealer's freight and support and delivers more slowly.",
    ),
    "planning.debrief.trade_off": (
        "规划要点：覆盖越广，越要靠低成本的渠道结构去服务小市场；覆盖与渠道成本之间没有免费的午餐。",
        "The planning point: the wider the coverage, the more the small markets need a low-cost channel structure; "
        "there is no free lunch between coverage and channel cost.",
    ),
}
