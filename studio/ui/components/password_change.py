"""My account's "Change password": the current password, the new one twice.

The change ends the user's other logins (another browser, a copied cookie) and keeps the
one it was made from; API tokens go on (they are listed just above, to revoke).
"""

from __future__ import annotations

import streamlit as st

from studio.accounts.login_cookie import CurrentUser
from studio.accounts.store import AccountError, password_matches
from studio.services import account_store
from studio.ui.text import as_markdown_text


def password_change_form(user: CurrentUser) -> None:
    st.subheader("Password")
    with st.form("account_password_form", clear_on_submit=True):
        current = st.text_input("Current password", type="password", key="account_password_now")
        new = st.text_input("New password", type="password", key="account_password_new")
        again = st.text_input("New password again", type="password", key="account_password_again")
        if not st.form_submit_button("Change password"):
            return
    store = account_store()
    if not password_matches(store.password_hash(user.username), current):
        st.error("The current password is wrong; nothing was changed.")
        return
    if new != again:
        st.error("The two new passwords differ; type the same one twice.")
        return
    try:
        store.change_own_password(user.username, new, keep_login=user.expires_at)
    except AccountError as problem:
        st.error(as_markdown_text(str(problem)))
        return
    st.success(
        "Password changed. Your other logins have ended; this one goes on. "
        "Your API tokens still work: revoke any you do not know above."
    )
