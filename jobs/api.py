"""The page-facing API of the job system, and the only part of it the UI imports.

    from jobs.api import default_api
    jobs = default_api()                      # one per process, safe for every session
    job_id = jobs.submit("alice", VideoParams(prompt="a red fox in snow"))
    job = jobs.get(job_id)                    # status, step/total, eta_s, error, asset_id
    jobs.queue_position(job_id), jobs.estimate_s(job_id)  # while it waits: 1 = next; s to start
    jobs.cancel(job_id, "alice")
    path = jobs.asset_path(job.asset_id, "alice")

Nothing here runs a model or imports torch: submit checks the user's limits and writes
the catalog; the keeper sends jobs to workers in fair order and brings results back.
"""

from __future__ import annotations

import builtins
import logging
import secrets
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engines.errors import ParamError, StudioError
from engines.seeds import MAX_SEED
from jobs.assets import (
    check_owner,
)
from jobs.catalog import Catalog
from jobs.catalog.jobs import QueueFull
from jobs.catalog.limits import LimitOverrides
from jobs.catalog.records import QUEUED, RUNNING, Asset, Job
from jobs.config import JobsConfig
from jobs.estimates import Outlook, live_workers, queue_outlook
from jobs.kinds import job_kind, kind_of
from jobs.kinds.job_kind import JobKind
from jobs.owned_assets import NotFound, OwnedAssets
from jobs.queue import Broker
from jobs.quotas import (
    DAY_S,
    QuotaExceeded,
    UserQuota,
    budget_left,
    budget_message,
    effective_quota,
    queue_full_message,
)

log = logging.getLogger(__name__)

WORKER_SEEN_S = 30.0  # a keeper or worker that reported within this long counts as up
MAX_VARIATIONS = 4  # one submit, side by side on the page


def variation_seeds(seed: int | None, count: int) -> builtins.list[int]:
    """``count`` seeds: consecutive from ``seed``, or drawn at random when it is None."""
    if seed is None:
        return [secrets.randbelow(MAX_SEED + 1) for _ in range(count)]
    if seed + count - 1 > MAX_SEED:
        raise ParamError(
            f"{count} seeds from {seed} pass the largest seed, {MAX_SEED}; "
            f"start at {MAX_SEED - count + 1} or lower."
        )
    return [seed + i for i in range(count)]


class NotAllowed(StudioError, PermissionError):
    """The job belongs to someone else; only its owner or an admin may change it."""


@dataclass(frozen=True)
class QueueStatus:
    counts: dict[str, int]  # jobs per status
    keeper_up: bool  # the catalog side is applying results
    workers: dict[str, dict[str, Any]]  # workers seen lately: job, jobs_done, registry (model)
    services: dict[str, dict[str, Any]]  # keepers and workers that reported lately
    running: list[Job]  # what runs now, and on which worker


