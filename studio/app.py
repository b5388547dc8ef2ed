"""The studio's router: page config, then login, then only the pages this user may see."""

from __future__ import annotations

import streamlit as st

from studio import services
from studio.accounts import AccountError
from studio.auth import log_out, require_login
from studio.cookie_key import CookieKeyError, cookie_expiry_hours
from studio.navigation import login_pages, pages_for

st.set_page_config(page_title="Studio", page_icon=":material/movie:", layout="wide")

try:
    cookie_key = services.cookie_key()
    cookie_expiry_hours()  # a bad value stops the studio here, not at someone's login
    store = services.checked_account_store()
except (CookieKeyError, AccountError) as refusal:
    st.error(f"The studio cannot start: {refusal}")
    st.stop()


if not st.session_state.get("authentication_status"):
    st.title("Studio")
    st.caption("Text to video, music, and videos scored with that music.")
user = require_login(store, cookie_key)
if user is None:
    # Logged out, every URL (deep links included) shows the login form and nothing else.
    st.navigation(login_pages(), position="hidden").run()
    st.stop()

navigation = st.navigation(pages_for(user))

with st.sidebar:
    st.write(f"Logged in as **{user.name}**" + (" (admin)" if user.is_admin else ""))
    if services.settings().tiny:
        st.warning("Demo models (STUDIO_MODELS=tiny): every output is noise.")
    if st.button("Log out", key="studio_log_out"):
        log_out(store, cookie_key)
        st.rerun()

navigation.run()
