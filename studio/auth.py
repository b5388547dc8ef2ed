"""Login through streamlit-authenticator, with the gaps it leaves closed here.

- Credentials come from the catalog's accounts, so disabled users drop out at once.
- The library reads its cookie from ``st.context.cookies``, fixed when the browser
  connected; after a logout that stale copy would log the user straight back in. Every
  cookie is therefore checked against the server's revocations before it is trusted.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import jwt
import streamlit as st
import streamlit_authenticator as stauth

from studio.accounts import AccountStore

COOKIE_NAME = "studio_login"
DEFAULT_EXPIRY_HOURS = 24.0
LOGIN_FIELDS = {"Form name": "Log in", "Username": "Login name", "Login": "Log in"}


@dataclass(frozen=True)
class CurrentUser:
    username: str
    name: str
    role: str

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


def cookie_expiry_hours() -> float:
    return float(os.environ.get("STUDIO_COOKIE_EXPIRY_HOURS", DEFAULT_EXPIRY_HOURS))


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
        token = library_get_cookie()
        if not token:
            return None
        if store.token_is_valid(token["username"], token["exp_date"], lifetime_s):
            return token  # type: ignore[no-any-return]
        return None

    auth.cookie_controller.get_cookie = unrevoked_cookie
    return auth


def _cookie_token(cookie_key: str) -> dict[str, Any] | None:
    raw = st.context.cookies.get(COOKIE_NAME)
    if not raw:
        return None
    try:
        return jwt.decode(raw, cookie_key, algorithms=["HS256"])  # type: ignore[no-any-return]
    except jwt.PyJWTError:
        return None


def require_login(store: AccountStore, cookie_key: str) -> CurrentUser | None:
    """Render the login form until someone logs in; return the logged-in user, or None."""
    auth = _authenticator(store, cookie_key)
    st.session_state["_studio_authenticator"] = auth
    was_logged_in = bool(st.session_state.get("authentication_status"))
    auth.login(location="main", fields=LOGIN_FIELDS, key="studio_login_form")
    if st.session_state.get("authentication_status") and not was_logged_in:
        # The cookie set by this login reaches st.context only on the next connection.
        st.session_state["_studio_token_exp"] = auth.cookie_controller.cookie_model.exp_date
        st.rerun()  # start over with the user's pages, not the login page's
    if st.session_state.get("authentication_status") is False:
        # One message for unknown names and wrong passwords: no hint which one it was.
        st.error("That login name and password do not match an active account.")
    return current_user(store)


def current_user(store: AccountStore) -> CurrentUser | None:
    """The session's user, re-checked against the accounts (disabled users are out)."""
    if not st.session_state.get("authentication_status"):
        return None
    account = store.get(st.session_state.get("username") or "")
    if account is None or account.disabled:
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
    for key in ("name", "username", "authentication_status", "email", "roles", "_studio_token_exp"):
        st.session_state[key] = None
