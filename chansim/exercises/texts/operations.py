"""Texts of the daily-operations apps (the order desk and the beer game): {key: (zh_CN, en_US)}."""

TEXTS: dict[str, tuple[str, str]] = {
    # ------------------------------------------------------------------ the beer game
    "beer_game.title": ("啤酒游戏：供应链中的一个角色", "The beer game: one role in the supply chain"),
    "beer_game.goal": (
        "体会订货延迟如何把终端需求的小变化放大成上游的大波动（牛鞭效应），学会下单时把已订未到的货算进去。",
        "See how delays turn a small change in end demand into large swings upstream (the bullwhip effect), "
        "and learn to count the stock already on order before ordering.",
    ),
    "beer_game.step.1": (
        "选择你的角色和需求类型，然后点击“开始新游戏”（也可以直接以零售商身份开始）。",
        "Pick your role and the kind of demand, then click “New game” (or just start as the retailer).",
    ),
    "beer_game.step.2": (
        "每周先看你的节点收到了什么：下游的订单、到货、库存、欠货和在途订货。",
        "Each week, first look at what your node received: the order from downstream, the shipment, "
        "your stock, your backlog and what is on order.",
    ),
    "beer_game.step.3": (
        "填写本周的订货量（箱；已预填 Sterman 规则的建议），按回车键或点击“前进一周”。"
        "订单要 2 周才到供应商，货物再过 2 周才到你手里。",
        "Enter this week's order (cases; pre-filled with Sterman's rule's suggestion) and press Enter or click "
        "“Advance a week”. An order takes 2 weeks to reach your supplier and the goods another 2 weeks to reach you.",
    ),
    "beer_game.step.4": (
        "观察牛鞭效应图、库存图、得分和建议；可以撤销一周或重置重来。",
        "Watch the bullwhip chart, the stock chart, the score and the advice; undo a week or reset to try again.",
    ),
    "beer_game.step.5": (
        "最后一周结束后阅读复盘，并下载 CSV 结果与同学比较。",
        "After the last week, read the debrief and download the CSV to compare with others.",
    ),
    "beer_game.role_label": ("你的角色", "Your role"),
    "beer_game.role.retailer": ("零售商", "Retailer"),
    "beer_game.role.wholesaler": ("批发商", "Wholesaler"),
    "beer_game.role.distributor": ("分销商", "Distributor"),
    "beer_game.role.factory": ("工厂", "Factory"),
    "beer_game.role.customers": ("终端顾客", "End customers"),
    "beer_game.role.chain": ("整条供应链", "Whole chain"),
    "beer_game.demand_label": ("终端需求", "End demand"),
    # the menu names the kind of demand, never its change (the step is the game's surprise; the debrief shows it)
    "beer_game.demand.classic": ("经典桌游：需求固定，但会有意外", "Classic board game: fixed orders, with a surprise"),
    "beer_game.demand.random": (
        "随机：每周需求有起伏，也会有意外",
        "Random: orders vary week to week, with a surprise",
    ),
    "beer_game.start": ("开始新游戏", "New game"),
    "beer_game.started": (
        "新游戏开始：你扮演{role}，共 {weeks} 周。其他角色按 Sterman 规则下单。",
        "New game: you play the {role} for {weeks} weeks. The other roles follow Sterman's rule.",
    ),
    "beer_game.week_title": ("第 {week} 周：{role}看到的情况", "Week {week}: what the {role} sees"),
    "beer_game.week_over": ("游戏结束：{role}第 {week} 周末的情况", "Game over: the {role} at the end of week {week}"),
    "beer_game.view.incoming": ("收到的订单", "Incoming order"),
    "beer_game.view.received": ("本周到货", "Shipment received"),
    "beer_game.view.on_hand": ("库存", "On hand"),
    "beer_game.view.backlog": ("欠货", "Backlog"),
    "beer_game.view.on_order": ("已订未到（订货管道）", "On order (supply line)"),
    "beer_game.view.last_order": ("你上周的订货", "Your last order"),
    "beer_game.view.cases": ("箱", "cases"),
    "beer_game.order_label": ("本周订货量（箱）", "Your order this week (cases)"),
    "beer_game.ordered": ("第 {week} 周：你订了 {qty:g} 箱。", "Week {week}: you ordered {qty:g} cases."),
    "beer_game.autoplayed": (
        "按 Sterman 规则替你自动下单了 {count} 周。",
        "Sterman's rule ordered for you for {count} weeks.",
    ),
    "beer_game.kpis_title": ("你的角色到目前为止的指标", "Your role's figures so far"),
    "beer_game.score_chain": (
        "{weeks:g} 周后整条供应链的成本：有你参与时 {c_you:,.1f}，全部按规则时 {c_rule:,.1f}",
        "Chain cost after {weeks:g} weeks: {c_you:,.1f} with you, {c_rule:,.1f} with every role on the rule",
    ),
    "beer_game.score_role": (
        "你的角色（{role}）的成本：{cost:,.1f}；按规则时：{rule:,.1f}",
        "Cost of your role ({role}): {cost:,.1f}; on the rule: {rule:,.1f}",
    ),
    "beer_game.score_numbers": ("代入数字：{text}", "With the numbers: {text}"),
    "beer_game.debrief_summary": (
        "游戏结束（{weeks} 周）。整条供应链的成本是 {c_you:,.1f}，全部按 Sterman 规则时是 {c_rule:,.1f}。"
        "对比下面两张牛鞭效应图：越往上游，订单波动越大吗？你的订单（★）比规则的更平稳还是更剧烈？",
        "The game is over ({weeks} weeks). The chain cost {c_you:,.1f}; with every role on Sterman's rule it "
        "cost {c_rule:,.1f}. Compare the two bullwhip charts below: do the orders swing more the further "
        "upstream? Are your orders (★) smoother or wilder than the rule's?",
    ),
    "beer_game.cost_table.role": ("角色", "Role"),
    "beer_game.cost_table.cost": ("你这局的成本", "Cost in your game"),
    "beer_game.cost_table.benchmark": ("全部按规则的成本", "Cost with every role on the rule"),
    "beer_game.benchmark_chart": (
        "对照：同一局游戏中各角色都按 Sterman 规则下单",
        "For comparison: the same game with every role on Sterman's rule",
    ),
    # ------------------------------------------------------------------ the order desk
    "operations.title": ("日常运营：订单台", "Daily operations: the order desk"),
    "operations.goal": (
        "像订单台一样按周工作：根据信用额度放行或冻结订单、在缺货时分配库存、为分销商补货，"
        "并应对突发事件；目标是低成本、高准时足额率（OTIF）和小的牛鞭效应。",
        "Work the order desk week by week: approve or hold orders against credit, share scarce stock, "
        "replenish the distributor and react to events; aim for low cost, high on-time-in-full (OTIF) "
        "and little bullwhip.",
    ),
    "operations.step.1": (
        "先读“本周消息”：需求激增、港口拥堵、仓库关闭或审批人休假都会影响你的决定。",
        "Read “This week” first: a demand surge, port congestion, a warehouse closure or an approver away "
        "changes what you should do.",
    ),
    "operations.step.2": (
        "查看分销商的库存和信用台：谁的订单因超出信用额度被冻结？逐笔批准或暂缓这些订单，需要时调整信用额度。",
        "Look at the distributor's stock and the credit desk: whose orders are held over their credit "
        "limit? Approve or hold each of them, and change a limit if needed.",
    ),
    "operations.step.3": (
        "选择缺货时的分配规则，再填写每种产品本周的补货量（已预填标准流程的建议量）。",
        "Choose how scarce stock is shared, then enter this week's replenishment order of each product "
        "(pre-filled with the standard process's suggestion).",
    ),
    "operations.step.4": (
        "点击“前进一周”，查看指标卡、库存图、资金图、得分和建议。",
        "Click “Advance a week” and read the KPI cards, the stock and money charts, the score and the advice.",
    ),
    "operations.step.5": (
        "最后一周结束后阅读复盘，并下载 CSV 结果。",
        "After the last week, read the debrief and download the CSV results.",
    ),
    "operations.news_title": ("本周消息（第 {week} 周）", "This week (week {week})"),
    "operations.news_none": ("本周一切正常，没有特别事件。", "Nothing unusual this week."),
    "operations.news_over": ("游戏已结束。", "The game is over."),
    "operations.event.demand_shock": (
        "{name}：{subjects}的终端需求变为平时的 {magnitude:.0%}（第 {start} 天到第 {end} 天）。",
        "{name}: end-customer demand at {subjects} is {magnitude:.0%} of normal (days {start} to {end}).",
    ),
    "operations.event.lane_delay": (
        "{name}：发往{subjects}的货物在途时间多 {magnitude:g} 天（第 {start} 天到第 {end} 天）。",
        "{name}: shipments to {subjects} take {magnitude:g} more days (days {start} to {end}).",
    ),
    "operations.event.lane_closure": (
        "{name}：发往{subjects}的线路停运，无法发货（第 {start} 天到第 {end} 天）。",
        "{name}: the lanes to {subjects} are closed, nothing ships (days {start} to {end}).",
    ),
    "operations.event.approver_absence": (
        "{name}：{subjects}审批组少了 {magnitude:g} 位审批人，大额订单审批会变慢（第 {start} 天到第 {end} 天）。",
        "{name}: the {subjects} approvers are {magnitude:g} short, large orders wait longer for approval "
        "(days {start} to {end}).",
    ),
    "operations.event_name.rebuilding_surge": ("灾后重建需求激增", "Rebuilding surge"),
    "operations.event_name.port_congestion": ("港口拥堵", "Port congestion"),
    "operations.event_name.finance_manager_on_leave": ("财务经理休假", "Finance manager on leave"),
    "operations.event_name.warehouse_closure": ("仓库临时关闭", "Warehouse closure"),
    "operations.event_name.competitor_promotion": ("竞争对手降价促销", "Competitor promotion"),
    "operations.pool.finance": ("财务", "finance"),
    "operations.pool.sales_ops": ("销售运营", "sales operations"),
    "operations.partner.dist_north": ("北方家电供应（分销商）", "Northern Appliance Supply (distributor)"),
    "operations.partner.dealer_n1": ("湖畔家电中心（金牌经销商）", "Lakeside Appliance Center (gold dealer)"),
    "operations.partner.dealer_n2": ("枫树街电器（银牌经销商）", "Maple Street TV & Appliance (silver dealer)"),
    "operations.partner.dealer_n3": ("松岭家居（铜牌经销商）", "Pine Ridge Home Store (bronze dealer)"),
    "operations.partner.dealers": ("三家经销商", "the three dealers"),
    "operations.sku.fridge": ("对开门冰箱", "French-door refrigerator"),
    "operations.sku.washer": ("滚筒洗衣机", "Front-load washer"),
    "operations.sku.microwave": ("台式微波炉", "Countertop microwave"),
    "operations.stock_title": (
        "分销商的库存（第 {week} 周开始时；流量为上一周）",
        "The distributor's stock (start of week {week}; flows of the week before)",
    ),
    "operations.col.product": ("产品", "Product"),
    "operations.col.on_hand": ("库存", "On hand"),
    "operations.col.backorder": ("欠经销商", "Owed to dealers"),
    "operations.col.on_order": ("已订未到", "On order"),
    "operations.col.incoming": ("上周经销商订货", "Dealers ordered last week"),
    "operations.col.received": ("上周到货", "Received last week"),
    "operations.col.last_order": ("你上周的补货", "Your last order"),
    "operations.col.suggestion": ("标准流程建议", "Standard suggestion"),
    "operations.order.fridge": ("冰箱补货量", "Order of refrigerators"),
    "operations.order.washer": ("洗衣机补货量", "Order of washers"),
    "operations.order.microwave": ("微波炉补货量", "Order of microwaves"),
    "operations.order_hint": (
        "补货量已预填为标准流程的建议（按平均需求补到目标库存位置）；你可以改动。订单同样要经过信用检查和审批。",
        "The orders are pre-filled with the standard process's suggestion (top up the inventory position "
        "to cover average demand); change them as you see fit. Your orders pass the credit check and the "
        "approvals too.",
    ),
    "operations.credit_title": ("信用台", "The credit desk"),
    "operations.col.partner": ("伙伴", "Partner"),
    "operations.col.limit": ("信用额度", "Credit limit"),
    "operations.col.exposure": ("已占用", "Exposure"),
    "operations.col.available": ("可用额度", "Available"),
    "operations.col.held": ("冻结订单", "Orders held"),
    "operations.credit.dist_north": ("北方家电供应的信用额度", "Credit limit of Northern Appliance Supply"),
    "operations.credit.dealer_n1": ("湖畔家电中心的信用额度", "Credit limit of Lakeside Appliance Center"),
    "operations.credit.dealer_n2": ("枫树街电器的信用额度", "Credit limit of Maple Street TV & Appliance"),
    "operations.credit.dealer_n3": ("松岭家居的信用额度", "Credit limit of Pine Ridge Home Store"),
    "operations.credit_hint": (
        "超出额度的订单会被冻结，最多 10 天，之后取消。提高额度会立即放行符合新额度的冻结订单；"
        "额度过高则坏账风险上升。",
        "Orders over the limit are held for up to 10 days, then cancelled. Raising a limit releases the held "
        "orders that now fit at once; a limit too high risks bad debt.",
    ),
    "operations.pending_title": (
        "等待信用审批的订单（第 {week} 周开始时）",
        "Orders waiting at the credit desk (start of week {week})",
    ),
    "operations.pending_none": ("没有等待审批的订单。", "No order is waiting for approval."),
    "operations.pending_hint": (
        "“批准”让订单立即放行（可超出客户的信用额度）；“暂缓”交给信用台：回款后额度够了再放行，冻结 10 天后取消。"
        "已预填标准流程的选择：可用额度够的批准，其余暂缓。",
        "Approve lets an order go on at once (over the customer's credit limit if need be); hold leaves it to "
        "the credit desk: released when payments free enough credit, cancelled after 10 days held. Pre-filled "
        "with the standard process's choice: approve what the available credit allows, hold the rest.",
    ),
    "operations.col.order": ("订单号", "Order"),
    "operations.col.customer": ("客户", "Customer"),
    "operations.col.qty": ("数量", "Quantity"),
    "operations.col.amount": ("金额", "Amount"),
    "operations.col.credit_status": ("信用状态", "Credit status"),
    "operations.col.decision": ("你的决定", "Your decision"),
    "operations.credit_status.held": (
        "超出额度被冻结（可用额度 {available}，自第 {day} 天）",
        "held over the limit (available {available}, since day {day})",
    ),
    "operations.approval.approve": ("批准", "approve"),
    "operations.approval.hold": ("暂缓", "hold"),
    "operations.approval_label": ("订单 {order} 的决定", "Decision on order {order}"),
    "operations.allocation_label": ("缺货时的分配规则", "When stock is short, serve"),
    "operations.allocation.first_come": ("先到先得", "first come, first served"),
    "operations.allocation.proportional": ("按订单比例分配", "a fair share of each order"),
    "operations.allocation.priority": ("按伙伴等级优先（金牌先）", "by partner tier (gold first)"),
    "operations.played": (
        "第 {week} 周已完成：你补货冰箱 {fridge:g} 台、洗衣机 {washer:g} 台、微波炉 {microwave:g} 台。",
        "Week {week} played: you ordered {fridge:g} refrigerators, {washer:g} washers and {microwave:g} microwaves.",
    ),
    "operations.played_changes": (
        "第 {week} 周已完成：你补货冰箱 {fridge:g} 台、洗衣机 {washer:g} 台、微波炉 {microwave:g} 台，"
        "并调整了 {count} 项设置（信用额度或分配规则）。",
        "Week {week} played: you ordered {fridge:g} refrigerators, {washer:g} washers and {microwave:g} "
        "microwaves, and changed {count} settings (credit limits or the allocation rule).",
    ),
    "operations.autoplayed": (
        "按标准流程自动运行了 {count} 周。",
        "The standard process played {count} weeks for you.",
    ),
    "operations.kpi_note": (
        "OTIF、满足率和牛鞭系数是分销商的；总成本是整个北区的；冻结订单占比是所有伙伴的。",
        "OTIF, fill rate and bullwhip are the distributor's; total cost is the whole northern region's; "
        "orders on credit hold are of all partners.",
    ),
    "operations.score_numbers": ("代入数字：{text}", "With the numbers: {text}"),
    "operations.score.cost": (
        "成本项：min(1, C_std / C_you) = {term:.2f} → {points:.1f} / 40 分"
        "（C_std {standard:,.0f}，C_you {yours:,.0f}）",
        "Cost: min(1, C_std / C_you) = {term:.2f} → {points:.1f} of 40 (C_std {standard:,.0f}, C_you {yours:,.0f})",
    ),
    "operations.score.service": (
        "服务项：OTIF = {term:.0%} → {points:.1f} / 40 分",
        "Service: OTIF = {term:.0%} → {points:.1f} of 40",
    ),
    "operations.score.bullwhip": (
        "牛鞭项：min(1, 1 / BW) = {term:.2f} → {points:.1f} / 20 分（BW {bullwhip:.2f}）",
        "Bullwhip: min(1, 1 / BW) = {term:.2f} → {points:.1f} of 20 (BW {bullwhip:.2f})",
    ),
    "operations.score.no_data": ("还没有数据的项按满分计。", "A term without data yet counts in full."),
    "operations.bullwhip_chart": (
        "每周：终端需求、经销商订货与你（分销商）的补货",
        "Each week: end demand, the dealers' orders and your (the distributor's) orders",
    ),
    "operations.level.dealers": ("经销商", "dealers"),
    "operations.level.dist_north": ("分销商（你）", "distributor (you)"),
    "operations.debrief_summary": (
        "游戏结束（{weeks} 周）。得分 {score:.0f}：北区总成本 {cost:,.0f}（标准流程 {standard:,.0f}），"
        "分销商 OTIF {otif:.0%}，牛鞭系数 {bullwhip:.2f}，{held:.0f} 笔订单曾被信用冻结。"
        "看下面的每周图：你的补货是否比终端需求波动更大？事件发生时你提前做了准备吗？",
        "The game is over ({weeks} weeks). Score {score:.0f}: the region cost {cost:,.0f} (standard process "
        "{standard:,.0f}), the distributor's OTIF was {otif:.0%} and its bullwhip {bullwhip:.2f}; {held:.0f} "
        "orders were held for credit. Look at the weekly chart below: did your orders swing more than end "
        "demand? Were you ready when the events came?",
    ),
    "operations.advice.backlog": (
        "{level}的{product}：客户等待太频繁，{stockout_rate:.0%} 的时间里存在欠货或丢单，"
        "平均欠 {mean_backorder:.1f} 件。"
        "需求上升前先备货；补欠货时只补一次，不要每周重复补。",
        "{product} at the {level}: customers waited too often, {stockout_rate:.0%} of the time there was a "
        "backlog or lost sales, with {mean_backorder:.1f} units owed on average. Build stock before demand "
        "rises, and order for a backlog once, not again every week.",
    ),
    "operations.debrief_events": ("本局发生的事件", "The events of this game"),
}
