"""Queue position and start estimate of waiting jobs, from this studio's own history.

A job's run time is estimated from similar jobs that finished here: same job kind and
model, same main size params (frames, steps and picture size; or duration), the median
of the latest few (catalog clock, from start to result, so model loads count too).
Without such a job there is no estimate ("no estimate yet"), never a guess.

The start estimate plays the queue forward: running jobs end after their worker's own
ETA (or their estimate minus the time they ran), and each waiting job, in fair order,
takes the worker that frees up first.
"""

from __future__ import annotations

import heapq
import statistics
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from jobs.catalog import Catalog
from jobs.catalog.records import QUEUED, RUNNING, Job, compact_json
from jobs.keeper.scheduling import queue_order

SIZE_PARAMS = ("model", "num_frames", "steps", "height", "width", "duration")  # what sets the cost
SAMPLES = 5  # similar finished jobs whose median is the estimate
HISTORY = 200  # latest finished jobs of a kind looked at
WORKERS_SEEN_S = 10.0  # a worker that reported within this long takes jobs


@dataclass(frozen=True)
class Outlook:
    """Where a queued job stands: 1 is the next to start; None once it has started."""

    position: int | None = None
    estimate_s: float | None = None  # seconds until it starts; None: no estimate yet


def similarity_key(job: Job) -> str:
    """Jobs with the same key cost about the same time on the same studio."""
    params = job.params
    key: dict[str, Any] = {name: params[name] for name in SIZE_PARAMS if name in params}
    if job.kind == "music":
        key["melody"] = params.get("melody_path") is not None  # another model, another cost
    return compact_json([job.kind, key])


class RunTimes:
    """Estimated run time of a job, from the finished jobs like it (read once per kind)."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self._by_kind: dict[str, dict[str, list[float]]] = {}

    def estimate_s(self, job: Job) -> float | None:
        seen = self._by_kind.get(job.kind)
        if seen is None:
            seen = self._by_kind[job.kind] = self._durations(job.kind)
        durations = seen.get(similarity_key(job))
        return statistics.median(durations) if durations else None

    def _durations(self, kind: str) -> dict[str, list[float]]:
        found: dict[str, list[float]] = {}
        for done in self.catalog.jobs.recent_done(kind, HISTORY):  # newest first
            if done.started_at is None or done.finished_at is None:
                continue
            latest = found.setdefault(similarity_key(done), [])
            if len(latest) < SAMPLES:
                latest.append(done.finished_at - done.started_at)
        return found


def queue_outlook(catalog: Catalog, workers: int, now: float | None = None) -> dict[str, Outlook]:
    """Position and start estimate of every queued job, by job id."""
    now = time.time() if now is None else now
    active = catalog.jobs.active()
    queued = [job for job in active if job.status == QUEUED and not job.cancel_requested]
    if not queued:
        return {}
    order = queue_order(queued, catalog.jobs.served_at(job.owner for job in queued))
    running = [job for job in active if job.status == RUNNING]
    starts = _start_times(order, running, workers, RunTimes(catalog), now)
    return {
        job.id: Outlook(position, start)
        for position, (job, start) in enumerate(zip(order, starts, strict=True), start=1)
    }


def _start_times(
    order: Sequence[Job], running: Iterable[Job], workers: int, runs: RunTimes, now: float
) -> list[float | None]:
    """Seconds from now until each job in ``order`` starts; None from the first unknown."""
    free_in: list[float] = []  # when each worker is free, in seconds from now
    for job in running:
        if job.eta_s is not None:
            free_in.append(max(float(job.eta_s), 0.0))
            continue
        run_s = runs.estimate_s(job)
        if run_s is None:
            return [None] * len(order)
        free_in.append(max(run_s - (now - (job.started_at or now)), 0.0))
    if workers < 1:
        return [None] * len(order)  # no worker is up: nobody can say when one will be
    free_in += [0.0] * max(workers - len(free_in), 0)
    heapq.heapify(free_in)
    starts: list[float | None] = []
    for job in order:
        start = heapq.heappop(free_in)
        starts.append(round(start, 1))
        run_s = runs.estimate_s(job)
        if run_s is None:
            break
        heapq.heappush(free_in, start + run_s)
    return starts + [None] * (len(order) - len(starts))


def live_workers(catalog: Catalog) -> int:
    """Workers that reported lately (the keeper records their announcements)."""
    services = catalog.services.recent(within_s=WORKERS_SEEN_S)
    return sum(1 for info in services.values() if info.get("role") == "worker")
