"""Capacity of one ``chansim serve``: N trainees in Chromium join and play rounds at the same time.

Run: ``python benchmarks/capacity.py --n 10,30,50`` (needs the test extra, Playwright's Python
package and /usr/bin/chromium; never ``playwright install``).

For every N (and first for N = 1, the baseline every latency is divided by) a fresh
``chansim serve`` is started on a free port, in a temporary directory (its store, if the
server has one, lives there and is deleted afterwards), preheated as ``chansim serve``
serves by default, with kernel caps big enough for the run when the server has
``--max-kernels*`` options. Once its preheated kernels are idle, N trainees (one Chromium
context each, all in ONE Chromium; at most ``--concurrency`` of them loading a page or
waiting for a step at the same moment) each:

1. open the home page and, when it has a join form (``/chansim/join``), give a name;
2. open the beer game and play ``--beer-rounds`` weeks (order typed, "advance" clicked);
3. open the order desk and play ``--desk-rounds`` week(s).

Measured: *page ready* (``goto`` until ``.chansim-page`` is visible), *step* (the click
until the status line changes: what a trainee waits for), failed pages (a timeout, a
"class full" page, an execution-timeout page, a traceback) and failed steps; every two
seconds the memory (``/proc/<pid>/smaps_rollup``: RSS and USS = Private_Clean +
Private_Dirty) of the server process tree, split into kernels (``ipykernel``) and the rest
(the server). *Memory per trainee* is the sum over the kernels at the end of the run (all
N trainees still connected) divided by N; the peak is printed too. The preheated pool
kernels are part of the sum.

``--leave unload`` (default) leaves a page by navigating to the next one, as a trainee
does: whether the left page's kernel is freed is up to the server (that is what is
measured). ``--leave shutdown`` also asks Voilà to shut the left page's kernel down (its
``/voila/api/shutdown/<id>``, with the page's XSRF cookie), as a fixed page would: it
bounds the memory of a run against a server that does not free kernels.

A memory guard (``--min-available-gib``, default 3) stops starting trainees and opening
pages when the machine's MemAvailable falls below it; the run then says so. The table
prints, for each N, the memory figures, p50/p95 of page ready and step (and their ratio
to N = 1), the failures, and at the end the first N whose run had a failed page or a p95
step over 1 s. Latencies are wall-clock: on a shared machine they are indicative; memory
figures are not affected by the load.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
HOME, BEER, DESK = "00-home.ipynb", "05-beer-game.ipynb", "04-order-desk.ipynb"
NOTEBOOK_COUNT = 7
STEP_TARGET_S = 1.0
FAILED_PAGE_TEXTS = ("Cell execution timed out", "Traceback", "class is full", "Class full")


# ---------------------------------------------------------------------------------- processes
def _children() -> dict[int, list[int]]:
    kids: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                stat = fh.read()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        kids.setdefault(ppid, []).append(int(entry))
    return kids


def process_tree(root: int) -> list[int]:
    """``root`` and all its descendants."""
    kids, out, todo = _children(), [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(kids.get(pid, []))
    return out


def _cmdline(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            return fh.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def _memory(pid: int) -> tuple[float, float]:
    """RSS and USS of ``pid`` in MiB (0, 0 when it is gone)."""
    fields: dict[str, int] = {}
    try:
        with open(f"/proc/{pid}/smaps_rollup") as fh:
            for line in fh:
                parts = line.split()
                if len(parts) >= 2 and parts[1].isdigit():
                    fields[parts[0].rstrip(":")] = int(parts[1])
    except OSError:
        return 0.0, 0.0
    return fields.get("Rss", 0) / 1024, (fields.get("Private_Clean", 0) + fields.get("Private_Dirty", 0)) / 1024


def _cpu_seconds(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            parts = fh.read().rsplit(")", 1)[1].split()
        return (int(parts[11]) + int(parts[12])) / os.sysconf("SC_CLK_TCK")
    except OSError:
        return 0.0


def _cpu_with_children(pid: int) -> float:
    """CPU seconds of ``pid`` and of its children it has reaped (kernels already shut down)."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            parts = fh.read().rsplit(")", 1)[1].split()
        return sum(int(v) for v in parts[11:15]) / os.sysconf("SC_CLK_TCK")
    except OSError:
        return 0.0


