"""The job system's one service, and the only part of it the UI and the HTTP API import.

    jobs = JobService()                       # one per process, safe for every session
    (job_id,) = jobs.submit("alice", "modelscope-t2v-1.7b", {"prompt": "a red fox in snow"})
    job = jobs.get(job_id)                    # status, step/total, eta_s, error, asset_id
    jobs.outlook(job_id)                      # while it waits: position (1 = next), s to start
    jobs.cancel(job_id, "alice")
    path = jobs.asset_path(job.asset_id, "alice")

Nothing here runs a model or imports torch: submit checks the params, the user's files and
limits and writes the catalog; the keeper sends jobs to workers in fair order and brings
results back.
"""

from __future__ import annotations

import builtins
import logging
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from engines.catalog import AUDIO, ModelEntry, resolve
from engines.cost import CostTooHigh
from engines.errors import ParamError, StudioError
from jobs.assets import (
    check_owner,
    resolve_in,
)
from jobs.catalog import Catalog
from jobs.catalog.jobs import QueueFull
from jobs.catalog.limits import LimitOverrides
from jobs.catalog.records import QUEUED, RUNNING, Asset, Job
from jobs.config import JobsConfig
from jobs.estimates import Outlook, live_workers, queue_outlook
from jobs.input_files import owned_inputs
from jobs.kinds.extend import extension_of
from jobs.kinds.job_kind import JobKind, load_object
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
from jobs.submission import (
    build_params,
    checked_count,
    resolve_target,
    variation_group,
)

log = logging.getLogger(__name__)

WORKER_SEEN_S = 30.0  # a keeper or worker that reported within this long counts as up


class NotAllowed(StudioError, PermissionError):
    """The job belongs to someone else; only its owner or an admin may change it."""


@dataclass(frozen=True)
class QueueStatus:
    counts: dict[str, int]  # jobs per status
    keeper_up: bool  # the catalog side is applying results
    workers: dict[str, dict[str, Any]]  # workers seen lately: job, jobs_done, registry (model)
    services: dict[str, dict[str, Any]]  # keepers and workers that reported lately
    running: list[Job]  # what runs now, and on which worker


