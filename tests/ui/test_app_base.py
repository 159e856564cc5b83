"""The app base (chansim.ui.apps.base.App) and its busy state (chansim.ui.widgets.Busy).

A Voilà kernel handles the browser's messages one after the other: the second click of a
double click is delivered after the first click's step has finished. Calling a button's
``click()`` twice in a row is exactly that delivery; :func:`tests.ui.conftest.click` is a
click after the browser acknowledged the last step.
"""

from __future__ import annotations

import importlib

import ipywidgets as widgets
import pytest

from chansim.exercises.game import DecisionError
from chansim.exercises.messages import CATALOGUE
from chansim.ui import widgets as ui
from chansim.ui.apps.base import App
from tests.ui.conftest import click


def _recruitment_ready(app) -> None:
    click(app, app.rank_button)
    ranking = app.exercise.ranking()
    wanted = set(ranking[ranking["region_rank"] <= app.exercise.picks_per_region]["applicant"])
    for name, box in zip(app.view["names"], app.checks, strict=False):
        box.value = name in wanted


def _beer_ready(app) -> None:
    app.order_input.value = 4


#: app -> (its step button, how many rounds it has played, how to make it ready for a round)
ROUND_APPS = {
    "beer_game": (lambda a: a.controls.advance, lambda a: a.exercise.round, _beer_ready),
    "order_desk": (lambda a: a.controls.advance, lambda a: a.exercise.round, None),
    "training": (lambda a: a.controls.advance, lambda a: a.exercise.round, None),
    "evaluation": (lambda a: a.controls.advance, lambda a: a.exercise.round, None),
    "planning": (lambda a: a.simulate, lambda a: len(a.exercise.outcomes), None),
    "recruitment": (lambda a: a.reveal_button, lambda a: a.exercise.round, _recruitment_ready),
}
APPS = [*sorted(ROUND_APPS), "home"]


def make(name: str, **options):
    return importlib.import_module(f"chansim.ui.apps.{name}").app("en_US", **options)


@pytest.mark.parametrize("name", sorted(ROUND_APPS))
def test_a_double_click_plays_one_round(name):
    find_button, played, ready = ROUND_APPS[name]
    app = make(name)
    if ready is not None:
        ready(app)
    app.busy.acknowledge()  # the browser has seen the page as it is now (recruitment: after ranking)
    button = find_button(app)
    button.click()
    button.click()  # queued while the first click's step ran: the browser had not yet seen its result
    assert played(app) == 1, f"{name}: a double click played {played(app)} rounds"
    assert app.busy.dropped == 1 and app.notice.level != "error", app.notice.text
    if ready is not None:
        ready(app)
    click(app, button)  # a click after the browser saw the round: the next round
    assert played(app) == 2 and app.busy.dropped == 1, app.notice.text


@pytest.mark.parametrize("name", APPS)
def test_every_app_is_a_subclass_of_the_base_and_displays_as_its_page(name):
    app = make(name)
    assert isinstance(app, App)
    bundle = app._repr_mimebundle_()
    assert bundle["application/vnd.jupyter.widget-view+json"]["model_id"] == app.page.model_id
    bare = ui.Page(ui.Language("en_US"), "app.title", [])
    assert set(vars(app.page)) == set(vars(bare)), "no attribute may be hung on the page object"
    assert app.busy in _descendants(app.page) or name == "home", "the working indicator must be on the page"


def _descendants(widget) -> list:
    found, stack = [], [widget]
    while stack:
        w = stack.pop()
        found.append(w)
        if isinstance(w, widgets.Box):
            stack.extend(w.children)
    return found


def test_while_a_step_runs_the_controls_are_disabled_and_working_shows():
    app = make("beer_game", horizon_weeks=2)
    seen = {}

    def look() -> None:
        seen["disabled"] = {c.__class__.__name__: c.disabled for c in app.busy.controls}
        seen["all_disabled"] = all(c.disabled for c in app.busy.controls)
        seen["indicator"] = app.busy.indicator.value
        seen["busy_class"] = "chansim-busy" in app.busy._dom_classes
        app.controls.advance.click()  # a click handled during the step (re-entrant) is dropped too

    controls = app.busy.controls
    assert app.controls.advance in controls and app.controls.undo in controls and app.start in controls
    assert app.order_input.text in controls and app.role_picker in controls
    assert app.busy.run(look)
    assert seen["all_disabled"] and seen["busy_class"]
    assert CATALOGUE.get("ui.working", "en_US") in seen["indicator"]
    assert app.busy.dropped == 1 and app.exercise.round == 0
    assert not any(c.disabled for c in controls), "the controls come back as they were"
    assert app.busy.indicator.value == "" and "chansim-busy" not in app.busy._dom_classes
    app.lang.code = "zh_CN"
    app.busy.acknowledge()
    assert app.busy.run(lambda: seen.update(zh=app.busy.indicator.value))
    assert CATALOGUE.get("ui.working", "zh_CN") in seen["zh"]


