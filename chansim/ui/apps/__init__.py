"""One module per exercise; each has ``app(lang=None, **options) -> ipywidgets.Widget``."""
