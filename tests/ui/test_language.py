"""Every partner and place name follows the language switch; the page tells the browser its language.

Names: a generated partner carries its name and city in both languages (``chansim.generate.partner_names``),
the exercises' fixed channel has its names in the catalogue (``partner.<id>``), region labels are
catalogue entries (``region.<id>``). Only what a page shows changes: ids, decisions and results stay.
Without a browser: the browser side (``<html lang>``, the title, ``?lang=``) is in test_language_browser.py.
"""

from __future__ import annotations

import html
import re

import ipywidgets as widgets
import pytest

from chansim.exercises.messages import CATALOGUE
from chansim.generate import GeneratorOptions, generate_scenario, partner_names, place_name
from chansim.io import scenario_to_yaml
from chansim.serve.launcher import PAGE_TITLES, localize_page, page_language
from chansim.ui.widgets import ConfirmButton, Language, Notice, NumberInput, Page, button, partner_name
from tests.ui.conftest import NOTEBOOKS, click

CJK = re.compile(r"[\u4e00-\u9fff]")


def page_text(widget: widgets.Widget) -> str:
    """Everything a page shows as text: HTML values, descriptions and options, of every widget inside."""
    parts: list[str] = []

    def walk(w: widgets.Widget) -> None:
        if isinstance(w, widgets.HTML):
            parts.append(html.unescape(re.sub(r"<style>.*?</style>|<[^>]+>", " ", w.value, flags=re.S)))
        if getattr(w, "description", ""):
            parts.append(str(w.description))
        for option in getattr(w, "options", ()) or ():
            parts.append(str(option[0] if isinstance(option, tuple) else option))
        for child in getattr(w, "children", ()):
            walk(child)

    walk(widget)
    return "\n".join(parts)


# ------------------------------------------------------------------ generated names in both languages


@pytest.mark.parametrize("locale", ["en_US", "zh_CN"])
@pytest.mark.parametrize("seed", [0, 7, 123])
def test_every_generated_partner_has_its_name_and_city_in_both_languages(locale: str, seed: int) -> None:
    options = GeneratorOptions(seed=seed, locale=locale, regions=2, business=True, applicants=3)
    scenario = generate_scenario(options)
    before = scenario_to_yaml(scenario)
    pairs = partner_names(scenario)
    other = "zh_CN" if locale == "en_US" else "en_US"
    partners = [n for n in scenario.nodes if n.kind in ("dealer", "distributor")]
    assert partners and set(pairs) == {n.name for n in partners}
    for node in partners:
        pair = pairs[node.name]
        assert pair[f"name_{locale}"] == node.display_name
        assert pair[f"city_{locale}"] == node.metadata["city"]
        alt, alt_city = pair[f"name_{other}"], pair[f"city_{other}"]
        assert alt and alt != node.display_name
        if other == "zh_CN":
            assert CJK.search(alt) and CJK.search(alt_city), (alt, alt_city)
        else:
            assert not CJK.search(alt) and not CJK.search(alt_city), (alt, alt_city)
        assert alt_city == place_name(str(node.metadata["city"]), locale, other)
    # the same scenario, the same pairs; the names in the other language are all different
    assert partner_names(generate_scenario(options)) == pairs
    alts = [pairs[n.name][f"name_{other}"] for n in partners]
    assert len(set(alts)) == len(alts)
    # and the scenario is what it was: its file never holds the other language
    assert scenario_to_yaml(scenario) == before
    assert partner_names(generate_scenario(GeneratorOptions(seed=seed + 1, locale=locale, regions=2))) != pairs


def test_partner_names_follow_the_language() -> None:
    lang = Language("en_US")
    meta = {"name_en_US": "Smith's Appliances", "name_zh_CN": "上海华兴电器"}
    assert partner_name(lang, "dealer_x", "Smith's Appliances", meta) == "Smith's Appliances"
    lang.code = "zh_CN"
    assert partner_name(lang, "dealer_x", "Smith's Appliances", meta) == "上海华兴电器"
    # the fixed channel through the catalogue, only for the names it knows
    assert partner_name(lang, "dealer_n1", "Lakeside Appliance Center") == "湖畔家电中心"
    assert partner_name(lang, "dealer_n1", "Some Other Shop") == "Some Other Shop"
    assert partner_name(lang, "dealer_n1", "湖畔家电中心", code="en_US") == "Lakeside Appliance Center"


# ------------------------------------------------------------------ the apps after a switch


