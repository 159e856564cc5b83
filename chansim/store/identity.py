"""Trainee names, PINs and session keys: the rules and the hashing (no database here)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
import secrets
import unicodedata
from http.cookies import CookieError, SimpleCookie

from chansim.store.errors import StoreError

__all__ = [
    "COOKIE",
    "NAME_MAX",
    "PIN_MAX",
    "PIN_MIN",
    "SESSION_DAYS",
    "WORKSHOP_MAX",
    "check_name",
    "check_pin",
    "check_pin_hash",
    "hash_key",
    "hash_pin",
    "name_key",
    "new_key",
    "session_key",
]

NAME_MAX = 40
WORKSHOP_MAX = 64
PIN_MIN, PIN_MAX = 4, 12
#: scrypt cost: 16 MiB and ~50 ms a PIN check, which bounds guessing a short PIN offline and online.
_SCRYPT_N, _SCRYPT_R, _SCRYPT_P = 2**14, 8, 1
#: Unicode categories refused in names: control, format (bidi overrides, zero-width), separators
#: of lines and paragraphs, surrogates, private use and unassigned characters.
_REFUSED = {"Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"}
_SPACES = re.compile(r"\s+")
#: The session cookie the class server's join form sets and every exercise page's kernel reads.
COOKIE = "chansim_trainee"
#: Days a session key stays valid after the join (the cookie lives as long): a workshop over
#: several days resumes; a key copied off a shared laptop a month later opens nothing.
SESSION_DAYS = 14
_KEY = re.compile(r"^[A-Za-z0-9_-]{16,128}$")


def session_key(cookie_header: str | None = None) -> str | None:
    """The trainee's session key from a ``Cookie`` header (default: ``$HTTP_COOKIE``), or None.

    A malformed header or a value that cannot be a key gives None.
    """
    header = os.environ.get("HTTP_COOKIE", "") if cookie_header is None else cookie_header
    if not header or COOKIE not in header:
        return None
    cookies: SimpleCookie = SimpleCookie()
    try:
        cookies.load(header)
    except CookieError:
        return None
    morsel = cookies.get(COOKIE)
    if morsel is None or not _KEY.match(morsel.value):
        return None
    return morsel.value


def check_name(value: object, what: str = "name", maximum: int = NAME_MAX) -> str:
    """``value`` stripped, when it is a text of 1..``maximum`` characters without control characters."""
    if not isinstance(value, str):
        raise StoreError(f"the {what} must be a text, got {type(value).__name__}")
    text = unicodedata.normalize("NFC", value).strip()
    if not 1 <= len(text) <= maximum:
        raise StoreError(
            f"the {what} must have 1 to {maximum} characters (spaces around it do not count), got {len(text)}"
        )
    bad = sorted({f"U+{ord(c):04X}" for c in text if unicodedata.category(c) in _REFUSED})
    if bad:
        raise StoreError(
            f"the {what} {text!r} holds control or invisible characters ({', '.join(bad[:5])}); "
            "use letters, digits, spaces and punctuation"
        )
    return text


def name_key(name: str) -> str:
    """The form in which two names are the same name: NFKC, case-folded, runs of spaces as one."""
    return _SPACES.sub(" ", unicodedata.normalize("NFKC", name).casefold()).strip()


def check_pin(value: object) -> str:
    """``value`` when it is a PIN: a text of 4..12 characters, no control characters, spaces kept."""
    if not isinstance(value, str):
        raise StoreError(f"the PIN must be a text, got {type(value).__name__}")
    if not PIN_MIN <= len(value) <= PIN_MAX:
        raise StoreError(f"the PIN must have {PIN_MIN} to {PIN_MAX} characters, got {len(value)}")
    if any(unicodedata.category(c) in _REFUSED for c in value):
        raise StoreError("the PIN holds control or invisible characters; use letters, digits and punctuation")
    return value


def _scrypt(pin: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(pin.encode("utf-8"), salt=salt, n=n, r=r, p=p, maxmem=64 * 1024 * 1024, dklen=32)


def hash_pin(pin: str) -> str:
    """``pin`` hashed with scrypt and a random salt, as ``scrypt$n$r$p$salt$hash`` (base64)."""
    salt = secrets.token_bytes(16)
    digest = _scrypt(pin, salt, _SCRYPT_N, _SCRYPT_R, _SCRYPT_P)
    b64 = base64.b64encode
    return f"scrypt${_SCRYPT_N}${_SCRYPT_R}${_SCRYPT_P}${b64(salt).decode()}${b64(digest).decode()}"


def check_pin_hash(pin: str, stored: str) -> bool:
    """Whether ``pin`` is the PIN of ``stored`` (:func:`hash_pin`), compared in constant time."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(digest)
        actual = _scrypt(pin, base64.b64decode(salt), int(n), int(r), int(p))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)


def new_key() -> str:
    """A new session key: 256 random bits, URL-safe text."""
    return secrets.token_urlsafe(32)


def hash_key(key: str) -> str:
    """The stored form of a session key: its SHA-256 (a 256-bit random key needs no salt or stretching)."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()
