"""The keeper: the catalog-owning side of the queue.

Workers never open the catalog. The keeper, running beside the studio (the
supervisor starts it), polls the broker for what workers report and applies it to the
catalog with compare-and-set updates, so repeated or late reports change nothing:

1. a claimed delivery -> running; progress and heartbeats -> the job's row;
2. a result -> the output file (its settings embedded by the worker) written once into
   ``assets/<owner>/`` and the job done with its asset, or failed / cancelled with the
   reason (``jobs.keeper.results``);
3. a running job whose worker exited (its supervisor saw it: ``worker_lost``, at once) or
   whose heartbeat went stale (a worker on any machine, ``STUDIO_JOBS_STALE_S``, 10 s) ->
   re-queued as a new delivery (attempts + 1, at most ``max_attempts``), first in its
   owner's turn, or failed with the reason;
4. queued jobs sent to the queue in fair order (``jobs.keeper.scheduling``), only as many
   as there are free workers, so the broker's FIFO never decides who goes next; a variation
   group whose model batches goes in one message (``jobs.keeper.dispatch``);
5. sent jobs missing from the broker (Redis restarted empty, an enqueue failed) ->
   enqueued again; requested cancels are pushed to the broker until they take;
6. a running job far past its estimate -> told to stop (``jobs.keeper.overtime``).

``python -m jobs.keeper`` runs it alone; ``python -m jobs.supervisor`` runs it with workers.
"""

from __future__ import annotations

import contextlib
import logging
import os
import queue
import socket
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from jobs.boards.render import BoardRenders
from jobs.catalog import Catalog
from jobs.catalog.records import QUEUED, RUNNING, Job
from jobs.config import JobsConfig
from jobs.input_files import input_paths
from jobs.keeper.dispatch import dispatch_waiting
from jobs.keeper.overtime import Overtime
from jobs.keeper.results import Results, stale_reason
from jobs.kinds import job_kind
from jobs.queue import Broker, Observation
from jobs.service import JobService

log = logging.getLogger(__name__)

HEARTBEAT_WRITE_S = 1.0  # a heartbeat alone (no new progress) is written at most this often
SERVICE_BEAT_S = 2.0
WORKER_GONE_AFTER = 3  # presence intervals without a new announcement: the worker is gone
INPUT_GONE_MESSAGE = "A file this job uses was deleted before it could run; pick another."
CANCEL_SILENCE_S = 5.0  # a cancelled job whose worker is silent this long is ended here
SILENT_CANCEL_MESSAGE = "Cancelled (its worker had stopped responding)."
LOST_MEMORY_S = 600.0  # how long an exited worker's id is remembered (a claim may lag)


