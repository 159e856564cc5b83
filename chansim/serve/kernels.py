"""Kernels a class can rely on: pages that never time out, kernels freed, a cap on how many run.

:func:`install` adapts a Voilà application (``chansim.serve.launcher`` calls it once the web
application exists and before the server listens) in four ways:

**Pages never die.** A preheated kernel runs its notebook ahead and then waits for a visitor
(:func:`chansim.ui.visitor.wait_for_request`: Voilà's protocol without importing the Jupyter
server into every kernel, as ``voila.utils.wait_for_request`` does). That wait used to sit
inside the notebook's first cell, under the executor's per-cell timeout (120 s): an unvisited
page died with "Cell execution timed out". Now a *wait cell* is put in front of every preheated notebook: it runs the
notebook's leading imports (so the expensive part is still done ahead), then waits for the
request, and is the only cell without a timeout (``VoilaExecutor.timeout_func``). Every cell
of the notebook itself runs after the visitor arrived, under the normal timeout, so a kernel
that really hangs ends the page with a clear message instead of a spinner. The other option,
refreshing pool kernels before they go stale, would restart 7 kernels every ~100 s (each
start costs ~2 s of CPU for the imports: ~7 % of this 2-core machine, for nothing) and would
still race with a visitor arriving mid-refresh.

**Kernels freed.** Voilà's page posts ``/voila/api/shutdown/<kernel>`` (``sendBeacon``) when
the tab closes or reloads, with the ``_xsrf`` cookie's value in the form; the cookie was
never set (Voilà renders pages without touching ``xsrf_token``), hence ``403 '_xsrf' argument
missing``. The page handler now sets it, with path ``base_url`` so the beacon to
``/voila/api/...`` carries it: the double-submit check of Tornado stays as it was (a foreign
site can neither read the cookie nor send the field) and the token stays required. Kernels
whose page is gone without a beacon (a laptop closed, the network gone) are culled once they
have had no connection and no activity for ``cull_idle_seconds``; pool kernels are never
culled (Voilà skips them) and the pool is bounded (``pool_size`` a notebook).

**Caps.** At most ``max_kernels`` kernels live at once (pool included) and at most
``max_kernels_per_client`` page kernels per client (the remote IP address of the connection,
never a header the client writes; 0 = no limit per client, for a server behind a proxy).
A page request over a cap starts no kernel and gets :func:`full_page`: HTTP 503 with
``Retry-After``, in the trainee's language.

The kernel manager and page handler are Voilà's own; :func:`install` only wraps three public
methods of the kernel manager instance (``start_kernel``, ``get_rendered_notebook``,
``shutdown_kernel``) to learn which client a kernel belongs to, and puts a subclass in front
of the page and shutdown handler classes in the Tornado routing table.
"""

from __future__ import annotations

import ast
import asyncio
import contextvars
import html
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import wraps
from pathlib import Path
from typing import Any

__all__ = [
    "WAIT_CELL_MARK",
    "CellTimeout",
    "check_limits",
    "KernelGate",
    "Refusal",
    "configure",
    "full_page",
    "install",
    "page_language",
    "pool_budget",
    "wait_cell",
    "wait_for_visitor",
]

#: Metadata key of the wait cell (``cell.metadata["chansim"][WAIT_CELL_MARK] is True``).
WAIT_CELL_MARK = "waits_for_visitor"
#: Seconds a refused visitor is asked to wait (``Retry-After``).
RETRY_AFTER_SECONDS = 60
#: Seconds a page request over a cap waits for a kernel to be freed before it is refused. A
#: reload (or a click to the next page) sends the old page's shutdown beacon and the new
#: page's request at the same moment; the request often wins the race and, at the cap, would
#: be refused because of the very kernel its own tab is giving up.
ADMIT_GRACE_SECONDS = 5.0

# the reservation of the page request being served (set by the page handler, read by the
# kernel manager's wrapped methods: both run in the request's asyncio task)
_REQUEST: contextvars.ContextVar[_Reservation | None] = contextvars.ContextVar("chansim_request", default=None)


# --------------------------------------------------------------------------- pages never die