@dataclass
class CpuSample:
    server: float  # the server process itself (Tornado: HTTP, websockets, page rendering)
    kernels: float  # live kernels + the kernels the server has reaped
    client: float  # this benchmark's other children: Chromium and Playwright's driver


def sample_cpu(server_pid: int) -> CpuSample:
    """Cumulative CPU seconds of the server, its kernels and the client side (Chromium) of this run."""
    tree = set(process_tree(server_pid))
    kernels = sum(_cpu_seconds(p) for p in tree if p != server_pid)
    try:
        with open(f"/proc/{server_pid}/stat") as fh:
            parts = fh.read().rsplit(")", 1)[1].split()
        tick = os.sysconf("SC_CLK_TCK")
        own = (int(parts[11]) + int(parts[12])) / tick
        reaped = (int(parts[13]) + int(parts[14])) / tick
    except OSError:
        own = reaped = 0.0
    client = sum(_cpu_with_children(p) for p in process_tree(os.getpid()) if p not in tree and p != os.getpid())
    return CpuSample(own, kernels + reaped, client)


def mem_available_gib() -> float:
    with open("/proc/meminfo") as fh:
        for line in fh:
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) / 2**20
    return float("inf")


@dataclass
class MemorySample:
    kernels: int
    kernel_rss: float
    kernel_uss: float
    server_rss: float
    server_uss: float


def sample_memory(server_pid: int) -> MemorySample:
    kernels = rss = uss = srss = suss = 0.0
    count = 0
    for pid in process_tree(server_pid):
        r, u = _memory(pid)
        if "ipykernel" in _cmdline(pid):
            count += 1
            rss, uss = rss + r, uss + u
        else:
            srss, suss = srss + r, suss + u
    kernels = count
    return MemorySample(int(kernels), rss, uss, srss, suss)


# ---------------------------------------------------------------------------------- the server
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _env() -> dict[str, str]:
    env = dict(os.environ)
    rest = [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p and Path(p).resolve() != ROOT]
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), *rest])
    return env


_SERVE = [sys.executable, "-c", "import sys; from chansim.cli import main; sys.argv[0] = 'chansim'; main()", "serve"]


def serve_help() -> str:
    out = subprocess.run([*_SERVE, "--help"], capture_output=True, text=True, env=_env(), cwd=ROOT, timeout=120)
    return out.stdout


def serve_extra_options(help_text: str, n: int, workdir: Path) -> list[str]:
    """Options the server may have (caps, store): big enough caps, a store in ``workdir``."""
    opts: list[str] = []
    names = set(re.findall(r"(--[a-z][a-z0-9-]+)", help_text))
    big = str(max(4 * n + 2 * NOTEBOOK_COUNT, 16))
    for name in sorted(names):
        if name.startswith("--max-kernels") or name in ("--max-kernels-per-client", "--kernels-per-client"):
            opts += [name, big]
        elif re.fullmatch(r"--(store|db|database)(-url|-file|-path)?", name):
            db = workdir / "chansim-store.db"
            takes_url = name.endswith("url") or re.search(rf"{name}\s+URL", help_text) is not None
            opts += [name, f"sqlite:///{db}" if takes_url else str(db)]
    return opts


@dataclass
class Server:
    proc: subprocess.Popen
    base: str
    query: str  # "token=..." or ""
    workdir: Path
    log: Path
    options: list[str]

    def url(self, notebook: str, extra: str = "lang=en_US") -> str:
        query = "&".join(q for q in (extra, self.query) if q)
        return f"{self.base}/voila/render/{notebook}" + (f"?{query}" if query else "")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)  # Jupyter's server shuts its kernels down on SIGTERM
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        shutil.rmtree(self.workdir, ignore_errors=True)


