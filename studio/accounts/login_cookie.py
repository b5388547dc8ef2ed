"""Who is logged in: the login cookie the server signs, and its checks on every request.

The cookie holds a JWT (HS256, the cookie key) with the login name and its expiry
moment; that moment, unique per login, is what logout revokes on the server. A cookie
counts only while its signature holds, it has not expired, its account is active, and
it was neither revoked nor issued before the account's last password change.

    token, expires_at = issue_login_token("ana", cookie_key, lifetime_s=86400)
    user = user_for_token(store, cookie_key, token, lifetime_s=86400)   # CurrentUser | None
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import jwt

from studio.accounts import AccountStore

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


def issue_login_token(username: str, cookie_key: str, lifetime_s: float) -> tuple[str, float]:
    """A signed token for a login that has just succeeded, and its expiry moment."""
    expires_at = time.time() + lifetime_s
    token = jwt.encode({"username": username, "exp_date": expires_at}, cookie_key, "HS256")
    return token, expires_at


def read_login_token(token: str | None, cookie_key: str) -> tuple[str, float] | None:
    """(login name, expiry moment) of a token we signed; None for anything else."""
    if not token or len(token) > MAX_TOKEN_CHARS:
        return None
    try:
        claims: dict[str, Any] = jwt.decode(token, cookie_key, algorithms=["HS256"])
    except jwt.PyJWTError:  # forged, another algorithm, garbage: not a login
        return None
    username, expires_at = claims.get("username"), claims.get("exp_date")
    if not isinstance(username, str) or not isinstance(expires_at, int | float):
        return None
    return username, float(expires_at)


def user_for_login(
    store: AccountStore, username: str, expires_at: float, lifetime_s: float
) -> CurrentUser | None:
    """The account behind a login, if the login still counts (checked in the catalog)."""
    if not store.token_is_valid(username, expires_at, lifetime_s):
        return None
    account = store.get(username)
    if account is None or account.disabled:
        return None
    return CurrentUser(account.username, account.name, account.role, expires_at)


def user_for_token(
    store: AccountStore, cookie_key: str, token: str | None, lifetime_s: float
) -> CurrentUser | None:
    login = read_login_token(token, cookie_key)
    return user_for_login(store, *login, lifetime_s) if login else None
