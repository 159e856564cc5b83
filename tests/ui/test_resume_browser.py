"""Every page resumable, in Chromium against a live ``chansim serve --store`` (issue 9, the required resume test).

A trainee joins on the home page, plays 3 weeks of the beer game and 1 week of the order
desk; then the beer game page is reloaded, left by the home link and opened again from the
home page, its kernel is killed (``os.kill``) and the page reloaded, and the whole server is
restarted: each time the page shows the same round and the same numbers. The server is the
real command (``chansim serve``, preheated kernels as in class); the store a temp SQLite file.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time

import pytest

from chansim.store import Store
from tests.ui.conftest import ARTIFACTS, NOTEBOOKS, ROOT, _free_port, shot, type_into, wait_changed

BEER = "05-beer-game.ipynb"
#: what must be the same after every way of coming back (CSS selectors of the beer game page)
#: how long a page may take to load: generous, for a machine loaded far beyond its cores (a wait, not a claim)
LOAD_MS = 300_000
SAME = (".chansim-round", ".chansim-week-title", ".chansim-week", ".chansim-kpis", ".chansim-score", ".chansim-saved")


class Server:
    """``chansim serve`` in a child process (its kernels are its children), startable again on the same port."""

    def __init__(self, tmp_path) -> None:
        self.port = _free_port()
        self.db = tmp_path / "class.db"
        self.log_path = tmp_path / "serve.log"
        self.proc: subprocess.Popen | None = None
        self.starts = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.starts += 1
        log = open(self.log_path, "a")  # noqa: SIM115 - the child holds it
        env = {**os.environ, "PYTHONPATH": str(ROOT), "MPLBACKEND": "Agg", "CHANSIM_BUSY_SETTLE_SECONDS": "3600"}
        cmd = [sys.executable, "-c", "from chansim.cli import cli; cli()", "serve", "--port", str(self.port),
               "--notebooks", str(NOTEBOOKS), "--store", f"sqlite:///{self.db}"]  # fmt: skip
        self.proc = subprocess.Popen(cmd, cwd=str(ROOT), stdout=log, stderr=subprocess.STDOUT, env=env)
        log.close()
        end = time.monotonic() + 120
        while time.monotonic() < end:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            if self.proc.poll() is not None:
                pytest.fail(f"chansim serve exited: {self.log_path.read_text()[-3000:]}")
            time.sleep(0.2)
        pytest.fail("chansim serve did not listen within 120 s")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=30)
        self.proc = None

    def kernel_pid(self, kernel_id: str) -> int:
        """The process of the kernel ``kernel_id`` (a child of the server)."""
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/cmdline", "rb") as f:
                    cmdline = f.read().decode(errors="replace")
            except OSError:
                continue
            if f"kernel-{kernel_id}.json" in cmdline:
                return int(entry)
        raise AssertionError(f"no process for kernel {kernel_id}")


@pytest.fixture
def server(chromium_path, tmp_path):
    server = Server(tmp_path)
    server.start()
    yield server
    server.stop()
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "resume-serve.log").write_text(server.log_path.read_text(errors="replace"))


def ready(page, *selectors: str) -> None:
    page.wait_for_selector(".chansim-page", timeout=LOAD_MS)
    for selector in selectors:
        page.wait_for_selector(selector, timeout=LOAD_MS)


def numbers(page) -> dict[str, str]:
    page.wait_for_function(
        "() => { const s = document.querySelector('.chansim-saved'); return s && s.innerText.includes('✓'); }",
        timeout=60_000,
    )
    return {selector: page.inner_text(selector) for selector in SAME}


def kernel_id(page) -> str:
    """The kernel of a Voilà page (in its page config)."""
    found = re.search(r'"kernelId":\s*"([0-9a-f-]{36})"', page.content())
    assert found, "the page names no kernel"
    return found.group(1)


def open_beer(page, server: Server) -> None:
    page.goto(f"{server.url}/voila/render/{BEER}?lang=en_US", timeout=LOAD_MS)
    ready(page, ".chansim-order-input", ".chansim-saved")


def test_join_play_and_resume_after_reload_home_kernel_kill_and_server_restart(server, browser) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 1000}, locale="en-US")
    page = context.new_page()
    try:
        # join on the home page
        page.goto(f"{server.url}/voila/render/00-home.ipynb?lang=en_US", timeout=LOAD_MS)
        ready(page, "form.chansim-join")
        page.fill("input.chansim-join-name", "Ada Lovelace")
        page.fill("input.chansim-join-pin", "4711")
        page.click("button.chansim-join-button")
        ready(page, ".chansim-playing-as")
        assert page.inner_text(".chansim-playing-as") == "Playing as Ada Lovelace"
        cookie = next(c for c in context.cookies() if c["name"] == "chansim_trainee")
        assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
        shot(page, "resume-home-joined")

        # 3 weeks of the beer game, from the home page's card
        page.click(".chansim-exercise[data-exercise='beer_game'] a")
        ready(page, ".chansim-order-input", ".chansim-saved")
        assert "saved ✓ round 0" in page.inner_text(".chansim-saved")
        for qty in ("4", "8", "12"):
            type_into(page, "chansim-order-input", qty)
            status = page.inner_text(".chansim-status")
            page.click(".chansim-advance")
            wait_changed(page, ".chansim-status", status)
        page.wait_for_function(
            "() => document.querySelector('.chansim-saved').innerText.includes('saved ✓ round 3')", timeout=60_000
        )
        played = numbers(page)
        assert "Round 4 of 36" in played[".chansim-round"] and played[".chansim-kpis"].count("–") < 6
        shot(page, "resume-beer-week-4")

        # 1 week of the order desk
        page.goto(f"{server.url}/voila/render/04-order-desk.ipynb?lang=en_US", timeout=LOAD_MS)
        ready(page, ".chansim-autoplay", ".chansim-saved")
        type_into(page, "chansim-autoplay-weeks", "1")
        page.click(".chansim-autoplay")
        page.wait_for_function(
            "() => document.querySelector('.chansim-saved').innerText.includes('saved ✓ round 1')"
            " && document.querySelector('.chansim-round').innerText.includes('Round 2 of 12')",
            timeout=60_000,
        )
        # the saved mark and the round header are separate widgets: wait for both, the header can lag
        desk = page.inner_text(".chansim-round")

        # 1. reload
        open_beer(page, server)
        page.reload(timeout=LOAD_MS)
        ready(page, ".chansim-order-input", ".chansim-saved")
        assert numbers(page) == played, "a reload did not resume the game"

        # 2. the home link, then back from the home page
        page.click(".chansim-home-link")
        ready(page, ".chansim-playing-as", ".chansim-games")
        games = page.inner_text(".chansim-games")
        assert "The beer game" in games and "3 of 36" in games and "1 of 12" in games
        page.click(".chansim-exercise[data-exercise='beer_game'] a")
        ready(page, ".chansim-order-input", ".chansim-saved")
        assert numbers(page) == played, "coming back from the home page did not resume the game"

        # 3. the page's kernel killed, then a reload
        os.kill(server.kernel_pid(kernel_id(page)), signal.SIGKILL)
        page.reload(timeout=LOAD_MS)
        ready(page, ".chansim-order-input", ".chansim-saved")
        assert numbers(page) == played, "a killed kernel lost the game"

        # 4. the server restarted
        server.stop()
        server.start()
        page.reload(timeout=LOAD_MS)
        ready(page, ".chansim-order-input", ".chansim-saved")
        assert numbers(page) == played, "a restarted server lost the game"
        shot(page, "resume-beer-after-restart")
        page.goto(f"{server.url}/voila/render/04-order-desk.ipynb?lang=en_US", timeout=LOAD_MS)
        ready(page, ".chansim-autoplay", ".chansim-saved")
        page.wait_for_function("() => document.querySelector('.chansim-saved').innerText.includes('✓')")
        from playwright.sync_api import TimeoutError as PlaywrightTimeout

        try:  # the header may lag the saved mark by a message; a game that did not resume never gets there
            page.wait_for_function(
                "d => document.querySelector('.chansim-round').innerText === d", arg=desk, timeout=15_000
            )
        except PlaywrightTimeout:
            pass
        assert page.inner_text(".chansim-round") == desk

        # the next week goes on from there, and the store has each week once
        open_beer(page, server)
        type_into(page, "chansim-order-input", "6")
        status = page.inner_text(".chansim-status")
        page.click(".chansim-advance")
        assert wait_changed(page, ".chansim-status", status) == "Week 4: you ordered 6 cases."
        with Store.open(f"sqlite:///{server.db}") as store:
            (ada,) = store.trainees()
            beer = [g for _, g in store.workshop_games(exercise="beer-game")]
            assert ada.name == "Ada Lovelace" and len(beer) == 1
            assert [d["order"] for d in beer[0].log["decisions"]] == [4, 8, 12, 6]
        assert "Traceback" not in page.inner_text("body")
    finally:
        context.close()
