"""Texts of the class server's own pages (``chansim serve``): ``{key: (zh_CN, en_US)}``."""

TEXTS: dict[str, tuple[str, str]] = {
    "serve.full.title": ("课堂已满", "The class is full"),
    "serve.full.body": (
        "服务器同时运行的练习页面已达上限（{limit} 个），暂时无法打开新的页面。请一分钟后重新加载本页。",
        "The server is running as many exercise pages as it can ({limit}) right now. Please reload this page "
        "in a minute.",
    ),
    "serve.full.client": (
        "你的电脑已经打开了 {limit} 个练习页面。请先关闭不用的标签页，然后重新加载本页。",
        "Your computer already has {limit} exercise pages open. Close the tabs you do not need, then reload this page.",
    ),
    "serve.full.retry": ("重新加载", "Reload"),
    "serve.timeout": (
        "这个页面准备得太久了。请一分钟后重新加载；如果再次出现，请告诉培训师。",
        "This page took too long to prepare. Reload it in a minute; if this happens again, tell the trainer.",
    ),
}
