"""Pages never die: every preheated page opened after its kernel sat idle past the cell timeout renders.

Why this proves it for the real default (a 120 s cell timeout and any idle time): a preheated
kernel now waits for its visitor in the *wait cell* that :mod:`chansim.serve.kernels` puts in
front of the notebook, and that cell has no timeout at all (``CellTimeout`` returns None for
it whatever the configured timeout). The configured timeout applies only to the notebook's own
cells, which run after the visitor arrived. So the test shortens the timeout to 60 s and idles
75 s: before the fix the waiting cell ran under that same timeout and every page here died
with "Cell execution timed out" after 60 s, as it did after 120 s by default; the kernels are
the same processes before and after the idle (served live, not replaced).

A notebook that really hangs after the visitor arrived still ends with a clear message (the
timeout applies to it), not with a spinner forever.
"""

from __future__ import annotations

import json
import time

import pytest

from chansim.exercises.messages import CATALOGUE
from chansim.serve import ServeOptions
from tests.serve.live import copy_notebooks, free_port, serve, wait_until

# the page's own cells run under this limit once the visitor arrived: on the loaded 2-core CI
# machine a page's first cell has taken over 20 s, so the limit leaves room for that
TIMEOUT_SECONDS = 60
IDLE_SECONDS = 75
APPS = [
    "00-home.ipynb", "01-planning.ipynb", "02-recruitment.ipynb", "03-training.ipynb", "04-order-desk.ipynb",
    "05-beer-game.ipynb", "06-evaluation.ipynb",
]  # fmt: skip
HANG = "99-hang.ipynb"


def _hanging_notebook() -> str:
    cell = {"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [],
            "source": "import time\n\ntime.sleep(3600)"}  # fmt: skip
    return json.dumps({
        "cells": [cell], "nbformat": 4, "nbformat_minor": 5,
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
    })  # fmt: skip


@pytest.fixture(scope="module")
def idle_server(tmp_path_factory):
    folder = copy_notebooks(tmp_path_factory.mktemp("nb") / "notebooks", APPS)
    (folder / HANG).write_text(_hanging_notebook())
    options = ServeOptions(notebooks=folder, port=free_port(), timeout_seconds=TIMEOUT_SECONDS, max_kernels=30)
    log = tmp_path_factory.mktemp("log") / "server.log"
    with serve(options, log) as server:
        names = {*APPS, HANG}
        wait_until(lambda: names <= server.filled_pools(), 600, "every notebook's pool kernel")
        yield server


def test_pages_opened_after_the_old_limit_all_render_the_app(idle_server, browser):
    server = idle_server
    pool = server.kernels()
    assert len(pool) == len(APPS) + 1
    time.sleep(IDLE_SECONDS)  # idle past the cell timeout (60 s) with every pool kernel waiting
    assert server.kernels() == pool, "the pool kernels were replaced during the idle time"
    context = browser.new_context(locale="zh-CN")  # one browser: a closing tab's beacon gets out
    for name in APPS:
        page = context.new_page()
        response = page.goto(f"{server.url}/voila/render/{name}?lang=zh_CN", timeout=300_000)
        assert response is not None and response.status == 200
        page.wait_for_selector(".chansim-page", timeout=300_000)
        body = page.inner_text("body")
        assert "timed out" not in body and "Traceback" not in body, f"{name}: {body[:500]}"
        key = "app.exercises" if name == "00-home.ipynb" else "ui.home_link"  # the visitor's ?lang= reached it
        assert CATALOGUE.get(key, lang="zh_CN") in body, f"{name}: not in Chinese: {body[:300]}"
        page.close(run_before_unload=True)
        wait_until(lambda: len(server.kernels()) <= len(pool), 120, f"{name}: the closed tab's kernel to stop")
    context.close()
    assert "Cell execution timed out" not in server.log()


def test_a_page_whose_kernel_hangs_ends_with_a_clear_message(idle_server, browser):
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{idle_server.url}/voila/render/{HANG}", timeout=120_000)
    page.wait_for_selector("text=took too long", timeout=TIMEOUT_SECONDS * 1000 + 90_000)
    assert page.is_hidden("#loading")  # no spinner left
    assert "tell the trainer" in page.inner_text("body")
    page.close(run_before_unload=True)
    context.close()
