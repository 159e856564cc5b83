"""Texts of the recruitment app: ``{key: (zh_CN, en_US)}``."""

TEXTS: dict[str, tuple[str, str]] = {}
