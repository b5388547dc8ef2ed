"""A running job far past its estimate is stopped: at 3 times its estimate, and never
before 3 times the run budget (``JobsConfig.run_budget_s``, 10 minutes: the work a
catalog entry accepts in one job on its target GPU). Without an estimate yet (no similar
job finished here) the budget stands in for it.

The keeper marks the delivery "overtime" in the broker; the worker stops it at its next
step (or, if the step never returns, its watchdog replaces the process) and answers
"overtime"; the keeper fails the job with ``message``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence

from jobs.catalog import Catalog
from jobs.catalog.records import RUNNING, Job
from jobs.estimates import RunTimes
from jobs.queue import Broker

log = logging.getLogger(__name__)

OVERTIME_FACTOR = 3


def duration_words(seconds: float) -> str:
    """``75`` -> "1 min 15 s", ``3900`` -> "1 h 5 min"."""
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds} s"
    minutes, secs = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min" + (f" {secs} s" if secs else "")
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h" + (f" {minutes} min" if minutes else "")


class Overtime:
    """Finds running jobs past their limit and tells their workers to stop them."""

    def __init__(self, catalog: Catalog, broker: Broker, budget_s: float) -> None:
        self.catalog = catalog
        self.broker = broker
        self.budget_s = budget_s
        self._sent: set[tuple[str, int]] = set()

    def limit_s(self, job: Job, runs: RunTimes | None = None) -> tuple[float, float | None]:
        """(seconds the job may run, its estimate or None)."""
        estimate = (runs or RunTimes(self.catalog)).estimate_s(job)
        return OVERTIME_FACTOR * max(estimate or 0.0, self.budget_s), estimate

    def check(self, jobs: Sequence[Job], now: float | None = None) -> None:
        """Mark every running job past its limit (once per delivery)."""
        now = time.time() if now is None else now
        running = [job for job in jobs if job.status == RUNNING and job.started_at is not None]
        self._sent &= {(job.id, job.delivery) for job in running}
        runs = RunTimes(self.catalog)
        for job in running:
            key = (job.id, job.delivery)
            limit, _ = self.limit_s(job, runs)
            if key in self._sent or now - (job.started_at or now) <= limit:
                continue
            log.warning("Job %s ran past %s; stopping it.", job.id, duration_words(limit))
            self.broker.overrun(job.id, job.delivery)
            self._sent.add(key)

    def message(self, job: Job) -> str:
        """Why an overrun job failed, in the owner's words."""
        limit, estimate = self.limit_s(job)
        if estimate is None:
            measure = f"{OVERTIME_FACTOR}x the {duration_words(self.budget_s)} a job may take here"
        else:
            measure = f"{OVERTIME_FACTOR}x its estimate of {duration_words(estimate)}"
        return (
            f"Stopped: it ran past {duration_words(limit)} ({measure}). "
            "Try fewer frames or steps, a smaller size or a shorter duration."
        )
