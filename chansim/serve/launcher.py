"""Run Voilà inside this process for ``chansim serve``, behind a gate that checks Host and token.

:func:`run` configures :class:`ChansimVoila` (a :class:`voila.app.Voila`) with a traitlets
``Config`` built from :class:`~chansim.serve.ServeOptions` (:func:`build_config`): nothing secret
is on a command line, and secrets are removed from the environment before any kernel starts
(:data:`chansim.serve.SECRET_ENVS`). ``python -m chansim.serve.launcher --options-json JSON
[--token-stdin]`` does the same in a child process (:func:`spawn` starts it and hands the token
over on stdin).

Every request passes :class:`Gate` first (in :meth:`GatedApplication.find_handler`, before any
handler, for pages, the API and websockets alike, ``/voila/query/<kernel_id>`` included):

- the ``Host`` header must be in the allow-list (:func:`chansim.serve.allowed_hosts`), else 403;
- when a token is required, the request carries it (``?token=``, ``Authorization: token ...``)
  or the cookie ``chansim_auth_<port>`` set after the first good token, else 403 (a plain
  page; never the login form);
- ``token``, ``theme`` and ``template`` are removed from the query string, and the auth cookie
  from the ``Cookie`` header, so they reach neither Voilà's query overrides nor a kernel's
  environment (``QUERY_STRING``, ``VOILA_REQUEST_URL``, ``HTTP_COOKIE``).

jupyter_server's own host check (``allow_remote_access`` / ``local_hostnames`` in
``JupyterHandler.check_host``) does not fit: it runs only in handlers derived from
``JupyterHandler`` (not Voilà's request-info websocket nor every static handler), it accepts every
loopback address and refuses every LAN address as a Host; so the gate does it for all.

Tracebacks: ``VoilaConfiguration.show_tracebacks`` off (page) and :class:`QuietWebsocketConnection`,
which blanks tracebacks (iopub ``error`` messages, shell replies, stderr text holding one) before
anything is written to the browser. The full traceback goes to the server's log.

Hook points for the other serve modules (each optional; the launcher checks that the module
exists with :func:`importlib.util.find_spec`, so a broken module fails loudly):

- ``chansim.serve.kernels.install(app, options)`` is called once, after Voilà's web app and its
  handlers exist and before the server listens. ``app`` is the :class:`tornado.web.Application`
  (``app.settings["kernel_manager"]`` is Voilà's kernel manager, ``app.settings["voila"]`` the
  :class:`ChansimVoila` instance, ``app.settings["chansim_options"]`` the resolved options);
  ``options`` the resolved :class:`~chansim.serve.ServeOptions`. It may add handlers
  (``app.add_handlers(".*$", [...])``, or better :func:`add_handlers`, which puts them before
  Voilà's) and periodic callbacks.
- ``chansim.serve.kernels.configure(config, options)`` (optional) may change the traitlets
  ``Config`` before Voilà is created (kernel manager class, pool, culling).
- ``app.settings["chansim_store"]``: the :class:`chansim.store.Store` opened (and migrated) at
  start, when chansim.store exists; kernels get its URL as ``CHANSIM_STORE``.
- ``chansim.serve.identity.HANDLERS``: a list of ``(pattern, handler_class)`` or
  ``(pattern, handler_class, kwargs)``, patterns relative to the base URL (``/chansim/join``);
  they are added ahead of Voilà's handlers and pass the same gate.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import hmac
import http.cookies
import importlib
import importlib.util
import logging
import os
import re
import secrets
import subprocess
import sys
import weakref
from html import escape
from typing import Any
from urllib.parse import parse_qsl, urlencode

import tornado.web
from jupyter_client.session import DELIM
from jupyter_server.services.kernels.connection.channels import ZMQChannelsWebsocketConnection
from jupyter_server.utils import url_path_join
from tornado import httputil
from traitlets.config import Config
from voila.app import Voila

from chansim.serve import SECRET_ENVS, TOKEN_ENV, ServeError, ServeOptions, redact_url, resolve

__all__ = [
    "STRIPPED_QUERY",
    "ChansimVoila",
    "Gate",
    "GatedApplication",
    "LocalizePage",
    "QuietWebsocketConnection",
    "add_handlers",
    "build_config",
    "localize_page",
    "page_language",
    "main",
    "run",
    "spawn",
]

log = logging.getLogger("chansim.serve")

#: query parameters removed before Voilà sees a request
STRIPPED_QUERY = ("token", "theme", "template")
#: path prefix of the kernels' own requests (followed by the gate's kernel key)
KERNEL_PREFIX = "/chansim-kernel/"
AUTH_COOKIE_SECONDS = 12 * 3600
TRACEBACK_HIDDEN = "An error occurred; the details are in the server's log."


def build_config(options: ServeOptions) -> Config:
    """The traitlets configuration of Voilà for ``options`` (never holds the token)."""
    c = Config()
    c.Voila.ip = options.bind_ip
    c.Voila.port = options.port
    c.Voila.port_retries = 0  # never move silently to another port: the printed URL would be wrong
    c.Voila.open_browser = False
    c.Voila.root_dir = str(options.notebooks)
    c.Voila.config_file_paths = []  # no voila.json of the working directory overrides these settings
    c.Voila.token = None  # the Gate checks the token; Voilà's login page is never needed
    c.Voila.auto_token = False
    # jupyter_server's own MappingKernelManager.allow_tracebacks=False is broken in 2.x (its
    # websocket handler asks the single kernel's manager for traceback_replacement_message and
    # fails on every error message); QuietWebsocketConnection does the job instead
    c.Voila.kernel_websocket_connection_class = (
        ZMQChannelsWebsocketConnection if options.show_tracebacks else QuietWebsocketConnection
    )
    c.Voila.tornado_settings = {"serve_traceback": False}
    vc = c.VoilaConfiguration
    vc.strip_sources = True
    vc.show_tracebacks = options.show_tracebacks
    vc.allow_theme_override = "NO"
    vc.allow_template_override = "NO"
    vc.http_header_envs = ["Cookie"]  # the trainee's identity cookie reaches the kernel (STORE_API.md)
    vc.preheat_kernel = options.preheat
    vc.default_pool_size = options.pool_size if options.preheat else 0
    c.VoilaExecutor.timeout = options.timeout_seconds
    c.MappingKernelManager.cull_idle_timeout = options.cull_idle_seconds
    c.MappingKernelManager.cull_interval = options.cull_interval_seconds
    return c


def _module(name: str) -> Any | None:
    """The module ``name`` when it exists (import errors inside it are not hidden)."""
    if importlib.util.find_spec(name) is None:
        return None
    return importlib.import_module(name)


def add_handlers(app: tornado.web.Application, handlers: list[tuple[Any, ...]]) -> None:
    """Add tornado ``handlers`` (patterns relative to the base URL) ahead of Voilà's own."""
    base = app.settings.get("base_url", "/")
    rules = [(url_path_join(base, spec[0]), *spec[1:]) for spec in handlers]
    # tornado inserts a new host rule just before its last (wildcard) one, after Voilà's
    # catch-all patterns: move it to the front
    app.add_handlers(".*$", rules)
    router_rules = app.default_router.rules
    router_rules.insert(0, router_rules.pop(-2))