def start_server(n: int, help_text: str, *, ready_timeout: float = 240) -> Server:
    workdir = Path(tempfile.mkdtemp(prefix="chansim-capacity-"))
    port = _free_port()
    token = secrets.token_urlsafe(16)
    options = ["--port", str(port), "--notebooks", str(ROOT / "notebooks")]
    env = _env()
    if "CHANSIM_TOKEN" in help_text:  # kept off the command line where the server reads it from the environment
        env["CHANSIM_TOKEN"] = token
    elif "--token" in help_text:
        options += ["--token", token]
    options += serve_extra_options(help_text, n, workdir)
    env.pop("CHANSIM_STORE", None)
    env.update(XDG_DATA_HOME=str(workdir / "data"), XDG_STATE_HOME=str(workdir / "state"))
    log = workdir / "serve.log"
    proc = subprocess.Popen(
        [*_SERVE, *options], cwd=workdir, env=env, stdout=open(log, "w"), stderr=subprocess.STDOUT,  # noqa: SIM115
        start_new_session=True,
    )  # fmt: skip
    uses_token = "--token" in options or "CHANSIM_TOKEN" in env
    server = Server(proc, f"http://127.0.0.1:{port}", f"token={token}" if uses_token else "", workdir, log, options)
    deadline = time.monotonic() + ready_timeout
    while time.monotonic() < deadline:  # the port, then the preheated kernels idle
        if proc.poll() is not None:
            raise RuntimeError(f"chansim serve exited ({proc.returncode}): {log.read_text()[-2000:]}")
        printed = re.search(r"https?://[^\s]+token=([^\s&]+)", log.read_text(errors="replace"))
        if printed:  # a server that makes its own token prints it in the URL to share
            server.query = f"token={printed.group(1)}"
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                break
        except OSError:
            time.sleep(0.5)
    _wait_idle_kernels(proc.pid, deadline)
    return server


def _wait_idle_kernels(pid: int, deadline: float) -> None:
    """Until the preheated kernels exist and used no CPU for two seconds (their notebooks ran)."""
    last: dict[int, float] = {}
    while time.monotonic() < deadline:
        kernels = [p for p in process_tree(pid) if "ipykernel" in _cmdline(p)]
        cpu = {p: _cpu_seconds(p) for p in kernels}
        if len(kernels) >= NOTEBOOK_COUNT and last and all(abs(cpu[p] - last.get(p, -1)) < 0.05 for p in cpu):
            return
        last = cpu
        time.sleep(2)


# ---------------------------------------------------------------------------------- trainees
@dataclass
class Run:
    n: int
    page_ready: dict[str, list[float]] = field(default_factory=lambda: {HOME: [], BEER: [], DESK: []})
    steps: list[float] = field(default_factory=list)
    failed_pages: list[str] = field(default_factory=list)
    failed_steps: list[str] = field(default_factory=list)
    not_started: int = 0
    joined: int = 0
    guard_stopped: bool = False
    shutdowns: dict[str, int] = field(default_factory=dict)
    samples: list[MemorySample] = field(default_factory=list)
    final: MemorySample | None = None
    idle: MemorySample | None = None  # the server with its preheated kernels, before anyone came
    wall_s: float = 0.0
    cpu_start: CpuSample | None = None
    cpu_end: CpuSample | None = None
    server_errors: list[str] = field(default_factory=list)


class PageFailed(Exception):
    pass


async def _open(page, url: str, run: Run, notebook: str, timeout_ms: int, sem: asyncio.Semaphore) -> None:
    async with sem:
        t0 = time.perf_counter()
        response = None
        try:
            response = await page.goto(url, timeout=timeout_ms)
            if response is not None and response.status >= 400:  # "class full" (503), refused (403), ...
                raise PageFailed(f"HTTP {response.status}")
            await page.wait_for_selector(".chansim-page", state="visible", timeout=timeout_ms)
        except Exception as exc:  # noqa: BLE001 - any failure of a page is counted, with what it showed
            shown = ""
            try:
                shown = (await page.inner_text("body"))[:160].replace("\n", " ")
            except Exception:  # noqa: BLE001
                pass
            run.failed_pages.append(f"{notebook}: {type(exc).__name__} {exc if isinstance(exc, PageFailed) else ''} "
                                    f"{shown}".strip())  # fmt: skip
            raise PageFailed(notebook) from None
        run.page_ready[notebook].append(time.perf_counter() - t0)
    text = await page.inner_text("body")
    bad = next((t for t in FAILED_PAGE_TEXTS if t in text), None)
    if bad:
        run.failed_pages.append(f"{notebook}: shows {bad!r}")
        raise PageFailed(notebook)


