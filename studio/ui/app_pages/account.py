"""My account: the API tokens a user's scripts call the studio with (see the README)."""

from __future__ import annotations

import streamlit as st

from studio.accounts.tokens import TokenError
from studio.ui.backend import create_token, my_tokens, revoke_token, shown_time
from studio.ui.components.job_panel import page_user
from studio.ui.components.password_change import password_change_form
from studio.ui.text import as_markdown_text, plain

NEW_TOKENS_KEY = "account_new_tokens"  # [(name, secret)]: shown until the user dismisses them


def render() -> None:
    user = page_user()
    st.title("My account")
    st.caption(f"Logged in as {user.username} ({user.role}).")
    st.subheader("API tokens")
    st.markdown(
        "A token lets a script use the studio's HTTP API as you, with your limits: "
        "send it as `Authorization: Bearer <token>` to `/api/v1/` "
        "(the routes are in `/api/v1/openapi.json`)."
    )
    with st.form("account_token_form", clear_on_submit=True):
        name = st.text_input("Name of the new token", key="account_token_name",
                             placeholder="render farm")  # fmt: skip
        if st.form_submit_button("Create token"):
            try:
                made = (name.strip(), create_token(user, name))
                st.session_state[NEW_TOKENS_KEY] = [*st.session_state.get(NEW_TOKENS_KEY, []), made]
            except TokenError as refusal:
                st.error(as_markdown_text(str(refusal)))
    show_new_tokens()

    tokens = my_tokens(user)
    if not tokens:
        st.info("You have no tokens yet.")
    for token in tokens:
        left, middle, right = st.columns([3, 4, 2])
        left.markdown(f"**{plain(token.name)}**")  # a name like a host is no link
        status = f"revoked {shown_time(token.revoked_at)}" if not token.active else "active"
        middle.caption(
            f"created {shown_time(token.created_at)} · last used "
            f"{shown_time(token.last_used_at)} · {status}"
        )
        if token.active and right.button("Revoke", key=f"account_revoke_{token.name}"):
            revoke_token(user, token.name)
            st.rerun()
    password_change_form(user)


def show_new_tokens() -> None:
    """Each new secret stays on the page (a rerun, another Create token, Enter in the name)
    until the user says it is copied: it is never shown again, so losing it loses the token."""
    shown = st.session_state.get(NEW_TOKENS_KEY) or []
    for name, secret in shown:
        st.success(
            as_markdown_text(
                f"Your new token {name!r}. Copy it now: it is shown only until you dismiss "
                "it, and never again."
            )
        )
        st.code(secret, language=None)
    if shown and st.button("I have copied it: hide", key="account_token_dismiss"):
        st.session_state.pop(NEW_TOKENS_KEY, None)
        st.rerun()


render()
