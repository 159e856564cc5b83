"""The home page: what chansim is, the five stages, the exercises (with links) and the language switch."""

from __future__ import annotations

import html
from dataclasses import dataclass

import ipywidgets as widgets

from chansim.exercises.messages import STAGES
from chansim.ui.apps.base import App
from chansim.ui.widgets import Language

__all__ = ["EXERCISES", "Exercise", "HomeApp", "app"]


@dataclass(frozen=True)
class Exercise:
    """An exercise listed on the home page."""

    key: str  # texts: home.exercise.<key>.goal; name from name_key
    stage: str
    notebook: str
    name_key: str
    minutes: int


#: The exercises, in the order of the channel lifecycle.
EXERCISES: tuple[Exercise, ...] = (
    Exercise("planning", "planning", "01-planning.ipynb", "stage.planning.name", 20),
    Exercise("recruitment", "recruitment", "02-recruitment.ipynb", "stage.recruitment.name", 20),
    Exercise("training", "training", "03-training.ipynb", "stage.training.name", 20),
    Exercise("order_desk", "operations", "04-order-desk.ipynb", "stage.operations.name", 25),
    Exercise("beer_game", "operations", "05-beer-game.ipynb", "exercise.beer_game.name", 25),
    Exercise("evaluation", "evaluation", "06-evaluation.ipynb", "stage.evaluation.name", 20),
)


def _render(lang: Language) -> str:
    t = lang.t
    e = html.escape
    stages = "".join(f"<li><b>{e(t(f'stage.{s}.name'))}</b>: {e(t(f'stage.{s}.description'))}</li>" for s in STAGES)
    cards = []
    for ex in EXERCISES:
        href = f"{ex.notebook}?lang={lang.code}"
        cards.append(
            f'<div class="chansim-card chansim-exercise" data-exercise="{ex.key}" style="max-width:340px">'
            f'<div class="label">{e(t(f"stage.{ex.stage}.name"))} · {e(t("home.minutes", minutes=ex.minutes))}</div>'
            f'<div style="font-size:17px;font-weight:600">{e(t(ex.name_key))}</div>'
            f"<p>{e(t(f'home.exercise.{ex.key}.goal'))}</p>"
            f'<a class="chansim-exercise-link" href="{e(href)}">{e(t("home.open"))} →</a></div>'
        )
    return (
        f'<p style="font-size:15px">{e(t("app.subtitle"))}</p><p>{e(t("home.intro"))}</p>'
        f"<h3>{e(t('app.exercises'))}</h3>"
        f'<div style="display:flex;flex-wrap:wrap">{"".join(cards)}</div>'
        f"<h3>{e(t('home.stages'))}</h3><ol>{stages}</ol>"
        f"<h3>{e(t('home.how_title'))}</h3><p>{e(t('home.how_trainee'))}</p><p>{e(t('home.how_trainer'))}</p>"
    )


class HomeApp(App):
    """The home page: no exercise, one text that follows the language."""

    def __init__(self, lang: str | None = None) -> None:
        super().__init__(lang)
        self.body_html = widgets.HTML()
        self.body_html.add_class("chansim-home")
        self.lang.observe(self.render)
        self.render()
        self.build_page("app.title", [self.body_html], home=None)

    def render(self) -> None:
        self.body_html.value = _render(self.lang)


def app(lang: str | None = None) -> HomeApp:
    """The home page in ``lang`` (default: the page URL's ``?lang=``, else ``CHANSIM_LANG``, else English)."""
    return HomeApp(lang)