async def _step(page, run: Run, order: str, chart: str, timeout_ms: int, sem: asyncio.Semaphore, label: str) -> None:
    await page.wait_for_selector(f"{chart} img", timeout=timeout_ms)
    box = page.locator(".chansim-order-input input").first
    await box.fill(order)
    await box.press("Enter")
    async with sem:
        status = await page.inner_text(".chansim-status")
        t0 = time.perf_counter()
        try:
            await page.click(".chansim-advance", timeout=timeout_ms)
            await page.wait_for_function(
                "([old]) => { const e = document.querySelector('.chansim-status'); return e && e.innerText !== old; }",
                arg=[status], timeout=timeout_ms,
            )  # fmt: skip
        except Exception as exc:  # noqa: BLE001
            run.failed_steps.append(f"{label}: {type(exc).__name__}")
            return
        run.steps.append(time.perf_counter() - t0)


async def _join(page, index: int, run: Run, timeout_ms: int) -> None:
    """Give a name in the home page's join form, when it has one."""
    form = page.locator("form[action*='join']")
    if await form.count() == 0:
        return
    name_box = form.locator("input[type=text], input[name*=name], input:not([type])").first
    if await name_box.count() == 0:
        return
    await name_box.fill(f"trainee-{index:03d}")
    async with page.expect_navigation(timeout=timeout_ms):
        await form.locator("button, input[type=submit]").first.click()
    await page.wait_for_selector(".chansim-page", state="visible", timeout=timeout_ms)
    run.joined += 1


_SHUTDOWN_JS = """async ([ids, token]) => {
  const m = document.cookie.match(/(?:^|; )_xsrf=([^;]+)/);
  const headers = m ? {'X-XSRFToken': decodeURIComponent(m[1])} : {};
  if (token) headers['Authorization'] = 'token ' + token;  // Jupyter skips the XSRF check for a token
  const out = [];
  for (const id of ids) {
    try { const r = await fetch('/voila/api/shutdown/' + id, {method: 'POST', headers, credentials: 'same-origin'});
          out.push(String(r.status)); } catch (e) { out.push('error'); }
  }
  return out;
}"""


async def _leave(page, kernel_ids: list[str], run: Run, mode: str, token: str) -> None:
    if mode != "shutdown" or not kernel_ids:
        return
    codes = await page.evaluate(_SHUTDOWN_JS, [list(dict.fromkeys(kernel_ids)), token])
    for code in codes:
        run.shutdowns[code] = run.shutdowns.get(code, 0) + 1
    kernel_ids.clear()


async def trainee(index: int, browser, server: Server, run: Run, args, sem: asyncio.Semaphore, stop: asyncio.Event):
    if stop.is_set():
        run.not_started += 1
        return None
    context = await browser.new_context(viewport={"width": 1280, "height": 1000}, locale="en-US")
    page = await context.new_page()
    kernel_ids: list[str] = []

    def on_socket(ws) -> None:
        found = re.search(r"/api/kernels/([0-9a-f-]{36})/channels", ws.url)
        if found:
            kernel_ids.append(found.group(1))

    page.on("websocket", on_socket)
    timeout_ms = int(args.page_timeout * 1000)
    try:
        await _open(page, server.url(HOME), run, HOME, timeout_ms, sem)
        try:
            await _join(page, index, run, timeout_ms)
        except Exception as exc:  # noqa: BLE001 - a failed join is counted; the trainee goes on without a name
            run.failed_pages.append(f"join: {type(exc).__name__}: {str(exc)[:120]}")
        for notebook, rounds, orders, chart in (
            (BEER, args.beer_rounds, ("4", "8", "12", "8"), ".chansim-bullwhip-chart"),
            (DESK, args.desk_rounds, ("40", "45", "50", "45"), ".chansim-stock-chart"),
        ):
            if stop.is_set():
                break
            await _leave(page, kernel_ids, run, args.leave, server.query.removeprefix("token="))
            await _open(page, server.url(notebook), run, notebook, timeout_ms, sem)
            for r in range(rounds):
                await _step(page, run, orders[r % len(orders)], chart, timeout_ms, sem, f"{notebook} round {r + 1}")
    except PageFailed:
        pass
    except Exception as exc:  # noqa: BLE001 - a trainee's unexpected failure is counted, the run goes on
        run.failed_pages.append(f"trainee {index}: {type(exc).__name__}: {str(exc)[:120]}")
    return context


