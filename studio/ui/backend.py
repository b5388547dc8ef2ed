"""The pages' one door to the job system, always on behalf of the logged-in user.

Every call takes the ``CurrentUser`` and scopes what it reads or changes to that user
(admins excepted), so a page cannot reach another user's jobs or files by mistake.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Protocol

import streamlit as st

from engines.errors import MediaError
from engines.media.info import MediaInfo
from engines.media.probe import probe_media, video_duration_s
from jobs import frames
from jobs.catalog.database import catalog_path
from jobs.catalog.limits import LimitOverrides
from jobs.catalog.records import Asset, Job
from jobs.estimates import Outlook
from jobs.owned_assets import NotFound
from jobs.service import JobService
from jobs.uploads import store_checked_upload
from studio import services
from studio.accounts.login_cookie import CurrentUser
from studio.accounts.tokens import ApiTokens, TokenInfo


class Upload(Protocol):
    """What ``st.file_uploader`` returns."""

    name: str

    def getvalue(self) -> bytes: ...


@st.cache_resource
def job_service() -> JobService:
    return JobService()


def submit(
    user: CurrentUser, model_or_kind: str, values: Mapping[str, Any], variations: int = 1
) -> list[str]:
    """Queue ``variations`` jobs of ``values`` for ``model_or_kind``; their ids, seed order.

    The one submit path the API and scripts take too (JobService.submit): a bad value,
    a file not the user's, or a job beyond their limits raises ParamError with the reason.
    """
    return job_service().submit(user.username, model_or_kind, values, variations)


def submit_combine(
    user: CurrentUser, video_id: str, track_id: str, options: Mapping[str, Any]
) -> str:
    """Lay one of the user's tracks under one of their videos (asset ids); the job's id.

    ``options`` are CombineParams' fields (offset, volume, fades, fit), checked on submit.
    """
    values = {"video_path": video_id, "audio_path": track_id, "options": dict(options)}
    (job_id,) = submit(user, "combine", values)
    return job_id


def submit_score(
    user: CurrentUser,
    video_id: str,
    description: str,
    duration: float,
    model: str | None = None,
    fades_s: tuple[float, float] = (0.0, 1.0),
) -> str:
    """New audio of ``duration`` seconds from ``model`` laid under one of the user's videos
    (its asset id), rising and sinking over ``fades_s`` (in, out; fitted to a short clip)."""
    values = {
        "video_path": video_id,
        "description": description,
        "duration": duration,
        "model": model,
        "fade_in_s": float(fades_s[0]),
        "fade_out_s": float(fades_s[1]),
    }
    (job_id,) = submit(user, "score", values)
    return job_id


def video_length_s(path: str) -> float:
    """Seconds of a video file's picture, read by content (MediaError when it has none)."""
    return video_duration_s(path)


def get_job(user: CurrentUser, job_id: str) -> Job | None:
    return job_service().get(job_id, user.username, admin=user.is_admin)


def latest_variations(user: CurrentUser, kind: str) -> list[Job]:
    """The variations of the user's newest job of ``kind``: [] when it was a lone job."""
    newest = next((j for j in job_service().list(user.username, limit=20) if j.kind == kind), None)
    return job_service().variation_group(newest.id, user.username) if newest is not None else []


def recent_jobs(user: CurrentUser, kind: str, limit: int) -> list[Job]:
    """The user's jobs of ``kind``, newest first: every active one, then the latest others."""
    jobs = [job for job in job_service().list(user.username, limit=100) if job.kind == kind]
    active = [job for job in jobs if job.active]
    return active + [job for job in jobs if not job.active][: max(limit - len(active), 1)]


def max_attempts() -> int:
    """How often a job whose worker died is started at most."""
    return job_service().config.max_attempts


def queue_outlook(user: CurrentUser, job: Job) -> Outlook:
    """Where a waiting job stands in the fair queue (1 = next) and when it should start."""
    return job_service().outlook(job.id, user.username, admin=user.is_admin)


def cancel_job(user: CurrentUser, job_id: str) -> None:
    job_service().cancel(job_id, user.username, admin=user.is_admin)


def all_jobs(user: CurrentUser) -> list[Job]:
    _require_admin(user)
    return job_service().list_all()


def workers(user: CurrentUser) -> dict[str, dict[str, Any]]:
    _require_admin(user)
    return job_service().status().services


