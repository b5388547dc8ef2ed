"""Login through streamlit-authenticator, with the gaps it leaves closed here.

- Credentials come from the catalog's accounts, so disabled users drop out at once.
- The library reads its cookie from ``st.context.cookies``, fixed when the browser
  connected; after a logout that stale copy would log the user straight back in. Every
  cookie is therefore checked against the server's revocations before it is trusted,
  and every run re-checks the session's login, so a revoked one ends open sessions too.
- The library's password check answers an unknown name at once (a timing hint) and
  counts failures only in memory. Ours runs bcrypt for unknown names too and counts
  failures per name and per client address in the catalog (``studio.login_limits``).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import jwt
import streamlit as st
import streamlit_authenticator as stauth

from studio.accounts import AccountStore, password_matches
from studio.cookie_key import cookie_expiry_hours
from studio.login_limits import LoginLimits, Refusal

COOKIE_NAME = "studio_login"
LOGIN_FIELDS = {"Form name": "Log in", "Username": "Login name", "Login": "Log in"}
NO_MATCH = "That login name and password do not match an active account."
REFUSAL_KEY = "_studio_login_refusal"  # why the last try was refused without a check


@dataclass(frozen=True)
class CurrentUser:
    username: str
    name: str
    role: str

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


def client_address() -> str | None:
    """The browser's address as Streamlit saw it (X-Forwarded-For from a local proxy).

    None on loopback without a proxy header: then only the login name is counted.
    """
    return st.context.ip_address


def _wait(seconds: float) -> None:
    time.sleep(seconds)


def guarded_check(
    credentials: Mapping[str, Any],
    limits: LoginLimits,
    username: str,
    password: str,
    address: str | None,
) -> tuple[bool, str | None]:
    """(matched, refusal message): the password check, counted and slowed per name and address.

    An unknown name costs one bcrypt check like a known one, so the answer's time and
    message are the same; while blocked, no password is checked at all.
    """
    attempt = limits.begin(username, address)
    if isinstance(attempt, Refusal):
        return False, attempt.message
    account = credentials.get("usernames", {}).get(username)
    if password_matches(account.get("password") if account else None, password):
        limits.succeeded(attempt)
        return True, None
    _wait(limits.failed(attempt))
    return False, None


_limits_by_db: dict[str, LoginLimits] = {}


def login_limits(store: AccountStore) -> LoginLimits:
    """One LoginLimits per catalog file (the schema is created once per process)."""
    key = str(store.db_path)
    if key not in _limits_by_db:
        _limits_by_db[key] = LoginLimits(store.db_path)
    return _limits_by_db[key]


def _authenticator(store: AccountStore, cookie_key: str) -> Any:
    lifetime_s = cookie_expiry_hours() * 3600
    auth = stauth.Authenticate(
        store.credentials(),
        cookie_name=COOKIE_NAME,
        cookie_key=cookie_key,
        cookie_expiry_days=lifetime_s / 86400,
        auto_hash=False,  # the store hashes; never hand the library plain passwords
    )
    library_get_cookie = auth.cookie_controller.get_cookie

    def unrevoked_cookie() -> dict[str, Any] | None:
        try:
            token = library_get_cookie()
        except jwt.PyJWTError:  # e.g. a forged header naming another algorithm: not a login
            return None
        if not token:
            return None
        if store.token_is_valid(token["username"], token["exp_date"], lifetime_s):
            # Remembered so that every later run can re-check this login (current_user).
            st.session_state["_studio_token_exp"] = token["exp_date"]
            return token
        return None

    model = auth.authentication_controller.authentication_model

    def limited_check(username: str, password: str) -> bool:
        matched, refusal = guarded_check(
            model.credentials, login_limits(store), username, password, client_address()
        )
        st.session_state[REFUSAL_KEY] = refusal
        return matched

    auth.cookie_controller.get_cookie = unrevoked_cookie
    model.check_credentials = limited_check
    return auth


def _cookie_token(cookie_key: str) -> dict[str, Any] | None:
    raw = st.context.cookies.get(COOKIE_NAME)
    if not raw:
        return None
    try:
        return jwt.decode(raw, cookie_key, algorithms=["HS256"])
    except jwt.PyJWTError:
        return None


def require_login(store: AccountStore, cookie_key: str) -> CurrentUser | None:
    """Render the login form until someone logs in; return the logged-in user, or None."""
    auth = _authenticator(store, cookie_key)
    st.session_state["_studio_authenticator"] = auth
    was_logged_in = bool(st.session_state.get("authentication_status"))
    auth.login(location="main", fields=LOGIN_FIELDS, key="studio_login_form")
    if st.session_state.get("authentication_status") and not was_logged_in:
        issued = auth.cookie_controller.cookie_model.exp_date
        if issued is not None:  # a form login; a cookie login recorded its token already
            # The cookie set by this login reaches st.context only on the next connection.
            st.session_state["_studio_token_exp"] = issued
        st.rerun()  # start over with the user's pages, not the login page's
    if st.session_state.get("authentication_status") is False:
        # One message for unknown names and wrong passwords: no hint which one it was.
        st.error(st.session_state.get(REFUSAL_KEY) or NO_MATCH)
    user = current_user(store)
    if user is None and was_logged_in:
        st.rerun()  # the login just ended (revoked, disabled, expired): start at the form
    return user


def current_user(store: AccountStore) -> CurrentUser | None:
    """The session's user, re-checked on every run: a disabled account, a logout
    elsewhere, a password change or an expired login ends the session at once."""
    if not st.session_state.get("authentication_status"):
        return None
    account = store.get(st.session_state.get("username") or "")
    issued = st.session_state.get("_studio_token_exp")
    if (
        account is None
        or account.disabled
        or issued is None
        or not store.token_is_valid(account.username, issued, cookie_expiry_hours() * 3600)
    ):
        _forget_login()
        return None
    return CurrentUser(account.username, account.name, account.role)


def log_out(store: AccountStore, cookie_key: str) -> None:
    """Revoke this session's cookie on the server, then clear it in the browser."""
    token = _cookie_token(cookie_key)
    if token and "username" in token and "exp_date" in token:
        store.revoke_token(token["username"], token["exp_date"])
    username, issued = st.session_state.get("username"), st.session_state.get("_studio_token_exp")
    if username and issued:
        store.revoke_token(username, issued)
    auth = st.session_state.get("_studio_authenticator")
    if auth is not None and st.session_state.get("authentication_status"):
        auth.logout(location="unrendered")
    _forget_login()


def _forget_login() -> None:
    keys = ("name", "username", "authentication_status", "email", "roles", "_studio_token_exp")
    for key in (*keys, REFUSAL_KEY):
        st.session_state[key] = None
