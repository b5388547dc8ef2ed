"""The studio's router: page config, then the login check, then only this user's pages.

Logging in and out happen over HTTP (``studio.web.login``); a page opened while
logged out is sent to the login form before any of this runs (``studio.web.guard``).
A session whose login ends while it is open lands here logged out.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote, urlsplit

import streamlit as st

from studio import services
from studio.accounts.login_cookie import CookieKeyError, cookie_expiry_hours
from studio.accounts.store import AccountError
from studio.ui.navigation import login_pages, pages_for
from studio.ui.session import session_user

ICON = Path(__file__).resolve().parents[2] / "assets" / "icon.svg"  # inlined: no CDN
# A real form post (logout revokes on the server), styled like Streamlit's own buttons.
LOGOUT_FORM = (
    '<form method="post" action="/auth/logout"><button type="submit" style="'
    "font: inherit; color: inherit; background: transparent; cursor: pointer; "
    "padding: 0.25rem 0.75rem; border: 1px solid rgba(250, 250, 250, 0.2); "
    'border-radius: 0.5rem;">Log out</button></form>'
)

st.set_page_config(page_title="Studio", page_icon=str(ICON), layout="wide")

try:
    services.cookie_key()
    cookie_expiry_hours()  # a bad value stops the studio here, not at someone's login
    services.checked_account_store()
except (CookieKeyError, AccountError) as refusal:
    st.error(f"The studio cannot start: {refusal}")
    st.stop()

user = session_user()
if user is None:
    st.title("Studio")
    st.info("You are logged out.")
    here = urlsplit(st.context.url or "/").path or "/"
    st.link_button("Log in", f"/auth/login?next={quote(here, safe='')}")
    st.navigation(login_pages(), position="hidden").run()
    st.stop()

navigation = st.navigation(pages_for(user))

with st.sidebar:
    st.text(f"Logged in as {user.name}" + (" (admin)" if user.is_admin else ""))
    if services.settings().tiny:
        st.warning("Demo models (STUDIO_MODELS=tiny): every output is noise.")
    st.html(LOGOUT_FORM)

navigation.run()
