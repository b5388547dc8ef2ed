"""The pages' one door to the job system, always on behalf of the logged-in user.

Every call takes the ``CurrentUser`` and scopes what it reads or changes to that user
(admins excepted), so a page cannot reach another user's jobs or files by mistake.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Protocol

import streamlit as st

from engines.combine import CombineParams
from engines.errors import MediaError
from engines.media.info import MediaInfo
from engines.media.probe import probe_media, video_duration_s
from jobs.api import JobsAPI, NotFound
from jobs.catalog.database import catalog_path
from jobs.catalog.limits import LimitOverrides
from jobs.catalog.records import Asset, Job
from jobs.estimates import Outlook
from jobs.kinds.combine import CombineJobParams
from jobs.kinds.score import ScoreJobParams
from jobs.uploads import store_checked_upload
from studio import services
from studio.accounts.login_cookie import CurrentUser
from studio.accounts.tokens import ApiTokens, TokenInfo


class Upload(Protocol):
    """What ``st.file_uploader`` returns."""

    name: str

    def getvalue(self) -> bytes: ...


@st.cache_resource
def jobs_api() -> JobsAPI:
    return JobsAPI()


def submit(user: CurrentUser, params: Any) -> str:
    return jobs_api().submit(user.username, params)


def submit_variations(user: CurrentUser, params: Any, count: int) -> list[str]:
    """``count`` jobs of ``params`` with consecutive (or random) seeds; their ids."""
    return jobs_api().submit_variations(user.username, params, count)


def submit_combine(
    user: CurrentUser, video_path: str, track_path: str, options: CombineParams
) -> str:
    """Lay one of the user's tracks under one of their videos; returns the job's id."""
    return submit(user, CombineJobParams(video_path, track_path, options))


def submit_score(
    user: CurrentUser,
    video_path: str,
    description: str,
    duration: float,
    model: str | None = None,
) -> str:
    """New audio of ``duration`` seconds from ``model`` laid under one of the user's videos."""
    params = ScoreJobParams(
        video_path=video_path, description=description, duration=duration, model=model
    )
    return submit(user, params)


def video_length_s(path: str) -> float:
    """Seconds of a video file's picture, read by content (MediaError when it has none)."""
    return video_duration_s(path)


def get_job(user: CurrentUser, job_id: str) -> Job | None:
    return jobs_api().get(job_id, user.username, admin=user.is_admin)


def latest_variations(user: CurrentUser, kind: str) -> list[Job]:
    """The variations of the user's newest job of ``kind``: [] when it was a lone job."""
    newest = next((j for j in jobs_api().list(user.username, limit=20) if j.kind == kind), None)
    return jobs_api().variation_group(newest.id, user.username) if newest is not None else []


def recent_jobs(user: CurrentUser, kind: str, limit: int) -> list[Job]:
    """The user's jobs of ``kind``, newest first: every active one, then the latest others."""
    jobs = [job for job in jobs_api().list(user.username, limit=100) if job.kind == kind]
    active = [job for job in jobs if job.active]
    return active + [job for job in jobs if not job.active][: max(limit - len(active), 1)]


def max_attempts() -> int:
    """How often a job whose worker died is started at most."""
    return jobs_api().config.max_attempts


def queue_outlook(user: CurrentUser, job: Job) -> Outlook:
    """Where a waiting job stands in the fair queue (1 = next) and when it should start."""
    return jobs_api().outlook(job.id, user.username, admin=user.is_admin)


def cancel_job(user: CurrentUser, job_id: str) -> None:
    jobs_api().cancel(job_id, user.username, admin=user.is_admin)


def all_jobs(user: CurrentUser) -> list[Job]:
    _require_admin(user)
    return jobs_api().list_all()


def workers(user: CurrentUser) -> dict[str, dict[str, Any]]:
    _require_admin(user)
    return jobs_api().status().services


def request_unload(user: CurrentUser) -> None:
    """Ask every worker to free its GPU between jobs."""
    _require_admin(user)
    jobs_api().unload_models()


def default_limits(user: CurrentUser) -> tuple[int, float | None]:
    """The studio's defaults: jobs waiting per user, daily GPU seconds (None: no budget)."""
    _require_admin(user)
    config = jobs_api().config
    return config.max_queued_per_user, config.daily_gpu_seconds_per_user


def limit_overrides(user: CurrentUser, username: str) -> LimitOverrides:
    _require_admin(user)
    return jobs_api().limit_overrides(username)


def set_limits(
    user: CurrentUser, username: str, max_queued: int | None, daily_gpu_seconds: float | None
) -> None:
    """An admin's limits for one user; None goes back to the default (ParamError if bad)."""
    _require_admin(user)
    jobs_api().set_limits(username, max_queued=max_queued, daily_gpu_seconds=daily_gpu_seconds)


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
    return jobs_api().assets(
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
    return jobs_api().count_assets(
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
        return jobs_api().asset(asset_id, user.username, admin=user.is_admin)
    except NotFound:
        return None


def asset_file(user: CurrentUser, asset_id: str) -> Path | None:
    try:
        return jobs_api().asset_path(asset_id, user.username, admin=user.is_admin)
    except NotFound:
        return None


def delete_asset(user: CurrentUser, asset_id: str) -> None:
    jobs_api().delete_asset(asset_id, user.username, admin=user.is_admin)


def store_upload(user: CurrentUser, upload: Upload, output_type: str) -> str:
    """Check an upload by its content, store it as the user's asset, return its path.

    ``output_type`` is "audio" or "video"; a file that is not what it claims to be raises
    MediaError with the reason, and nothing is stored. The same file uploaded again is
    the asset stored the first time.
    """
    api = jobs_api()
    asset = store_checked_upload(api, user.username, upload.name, upload.getvalue(), output_type)
    return str(api.asset_path(asset.id, user.username))


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