class JobService(OwnedAssets):
    """Submit, follow and cancel jobs; reach one's own assets. Thread-safe."""

    def __init__(self, config: JobsConfig | None = None) -> None:
        self.config = config or JobsConfig.from_env()
        self.settings = self.config.settings  # the models offered, the default ones
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

    def submit(
        self,
        owner: str,
        model_or_kind: str,
        values: Mapping[str, Any],
        variations: int = 1,
    ) -> builtins.list[str]:
        """Queue a job, or ``variations`` (1-4) of it with their own seeds; their ids.

        ``model_or_kind`` names what makes it: a model this studio offers (video and music
        jobs), or "combine" or "score" (jobs.submission says more). ``values`` are the
        params as a form or a script gives them, over the model's own defaults. Every page,
        the HTTP API and scripts come through here, so every job is checked alike: the
        params (a bad one raises ParamError and makes no job), the owner's files, the cost
        guard (CostTooHigh: more than the model's GPU does in minutes, times the owner's
        allowance, saying what fits), and the owner's limits (QuotaExceeded, with the limit
        and when it frees up); each is a ParamError, and nothing is queued.
        Variations follow on from the params' seed (7, 8, 9, ...), or draw random seeds
        when it is None; all of them are queued or none. The keeper sends each job to a
        worker when its fair turn comes.
        """
        check_owner(owner)
        count = checked_count(variations)
        model_or_kind, values = extension_of(model_or_kind, values)  # extend_from: an extend job
        kind, entry = resolve_target(model_or_kind, self.settings)
        params = build_params(kind, entry, values)
        data = kind.to_json(params)
        sources = self._input_assets(owner, kind, data)  # file fields: the owner's asset ids
        group = variation_group(kind, data, count)
        quota = self.limits(owner)
        entry, costed = self._planned(kind, entry, params, data)
        self._check_cost(entry, costed, quota.cost_allowance)  # each variation costs the same
        self._check_budget(owner, quota)
        return self._enqueue(owner, kind, group, sources, quota)

    def _enqueue(
        self,
        owner: str,
        kind: JobKind,
        group: builtins.list[dict[str, Any]],
        sources: builtins.list[Asset],
        quota: UserQuota,
    ) -> builtins.list[str]:
        """Record the jobs as queued, within the owner's limit of waiting jobs."""
        source_ids = [a.id for a in sources]
        try:
            if len(group) == 1:
                job = self.catalog.jobs.add(
                    owner, kind.name, group[0], source_ids, max_queued=quota.max_queued
                )
                return [job.id]
            jobs = self.catalog.jobs.add_group(
                owner, kind.name, group, source_ids, max_queued=quota.max_queued
            )
        except QueueFull as full:
            waiting = queue_full_message(quota.max_queued, self._first_start_s(owner))
            if len(group) == 1:
                raise QuotaExceeded(waiting) from None
            free = max(quota.max_queued - full.queued, 0)
            raise QuotaExceeded(
                f"{len(group)} variations need {len(group)} free places in the queue and "
                f"{free} of your {quota.max_queued} are free: ask for {max(free, 1)} or fewer. "
                + waiting
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
        self,
        owner: str,
        *,
        max_queued: int | None,
        daily_gpu_seconds: float | None,
        cost_allowance: float | None = None,
    ) -> UserQuota:
        """An admin's per-user limits; None goes back to the default, a budget of 0 is none.

        ``cost_allowance`` is how many times each model's cost limit one job may ask (2:
        twice what its GPU does in 10 minutes). The caller checks that an admin asks
        (studio/ui/backend.py does).
        """
        if max_queued is not None and max_queued < 1:
            raise ParamError(f"The most jobs waiting must be 1 or more, but is {max_queued}.")
        if daily_gpu_seconds is not None and daily_gpu_seconds < 0:
            raise ParamError(
                f"The daily GPU seconds must be 0 (no budget) or more, but is {daily_gpu_seconds}."
            )
        if cost_allowance is not None and not 0 < cost_allowance < float("inf"):
            raise ParamError(
                f"The cost allowance must be above 0 (1 is each model's own limit), "
                f"but is {cost_allowance}."
            )
        overrides = LimitOverrides(max_queued, daily_gpu_seconds, cost_allowance)
        self.catalog.limits.set(check_owner(owner), overrides)
        return self.limits(owner)

    def _planned(
        self, kind: JobKind, entry: ModelEntry | None, params: Any, data: Mapping[str, Any]
    ) -> tuple[ModelEntry | None, Any]:
        """The model and params a runner job runs (an extension's continuation), planned from
        its input files; a model job's own."""
        if kind.planner is None:
            return entry, params
        files = {
            name: resolve_in(self.config.data_dir, asset.path)
            for name in kind.file_fields
            if data.get(name) is not None and (asset := self.catalog.assets.get(data[name]))
        }
        planned: tuple[ModelEntry | None, Any] = load_object(kind.planner)(
            self.settings, params, files
        )
        return planned

    def _check_cost(self, entry: ModelEntry | None, params: Any, allowance: float) -> None:
        """No job may ask more of its model than its GPU does in minutes (x ``allowance``);
        a score's music is checked as the music job it runs. CostTooHigh says what fits."""
        if entry is None and callable(getattr(params, "music", None)):
            music = params.music()
            entry = (
                resolve(music.model, AUDIO) if music.model else self.settings.default_model(AUDIO)
            )
            params = music
        if entry is None:
            return  # combining runs no model
        try:
            entry.check_cost(params, allowance=allowance)
        except CostTooHigh as over:
            raise CostTooHigh(
                f"{over} An admin can raise how much one job of yours may ask."
            ) from None

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
        """The assets named by the params' file fields (asset ids); each must be the owner's."""
        return owned_inputs(self.catalog, owner, spec, data)