def _leading_imports(source: str) -> list[str]:
    """The import statements a cell starts with (nothing when the cell does not parse)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    imports = []
    for node in tree.body:
        if not isinstance(node, ast.Import | ast.ImportFrom):
            break
        segment = ast.get_source_segment(source, node)
        if segment:
            imports.append(segment)
    return imports


def wait_cell(notebook: Any, app_ip: str = "127.0.0.1") -> dict[str, Any]:
    """The cell put in front of a preheated ``notebook``: its leading imports, then the wait for a visitor.

    After the wait the kernel's environment holds the visitor's request (``QUERY_STRING``...)
    and ``VOILA_PREHEAT`` is ``False``, so the notebook runs as for a freshly started kernel.
    Errors are swallowed here: an import that fails fails again, visibly, in the notebook's
    own cell; a wait that fails leaves the page in its default language.
    """
    import nbformat

    first = next((cell for cell in notebook.cells if cell.get("cell_type") == "code"), None)
    imports = _leading_imports(first.source) if first is not None else []
    body = "\n".join(f"    {line}" for stmt in imports for line in stmt.splitlines()) or "    pass"
    source = (
        "import os as _chansim_os\n"
        "try:\n"
        f"{body}\n"
        "except Exception:\n"
        "    pass\n"
        "try:\n"
        f"    _chansim_os.environ.setdefault('VOILA_APP_IP', {app_ip!r})\n"
        "    from chansim.ui.visitor import wait_for_request as _chansim_wait\n"
        "    _chansim_wait()\n"
        "    del _chansim_wait\n"
        "except Exception:\n"
        "    pass\n"
        "_chansim_os.environ['VOILA_PREHEAT'] = 'False'\n"
        "del _chansim_os\n"
    )
    return nbformat.v4.new_code_cell(source, metadata={"chansim": {WAIT_CELL_MARK: True}})


def wait_for_visitor(app_ip: str = "127.0.0.1") -> Callable[..., Any]:
    """A Voilà ``prelaunch_hook`` that puts :func:`wait_cell` in front of every preheated notebook.

    Voilà calls the hook with no request handler when it renders a notebook for the pool,
    and with the page's handler for a freshly started kernel (left alone).
    """

    def hook(request_handler: Any, notebook: Any, cwd: str | None = None) -> Any:
        if request_handler is None and not any(_is_wait_cell(cell) for cell in notebook.cells):
            notebook.cells.insert(0, wait_cell(notebook, app_ip))
        return notebook

    return hook


def _is_wait_cell(cell: Any) -> bool:
    return bool(cell.get("metadata", {}).get("chansim", {}).get(WAIT_CELL_MARK))


@dataclass(frozen=True)
class CellTimeout:
    """``VoilaExecutor.timeout_func``: no timeout for the wait cell, ``seconds`` for every other cell."""

    seconds: int | None

    def __call__(self, cell: Any) -> int | None:
        """The timeout of ``cell`` in seconds (None: no timeout)."""
        return None if _is_wait_cell(cell) else self.seconds


# ----------------------------------------------------------------------------- caps and ledger


@dataclass(frozen=True)
class Refusal:
    """Why a page request was refused: ``scope`` is ``"total"`` or ``"client"``; ``limit`` the cap hit."""

    scope: str
    limit: int


@dataclass(eq=False)
class _Reservation:
    gate: KernelGate
    client: str
    open: bool = True

    def release(self) -> None:
        """Give the slot back (no-op once used or released)."""
        if self.open:
            self.open = False
            self.gate.inflight[self.client] -= 1


@dataclass
class KernelGate:
    """Counts live kernels by client and admits a page request only below the caps.

    ``pool`` kernels (preheated, at their full size even while refilling) and every page
    kernel count towards ``max_kernels``; page kernels of one client towards ``per_client``
    (0: no limit per client). A request admitted holds a reservation until its kernel is
    known (then the kernel counts) or the request ends, so concurrent requests cannot
    overshoot. ``alive`` tells whether a kernel still runs (the kernel manager's ``in``).
    """

    max_kernels: int
    per_client: int
    pool: int = 0
    alive: Callable[[str], bool] = lambda kernel_id: True
    owners: dict[str, str] = field(default_factory=dict)
    inflight: Counter[str] = field(default_factory=Counter)

    def _prune(self) -> None:
        for kernel_id in [k for k in self.owners if not self.alive(k)]:
            del self.owners[kernel_id]

    def page_kernels(self, client: str | None = None) -> int:
        """Live page kernels (of ``client`` when given)."""
        self._prune()
        return sum(1 for owner in self.owners.values() if client is None or owner == client)

    def admit(self, client: str) -> _Reservation | Refusal:
        """A reservation for one more page kernel of ``client``, or why not."""
        total = self.pool + self.page_kernels() + sum(self.inflight.values())
        if total >= self.max_kernels:
            return Refusal("total", self.max_kernels)
        if self.per_client and self.page_kernels(client) + self.inflight[client] >= self.per_client:
            return Refusal("client", self.per_client)
        self.inflight[client] += 1
        return _Reservation(self, client)

    def assign(self, kernel_id: str, reservation: _Reservation) -> None:
        """``kernel_id`` is the kernel of the request that holds ``reservation``."""
        if reservation.open:
            reservation.release()
            self.owners[kernel_id] = reservation.client

    def forget(self, kernel_id: str) -> None:
        """``kernel_id`` is being shut down: it no longer counts."""
        self.owners.pop(kernel_id, None)


def pool_budget(notebooks: Path, pool_size: int, preheat: bool = True) -> int:
    """Kernels the preheated pool holds: ``pool_size`` for every notebook Voilà preheats in ``notebooks``."""
    if not preheat:
        return 0
    found = [p for p in Path(notebooks).rglob("*.ipynb") if ".ipynb_checkpoints" not in str(p)]
    return pool_size * len(found)


# --------------------------------------------------------------------------------- full page

_ACCEPT = re.compile(r"\s*([A-Za-z]{1,8}(?:[-_][A-Za-z0-9]{1,8})*|\*)\s*(?:;\s*q\s*=\s*([0-9.]{1,5}))?\s*$")


def page_language(query_lang: str | None, accept_language: str | None, languages: Iterable[str]) -> str:
    """The language of a server page: ``?lang=``, else ``Accept-Language``, else English.

    ``query_lang`` counts when it is one of ``languages``; of ``accept_language`` the tag of
    highest quality that matches one (``zh``, ``zh-CN``, ``zh-Hans`` give ``zh_CN``).
    """
    languages = tuple(languages)
    if query_lang in languages:
        return query_lang
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate((accept_language or "")[:1000].split(",")[:20]):
        match = _ACCEPT.match(part)
        if not match:
            continue
        try:
            quality = float(match.group(2)) if match.group(2) else 1.0
        except ValueError:
            continue
        ranked.append((-quality, position, match.group(1).lower().replace("_", "-")))
    for quality, _, tag in sorted(ranked):
        if quality >= 0:
            continue
        primary = tag.split("-")[0]
        for code in languages:
            if code.lower().replace("_", "-") == tag or code.split("_")[0].lower() == primary:
                return code
    return "en_US" if "en_US" in languages else languages[0]


def full_page(refusal: Refusal, lang: str) -> str:
    """The "class is full" page for ``refusal`` in ``lang``: static text, escaped, no script."""
    from chansim.exercises.messages import CATALOGUE

    key = "serve.full.client" if refusal.scope == "client" else "serve.full.body"
    title = html.escape(CATALOGUE.get("serve.full.title", lang=lang))
    body = html.escape(CATALOGUE.get(key, lang=lang, limit=refusal.limit))
    retry = html.escape(CATALOGUE.get("serve.full.retry", lang=lang))
    html_lang = html.escape(lang.replace("_", "-"))
    return (
        f'<!DOCTYPE html>\n<html lang="{html_lang}"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1"><title>{title}</title></head>'
        '<body style="font-family: system-ui, sans-serif; max-width: 40em; margin: 4em auto; padding: 0 1em;">'
        f'<h1 class="chansim-full">{title}</h1><p>{body}</p><p><a href="">{retry}</a></p></body></html>\n'
    )


# ------------------------------------------------------------------------------------ install


def _wrap_kernel_manager(km: Any, gate: KernelGate) -> None:
    """Tell ``gate`` which request each page kernel serves and when a kernel goes away."""
    from jupyter_core.utils import ensure_async

    start_kernel = km.start_kernel

    @wraps(start_kernel)
    async def start_page_kernel(*args: Any, **kwargs: Any) -> str:
        # the page handler's own start (no preheat); the pool's refills call the class's method
        kernel_id = await ensure_async(start_kernel(*args, **kwargs))
        reservation = _REQUEST.get()
        if reservation is not None:
            gate.assign(kernel_id, reservation)
        return kernel_id

    km.start_kernel = start_page_kernel

    if hasattr(km, "get_rendered_notebook"):
        get_rendered_notebook = km.get_rendered_notebook

        @wraps(get_rendered_notebook)
        async def hand_out(*args: Any, **kwargs: Any) -> Any:
            result = await get_rendered_notebook(*args, **kwargs)
            reservation = _REQUEST.get()
            if reservation is not None:
                gate.assign(result[2], reservation)  # (render task, rendered cells, kernel id)
            return result

        km.get_rendered_notebook = hand_out

    shutdown_kernel = km.shutdown_kernel

    @wraps(shutdown_kernel)
    async def shutdown(kernel_id: str, *args: Any, **kwargs: Any) -> Any:
        gate.forget(kernel_id)
        return await ensure_async(shutdown_kernel(kernel_id, *args, **kwargs))

    km.shutdown_kernel = shutdown


def _page_handler_mixin(gate: KernelGate) -> type:
    import tornado.web

    from chansim.exercises.messages import LANGUAGES

    class ClassPageHandler:
        """Admit the page under the caps (else the "full" page); set the ``_xsrf`` cookie the unload beacon sends."""

        @tornado.web.authenticated
        async def get(self, *args: Any, **kwargs: Any) -> None:
            client = self.request.remote_ip or "?"
            admitted = gate.admit(client)
            waited = 0.0
            while isinstance(admitted, Refusal) and waited < ADMIT_GRACE_SECONDS:  # a beacon in flight
                await asyncio.sleep(0.1)
                waited += 0.1
                admitted = gate.admit(client)
            if isinstance(admitted, Refusal):
                lang = page_language(
                    self.get_query_argument("lang", None), self.request.headers.get("Accept-Language"), LANGUAGES
                )
                self.log.warning(
                    "chansim: page refused for %s: %s kernel cap %d reached", client, admitted.scope, admitted.limit
                )
                self.set_status(503)
                self.set_header("Retry-After", str(RETRY_AFTER_SECONDS))
                self.set_header("Content-Type", "text/html; charset=utf-8")
                self.set_header("Cache-Control", "no-store")
                self.finish(full_page(admitted, lang))
                return
            self.xsrf_token  # noqa: B018 - sets the _xsrf cookie (Voila's page never reads it)
            token = _REQUEST.set(admitted)
            try:
                await super().get(*args, **kwargs)
            finally:
                _REQUEST.reset(token)
                admitted.release()

    return ClassPageHandler


class _KnownKernelOnly:
    """Shutdown of a kernel id the server does not have: 404, not a KeyError."""

    async def post(self, kernel_id: str) -> None:
        import tornado.web

        if kernel_id not in self.kernel_manager:
            raise tornado.web.HTTPError(404, "no such kernel")
        await super().post(kernel_id)


def _replace_handlers(router: Any, base: type, mixin: type) -> int:
    """Put ``mixin`` in front of every handler class of ``router`` (recursively) that is a ``base``."""
    from tornado.routing import RuleRouter

    replaced = 0
    for rule in router.rules:
        target = rule.target
        if isinstance(target, RuleRouter):
            replaced += _replace_handlers(target, base, mixin)
        elif isinstance(target, type) and issubclass(target, base) and not issubclass(target, mixin):
            new = type(f"Chansim{target.__name__}", (mixin, target), {"__module__": __name__})
            rule.target = new
            if hasattr(rule, "handler_class"):
                rule.handler_class = new
            replaced += 1
    return replaced


def check_limits(options: Any) -> int:
    """The pool's size for ``options``, after checking that the kernel caps leave room for pages.

    Raises:
        ServeError: when ``max_kernels`` is not above the pool, or a limit is negative.

    """
    from chansim.serve import ServeError

    pool = pool_budget(options.notebooks, options.pool_size, options.preheat)
    if options.max_kernels <= pool:
        raise ServeError(
            f"--max-kernels {options.max_kernels}: the preheated pool alone holds {pool} kernels "
            f"(--pool-size {options.pool_size} for each of the {pool // max(options.pool_size, 1)} notebooks); "
            f"give at least {pool + 1}, or --no-preheat"
        )
    if options.max_kernels_per_client < 0:
        raise ServeError(f"--max-kernels-per-client {options.max_kernels_per_client}: give 0 (no limit) or more")
    if options.cull_idle_seconds <= 0 or options.cull_interval_seconds <= 0:
        raise ServeError("--cull-idle: give a number of seconds above 0")
    return pool


def _timeout_instruction() -> str:
    from chansim.exercises.messages import CATALOGUE

    return " / ".join(CATALOGUE.get("serve.timeout", lang=lang) for lang in ("en_US", "zh_CN"))


def configure(config: Any, options: Any) -> None:
    """Settings of the traitlets ``config`` (before Voilà is created): cell timeouts and culling.

    ``VoilaExecutor.timeout_func`` (:class:`CellTimeout`) leaves only the wait cell without a
    timeout; disconnected page kernels idle for ``cull_idle_seconds`` are culled, checked every
    ``cull_interval_seconds`` (a closed tab's kernel is gone within their sum even when its
    unload beacon is lost).
    """
    config.VoilaExecutor.timeout = options.timeout_seconds
    config.VoilaExecutor.timeout_func = CellTimeout(options.timeout_seconds)
    config.VoilaExecutor.cell_timeout_instruction = _timeout_instruction()
    config.MappingKernelManager.cull_idle_timeout = options.cull_idle_seconds
    config.MappingKernelManager.cull_interval = options.cull_interval_seconds
    config.MappingKernelManager.cull_connected = False
    config.MappingKernelManager.cull_busy = False


def install(app: Any, options: Any) -> KernelGate:
    """Make the Voilà server of the Tornado application ``app`` fit for a class (see the module docstring).

    ``app``: the web application of a ``voila.app.Voila`` (``app.settings["voila"]``), its
    handlers added, not listening yet; ``options``: a :class:`chansim.serve.ServeOptions`.
    Returns the :class:`KernelGate` (also ``app.settings["chansim_kernel_gate"]``).

    Raises:
        ServeError: when ``max_kernels`` leaves no room for a page beside the pool.

    """
    from voila.handler import VoilaHandler
    from voila.shutdown_kernel_handler import VoilaShutdownKernelHandler

    from chansim.serve import ServeError

    voila = app.settings["voila"]
    km = app.settings["kernel_manager"]
    preheat = bool(voila.voila_configuration.preheat_kernel)
    pool = check_limits(options)
    gate = KernelGate(options.max_kernels, options.max_kernels_per_client, pool, alive=km.__contains__)

    # pages never die: the pool's notebooks wait for their visitor in a cell without timeout
    # (set here, not in the Config: Voila refuses a prelaunch_hook with preheating, as its
    # hook gets no request handler then; this one expects exactly that)
    configure(voila.config, options)  # idempotent; executors and culler read it later
    for name in ("cull_idle_timeout", "cull_interval", "cull_connected", "cull_busy"):
        setattr(km, name, getattr(voila.config.MappingKernelManager, name))
    if preheat:
        app_ip = "127.0.0.1" if voila.ip in ("", "0.0.0.0", "::", "localhost") else voila.ip
        voila.voila_configuration.prelaunch_hook = wait_for_visitor(app_ip)

    _wrap_kernel_manager(km, gate)
    # the unload beacon carries the _xsrf cookie only when its path covers /voila/api/
    app.settings.setdefault("xsrf_cookie_kwargs", {"path": app.settings.get("base_url") or "/", "samesite": "Strict"})
    pages = _replace_handlers(app.default_router, VoilaHandler, _page_handler_mixin(gate))
    _replace_handlers(app.default_router, VoilaShutdownKernelHandler, _KnownKernelOnly)
    if not pages:
        raise ServeError("the Voila application has no page handler to guard")
    app.settings["chansim_kernel_gate"] = gate
    voila.log.info(
        "chansim: at most %d kernels (pool %d), %s a client; disconnected kernels culled after %d s",
        options.max_kernels, pool, options.max_kernels_per_client or "no limit", options.cull_idle_seconds,
    )  # fmt: skip
    return gate
