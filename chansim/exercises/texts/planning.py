"""Texts of the planning app: ``{key: (zh_CN, en_US)}``."""

TEXTS: dict[str, tuple[str, str]] = {}