def test_recruitment_after_a_switch_shows_no_name_or_region_of_the_other_language() -> None:
    from chansim.ui.apps import recruitment

    app = recruitment.app("zh_CN", seed=0, reveal_days=150)
    game = app.exercise
    before = game.to_log()
    zh_regions = [CATALOGUE.get(f"region.{r}", "zh_CN") for r in game.regions]
    text = page_text(app.page)
    assert all(label in text for label in zh_regions)
    app.page.switch.value = "en_US"
    text = page_text(app.page)
    table = html.unescape(re.sub(r"<[^>]+>", " ", "\n".join(cell.value for cell in app.cells)))
    assert not CJK.search(table), "Chinese text left in the applicant table"
    assert not any(label in text for label in zh_regions), "a Chinese region label left after the switch"
    assert all(CATALOGUE.get(f"region.{r}", "en_US") in text for r in game.regions)
    pairs = partner_names(game.channel)
    for name in game.applicants()["applicant"]:
        assert pairs[name]["name_en_US"] in table and pairs[name]["city_en_US"] in table
    # every checkbox is labelled, in the page's language
    assert all(box.description.startswith("Choose ") for box in app.checks)
    assert game.to_log() == before, "the switch changed the game"
    app.page.switch.value = "zh_CN"
    assert all(box.description.startswith("选择") for box in app.checks)


def test_training_in_chinese_shows_chinese_partner_names() -> None:
    from chansim.ui.apps import training

    app = training.app("en_US", seed=0)
    english = page_text(app.page)
    assert "Lakeside Appliance Center" in english
    app.page.switch.value = "zh_CN"
    chinese = page_text(app.page)
    for partner in app.exercise.partners:
        assert CATALOGUE.get(f"partner.{partner}", "zh_CN") in chinese, partner
        assert CATALOGUE.get(f"partner.{partner}", "en_US") not in chinese, partner
    # the seats boxes are named by the partner in the new language (their labels and error messages)
    assert any(CATALOGUE.get("partner.dealer_n1", "zh_CN") in box.field for box in app.seat_inputs)


def test_evaluation_in_chinese_shows_chinese_partner_names() -> None:
    from chansim.ui.apps import evaluation

    app = evaluation.app("zh_CN", seed=0)
    text = page_text(app.page)
    for partner in ("dist_north", "dealer_n1", "dealer_s3"):
        assert CATALOGUE.get(f"partner.{partner}", "zh_CN") in text, partner
        assert CATALOGUE.get(f"partner.{partner}", "en_US") not in text, partner
    # the territories too (the dropdown of the territory move, the scorecard's cells)
    assert "湖畔市中心" in text and "Lakeside centre" not in text
    app.page.switch.value = "en_US"
    text = page_text(app.page)
    assert "Lakeside centre" in text and "湖畔" not in text and CATALOGUE.get("partner.dealer_n1", "en_US") in text


def test_a_round_played_in_either_language_is_the_same_round() -> None:
    from chansim.ui.apps import training

    logs = []
    for lang in ("en_US", "zh_CN"):
        app = training.app(lang, seed=3)
        app.page.switch.value = "zh_CN" if lang == "en_US" else "en_US"
        click(app, app.controls.advance)
        logs.append((app.exercise.to_log(), app.exercise.kpis().to_dict()))
    assert logs[0] == logs[1]


# ------------------------------------------------------------------ the page tells the browser its language


def test_the_page_marker_follows_the_language() -> None:
    lang = Language("en_US")
    page = Page(lang, "beer_game.title", [], home=None)
    assert 'data-chansim-lang="en_US"' in page.style_html.value
    assert f'data-chansim-title="{html.escape(CATALOGUE.get("beer_game.title", "en_US"))}"' in page.style_html.value
    lang.code = "zh_CN"
    assert 'data-chansim-lang="zh_CN"' in page.style_html.value
    assert CATALOGUE.get("beer_game.title", "zh_CN") in page.style_html.value


def test_the_served_page_has_its_language_and_title_in_the_head() -> None:
    template = (
        '<!DOCTYPE html>\n<html lang="en">\n<head><meta charset="utf-8">\n<title>05-beer-game</title>\n'
        "</head><body>cells</body></html>"
    )
    out = localize_page(template, "05-beer-game", "zh_CN")
    assert '<html lang="zh-CN">' in out
    assert f"<title>{CATALOGUE.get('beer_game.title', 'zh_CN')}</title>" in out
    head = out.split("</head>")[0]
    assert "history.replaceState" in head and "data-chansim-lang" in head
    assert localize_page(out, "05-beer-game", "zh_CN").count("history.replaceState") == 1
    assert '<html lang="en-US">' in localize_page(template, "05-beer-game", "en_US")
    assert page_language("lang=zh_CN&game=abc") == "zh_CN"
    assert page_language("lang=xx") in ("zh_CN", "en_US")
    assert set(PAGE_TITLES) == {p.stem for p in NOTEBOOKS.glob("*.ipynb")}
    assert all(key in CATALOGUE for key in PAGE_TITLES.values())