class Keeper:
    def __init__(
        self,
        config: JobsConfig,
        catalog: Catalog | None = None,
        broker: Broker | None = None,
    ) -> None:
        self.config = config
        self.catalog = catalog or Catalog(config.catalog_path)
        self.broker = broker or Broker(config)
        self.overtime = Overtime(self.catalog, self.broker, config.run_budget_s)
        self.results = Results(config, self.catalog, self.broker, self.overtime)
        self.boards = BoardRenders(JobService(config))  # storyboards move on as jobs finish
        self.name = f"keeper {socket.gethostname()}:{os.getpid()}"
        self._started = time.time()
        self._beats: dict[tuple[str, int], int] = {}  # last heartbeat number seen
        self._missing: set[tuple[str, int]] = set()  # queued, and not in the broker last time
        self._next_reconcile = 0.0
        self._next_service_beat = 0.0
        self._failing_since: float | None = None
        self._cancels_sent: set[str] = set()
        self._worker_beats: dict[str, int] = {}
        self._worker_seen: dict[str, tuple[int, float]] = {}  # (beat, keeper time it changed)
        self._failing_jobs: dict[str, str] = {}  # job id -> last error, logged once
        self._lost_reports: queue.SimpleQueue[tuple[str, float]] = queue.SimpleQueue()
        self._lost: dict[str, float] = {}  # worker id -> when its process was seen to exit

    # -- the loop --------------------------------------------------------------------

    def run(self, stop: threading.Event) -> None:
        log.info("Keeper watches %s jobs in %s.", self.config.backend, self.config.catalog_path)
        while not stop.is_set():
            self.tick()
            stop.wait(self.config.keeper_interval_s)

    def tick(self) -> None:
        """One pass; never raises, so a broker outage only delays the catalog."""
        try:
            self._tick()
            if self._failing_since is not None:
                log.info("Keeper passes work again.")
                self._failing_since = None
        except Exception as exc:
            if self._failing_since is None:
                self._failing_since = time.time()
                log.warning("Keeper pass failed (will retry): %s", exc, exc_info=True)

    def worker_lost(self, worker_id: str) -> None:
        """A worker's process exited (its supervisor saw it): its running job is lost now,
        not once its heartbeat goes stale. Safe to call from another thread."""
        self._lost_reports.put((worker_id, time.time()))

    def _take_lost_reports(self, now: float) -> None:
        while not self._lost_reports.empty():
            worker_id, at = self._lost_reports.get()
            self._lost[worker_id] = at
            self.broker.retire(worker_id)  # not counted as a free worker any more
        self._lost = {w: at for w, at in self._lost.items() if now - at < LOST_MEMORY_S}

    def _is_lost(self, job: Job) -> bool:
        if job.worker not in self._lost:
            return False
        if job.worker in self.broker.workers():  # announced since: a new process, same pid
            self._lost.pop(job.worker, None)
            return False
        return True

    def _tick(self) -> None:
        now = time.time()
        self._take_lost_reports(now)
        jobs = self.catalog.jobs.active()
        seen = self.broker.observe((job.id, job.delivery) for job in jobs) if jobs else {}
        for job in jobs:
            try:
                self._apply(job, seen.get(job.id, Observation()), now)
            except Exception as exc:  # one job's trouble must not hold up the others
                if self._failing_jobs.get(job.id) != repr(exc):
                    self._failing_jobs[job.id] = repr(exc)
                    log.warning("Cannot apply job %s yet: %s", job.id, exc, exc_info=True)
        self.boards.advance_all()  # before dispatch: a board's next shot goes out this pass
        self._dispatch()
        if now >= self._next_reconcile:
            self._next_reconcile = now + self.config.reconcile_interval_s
            self._reconcile(seen)
            self.overtime.check(jobs, now)
        if now >= self._next_service_beat:
            self._next_service_beat = now + min(SERVICE_BEAT_S, self.config.presence_interval_s)
            info = {"role": "keeper", "backend": self.config.backend}
            self.catalog.services.record(self.name, info)
            self._record_workers()
        active = {(job.id, job.delivery) for job in jobs}
        active_ids = {job.id for job in jobs}
        self._beats = {key: beat for key, beat in self._beats.items() if key in active}
        self._cancels_sent &= {job.id for job in jobs}
        self._failing_jobs = {k: v for k, v in self._failing_jobs.items() if k in active_ids}

    def _record_workers(self) -> None:
        """Copy workers' announcements into the catalog, stamped on the keeper's clock."""
        announced = self.broker.workers()
        self._note_beats(announced)
        for worker_id, info in announced.items():
            beat = int(info.get("beat", 0))
            if self._worker_beats.get(worker_id) != beat:
                self._worker_beats[worker_id] = beat
                self.catalog.services.record(f"worker {worker_id}", info)

    # -- applying what workers report ------------------------------------------------

    def _apply(self, job: Job, seen: Observation, now: float) -> None:
        if seen.result is not None:
            self.results.apply(job, seen.result)
            return
        if job.cancel_requested and self._push_cancel(job):
            return
        if job.status == QUEUED and seen.claim is not None:
            if seen.claim.get("cancelled"):
                self.catalog.transitions.cancel_queued(job.id, job.delivery)
                return
            if self.catalog.transitions.mark_running(
                job.id, job.delivery, str(seen.claim.get("worker"))
            ):
                log.info("Job %s is running on %s.", job.id, seen.claim.get("worker"))
                job = self.catalog.jobs.get(job.id) or job
        if job.status != RUNNING:
            return
        if job.cancel_requested and now - self._last_sign(job) > CANCEL_SILENCE_S:
            self._end_silent_cancel(job)  # a worker that died cannot answer the cancel
            return
        if self._is_lost(job):
            self._give_up(job, now, "exited")
            return
        state = seen.state
        if state is not None and state.get("delivery") == job.delivery:
            self._apply_state(job, state, now)
        elif self._is_stale(job, now):
            self._give_up(job, now)

    def _apply_state(self, job: Job, state: dict[str, Any], now: float) -> None:
        key = (job.id, job.delivery)
        beat = int(state.get("beat", 0))
        if self._beats.get(key) == beat:
            # No sign of life since the last pass; is it long enough to call it dead?
            if self._is_stale(job, now):
                self._give_up(job, now)
            return
        self._beats[key] = beat
        step, total, eta = int(state.get("step", 0)), int(state.get("total", 0)), state.get("eta_s")
        phase = state.get("phase")
        if (step, total, phase) != (job.step, job.total, job.phase) or eta != job.eta_s:
            self.catalog.transitions.record_progress(
                job.id, job.delivery, step, total, eta, str(phase) if phase else None
            )
        elif job.heartbeat_at is None or now - job.heartbeat_at >= self._heartbeat_write_s:
            self.catalog.transitions.record_heartbeat(job.id, job.delivery)

    # -- cancels, dead workers and lost messages -------------------------------------

    def _push_cancel(self, job: Job) -> bool:
        """Make a requested cancel reach the broker; True when the job is finished now."""
        if job.id not in self._cancels_sent:
            self.broker.cancel(job.id)
            self._cancels_sent.add(job.id)
        if job.status == QUEUED and self.broker.claim_for_cancel(job.id, job.delivery):
            self.catalog.transitions.cancel_queued(job.id, job.delivery)
            self.broker.forget(job.id, job.delivery, job_kind(job.kind).file_fields)
            return True
        return False

    def _last_sign(self, job: Job) -> float:
        """When the job's worker was last heard of; a keeper that just started has not
        watched long enough to call anyone silent."""
        return max(job.heartbeat_at or job.started_at or 0.0, self._started)

    @property
    def _heartbeat_write_s(self) -> float:
        # Written well within the stale limit, so a live worker never looks silent by it.
        return min(HEARTBEAT_WRITE_S, self.config.stale_after_s / 4)

    def _is_stale(self, job: Job, now: float) -> bool:
        return now - self._last_sign(job) > self.config.stale_after_s

    def _end_silent_cancel(self, job: Job) -> None:
        """Cancel a running job whose worker went silent, so the page need not wait for it
        to be called dead; should the worker wake up, it stops and its result is ignored."""
        self.broker.supersede(job.id, job.delivery)
        ended = self.catalog.transitions.finish(
            job.id, job.delivery, "cancelled", SILENT_CANCEL_MESSAGE
        )
        if ended:
            log.warning("Job %s cancelled; its worker %s was silent.", job.id, job.worker)
            self.broker.forget(job.id, job.delivery, job_kind(job.kind).file_fields)

    def _give_up(self, job: Job, now: float, how: str = "silent") -> None:
        silent = now - (job.heartbeat_at or now)
        # First tell that delivery to stop, in case its worker is only slow, then replace it.
        self.broker.supersede(job.id, job.delivery)
        requeued = self.catalog.transitions.requeue(
            job.id,
            job.delivery,
            max_attempts=self.config.max_attempts,
            reason=stale_reason(job, job.attempts),
        )
        if requeued is None:
            return
        if requeued.status == QUEUED:
            log.warning(
                "Job %s: worker %s %s (last heard %.0f s ago); queued again (delivery %d).",
                job.id,
                job.worker,
                how,
                silent,
                requeued.delivery,
            )  # _dispatch sends it first: it keeps its place
        else:
            log.warning("Job %s: worker %s %s; job %s.", job.id, job.worker, how, requeued.status)
            self.broker.forget(job.id, job.delivery, job_kind(job.kind).file_fields)

    def _send(self, job: Job, siblings: Sequence[Job] = ()) -> None:
        """Enqueue a delivery (with its batch's siblings); a job whose input file is gone
        fails instead."""
        try:
            fields = job_kind(job.kind).file_fields
            inputs = input_paths(self.catalog, self.config.data_dir, fields, job.params)
            self.broker.send(job, siblings, inputs)
        except FileNotFoundError:
            log.warning("Job %s: an input file is gone; failing it.", job.id)
            self.catalog.transitions.finish(job.id, job.delivery, "failed", INPUT_GONE_MESSAGE)

    # -- fair dispatch -------------------------------------------------------------

    def _dispatch(self) -> None:
        """Send waiting jobs in fair order, one message per free worker (``dispatch``)."""
        max_batch = self.config.settings.max_batch
        dispatch_waiting(self.catalog, self._live_workers, max_batch, self._send)

    def _live_workers(self) -> set[str]:
        """Workers whose announcements keep changing, on the keeper's own clock."""
        self._note_beats(self.broker.workers())
        now, window = time.monotonic(), self._gone_after_s()
        return {w for w, (_, at) in self._worker_seen.items() if now - at <= window}

    def _note_beats(self, announced: dict[str, dict[str, Any]]) -> None:
        now = time.monotonic()
        for worker_id, info in announced.items():
            # Announced after it was retired as lost: a new process that reuses the pid.
            self._lost.pop(worker_id, None)
            beat = int(info.get("beat", 0))
            seen = self._worker_seen.get(worker_id)
            if seen is None or seen[0] != beat:
                self._worker_seen[worker_id] = (beat, now)
            elif now - seen[1] > max(self._gone_after_s(), self.config.stale_after_s):
                self.broker.retire(worker_id)  # killed without retiring; back if it announces
        self._worker_seen = {w: s for w, s in self._worker_seen.items() if w in announced}

    def _gone_after_s(self) -> float:
        return WORKER_GONE_AFTER * self.config.presence_interval_s + 1.0

    # -- lost messages ---------------------------------------------------------------

    def _reconcile(self, seen: dict[str, Observation]) -> None:
        """Enqueue again sent jobs the broker lost, once missing on two passes in a row."""
        queued = [
            job
            for job in self.catalog.jobs.active()
            if job.status == QUEUED and job.dispatched_at is not None
        ]
        if not queued:
            self._missing = set()
            return
        pending = self.broker.pending()
        missing = set()
        for job in queued:
            key = (job.id, job.delivery)
            observed = seen.get(job.id, Observation())
            if key in pending or observed.claim is not None or observed.state is not None:
                continue
            if key in self._missing:
                log.warning("Job %s is queued but not in the broker; enqueued again.", job.id)
                self._send(job)
            else:
                missing.add(key)
        self._missing = missing


def main(argv: Sequence[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(
        prog="python -m jobs.keeper",
        description="Apply workers' progress and results to the studio's catalog.",
    )
    parser.add_argument("--data-dir", type=Path, help="default: STUDIO_DATA_DIR or ./data")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    config = JobsConfig.from_env()
    if args.data_dir:
        from dataclasses import replace

        config = config.with_changes(settings=replace(config.settings, data_dir=args.data_dir))
    stop = threading.Event()
    with contextlib.suppress(KeyboardInterrupt):
        Keeper(config).run(stop)
    return 0