class JobsAPI(OwnedAssets):
    """Submit, follow and cancel jobs; reach one's own assets. Thread-safe."""

    def __init__(self, config: JobsConfig | None = None) -> None:
        self.config = config or JobsConfig.from_env()
        self.catalog = Catalog(self.config.catalog_path)
        self._broker: Broker | None = None
        self._lock = threading.Lock()  # one broker connection per API

    @property
    def broker(self) -> Broker:
        with self._lock:
            if self._broker is None:
                self._broker = Broker(self.config)
            return self._broker

    # -- jobs ------------------------------------------------------------------------

    def submit(self, owner: str, params: Any, *, kind: str | None = None) -> str:
        """Queue a job; returns its id. Bad params raise ParamError and make no job.

        ``params`` is a params dataclass (VideoParams, MusicParams, ...), or a JSON dict
        together with ``kind``. A file param (a melody) must be one of the owner's assets.
        Beyond the owner's limits (jobs waiting, daily GPU seconds) it raises
        QuotaExceeded (a ParamError) with the limit and when it frees up; nothing is queued.
        The keeper sends the job to a worker when its fair turn comes.
        """
        check_owner(owner)
        spec = job_kind(kind) if kind is not None else kind_of(params)
        if isinstance(params, Mapping):
            built = spec.build(params)
        elif kind is not None and not spec.accepts(params):
            raise ParamError(f"{type(params).__name__} are not {spec.name} parameters.")
        else:
            # What a worker will rebuild, checked now.
            built = spec.build(spec.to_json(params, self.config.settings))
        data = spec.to_json(built, self.config.settings)
        sources = self._input_assets(owner, spec, data)
        quota = self.limits(owner)
        self._check_budget(owner, quota)
        try:
            job = self.catalog.jobs.add(
                owner, spec.name, data, [a.id for a in sources], max_queued=quota.max_queued
            )
        except QueueFull:
            raise QuotaExceeded(
                queue_full_message(quota.max_queued, self._first_start_s(owner))
            ) from None
        return job.id

    def submit_variations(self, owner: str, params: Any, count: int) -> builtins.list[str]:
        """Queue ``count`` (1-4) jobs of the same params with ``count`` seeds, all or none.

        The seeds follow on from ``params.seed`` (7, 8, 9, ...), or are drawn at random when
        it is None. Each counts against the owner's limits: beyond them QuotaExceeded says
        how many fit, and nothing is queued. Returns the jobs' ids in seed order.
        """
        check_owner(owner)
        if (
            isinstance(count, bool)
            or not isinstance(count, int)
            or not 1 <= count <= MAX_VARIATIONS
        ):
            raise ParamError(f"Variations are 1 to {MAX_VARIATIONS}, but {count!r} were asked.")
        spec = kind_of(params)
        settings = self.config.settings
        data = spec.to_json(spec.build(spec.to_json(params, settings)), settings)
        if "seed" not in data:
            raise ParamError(f"{spec.name} jobs have no seed to vary.")
        seeds = variation_seeds(data["seed"], count)
        group = [spec.to_json(spec.build({**data, "seed": seed}), settings) for seed in seeds]
        sources = self._input_assets(owner, spec, data)
        quota = self.limits(owner)
        self._check_budget(owner, quota)
        try:
            jobs = self.catalog.jobs.add_group(
                owner, spec.name, group, [a.id for a in sources], max_queued=quota.max_queued
            )
        except QueueFull as full:
            free = max(quota.max_queued - full.queued, 0)
            raise QuotaExceeded(
                f"{count} variations need {count} free places in the queue and {free} of "
                f"your {quota.max_queued} are free: ask for {max(free, 1)} or fewer. "
                + queue_full_message(quota.max_queued, self._first_start_s(owner))
            ) from None
        return [job.id for job in jobs]

    def get(self, job_id: str, owner: str | None = None, *, admin: bool = False) -> Job | None:
        """The job as the catalog has it now; with ``owner``, None unless it is theirs."""
        job = self.catalog.jobs.get(job_id)
        if job is not None and owner is not None and job.owner != owner and not admin:
            return None
        return job

    def variation_group(self, job_id: str, owner: str) -> builtins.list[Job]:
        """The owner's variations submitted with ``job_id``, seed order; [] for a lone job."""
        job = self.get(job_id, owner)
        if job is None or job.group_id is None:
            return []
        return [j for j in self.catalog.jobs.in_group(job.group_id) if j.owner == owner]

    def outlook(self, job_id: str, owner: str | None = None, *, admin: bool = False) -> Outlook:
        """Queue position (1 = next) and seconds until it starts, while the job waits.

        Both are None once it runs or ends (or is not the owner's); ``estimate_s`` is None
        too while no similar job has finished on this studio ("no estimate yet").
        """
        job = self.get(job_id, owner, admin=admin)
        if job is None or job.status != QUEUED:
            return Outlook()
        found = queue_outlook(self.catalog, live_workers(self.catalog)).get(job_id)
        return found or Outlook()

    def queue_position(
        self, job_id: str, owner: str | None = None, *, admin: bool = False
    ) -> int | None:
        """1 for the next job to start; None once it is no longer waiting."""
        return self.outlook(job_id, owner, admin=admin).position

    def estimate_s(
        self, job_id: str, owner: str | None = None, *, admin: bool = False
    ) -> float | None:
        """Seconds until a waiting job starts, from similar jobs' run times; None: unknown."""
        return self.outlook(job_id, owner, admin=admin).estimate_s

    def list(self, owner: str, *, limit: int = 50) -> builtins.list[Job]:
        """The owner's jobs, newest first."""
        return self.catalog.jobs.list(owner=check_owner(owner), limit=limit)

    def list_all(self, *, active_only: bool = False, limit: int = 200) -> builtins.list[Job]:
        """Every user's jobs, newest first: for the admin page."""
        statuses = (QUEUED, RUNNING) if active_only else None
        return self.catalog.jobs.list(statuses=statuses, limit=limit)

    def cancel(self, job_id: str, owner: str, *, admin: bool = False) -> Job:
        """Cancel a queued job (it never runs) or a running one (it stops at its next step).

        Returns the job as it is now: ``cancelled`` at once for a queued job; a running
        job shows ``cancel_requested`` until its worker stops. Finished jobs are unchanged.
        """
        job = self.catalog.jobs.get(job_id)
        if job is None:
            raise NotFound(f"There is no job {job_id}.")
        if job.owner != owner and not admin:
            raise NotAllowed(
                "This job belongs to someone else; only they or an admin may cancel it."
            )
        if not job.active:
            return job
        job = self.catalog.transitions.request_cancel(job_id) or job
        try:
            broker = self.broker
            broker.cancel(job_id)  # a running worker sees this at its next step
            if job.status == QUEUED and broker.claim_for_cancel(job_id, job.delivery):
                self.catalog.transitions.cancel_queued(job_id, job.delivery)
        except Exception as exc:  # the keeper pushes the cancel once the queue is back
            log.warning("Cancel of job %s is recorded but not yet sent: %s", job_id, exc)
        return self.catalog.jobs.get(job_id) or job

    # -- limits ----------------------------------------------------------------------

    def limits(self, owner: str) -> UserQuota:
        """The limits that apply to ``owner``: the admin's overrides, else the defaults."""
        return effective_quota(self.config, self.catalog.limits.get(check_owner(owner)))

    def limit_overrides(self, owner: str) -> LimitOverrides:
        """What an admin set for ``owner`` (None fields: the defaults apply)."""
        return self.catalog.limits.get(check_owner(owner))

    def set_limits(
        self, owner: str, *, max_queued: int | None, daily_gpu_seconds: float | None
    ) -> UserQuota:
        """An admin's per-user limits; None goes back to the default, a budget of 0 is none.

        The caller checks that an admin asks (studio/ui/backend.py does).
        """
        if max_queued is not None and max_queued < 1:
            raise ParamError(f"The most jobs waiting must be 1 or more, but is {max_queued}.")
        if daily_gpu_seconds is not None and daily_gpu_seconds < 0:
            raise ParamError(
                f"The daily GPU seconds must be 0 (no budget) or more, but is {daily_gpu_seconds}."
            )
        self.catalog.limits.set(check_owner(owner), LimitOverrides(max_queued, daily_gpu_seconds))
        return self.limits(owner)

    def _check_budget(self, owner: str, quota: UserQuota) -> None:
        if quota.daily_gpu_seconds is None:
            return
        now = time.time()
        used = self.catalog.jobs.device_time(owner, since=now - DAY_S)
        used_s, frees_at = budget_left(quota.daily_gpu_seconds, used, now)
        if used_s >= quota.daily_gpu_seconds:
            raise QuotaExceeded(budget_message(quota.daily_gpu_seconds, used_s, frees_at, now))

    def _first_start_s(self, owner: str) -> float | None:
        """Seconds until the first of the owner's waiting jobs starts, if known."""
        outlook = queue_outlook(self.catalog, live_workers(self.catalog))
        mine = [outlook[job.id] for job in self.catalog.jobs.queued(owner) if job.id in outlook]
        starts = [o.estimate_s for o in mine if o.estimate_s is not None]
        return min(starts) if starts else None  # the earliest is known if any is

    # -- the admin's view ------------------------------------------------------------

    def status(self) -> QueueStatus:
        services = self.catalog.services.recent(within_s=WORKER_SEEN_S)
        return QueueStatus(
            counts=self.catalog.jobs.count_by_status(),
            keeper_up=any(info.get("role") == "keeper" for info in services.values()),
            workers={
                name.removeprefix("worker "): info
                for name, info in services.items()
                if info.get("role") == "worker"
            },
            services=services,
            running=self.catalog.jobs.list(statuses=(RUNNING,)),
        )

    def unload_models(self) -> None:
        """Ask every worker to unload its models after its current job (frees the GPUs)."""
        self.broker.request_unload()

    def close(self) -> None:
        """Release the queue connection (tests; a server process keeps one API)."""
        with self._lock:
            if self._broker is not None:
                self._broker.close()
                self._broker = None

    # -- helpers ---------------------------------------------------------------------

    def _input_assets(
        self, owner: str, spec: JobKind, data: Mapping[str, Any]
    ) -> builtins.list[Asset]:
        """The assets named by the params' file fields; each must be the owner's."""
        found = []
        root = self.config.data_dir.resolve()
        for name in spec.file_fields:
            value = data.get(name)
            if value is None:
                continue
            try:
                path: Path | None = Path(str(value)).resolve()
            except (OSError, ValueError):  # a NUL byte or a loop names none of their files
                path = None
            asset = None
            if path is not None and path.is_relative_to(root):
                asset = self.catalog.assets.by_path(path.relative_to(root).as_posix())
            if asset is None or path is None or asset.owner != owner or not path.is_file():
                raise ParamError(
                    f"`{name}` must be one of your files in the studio (upload it first)."
                )
            found.append(asset)
        return found


_default: JobsAPI | None = None
_default_lock = threading.Lock()


def default_api() -> JobsAPI:
    """The process-wide API built from the environment (STUDIO_DATA_DIR, STUDIO_REDIS_URL)."""
    global _default
    with _default_lock:
        if _default is None:
            _default = JobsAPI()
        return _default
