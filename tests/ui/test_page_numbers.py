"""Every number on every exercise page follows the formatter's patterns, after three rounds, in both languages.

Each app is built in-process (as Voilà runs it), plays three rounds through its own step button
(see :data:`tests.ui.test_app_base.ROUND_APPS`), switches language, and every visible text of the
page is read from the widget tree: HTML and labels, button and option labels, table cells, the
text boxes. Then:

- no scientific notation (``2.261e+04``) anywhere, text boxes included;
- no number with more than two decimals, and no number of five digits or more without grouping
  (the formatter always groups: ``22,610``), outside the text boxes (a trainee types those back);
- no raw fraction under a % label: a KPI card of a share shows a percentage (an attainment of
  1.33 is ``133%``), a card or table column labelled with ``%`` shows percentages, and no unit
  line says "fraction (0–1)" or plain "money";
- a value refused in any number box shows its bounds as the formatter writes them (``0 to 45``,
  not ``45.0``; ``2,000,000``, not ``2000000.0``).
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

import ipywidgets as widgets
import pytest

from chansim.exercises.game import DecisionError
from chansim.exercises.messages import KPI_UNITS, LANGUAGES
from chansim.ui.widgets import KpiCards, NumberInput
from tests.ui.conftest import click
from tests.ui.test_app_base import ROUND_APPS, make

SCIENTIFIC = re.compile(r"\d(?:\.\d+)?[eE][+-]?\d+\b")
LONG_DECIMAL = re.compile(r"(?<![\w.])\d+\.\d{3,}(?![\w])")
UNGROUPED = re.compile(r"(?<![\w.,])\d{5,}(?![\w,])")
PERCENT = re.compile(r"^[+-]?\d{1,3}(,\d{3})*(\.\d{1,2})?%$")
NUMBER = re.compile(r"[+-]?\d[\d,]*(\.\d+)?")
FORBIDDEN_UNITS = ("fraction (0–1)", "比例（0–1）", "0/1")


def _visible(widget) -> bool:
    layout = getattr(widget, "layout", None)
    return not (layout is not None and (layout.display == "none" or layout.visibility == "hidden"))


def page_texts(root) -> tuple[list[str], list[str], list[str]]:
    """(HTML values, plain texts: labels, options, descriptions; text-box values) of the visible widgets."""
    htmls, texts, boxes, stack, seen = [], [], [], [root], set()
    while stack:
        w = stack.pop()
        if id(w) in seen or not _visible(w):
            continue
        seen.add(id(w))
        if isinstance(w, widgets.HTML | widgets.HTMLMath):
            htmls.append(w.value)
        elif isinstance(w, widgets.Label):
            texts.append(w.value)
        elif isinstance(w, widgets.Text | widgets.Textarea | widgets.IntText | widgets.FloatText):
            boxes.append(str(w.value))
        for attr in ("description", "tooltip", "placeholder"):
            value = getattr(w, attr, None)
            if isinstance(value, str) and value:
                texts.append(value)
        if isinstance(w, widgets.Dropdown | widgets.ToggleButtons | widgets.Select | widgets.RadioButtons):
            texts.extend(str(label) for label in w._options_labels)
        stack.extend(getattr(w, "children", ()) or ())
    return htmls, texts, boxes


def plain(markup: str) -> str:
    markup = re.sub(r"<style.*?</style>", " ", markup, flags=re.S)
    markup = re.sub(r'href="data:[^"]*"', "", markup)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", markup))).strip()


class _Tables(HTMLParser):
    """The tables of an HTML text as lists of rows of cell texts (header cells included)."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[list[list[str]]] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):  # type: ignore[no-untyped-def]
        if tag == "table":
            self.tables.append([])
        elif tag == "tr" and self.tables:
            self.tables[-1].append([])
        elif tag in ("td", "th") and self.tables and self.tables[-1]:
            self._cell = []

    def handle_endtag(self, tag):  # type: ignore[no-untyped-def]
        if tag in ("td", "th") and self._cell is not None:
            self.tables[-1][-1].append(re.sub(r"\s+", " ", "".join(self._cell)).strip())
            self._cell = None

    def handle_data(self, data):  # type: ignore[no-untyped-def]
        if self._cell is not None:
            self._cell.append(data)


def percent_columns(markup: str) -> list[str]:
    """Cells of table columns headed by a % label that do not read as a percentage."""
    parser = _Tables()
    parser.feed(markup)
    bad = []
    for table in parser.tables:
        if not table:
            continue
        header = table[0]
        for i, head in enumerate(header):
            if "%" not in head:
                continue
            for row in table[1:]:
                if i < len(row) and NUMBER.fullmatch(row[i]) and not row[i].endswith("%"):
                    bad.append(f"{head}: {row[i]}")
    return bad


