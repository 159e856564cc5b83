"""``chansim serve``: the training app in Voilà, with defaults that are safe for a class.

Voilà runs inside the chansim process (:mod:`chansim.serve.launcher`), configured with a
traitlets ``Config`` object: no secret is ever on the command line of a process. It serves
the ``notebooks/`` folder; the home page is ``/voila/render/00-home.ipynb``.

Defaults: 127.0.0.1 only, sources stripped, tracebacks never sent to the browser, no code
execution from the page (Voilà only accepts widget messages), query-string overrides of the
theme and the template off, the ``Host`` header checked against an allow-list, one preheated
kernel per notebook so a page opens fast.

Beyond loopback (``ip`` of a LAN interface, or ``public=True`` for every interface) a token is
mandatory: :func:`resolve` generates one when none is given. This module only describes and
checks the settings (cheap to import, no Voilà); :mod:`chansim.serve.launcher` runs them.
"""

from __future__ import annotations

import dataclasses
import errno
import importlib.util
import ipaddress
import json
import os
import re
import secrets
import socket
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = [
    "HOME_NOTEBOOK",
    "MIN_TOKEN_LENGTH",
    "TOKEN_ENV",
    "ServeOptions",
    "ServeError",
    "allowed_hosts",
    "check_host_name",
    "find_notebooks",
    "is_loopback",
    "local_addresses",
    "port_is_free",
    "read_token_file",
    "redact_url",
    "resolve",
    "voila_command",
]

HOME_NOTEBOOK = "00-home.ipynb"
TOKEN_ENV = "CHANSIM_TOKEN"
MIN_TOKEN_LENGTH = 16
LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1")
#: environment variables that may carry a server secret: removed from the server's environment
#: (and so from every kernel's) once read
SECRET_ENVS = (TOKEN_ENV, "JUPYTER_TOKEN", "JPY_API_TOKEN", "JUPYTERHUB_API_TOKEN")


class ServeError(ValueError):
    """Something the user gave ``chansim serve`` that cannot work; the message says what is allowed."""


@dataclass(frozen=True)
class ServeOptions:
    """The settings of a Voilà server for the exercises.

    ``token``: required in the URL (``?token=``), an ``Authorization: token ...`` header or the
    cookie the server sets after the first good token. Mandatory beyond loopback and with
    ``require_token``; :func:`resolve` generates it then. ``allow_hosts``: Host names accepted
    besides the defaults (see :func:`allowed_hosts`). ``store``: an SQLAlchemy URL exported to
    the kernels as ``CHANSIM_STORE``.
    """

    notebooks: Path
    port: int = 8866
    ip: str = "127.0.0.1"
    public: bool = False
    preheat: bool = True
    pool_size: int = 1
    language: str | None = None
    token: str | None = field(default=None, repr=False)
    require_token: bool = False
    allow_hosts: tuple[str, ...] = ()
    store: str | None = None
    cull_idle_seconds: int = 60
    cull_interval_seconds: int = 30
    max_kernels: int = 60
    max_kernels_per_client: int = 4
    timeout_seconds: int = 120
    show_tracebacks: bool = False

    @property
    def bind_ip(self) -> str:
        """The address the server listens on (``0.0.0.0`` when public)."""
        return "0.0.0.0" if self.public else self.ip

    @property
    def token_required(self) -> bool:
        """Whether requests need the token: when one is set, asked for, or the server is beyond loopback."""
        return bool(self.token) or self.require_token or not is_loopback(self.bind_ip)

    @property
    def share_host(self) -> str:
        """The host name to put in the URL to share."""
        ip = self.bind_ip
        if is_loopback(ip):
            return "127.0.0.1" if ip in ("", "0.0.0.0") else _url_host(ip)
        if ip in ("0.0.0.0", "::", ""):
            return _url_host(_primary_address() or socket.gethostname())
        return _url_host(ip)

    @property
    def home_url(self) -> str:
        """The URL of the home page, without the token."""
        query = f"?lang={self.language}" if self.language else ""
        return f"http://{self.share_host}:{self.port}/voila/render/{HOME_NOTEBOOK}{query}"

    @property
    def share_url(self) -> str:
        """The URL of the home page with the token in it (the one to give trainees)."""
        if not self.token:
            return self.home_url
        return self.home_url + ("&" if "?" in self.home_url else "?") + f"token={self.token}"

    def to_json(self, *, with_token: bool = False) -> str:
        """These options as JSON (the token left out unless ``with_token``)."""
        data: dict[str, Any] = dataclasses.asdict(self)
        data["notebooks"] = str(self.notebooks)
        data["allow_hosts"] = list(self.allow_hosts)
        if not with_token:
            data.pop("token")
        return json.dumps(data)

    @classmethod
    def from_json(cls, text: str) -> ServeOptions:
        """Options from :meth:`to_json`; unknown keys are refused."""
        data = json.loads(text)
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = set(data) - names
        if unknown:
            raise ServeError(f"unknown server options: {', '.join(sorted(unknown))}")
        data["notebooks"] = Path(data["notebooks"])
        data["allow_hosts"] = tuple(data.get("allow_hosts", ()))
        return cls(**data)


