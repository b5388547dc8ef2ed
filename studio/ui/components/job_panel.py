"""Widgets the pages share: a job's live progress, its result, downloads, examples."""

from __future__ import annotations

import json
import time
from collections.abc import Collection
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import streamlit as st

from engines.media.images import IMAGE_SUFFIXES
from jobs.catalog.records import asked_text, restart_note
from jobs.titles import cut_at_word
from studio.accounts.login_cookie import CurrentUser
from studio.ui import backend
from studio.ui.components.asset_card import (
    actions,
    loops,
    player_width,
    settings_table,
    summary,
    title,
)
from studio.ui.session import session_user
from studio.ui.text import message
from studio.urls import file_url, picture_url

EXAMPLES_DIR = Path(__file__).resolve().parents[3] / "assets" / "examples"
REFRESH_S = 1.0  # how often a running job's panel re-reads the catalog
RECENT = 3  # finished jobs shown under a form; the library keeps them all


def page_user() -> CurrentUser:
    """The logged-in user, re-checked on every run (a disabled account is out at once)."""
    user = session_user()
    if user is None:
        st.warning("Your login has ended: reload the page to log in again.")
        st.stop()
    return user


def recent_jobs_section(
    user: CurrentUser,
    kind: str,
    focus: str | None = None,
    *,
    title: str = "Your latest",
    shown: Collection[str] = (),
) -> None:
    """This user's jobs of ``kind``, newest first: found again after a refresh.

    Jobs in ``shown`` are on the page already (finished variations): each clip is drawn
    once, as two identical autoplaying players on one page stop it (a duplicate id).
    """
    recent = backend.recent_jobs(user, kind, limit=RECENT + len(shown))
    jobs = [job for job in recent if job.id not in shown]  # the newest: shown ones come first
    if focus and focus not in shown and all(job.id != focus for job in jobs):
        latest = backend.get_job(user, focus)
        jobs = [latest, *jobs] if latest is not None else jobs
    if not jobs:
        return
    st.divider()
    st.subheader(title)
    for job in jobs:
        with st.container(border=True):
            job_panel(user, job.id)


def load_examples(kind: str) -> list[dict[str, Any]]:
    path = EXAMPLES_DIR / f"{kind}.json"
    return json.loads(path.read_text()) if path.is_file() else []


def examples_row(kind: str, fields: dict[str, str]) -> None:
    """Buttons that fill the form from ``assets/examples/<kind>.json``.

    ``fields`` maps an example's keys to the widget keys they fill; a ``seed`` in an
    example fixes the seed too.
    """
    examples = load_examples(kind)
    if not examples:
        return
    st.write("Examples")
    for column, example in zip(st.columns(len(examples)), examples, strict=True):
        column.button(
            str(example["title"]),
            key=f"{kind}-example-{example['title']}",
            on_click=_fill_from_example,
            args=(kind, example, fields),
            use_container_width=True,
        )


def _fill_from_example(kind: str, example: dict[str, Any], fields: dict[str, str]) -> None:
    for name, key in fields.items():
        if name in example:
            st.session_state[key] = example[name]
    if "seed" in example:
        st.session_state[f"{kind}_seed"] = example["seed"]
        st.session_state[f"{kind}_random_seed"] = False


def format_seconds(seconds: float | None) -> str:
    if seconds is None:
        return "…"
    seconds = max(0, round(seconds))
    return f"{seconds // 60}:{seconds % 60:02d}"


def start_estimate(seconds: float | None) -> str:
    """When a waiting job should start, from similar jobs that ran here; honest if unknown."""
    if seconds is None:
        return "no estimate yet"
    if seconds < 1:
        return "starts any moment"
    return f"starts in about {format_seconds(seconds)}"


def job_panel(user: CurrentUser, job_id: str) -> None:
    """A job from submit to result: live while it runs, the player once it is done."""
    job = backend.get_job(user, job_id)
    if job is None:
        st.warning("That job is gone.")
        return
    if job.active:
        _live_progress(user, job_id)
    else:
        show_finished_job(user, job)