async def _sampler(server: Server, run: Run, stop: asyncio.Event, done: asyncio.Event, min_gib: float) -> None:
    while not done.is_set():
        run.samples.append(sample_memory(server.proc.pid))
        if mem_available_gib() < min_gib and not stop.is_set():
            run.guard_stopped = True
            stop.set()
        try:
            await asyncio.wait_for(done.wait(), timeout=2)
        except TimeoutError:
            pass


async def run_n(n: int, browser, help_text: str, args) -> Run:
    run = Run(n)
    server = await asyncio.to_thread(start_server, n, help_text)
    try:
        run.idle = sample_memory(server.proc.pid)
        sem = asyncio.Semaphore(args.concurrency)
        stop, done = asyncio.Event(), asyncio.Event()
        sampler = asyncio.create_task(_sampler(server, run, stop, done, args.min_available_gib))
        run.cpu_start = sample_cpu(server.proc.pid)
        t0 = time.perf_counter()

        async def arrive(i: int):
            await asyncio.sleep(i * args.arrival_s)
            return await trainee(i, browser, server, run, args, sem, stop)

        contexts = await asyncio.gather(*(arrive(i) for i in range(n)))
        run.wall_s = time.perf_counter() - t0
        await asyncio.sleep(2)
        run.final = sample_memory(server.proc.pid)  # every trainee still connected
        run.cpu_end = sample_cpu(server.proc.pid)
        done.set()
        await sampler
        for context in contexts:
            if context is not None:
                await context.close()
    finally:
        run.server_errors = server_errors(server.log)
        await asyncio.to_thread(server.stop)
    return run


SERVER_ERROR = re.compile(r"\[E |ERROR|Traceback|Error:|Exception|locked|timed out", re.IGNORECASE)


def server_errors(log: Path, limit: int = 20) -> list[str]:
    """The server log's error lines (what a failed page was about), at most ``limit``."""
    try:
        lines = log.read_text(errors="replace").splitlines()
    except OSError:
        return []
    return [line[:300] for line in lines if SERVER_ERROR.search(line)][:limit]


# ---------------------------------------------------------------------------------- report
def _pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def summarize(run: Run) -> dict:
    ready = [v for vs in run.page_ready.values() for v in vs]
    final = run.final or MemorySample(0, 0, 0, 0, 0)
    idle = run.idle or MemorySample(0, 0, 0, 0, 0)
    peak = max(run.samples, key=lambda s: s.kernel_rss, default=final)
    c0, c1 = run.cpu_start or CpuSample(0, 0, 0), run.cpu_end or CpuSample(0, 0, 0)
    cpu = {"server": c1.server - c0.server, "kernels": c1.kernels - c0.kernels, "client": c1.client - c0.client}
    pages = sum(len(v) for v in run.page_ready.values()) + len(run.failed_pages)
    return {
        "n": run.n,
        "kernels_idle": idle.kernels,
        "kernel_rss_mib_idle": idle.kernel_rss,
        "added_rss_per_trainee_mib": (final.kernel_rss - idle.kernel_rss) / run.n,
        "added_uss_per_trainee_mib": (final.kernel_uss - idle.kernel_uss) / run.n,
        "kernels_end": final.kernels,
        "kernel_rss_mib_end": final.kernel_rss,
        "kernel_uss_mib_end": final.kernel_uss,
        "rss_per_trainee_mib": final.kernel_rss / run.n,
        "uss_per_trainee_mib": final.kernel_uss / run.n,
        "kernels_peak": peak.kernels,
        "kernel_rss_mib_peak": peak.kernel_rss,
        "server_rss_mib_end": final.server_rss,
        "server_rss_mib_peak": max((s.server_rss for s in run.samples), default=final.server_rss),
        "ready_p50_s": _pct(ready, 50),
        "ready_p95_s": _pct(ready, 95),
        "ready_by_page_p50_s": {k: _pct(v, 50) for k, v in run.page_ready.items()},
        "step_p50_s": _pct(run.steps, 50),
        "step_p95_s": _pct(run.steps, 95),
        "pages_ok": len(ready),
        "steps_ok": len(run.steps),
        "failed_pages": len(run.failed_pages),
        "failed_steps": len(run.failed_steps),
        "failures": (run.failed_pages + run.failed_steps)[:20],
        "not_started": run.not_started,
        "joined": run.joined,
        "memory_guard_stopped": run.guard_stopped,
        "shutdown_answers": run.shutdowns,
        "wall_s": run.wall_s,
        "cpu_s": cpu,
        "cpu_share_client": cpu["client"] / max(sum(cpu.values()), 1e-9),
        "server_cpu_per_page_s": (cpu["server"] + cpu["kernels"]) / max(pages, 1),
        "server_errors": run.server_errors,
    }


