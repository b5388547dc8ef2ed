"""The login cookie's signing key: required, secret, and long enough for HS256."""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path

MIN_KEY_BYTES = 32
# Keys from examples and the library's defaults: anyone could forge cookies with these.
KNOWN_DEFAULT_KEYS = {
    "some_key",
    "some_signature_key",
    "random_signature_key",
    "changeme",
    "secret",
}
SECRETS_FILE = Path(".streamlit/secrets.toml")
HOW_TO_MAKE_ONE = (
    'Make one with `python -c "import secrets; print(secrets.token_urlsafe(48))"` and set '
    f'STUDIO_COOKIE_KEY, or write cookie_key = "..." to {SECRETS_FILE}.'
)


class CookieKeyError(RuntimeError):
    """The studio must not start: cookies signed with this key could be forged."""


def read_cookie_key(
    environ: Mapping[str, str] | None = None, secrets_file: Path = SECRETS_FILE
) -> str:
    env = os.environ if environ is None else environ
    key = env.get("STUDIO_COOKIE_KEY", "").strip()
    if not key and secrets_file.is_file():
        key = str(tomllib.loads(secrets_file.read_text()).get("cookie_key", "")).strip()
    if not key:
        raise CookieKeyError(f"No cookie key is set. {HOW_TO_MAKE_ONE}")
    if key.lower() in KNOWN_DEFAULT_KEYS:
        raise CookieKeyError(f"The cookie key is a well-known default. {HOW_TO_MAKE_ONE}")
    if len(key.encode()) < MIN_KEY_BYTES:
        raise CookieKeyError(
            f"The cookie key has {len(key.encode())} bytes; it needs at least {MIN_KEY_BYTES}. "
            f"{HOW_TO_MAKE_ONE}"
        )
    return key


DEFAULT_EXPIRY_HOURS = 24.0


def cookie_expiry_hours() -> float:
    """How long a login lasts: STUDIO_COOKIE_EXPIRY_HOURS, 24 h unless set."""
    raw = os.environ.get("STUDIO_COOKIE_EXPIRY_HOURS", "").strip() or str(DEFAULT_EXPIRY_HOURS)
    try:
        hours = float(raw)
    except ValueError:
        hours = -1.0
    if not 0 < hours <= 24 * 365:
        raise CookieKeyError(
            f"STUDIO_COOKIE_EXPIRY_HOURS must be hours between 0 and 8760, but is {raw!r}."
        )
    return hours
