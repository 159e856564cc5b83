"""The home page: what chansim is, the five stages, the exercises (with links) and the language switch.

On the class server it is also where a trainee says who they are: a join form (name,
optional PIN, a workshop code when the trainer gives one) posted to the server's
``/chansim/join`` (:mod:`chansim.serve.identity`), which sets the session cookie and comes
back here; then "playing as NAME", the trainee's games (exercise, round x of y, finished,
last played) with Resume/View links, each exercise card's link continuing the unfinished
game or starting a new one, and a Leave / switch-name button (``/chansim/leave``).
Outside the server (a plain notebook, no cookie) the page is as before, or shows the games
of ``app(trainee=...)``.
"""

from __future__ import annotations

import html
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlencode

import ipywidgets as widgets

from chansim.exercises.messages import STAGES
from chansim.ui.apps.base import App, find_trainee
from chansim.ui.widgets import Language

if TYPE_CHECKING:
    from chansim.store import GameRecord, Store, Trainee

__all__ = ["EXERCISES", "JOIN_ERRORS", "Exercise", "HomeApp", "app"]

#: The join errors the server's join handler may name in ``?join_error=`` (``chansim.serve.identity.JOIN_ERRORS``).
JOIN_ERRORS = ("name", "pin", "too_many", "store", "refused")
#: The most games listed on the home page (newest first).
MAX_GAMES = 30


@dataclass(frozen=True)
class Exercise:
    """An exercise listed on the home page."""

    key: str  # texts: home.exercise.<key>.goal; name from name_key
    stage: str
    notebook: str
    name_key: str
    minutes: int

    @property
    def name(self) -> str:
        """The exercise's name in :data:`chansim.exercises.EXERCISES` (and in the store)."""
        return self.key.replace("_", "-")


#: The exercises, in the order of the channel lifecycle.
EXERCISES: tuple[Exercise, ...] = (
    Exercise("planning", "planning", "01-planning.ipynb", "stage.planning.name", 20),
    Exercise("recruitment", "recruitment", "02-recruitment.ipynb", "stage.recruitment.name", 20),
    Exercise("training", "training", "03-training.ipynb", "stage.training.name", 20),
    Exercise("order_desk", "operations", "04-order-desk.ipynb", "stage.operations.name", 25),
    Exercise("beer_game", "operations", "05-beer-game.ipynb", "exercise.beer_game.name", 25),
    Exercise("evaluation", "evaluation", "06-evaluation.ipynb", "stage.evaluation.name", 20),
)


def _href(notebook: str, lang: Language, game: str | None = None) -> str:
    query = {"lang": lang.code, **({"game": game} if game else {})}
    return f"{notebook}?{urlencode(query)}"


def _render(lang: Language, games: list[GameRecord] | None = None) -> str:
    t = lang.t
    e = html.escape
    stages = "".join(f"<li><b>{e(t(f'stage.{s}.name'))}</b>: {e(t(f'stage.{s}.description'))}</li>" for s in STAGES)
    cards = []
    for ex in EXERCISES:
        open_game = next((g for g in games or [] if g.exercise == ex.name and not g.finished), None)
        href = _href(ex.notebook, lang, open_game.id if open_game else None)
        if games is None:
            label = t("home.open")
        elif open_game is not None:
            label = t("identity.continue", round=min(open_game.round + 1, open_game.rounds))
        else:
            label = t("identity.new_here")
        cards.append(
            f'<div class="chansim-card chansim-exercise" data-exercise="{ex.key}" style="max-width:340px">'
            f'<div class="label">{e(t(f"stage.{ex.stage}.name"))} · {e(t("home.minutes", minutes=ex.minutes))}</div>'
            f'<div style="font-size:17px;font-weight:600">{e(t(ex.name_key))}</div>'
            f"<p>{e(t(f'home.exercise.{ex.key}.goal'))}</p>"
            f'<a class="chansim-exercise-link" href="{e(href)}">{e(label)} →</a></div>'
        )
    return (
        f'<p style="font-size:15px">{e(t("app.subtitle"))}</p><p>{e(t("home.intro"))}</p>'
        f"<h3>{e(t('app.exercises'))}</h3>"
        f'<div style="display:flex;flex-wrap:wrap">{"".join(cards)}</div>'
        f"<h3>{e(t('home.stages'))}</h3><ol>{stages}</ol>"
        f"<h3>{e(t('home.how_title'))}</h3><p>{e(t('home.how_trainee'))}</p><p>{e(t('home.how_trainer'))}</p>"
    )


def _games_html(lang: Language, games: list[GameRecord]) -> str:
    t, e = lang.t, html.escape
    if not games:
        return f'<p class="chansim-no-games">{e(t("identity.no_games"))}</p>'
    by_name = {ex.name: ex for ex in EXERCISES}
    columns = ("exercise", "round", "status", "updated")
    head = "".join(f"<th>{e(t(f'identity.col.{c}'))}</th>" for c in columns) + "<th></th>"
    rows = []
    for game in games[:MAX_GAMES]:
        ex = by_name.get(game.exercise)
        if ex is None:  # a game of an exercise this version does not have
            continue
        status = t("identity.finished") if game.finished else t("identity.in_progress")
        link = t("identity.view") if game.finished else t("identity.resume")
        when = game.updated.strftime("%Y-%m-%d %H:%M") if game.updated is not None else ""
        rows.append(
            f'<tr class="chansim-game" data-game="{e(game.id)}" data-exercise="{e(ex.key)}">'
            f"<td>{e(t(ex.name_key))}</td><td>{e(t('identity.round_of', round=game.round, rounds=game.rounds))}</td>"
            f"<td>{e(status)}</td><td>{e(when)} UTC</td>"
            f'<td><a class="chansim-resume-link" href="{e(_href(ex.notebook, lang, game.id))}">{e(link)} →</a>'
            "</td></tr>"
        )
    return f'<table class="chansim-table chansim-games"><tr>{head}</tr>{"".join(rows)}</table>'


