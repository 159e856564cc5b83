"""The widget toolkit: reusable, bilingual parts the exercise apps compose.

Every visible string comes from the message catalogue through a :class:`Language`
object; a part that shows text registers with it and redraws itself when the trainee
switches the language. Parts hold no simulation logic: an app's callback calls the
exercise controller (:mod:`chansim.exercises`) and hands what comes back to the parts.

Conventions the browser tests rely on: every interactive part carries a CSS class
``chansim-<name>`` (``chansim-advance``, ``chansim-order-input``, ...), so tests select by
class and not by a text that changes with the language, and every app has a
:class:`Notice` whose text changes after each callback (``chansim-status``).

Callbacks are wrapped with :meth:`Notice.guard`: a :class:`~chansim.exercises.game.DecisionError`
(a bad value the trainee typed) becomes an inline message naming the field and what is
allowed; any other exception becomes a short message without a traceback (the full
traceback goes to the server log). The buttons of an app also run under its :class:`Busy`
state: while a step runs its controls are disabled and "working…" shows, and a click that
the browser sent before it saw the step's result (the second half of a double click) is
dropped, so one double click plays one round.
"""

from __future__ import annotations

import base64
import csv
import functools
import html
import io
import logging
import math
import os
import re
import time
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import ipywidgets as widgets
from IPython.display import display

from chansim.exercises import numbers
from chansim.exercises.game import DecisionError, check_number
from chansim.exercises.messages import CATALOGUE, DEFAULT_LANGUAGE, KPI_UNITS, Catalogue, language_asked

__all__ = [
    "Busy",
    "CONFIRM_SECONDS",
    "ChartPanel",
    "ConfirmButton",
    "DESTRUCTIVE",
    "DownloadLink",
    "KpiCards",
    "Language",
    "LanguageSwitch",
    "Notice",
    "NumberInput",
    "Page",
    "RoundControls",
    "SaveIndicator",
    "ScenarioPicker",
    "ScorePanel",
    "AdvicePanel",
    "Text",
    "button",
    "format_kpi",
    "money_currency",
    "initial_language",
    "label",
    "partner_name",
    "place_name",
    "slug",
    "with_columns",
]

log = logging.getLogger("chansim.ui")

#: CSS shared by every page (cards, notices, score), injected once per page by :class:`Page`.
STYLE = """
<style>
.chansim-page { max-width: 1180px; font-family: system-ui, -apple-system, "Segoe UI", "Noto Sans CJK SC",
  "WenQuanYi Micro Hei", "PingFang SC", "Microsoft YaHei", sans-serif; }
.chansim-card { border: 1px solid #d0d7de; border-radius: 8px; padding: 8px 12px; margin: 4px; min-width: 150px;
  background: #f6f8fa; }
.chansim-card .label { font-size: 12px; color: #57606a; }
.chansim-card .value { font-size: 22px; font-weight: 600; color: #1f2328; }
.chansim-card .unit { font-size: 11px; color: #57606a; }
.chansim-notice-info { color: #0969da; } .chansim-notice-ok { color: #1a7f37; }
.chansim-notice-warning { color: #9a6700; } .chansim-notice-error { color: #cf222e; font-weight: 600; }
.chansim-score .total { font-size: 26px; font-weight: 700; color: #1f2328; }
.chansim-advice-critical { border-left: 4px solid #cf222e; padding-left: 8px; margin: 4px 0; }
.chansim-advice-warning { border-left: 4px solid #bf8700; padding-left: 8px; margin: 4px 0; }
.chansim-advice-info { border-left: 4px solid #1a7f37; padding-left: 8px; margin: 4px 0; }
.chansim-goal { background: #ddf4ff; border-radius: 6px; padding: 6px 12px; }
.chansim-working { color: #9a6700; font-weight: 600; }
/* buttons: white text on colours of at least 4.5:1 (WCAG AA; the widget defaults are 2.2-3.1:1) */
.chansim-page .jupyter-button.mod-primary,
.chansim-page .jupyter-button.mod-primary:hover { background: #0969da; color: #fff; }
.chansim-page .jupyter-button.mod-success,
.chansim-page .jupyter-button.mod-success:hover { background: #1a7f37; color: #fff; }
.chansim-page .jupyter-button.mod-info,
.chansim-page .jupyter-button.mod-info:hover { background: #0b6e80; color: #fff; }
.chansim-page .jupyter-button.mod-warning,
.chansim-page .jupyter-button.mod-warning:hover { background: #bc4c00; color: #fff; }
.chansim-page .jupyter-button.mod-danger, .chansim-page .jupyter-button.mod-danger:hover,
.chansim-page .jupyter-button.chansim-confirming { background: #cf222e; color: #fff; }
.chansim-page .jupyter-button { color: #1f2328; }
.chansim-page .jupyter-button.mod-active { background: #424242; color: #fff; }
/* a focus ring that shows on every control (the widget default is a faint 1px line) */
.chansim-page button:focus-visible, .chansim-page input:focus-visible, .chansim-page select:focus-visible,
.chansim-page textarea:focus-visible, .chansim-page a:focus-visible {
  outline: 3px solid #0969da !important; outline-offset: 2px; box-shadow: 0 0 0 5px #fff; }
.chansim-page input[type=checkbox]:focus-visible { outline-offset: 1px; }
/* a label for screen readers only (checkboxes in a table row, boxes with a visible label next to them) */
.chansim-sr-label .widget-label, .chansim-sr-label .jupyter-widget-label, .chansim-sr-label label > span {
  position: absolute !important; width: 1px !important; height: 1px !important; overflow: hidden !important;
  clip: rect(0 0 0 0); white-space: nowrap; margin: -1px; padding: 0; border: 0; }
.chansim-page a { color: #0969da; }
.chansim-page img { max-width: 100%; height: auto; }
/* a phone (375 px): rows wrap, wide tables scroll inside their own box, nothing wider than the screen */
@media (max-width: 640px) {
  .chansim-page { max-width: 100%; }
  .chansim-page p, .chansim-page li, .chansim-page .chansim-goal, .chansim-page h2 { overflow-wrap: anywhere; }
  .chansim-page .widget-hbox, .chansim-page .jupyter-widget-hbox { flex-wrap: wrap; max-width: 100%; }
  .chansim-page .widget-box, .chansim-page .widget-html, .chansim-page .widget-dropdown, .chansim-page select,
  .chansim-page .widget-toggle-buttons { max-width: calc(100% - 4px) !important; }  /* the widgets' 2 px margins */
  /* a wide table (an HTML table, a grid of widgets) scrolls inside its own box */
  .chansim-page .widget-html-content, .chansim-page .widget-gridbox { max-width: 100%; overflow-x: auto; }
  .chansim-page .chansim-card { min-width: 130px; flex: 1 1 130px; }
  .chansim-page h2 { font-size: 20px; }
}
</style>
"""