def card_problems(cards: KpiCards) -> list[str]:
    bad = []
    for name, card in zip(cards.names, cards.children, strict=True):
        value = plain(re.search(r'class="value">(.*?)</div>', card.value, flags=re.S).group(1))
        unit_match = re.search(r'class="unit">(.*?)</div>', card.value, flags=re.S)
        unit = plain(unit_match.group(1)) if unit_match else ""
        label = plain(re.search(r'class="label">(.*?)</div>', card.value, flags=re.S).group(1))
        share = KPI_UNITS.get(name) in ("fraction", "flag") or "%" in label
        if share and value != "–" and not PERCENT.fullmatch(value):
            bad.append(f"card {name}: a share shown as {value!r}")
        if any(f in unit for f in FORBIDDEN_UNITS) or unit.startswith("金额/") or unit == "金额" or "money" in unit:
            bad.append(f"card {name}: unit {unit!r}")
    return bad


def number_problems(text: str) -> list[str]:
    bad = [f"scientific {m.group()!r}" for m in SCIENTIFIC.finditer(text)]
    bad += [f"more than 2 decimals {m.group()!r}" for m in LONG_DECIMAL.finditer(text)]
    bad += [f"not grouped {m.group()!r}" for m in UNGROUPED.finditer(text)]
    bad += [f"unit {f!r}" for f in FORBIDDEN_UNITS if f in text]
    return bad


def all_cards(root) -> list[KpiCards]:
    found, stack = [], [root]
    while stack:
        w = stack.pop()
        if isinstance(w, KpiCards):
            found.append(w)
        stack.extend(getattr(w, "children", ()) or ())
    return found


def page_problems(app) -> list[str]:
    htmls, texts, boxes = page_texts(app.page)
    problems = []
    for markup in htmls:
        text = plain(markup)
        problems += [f"{p} in {text[:160]!r}" for p in number_problems(text)]
        problems += [f"% column {p}" for p in percent_columns(markup)]
    for text in texts:
        problems += [f"{p} in {text[:160]!r}" for p in number_problems(text)]
    for box in boxes:
        problems += [f"text box {m.group()!r}" for m in SCIENTIFIC.finditer(box)]
    for cards in all_cards(app.page):
        problems += card_problems(cards)
    return problems


BOUNDS = re.compile(r"(?:allowed from|允许范围) (\S+) (?:to|到) ([^\s.。]+(?:\.\d+)?)")
BOUND = re.compile(r"^-?(\d{1,4}|\d{1,3}(,\d{3})+)(\.\d*[1-9])?$")  # 1000 bare, 10,000 grouped; no .0


def validation_problems(app) -> list[str]:
    """Type a negative value into every number box of the page: the message's bounds read as typed (45, not 45.0)."""
    problems, stack = [], [app.page]
    while stack:
        w = stack.pop()
        stack.extend(getattr(w, "children", ()) or ())
        if not isinstance(w, NumberInput) or not _visible(w) or w.text.disabled:
            continue
        w.text.value = "-1"
        try:
            w.read()
        except DecisionError:
            pass
        else:
            continue  # a box that takes -1 shows no message
        for found in BOUNDS.finditer(w.message.text):
            problems += [f"bound {b!r} in {w.message.text!r}" for b in found.groups() if not BOUND.fullmatch(b)]
    return problems


def play_three_rounds(name: str):
    app = make(name)
    find_button, played, ready = ROUND_APPS[name]
    for _ in range(3):
        if ready is not None:
            ready(app)
        click(app, find_button(app))
    assert played(app) == 3, f"{name}: {app.notice.text}"
    return app


@pytest.mark.parametrize("name", sorted(ROUND_APPS))
def test_every_number_on_the_page_after_three_rounds_follows_the_formatter_in_both_languages(name):
    app = play_three_rounds(name)
    problems = {}
    for lang in (*reversed(LANGUAGES), *LANGUAGES):  # en_US, zh_CN, then both again after a switch back
        app.lang.code = lang
        found = page_problems(app)
        if found:
            problems[lang] = sorted(set(found))
    assert not problems, f"{name}: {problems}"
    for lang in LANGUAGES:
        app.lang.code = lang
        assert not validation_problems(app), f"{name} ({lang}): {validation_problems(app)}"
        assert not page_problems(app), f"{name} ({lang}) with the inputs' messages: {page_problems(app)}"


def test_the_scan_catches_what_it_is_meant_to():
    bad = widgets.VBox([
        widgets.HTML("<p>score = 100 × 2.261e+04 / 22610</p>"),
        widgets.HTML("<table><tr><th>Share %</th></tr><tr><td>0.26</td></tr></table>"),
        widgets.HTML("<p>allowed from 0 to 45.000</p>"),
        widgets.Text(value="2e+06"),
    ])  # fmt: skip

    class Fake:
        page = bad

    problems = " ".join(page_problems(Fake()))
    for expected in ("scientific '2.261e+04'", "not grouped '22610'", "Share %: 0.26", "more than 2 decimals",
                     "text box '2e+06'"):  # fmt: skip
        assert expected in problems, problems
    good = widgets.VBox([widgets.HTML("<p>score = 100 × 22,610 / 22,610 = 100.0, 94%, ¥5,488,548, year 2026</p>")])

    class Fine:
        page = good

    assert page_problems(Fine()) == []
