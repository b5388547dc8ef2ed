"""Who is logged in: the login cookie the server signs, and its checks on every request.

The cookie holds a JWT (HS256, the cookie key) with the login name and its expiry
moment; that moment, unique per login, is what logout revokes on the server. It also
carries the account's generation, which a disable and an admin's password reset bump. A
cookie counts only while its signature holds, it has not expired, its account is active,
it is of the account's current generation (so enabling an account again revives no old
login), and it was neither revoked nor issued before the account's last password change
(bar the one login that change was made from).

    token, expires_at = issue_login_token("ana", cookie_key, lifetime_s=86400)
    user = user_for_token(store, cookie_key, token, lifetime_s=86400)   # CurrentUser | None
"""

from __future__ import annotations

import os
import time
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import jwt

from studio.accounts.store import AccountStore

COOKIE_NAME = "studio_login"
MAX_TOKEN_CHARS = 4096  # a real token has about 150; anything longer is not one of ours


@dataclass(frozen=True)
class CurrentUser:
    username: str
    name: str
    role: str
    expires_at: float = 0.0  # the login's expiry moment: what logout revokes

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


class Login(NamedTuple):
    """What a login cookie says: who, until when, and of which account generation."""

    username: str
    expires_at: float
    generation: int = 0  # cookies from before generations were counted are of 0


def issue_login_token(
    username: str, cookie_key: str, lifetime_s: float, generation: int = 0
) -> tuple[str, float]:
    """A signed token for a login that has just succeeded, and its expiry moment.

    ``generation`` is the account's (``AccountStore.generation``), read BEFORE the password
    was checked: a disable meanwhile makes the token void, never revived by an enable."""
    expires_at = time.time() + lifetime_s
    claims = {"username": username, "exp_date": expires_at, "gen": generation}
    return jwt.encode(claims, cookie_key, "HS256"), expires_at


def read_login_token(token: str | None, cookie_key: str) -> Login | None:
    """(login name, expiry moment, generation) of a token we signed; None for anything else."""
    if not token or len(token) > MAX_TOKEN_CHARS:
        return None
    try:
        claims: dict[str, Any] = jwt.decode(token, cookie_key, algorithms=["HS256"])
    except jwt.PyJWTError:  # forged, another algorithm, garbage: not a login
        return None
    username, expires_at = claims.get("username"), claims.get("exp_date")
    generation = claims.get("gen", 0)
    if not isinstance(username, str) or not isinstance(expires_at, int | float):
        return None
    if not isinstance(generation, int) or isinstance(generation, bool):
        return None
    return Login(username, float(expires_at), generation)


def user_for_login(
    store: AccountStore, username: str, expires_at: float, lifetime_s: float, generation: int = 0
) -> CurrentUser | None:
    """The account behind a login, if the login still counts (checked in the catalog)."""
    if not store.token_is_valid(username, expires_at, lifetime_s, generation):
        return None
    account = store.get(username)
    if account is None or account.disabled:
        return None
    return CurrentUser(account.username, account.name, account.role, expires_at)


def user_for_token(
    store: AccountStore, cookie_key: str, token: str | None, lifetime_s: float
) -> CurrentUser | None:
    login = read_login_token(token, cookie_key)
    if login is None:
        return None
    return user_for_login(store, login.username, login.expires_at, lifetime_s, login.generation)


# The login cookie's signing key: required, secret, and long enough for HS256.
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
