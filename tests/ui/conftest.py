"""Fixtures of the UI tests: headless notebook runs (nbclient) and Voilà in Debian's Chromium.

Browser tests need ``/usr/bin/chromium`` (``apt-get install chromium``; ``.ci/run`` does it)
and the Python ``playwright`` package; Playwright's own browser download is never used.
Without Chromium they fail under ``CI=true`` and are skipped elsewhere, with that reason.
"""

from __future__ import annotations

import json
import os
import pathlib
import socket
import subprocess
import time

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
ARTIFACTS = ROOT / "test-artifacts"


def run_notebook(name: str, driver: str = "", *, timeout: int = 180) -> dict:
    """Execute ``notebooks/name`` headless, then ``driver`` (code using the notebook's names).

    The driver reports by printing one JSON object on its last line, e.g.
    ``print(json.dumps({...}))``; that object is returned. Cell errors raise
    ``nbclient.exceptions.CellExecutionError`` with the traceback.
    """
    import nbclient
    import nbformat

    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert not cell.get("outputs"), f"{name}: commit notebooks with outputs cleared"
    if driver:
        nb.cells.append(nbformat.v4.new_code_cell("import json\n" + driver))
    client = nbclient.NotebookClient(
        nb, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOKS)}}
    )
    client.execute()
    if not driver:
        return {}
    lines = [
        out.get("text", "")
        for out in nb.cells[-1].get("outputs", [])
        if out.get("output_type") == "stream" and out.get("name") == "stdout"
    ]
    text = "".join(lines).strip().splitlines()
    assert text, f"{name}: the driver cell printed nothing"
    return json.loads(text[-1])


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def voila_url(chromium_path, tmp_path_factory) -> str:
    """Voilà serving notebooks/ on 127.0.0.1 (one server per test worker); yields its base URL."""
    port = _free_port()
    logdir = tmp_path_factory.mktemp("voila")
    log = open(logdir / "voila.log", "w")  # noqa: SIM115 - closed below
    from chansim.serve import ServeOptions, voila_command

    # the options of `chansim serve`, without preheated kernels (one kernel per page is
    # enough here) and with tracebacks shown so that a failing cell fails the test
    options = ServeOptions(notebooks=NOTEBOOKS, port=port, preheat=False, show_tracebacks=True)
    # a click is taken only once the browser has acknowledged the last step (chansim.ui.widgets.Busy):
    # with the time fallback out of reach, every browser test proves that acknowledgement works
    env = {**os.environ, "MPLBACKEND": "Agg", "CHANSIM_BUSY_SETTLE_SECONDS": "3600"}
    proc = subprocess.Popen(voila_command(options), cwd=str(ROOT), stdout=log, stderr=subprocess.STDOUT, env=env)
    try:
        end = time.monotonic() + 60
        while time.monotonic() < end:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            if proc.poll() is not None:
                pytest.fail(f"voila exited: {(logdir / 'voila.log').read_text()[-2000:]}")
            time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
        ARTIFACTS.mkdir(exist_ok=True)
        worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
        (ARTIFACTS / f"voila-{worker}.log").write_text((logdir / "voila.log").read_text(errors="replace"))


@pytest.fixture
def open_page(browser, voila_url):
    """``open_page(notebook, lang)``: a page of the notebook rendered by Voilà in ``lang``, widgets shown.

    Fails the test when the page shows a traceback or an error output.
    """
    pages = []

    def _open(notebook: str, lang: str = "en_US"):
        from playwright.sync_api import TimeoutError as PlaywrightTimeout

        url = f"{voila_url}/voila/render/{notebook}?lang={lang}"
        for attempt in (1, 2):
            page = browser.new_page(viewport={"width": 1280, "height": 1000}, locale=lang.replace("_", "-"))
            pages.append(page)
            try:
                response = page.goto(url, timeout=90_000)
                if response is not None and response.status == 503 and attempt == 1:
                    # the per-client kernel cap: a page closed a moment ago still holds its kernel
                    # (the server waits a few seconds for its beacon); no point waiting 90 s
                    pages.remove(page)
                    page.close()
                    time.sleep(5)
                    continue
                page.wait_for_selector(".chansim-page", timeout=90_000)
                return page
            except PlaywrightTimeout:
                # Seen now and then when the full suite loads both cores: Voila never finished
                # one page (its kernel start stalled). One more try on a fresh page; a page
                # that fails twice fails the test, with the server log in test-artifacts/.
                if attempt == 2:
                    raise
                # the abandoned page is not the one the test uses: its late "Kernel died"
                # (Voila gives up on the stalled kernel) must not fail the teardown check
                pages.remove(page)
                leave(page)
        raise AssertionError("unreachable")

    yield _open
    for page in pages:
        text = page.inner_text("body")
        stderr = page.locator(".jp-RenderedText[data-mime-type='application/vnd.jupyter.stderr']").all_inner_texts()
        leave(page)
        assert "Traceback" not in text, "the page shows a traceback"
        assert not stderr, f"the page shows error output: {stderr[:3]}"


def leave(page) -> None:
    """Close ``page`` as a trainee leaves a tab: its unload beacon frees the kernel at once.

    The server caps kernels per client and every test page comes from 127.0.0.1: a kernel
    left to the culler holds a place for a minute. Closing a page Playwright opened with
    ``browser.new_page()`` closes its context before the beacon leaves (measured: no
    shutdown), so the page first navigates away, which sends it.
    """
    try:
        page.goto("about:blank", timeout=30_000)
    except Exception:  # noqa: BLE001 - a page already gone has no kernel to free
        pass
    page.close()


def shot(page, name: str) -> pathlib.Path:
    """Save a full-page screenshot as test-artifacts/<name>.png."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    # Voila's lab template scrolls inside a container, so a "full page" is only the viewport:
    # grow the viewport to the app's height for the picture, then restore it
    size = page.viewport_size
    height = page.evaluate("() => (document.querySelector('.chansim-page') || document.body).scrollHeight + 200")
    page.set_viewport_size({"width": size["width"], "height": max(size["height"], min(int(height), 6000))})
    page.screenshot(path=str(path), full_page=True)
    page.set_viewport_size(size)
    return path


def wait_changed(page, selector: str, old: str, timeout: float = 60_000) -> str:
    """Wait until the inner text of ``selector`` differs from ``old``; return the new text."""
    page.wait_for_function(
        "([sel, old]) => { const e = document.querySelector(sel); return e && e.innerText !== old; }",
        arg=[selector, old],
        timeout=timeout,
    )
    return page.inner_text(selector)


def type_into(page, css: str, text: str, index: int = 0) -> None:
    """Type ``text`` into the text box carrying CSS class ``css`` and commit it (its ``change`` event).

    Not with Enter: in the beer game's order box Enter plays the week (``NumberInput.on_submit``).
    """
    box = page.locator(f".{css} input").nth(index)
    box.fill(text)
    box.dispatch_event("change")


def click(app, button) -> None:
    """Click ``button`` of ``app`` as a trainee does: after the browser has seen the last step.

    The browser acknowledges each finished step (:class:`chansim.ui.widgets.Busy`) before the
    trainee can click again; a click without that acknowledgement is the second half of a
    double click, queued while the step ran, and is dropped. Plain ``button.click()`` twice
    in a row is that double click. A button that throws work away (:class:`~chansim.ui.widgets.ConfirmButton`)
    is clicked twice, as a trainee confirms it.
    """
    from chansim.ui.widgets import ConfirmButton

    if isinstance(button, ConfirmButton) and not button.armed:  # reset, clear: the first click asks
        app.busy.acknowledge()
        button.click()
    app.busy.acknowledge()
    button.click()