def initial_language(default: str = DEFAULT_LANGUAGE) -> str:
    """The language a page starts in: ``?lang=`` of the page URL, else ``CHANSIM_LANG``, else ``default``.

    Voilà hands the page's query string to the kernel as the ``QUERY_STRING`` environment
    variable, so the home page's links keep the trainee's language from page to page. In
    a preheated kernel (``chansim serve`` keeps one ready per notebook) the notebook runs
    before anyone asks for the page: this waits for the request first, so the imports and
    warm-up are done ahead and the query string is the trainee's.
    """
    if os.environ.get("VOILA_PREHEAT") == "True":
        from chansim.ui.visitor import wait_for_request  # not voila.utils: it imports the Jupyter server

        wait_for_request()
    return language_asked(os.environ.get("QUERY_STRING", ""), default)


class Language:
    """The page's current language: translates keys and tells the parts when it changes."""

    def __init__(self, code: str | None = None, catalogue: Catalogue = CATALOGUE) -> None:
        self.catalogue = catalogue
        code = initial_language() if code is None else code
        if code not in catalogue.languages:
            raise ValueError(f"language {code!r} is not one of {', '.join(catalogue.languages)}")
        self._code = code
        self._observers: list[Callable[[], None]] = []

    @property
    def code(self) -> str:
        """The language code (``zh_CN`` or ``en_US``)."""
        return self._code

    @code.setter
    def code(self, value: str) -> None:
        if value not in self.catalogue.languages:
            raise ValueError(f"language {value!r} is not one of {', '.join(self.catalogue.languages)}")
        if value == self._code:
            return
        self._code = value
        for callback in list(self._observers):
            callback()

    def t(self, key: str, /, **params: Any) -> str:
        """The text of ``key`` in the current language."""
        return self.catalogue.get(key, self._code, **params)

    def observe(self, callback: Callable[[], None]) -> Callable[[], None]:
        """Call ``callback()`` after every language change; returns it (usable as a decorator)."""
        self._observers.append(callback)
        return callback


def money_currency(exercise: object) -> str:
    """The currency an exercise's money is in: its scenario's ``money_currency``, else the default (CNY)."""
    scenario = getattr(exercise, "scenario", None)
    code = getattr(scenario, "money_currency", None)
    return code if isinstance(code, str) else numbers.DEFAULT_CURRENCY


def format_kpi(lang: Language, name: str, value: object, currency: str = numbers.DEFAULT_CURRENCY) -> str:
    """A KPI value as the cards show it, by its unit (:data:`~chansim.exercises.messages.KPI_UNITS`).

    A share (``fraction``, ``flag``) always as a percentage, above 100 % too (an attainment
    of 1.33 is ``133%``); money with the ``currency`` symbol; a ratio, days and other
    quantities with at most two decimals; '–' for none. Numbers by :mod:`chansim.exercises.numbers`.
    """
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return html.escape(str(value))
    code, unit = lang.code, KPI_UNITS.get(name)
    if math.isnan(number):
        return numbers.MISSING
    if unit in ("fraction", "flag"):
        return numbers.percent(number, code)
    if unit == "percent_value":
        return numbers.percent(number / 100, code, sign=True)
    if unit == "percentage_points":
        return numbers.decimal(number, code, 1, sign=True)
    if unit in ("money", "money_per_day"):
        return numbers.money(number, code, currency, 0 if abs(number) >= 100 or number.is_integer() else 2)
    if unit in ("flag_count", "points"):
        return numbers.count(number, code)
    return numbers.decimal(number, code, numbers.adaptive_digits(number))


def partner_name(
    lang: Language, partner: str, shown: str, metadata: Mapping[str, Any] | None = None, *, code: str | None = None
) -> str:
    """A partner's name in the page's language (or ``code``); its id (``partner``) and every result stay the same.

    ``metadata``: a generated partner's names in both languages (``{"name_zh_CN": ..., "name_en_US": ...}``,
    one entry of :func:`chansim.generate.partner_names`); a partner of the exercises' fixed channel
    has ``partner.<id>`` in the catalogue, used when ``shown`` (the scenario's ``display_name``) is
    that entry in one of the languages (so another scenario's partner of the same id keeps its own
    name). Otherwise ``shown``.
    """
    code = lang.code if code is None else code
    if metadata:
        name = metadata.get(f"name_{code}")
        if name:
            return str(name)
    return _catalogued(lang.catalogue, code, f"partner.{partner}", shown)


def place_name(lang: Language, kind: str, name: str, shown: str, metadata: Mapping[str, Any] | None = None) -> str:
    """A region (``kind="region"``: catalogue ``region.<name>``) or a city (``metadata["city_<lang>"]``), translated."""
    if metadata:
        city = metadata.get(f"{kind}_{lang.code}")
        if city:
            return str(city)
    return _catalogued(lang.catalogue, lang.code, f"{kind}.{name}", shown) if kind == "region" else shown


def _catalogued(catalogue: Catalogue, code: str, key: str, shown: str) -> str:
    if key in catalogue and shown in {catalogue.get(key, other) for other in catalogue.languages}:
        return catalogue.get(key, code)
    return shown