def table(rows: list[dict], baseline: dict | None) -> list[str]:
    head = (
        f"{'N':>4} {'kern':>5} {'RSS/tr':>7} {'USS/tr':>7} {'+RSS/tr':>7} {'+USS/tr':>7} {'server':>7} "
        f"{'ready p50':>9} {'p95':>6} {'x1':>5} "
        f"{'step p50':>8} {'p95':>6} {'x1':>5} {'failed pg/step':>14} {'joined':>6}"
    )
    lines = [head, "-" * len(head)]
    for r in rows:
        rx = r["ready_p95_s"] / baseline["ready_p95_s"] if baseline and baseline["ready_p95_s"] else float("nan")
        sx = r["step_p95_s"] / baseline["step_p95_s"] if baseline and baseline["step_p95_s"] else float("nan")
        note = " memory guard stopped it" if r["memory_guard_stopped"] else ""
        note += f" ({r['not_started']} not started)" if r["not_started"] else ""
        lines.append(
            f"{r['n']:>4} {r['kernels_end']:>5} {r['rss_per_trainee_mib']:>7.0f} {r['uss_per_trainee_mib']:>7.0f} "
            f"{r['added_rss_per_trainee_mib']:>7.0f} {r['added_uss_per_trainee_mib']:>7.0f} "
            f"{r['server_rss_mib_end']:>7.0f} {r['ready_p50_s']:>9.2f} {r['ready_p95_s']:>6.2f} {rx:>5.2f} "
            f"{r['step_p50_s']:>8.3f} {r['step_p95_s']:>6.3f} {sx:>5.2f} "
            f"{r['failed_pages']:>7}/{r['failed_steps']:<6} {r['joined']:>6}{note}"
        )
    return lines


def cpu_line(row: dict) -> str:
    """Where the machine's CPU went during one run."""
    cpu = row["cpu_s"]
    total = sum(cpu.values()) or 1e-9
    return (
        f"CPU s over {row['wall_s']:.0f} s wall: server {cpu['server']:.0f} ({cpu['server'] / total:.0%}), "
        f"kernels {cpu['kernels']:.0f} ({cpu['kernels'] / total:.0%}), Chromium {cpu['client']:.0f} "
        f"({cpu['client'] / total:.0%}); server + kernels per page {row['server_cpu_per_page_s']:.1f} s"
    )


def first_limit(rows: list[dict]) -> str:
    for r in rows:
        if r["failed_pages"]:
            return f"N={r['n']}: first failed page ({r['failures'][0] if r['failures'] else ''})"
        if r["step_p95_s"] > STEP_TARGET_S:
            return f"N={r['n']}: p95 step {r['step_p95_s']:.2f} s > {STEP_TARGET_S:.0f} s"
    return f"none up to N={max((r['n'] for r in rows), default=0)}: no failed page, p95 step <= {STEP_TARGET_S:.0f} s"


