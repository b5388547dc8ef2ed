"""The keeper: the catalog-owning side of the queue.

Workers never open the catalog. The keeper, running beside the studio (the
supervisor starts it), polls the broker for what workers report and applies it to the
catalog with compare-and-set updates, so repeated or late reports change nothing:

1. a claimed delivery -> running; progress and heartbeats -> the job's row;
2. a result -> the output file written into ``assets/<owner>/`` (temporary name, then
   rename) and the job done with its asset, or failed / cancelled with the reason;
3. a running job whose heartbeat went stale (its worker died, on any machine) -> re-queued
   as a new delivery (attempts + 1, at most ``max_attempts``) or failed with the reason;
4. queued jobs sent to the queue in fair order (``jobs.scheduling``), only as many as
   there are free workers, so the broker's FIFO never decides who goes next; a variation
   group whose model batches goes in one message (``jobs.dispatch``);
5. sent jobs missing from the broker (Redis restarted empty, an enqueue failed) ->
   enqueued again; requested cancels are pushed to the broker until they take.

``python -m jobs.keeper`` runs it alone; ``python -m jobs.supervisor`` runs it with workers.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from engines.errors import StudioError
from engines.media.settings_tag import embed_settings
from jobs.assets import (
    relative_asset_path,
    relative_preview_path,
    settings_for_file,
    write_asset,
)
from jobs.catalog import Catalog
from jobs.catalog.records import QUEUED, RUNNING, Job, asked_text
from jobs.config import JobsConfig
from jobs.dispatch import dispatch_waiting
from jobs.kinds import job_kind
from jobs.queue import Broker, Observation

log = logging.getLogger(__name__)

HEARTBEAT_WRITE_S = 1.0  # a heartbeat alone (no new progress) is written at most this often
SERVICE_BEAT_S = 2.0
WORKER_GONE_AFTER = 3  # presence intervals without a new announcement: the worker is gone
INPUT_GONE_MESSAGE = "A file this job uses was deleted before it could run; pick another."


def stale_reason(job: Job, attempts: int) -> str:
    return (
        f"The worker running this job ({job.worker or 'unknown'}) stopped responding, "
        f"{attempts} time(s); it is not retried again. The machine may have crashed or run "
        "out of memory: try again, perhaps with smaller settings."
    )


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

    def _tick(self) -> None:
        now = time.time()
        jobs = self.catalog.jobs.active()
        seen = self.broker.observe((job.id, job.delivery) for job in jobs) if jobs else {}
        for job in jobs:
            try:
                self._apply(job, seen.get(job.id, Observation()), now)
            except Exception as exc:  # one job's trouble must not hold up the others
                if self._failing_jobs.get(job.id) != repr(exc):
                    self._failing_jobs[job.id] = repr(exc)
                    log.warning("Cannot apply job %s yet: %s", job.id, exc, exc_info=True)
        self._dispatch()
        if now >= self._next_reconcile:
            self._next_reconcile = now + self.config.reconcile_interval_s
            self._reconcile(seen)
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
            self._apply_result(job, seen.result)
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
        elif job.heartbeat_at is None or now - job.heartbeat_at >= HEARTBEAT_WRITE_S:
            self.catalog.transitions.record_heartbeat(job.id, job.delivery)

    def _apply_result(self, job: Job, result: dict[str, Any]) -> None:
        outcome = result.get("outcome")
        kind = job_kind(job.kind)
        if outcome == "done":
            self._store_output(job, result)
        elif outcome == "failed":
            self.catalog.transitions.finish(
                job.id, job.delivery, "failed", str(result.get("error"))
            )
        elif outcome == "cancelled":
            self.catalog.transitions.finish(
                job.id, job.delivery, "cancelled", str(result.get("error"))
            )
        elif outcome in ("released", "superseded"):
            # The worker stopped (shutdown) or was given up on: run it again, uncharged.
            requeued = self.catalog.transitions.requeue(
                job.id,
                job.delivery,
                max_attempts=self.config.max_attempts,
                reason=stale_reason(job, job.attempts),
                count_attempt=False,
            )
            self.broker.forget(job.id, job.delivery, ())
            if requeued is not None and requeued.status == QUEUED:  # sent first by _dispatch
                log.info("Job %s was handed back by its worker; queued again.", job.id)
            return
        else:
            log.error("Job %s sent an unknown outcome %r; failing it.", job.id, outcome)
            self.catalog.transitions.finish(
                job.id, job.delivery, "failed", "The worker sent a bad result."
            )
        self.broker.forget(job.id, job.delivery, kind.file_fields)
        log.info("Job %s %s.", job.id, outcome)

    def _store_output(self, job: Job, result: dict[str, Any]) -> None:
        """Write the file, then mark the job done with its asset in one transaction."""
        relative = relative_asset_path(job.owner, job.output_id, str(result["suffix"]))
        path = write_asset(self.config.data_dir, relative, bytes(result["file"]))
        pictures = [path]
        meta = dict(result.get("meta") or {})
        meta["path"] = relative  # the worker's scratch path means nothing here
        meta["previews"] = {}
        for name, blob in (result.get("previews") or {}).items():
            preview = relative_preview_path(relative, str(name))
            pictures.append(write_asset(self.config.data_dir, preview, bytes(blob)))
            meta["previews"][name] = preview
        for key in ("engine_s", "worker", "started_at", "finished_at"):
            meta.setdefault(f"job_{key}", result.get(key))
        params = dict(job.params)
        if "seed" in params and meta.get("seed") is not None:
            params["seed"] = meta["seed"]  # "use these settings again" makes the same thing
        meta["job_kind"] = job.kind
        meta["input_names"] = self._input_names(job)
        self._embed_settings(path, job, params, meta)
        kind = job_kind(job.kind)
        # The catalog name the job asked for; the folder or hub id the weights came from else.
        model = params.get("model") or meta.get("model")
        done = self.catalog.transitions.finish_done(
            job.id,
            job.delivery,
            path=relative,
            output_type=kind.output_type,  # never the engine's word ("melody" is a track)
            source=kind.source,
            model=str(model) if model else None,
            asset_params=params,
            meta=meta,
            engine_s=result.get("engine_s"),
            steps=(int(result["step"]), int(result["total"])) if "total" in result else None,
        )
        if not done:  # it moved on meanwhile (cancelled, say): keep no orphan file
            for file in pictures:
                file.unlink(missing_ok=True)

    def _input_names(self, job: Job) -> dict[str, str]:
        """What a person calls each input file (an upload's own name, a result's prompt),
        so a card can say "melody: hum.wav" without a server path."""
        names = {}
        for field in job_kind(job.kind).file_fields:
            value = job.params.get(field)
            if not value:
                continue
            stem = Path(str(value)).name.split(".")[0]
            asset = self.catalog.assets.get(stem)
            if asset is not None:
                p = asset.params
                names[field] = str(p.get("uploaded_as") or asked_text(p))
        return names

    @staticmethod
    def _embed_settings(path: Path, job: Job, params: dict[str, Any], meta: dict[str, Any]) -> None:
        """The file carries how it was made; a file that cannot take them still counts."""
        try:
            embed_settings(path, settings_for_file(job.kind, params, meta, job.source_ids))
        except StudioError as exc:
            log.warning("Job %s: settings not stored in its file: %s", job.id, exc)

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

    def _is_stale(self, job: Job, now: float) -> bool:
        # A keeper that just started has not watched long enough to call anyone dead.
        last = max(job.heartbeat_at or job.started_at or 0.0, self._started)
        return now - last > self.config.stale_after_s

    def _give_up(self, job: Job, now: float) -> None:
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
                "Job %s: worker %s silent for %.0f s; queued again (delivery %d).",
                job.id,
                job.worker,
                silent,
                requeued.delivery,
            )  # _dispatch sends it first: it keeps its place
        else:
            log.warning("Job %s: worker %s silent; job %s.", job.id, job.worker, requeued.status)
            self.broker.forget(job.id, job.delivery, job_kind(job.kind).file_fields)

    def _send(self, job: Job, siblings: Sequence[Job] = ()) -> None:
        """Enqueue a delivery (with its batch's siblings); a job whose input file is gone
        fails instead."""
        try:
            self.broker.send(job, siblings)
        except FileNotFoundError:
            log.warning("Job %s: an input file is gone; failing it.", job.id)
            self.catalog.transitions.finish(job.id, job.delivery, "failed", INPUT_GONE_MESSAGE)

    # -- fair dispatch -------------------------------------------------------------

    def _dispatch(self) -> None:
        """Send waiting jobs in fair order, one message per free worker (``jobs.dispatch``)."""
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


if __name__ == "__main__":
    raise SystemExit(main())