class Text(widgets.HTML):
    """An HTML text from a message key that follows the language; :meth:`set` changes key or parameters."""

    def __init__(self, lang: Language, key: str | None = None, *, tag: str = "span", css: str = "", **params: Any):
        super().__init__()
        self._lang, self._key, self._tag, self._params = lang, key, tag, params
        if css:
            self.add_class(css)
        lang.observe(self._render)
        self._render()

    def set(self, key: str | None = None, **params: Any) -> None:
        """Show ``key`` (or keep the current one) with ``params``."""
        if key is not None:
            self._key = key
        self._params = params
        self._render()

    def clear(self) -> None:
        """Show nothing (``set(None)`` keeps the key: with no parameters a key that needs some would fail)."""
        self._key, self._params = None, {}
        self._render()

    def _render(self) -> None:
        if self._key is None:
            self.value = ""
            return
        text = html.escape(self._lang.t(self._key, **self._params))
        self.value = f"<{self._tag}>{text}</{self._tag}>"


def button(
    lang: Language,
    key: str,
    *,
    css: str,
    style: str = "",
    on_click: Callable[[], None] | None = None,
    notice: Notice | None = None,
    busy: Busy | None = None,
    width: str = "auto",
    confirm: bool | None = None,
    **params: Any,
) -> widgets.Button:
    """A button labelled by ``key`` (following the language), with CSS class ``css``.

    ``confirm``: the action throws work away, so a first click asks and a second one acts
    (:class:`ConfirmButton`); default: whether ``css`` is one of :data:`DESTRUCTIVE`.

    ``on_click`` is called without arguments; with a ``busy`` state it runs under :meth:`Busy.run`
    (guarded by the busy state's notice, the button one of its controls), else with a ``notice``
    it is wrapped by :meth:`Notice.guard`.
    """
    if confirm is None:
        confirm = css in DESTRUCTIVE
    btn: widgets.Button = (
        ConfirmButton(lang, key, params, button_style=style, layout=widgets.Layout(width=width))
        if confirm
        else widgets.Button(button_style=style, layout=widgets.Layout(width=width))
    )
    btn.add_class(css)

    def relabel() -> None:
        btn.description = lang.t(key, **params)
        btn.tooltip = btn.description

    if isinstance(btn, ConfirmButton):
        lang.observe(btn.relabel)
        btn.relabel()
    else:
        lang.observe(relabel)
        relabel()
    if busy is not None:
        busy.add(btn)
    if on_click is not None:
        if isinstance(btn, ConfirmButton):
            on_click = btn.confirmed(on_click)
        if busy is not None:
            action = busy.wrap(on_click)
        else:
            action = notice.guard(on_click) if notice is not None else on_click
        btn.on_click(lambda _b: action())
    return btn


#: CSS classes of the buttons that throw work away: :func:`button` makes them ask for a second click.
DESTRUCTIVE = frozenset({"chansim-reset", "chansim-clear"})
#: Seconds within which the second click confirms a destructive action.
CONFIRM_SECONDS = 6.0