def auth_cookie_name(options: ServeOptions) -> str:
    """The name of the cookie that proves the token was given (one per port)."""
    return f"chansim_auth_{options.port}"


def auth_cookie_value(token: str) -> str:
    """The value of the auth cookie: derived from the token, not the token itself."""
    return hmac.new(token.encode(), b"chansim-auth-cookie", hashlib.sha256).hexdigest()


def _host_of(header: str) -> str | None:
    """The host name of a ``Host`` header (lower case, no port, IPv6 without brackets); None if malformed."""
    text = header.strip().lower()
    if text.startswith("["):
        end = text.find("]")
        if end < 0:
            return None
        name, rest = text[1:end], text[end + 1 :]
    else:
        name, _, port = text.partition(":")
        rest = f":{port}" if port else ""
    if rest and not (rest[0] == ":" and rest[1:].isdigit() and len(rest) <= 6):
        return None
    return name or None


class Gate:
    """Decides, for each request, whether it may reach a handler (see the module docstring)."""

    def __init__(self, options: ServeOptions) -> None:
        self.options = options
        self.hosts = frozenset(options.allow_hosts)
        self.cookie_name = auth_cookie_name(options)
        self.cookie_value = auth_cookie_value(options.token) if options.token else None
        #: requests authenticated by the token itself: their response sets the auth cookie
        self.fresh: weakref.WeakSet[httputil.HTTPServerRequest] = weakref.WeakSet()
        #: a preheated kernel asks Voilà for its page's request under this secret path prefix
        #: (``VOILA_WS_BASE_URL``, see :meth:`kernel_environment`): it has no token
        self.kernel_key = secrets.token_urlsafe(24)

    def kernel_environment(self) -> dict[str, str]:
        """What kernels need to reach the server's request-info websocket through the gate."""
        env = {"VOILA_WS_BASE_URL": f"{KERNEL_PREFIX}{self.kernel_key}/"}
        ip = self.options.bind_ip
        if ip not in ("0.0.0.0", "::", ""):
            env["VOILA_APP_IP"] = f"[{ip}]" if ":" in ip else ip
        return env

    def _kernel_request(self, request: httputil.HTTPServerRequest) -> bool | None:
        """None: not under the kernel prefix; else whether the key is right (the path is then rewritten)."""
        if not request.path.startswith(KERNEL_PREFIX):
            return None
        key, _, rest = request.path[len(KERNEL_PREFIX) :].partition("/")
        if not hmac.compare_digest(key.encode(), self.kernel_key.encode()) or not rest.startswith("voila/query/"):
            return False
        request.path = "/" + rest
        request.uri = request.path + (f"?{request.query}" if request.query else "")
        return True

    def refusal(self, request: httputil.HTTPServerRequest) -> str | None:
        """Why ``request`` is refused (a sentence for the 403 page), or None; cleans the request first."""
        pairs = parse_qsl(request.query, keep_blank_values=True)
        query_token = next((v for k, v in pairs if k == "token"), None)
        cookies = http.cookies.SimpleCookie()
        try:
            cookies.load(request.headers.get("Cookie", ""))
        except http.cookies.CookieError:
            cookies = http.cookies.SimpleCookie()
        morsel = cookies.get(self.cookie_name)
        scheme, _, value = request.headers.get("Authorization", "").partition(" ")
        header_token = value.strip() if scheme.lower() in ("token", "bearer") else None
        # the secrets leave the request before anything (a log line, a handler, a kernel) sees it
        _clean(request, pairs, self.cookie_name if morsel is not None else None)
        header = request.headers.get("Host")
        host = _host_of(header) if header else None
        if host is None or host not in self.hosts:
            log.warning("chansim: refused a request for host %r (not in the allow-list)", header)
            return "This server does not answer to that host name."
        from_kernel = self._kernel_request(request)
        if from_kernel is False:
            return "Not found."
        if not self.options.token or from_kernel:
            return None
        given = query_token if query_token is not None else header_token
        if given is not None and hmac.compare_digest(given.encode(), self.options.token.encode()):
            self.fresh.add(request)
            return None
        assert self.cookie_value is not None
        if morsel is not None and hmac.compare_digest(morsel.value.encode(), self.cookie_value.encode()):
            return None
        return "This server needs its token: open the address your trainer gave you (it ends with ?token=...)."

    def set_cookie_header(self) -> str:
        """The ``Set-Cookie`` value for a request that gave the token."""
        return f"{self.cookie_name}={self.cookie_value}; Path=/; Max-Age={AUTH_COOKIE_SECONDS}; HttpOnly; SameSite=Lax"