def _counts(text: str) -> list[int]:
    try:
        values = [int(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"--n {text!r}: give trainee counts like 10,30,50") from None
    if not values or any(v < 1 or v > 200 for v in values):
        raise argparse.ArgumentTypeError(f"--n {text!r}: each count must be 1 to 200")
    return values


async def main_async(args) -> dict:
    from playwright.async_api import async_playwright

    help_text = serve_help()
    report: dict = {"args": vars(args) | {"n": args.n}, "runs": [], "machine": {"cpus": os.cpu_count()}}
    report["machine"]["load_start"] = os.getloadavg()
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            counts = ([] if args.no_baseline else [1]) + args.n
            baseline = None
            for n in counts:
                print(f"N={n}: starting a server and {n} trainee(s) ...", flush=True)
                row = summarize(await run_n(n, browser, help_text, args))
                row["baseline"] = n == 1 and baseline is None and not args.no_baseline
                if row["baseline"]:
                    baseline = row
                report["runs"].append(row)
                print("\n".join(table([row], baseline)[2:]), flush=True)
                print(f"      {cpu_line(row)}", flush=True)
        finally:
            await browser.close()
    report["machine"]["load_end"] = os.getloadavg()
    report["server_options"] = serve_extra_options(help_text, 1, Path("/tmp/x"))
    return report


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="N trainees in Chromium against one chansim serve")
    p.add_argument("--n", type=_counts, default=[10, 30, 50], help="trainee counts, comma-separated (default 10,30,50)")
    p.add_argument("--concurrency", type=int, default=8, help="trainees loading a page or stepping at once (8)")
    p.add_argument("--arrival-s", type=float, default=0.5, help="seconds between two trainees' arrivals (0.5)")
    p.add_argument("--beer-rounds", type=int, default=3, help="beer game weeks each trainee plays (3)")
    p.add_argument("--desk-rounds", type=int, default=1, help="order desk weeks each trainee plays (1)")
    p.add_argument("--page-timeout", type=float, default=120, help="seconds before a page counts as failed (120)")
    p.add_argument(
        "--leave",
        choices=["unload", "shutdown"],
        default="unload",
        help="unload: just navigate on; shutdown: also shut the left page's kernel down (see above)",
    )
    p.add_argument("--min-available-gib", type=float, default=3.0,
                   help="stop starting trainees below this MemAvailable (3 GiB)")  # fmt: skip
    p.add_argument("--no-baseline", action="store_true", help="skip the N=1 baseline run")
    p.add_argument("--output", default="", help="also write the JSON report to this file")
    args = p.parse_args(argv)
    for name in ("concurrency", "beer_rounds", "desk_rounds"):
        if getattr(args, name) < (1 if name == "concurrency" else 0):
            p.error(
                f"--{name.replace('_', '-')} {getattr(args, name)}: give a whole number, at least 1 for concurrency"
            )
    if args.page_timeout <= 0 or args.arrival_s < 0:
        p.error("--page-timeout must be > 0 and --arrival-s >= 0")
    if not Path(CHROMIUM).exists():
        print(f"capacity.py needs Chromium at {CHROMIUM} (apt-get install chromium)", file=sys.stderr)
        return 2
    report = asyncio.run(main_async(args))
    rows = report["runs"]
    baseline = next((r for r in rows if r.get("baseline")), None)
    print()
    print(
        f"capacity of one chansim serve ({os.cpu_count()} CPUs, load {report['machine']['load_start'][0]:.1f} -> "
        f"{report['machine']['load_end'][0]:.1f}; leave={args.leave}; concurrency {args.concurrency}; "
        f"memory MiB from /proc/<pid>/smaps_rollup at the end, all trainees connected: kernels' sum / N, "
        "+ = over the idle preheated server; latencies s, x1 = p95 / N=1's)"
    )
    print("\n".join(table(rows, baseline)))
    print(f"first limit: {first_limit([r for r in rows if not r.get('baseline')])}")
    for r in rows:
        if r["failures"]:
            print(f"  N={r['n']} failures: {r['failures'][:5]}")
        print(f"  N={r['n']} {cpu_line(r)}")
        if r["server_errors"]:
            print(f"  N={r['n']} server log errors: {r['server_errors'][:5]}")
        if r["shutdown_answers"]:
            print(f"  N={r['n']} kernel shutdown answers: {r['shutdown_answers']}")
    text = json.dumps(report, default=str)
    if args.output:
        Path(args.output).write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