def redact_url(url: str) -> str:
    """``url`` with its password (``scheme://user:password@host``) shown as ``***``."""
    return re.sub(r"^([A-Za-z][A-Za-z0-9+.-]*://[^:/@]*):[^@/]*@", r"\1:***@", url)


def is_loopback(ip: str) -> bool:
    """Whether ``ip`` is a loopback address (``0.0.0.0`` and ``::`` are not: they are every interface)."""
    try:
        return ipaddress.ip_address(ip).is_loopback
    except ValueError:
        return ip == "localhost"


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host and not host.startswith("[") else host


def _primary_address() -> str | None:
    """The address this machine uses towards the network (no packet is sent)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("192.0.2.1", 9))  # TEST-NET-1: routing decision only
            address = s.getsockname()[0]
        except OSError:
            return None
    return None if is_loopback(address) or address == "0.0.0.0" else address


def local_addresses() -> list[str]:
    """The IP addresses of this machine's interfaces (IPv4 and IPv6, loopback included)."""
    found: list[str] = list(LOOPBACK_HOSTS[1:])
    primary = _primary_address()
    if primary:
        found.append(primary)
    try:
        for info in socket.getaddrinfo(socket.gethostname(), None):
            found.append(str(info[4][0]))
    except OSError:
        pass
    try:  # Linux: every IPv6 address of every interface
        for line in Path("/proc/net/if_inet6").read_text().splitlines():
            raw = line.split()[0]
            found.append(str(ipaddress.IPv6Address(int(raw, 16))))
    except (OSError, ValueError, IndexError):
        pass
    try:  # Linux: every IPv4 address of every interface
        import fcntl
        import struct

        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            for _, name in socket.if_nameindex():
                try:
                    packed = fcntl.ioctl(s.fileno(), 0x8915, struct.pack("256s", name.encode()[:15]))  # SIOCGIFADDR
                except OSError:
                    continue
                found.append(socket.inet_ntoa(packed[20:24]))
    except (ImportError, OSError):
        pass
    out: list[str] = []
    for address in found:
        address = address.split("%")[0]  # IPv6 scope
        if address not in out:
            out.append(address)
    return out


_LABEL = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)")


def check_host_name(name: str) -> str:
    """``name`` as a Host allow-list entry (lower case, IPv6 without brackets).

    Allowed: a DNS name (letters, digits, hyphens and dots, 253 characters at most) or an
    IPv4/IPv6 address.

    Raises:
        ServeError: naming ``--allow-host`` and what is allowed.

    """
    text = name.strip().lower()
    bare = text[1:-1] if text.startswith("[") and text.endswith("]") else text
    try:
        return str(ipaddress.ip_address(bare))
    except ValueError:
        pass
    if 0 < len(text) <= 253 and all(_LABEL.fullmatch(label) for label in text.rstrip(".").split(".")):
        return text.rstrip(".")
    raise ServeError(
        f"--allow-host {name!r}: not a host name; give a DNS name (letters, digits, '-' and '.') or an IP address"
    )


def allowed_hosts(options: ServeOptions) -> tuple[str, ...]:
    """The Host names the server answers to.

    Always localhost, 127.0.0.1, ::1 and ``options.allow_hosts``; beyond loopback also this
    machine's host names and the listening address(es).
    """
    hosts = list(LOOPBACK_HOSTS)
    ip = options.bind_ip
    if not is_loopback(ip):
        names = [socket.gethostname(), socket.getfqdn()]
        if ip in ("0.0.0.0", "::", ""):
            names += local_addresses()
        else:
            names.append(ip)
        for name in names:
            try:
                hosts.append(check_host_name(name))
            except ServeError:
                continue
    hosts += [check_host_name(h) for h in options.allow_hosts]
    return tuple(dict.fromkeys(hosts))


def read_token_file(path: str | os.PathLike[str]) -> str:
    """The token in the file ``path`` (its first line, stripped).

    Raises:
        ServeError: naming ``--token-file`` when the file cannot be read or is empty.

    """
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = error.strerror if isinstance(error, OSError) and error.strerror else "not a UTF-8 text file"
        raise ServeError(
            f"--token-file {path}: cannot read it ({reason}); give a readable file with the token"
        ) from None
    lines = text.strip().splitlines()
    return lines[0].strip() if lines else ""


