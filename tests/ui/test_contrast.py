"""Every rendered page in Chromium: WCAG AA contrast of its controls and labels, and a 375 px phone width.

Contrast: for every visible, enabled button, text box, dropdown, label, link and notice of the page,
the WCAG 2 contrast ratio of its computed text colour against its background (the first ancestor
with an opaque background, the colours blended by their alpha) must be at least 4.5:1. Disabled
controls are exempt (WCAG 1.4.3). Then at 375 px wide nothing of the page may stick out
horizontally: every element ends inside the window (or inside a wide table's own scrolling box), and
no row of widgets is wider than its box.
"""

from __future__ import annotations

import pytest

from tests.ui.conftest import NOTEBOOKS, shot

CONTRAST = r"""
() => {
  const parse = c => { const m = c.match(/rgba?\(([^)]+)\)/); if (!m) return [0, 0, 0, 0];
    const p = m[1].split(/[ ,\/]+/).filter(Boolean).map(Number); return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1]; };
  const blend = (top, under) => { const a = top[3];
    return [0, 1, 2].map(i => top[i] * a + under[i] * (1 - a)).concat([1]); };
  const lum = c => { const v = c.slice(0, 3).map(x => { x /= 255; return x <= 0.03928 ? x / 12.92 : Math.pow((x + 0.055) / 1.055, 2.4); });
    return 0.2126 * v[0] + 0.7152 * v[1] + 0.0722 * v[2]; };
  const background = el => { const layers = [];
    for (let e = el; e; e = e.parentElement) { const b = parse(getComputedStyle(e).backgroundColor);
      if (b[3] > 0) { layers.push(b); if (b[3] >= 1) break; } }
    let c = [255, 255, 255, 1]; for (let i = layers.length - 1; i >= 0; i--) c = blend(layers[i], c); return c; };
  const sel = ".chansim-page button, .chansim-page input:not([type=checkbox]), .chansim-page select, "
    + ".chansim-page label, .chansim-page a, .chansim-page [class*=chansim-notice-], .chansim-page .chansim-card .label, "
    + ".chansim-page .chansim-card .unit, .chansim-page .widget-label, .chansim-page th, .chansim-page td";
  const out = [];
  for (const el of document.querySelectorAll(sel)) {
    const r = el.getBoundingClientRect(), s = getComputedStyle(el);
    if (r.width < 2 || r.height < 2 || s.visibility === "hidden" || el.closest("[hidden]")) continue;
    if (el.disabled || el.closest(".chansim-sr-label label > span, .chansim-sr-label .widget-label") === el) continue;
    if (!(el.innerText || el.value || "").trim()) continue;
    const bg = background(el), fg = blend(parse(s.color), bg);
    const [a, b] = [lum(fg), lum(bg)];
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    out.push({ratio: Math.round(ratio * 100) / 100, tag: el.tagName, cls: String(el.className).slice(0, 80),
              text: (el.innerText || el.value || "").trim().slice(0, 40), color: s.color, bg: "rgb(" + bg.slice(0, 3).join(",") + ")"});
  }
  return out;
}
"""  # noqa: E501

OVERFLOW = r"""
() => {
  const width = window.innerWidth, bad = [];
  // a wide table may scroll inside its own box (an HTML widget's content, the table); nothing else may
  const scroller = e => e.tagName === "TABLE" || e.classList.contains("widget-html-content")
    || e.classList.contains("widget-gridbox");
  const inScroller = el => { for (let e = el.parentElement; e && !e.classList.contains("chansim-page"); e = e.parentElement) {
      if (scroller(e) && e.getBoundingClientRect().right <= width + 1) return true; }
    return false; };
  const name = el => el.tagName + "." + String(el.className).split(" ").filter(c => c.startsWith("chansim") || c.startsWith("widget")).join(".");
  for (const el of document.querySelectorAll(".chansim-page, .chansim-page *")) {
    const r = el.getBoundingClientRect(), s = getComputedStyle(el);
    if (r.width === 0 || r.height === 0 || s.position === "absolute" || el.closest(".chansim-sr-label label > span")) continue;
    if (r.right > width + 1 && !inScroller(el)) bad.push({el: name(el), right: Math.round(r.right)});
    // a row of widgets wider than its box (the box then scrolls or hides part of it)
    if (el.classList.contains("widget-box") && !scroller(el) && el.scrollWidth > el.clientWidth + 1)
      bad.push({el: name(el), scrollWidth: el.scrollWidth, clientWidth: el.clientWidth,
                children: Array.from(el.children).map(c => name(c) + ":" + Math.round(c.getBoundingClientRect().width))});
  }
  return {bad: bad.slice(0, 8), count: bad.length, width};
}
"""  # noqa: E501


@pytest.mark.parametrize("notebook", sorted(p.name for p in NOTEBOOKS.glob("*.ipynb")))
def test_contrast_and_a_375px_phone(open_page, notebook: str) -> None:
    page = open_page(notebook, "en_US")
    page.wait_for_selector(".chansim-page button", timeout=120_000)
    page.wait_for_timeout(500)  # the last widgets of the page drawn
    found = page.evaluate(CONTRAST)
    assert len(found) >= 3, f"the check found almost nothing to measure: {found}"
    low = [f for f in found if f["ratio"] < 4.5]
    assert not low, f"{notebook}: contrast under 4.5:1: {low[:6]}"
    # the same page on a phone
    page.set_viewport_size({"width": 375, "height": 800})
    page.wait_for_timeout(500)
    shot(page, f"phone-{notebook.removesuffix('.ipynb')}")
    result = page.evaluate(OVERFLOW)
    assert result["count"] == 0, f"{notebook}: at 375 px these stick out: {result}"
