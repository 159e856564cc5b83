"""Test-wide settings: no test reads or writes the user's own chansim store.

``chansim serve`` and the pages store decisions in ``$CHANSIM_STORE``, else in
``$XDG_DATA_HOME/chansim/chansim.db`` (``~/.local/share``). A test that starts a server or
builds an app without naming a store would otherwise use (and migrate) the real file of
whoever runs the suite. Each test process gets a data folder of its own instead; tests of
the default location set these variables themselves with ``monkeypatch``.
"""

from __future__ import annotations

import os
import shutil
import tempfile

import pytest

_DATA_HOME = tempfile.mkdtemp(prefix="chansim-test-data-")
os.environ["XDG_DATA_HOME"] = _DATA_HOME
os.environ.pop("CHANSIM_STORE", None)


def pytest_unconfigure(config: object) -> None:
    shutil.rmtree(_DATA_HOME, ignore_errors=True)


# ------------------------------------------------------------------------- one Chromium
# Playwright's sync API runs its own event loop: a second sync_playwright() in the same
# process while the first is open fails ("Sync API inside the asyncio loop"). Every browser
# test of a test process therefore shares this one session browser.
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip


@pytest.fixture(scope="session")
def chromium_path() -> str:
    """Debian's Chromium (never Playwright's own download): fails under CI when missing, else skips."""
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing: .ci/run must apt-get install chromium")
        pytest.skip(f"browser tests need Debian's Chromium at {CHROMIUM} (apt-get install chromium)")
    try:
        import playwright  # noqa: F401
    except ImportError:
        pytest.fail("the playwright package is missing: it is in the test extra of pyproject.toml")
    return CHROMIUM


@pytest.fixture(scope="session")
def browser(chromium_path):
    """The test process's one headless Chromium, through Playwright."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()