def _clean(request: httputil.HTTPServerRequest, pairs: list[tuple[str, str]], cookie: str | None) -> None:
    """Remove :data:`STRIPPED_QUERY` from the query, the auth cookie and Authorization from the headers."""
    kept = [(k, v) for k, v in pairs if k not in STRIPPED_QUERY]
    if len(kept) != len(pairs):
        request.query = urlencode(kept)
        request.uri = request.path + (f"?{request.query}" if request.query else "")
        for name in STRIPPED_QUERY:
            request.query_arguments.pop(name, None)
            request.arguments.pop(name, None)
    if cookie is not None:
        parts = [p for p in request.headers.get("Cookie", "").split(";") if p.strip().split("=", 1)[0] != cookie]
        del request.headers["Cookie"]
        if any(p.strip() for p in parts):
            request.headers["Cookie"] = ";".join(parts).strip()
    if "Authorization" in request.headers:
        del request.headers["Authorization"]


class RefusedHandler(tornado.web.RequestHandler):
    """403 with a plain page (the reason escaped); the same for every method and for websockets."""

    def initialize(self, reason: str) -> None:
        self.reason = reason

    def prepare(self) -> None:
        self.set_status(403)
        self.set_header("Content-Type", "text/html; charset=UTF-8")
        self.set_header("Cache-Control", "no-store")
        self.finish(
            "<!DOCTYPE html><html><head><meta charset='utf-8'><title>403 Forbidden</title></head>"
            f"<body><h1>403 Forbidden</h1><p>{escape(self.reason)}</p></body></html>"
        )


