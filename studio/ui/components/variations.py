"""Variations: one submit makes 1-4 jobs of the same settings with consecutive (or
random) seeds, shown side by side; keep one, send one to Combine, delete the rest.

Any page whose model has a seed uses it (Text to video's clips, Music's tracks; a melody
job's variations all follow its melody). The group is the page's session state
(``<page>_group``: the jobs' ids, seed order), found again in the catalog after a
refresh; a single job is ``<page>_job``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import streamlit as st

from jobs.submission import MAX_VARIATIONS
from studio.accounts.login_cookie import CurrentUser
from studio.ui import backend
from studio.ui.components.job_panel import show_finished_job


def group_key(page: str) -> str:
    return f"{page}_group"


def variations_count(page: str) -> int:
    """How many variations the next submit makes."""
    return int(
        st.select_slider(
            "Variations",
            list(range(1, MAX_VARIATIONS + 1)),
            value=1,
            key=f"{page}_variations",
            help="Each gets its own seed, one after the other from the seed above (or random).",
        )
    )


def submit_from_page(
    user: CurrentUser, page: str, model: str, values: Mapping[str, Any], count: int
) -> list[str]:
    """The page's Generate: one job (the page follows it), or a group of ``count``."""
    ids = backend.submit(user, model, values, count)
    if count == 1:
        st.session_state[f"{page}_job"] = ids[0]
        st.session_state.pop(group_key(page), None)
    else:
        st.session_state[group_key(page)] = ids
    return ids


def variations_grid(user: CurrentUser, page: str) -> list[str]:
    """The last group side by side, each with its seed; choices under the finished ones.

    Returns the ids of the finished ones drawn, for "Your latest" to leave out.
    """
    if group_key(page) not in st.session_state:  # a new session (a refresh): the catalog's
        st.session_state[group_key(page)] = [
            job.id for job in backend.latest_variations(user, page) if _still_there(user, job)
        ]
    ids: list[str] = list(st.session_state.get(group_key(page)) or [])
    if len(ids) < 2:
        return []
    st.subheader("Variations")
    finished = []
    for column, job_id in zip(st.columns(len(ids)), ids, strict=True):
        with column:
            job = backend.get_job(user, job_id)
            if job is None:
                continue
            st.caption(f"Seed {job.params.get('seed')}")
            if job.active:  # live progress and Cancel are in "Your latest" below
                st.progress(job.fraction, text=f"{job.status.title()} · step {job.step}")
            else:
                show_finished_job(user, job, where=f"{page}-variation")
                finished.append(job_id)
            # Send to Combine, reuse and download are on the card itself.
            if job.asset_id and st.button("Keep this one", key=f"{page}_keep_{job_id}"):
                keep_only(user, page, job_id)
                st.rerun()
    return finished


def keep_only(user: CurrentUser, page: str, kept: str) -> None:
    """Delete the other variations' files, cancel those still running; the group ends."""
    for job_id in st.session_state.get(group_key(page)) or []:
        job = backend.get_job(user, job_id)
        if job is None or job_id == kept:
            continue
        if job.active:
            backend.cancel_job(user, job_id)
        elif job.asset_id and backend.get_asset(user, job.asset_id):
            backend.delete_asset(user, job.asset_id)
    st.session_state[group_key(page)] = [kept]
    st.session_state[f"{page}_job"] = kept


def _still_there(user: CurrentUser, job: Any) -> bool:
    """Waiting, running, or finished with its file kept (not deleted by "Keep this one")."""
    return job.active or bool(job.asset_id and backend.get_asset(user, job.asset_id))
