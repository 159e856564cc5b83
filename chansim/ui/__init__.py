"""The interactive exercises: widget toolkit, debrief charts and one app per exercise.

:mod:`chansim.ui.widgets` holds the bilingual parts, :mod:`chansim.ui.charts` the
matplotlib debrief charts, :mod:`chansim.ui.apps` one module per exercise. Needs the
``ui`` extra (ipywidgets, matplotlib, voila). Notebooks stay thin: each calls one app
function, e.g. ``from chansim.ui.apps import beer_game; beer_game.app()``.
"""