def _cookie_transform(gate: Gate) -> type[tornado.web.OutputTransform]:
    class SetAuthCookie(tornado.web.OutputTransform):
        """Adds the auth cookie to the response of a request that gave the token; no Referer leaves the site.

        The page's address holds the token (``?token=``): ``Referrer-Policy: same-origin`` keeps
        it from the external resources a template may load.
        """

        def __init__(self, request: httputil.HTTPServerRequest) -> None:
            self.fresh = request in gate.fresh

        def transform_first_chunk(self, status_code, headers, chunk, finishing):  # type: ignore[no-untyped-def]
            if self.fresh:
                headers.add("Set-Cookie", gate.set_cookie_header())
            headers["Referrer-Policy"] = "same-origin"
            return status_code, headers, chunk

    return SetAuthCookie


#: The title message of each notebook's page (``<title>`` before the kernel has drawn the page).
PAGE_TITLES = {
    "00-home": "app.title",
    "01-planning": "planning.title",
    "02-recruitment": "recruitment.title",
    "03-training": "stage.training.name",
    "04-order-desk": "operations.title",
    "05-beer-game": "beer_game.title",
    "06-evaluation": "evaluation.title",
}

#: Keeps ``<html lang>``, the tab title and ``?lang=`` of the address in step with the page's
#: language. The page (:class:`chansim.ui.widgets.Page`) shows a hidden marker
#: ``<span data-chansim-lang="zh_CN" data-chansim-title="...">`` that it redraws on every language
#: switch; this script watches the document for it. A widget's HTML ``<script>`` never runs
#: (ipywidgets 8 sets ``innerHTML``), hence the serve layer puts the script into the page's head.
#: ``history.replaceState`` changes the address without a reload, so a reload (or a copied link)
#: opens the page in the language the trainee chose last (``?lang=`` reaches the kernel as
#: ``QUERY_STRING``, see :func:`chansim.ui.widgets.initial_language`).
LANGUAGE_SCRIPT = """<script>
(function () {
  function sync() {
    var marker = document.querySelector("[data-chansim-lang]");
    if (!marker) { return; }
    var code = marker.getAttribute("data-chansim-lang"), title = marker.getAttribute("data-chansim-title");
    var tag = code.replace("_", "-");
    if (document.documentElement.lang !== tag) { document.documentElement.lang = tag; }
    if (title && document.title !== title) { document.title = title; }
    var url = new URL(window.location.href);
    if (url.searchParams.get("lang") !== code) {
      url.searchParams.set("lang", code);
      window.history.replaceState(window.history.state, "", url.toString());
    }
  }
  new MutationObserver(sync).observe(document.documentElement, {subtree: true, childList: true,
    attributes: true, attributeFilter: ["data-chansim-lang", "data-chansim-title"]});
  document.addEventListener("DOMContentLoaded", sync);
})();
</script>
"""
_HTML_LANG = re.compile(r"<html([^>]*?)\slang=\"[^\"]*\"")
_TITLE = re.compile(r"<title>[^<]*</title>")