# ------------------------------------------------------------------ labels and confirmations


def test_a_number_box_is_labelled_by_its_field() -> None:
    lang = Language("en_US")
    box = NumberInput(lang, "ui.seed", value=1)
    assert box.text.description == "Seed"
    lang.code = "zh_CN"
    assert box.text.description == CATALOGUE.get("ui.seed", "zh_CN")


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_reset_asks_first_and_acts_on_the_second_click() -> None:
    lang = Language("en_US")
    notice = Notice(lang)
    done: list[int] = []
    made = button(lang, "control.reset", css="chansim-reset", on_click=lambda: done.append(1), notice=notice)
    assert isinstance(made, ConfirmButton)
    made.click()
    assert done == [] and made.armed
    made.click()
    assert done == [1] and not made.armed
    # the time: a second click after it asks again
    clock = Clock()
    btn = ConfirmButton(lang, "control.reset", {}, clock=clock)
    action = btn.confirmed(lambda: done.append(2))
    btn.on_click(lambda _b: action())
    btn.relabel()
    reset = CATALOGUE.get("control.reset", "en_US")
    assert btn.description == reset
    btn.click()
    assert done == [1] and btn.armed and btn.description == CATALOGUE.get("ui.confirm", "en_US", action=reset)
    lang.code = "zh_CN"
    btn.relabel()  # (button() registers this with the language)
    assert btn.description == CATALOGUE.get("ui.confirm", "zh_CN", action=CATALOGUE.get("control.reset", "zh_CN"))
    lang.code = "en_US"
    clock.now += 60
    btn.click()
    assert done == [1] and btn.armed, "a click long after the question acted"
    btn.click()
    assert done == [1, 2] and not btn.armed and btn.description == reset
    # a plain button acts at once
    other: list[int] = []
    plain = button(lang, "control.undo", css="chansim-undo", on_click=lambda: other.append(1), notice=notice)
    assert not isinstance(plain, ConfirmButton)
    plain.click()
    assert other == [1]


def test_a_double_click_on_reset_does_not_reset() -> None:
    """The asking click is a step: the second half of a double click, sent before the browser saw it, is dropped."""
    from chansim.ui.apps import beer_game

    app = beer_game.app("en_US")
    app.order_input.value = "4"
    click(app, app.controls.advance)
    played = app.exercise.round
    assert played == 1
    app.busy.acknowledge()
    app.controls.reset.click()
    app.controls.reset.click()  # no acknowledgement in between: the double click's second half
    assert app.exercise.round == played, "a double click reset the game"
    assert app.controls.reset.armed
    app.busy.acknowledge()
    app.controls.reset.click()
    assert app.exercise.round == 0


def test_a_streamed_page_gets_its_head_rewritten_whatever_the_chunks() -> None:
    """Voilà sends the template in small pieces: the head is held back until it is complete."""
    from tornado import httputil

    from chansim.serve.launcher import LocalizePage

    pieces = [b'<!DOCTYPE html>\n<html lang="', b"en", b'">\n<head><title>05-beer-game', b"</title>\n</head>"]
    pieces += [b"<body>", b"cell 1", b"</body></html>"]
    start = httputil.RequestStartLine("GET", "/voila/render/05-beer-game.ipynb?lang=zh_CN", "HTTP/1.1")
    host = httputil.HTTPHeaders({"Host": "127.0.0.1"})
    transform = LocalizePage(httputil.HTTPServerRequest(start_line=start, headers=host))
    _, _, first = transform.transform_first_chunk(200, httputil.HTTPHeaders({"Content-Type": "text/html"}),
                                                  pieces[0], False)  # fmt: skip
    out = [first] + [transform.transform_chunk(p, i == len(pieces) - 2) for i, p in enumerate(pieces[1:])]
    page = b"".join(out).decode("utf-8")
    assert out[-2:] == [b"cell 1", b"</body></html>"]  # the cells pass as they come
    assert '<html lang="zh-CN">' in page and CATALOGUE.get("beer_game.title", "zh_CN") in page
    assert page.count("history.replaceState") == 1
    # other responses pass untouched
    start = httputil.RequestStartLine("GET", "/voila/static/main.js", "HTTP/1.1")
    other = LocalizePage(httputil.HTTPServerRequest(start_line=start, headers=host))
    js = httputil.HTTPHeaders({"Content-Type": "text/javascript"})
    assert other.transform_first_chunk(200, js, b"x", True)[2] == b"x"
