"""The base class of every app: one page, one notice, one busy state, the round verbs.

An app is a subclass of :class:`App` that keeps all its state in the app object (the page
widget carries nothing but its children). ``app()`` of each module returns the app; the
app displays as its page in a notebook or in Voilà (:meth:`App._repr_mimebundle_`).

A step is what a click does: read the decision from the widgets, hand it to the
exercise, show what comes back. It runs under the app's :class:`~chansim.ui.widgets.Busy`
state: the controls are disabled and "working…" shows while it runs, a click queued
meanwhile (the second half of a double click) is dropped, a bad value is shown inline
and any other failure as a short message without a traceback.

The round-based apps share the handlers of :class:`~chansim.ui.widgets.RoundControls`
(:meth:`App.on_advance`, :meth:`App.on_autoplay`, :meth:`App.on_undo`,
:meth:`App.on_reset`), which speak the exercise contract of :mod:`chansim.exercises`
(:class:`~chansim.exercises.contract.Exercise`): a round is
``exercise.play_round(app.read_decision())`` with the decision a plain dict, auto-play
plays ``exercise.default_decision()`` round after round, undo and reset are
``exercise.undo()`` and ``exercise.reset()``. An app implements :meth:`App.read_decision`
(the widgets to a decision dict), :meth:`App.refresh` and its messages.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import ipywidgets as widgets

from chansim.ui.widgets import Busy, Language, Notice, Page, RoundControls, button

__all__ = ["App"]


class App:
    """The parts every page shares and the handlers every round-based exercise shares.

    Subclasses build their parts in ``__init__`` (after ``super().__init__(lang)``), then
    call :meth:`build_page`. Attributes: :attr:`lang`, :attr:`notice`, :attr:`busy`,
    :attr:`page`, :attr:`exercise` (the controller, ``None`` for the home page) and, for the
    round-based apps, :attr:`controls`.
    """

    #: the message shown after an undo (``round`` = the round undone, 1-based)
    undone_key = "ui.undone"
    #: the message shown after a reset
    reset_key = "ui.reset_done"

    def __init__(self, lang: str | Language | None = None) -> None:
        self.lang = lang if isinstance(lang, Language) else Language(lang)
        self.notice = Notice(self.lang)
        self.busy = Busy(self.lang, self.notice)
        self.exercise: Any = None
        self.controls: RoundControls | None = None
        self.page: Page | None = None

    # ------------------------------------------------------------------ building
    def build_page(
        self,
        title_key: str,
        body: Iterable[widgets.Widget],
        *,
        goal_key: str | None = None,
        step_keys: Sequence[str | tuple[str, Mapping[str, Any]]] = (),
        home: str | None = "00-home.ipynb",
    ) -> Page:
        """The page with ``body``; kept as :attr:`page`."""
        self.page = Page(self.lang, title_key, body, goal_key=goal_key, step_keys=step_keys, home=home)
        return self.page

    def button(self, key: str, *, css: str, on_click: Callable[[], None], style: str = "", **params: Any):
        """A button whose click runs ``on_click`` as a step (see :class:`~chansim.ui.widgets.Busy`)."""
        return button(self.lang, key, css=css, style=style, on_click=on_click, busy=self.busy, **params)

    def round_controls(
        self, advance_key: str, *, autoplay: bool = True, undo: bool = True, reset: bool = True, **options: Any
    ) -> RoundControls:
        """The round controls wired to the shared handlers; kept as :attr:`controls`."""
        self.controls = RoundControls(
            self.lang, self.notice, on_advance=self.on_advance,
            on_autoplay=self.on_autoplay if autoplay else None, on_undo=self.on_undo if undo else None,
            on_reset=self.on_reset if reset else None, advance_key=advance_key, busy=self.busy, **options,
        )  # fmt: skip
        return self.controls

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        """Display as the page (the last expression of a notebook cell shows the app)."""
        assert self.page is not None, "build_page() was not called"
        return self.page._repr_mimebundle_(**kwargs)

    # ------------------------------------------------------------------ shared round handlers
    def on_advance(self) -> None:
        """Play one round with the decision the widgets hold."""
        decision = self.read_decision()  # every value checked before anything is decided
        result = self.play_decision(decision)
        self.refresh()
        self.show_played(decision, result)

    def on_autoplay(self, rounds: float) -> None:
        """Let the standard process decide ``rounds`` rounds."""
        count = self.autoplay_rounds(int(rounds))
        self.refresh()
        self.show_autoplayed(count)

    def on_undo(self) -> None:
        """Take back the last round and put its decision back into the widgets."""
        undone = self.undo_round()
        self.show_decisions()
        self.refresh()
        self.notice.show(self.undone_key, "info", round=undone)

    def on_reset(self) -> None:
        """Back to the first round of the same exercise."""
        self.reset_game()
        self.show_decisions()
        self.refresh()
        self.notice.show(self.reset_key, "info")

    # ------------------------------------------------------------------ the exercise contract's verbs
    def read_decision(self) -> dict[str, Any]:
        """The decision dict the widgets hold, checked (a bad value raises a DecisionError shown inline).

        Round apps override it; an app without rounds (the home page) has no decision to read.
        """
        raise TypeError(f"{type(self).__name__} plays no rounds, so it has no decision to read")

    def play_decision(self, decision: dict[str, Any]) -> Any:
        """Play one round with ``decision``; returns what :meth:`show_played` needs (the round's record)."""
        return self.exercise.play_round(decision)

    def autoplay_rounds(self, rounds: int) -> int:
        """Let the standard process (``default_decision()``) play up to ``rounds`` rounds; returns how many."""
        count = 0
        for _ in range(rounds):
            decision = self.exercise.default_decision()  # after the last round: control.game_over
            self.exercise.play_round(decision)
            count += 1
            if self.exercise.finished:
                break
        return count

    def undo_round(self) -> int:
        """Undo the last round; returns its number (1-based)."""
        return self.exercise.undo().round + 1

    def reset_game(self) -> None:
        """Back to round 1."""
        self.exercise.reset()

    def refresh(self) -> None:
        """Hand the exercise's state to every part."""

    def show_decisions(self) -> None:
        """Put the exercise's current decisions into the widgets (after undo and reset)."""

    def show_played(self, decision: dict[str, Any], result: Any) -> None:
        """Tell the trainee what the round did."""
        self.notice.show("ui.round_played", "ok", round=self.exercise.round)

    def show_autoplayed(self, count: int) -> None:
        """Tell the trainee how many rounds were auto-played."""
        self.notice.show("ui.rounds_played", "ok", count=count)