def page_language(query: str) -> str:
    """The language a page request asks for: ``?lang=``, else ``$CHANSIM_LANG``, else the catalogue's default."""
    from chansim.exercises.messages import language_asked

    return language_asked(query)


def localize_page(html_text: str, notebook: str, code: str) -> str:
    """A page's HTML with ``<html lang>``, ``<title>`` in ``code`` and :data:`LANGUAGE_SCRIPT` in its head."""
    from chansim.exercises.messages import CATALOGUE

    tag = code.replace("_", "-")
    text, langs = _HTML_LANG.subn(lambda m: f'<html{m.group(1)} lang="{tag}"', html_text, count=1)
    key = PAGE_TITLES.get(notebook)
    if key is not None:
        title = escape(CATALOGUE.get(key, code))
        text = _TITLE.sub(lambda _m: f"<title>{title}</title>", text, count=1)
    if "</head>" in text and "data-chansim-lang" not in text.split("</head>", 1)[0]:
        text = text.replace("</head>", LANGUAGE_SCRIPT + "</head>", 1)
    return text


class LocalizePage(tornado.web.OutputTransform):
    """Puts the page's language into the head of a ``/voila/render/<notebook>`` page (:func:`localize_page`).

    Voilà streams a page in many small chunks (the template's pieces, then each cell): the chunks
    are held back until the head is complete (``</head>``, at most :attr:`LIMIT` bytes), that part
    is rewritten, and everything after it passes as it comes.
    """

    LIMIT = 512 * 1024

    def __init__(self, request: httputil.HTTPServerRequest) -> None:
        path = request.path
        self.notebook: str | None = None
        if "/voila/render/" in path and path.endswith(".ipynb"):
            self.notebook = path.rsplit("/", 1)[-1].removesuffix(".ipynb")
        self.code = page_language(request.query) if self.notebook is not None else ""
        self._held: list[bytes] | None = None

    def transform_first_chunk(self, status_code, headers, chunk, finishing):  # type: ignore[no-untyped-def]
        """The first chunk of a page held back (or rewritten); other responses unchanged."""
        page = (
            self.notebook is not None
            and status_code == 200
            and "html" in headers.get("Content-Type", "")
            and not headers.get("Content-Encoding")
        )
        if not page:
            return status_code, headers, chunk
        self._held = []
        chunk = self._feed(chunk, finishing)
        if finishing and "Content-Length" in headers:
            headers["Content-Length"] = str(len(chunk))
        return status_code, headers, chunk

    def transform_chunk(self, chunk: bytes, finishing: bool) -> bytes:
        """Held back until the head is complete, then as it comes."""
        return self._feed(chunk, finishing) if self._held is not None else chunk

    def _feed(self, chunk: bytes, finishing: bool) -> bytes:
        assert self._held is not None and self.notebook is not None
        self._held.append(chunk)
        data = b"".join(self._held)
        if b"</head>" not in data and not finishing and len(data) < self.LIMIT:
            return b""
        self._held = None
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            return data
        return localize_page(text, self.notebook, self.code).encode("utf-8")


