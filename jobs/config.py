"""Settings of the job system: where the catalog and the queue live, and its timings.

Reads the environment like ``engines.settings`` and imports nothing heavy, so the UI
can use it. ``STUDIO_REDIS_URL`` switches the queue from the embedded SQLite file to a
shared Redis server; nothing else changes.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from engines.settings import Settings
from jobs.catalog.database import catalog_path

DEFAULT_QUEUE_NAME = "studio"
DEFAULT_STALE_AFTER_S = 10.0  # a live worker beats 4 times a second, from a thread of its own
DEFAULT_MAX_QUEUED_PER_USER = 4
DEFAULT_RUN_BUDGET_S = 600.0  # the work a catalog entry accepts in one job on its target GPU
_QUEUE_NAME = re.compile(r"^[A-Za-z0-9_]{1,64}$")


@dataclass(frozen=True)
class JobsConfig:
    settings: Settings  # data dir, models, device: shared with the engines
    redis_url: str | None = None  # STUDIO_REDIS_URL; None: embedded SQLite queue in the data dir
    queue_name: str = DEFAULT_QUEUE_NAME  # several studios can share one Redis by name
    stale_after_s: float = DEFAULT_STALE_AFTER_S  # heartbeat age that means the worker died
    max_attempts: int = 2  # a job whose worker dies is started at most this often
    report_interval_s: float = 0.25  # worker -> broker progress and heartbeat
    keeper_interval_s: float = 0.05  # keeper's poll of the broker for progress and results
    reconcile_interval_s: float = 1.0  # keeper's check for queued jobs missing from the broker
    poll_interval_s: float = 0.05  # worker's longest wait between looks at an empty SQLite queue
    presence_interval_s: float = 2.0  # worker's announcements for the admin page
    cancel_grace_s: float = 10.0  # a stop not honoured by then replaces the worker process
    # A running job is stopped at 3x its estimate, never before 3x this (STUDIO_JOBS_RUN_BUDGET_S).
    run_budget_s: float = DEFAULT_RUN_BUDGET_S
    # Per-user limits (an admin can override them per user on the Admin page):
    max_queued_per_user: int = DEFAULT_MAX_QUEUED_PER_USER  # STUDIO_MAX_QUEUED_PER_USER
    daily_gpu_seconds_per_user: float | None = None  # STUDIO_DAILY_GPU_SECONDS_PER_USER
    # STUDIO_COST_ALLOWANCE_PER_USER: times each model's cost limit (its GPU's 10 minutes)
    # that one job may ask; 1 is the model's own limit.
    cost_allowance_per_user: float = 1.0

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> JobsConfig:
        env = os.environ if environ is None else environ
        redis_url = env.get("STUDIO_REDIS_URL", "").strip() or None
        if redis_url is not None and not redis_url.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError(
                "STUDIO_REDIS_URL must look like redis://host:6379/0 (or rediss://, unix://), "
                f"but is {redis_url!r}."
            )
        queue_name = env.get("STUDIO_QUEUE_NAME", "").strip() or DEFAULT_QUEUE_NAME
        if not _QUEUE_NAME.match(queue_name):
            raise ValueError(
                f"STUDIO_QUEUE_NAME may hold letters, digits and _ only, but is {queue_name!r}."
            )
        stale = env.get("STUDIO_JOBS_STALE_S", "").strip() or str(DEFAULT_STALE_AFTER_S)
        try:
            stale_after_s = float(stale)
        except ValueError:
            raise ValueError(f"STUDIO_JOBS_STALE_S must be seconds, but is {stale!r}.") from None
        if stale_after_s < 1.0:
            raise ValueError(f"STUDIO_JOBS_STALE_S must be at least 1 second, but is {stale}.")
        return cls(
            settings=Settings.from_env(env),
            redis_url=redis_url,
            queue_name=queue_name,
            stale_after_s=stale_after_s,
            run_budget_s=_run_budget(env),
            max_queued_per_user=_max_queued(env),
            daily_gpu_seconds_per_user=_daily_gpu_seconds(env),
            cost_allowance_per_user=_cost_allowance(env),
        )

    def with_changes(self, **changes: object) -> JobsConfig:
        return replace(self, **changes)  # type: ignore[arg-type]

    @property
    def data_dir(self) -> Path:
        return self.settings.data_dir

    @property
    def catalog_path(self) -> Path:
        return catalog_path(self.data_dir)

    @property
    def queue_path(self) -> Path:
        """The embedded queue (SqliteHuey); unused when a Redis URL is set."""
        return self.data_dir / "queue.sqlite3"

    @property
    def assets_dir(self) -> Path:
        return self.data_dir / "assets"

    @property
    def scratch_dir(self) -> Path:
        """Where a worker writes a job's files before they travel to the catalog side."""
        return self.data_dir / "scratch"

    @property
    def backend(self) -> str:
        return "redis" if self.redis_url else "sqlite"


def _max_queued(env: Mapping[str, str]) -> int:
    value = env.get("STUDIO_MAX_QUEUED_PER_USER", "").strip()
    if not value:
        return DEFAULT_MAX_QUEUED_PER_USER
    if not value.isdigit() or int(value) < 1:
        raise ValueError(
            "STUDIO_MAX_QUEUED_PER_USER must be a whole number of jobs, 1 or more, "
            f"but is {value!r}."
        )
    return int(value)


def _daily_gpu_seconds(env: Mapping[str, str]) -> float | None:
    value = env.get("STUDIO_DAILY_GPU_SECONDS_PER_USER", "").strip()
    if not value:
        return None  # unset: no daily budget
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if not seconds > 0 or seconds == float("inf"):
        raise ValueError(
            "STUDIO_DAILY_GPU_SECONDS_PER_USER must be a number of seconds above 0 "
            f"(or unset for no budget), but is {value!r}."
        )
    return seconds


def _run_budget(env: Mapping[str, str]) -> float:
    value = env.get("STUDIO_JOBS_RUN_BUDGET_S", "").strip()
    if not value:
        return DEFAULT_RUN_BUDGET_S
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if not 1.0 <= seconds < float("inf"):
        raise ValueError(
            f"STUDIO_JOBS_RUN_BUDGET_S must be seconds, at least 1, but is {value!r}; a job "
            "is stopped once it runs 3 times its estimate and at least 3 times this."
        )
    return seconds


def _cost_allowance(env: Mapping[str, str]) -> float:
    value = env.get("STUDIO_COST_ALLOWANCE_PER_USER", "").strip()
    if not value:
        return 1.0  # each model's own limit
    try:
        allowance = float(value)
    except ValueError:
        allowance = -1.0
    if not 0 < allowance < float("inf"):
        raise ValueError(
            "STUDIO_COST_ALLOWANCE_PER_USER must be a number above 0 (1 is each model's own "
            f"limit, 2 twice it), but is {value!r}."
        )
    return allowance