class ConfirmButton(widgets.Button):
    """A button for an action that throws work away (reset, clear): the first click asks, the second acts.

    The first click turns the label into "Click again to confirm: Reset" (``ui.confirm``, class
    ``chansim-confirming``); a second click within :data:`CONFIRM_SECONDS` runs the action, a later
    one asks again; after the time the label turns back (when the kernel runs an event loop). The
    asking click is a step of the app's :class:`Busy` state like any other, so the second half of
    a double click, sent before the browser saw the question, is dropped: one double click never
    resets. :attr:`armed` tells whether the button is asking.
    """

    def __init__(
        self,
        lang: Language,
        key: str,
        params: Mapping[str, Any],
        *,
        seconds: float = CONFIRM_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self._lang, self._key, self._params = lang, key, dict(params)
        self.seconds, self._clock = seconds, clock
        self._armed_at: float | None = None
        self._timer: Any = None

    @property
    def armed(self) -> bool:
        """Whether the next click (within the time) runs the action."""
        return self._armed_at is not None and self._clock() - self._armed_at <= self.seconds

    def relabel(self) -> None:
        """The label in the current language: the action, or the question while armed."""
        action = self._lang.t(self._key, **self._params)
        self.description = self._lang.t("ui.confirm", action=action) if self._armed_at is not None else action
        self.tooltip = self.description

    def arm(self) -> None:
        """Ask for the second click."""
        self._armed_at = self._clock()
        self.add_class("chansim-confirming")
        self.relabel()
        try:
            import asyncio

            loop = asyncio.get_running_loop()
        except RuntimeError:  # no event loop (a script, a test): the label turns back on the next click
            return
        if self._timer is not None:
            self._timer.cancel()
        self._timer = loop.call_later(self.seconds, self._expire)

    def disarm(self) -> None:
        """Back to the plain label."""
        self._armed_at = None
        self.remove_class("chansim-confirming")
        self.relabel()
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _expire(self) -> None:
        self._timer = None
        if self._armed_at is not None and not self.armed:
            self.disarm()

    def confirmed(self, action: Callable[[], None]) -> Callable[[], None]:
        """``action`` run on the confirming click; the first click (or one after the time) only asks."""

        @functools.wraps(action)
        def wrapped() -> None:
            if not self.armed:
                self.arm()
                return
            self.disarm()
            action()

        return wrapped


def label(lang: Language, widget: widgets.Widget, key: str, /, **params: Any) -> widgets.Widget:
    """Give ``widget`` (a checkbox, text box, dropdown) the accessible name ``key``, for screen readers only.

    The text becomes the widget's ``description`` (ipywidgets 8 ties it to the input: a ``<label for>``,
    or the checkbox's own ``<label>``) and the class ``chansim-sr-label`` hides it from view, for
    a control whose visible label is elsewhere (a table row, a text next to it). Follows the language.
    """

    def relabel() -> None:
        widget.description = lang.t(key, **params)

    widget.add_class("chansim-sr-label")
    lang.observe(relabel)
    relabel()
    return widget


class Notice(widgets.HTML):
    """One line telling the trainee what just happened, or what was wrong with a value.

    Levels: ``info``, ``ok``, ``warning``, ``error``. The message is re-translated when the
    language changes. The CSS class ``chansim-status`` lets tests wait for a callback.
    """

    def __init__(self, lang: Language, css: str = "chansim-status") -> None:
        super().__init__()
        self.add_class(css)
        self._lang = lang
        self._state: tuple[str, str, dict[str, Any]] | None = None
        self.level = ""
        lang.observe(self._render)

    def show(self, key: str, level: str = "info", **params: Any) -> None:
        """Show the message ``key`` with ``params`` at ``level``."""
        self._state = (key, level, params)
        self._render()

    def error(self, error: DecisionError) -> None:
        """Show a :class:`DecisionError` in the trainee's language."""
        self.show(error.key, "error", **error.params)

    def clear(self) -> None:
        """Show nothing."""
        self._state = None
        self._render()

    @property
    def text(self) -> str:
        """The message as plain text (empty when nothing is shown)."""
        if self._state is None:
            return ""
        key, _, params = self._state
        return self._lang.t(key, **params)

    def _render(self) -> None:
        if self._state is None:
            self.value, self.level = "", ""
            return
        _, level, _ = self._state
        self.level = level
        self.value = f'<div class="chansim-notice-{level}">{html.escape(self.text)}</div>'

    def guard(self, action: Callable[..., Any]) -> Callable[..., Any]:
        """``action`` that shows a bad value inline and any other failure as a short message.

        Never lets an exception reach the page: Voilà would print its traceback in the
        browser console and the trainee would see nothing happen.
        """

        @functools.wraps(action)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            try:
                return action(*args, **kwargs)
            except DecisionError as error:
                self.error(error)
            except Exception as error:  # noqa: BLE001 - the page must never show a traceback
                log.exception("callback %s failed", getattr(action, "__name__", action))
                self.show("ui.unexpected_error", "error", error=type(error).__name__)
            return None

        return wrapped


class Busy(widgets.HBox):
    """An app's busy state: while a step runs its controls are disabled and "working…" shows.

    A Voilà kernel handles the browser's messages one after the other on its main thread,
    so the second click of a double click waits, queued, while the first one's step runs
    and would then play a second round; disabling the button is not enough, for that click
    left the browser before it saw the button disabled. So every finished step raises
    :attr:`token`, which a front-end link (``jsdlink``) copies into :attr:`seen` in the
    browser the moment the browser receives it, and the browser then sends :attr:`seen`
    back. The browser's messages reach the kernel in the order it sent them: a click that
    arrives while :attr:`seen` is behind :attr:`token` was sent before the browser knew of
    the last step, and is dropped (counted in :attr:`dropped`). The token is raised before
    the controls are enabled again, so a click on an enabled control always comes after the
    acknowledgement. If no front end acknowledges (a notebook run without a browser, a
    front end without the link), a click more than ``settle_seconds`` after the last step
    is taken anyway: a queued click is handled within milliseconds of the step's end. The
    default is the ``CHANSIM_BUSY_SETTLE_SECONDS`` environment variable, else 2 s (the
    browser tests set it to an hour, so that they prove the acknowledgement path alone).

    Controls are registered with :meth:`add`; an app sets a control's own disabled state with
    :meth:`set_disabled` (never its ``disabled`` trait directly), so the state it wants comes
    back after the step. Classes: ``chansim-busy-state`` (this box), ``chansim-working``
    (the indicator, ``ui.working``), ``chansim-busy`` on this box while a step runs.
    """

    def __init__(
        self,
        lang: Language,
        notice: Notice,
        *,
        settle_seconds: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._lang, self._notice = lang, notice
        if settle_seconds is None:
            settle_seconds = float(os.environ.get("CHANSIM_BUSY_SETTLE_SECONDS", "") or 2.0)
        self.settle_seconds, self._clock = settle_seconds, clock
        self.indicator = Text(lang, None, tag="span", css="chansim-working")
        self.token = widgets.IntText(value=0, layout=widgets.Layout(display="none"))
        self.token.add_class("chansim-busy-token")
        self.seen = widgets.IntText(value=0, layout=widgets.Layout(display="none"))
        self.seen.add_class("chansim-busy-seen")
        self.link = widgets.jsdlink((self.token, "value"), (self.seen, "value"))
        super().__init__([self.indicator, self.token, self.seen], layout=widgets.Layout(align_items="center"))
        self.add_class("chansim-busy-state")
        self.busy = False
        self.steps = 0
        self.dropped = 0
        self._wanted: dict[widgets.Widget, bool] = {}
        self._ended = -math.inf
        self._after: list[Callable[[], Any]] = []

    def after_step(self, callback: Callable[[], Any]) -> Callable[[], Any]:
        """Call ``callback()`` at the end of every step that ran (guarded like the step, before the token rises).

        The app's store hook: a step that changed the game is saved before the browser may click again.
        """
        self._after.append(callback)
        return callback

    def add(self, *controls: widgets.Widget) -> None:
        """Register controls disabled while a step runs (a :class:`NumberInput` by its text box)."""
        for control in controls:
            widget = control.text if isinstance(control, NumberInput) else control
            self._wanted.setdefault(widget, bool(widget.disabled))

    def forget(self, *controls: widgets.Widget) -> None:
        """Stop managing ``controls`` (widgets an app closes)."""
        for control in controls:
            self._wanted.pop(control.text if isinstance(control, NumberInput) else control, None)

    @property
    def controls(self) -> list[widgets.Widget]:
        """The registered controls."""
        return list(self._wanted)

    def set_disabled(self, control: widgets.Widget, disabled: bool) -> None:
        """Disable or enable ``control`` as the app wants it (it stays disabled until a running step ends)."""
        widget = control.text if isinstance(control, NumberInput) else control
        self._wanted[widget] = bool(disabled)
        widget.disabled = bool(disabled) or self.busy

    def acknowledge(self) -> None:
        """What the browser does on receiving a new :attr:`token` (tests call it to stand for the browser)."""
        self.seen.value = self.token.value

    @property
    def stale(self) -> bool:
        """Whether the front end has not yet acknowledged the last step."""
        return self.seen.value != self.token.value

    def run(self, action: Callable[..., Any], *args: Any, **kwargs: Any) -> bool:
        """Run ``action`` as a step (guarded by the notice); ``False`` if the click is dropped."""
        if self.busy or (self.stale and self._clock() - self._ended < self.settle_seconds):
            self.dropped += 1
            log.info("dropped a click on %s queued during the last step", getattr(action, "__name__", action))
            return False
        self.busy = True
        for widget in self._wanted:
            widget.disabled = True
        self.add_class("chansim-busy")
        self.indicator.set("ui.working")
        try:
            self._notice.guard(action)(*args, **kwargs)
            for callback in self._after:
                self._notice.guard(callback)()
        finally:
            self.busy = False
            self.steps += 1
            self.token.value += 1  # before the controls are enabled: the acknowledgement precedes any new click
            for widget, disabled in self._wanted.items():
                widget.disabled = disabled
            self.indicator.clear()
            self.remove_class("chansim-busy")
            self._ended = self._clock()
        return True

    def wrap(self, action: Callable[..., Any]) -> Callable[..., None]:
        """``action`` run by :meth:`run` (for ``on_click`` and ``observe`` callbacks)."""

        @functools.wraps(action)
        def wrapped(*args: Any, **kwargs: Any) -> None:
            self.run(action, *args, **kwargs)

        return wrapped


class NumberInput(widgets.VBox):
    """A labelled text box for a number, checked by :func:`~chansim.exercises.game.check_number`.

    A text box (not a bounded number widget) so that an empty, negative or absurd entry
    reaches the check and gets a message naming the field and what is allowed, instead
    of being silently clipped by the browser.
    """

    def __init__(
        self,
        lang: Language,
        label_key: str,
        *,
        value: float | int | str = "",
        minimum: float = 0.0,
        maximum: float = 10_000.0,
        whole: bool = True,
        css: str = "chansim-number",
        width: str = "150px",
        **label_params: Any,
    ) -> None:
        self._lang, self._label_key, self._label_params = lang, label_key, label_params
        self.minimum, self.maximum, self.whole = minimum, maximum, whole
        self.text = widgets.Text(
            value=numbers.plain(value), layout=widgets.Layout(width=width), continuous_update=False
        )
        self.text.add_class(css)
        self.text.add_class("chansim-sr-label")  # its description names it for screen readers; the label shows
        self.label = widgets.HTML()
        self.message = Notice(lang, css="chansim-input-error")
        self._error: DecisionError | None = None
        super().__init__([widgets.HBox([self.label, self.text]), self.message])
        lang.observe(self._relabel)
        self._relabel()

    @property
    def field(self) -> str:
        """The field's name in the current language (used in error messages).

        A label parameter may be a function of the :class:`Language` (a partner's name that follows it).
        """
        params = {k: v(self._lang) if callable(v) else v for k, v in self._label_params.items()}
        return self._lang.t(self._label_key, **params)

    def _relabel(self) -> None:
        self.label.value = f'<span style="display:inline-block;min-width:140px">{html.escape(self.field)}</span>'
        self.text.description = self.field
        if self._error is not None:  # the message names the field: in the new language too
            self.message.show(self._error.key, "error", **{**self._error.params, "field": self.field})

    @property
    def value(self) -> str:
        """The raw text typed."""
        return self.text.value

    @value.setter
    def value(self, new: object) -> None:
        self.text.value = numbers.plain(new)  # as typed back: no grouping, no exponent

    def on_submit(self, callback: Callable[[], Any]) -> None:
        """Call ``callback()`` when the trainee presses Enter in the box (e.g. a round's advance button's ``click``).

        The browser sends Enter as a ``submit`` message of the text box; the box then syncs
        every keystroke (``continuous_update``), so the text typed reaches the kernel before
        the Enter that follows it. A callback that plays a round should go through the
        app's busy state (a button's ``click``), which drops an Enter sent before the browser
        saw the last step end.
        """
        self.text.continuous_update = True

        def handle(_widget: widgets.Widget, content: Any, _buffers: Any) -> None:
            if isinstance(content, Mapping) and content.get("event") == "submit":
                callback()

        self.text.on_msg(handle)

    def read(self) -> float:
        """The number typed, checked; shows and raises a :class:`DecisionError` when it is not allowed."""
        try:
            number = check_number(
                self.text.value, self.field, maximum=self.maximum, whole=self.whole, minimum=self.minimum
            )
        except DecisionError as error:
            self._error = error
            self.message.error(error)
            raise
        self._error = None
        self.message.clear()
        return number


class KpiCards(widgets.HBox):
    """A row of cards, one per KPI: label, value and unit, the meaning as a tooltip."""

    def __init__(
        self, lang: Language, names: Sequence[str], css: str = "chansim-kpis", currency: str = numbers.DEFAULT_CURRENCY
    ) -> None:
        super().__init__(layout=widgets.Layout(flex_flow="row wrap"))
        self.add_class(css)
        self._lang = lang
        #: the ISO 4217 code money is shown in (the scenario's ``currency``)
        self.currency = currency
        self.names = list(names)
        self.values: dict[str, object] = {}
        self._cards = {name: widgets.HTML() for name in self.names}
        for name, card in self._cards.items():
            card.add_class("chansim-card")
            card.add_class(f"chansim-kpi-{name}")
        self.children = list(self._cards.values())
        lang.observe(self._render)
        self._render()

    def update(self, values: Mapping[str, object], currency: str | None = None) -> None:
        """Show ``values`` (KPIs not given show '–'); money in ``currency`` when given (ISO 4217)."""
        self.values = {name: values.get(name, math.nan) for name in self.names}
        if currency is not None:
            self.currency = currency
        self._render()

    def text(self, name: str) -> str:
        """The value shown on the card of ``name``."""
        return format_kpi(self._lang, name, self.values.get(name, math.nan), self.currency)

    def _render(self) -> None:
        t = self._lang.t
        currency = numbers.currency_name(self.currency, self._lang.code)
        for name, card in self._cards.items():
            label = t(f"kpi.{name}.label") if f"kpi.{name}.label" in self._lang.catalogue else name
            unit = t(f"kpi.{name}.unit", currency=currency) if f"kpi.{name}.unit" in self._lang.catalogue else ""
            meaning = t(f"kpi.{name}.meaning") if f"kpi.{name}.meaning" in self._lang.catalogue else ""
            card.value = (
                f'<div title="{html.escape(meaning)}"><div class="label">{html.escape(label)}</div>'
                f'<div class="value">{self.text(name)}</div><div class="unit">{html.escape(unit)}</div></div>'
            )


def _in_kernel() -> bool:
    from IPython import get_ipython

    return get_ipython() is not None


class ChartPanel(widgets.VBox):
    """A titled matplotlib chart, redrawn on demand and on a language change.

    ``draw(make)`` keeps ``make(lang) -> Figure`` and shows its figure in an Output widget
    (``clear_output(wait=True); display(png); plt.close(fig)``, the recipe that renders
    reliably in Voilà). The figure is rendered to PNG here rather than handed to IPython's
    display: with the Agg backend IPython has no PNG formatter for a figure and would show
    ``<Figure size ...>``. The figure is made and saved with a font that draws Chinese
    (:func:`chansim.ui.charts.font_context`), legends included. :attr:`draws` counts the
    figures drawn, for tests; :attr:`png` holds the last image.

    A chart kept from round to round (:class:`chansim.ui.charts.LiveChart`) is passed as
    ``draw(make, live=chart)``: when ``make`` returns its figure, the PNG comes from
    :meth:`~chansim.ui.charts.LiveChart.render_png` (the lines blitted on the kept
    background) instead of a full ``savefig``; any other figure (the empty placeholder, a
    one-off chart) is saved in full.
    """

    def __init__(self, lang: Language, title_key: str, css: str = "chansim-chart", **title_params: Any) -> None:
        self._lang = lang
        self.title = Text(lang, title_key, tag="h4", **title_params)
        self.output = widgets.Output()
        super().__init__([self.title, self.output])
        self.add_class(css)
        self._make: Callable[[Language], Any] | None = None
        self._live: Any = None
        self.draws = 0
        self.figure_texts: list[str] = []
        self.png = b""
        lang.observe(self._redraw)

    def draw(self, make: Callable[[Language], Any] | None, *, live: Any = None) -> None:
        """Draw ``make(lang)`` now and again after each language change (``None`` clears the panel).

        ``live``: the :class:`~chansim.ui.charts.LiveChart` that ``make`` updates, rendered by blitting.
        """
        self._make, self._live = make, live
        self._redraw()

    def _redraw(self) -> None:
        if self._make is None:  # an empty panel needs no matplotlib (a first view often has one)
            with self.output:
                self.output.clear_output(wait=True)
            self.png = b""
            return
        import io

        from IPython.display import Image

        from chansim.ui.charts import font_context, pyplot

        plt = pyplot()
        with self.output:
            self.output.clear_output(wait=True)
            with font_context():
                fig = self._make(self._lang)
                kept = self._live is not None and fig is self._live.figure  # not pyplot's: nothing to close
                try:
                    self.figure_texts = [
                        t.get_text() for ax in fig.axes for t in (ax.title, ax.xaxis.label, ax.yaxis.label)
                    ]
                    for ax in fig.axes:
                        legend = ax.get_legend()
                        if legend is not None:
                            self.figure_texts += [t.get_text() for t in legend.get_texts()]
                    if kept:
                        png = self._live.render_png()
                    else:
                        buffer = io.BytesIO()
                        fig.savefig(buffer, format="png", dpi=fig.dpi)
                        png = buffer.getvalue()
                finally:
                    if not kept:
                        plt.close(fig)
            self.png = png
            if _in_kernel():  # outside a kernel (scripts, tests) display would print a repr
                display(Image(data=self.png, format="png"))
        self.draws += 1


class ScorePanel(widgets.VBox):
    """The score, its formula and the terms that made it, in the trainee's language.

    ``update(make)`` keeps ``make(lang) -> (score, formula, lines)`` with ``score`` a number
    0..100 (or None), ``formula`` the formula as shown, ``lines`` the explanation. With
    ``out_of=None`` the score is shown without "/ 100" (a score that can pass 100).
    """

    def __init__(self, lang: Language, css: str = "chansim-score", *, out_of: float | None = 100) -> None:
        self._lang = lang
        self.out_of = out_of  # None: an open scale (e.g. 100 = as good as the benchmark, more is better)
        self.html = widgets.HTML()
        super().__init__([self.html])
        self.add_class(css)
        self.score: float | None = None
        self._make: Callable[[Language], tuple[float | None, str, Sequence[str]]] | None = None
        lang.observe(self._render)

    def update(self, make: Callable[[Language], tuple[float | None, str, Sequence[str]]] | None) -> None:
        """Show the score that ``make(lang)`` gives."""
        self._make = make
        self._render()

    def _render(self) -> None:
        if self._make is None:
            self.score, self.html.value = None, ""
            return
        score, formula, lines = self._make(self._lang)
        self.score = score
        t = self._lang.t
        key = "score.total" if self.out_of == 100 else "ui.score_points"
        total = t(key, score=score) if score is not None and not math.isnan(score) else "–"
        items = "".join(f"<li>{html.escape(line)}</li>" for line in lines)
        self.html.value = (
            f'<div class="chansim-score"><div class="total">{html.escape(total)}</div>'
            f"<div><b>{html.escape(t('ui.score_formula'))}:</b> <code>{html.escape(formula)}</code></div>"
            f"<ul>{items}</ul></div>"
        )


class AdvicePanel(widgets.HTML):
    """Feedback advice, most severe first; ``update(make)`` keeps ``make(lang) -> [Advice]``."""

    def __init__(self, lang: Language, css: str = "chansim-advice") -> None:
        super().__init__()
        self.add_class(css)
        self._lang = lang
        self._make: Callable[[Language], Sequence[Any]] | None = None
        self.advice: list[Any] = []
        lang.observe(self._render)

    def update(self, make: Callable[[Language], Sequence[Any]] | None) -> None:
        """Show the advice that ``make(lang)`` gives (objects with ``code``, ``severity``, ``message``)."""
        self._make = make
        self._render()

    @property
    def codes(self) -> list[str]:
        """The codes of the advice shown."""
        return [a.code for a in self.advice]

    def _render(self) -> None:
        t = self._lang.t
        self.advice = list(self._make(self._lang)) if self._make is not None else []
        if self._make is None:
            self.value = ""
            return
        head = f"<h4>{html.escape(t('debrief.advice'))}</h4>"
        if not self.advice:
            self.value = head + f"<p>{html.escape(t('debrief.no_advice'))}</p>"
            return
        rows = "".join(
            f'<div class="chansim-advice-{a.severity}"><b>{html.escape(t("severity." + a.severity))}</b> '
            f"{html.escape(a.message)}</div>"
            for a in self.advice
        )
        self.value = head + rows


class DownloadLink(widgets.HTML):
    """A link that downloads a CSV made in the kernel (a ``data:`` URL: no file is written on the server)."""

    def __init__(self, lang: Language, css: str = "chansim-download") -> None:
        super().__init__()
        self.add_class(css)
        self._lang = lang
        self.csv = ""
        self.filename = ""
        self._given = ("", "")
        #: ``() -> (stamp, columns)``: a file-name part (``ann-game-3f2a-round-4``) and leading columns
        #: (``{"trainee": "Ann", "game": "3f2a"}``) added to every file offered; set by the app
        self.stamp: Callable[[], tuple[str, dict[str, str]]] | None = None
        lang.observe(self._render)
        self._render()

    def update(self, csv_text: str, filename: str) -> None:
        """Offer ``csv_text`` as ``filename`` (with :attr:`stamp`'s name part and columns, when set)."""
        self._given = (csv_text, filename)
        self.restamp()

    def restamp(self) -> None:
        """Offer the last file again with the current :attr:`stamp` (after the game got its id)."""
        csv_text, filename = self._given
        if csv_text and self.stamp is not None:
            part, columns = self.stamp()
            if part:
                stem, dot, ext = filename.rpartition(".")
                filename = f"{stem}-{part}.{ext}" if dot else f"{filename}-{part}"
            csv_text = with_columns(csv_text, columns)
        self.csv, self.filename = csv_text, filename
        self._render()

    def _render(self) -> None:
        t = self._lang.t
        if not self.csv:
            self.value = f"<span>{html.escape(t('ui.download_empty'))}</span>"
            return
        payload = base64.b64encode(self.csv.encode("utf-8-sig")).decode("ascii")
        self.value = (
            f'<a class="chansim-download-link" download="{html.escape(self.filename)}" '
            f'href="data:text/csv;charset=utf-8;base64,{payload}">⬇ {html.escape(t("app.download_results"))}</a>'
            f" <small>{html.escape(t('ui.download_ready', filename=self.filename))}</small>"
        )


def slug(text: str, maximum: int = 40) -> str:
    """``text`` safe in a file name: letters and digits (any script) kept, runs of others as one ``-``."""
    out = re.sub(r"[^\w]+", "-", unicodedata.normalize("NFKC", text), flags=re.UNICODE).strip("-_").lower()
    return out[:maximum].strip("-_") or "trainee"


def _cell(value: str) -> str:
    # a spreadsheet runs a cell that starts with = + - @ as a formula: a name is data
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def with_columns(csv_text: str, columns: Mapping[str, str]) -> str:
    """``csv_text`` with ``columns`` (name -> value) in front of every row (the header too)."""
    if not columns or not csv_text:
        return csv_text
    rows = list(csv.reader(io.StringIO(csv_text)))
    if not rows:
        return csv_text
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([*columns, *rows[0]])
    values = [_cell(str(v)) for v in columns.values()]
    for row in rows[1:]:
        writer.writerow([*values, *row])
    return out.getvalue()


class SaveIndicator(widgets.HTML):
    """Who plays and whether the game is stored: "playing as Ann · saved ✓ round 3".

    States (:attr:`state`, also the CSS class ``chansim-saved-<state>``): ``saved`` (the
    store committed the game at ``round``), ``local`` (no trainee: "not saved — give your
    name on the home page"), ``failed`` (the store refused: the game goes on, unsaved, and
    the message says why), ``stale`` (another tab moved the game on). The box carries
    ``chansim-saved``.
    """

    def __init__(self, lang: Language, css: str = "chansim-saved") -> None:
        super().__init__()
        self.add_class(css)
        self._lang = lang
        self.trainee: str | None = None
        self.state = ""
        self.round: int | None = None
        self._params: dict[str, Any] = {}
        lang.observe(self._render)

    def show(self, state: str, *, trainee: str | None = None, **params: Any) -> None:
        """Show ``state`` (``saved``: ``round=``, ``failed``: ``error=``) for ``trainee``."""
        if state not in ("saved", "local", "failed", "stale"):
            raise ValueError(f"save state {state!r} is not one of saved, local, failed, stale")
        for old in ("saved", "local", "failed", "stale"):
            self.remove_class(f"chansim-saved-{old}")
        self.add_class(f"chansim-saved-{state}")
        self.state, self.trainee, self._params = state, trainee, params
        self.round = params.get("round")
        self._render()

    @property
    def text(self) -> str:
        """What the indicator says, as plain text."""
        if not self.state:
            return ""
        t = self._lang.t
        parts = [t("identity.playing_as", name=self.trainee)] if self.trainee else []
        parts.append(t(f"identity.save.{self.state}", **self._params))
        return " · ".join(parts)

    def _render(self) -> None:
        level = {"saved": "ok", "local": "warning", "failed": "error", "stale": "error"}.get(self.state, "info")
        self.value = f'<div class="chansim-notice-{level}">{html.escape(self.text)}</div>' if self.state else ""


class LanguageSwitch(widgets.ToggleButtons):
    """Buttons switching the page between the catalogue's languages (each named in its own language)."""

    def __init__(self, lang: Language) -> None:
        options = [(lang.catalogue.get(f"app.language.{code}", code), code) for code in lang.catalogue.languages]
        super().__init__(options=options, value=lang.code, style={"button_width": "110px"})
        self.add_class("chansim-language")
        self._lang = lang
        self.observe(lambda change: setattr(lang, "code", change["new"]), names="value")


class RoundControls(widgets.VBox):
    """Advance one round, auto-play N rounds, undo the last round, reset; with a round counter.

    Callbacks take no argument except ``on_autoplay(n)``; they run under ``busy`` (see
    :class:`Busy`), or, without one, are guarded by ``notice``. ``advance_key`` labels the
    advance button (``control.advance_week`` or ``control.advance_round``).
    """

    def __init__(
        self,
        lang: Language,
        notice: Notice,
        *,
        on_advance: Callable[[], None],
        on_autoplay: Callable[[float], None] | None = None,
        on_undo: Callable[[], None] | None = None,
        on_reset: Callable[[], None] | None = None,
        advance_key: str = "control.advance_week",
        autoplay_default: int = 4,
        autoplay_max: int = 520,
        busy: Busy | None = None,
    ) -> None:
        self._lang, self._busy = lang, busy
        self.counter = Text(lang, None, tag="b", css="chansim-round")
        self.advance = button(lang, advance_key, css="chansim-advance", style="primary", on_click=on_advance,
                              notice=notice, busy=busy)  # fmt: skip
        row: list[widgets.Widget] = [self.advance]
        self.autoplay_weeks = NumberInput(
            lang, "control.autoplay_weeks", value=autoplay_default, minimum=1, maximum=autoplay_max,
            css="chansim-autoplay-weeks", width="70px",
        )  # fmt: skip
        if on_autoplay is not None:
            self.autoplay = button(
                lang, "control.autoplay", css="chansim-autoplay", notice=notice, busy=busy,
                on_click=lambda: on_autoplay(self.autoplay_weeks.read()), weeks="N",
            )  # fmt: skip
            row += [self.autoplay_weeks, self.autoplay]
            if busy is not None:
                busy.add(self.autoplay_weeks)
        if on_undo is not None:
            self.undo = button(lang, "control.undo", css="chansim-undo", on_click=on_undo, notice=notice, busy=busy)
            row.append(self.undo)
        if on_reset is not None:
            self.reset = button(lang, "control.reset", css="chansim-reset", style="warning", on_click=on_reset,
                                notice=notice, busy=busy)  # fmt: skip
            row.append(self.reset)
        if busy is not None:
            row.append(busy)
        super().__init__([self.counter, widgets.HBox(row, layout=widgets.Layout(flex_flow="row wrap"))])
        self.add_class("chansim-round-controls")

    def show_round(self, played: int, total: int, finished: bool = False) -> None:
        """Show 'Round k of n' (k = the round being decided) and disable the advance buttons at the end."""
        self.counter.set("control.round", round=min(played + 1, total), rounds=total)
        for part in (self.advance, getattr(self, "autoplay", None)):
            if part is None:
                continue
            if self._busy is not None:
                self._busy.set_disabled(part, finished)
            else:
                part.disabled = finished


class ScenarioPicker(widgets.VBox):
    """Pick a scenario and a seed: a dropdown of named choices and a seed box.

    ``choices`` maps a value to the message key of its label (``{"classic": "beer_game.demand.classic"}``);
    :meth:`read` returns ``(value, seed)`` or shows and raises a :class:`DecisionError` for a
    bad seed. Classes: ``chansim-scenario`` (dropdown), ``chansim-seed`` (seed box).
    """

    def __init__(
        self,
        lang: Language,
        choices: Mapping[str, str],
        *,
        value: str | None = None,
        seed: int = 0,
        label_key: str = "ui.pick_scenario",
    ) -> None:
        if not choices:
            raise ValueError("ScenarioPicker needs at least one choice")
        self._lang, self._choices = lang, dict(choices)
        self.label = Text(lang, label_key, tag="span")
        self.dropdown = widgets.Dropdown(layout=widgets.Layout(width="260px"))
        self.dropdown.add_class("chansim-scenario")
        self.seed = NumberInput(lang, "ui.seed", value=seed, minimum=0, maximum=2**31 - 1, css="chansim-seed")
        super().__init__([widgets.HBox([self.label, self.dropdown]), self.seed])
        self._relabel(value if value is not None else next(iter(self._choices)))
        lang.observe(lambda: self._relabel(self.dropdown.value))

    def _relabel(self, selected: str) -> None:
        self.dropdown.options = [(self._lang.t(key), name) for name, key in self._choices.items()]
        self.dropdown.value = selected

    def read(self) -> tuple[str, int]:
        """The chosen value and the seed."""
        return self.dropdown.value, int(self.seed.read())


class Page(widgets.VBox):
    """An exercise page: title, language switch, learning goal, numbered steps, then the body.

    ``title_key``/``goal_key`` name messages; ``step_keys`` the steps in order, each a key
    or a ``(key, params)`` pair for a step text with numbers in it. The page
    carries the shared CSS. ``home`` adds a link back to the home page (keeping the language).
    """

    def __init__(
        self,
        lang: Language,
        title_key: str,
        body: Iterable[widgets.Widget],
        *,
        goal_key: str | None = None,
        step_keys: Sequence[str | tuple[str, Mapping[str, Any]]] = (),
        home: str | None = "00-home.ipynb",
        css: str = "chansim-page",
    ) -> None:
        self._lang, self._title_key = lang, title_key
        #: the shared CSS and the language marker (``data-chansim-lang``, ``data-chansim-title``), from which the
        #: serve layer's script sets ``<html lang>``, the tab title and ``?lang=`` (chansim.serve.launcher)
        self.style_html = widgets.HTML(STYLE)
        self.heading = Text(lang, title_key, tag="h2", css="chansim-title")
        self.switch = LanguageSwitch(lang)
        self.home_link = widgets.HTML()
        self._home = home
        self.goal = widgets.HTML()
        self.goal.add_class("chansim-goal")
        self._goal_key, self._step_keys = goal_key, list(step_keys)
        header = widgets.HBox(
            [self.heading, self.switch, self.home_link],
            layout=widgets.Layout(justify_content="space-between", align_items="center"),
        )
        super().__init__([self.style_html, header, self.goal, *body])
        self.add_class(css)
        lang.observe(self._render)
        self._render()

    def _render(self) -> None:
        t = self._lang.t
        self.style_html.value = STYLE + (
            f'<span hidden class="chansim-lang-marker" data-chansim-lang="{self._lang.code}" '
            f'data-chansim-title="{html.escape(t(self._title_key))}"></span>'
        )
        if self._home:
            href = f"{self._home}?lang={self._lang.code}"
            self.home_link.value = (
                f'<a class="chansim-home-link" href="{html.escape(href)}">{html.escape(t("ui.home_link"))}</a>'
            )
        parts = []
        if self._goal_key:
            parts.append(f"<b>{html.escape(t('app.learning_goal'))}:</b> {html.escape(t(self._goal_key))}")
        if self._step_keys:
            steps = "".join(
                f"<li>{html.escape(t(step) if isinstance(step, str) else t(step[0], **step[1]))}</li>"
                for step in self._step_keys
            )
            parts.append(f"<b>{html.escape(t('ui.steps'))}:</b><ol>{steps}</ol>")
        self.goal.value = "".join(f"<div>{p}</div>" for p in parts)
        self.goal.layout.display = "" if parts else "none"