def test_a_control_the_app_disables_during_a_step_stays_disabled_after_it():
    app = make("beer_game", horizon_weeks=2)
    for qty in (4, 4):
        app.order_input.value = qty
        click(app, app.controls.advance)
    assert app.exercise.finished
    assert app.controls.advance.disabled and app.controls.autoplay.disabled and app.order_input.text.disabled
    assert not app.controls.undo.disabled and not app.controls.reset.disabled and not app.start.disabled


def test_errors_are_shown_inline_without_a_traceback_and_the_controls_come_back():
    app = make("order_desk")

    def bug() -> None:
        raise ZeroDivisionError("boom")

    token = app.busy.token.value
    assert app.busy.run(bug)
    assert app.notice.level == "error" and "ZeroDivisionError" in app.notice.text
    assert "Traceback" not in app.notice.value and "boom" not in app.notice.value
    assert not app.controls.advance.disabled and app.busy.token.value == token + 1 and not app.busy.busy
    app.order_inputs[0].value = "-3"  # a bad value: inline, at the box and in the notice
    click(app, app.controls.advance)
    assert app.exercise.round == 0 and app.notice.level == "error"
    assert app.order_inputs[0].field in app.order_inputs[0].message.text
    with pytest.raises(DecisionError):
        app.order_inputs[0].read()


def test_without_an_acknowledgement_a_late_click_is_taken_after_the_settle_time():
    lang = ui.Language("en_US")
    now = [100.0]
    busy = ui.Busy(lang, ui.Notice(lang), settle_seconds=2.0, clock=lambda: now[0])
    steps = []
    assert busy.run(lambda: steps.append(1))
    now[0] += 0.01
    assert not busy.run(lambda: steps.append(2)), "queued behind the step: dropped"
    now[0] += 5.0  # no front end acknowledged (a notebook run without a browser): a late click is a new one
    assert busy.run(lambda: steps.append(3))
    busy.acknowledge()
    assert busy.run(lambda: steps.append(4)), "acknowledged: taken at once"
    assert steps == [1, 3, 4] and busy.dropped == 1 and busy.steps == 3


def test_the_token_is_linked_to_its_acknowledgement_in_the_browser():
    app = make("planning")
    link = app.busy.link
    assert isinstance(link, widgets.widget_link.DirectionalLink)
    assert link.source == (app.busy.token, "value") and link.target == (app.busy.seen, "value")


@pytest.mark.parametrize("name", ["beer_game", "order_desk"])
def test_undo_and_reset_after_the_last_round_say_what_they_did(name):
    """Regression: both showed "CatalogueError … the action was not done" although they had acted."""
    app = make(name, horizon_weeks=3)
    app.controls.autoplay_weeks.value = 10
    click(app, app.controls.autoplay)
    assert app.exercise.finished and app.page is not None
    click(app, app.controls.undo)
    assert app.exercise.round == 2 and not app.exercise.finished
    assert (app.notice.level, app.notice.text) == ("info", "Round 3 undone.")
    assert app.debrief.layout.display == "none"
    click(app, app.controls.autoplay)
    assert app.exercise.finished
    click(app, app.controls.reset)
    assert app.exercise.round == 0
    assert (app.notice.level, app.notice.text) == ("info", CATALOGUE.get("ui.reset_done", "en_US"))


def test_text_clear_shows_nothing_even_for_a_key_that_needs_parameters():
    lang = ui.Language("en_US")
    text = ui.Text(lang, "ui.undone", round=2)
    assert "Round 2 undone." in text.value
    text.clear()
    assert text.value == ""
    lang.code = "zh_CN"
    assert text.value == ""


def test_shared_handlers_autoplay_undo_reset_in_order():
    app = make("order_desk", horizon_weeks=5)
    app.controls.autoplay_weeks.value = 2
    click(app, app.controls.autoplay)
    assert app.exercise.round == 2 and app.notice.text == "The standard process played 2 weeks for you."
    click(app, app.controls.undo)
    assert app.exercise.round == 1 and app.notice.text == "Round 2 undone."
    click(app, app.controls.reset)
    assert app.exercise.round == 0 and app.score.score is None
    assert app.busy.steps == 4 and app.busy.dropped == 0  # the reset asked first: a step of its own