@st.fragment(run_every=REFRESH_S)
def _live_progress(user: CurrentUser, job_id: str) -> None:
    job = backend.get_job(user, job_id)
    if job is None or not job.active:
        st.rerun(scope="app")  # finished: draw the result outside the fragment, once
        return
    prompt = asked_text(job.params)
    st.markdown(f"**{job.kind.title()}**")
    st.text(prompt)  # user text as text: markdown would render its links and images
    elapsed = time.time() - (job.started_at or job.created_at)
    restart = restart_note(job, backend.max_attempts())
    if restart:
        st.caption(restart)
    if job.status == "queued":
        outlook = backend.queue_outlook(user, job)
        where = f"{_ordinal(outlook.position)} in the queue" if outlook.position else "waiting"
        st.progress(0.0, text=f"Queued: {where} · {start_estimate(outlook.estimate_s)}")
    else:
        st.progress(job.fraction, text=progress_text(job, elapsed))
    if job.cancel_requested:
        st.caption("Cancelling…")
    elif st.button("Cancel", key=f"cancel-{job.id}"):
        backend.cancel_job(user, job.id)
        # Said at once, not by a fragment rerun: a click in a whole-page run cannot ask one.
        st.caption("Cancelling…")


def job_name(job: Any) -> str:
    """How a card names its job: the kind, what was asked, and a short id."""
    asked = asked_text(job.params)
    words = f' "{cut_at_word(str(asked), 60)}"' if asked else ""
    return f"{job.kind.title()} job{words} ({job.id[:8]})"


def progress_text(job: Any, elapsed: float) -> str:
    """What a running job does now, in words: its phase, then steps while it has them."""
    phase = (job.phase or "starting").capitalize()
    if job.phase in (None, "loading the model", "starting") and not job.total:
        return f"{phase}… · elapsed {format_seconds(elapsed)}"
    steps = f" · step {job.step} of {job.total}" if job.total else ""
    left = f" · about {format_seconds(job.eta_s)} left" if job.eta_s else ""
    return f"{phase}{steps} · elapsed {format_seconds(elapsed)}{left}"


def show_finished_job(user: CurrentUser, job: Any, where: str = "job") -> None:
    """A finished job's result; ``where`` keys its buttons apart from another copy's."""
    if job.status == "failed":
        st.markdown(f"**{_plain(job.kind.title())} job failed**")
        st.text(f"{job_name(job)}: {job.error or 'it stopped without saying why.'}")
    elif job.status == "cancelled":
        st.markdown("**Cancelled**")
        reason = job.error or "you cancelled it before it finished."
        st.text(f"{job_name(job)} was cancelled: {reason}")
    elif job.asset_id:
        asset = backend.get_asset(user, job.asset_id)
        if asset is not None:
            result_card(user, asset, f"{where}{job.id[:8]}")
        else:
            st.text(f"{job_name(job)} finished; its file has since been deleted.")


def _plain(text: str) -> str:
    return text.replace("*", "").replace("_", " ")


def result_card(user: CurrentUser, asset: Any, where: str) -> None:
    """A finished result: what was asked, its settings and seed, the player at the clip's
    own size, and the same actions as the Library's."""
    st.text(title(asset))  # user text as text: markdown would render its links and images
    st.caption(summary(asset))
    show_asset(user, asset)
    settings_table(asset)
    actions(user, asset, where)


def absolute(path: str) -> str:
    """A URL on the site the browser is on: players take only absolute URLs."""
    here = urlsplit(st.context.url or "http://localhost/")
    return f"{here.scheme}://{here.netloc}{path}"


def file_player(user: CurrentUser, asset_id: str) -> None:
    """A player (a picture for an image) for one of the user's stored files, from /files."""
    stored = backend.asset_file(user, asset_id)
    if stored is None:
        st.warning("This file is no longer on disk.")
        return
    if stored.suffix in (".mp4", ".mkv", ".avi"):
        st.video(absolute(file_url(asset_id)))
    elif stored.suffix in IMAGE_SUFFIXES:
        st.image(absolute(file_url(asset_id)))
    else:
        st.audio(absolute(file_url(asset_id)))


def show_asset(user: CurrentUser, asset: Any) -> None:
    """The player (and a track's waveform picture), from /files (never Streamlit's /media)."""
    path = backend.asset_file(user, asset.id)
    if path is None:
        st.warning("This file is no longer on disk.")
        return
    result = asset.meta or {}
    if result.get("tiny"):
        st.caption("Made by a tiny demo model: noise, not a real result.")
    for warning in result.get("warnings", []):
        st.warning(message(warning))  # it may quote a file's name
    if asset.output_type == "video":
        short = loops(asset)
        st.video(absolute(file_url(asset.id)), format="video/mp4", loop=short, autoplay=short,
                 muted=short, width=player_width(asset))  # fmt: skip
    elif asset.output_type == "image":
        st.image(absolute(file_url(asset.id)))
    else:
        st.audio(absolute(file_url(asset.id)), format="audio/wav")
        if ((asset.meta or {}).get("previews") or {}).get("waveform"):
            st.image(absolute(picture_url(asset.id, "waveform")))


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"
