"""Each exercise played for a whole round in Chromium with the keyboard alone: Tab, Shift+Tab, Space, Enter, digits.

No mouse: the test moves the focus with Tab until the control it wants has it, checks that the
focused control shows a visible focus ring (an outline of at least 2 px), then presses Enter or
Space. A round is played when the round counter (or, for planning, the status) has changed.
"""

from __future__ import annotations

import pytest

from tests.ui.conftest import shot

FOCUSED = """sel => { const a = document.activeElement; return !!(a && a.closest(sel)); }"""
RING = """() => { const a = document.activeElement; const s = getComputedStyle(a);
  return {style: s.outlineStyle, width: parseFloat(s.outlineWidth) || 0, tag: a.tagName}; }"""


def tab_to(page, selector: str, limit: int = 250) -> None:
    """Press Tab until the focus is inside ``selector`` (fails after ``limit`` presses)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(FOCUSED, selector):
            ring = page.evaluate(RING)
            assert ring["style"] != "none" and ring["width"] >= 2, f"no visible focus ring on {selector}: {ring}"
            return
    raise AssertionError(f"Tab never reached {selector}")


def round_text(page) -> str:
    return page.inner_text(".chansim-round") if page.locator(".chansim-round").count() else ""


def wait_round(page, before: str, status: str) -> None:
    page.wait_for_function(
        """([before, status]) => {
             const r = document.querySelector('.chansim-round'), s = document.querySelector('.chansim-status');
             return (r ? r.innerText !== before : true) && s && s.innerText !== status; }""",
        arg=[before, status],
        timeout=180_000,
    )


def type_number(page, selector: str, text: str) -> None:
    tab_to(page, f"{selector} input")
    page.keyboard.press("Control+A")
    page.keyboard.type(text)  # the next Tab leaves the box and so commits it (continuous_update off)


# the round of each exercise: (notebook, ready selector, keystrokes as (kind, selector, text))
ROUNDS = {
    "planning": ("01-planning.ipynb", ".chansim-simulate", [("press", ".chansim-simulate", "Enter")]),
    "recruitment": (
        "02-recruitment.ipynb", ".chansim-rank",
        [("press", ".chansim-choose-0", "Space"), ("press", ".chansim-reveal", "Enter")],
    ),
    "training": ("03-training.ipynb", ".chansim-seats-0 input",
                 [("type", ".chansim-seats-0", "2"), ("press", ".chansim-advance", "Enter")]),
    "order-desk": ("04-order-desk.ipynb", ".chansim-advance", [("press", ".chansim-advance", "Enter")]),
    "beer-game": ("05-beer-game.ipynb", ".chansim-order-input input",
                  [("type", ".chansim-order-input", "4"), ("press", ".chansim-advance", "Space")]),
    "evaluation": ("06-evaluation.ipynb", ".chansim-advance", [("press", ".chansim-advance", "Enter")]),
}  # fmt: skip


@pytest.mark.parametrize("exercise", list(ROUNDS))
def test_a_whole_round_with_the_keyboard_only(open_page, exercise: str) -> None:
    notebook, ready, keys = ROUNDS[exercise]
    page = open_page(notebook, "en_US")
    page.wait_for_selector(ready, timeout=120_000)
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    before, status = round_text(page), page.inner_text(".chansim-status")
    for kind, selector, text in keys:
        if kind == "type":
            type_number(page, selector, text)
        else:
            tab_to(page, selector)
            page.keyboard.press(text)
            if selector.startswith(".chansim-choose"):
                assert page.locator(f"{selector} input").is_checked(), "Space did not tick the checkbox"
    wait_round(page, before, status)
    after = page.inner_text(".chansim-status")
    assert (
        "Something went wrong" not in after and page.locator(".chansim-input-error .chansim-notice-error").count() == 0
    )
    if before:
        assert round_text(page) != before
    shot(page, f"keyboard-{exercise}")
