"""Texts of the trainee identity and saved games (join form, save indicator): ``{key: (zh_CN, en_US)}``."""

TEXTS: dict[str, tuple[str, str]] = {
    "identity.playing_as": ("学员：{name}", "Playing as {name}"),
    "identity.save.saved": ("已保存 ✓ 第 {round} 回合", "saved ✓ round {round}"),
    "identity.save.local": (
        "未保存：请先在首页填写你的名字",
        "not saved — give your name on the home page",
    ),
    "identity.save.failed": (
        "未保存（{error}）：可以继续练习，但进度不会保存",
        "NOT saved ({error}): the game goes on, unsaved",
    ),
    "identity.save.stale": (
        "这局游戏已在另一个标签页中继续：请刷新页面",
        "this game moved on in another tab — reload the page",
    ),
    "identity.stale_notice": (
        "这局游戏已在另一个标签页中继续，本次操作没有记录。请刷新页面。",
        "This game moved on in another tab; this action was not recorded. Reload the page.",
    ),
    "identity.no_such_game": (
        "没有这局游戏（{game}）：显示的是你自己的游戏。",
        "No such game ({game}): your own game is shown.",
    ),
    "identity.replaced_game": (
        "游戏 {game} 在撤销或重置后已被新游戏取代：显示的是新游戏，第 {round} / {rounds} 回合。",
        "The game {game} was replaced after an undo or reset; its newer game is shown: round {round} of {rounds}.",
    ),
    "identity.resumed": (
        "继续上次的游戏：第 {round} / {rounds} 回合。",
        "Resumed your game: round {round} of {rounds}.",
    ),
    "identity.unreadable": (
        "保存的游戏无法恢复（{error}），已开始新游戏。",
        "The saved game cannot be resumed ({error}); a new game was started.",
    ),
    "identity.store_unavailable": (
        "无法打开存储（{error}）：游戏可以进行，但不会保存。",
        "The store cannot be opened ({error}): the game plays, but is not saved.",
    ),
    "identity.new_game": ("新游戏", "New game"),
    "identity.new_game_done": ("已开始新游戏，之前的游戏已保存。", "A new game started; the earlier one stays saved."),
    # the home page
    "identity.join_title": ("你是谁？", "Who are you?"),
    "identity.join_intro": (
        "填写你的名字（可选 PIN 码保护），你的每一步决定都会被保存，刷新或换一台电脑也能接着玩。",
        "Give your name (and, if you like, a PIN that protects it): every decision is saved, so a reload — "
        "or another computer — resumes your game.",
    ),
    "identity.name": ("名字", "Name"),
    "identity.pin": ("PIN（可选，4–12 位）", "PIN (optional, 4–12 characters)"),
    "identity.workshop": ("工作坊代码（如有）", "Workshop code (if you have one)"),
    "identity.join": ("加入", "Join"),
    "identity.leave": ("退出 / 换个名字", "Leave / switch name"),
    "identity.my_games": ("我的游戏", "My games"),
    "identity.no_games": ("还没有游戏：从下面选一个练习开始。", "No games yet: open an exercise below."),
    "identity.col.exercise": ("练习", "Exercise"),
    "identity.col.round": ("回合", "Round"),
    "identity.col.status": ("状态", "Status"),
    "identity.col.updated": ("最后一次", "Last played"),
    "identity.round_of": ("第 {round} / {rounds} 轮", "{round} of {rounds}"),
    "identity.finished": ("已完成", "finished"),
    "identity.in_progress": ("进行中", "in progress"),
    "identity.resume": ("继续", "Resume"),
    "identity.view": ("查看", "View"),
    "identity.continue": ("继续第 {round} 回合", "Continue round {round}"),
    "identity.new_here": ("开始新游戏", "New game"),
    "identity.no_store": (
        "这里没有存储：游戏不会保存（用 chansim serve 启动，或 app(trainee=...)）。",
        "No store here: games are not saved (serve with chansim serve, or use app(trainee=...)).",
    ),
    "identity.join_error.name": (
        "这个名字不能用：1–40 个字符，不含控制字符；如果这个名字设置了 PIN，请填写 PIN。",
        "That name cannot be used: 1–40 characters, no control characters; if the name has a PIN, give it.",
    ),
    "identity.join_error.pin": (
        "PIN 不对，或格式不对（4–12 个字符）。",
        "Wrong PIN, or not a PIN (4–12 characters).",
    ),
    "identity.join_error.too_many": (
        "尝试次数太多：请一分钟后再试。",
        "Too many tries: wait a minute and try again.",
    ),
    "identity.join_error.store": (
        "服务器无法保存：请告诉培训师。",
        "The server cannot store games right now: tell the trainer.",
    ),
    "identity.join_error.refused": ("加入失败：请再试一次。", "Joining failed: try again."),
}
