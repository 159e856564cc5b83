"""Texts of the home page: ``{key: (zh_CN, en_US)}``."""

TEXTS: dict[str, tuple[str, str]] = {
    "home.intro": (
        "chansim 是一个无风险的渠道销售管理训练沙盘：厂商 → 经销商 → 零售商 → 终端客户。"
        "每个练习都用真实的离散事件仿真模型（SimPy）计算你的决策带来的后果，给出得分、反馈和复盘。",
        "chansim is a risk-free sandbox for channel sales management: vendor → distributors → dealers → end "
        "customers. Every exercise runs your decisions through a discrete-event simulation (SimPy) and gives a "
        "score, feedback and a debrief.",
    ),
    "home.stages": ("渠道管理的五个阶段", "The five stages of channel management"),
    "home.open": ("开始练习", "Open the exercise"),
    "home.minutes": ("约 {minutes} 分钟", "about {minutes} minutes"),
    "home.how_title": ("怎么用", "How to use it"),
    "home.how_trainee": (
        "学员：选一个练习，按页面上的步骤做决策。可以随时撤销或重置，什么都不会丢失，也不会影响真实业务。",
        "Trainees: pick an exercise and follow the steps on its page. Undo or reset at any time: nothing real is at "
        "risk.",
    ),
    "home.how_trainer": (
        "培训师：每个练习都有固定的随机种子，全班看到的是同一个情景；结束后每位学员可以下载 CSV 结果用于讲评。",
        "Trainers: every exercise has a fixed seed, so the whole class plays the same scenario; at the end each "
        "trainee can download a CSV of their results for the debrief.",
    ),
    "home.exercise.planning.goal": (
        "设计渠道结构（区域伙伴数量、一级或两级、折扣阶梯、预算），在市场覆盖与渠道成本之间取得平衡。",
        "Design the channel (partners per region, one or two tiers, discount ladder, budget) and balance coverage "
        "against channel cost.",
    ),
    "home.exercise.recruitment.goal": (
        "设定评估指标权重，从申请者中挑选伙伴，再看他们的真实表现：激活、达成、流失和坏账。",
        "Weight the evaluation index, choose partners from the applications, then see how they really perform: "
        "activation, attainment, churn, bad debt.",
    ),
    "home.exercise.training.goal": (
        "配置销售漏斗和线索分配，分配培训名额，观察转化率提升和预测误差。",
        "Configure the funnel and lead routing, allocate training seats, and see the conversion uplift and the "
        "forecast error.",
    ),
    "home.exercise.order_desk.goal": (
        "每周审批或冻结订单、分配紧缺库存、补货，并应对突发事件；按成本、准时足额率和牛鞭效应计分。",
        "Week by week, approve or hold orders against credit, allocate scarce stock, replenish and react to events; "
        "scored on cost, OTIF and bullwhip.",
    ),
    "home.exercise.beer_game.goal": (
        "在经典啤酒游戏中扮演一个角色，体会订单如何放大需求波动（牛鞭效应）。",
        "Play one role of the classic beer game and feel how orders amplify demand swings (the bullwhip effect).",
    ),
    "home.exercise.evaluation.goal": (
        "查看伙伴评分卡和目标达成率，决定晋级、降级或替换伙伴并调整区域，再模拟下一年看效果。",
        "Read partner scorecards and target attainment; promote, demote or replace partners and redraw "
        "territories, then simulate the next year.",
    ),
}