def _join_html(lang: Language, error: str | None) -> str:
    """The join form, posted to the server's ``/chansim/join`` (a relative URL: any base URL works)."""
    t, e = lang.t, html.escape
    problem = (
        f'<div class="chansim-notice-error chansim-join-error">{e(t(f"identity.join_error.{error}"))}</div>'
        if error in JOIN_ERRORS else ""
    )  # fmt: skip
    field = '<label style="display:inline-block;margin:4px 12px 4px 0">{label}<br>{input}</label>'
    inputs = [
        field.format(label=e(t("identity.name")), input='<input name="name" class="chansim-join-name" '
                     'maxlength="40" required autocomplete="username" style="width:180px">'),
        field.format(label=e(t("identity.pin")), input='<input name="pin" class="chansim-join-pin" type="password" '
                     'minlength="4" maxlength="12" autocomplete="current-password" style="width:120px">'),
        field.format(label=e(t("identity.workshop")), input='<input name="workshop" class="chansim-join-workshop" '
                     'maxlength="64" style="width:120px">'),
    ]  # fmt: skip
    return (
        f'<div class="chansim-card chansim-identity" style="max-width:720px"><h3>{e(t("identity.join_title"))}</h3>'
        f"<p>{e(t('identity.join_intro'))}</p>{problem}"
        f'<form class="chansim-join" method="post" action="../../chansim/join">'
        f'<input type="hidden" name="lang" value="{e(lang.code)}">{"".join(inputs)}'
        f'<button type="submit" class="chansim-join-button">{e(t("identity.join"))}</button></form></div>'
    )


def _who_html(lang: Language, trainee: Trainee, games: list[GameRecord], served: bool) -> str:
    t, e = lang.t, html.escape
    leave = (
        f'<form class="chansim-leave" method="post" action="../../chansim/leave" style="display:inline">'
        f'<input type="hidden" name="lang" value="{e(lang.code)}">'
        f'<button type="submit" class="chansim-leave-button">{e(t("identity.leave"))}</button></form>'
        if served else ""
    )  # fmt: skip
    return (
        f'<div class="chansim-card chansim-identity" style="max-width:900px">'
        f'<b class="chansim-playing-as">{e(t("identity.playing_as", name=trainee.name))}</b> {leave}'
        f"<h3>{e(t('identity.my_games'))}</h3>{_games_html(lang, games)}</div>"
    )


def _served() -> bool:
    """Whether the page is served by Voilà (the join form posts to its server)."""
    return os.environ.get("SERVER_SOFTWARE", "").startswith("voila")


def _join_error() -> str | None:
    values = parse_qs(os.environ.get("QUERY_STRING", "")).get("join_error", [])
    return values[0] if values and values[0] in JOIN_ERRORS else None


class HomeApp(App):
    """The home page: no exercise; who plays and their games, then one text that follows the language."""

    def __init__(
        self, lang: str | None = None, *, trainee: str | Trainee | None = None, store: Store | None = None
    ) -> None:
        super().__init__(lang)
        self.store, self.trainee, self.store_error = find_trainee(trainee, store)
        self.served = _served()
        self.games: list[GameRecord] | None = None
        if self.trainee is not None and self.store is not None:
            from chansim.store import StoreError

            try:
                self.games = self.store.games(self.trainee)
            except StoreError as error:
                self.store_error = error
        self.identity_html = widgets.HTML()
        self.identity_html.add_class("chansim-home-identity")
        self.body_html = widgets.HTML()
        self.body_html.add_class("chansim-home")
        self.lang.observe(self.render)
        self.render()
        self.build_page("app.title", [self.identity_html, self.notice, self.body_html], home=None)
        if self.store_error is not None:
            self.notice.show("identity.store_unavailable", "warning", error=str(self.store_error)[:160])

    def render(self) -> None:
        """Who plays (or the join form) and the page text, in the current language."""
        if self.trainee is not None:
            self.identity_html.value = _who_html(self.lang, self.trainee, self.games or [], self.served)
        elif self.served:
            self.identity_html.value = _join_html(self.lang, _join_error())
        else:
            self.identity_html.value = ""
        self.body_html.value = _render(self.lang, self.games)


def app(lang: str | None = None, *, trainee: Any = None, store: Any = None) -> HomeApp:
    """The home page in ``lang`` (default: the page URL's ``?lang=``, else ``CHANSIM_LANG``, else English).

    ``trainee`` (a name or a :class:`~chansim.store.Trainee`) and ``store``: whose games to list
    (default: the trainee of the session cookie, when the page has one).
    """
    return HomeApp(lang, trainee=trainee, store=store)
