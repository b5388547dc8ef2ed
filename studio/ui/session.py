"""The logged-in user of a Streamlit session, from the cookie the login route set.

The browser sends the cookie with the WebSocket handshake (``st.context.cookies``,
fixed for the connection). It is read until it names a login, which is then
re-checked in the catalog on every run: a logout elsewhere, a password change, a
disabled account or an expiry ends an open session at its next run.
"""

from __future__ import annotations

import streamlit as st

from studio.accounts.login_cookie import (
    COOKIE_NAME,
    CurrentUser,
    cookie_expiry_hours,
    read_login_token,
    user_for_login,
)
from studio.services import account_store, cookie_key

LOGIN_KEY = "_studio_login"  # (login name, expiry moment, generation) of this session's cookie


def session_user() -> CurrentUser | None:
    login = st.session_state.get(LOGIN_KEY)
    if login is None:
        login = read_login_token(st.context.cookies.get(COOKIE_NAME), cookie_key())
        if login is None:
            return None
        st.session_state[LOGIN_KEY] = login
    username, expires_at, generation = login
    lifetime_s = cookie_expiry_hours() * 3600
    user = user_for_login(account_store(), username, expires_at, lifetime_s, generation)
    if user is None:
        del st.session_state[LOGIN_KEY]
    return user
