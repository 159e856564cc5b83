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

**Every decision stored, every page resumable.** :meth:`App.open_session` (called by each
module's ``app()``) finds the trainee — ``app(trainee=...)`` (a name or a
:class:`~chansim.store.Trainee`), else the session cookie the home page's join form set
(``HTTP_COOKIE`` in a Voilà kernel) — and resumes their game of this exercise: the one of
``?game=ID`` (their own only: another trainee's id shows "no such game"), else their newest
unfinished one (``Exercise.from_log``), else it starts one in the store. After every step
that changed the game (a round, auto-play, undo, reset, a new game: :meth:`App.commit`, run
at the end of every busy step and by the round handlers before they show the result) the
decision log is saved with a compare-and-set on the game's revision, and only then does the
indicator (:class:`~chansim.ui.widgets.SaveIndicator`) say "saved ✓ round N". The store only
ever adds decisions, so an undo or reset that takes decisions back stores the shorter game as a
new game in place of the old one (:meth:`~chansim.store.Store.replace`: the longer one stays
stored, marked replaced, out of the game lists; its ``?game=`` shows the newer game). When another
tab moved the game on, the step is not recorded: the page shows the stored game and says
"reload". When the store fails, the game goes on and the indicator says it is not saved.
Without a trainee the game plays as before, marked "not saved".
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

import ipywidgets as widgets

from chansim.store.identity import COOKIE, session_key
from chansim.ui.widgets import (
    Busy,
    DownloadLink,
    Language,
    Notice,
    Page,
    RoundControls,
    SaveIndicator,
    button,
    slug,
)

if TYPE_CHECKING:
    from chansim.store import GameRecord, Store, Trainee

__all__ = ["COOKIE", "App", "find_trainee", "game_query", "session_key"]

log = logging.getLogger("chansim.ui")


def game_query(query: str | None = None) -> str | None:
    """The ``?game=ID`` of the page URL (default ``$QUERY_STRING``), bounded, or None."""
    values = parse_qs(os.environ.get("QUERY_STRING", "") if query is None else query).get("game", [])
    value = values[0].strip() if values else ""
    return value[:64] or None


def find_trainee(
    trainee: str | Trainee | None = None, store: Store | None = None
) -> tuple[Store | None, Trainee | None, Exception | None]:
    """``(store, trainee, error)``: the trainee given (a name is joined), else the session cookie's.

    Without a trainee and without a cookie no store is opened (``(store, None, None)``): a
    notebook outside the class server works as before. A store that cannot be opened or a
    refused name gives ``error`` (a :class:`~chansim.store.StoreError`).
    """
    key = session_key() if trainee is None else None
    if trainee is None and key is None:
        return store, None, None
    from chansim.store import Store, StoreError

    try:
        store = Store.open() if store is None else store
        if isinstance(trainee, str):
            trainee = store.join(trainee)
        elif trainee is None:
            trainee = store.trainee(key)  # type: ignore[arg-type]
    except StoreError as error:
        log.warning("store session refused: %s", error)
        return store, None, error
    return store, trainee, None


def _extends(log: Mapping[str, Any], saved: Mapping[str, Any] | None) -> bool:
    """Whether ``log`` keeps every decision of ``saved`` (and may add some)."""
    if saved is None:
        return False
    old, new = saved.get("decisions", []), log.get("decisions", [])
    return len(new) >= len(old) and new[: len(old)] == old


def _short(error: BaseException) -> str:
    text = str(error).splitlines()[0] if str(error) else type(error).__name__
    return text if len(text) <= 160 else text[:157] + "…"


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
    #: whether the session bar offers "New game" (apps with their own new-game button say False)
    new_game_in_bar = True

    def __init__(self, lang: str | Language | None = None) -> None:
        self.lang = lang if isinstance(lang, Language) else Language(lang)
        self.notice = Notice(self.lang)
        self.busy = Busy(self.lang, self.notice)
        self.exercise: Any = None
        self.controls: RoundControls | None = None
        self.page: Page | None = None
        # the store session (open_session): who plays, where the game is stored, what was saved
        self.store: Store | None = None
        self.trainee: Trainee | None = None
        self.record: GameRecord | None = None
        self.saved = SaveIndicator(self.lang)
        self.new_game_button = button(self.lang, "identity.new_game", css="chansim-session-new-game",
                                      on_click=self.start_new_game, busy=self.busy)  # fmt: skip
        self.new_game_button.layout.display = "none"
        self.session_bar = widgets.HBox(
            [self.saved, self.new_game_button], layout=widgets.Layout(align_items="center", grid_gap="12px")
        )
        self.session_bar.add_class("chansim-session")
        self._tracked: Any = None  # the exercise object the record stores
        self._replaced_from: str | None = None  # the ?game= asked for, when a newer game replaced it
        self._saved_log: dict[str, Any] | None = None
        self.busy.after_step(self.commit)

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
        """The page with ``body`` (after the session bar: who plays, saved or not); kept as :attr:`page`."""
        body = [self.session_bar, *body] if home is not None else list(body)
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
        if not self.commit():  # stored before the page says so; another tab moved on: not recorded
            return
        self.refresh()
        self.show_played(decision, result)

    def on_autoplay(self, rounds: float) -> None:
        """Let the standard process decide ``rounds`` rounds."""
        count = self.autoplay_rounds(int(rounds))
        if not self.commit():
            return
        self.refresh()
        self.show_autoplayed(count)

    def on_undo(self) -> None:
        """Take back the last round and put its decision back into the widgets."""
        undone = self.undo_round()
        if not self.commit():
            return
        self.show_decisions()
        self.refresh()
        self.notice.show(self.undone_key, "info", round=undone)

    def on_reset(self) -> None:
        """Back to the first round of the same exercise."""
        self.reset_game()
        if not self.commit():
            return
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

    # ------------------------------------------------------------------ the store session
    def open_session(
        self,
        *,
        trainee: str | Trainee | None = None,
        store: Store | None = None,
        game: str | None = None,
    ) -> App:
        """Who plays and which stored game this page shows; returns the app (see the module docstring).

        ``trainee``: a :class:`~chansim.store.Trainee`, or a name (joined in ``store``, without a
        PIN), else the trainee of the session cookie. ``store``: default
        :meth:`chansim.store.Store.open` (``$CHANSIM_STORE``), opened only when there is a
        trainee. ``game``: a game id (default ``?game=`` of the page URL).
        """
        if self.exercise is None:
            return self
        store, trainee, error = find_trainee(trainee, store)
        if error is not None:
            self.notice.show("identity.store_unavailable", "warning", error=_short(error))
            self._show_saved(failed=error)
            return self
        if trainee is None:  # no cookie, a cookie of another store, or the trainee left
            self._show_saved()
            return self
        self.store, self.trainee = store, trainee
        if self.new_game_in_bar:
            self.new_game_button.layout.display = ""
        download = getattr(self, "download", None)
        if isinstance(download, DownloadLink):
            download.stamp = self._file_stamp
        record = self._find_game(game if game is not None else game_query())
        if record is not None and self._resume(record):
            return self
        self.commit()  # a new game in the store
        return self

    def _find_game(self, game_id: str | None) -> GameRecord | None:
        from chansim.store import StoreError

        assert self.store is not None and self.trainee is not None
        self._replaced_from = None
        if game_id:
            try:
                record = self.store.game(game_id, self.trainee)
                if record.replaced_by is not None:  # an undo or reset replaced it: the live game of the chain
                    record = self.store.live(game_id, self.trainee)
                    self._replaced_from = game_id
                return record
            except StoreError:  # another trainee's game, or none: nothing of it is shown
                self.notice.show("identity.no_such_game", "warning", game=game_id)
        try:
            for record in self.store.games(self.trainee, self.exercise.name):
                if not record.finished:
                    return record
        except StoreError as error:
            self._show_saved(failed=error)
        return None

    def _resume(self, record: GameRecord) -> bool:
        from chansim.exercises.contract import LogError

        try:
            exercise = type(self.exercise).from_log(record.log)
        except LogError as error:
            self.notice.show("identity.unreadable", "warning", error=_short(error))
            return False
        self._track(record, exercise)
        self.adopt(exercise)
        self._show_saved()
        where = {"round": min(exercise.round + 1, exercise.rounds), "rounds": exercise.rounds}
        if self._replaced_from is not None:
            self.notice.show("identity.replaced_game", "info", game=self._replaced_from, **where)
        else:
            self.notice.show("identity.resumed", "info", **where)
        return True

    def _track(self, record: GameRecord, exercise: Any) -> None:
        self.record, self._tracked, self._saved_log = record, exercise, exercise.to_log()

    def adopt(self, exercise: Any) -> None:
        """Show ``exercise`` (a resumed or reloaded game) in every part; apps with more state extend it."""
        self.exercise = exercise
        self.show_decisions()
        self.refresh()

    def commit(self) -> bool:
        """Store the game if a step changed it (compare-and-set on its revision); False when it moved on elsewhere.

        Runs at the end of every step (:meth:`~chansim.ui.widgets.Busy.after_step`) and in the
        round handlers before they show the result. Returns True when the game is stored (or
        nothing changed, or there is no store: then the indicator says "not saved"); on a
        :class:`~chansim.store.StaleGameError` the page loads the game as stored, says
        "reload" and returns False (the step is not recorded); on another
        :class:`~chansim.store.StoreError` the game goes on unsaved and the indicator says why.
        """
        exercise = self.exercise
        if exercise is None:
            return True
        if self.store is None or self.trainee is None:
            self._show_saved()
            return True
        from chansim.store import StaleGameError, StoreError

        log_now = exercise.to_log()
        changed = False
        try:
            if self.record is not None and exercise is self._tracked and not _extends(log_now, self._saved_log):
                # an undo or reset took decisions back (the store only ever adds decisions): the
                # shorter game is stored as a new game that replaces this one, in one compare-and-set
                self.record = self.store.replace(
                    self.record.id, self.trainee, log_now, revision=self.record.revision,
                    round=exercise.round, finished=exercise.finished, rounds=exercise.rounds,
                )  # fmt: skip
                self._saved_log = log_now
                changed = True
            elif self.record is None or exercise is not self._tracked:
                # a game the store does not have yet: the first, or a new one (new game, new role)
                first = {**log_now, "decisions": []}
                record = self.store.start_game(self.trainee, exercise.name, first, rounds=exercise.rounds)
                self.record, self._tracked, self._saved_log = record, exercise, first
                changed = True
            if log_now != self._saved_log:
                self.record = self.store.save(
                    self.record.id, self.trainee, log_now, revision=self.record.revision,
                    round=exercise.round, finished=exercise.finished,
                )  # fmt: skip
                self._saved_log = log_now
                changed = True
        except StaleGameError as error:
            log.info("game %s moved on elsewhere: %s", self.record.id if self.record else "?", error)
            self._reload_stored(error)
            return False
        except StoreError as error:
            log.warning("game not saved: %s", error)
            self._show_saved(failed=error)
            return True
        if changed or self.saved.state == "failed":  # a stale notice stays until the page is reloaded
            self._show_saved()
            download = getattr(self, "download", None)
            if isinstance(download, DownloadLink):
                download.restamp()
        return True

    def _reload_stored(self, error: Exception) -> None:
        """After a stale save: the game as the store has it now (the step just taken is dropped)."""
        from chansim.exercises.contract import LogError
        from chansim.store import StoreError

        assert self.store is not None and self.trainee is not None and self.record is not None
        try:
            current = getattr(error, "current", None) or self.store.game(self.record.id, self.trainee)
            if current.replaced_by is not None:  # another tab's undo or reset replaced it: its newer game
                current = self.store.live(current.id, self.trainee)
            exercise = type(self.exercise).from_log(current.log)
        except (StoreError, LogError) as again:
            self._show_saved(failed=again)
            return
        self._track(current, exercise)
        self.adopt(exercise)
        self.saved.show("stale", trainee=self.trainee.name)
        self.notice.show("identity.stale_notice", "error")

    def start_new_game(self) -> None:
        """A fresh game of the same exercise and options (the current one stays stored); committed by the step."""
        fresh = type(self.exercise).from_log({**self.exercise.to_log(), "decisions": []})
        self.adopt(fresh)
        self.notice.show("identity.new_game_done", "ok")

    def _show_saved(self, failed: BaseException | None = None) -> None:
        name = self.trainee.name if self.trainee is not None else None
        if failed is not None:
            self.saved.show("failed", trainee=name, error=_short(failed))
        elif self.store is None or self.trainee is None:
            self.saved.show("local")
        else:
            self.saved.show("saved", trainee=name, round=self.exercise.round)

    def _file_stamp(self) -> tuple[str, dict[str, str]]:
        """The trainee, game and round in a results file's name, the trainee and game as its first columns."""
        if self.trainee is None:
            return "", {}
        game = self.record.id if self.record is not None else "new"
        part = f"{slug(self.trainee.name)}-game-{slug(str(game), 12)}-round-{self.exercise.round}"
        return part, {"trainee": self.trainee.name, "game": str(game)}
