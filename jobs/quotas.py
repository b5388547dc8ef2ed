"""Per-user limits on the queue: how many jobs may wait, an optional daily budget of
device seconds, and how far past each model's cost limit one job may go (the allowance).
Defaults come from settings (``JobsConfig``); an admin can override them per user (stored
in the catalog). A refused submit says the limit and when it frees up.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from engines.errors import ParamError
from jobs.catalog.limits import LimitOverrides
from jobs.config import JobsConfig

DAY_S = 24 * 3600.0  # the budget counts device time of jobs started in the last 24 hours


class QuotaExceeded(ParamError):
    """A submit beyond the user's limits; nothing was queued. A ParamError, so every form
    shows it the way it shows a bad setting (the HTTP API answers it with 429)."""


@dataclass(frozen=True)
class UserQuota:
    """The limits that apply to one user now."""

    max_queued: int  # jobs that may wait at once
    daily_gpu_seconds: float | None  # device seconds per 24 hours; None: no budget
    cost_allowance: float = 1.0  # times each model's cost limit one job may ask
    overridden: bool = False  # an admin set something for this user


def effective_quota(config: JobsConfig, overrides: LimitOverrides) -> UserQuota:
    budget = config.daily_gpu_seconds_per_user
    if overrides.daily_gpu_seconds is not None:
        budget = overrides.daily_gpu_seconds or None  # 0: no budget for this user
    return UserQuota(
        max_queued=overrides.max_queued or config.max_queued_per_user,
        daily_gpu_seconds=budget,
        cost_allowance=overrides.cost_allowance or config.cost_allowance_per_user,
        overridden=overrides != LimitOverrides(),
    )


def queue_full_message(limit: int, starts_in_s: float | None) -> str:
    jobs = "job" if limit == 1 else "jobs"
    when = (
        f"one starts within about {_duration(starts_in_s)}"
        if starts_in_s is not None
        else "submit again when one of them starts"
    )
    return (
        f"You have {limit} {jobs} waiting, the most allowed; {when}. "
        "Cancel one to make room now, or ask an admin to raise your limit."
    )


def budget_left(
    budget_s: float, used: Sequence[tuple[float, float]], now: float
) -> tuple[float, float | None]:
    """(seconds used in the last 24 h, when enough ages out to submit again or None).

    ``used`` is (started_at, seconds) of each job that counts, oldest first.
    """
    total = sum(seconds for _, seconds in used)
    if total < budget_s:
        return total, None
    remaining = total
    for started_at, seconds in used:
        remaining -= seconds
        if remaining < budget_s:
            return total, started_at + DAY_S
    return total, now + DAY_S  # unreachable unless budget_s <= 0


def budget_message(budget_s: float, used_s: float, frees_at: float | None, now: float) -> str:
    when = ""
    if frees_at is not None:
        clock = dt.datetime.fromtimestamp(frees_at, dt.UTC).strftime("%H:%M UTC")
        when = f"; you can submit again in about {_duration(frees_at - now)} (at {clock})"
    return (
        f"You have used {_seconds(used_s)} of your {_seconds(budget_s)} GPU seconds for the "
        f"last 24 hours, the most allowed{when}. An admin can raise your daily budget."
    )


def _seconds(value: float) -> str:
    return f"{value:.0f}" if value >= 10 else f"{value:.2f}"


def _duration(seconds: float | None) -> str:
    seconds = max(round(seconds or 0.0), 1)
    if seconds < 90:
        return f"{seconds} s"
    if seconds < 90 * 60:
        return f"{round(seconds / 60)} min"
    hours, minutes = divmod(round(seconds / 60), 60)
    return f"{hours} h {minutes} min"