class GatedApplication(tornado.web.Application):
    """Voilà's tornado application with :class:`Gate` in front of every handler."""

    def __init__(self, gate: Gate, **settings: Any) -> None:
        self.gate = gate
        super().__init__(transforms=[_cookie_transform(gate), LocalizePage], **settings)

    def find_handler(self, request: httputil.HTTPServerRequest, **kwargs: Any):  # type: ignore[no-untyped-def]
        """The gate's 403 handler for a refused request, else the routed handler."""
        reason = self.gate.refusal(request)
        if reason is not None:
            return self.get_handler_delegate(request, RefusedHandler, {"reason": reason})
        return super().find_handler(request, **kwargs)


_TRACEBACK_MARK = "Traceback (most recent call last)"


class QuietWebsocketConnection(ZMQChannelsWebsocketConnection):
    """The kernel websocket connection, without tracebacks in what goes to the browser.

    Blanks ``traceback``, ``ename`` and ``evalue`` of every message that has them (iopub
    ``error``, shell replies) and replaces stream text that holds a Python traceback. What was
    removed is written to the server's log. (Used unless ``show_tracebacks``.)
    """

    def handle_outgoing_message(self, stream: str, outgoing_msg: list[Any]) -> None:
        """Scrub, re-sign, then send as usual."""
        quiet = self._quiet(outgoing_msg)
        if quiet:
            super().handle_outgoing_message(stream, quiet)

    def _quiet(self, msg_list: list[Any]) -> list[Any]:
        try:
            return self._scrubbed(msg_list)
        except Exception:  # a message this filter cannot read is not sent at all
            log.exception("chansim: a kernel message could not be checked for tracebacks; not sent")
            return []

    def _scrubbed(self, msg_list: list[Any]) -> list[Any]:
        session = self.session
        idents, parts = session.feed_identities(msg_list)
        if len(parts) < 5:
            return msg_list
        header = session.unpack(parts[1])
        msg_type = str(header.get("msg_type", ""))
        if msg_type not in ("error", "stream") and not msg_type.endswith("_reply"):
            return msg_list  # widget messages (the bulk) pass without decoding their content
        content = session.unpack(parts[4])
        if not isinstance(content, dict):
            return msg_list
        changed = False
        if content.get("traceback") or msg_type == "error":
            log.error("chansim: kernel %s sent an error (not shown to the browser): %s: %s\n%s",
                      self.kernel_id, content.get("ename"), content.get("evalue"),
                      "\n".join(map(str, content.get("traceback") or [])))  # fmt: skip
            content["traceback"] = [TRACEBACK_HIDDEN]
            content["ename"], content["evalue"] = "Error", TRACEBACK_HIDDEN
            changed = True
        if msg_type == "stream" and _TRACEBACK_MARK in str(content.get("text", "")):
            log.error("chansim: kernel %s printed a traceback (not shown to the browser):\n%s",
                      self.kernel_id, content["text"])  # fmt: skip
            content["text"] = TRACEBACK_HIDDEN + "\n"
            changed = True
        if not changed:
            return msg_list
        parts = list(parts)
        parts[4] = session.pack(content)
        parts[0] = session.sign(parts[1:5])
        return [*idents, DELIM, *parts]


class ChansimVoila(Voila):
    """Voilà whose tornado application is a :class:`GatedApplication`, with chansim's handlers."""

    chansim_options: ServeOptions | None = None
    #: the opened store (:func:`open_store`), ``settings["chansim_store"]`` for the identity handlers
    chansim_store: Any | None = None

    def start(self) -> None:
        """Voilà's start, with the gate and the hooks of the module docstring."""
        import tempfile

        options = self.chansim_options
        assert options is not None, "ChansimVoila needs chansim_options (use chansim.serve.launcher.run)"
        self.connection_dir = tempfile.mkdtemp(prefix="voila_", dir=self.connection_dir_root)
        gate = Gate(options)
        os.environ.update(gate.kernel_environment())  # before any kernel starts
        settings = self.init_settings()
        settings["chansim_options"] = options
        if self.chansim_store is not None:
            settings["chansim_store"] = self.chansim_store
        self.app = GatedApplication(gate, **settings)
        self.app.settings.update(self.tornado_settings)
        self.app.add_handlers(".*$", self.init_handlers())
        identity = _module("chansim.serve.identity")
        if identity is not None and getattr(identity, "HANDLERS", None):
            add_handlers(self.app, list(identity.HANDLERS))
        kernels = _module("chansim.serve.kernels")
        if kernels is not None and hasattr(kernels, "install"):
            kernels.install(self.app, options)
        self.listen()


