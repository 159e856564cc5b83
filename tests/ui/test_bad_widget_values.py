"""Every number box of every app: a bad value gets an inline message naming the field, never a traceback,
and the game does not move (nothing already played is lost)."""

from __future__ import annotations

import importlib

import ipywidgets as widgets
import pytest

from chansim.ui.widgets import NumberInput
from tests.ui.conftest import click

BAD = ["", "-1", "abc", "1e12"]


def number_inputs(widget) -> list[NumberInput]:
    found, stack = [], [widget]
    while stack:
        w = stack.pop()
        if isinstance(w, NumberInput):
            found.append(w)
        if isinstance(w, widgets.Box):
            stack.extend(w.children)
    return found


def _recruitment_ready(page) -> None:
    click(page, page.rank_button)


#: app -> (the action that reads the boxes, how far the game has got, how to get the page ready)
SPECS = {
    "beer_game": (lambda p: click(p, p.controls.advance), lambda p: p.exercise.round, None),
    "order_desk": (lambda p: click(p, p.controls.advance), lambda p: p.exercise.round, None),
    "training": (lambda p: click(p, p.controls.advance), lambda p: p.exercise.round, None),
    "evaluation": (  # its number box is the seed of a new game
        lambda p: click(p, p.new_game),
        lambda p: (p.exercise.seed, p.exercise.round),
        None,
    ),
    "planning": (lambda p: click(p, p.simulate), lambda p: len(p.exercise.outcomes), None),
    "recruitment": (lambda p: click(p, p.reveal_button), lambda p: p.exercise.round, _recruitment_ready),
}


@pytest.mark.parametrize("name", sorted(SPECS))
def test_bad_values_in_every_number_box_are_refused_inline(name):
    act, progress, ready = SPECS[name]
    page = importlib.import_module(f"chansim.ui.apps.{name}").app("en_US")
    if ready is not None:
        ready(page)
    boxes = [box for box in number_inputs(page.page) if "autoplay" not in " ".join(box.text._dom_classes)]
    assert boxes, f"{name}: no number boxes found"
    checked = 0
    for box in boxes:
        good = box.value
        for bad in BAD:
            box.value = bad
            before = progress(page)
            act(page)  # must not raise
            if box.message.text:  # this box was read by the action: it must say what is wrong
                assert box.field in box.message.text, box.message.text
                assert progress(page) == before, f"{name}: the game moved on a bad value in {box.field}"
                checked += 1
        box.value = good
    assert checked >= 1, f"{name}: no bad value was reported inline"
