"""Texts of the evaluation app: ``{key: (zh_CN, en_US)}``."""

TEXTS: dict[str, tuple[str, str]] = {}