def open_store(options: ServeOptions) -> Any | None:
    """The store of ``options.store`` (None: the default), opened and migrated; None without :mod:`chansim.store`.

    Raises:
        ServeError: naming ``--store`` when the store cannot be used (corrupt, locked, newer
            schema, bad URL, driver missing...).

    """
    store_module = _module("chansim.store")
    if store_module is None:
        return None
    try:
        return store_module.Store.open(options.store)
    except store_module.StoreError as error:
        raise ServeError(f"--store {redact_url(options.store) if options.store else '(default)'}: {error}") from None


def prepare_environment(options: ServeOptions) -> None:
    """Set what kernels need (store URL, language, Agg backend) and remove secrets from this process's environment."""
    for name in SECRET_ENVS:
        os.environ.pop(name, None)
    os.environ.setdefault("MPLBACKEND", "Agg")
    if options.language:
        os.environ["CHANSIM_LANG"] = options.language
    if options.store:
        os.environ["CHANSIM_STORE"] = options.store


def make_app(options: ServeOptions, store: Any | None = None) -> ChansimVoila:
    """A :class:`ChansimVoila` for resolved ``options`` (and the opened ``store``), initialised, not started."""
    config = build_config(options)
    kernels = _module("chansim.serve.kernels")
    if kernels is not None and hasattr(kernels, "configure"):
        kernels.configure(config, options)
    app = ChansimVoila(config=config)
    app.chansim_options = options
    app.chansim_store = store
    app.initialize([])
    return app


def run(options: ServeOptions, store: Any | None = None) -> None:
    """Serve ``options`` in this process until Ctrl-C or SIGTERM.

    ``store``: the store already opened by the caller (:func:`open_store`); else it is opened here.

    Raises:
        ServeError: for settings that cannot work (see :func:`chansim.serve.resolve`, :func:`open_store`).

    """
    options = resolve(options, check_port=False)
    if store is None:
        store = open_store(options)
    prepare_environment(options)
    try:
        make_app(options, store).start()
    finally:
        if store is not None:
            store.close()


def spawn(options: ServeOptions, **popen: Any) -> subprocess.Popen[bytes]:
    """Start the server of ``options`` in a child process; the token goes over its stdin.

    ``popen``: more arguments of :class:`subprocess.Popen` (``stdout``, ``env``, ``cwd``...).
    """
    cmd = [sys.executable, "-m", "chansim.serve.launcher", "--options-json", options.to_json()]
    if options.token:
        cmd.append("--token-stdin")
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, **popen)
    assert proc.stdin is not None
    if options.token:
        proc.stdin.write(options.token.encode() + b"\n")
    proc.stdin.close()
    return proc


def main(argv: list[str] | None = None) -> int:
    """``python -m chansim.serve.launcher --options-json JSON [--token-stdin]``."""
    parser = argparse.ArgumentParser(prog="python -m chansim.serve.launcher", description=main.__doc__)
    parser.add_argument("--options-json", required=True, help="ServeOptions.to_json() (never holds the token)")
    parser.add_argument(
        "--token-stdin", action="store_true", help=f"read the token from the first line of stdin (else ${TOKEN_ENV})"
    )
    args = parser.parse_args(argv)
    try:
        options = ServeOptions.from_json(args.options_json)
        token = sys.stdin.readline().strip() if args.token_stdin else os.environ.get(TOKEN_ENV)
        if token:
            options = dataclasses.replace(options, token=token)
        run(options)
    except (ServeError, ValueError, TypeError) as error:
        print(f"chansim: error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
