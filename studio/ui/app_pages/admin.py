"""Admin: accounts, the whole queue, the workers and the model each holds."""

from __future__ import annotations

import datetime as dt
import time

import streamlit as st

from engines.errors import ParamError
from studio import services
from studio.accounts.login_cookie import CurrentUser
from studio.accounts.store import AccountError, AccountStore
from studio.ui import backend
from studio.ui.components.job_panel import page_user
from studio.ui.components.workers_table import service_rows
from studio.ui.text import as_markdown_text, message, plain


def when(timestamp: float | None) -> str:
    return dt.datetime.fromtimestamp(timestamp).strftime("%Y-%m-%d %H:%M:%S") if timestamp else ""


def limits_form(user: CurrentUser, username: str) -> None:
    """Raise (or lower) one user's queue limits; blank fields use the studio's defaults."""
    max_default, budget_default, allowance_default = backend.default_limits(user)
    current = backend.limit_overrides(user, username)
    with st.form(f"limits_{username}"):
        st.markdown(f"**Limits of {plain(username)}**")
        max_queued = st.number_input(
            f"Most jobs waiting at once (blank: the default, {max_default})",
            min_value=1,
            max_value=1000,
            value=current.max_queued,
            step=1,
            key=f"admin_max_queued_{username}",
        )
        budget_text = f"{budget_default:g} s" if budget_default else "no budget"
        budget = st.number_input(
            f"GPU seconds a day (blank: the default, {budget_text}; 0: no budget)",
            min_value=0.0,
            value=current.daily_gpu_seconds,
            step=60.0,
            key=f"admin_daily_gpu_{username}",
        )
        allowance = st.number_input(
            f"Biggest job, times each model's own limit (blank: the default, "
            f"{allowance_default:g})",
            min_value=0.1,
            max_value=1000.0,
            value=current.cost_allowance,
            step=0.5,
            key=f"admin_cost_allowance_{username}",
            help="A model's limit is what its GPU does in about 10 minutes; 2 lets one job "
            "of this user's ask twice that, holding the worker twice as long.",
        )
        if st.form_submit_button("Save limits"):
            try:
                backend.set_limits(
                    user,
                    username,
                    int(max_queued) if max_queued is not None else None,
                    float(budget) if budget is not None else None,
                    float(allowance) if allowance is not None else None,
                )
                st.success(f"Saved the limits of {plain(username)}.")
            except ParamError as problem:
                st.error(message(problem))


NEW_USER_FIELDS = ("admin_new_username", "admin_new_display", "admin_new_password")
ADD_USER_OUTCOME = "admin_add_user_outcome"  # ("success" | "error", message) for the next draw


def add_user(store: AccountStore) -> None:
    """The form's callback, run before the page is drawn again: the fields are emptied only
    when the account was made, so a refusal (a weak password, a taken name) keeps them all."""
    state = st.session_state
    name = str(state.get("admin_new_username", "")).strip()
    try:
        store.add(
            name,
            str(state.get("admin_new_password", "")),
            name=str(state.get("admin_new_display", "")).strip(),
            role=str(state.get("admin_new_role", "user")),
        )
    except AccountError as problem:
        state[ADD_USER_OUTCOME] = ("error", as_markdown_text(str(problem)))
        return
    for key in NEW_USER_FIELDS:
        state[key] = ""
    state["admin_new_role"] = "user"
    state[ADD_USER_OUTCOME] = ("success", as_markdown_text(f"Added {name}."))


def add_user_form(store: AccountStore) -> None:
    """A new account: its login, display name, password and role."""
    with st.form("add_user"):
        st.subheader("Add a user")
        st.text_input("Login name", key="admin_new_username")
        st.text_input("Display name (optional)", key="admin_new_display")
        st.text_input("Password", type="password", key="admin_new_password")
        st.selectbox("Role", ["user", "admin"], key="admin_new_role")
        st.form_submit_button("Add user", on_click=add_user, args=(store,))
    outcome = st.session_state.pop(ADD_USER_OUTCOME, None)
    if outcome is not None:
        (st.success if outcome[0] == "success" else st.error)(outcome[1])


def render() -> None:
    user = page_user()
    if not user.is_admin:
        st.error("Only admins can see this page.")
        st.stop()

    store = services.account_store()
    st.title("Admin")
    users_tab, queue_tab, workers_tab = st.tabs(["Users", "Queue", "Workers"])

    with users_tab:
        table = st.empty()  # drawn after the form below, so a user just added is listed
        add_user_form(store)
        accounts = store.all()
        table.dataframe(
            [
                {
                    "login": a.username,
                    "name": a.name,
                    "role": a.role,
                    "active": not a.disabled,
                    "created": when(a.created_at),
                }
                for a in accounts
            ],
            hide_index=True,
        )
        st.subheader("Change an account")
        names = [a.username for a in accounts]
        chosen = st.selectbox("Account", names, key="admin_account")
        with st.form("reset_password", clear_on_submit=True):
            password = st.text_input("New password", type="password", key="admin_reset_password")
            if st.form_submit_button("Reset password"):
                try:
                    store.set_password(chosen, password)
                    st.success(
                        f"New password set for {plain(chosen)}; logins and API tokens ended."
                    )
                except AccountError as problem:
                    st.error(as_markdown_text(str(problem)))
        if chosen:
            limits_form(user, chosen)
        account = store.get(chosen) if chosen else None
        if account is not None:
            label = "Enable" if account.disabled else "Disable"
            if st.button(f"{label} {account.username}", key="admin_toggle_disabled"):
                try:
                    store.set_disabled(account.username, not account.disabled)
                    st.rerun()
                except AccountError as problem:
                    st.error(as_markdown_text(str(problem)))

    with queue_tab:
        jobs = backend.all_jobs(user)
        st.dataframe(
            [
                {
                    "id": j.id[:8],
                    "owner": j.owner,
                    "kind": j.kind,
                    "status": j.status,
                    "step": f"{j.step}/{j.total}" if j.total else "",
                    "attempts": j.attempts,
                    "worker": j.worker or "",
                    "created": when(j.created_at),
                    "error": j.error or "",
                }
                for j in jobs
            ],
            hide_index=True,
        )
        active = [j for j in jobs if j.active]
        if active:
            chosen_job = st.selectbox(
                "Cancel a job", [j.id for j in active], format_func=lambda i: i[:8], key="admin_job"
            )
            if st.button("Cancel job", key="admin_cancel_job"):
                backend.cancel_job(user, chosen_job)
                st.rerun()

    with workers_tab:
        workers = backend.workers(user)
        if not workers:
            st.info("No worker has reported in the last minute. `make run` starts one.")
        else:
            st.dataframe(service_rows(workers, time.time()), hide_index=True)
        if workers and st.button("Unload models on all workers", key="admin_unload"):
            backend.request_unload(user)
            st.success("Asked every worker to free its GPU after its current job.")


render()
