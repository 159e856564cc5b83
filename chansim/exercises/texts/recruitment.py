"""Texts of the recruitment exercise and app: {key: (zh_CN, en_US)}."""

TEXTS: dict[str, tuple[str, str]] = {
    "recruitment.title": ("伙伴招募与筛选", "Partner recruitment and screening"),
    "recruitment.goal": (
        "用科学的评估指标体系筛选渠道伙伴：每项指标的测量误差不同，权重应向测得准的指标倾斜；"
        "签约后才看得到伙伴的真实能力、激活、目标达成、流失和坏账。",
        "Screen channel partners with a scientific evaluation index: criteria are measured with different "
        "accuracy, so weight the reliable ones; only after signing do you see a partner's real capability, "
        "activation, target attainment, churn and bad debt.",
    ),
    "recruitment.step.weights": (
        "为五项评估指标设置权重（≥ 0 的数字，不能全为 0，系统会自动归一化）。注意每项指标的信息来源。",
        "Set the weights of the five criteria (numbers ≥ 0, not all zero; they are normalised). "
        "Mind where each score comes from.",
    ),
    "recruitment.step.rank": (
        "点击“排序申请者”，按加权综合得分查看申请者。",
        "Click “Rank applicants” to see them by composite score.",
    ),
    "recruitment.step.choose": (
        "勾选要签约的伙伴：每个区域的签约上限见上方的轮次说明。",
        "Tick the partners to sign: the most per region is stated in the round line above.",
    ),
    "recruitment.step.reveal": (
        "点击“签约并模拟”：模拟接下来的几个月，揭晓真实表现和最佳可能的选择。",
        "Click “Sign and simulate”: the following months are simulated and the real performance, and the "
        "best possible choice, are revealed.",
    ),
    "recruitment.step.next": (
        "阅读得分和建议，调整权重，在下一批申请者中再来一轮（可撤销后换一组权重重试）。",
        "Read the score and advice, adjust the weights and recruit from the next pool (or undo and try other "
        "weights on the same pool).",
    ),
    # criteria: name and where the score comes from (the noise is revealed in the debrief)
    "recruitment.criterion.capital": ("资金实力", "Capital"),
    "recruitment.criterion.regional_coverage": ("区域覆盖", "Regional coverage"),
    "recruitment.criterion.category_experience": ("品类经验", "Category experience"),
    "recruitment.criterion.credit_history": ("信用记录", "Credit history"),
    "recruitment.criterion.service_team": ("服务团队", "Service team"),
    "recruitment.source.capital": ("申请者自报的财务数据，往往偏乐观", "self-reported accounts, often optimistic"),
    "recruitment.source.regional_coverage": ("实地走访门店与网点", "site visits to shops and outlets"),
    "recruitment.source.category_experience": (
        "申请材料中的经营描述",
        "the applicant's own description of its business",
    ),
    "recruitment.source.credit_history": ("征信机构和供应商的付款记录", "credit bureau and supplier payment records"),
    "recruitment.source.service_team": ("一次简短的面谈", "one short interview"),
    "recruitment.weights_heading": ("评估指标权重", "Weights of the evaluation index"),
    "recruitment.weights_normalised": ("归一化后：{shares}", "Normalised: {shares}"),
    "recruitment.rank": ("排序申请者", "Rank applicants"),
    "recruitment.reveal": ("签约并模拟", "Sign and simulate"),
    "recruitment.round": (
        "第 {round} 轮，共 {rounds} 轮：{count} 份申请，每个区域最多签约 {picks} 家",
        "Round {round} of {rounds}: {count} applications, sign at most {picks} per region",
    ),
    "recruitment.finished": (
        "全部 {rounds} 轮已完成：请看复盘，或撤销、重置后再试。",
        "All {rounds} rounds are done: see the debrief, or undo or reset to try again.",
    ),
    "recruitment.chosen": ("已勾选：{counts}", "Ticked: {counts}"),
    "recruitment.applicants_heading": ("申请者", "Applicants"),
    "recruitment.outcome_heading": (
        "第 {round} 轮揭晓：你的选择与最佳可能的选择",
        "Round {round} revealed: your choice and the best possible one",
    ),
    "recruitment.no_outcome": ("还没有揭晓的结果：先签约并模拟。", "Nothing revealed yet: sign and simulate first."),
    "recruitment.noise_note": (
        "测量误差（标准差，分）：{noises}。资金实力平均被高估 {bias:.0f} 分。",
        "Measurement noise (standard deviation, points): {noises}. "
        "Capital is overstated by {bias:.0f} points on average.",
    ),
    # table columns
    "recruitment.col.choose": ("签约", "Sign"),
    "recruitment.col.rank": ("总排名", "Rank (overall)"),
    "recruitment.col.company": ("公司", "Company"),
    "recruitment.col.city": ("城市", "City"),
    "recruitment.col.region": ("区域", "Region"),
    "recruitment.col.contact": ("联系人", "Contact"),
    "recruitment.col.founded": ("成立", "Founded"),
    "recruitment.col.composite": ("综合得分", "Composite"),
    "recruitment.col.run": ("方案", "Choice"),
    "recruitment.col.capability": ("真实能力", "Hidden capability"),
    "recruitment.col.active_day": ("激活日", "Active from day"),
    "recruitment.col.sales": ("销售额", "Sales"),
    "recruitment.col.attainment": ("目标达成率", "Target attainment"),
    "recruitment.col.exit": ("退出", "Left"),
    "recruitment.col.satisfaction": ("满意度", "Satisfaction"),
    "recruitment.col.bad_debt": ("坏账", "Bad debt"),
    "recruitment.col.value": ("价值 V", "Value V"),
    "recruitment.run.yours": ("你的选择", "Yours"),
    "recruitment.run.best": ("最佳选择", "Best"),
    "recruitment.exit.churned": ("第 {month} 个月流失", "churned in month {month}"),
    "recruitment.exit.insolvent": ("第 {month} 个月破产", "went bust in month {month}"),
    "recruitment.exit.none": ("无", "none"),
    "recruitment.never_active": ("未激活", "never"),
    # status line
    "recruitment.status.start": ("设置权重后点击“排序申请者”。", "Set the weights, then click “Rank applicants”."),
    "recruitment.status.ranked": ("已按新权重排序 {count} 位申请者。", "Ranked {count} applicants by the new weights."),
    "recruitment.status.revealed": (
        "第 {round} 轮已揭晓：得分 {score:.0f}。",
        "Round {round} revealed: score {score:.0f}.",
    ),
    "recruitment.status.undone": ("已撤销第 {round} 轮：换一组权重再试。", "Round {round} undone: try other weights."),
    "recruitment.status.reset": ("已重置，从第 1 轮开始。", "Reset: back to round 1."),
    # errors
    "recruitment.error.weights_zero": (
        "权重不能全部为 0：至少给一项指标一个正的权重。",
        "The weights cannot all be 0: give at least one criterion a positive weight.",
    ),
    "recruitment.error.no_picks": (
        "还没有勾选任何申请者：每个区域最多可签约 {maximum} 家。",
        "No applicant is ticked: tick up to {maximum} per region.",
    ),
    "recruitment.error.too_many": (
        "{region}区域勾选了 {count} 家，最多只能签约 {maximum} 家。",
        "{count} applicants are ticked in {region}; at most {maximum} may be signed there.",
    ),
    # score
    "recruitment.score.formula": (
        "得分 = 100 × (V你的 − V最差) / (V最佳 − V最差)，限制在 0–100 = 100 × ({yours:,.0f} − {worst:,.0f}) / "
        "({best:,.0f} − {worst:,.0f}) = {score:.1f}",
        "score = 100 × (V_yours − V_worst) / (V_best − V_worst), kept within 0–100 = 100 × ({yours:,.0f} − "
        "{worst:,.0f}) / ({best:,.0f} − {worst:,.0f}) = {score:.1f}",
    ),
    "recruitment.score.value": (
        "V = 签约伙伴在 {months} 个月内的终端销售额 − 坏账之和",
        "V = Σ over the signed partners of (sell-out revenue − bad debt) over {months} months",
    ),
    "recruitment.score.best": (
        "基准按结果而非能力：先用相同的随机数把每位申请者都签约模拟一次，得到各自的价值 v；"
        "最佳选择 = 每个区域 v 最高的至多 {picks} 家（只取 v > 0 的；若按真实能力选出的组合模拟结果更好，则取后者），"
        "最差选择 = v 最低的一家（或所有 v < 0 的）。"
        "可以少签：少签按同一标准计分。",
        "The benchmarks are outcomes, not capabilities: every applicant is first simulated signed, with the same "
        "random numbers, which gives its value v; best choice = per region the (at most) {picks} applicants of the "
        "highest v (v > 0 only; the highest-capability choice instead when its simulation did better), worst "
        "choice = the one of the lowest v (or all with v < 0). Signing fewer is "
        "allowed and scored on the same scale.",
    ),
    "recruitment.score.capability": (
        "平均真实能力（0–100）：你的选择 {yours:.0f}，最佳选择 {best:.0f}",
        "Average hidden capability (0–100): yours {yours:.0f}, best {best:.0f}",
    ),
    "recruitment.score.mean_formula": (
        "得分 = 各轮得分的平均值（每轮：100 × (V你的 − V最差) / (V最佳 − V最差)，限制在 0–100；"
        "V最佳、V最差 是可达到的最好 / 最差结果）",
        "score = mean over the rounds of 100 × clip((V_yours − V_worst) / (V_best − V_worst), 0, 1); V_best, "
        "V_worst the best and worst achievable outcomes",
    ),
    "recruitment.score.rounds": ("各轮得分：{scores}", "Scores by round: {scores}"),
    # advice
    "recruitment.advice.noisy_weight": (
        "你给“{criterion}”分配了 {share:.0%} 的权重，但这项指标的测量误差很大（±{noise:.0f} 分）："
        "综合得分因此被噪声左右。",
        "You put {share:.0%} of the weight on “{criterion}”, a criterion measured with a lot of noise "
        "(±{noise:.0f} points): your composite score mostly ranked the noise.",
    ),
    "recruitment.advice.neglected_precise": (
        "“{criterion}”测得最准（±{noise:.0f} 分），你却只给了 {share:.0%} 的权重：准的指标应该多给权重"
        "（权重与误差平方成反比时预测最好）。",
        "“{criterion}” is measured most reliably (±{noise:.0f} points) but got only {share:.0%} of the weight: "
        "weight reliable criteria more (weights proportional to 1 / noise² predict best).",
    ),
    "recruitment.advice.biased_capital": (
        "资金实力占了 {share:.0%} 的权重，而申请者平均把它高估了 {bias:.0f} 分：自报数据要打折扣或核实。",
        "Capital carries {share:.0%} of the weight, yet applicants overstate it by {bias:.0f} points on average: "
        "discount or verify self-reported figures.",
    ),
    "recruitment.advice.insolvent": (
        "你签约的 {company} 在第 {month} 个月破产，坏账 {bad_debt:,.0f}。它的真实能力只有 {capability:.0f}，"
        "但“{criterion}”得分 {score:.0f} 让它看起来很强。",
        "Your pick {company} went bust in month {month}, leaving {bad_debt:,.0f} of bad debt. Its hidden "
        "capability was only {capability:.0f}, but its “{criterion}” score of {score:.0f} made it look strong.",
    ),
    "recruitment.advice.churned": (
        "你签约的 {company} 在第 {month} 个月流失：当时满意度只有 {satisfaction:.2f}。"
        "流失取决于毛利、供货满足率和满意度，"
        "评估指标测不到这些：签约后要跟进扶持。",
        "Your pick {company} churned in month {month}: its satisfaction was down to {satisfaction:.2f}. Churn "
        "follows margin, fill rate and satisfaction, which the index does not measure: support new partners "
        "after signing.",
    ),
    "recruitment.advice.missed_best": (
        "{region}区域最强的申请者是 {company}（真实能力 {capability:.0f}），你的排序把它排在全部 {count} 位申请者中的"
        "第 {rank} 位（总排名）。",
        "The strongest applicant in {region} was {company} (hidden capability {capability:.0f}); your ranking "
        "put it at place {rank} of {count} overall (the table's rank).",
    ),
    "recruitment.advice.few_picks": (
        "{region}区域只签约了 {count} 家（最多 {maximum} 家）：没有伙伴的市场就没有销售。",
        "You signed only {count} of {maximum} partners in {region}: a territory without a partner sells nothing.",
    ),
    "recruitment.advice.good_choice": (
        "选得好：你的伙伴实现了最佳可能价值的 {score:.0f}%。",
        "Well chosen: your partners achieved {score:.0f}% of the best possible value.",
    ),
    # charts
    "recruitment.chart.scatter": (
        "真实能力与综合得分（圆圈为你的选择，星号为最佳选择）",
        "Hidden capability vs composite score (circled: your picks; star: best)",
    ),
    "recruitment.chart.capability": ("真实能力（0–100）", "hidden capability (0–100)"),
    "recruitment.chart.composite": ("综合得分", "composite score"),
    "recruitment.chart.applicants": ("申请者", "applicants"),
    "recruitment.chart.your_picks": ("你的选择", "your picks"),
    "recruitment.chart.best_picks": ("最佳选择", "best choice"),
    "recruitment.chart.ramp": ("你签约的伙伴：月度销售额的爬坡", "Your recruits: monthly sales ramping up"),
    "recruitment.chart.month": ("月", "month"),
    "recruitment.chart.sales": ("销售额", "sales"),
    "recruitment.chart.rounds": ("各轮得分", "Score by round"),
    "recruitment.chart.round": ("轮次", "round"),
    "recruitment.chart.score": ("得分", "score"),
}