def request_unload(user: CurrentUser) -> None:
    """Ask every worker to free its GPU between jobs."""
    _require_admin(user)
    job_service().unload_models()


def default_limits(user: CurrentUser) -> tuple[int, float | None, float]:
    """The studio's defaults: jobs waiting per user, daily GPU seconds (None: no budget),
    and the cost allowance (times each model's own limit one job may ask)."""
    _require_admin(user)
    config = job_service().config
    return (
        config.max_queued_per_user,
        config.daily_gpu_seconds_per_user,
        config.cost_allowance_per_user,
    )


def limit_overrides(user: CurrentUser, username: str) -> LimitOverrides:
    _require_admin(user)
    return job_service().limit_overrides(username)


def set_limits(
    user: CurrentUser,
    username: str,
    max_queued: int | None,
    daily_gpu_seconds: float | None,
    cost_allowance: float | None = None,
) -> None:
    """An admin's limits for one user; None goes back to the default (ParamError if bad)."""
    _require_admin(user)
    job_service().set_limits(
        username,
        max_queued=max_queued,
        daily_gpu_seconds=daily_gpu_seconds,
        cost_allowance=cost_allowance,
    )


def list_assets(
    user: CurrentUser,
    output_type: str | None = None,
    *,
    source: str | None = None,
    limit: int = 200,
    offset: int = 0,
    search: str | None = None,
    oldest_first: bool = False,
) -> list[Asset]:
    """One page of the user's assets (newest first unless ``oldest_first``)."""
    return job_service().assets(
        user.username,
        output_type=output_type,
        source=source,
        limit=limit,
        offset=offset,
        search=search,
        oldest_first=oldest_first,
    )


def count_assets(
    user: CurrentUser,
    output_type: str | None = None,
    *,
    source: str | None = None,
    search: str | None = None,
) -> int:
    return job_service().count_assets(
        user.username, output_type=output_type, source=source, search=search
    )


def probe_file(path: str) -> MediaInfo | None:
    """What a stored file holds (streams, lengths), read by content; None if unreadable."""
    try:
        return probe_media(path)
    except MediaError:
        return None


def get_asset(user: CurrentUser, asset_id: str) -> Asset | None:
    try:
        return job_service().asset(asset_id, user.username, admin=user.is_admin)
    except NotFound:
        return None


def asset_file(user: CurrentUser, asset_id: str) -> Path | None:
    try:
        return job_service().asset_path(asset_id, user.username, admin=user.is_admin)
    except NotFound:
        return None


def delete_asset(user: CurrentUser, asset_id: str) -> None:
    job_service().delete_asset(asset_id, user.username, admin=user.is_admin)


def store_upload(user: CurrentUser, upload: Upload, output_type: str) -> str:
    """Check an upload by its content, store it as the user's asset, return its id (what a
    job's file param names).

    ``output_type`` is "audio", "video" or "image"; a file that is not what it claims to be raises
    MediaError with the reason, and nothing is stored. The same file uploaded again is
    the asset stored the first time.
    """
    api = job_service()
    return store_checked_upload(api, user.username, upload.name, upload.getvalue(), output_type).id


def store_frame(user: CurrentUser, clip_id: str, where: str | float) -> str:
    """A frame of one of the user's clips ("first", "last" or a time in seconds) stored as
    their image asset; its id. MediaError says why when there is no such frame."""
    return frames.store_frame(job_service(), user.username, clip_id, where).id


def _require_admin(user: CurrentUser) -> None:
    if not user.is_admin:
        raise PermissionError("Only admins may see every user's jobs.")


# The "My account" page's logic: a user's own API tokens, never anyone else's.
#
# The page shows a new token once, right after ``create_token``; only its hash is kept.
@st.cache_resource
def api_tokens() -> ApiTokens:
    return ApiTokens(catalog_path(services.settings().data_dir))


def create_token(user: CurrentUser, name: str) -> str:
    """A new token named ``name`` for ``user`` (TokenError when the name is taken or bad)."""
    return api_tokens().create(user.username, name.strip())


def my_tokens(user: CurrentUser) -> list[TokenInfo]:
    return api_tokens().list(user.username)


def revoke_token(user: CurrentUser, name: str) -> bool:
    return api_tokens().revoke(user.username, name)


def shown_time(timestamp: float | None, never: str = "never") -> str:
    if timestamp is None:
        return never
    return dt.datetime.fromtimestamp(timestamp).strftime("%Y-%m-%d %H:%M")