def _check_ip(ip: str) -> None:
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        raise ServeError(
            f"--ip {ip!r}: not an IP address; give an address of this machine (e.g. 127.0.0.1 or its LAN address), "
            "or --public for every interface"
        ) from None
    family = socket.AF_INET6 if address.version == 6 else socket.AF_INET
    with socket.socket(family) as s:
        try:
            s.bind((ip, 0))
        except OSError as error:
            if error.errno == errno.EADDRNOTAVAIL:
                mine = ", ".join(a for a in local_addresses() if ":" not in a) or "127.0.0.1"
                raise ServeError(
                    f"--ip {ip}: not an address of this machine; give one of {mine}, or --public for every interface"
                ) from None
            raise ServeError(f"--ip {ip}: cannot listen there ({error.strerror})") from None


def resolve(options: ServeOptions, *, check_port: bool = True) -> ServeOptions:
    """``options`` checked and completed.

    A token is generated when one is required and missing; ``allow_hosts`` becomes the full
    Host allow-list (:func:`allowed_hosts`).

    Raises:
        ServeError: for an address that is not this machine's, a bad host name, a token shorter
            than :data:`MIN_TOKEN_LENGTH`, a port in use (when ``check_port``).

    """
    if options.public and options.ip not in ("127.0.0.1", "0.0.0.0"):
        raise ServeError(f"--public and --ip {options.ip}: give one of them (--public listens on every interface)")
    if not options.public:
        _check_ip(options.ip)
    token = options.token
    if token is not None:
        token = token.strip()
        if len(token) < MIN_TOKEN_LENGTH or any(c.isspace() or not c.isprintable() for c in token):
            raise ServeError(
                "--token (or CHANSIM_TOKEN, --token-file): too short or has spaces; give at least "
                f"{MIN_TOKEN_LENGTH} printable characters without spaces, or none to have one generated"
            )
    resolved = dataclasses.replace(options, token=token)
    if resolved.token_required and not token:
        resolved = dataclasses.replace(resolved, token=secrets.token_urlsafe(24))
    resolved = dataclasses.replace(resolved, allow_hosts=allowed_hosts(resolved))
    if check_port and not port_is_free(resolved.bind_ip, resolved.port):
        raise ServeError(
            f"--port {resolved.port}: already in use on {resolved.bind_ip}; choose another port (1024 to 65535)"
        )
    return resolved


def find_notebooks(given: str | os.PathLike[str] | None = None) -> Path:
    """The folder of exercise notebooks: ``given``, else ``./notebooks``, else the ones shipped with chansim.

    The shipped notebooks are package data of the installed wheel (``chansim/notebooks``),
    or the ``notebooks/`` folder of a source checkout (:func:`chansim.io.bundled_folder`).

    Raises:
        ServeError: when the folder does not exist or has no home notebook.

    """
    from chansim.io import bundled_folder

    candidates = [Path(given)] if given is not None else [Path.cwd() / "notebooks", bundled_folder("notebooks")]
    for path in candidates:
        if (path / HOME_NOTEBOOK).is_file():
            return path.resolve()
    if given is not None:
        raise ServeError(
            f"--notebooks {given}: no {HOME_NOTEBOOK} there; give the folder with the chansim exercise notebooks"
        )
    raise ServeError(
        f"cannot find the exercise notebooks (a notebooks/ folder with {HOME_NOTEBOOK}): the chansim installation "
        "is incomplete; reinstall it or give --notebooks DIR"
    )


def port_is_free(ip: str, port: int) -> bool:
    """Whether ``ip:port`` can be bound now."""
    family = socket.AF_INET6 if ":" in ip else socket.AF_INET
    with socket.socket(family) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as tornado does: TIME_WAIT is no conflict
        try:
            s.bind((ip, port))
        except OSError:
            return False
    return True


def check_voila() -> None:
    """Raise :class:`ServeError` when Voilà is not installed."""
    if importlib.util.find_spec("voila") is None:
        raise ServeError(
            "Voila is not installed: install the app with  python3 -m pip install 'chansim[ui]'"
            "  (in a checkout: -e '.[ui]')"
        )


def voila_command(options: ServeOptions) -> list[str]:
    """A command line that runs the server of ``options`` (:mod:`chansim.serve.launcher`).

    Kept for scripts and tests that start the server as a child process. The token is never
    put on it: a server that needs a token is started with
    :func:`chansim.serve.launcher.spawn`, which hands the token over on the child's stdin.

    Raises:
        ServeError: when Voilà is not installed, or ``options`` has a token.

    """
    check_voila()
    if options.token:
        raise ServeError("a token never goes on a command line: start the server with chansim.serve.launcher.spawn")
    # this interpreter: the kernels then run this Python and import this chansim
    return [sys.executable, "-m", "chansim.serve.launcher", "--options-json", options.to_json()]
