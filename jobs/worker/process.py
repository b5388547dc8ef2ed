"""JobWorker: takes jobs from the queue, runs each with one EngineRegistry, sends the result.

It never opens the catalog: it claims a delivery, reports progress and heartbeats, and
sends the result and its file through the queue backend. ``python -m jobs.worker`` runs it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import os
import shutil
import socket
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

from huey.consumer import Worker as HueyWorkerLoop

from jobs.config import JobsConfig
from jobs.kinds.job_kind import Registry
from jobs.queue import Broker
from jobs.tasks import JobMessage
from jobs.worker.run import run_message
from jobs.worker.scratch import remove_dead_scratch
from jobs.worker.watchdog import Watchdog

log = logging.getLogger(__name__)

RESULT_RETRY_S = 120.0  # how long a finished job's result waits for the broker to come back


def worker_name(pid: int) -> str:
    """A worker process's id in claims and announcements: this host and its pid."""
    return f"{socket.gethostname()}:{pid}"


class JobWorker:
    """Runs jobs from the queue, one at a time, with one EngineRegistry."""

    def __init__(
        self,
        config: JobsConfig,
        registry: Registry | None = None,
        *,
        worker_id: str | None = None,
        restart: Callable[[bool], None] | None = None,
    ) -> None:
        self.config = config
        # Replaces this process (exits instead when True: the worker is stopping); None in a
        # test's thread, where a stuck job is answered and its thread left alone.
        self.restart = restart
        self.worker_id = worker_id or worker_name(os.getpid())
        self.broker = Broker(config, handler=self.run_job)
        self.stopping = threading.Event()
        self._registry = registry
        host, pid = socket.gethostname(), os.getpid()
        self.scratch = config.scratch_dir / f"{host}-{pid}-{uuid.uuid4().hex[:6]}"
        self._presence: dict[str, Any] = {
            "role": "worker",
            "host": host,
            "pid": pid,
            "backend": config.backend,
            "started_at": time.time(),
            "job": None,
            "jobs_done": 0,
            "registry": None,
            "beat": 0,
        }
        self._unload_seen: str | None = None
        self._unload_asked = threading.Event()
        self.watchdog = Watchdog(self, config.cancel_grace_s, config.report_interval_s)

    @property
    def registry(self) -> Registry:
        if self._registry is None:
            from engines.registry import EngineRegistry

            self._registry = EngineRegistry(self.config.settings)
        return self._registry

    # -- the loop --------------------------------------------------------------------

    def serve(self) -> None:
        """Take jobs until ``stop()``; Huey's worker loop does the dequeuing."""
        remove_dead_scratch(self.config.scratch_dir)
        self.scratch.mkdir(parents=True, exist_ok=True)
        # Redis blocks in dequeue, so its delay only paces retries while Redis is down.
        blocking = self.broker.huey.storage.blocking
        loop = HueyWorkerLoop(
            self.broker.huey,
            self.stopping,
            default_delay=0.01,
            max_delay=2.0 if blocking else self.config.poll_interval_s,
            backoff=1.5,
        )
        log.info(
            "Worker %s takes %s jobs from %s (%s).",
            self.worker_id,
            ", ".join(self._kinds()),
            self.config.backend,
            self.config.redis_url or self.config.queue_path,
        )
        self.note_registry()
        with contextlib.suppress(Exception):  # an old request is not for this worker
            self._unload_seen = self.broker.unload_request()
        presence = threading.Thread(target=self._announce_until_stopped, name="presence")
        presence.start()
        self.watchdog.start()
        loop.initialize()
        try:
            while not self.stopping.is_set():
                if self._unload_asked.is_set():  # between jobs: the device is free to clear
                    self._unload_asked.clear()
                    log.info("Unloading every model, as an admin asked.")
                    self.unload_all()
                    self.note_registry()
                loop.loop()
        finally:
            loop.shutdown()
            self.stopping.set()
            presence.join()
            self.watchdog.close()
            shutil.rmtree(self.scratch, ignore_errors=True)
            with contextlib.suppress(Exception):
                self.broker.retire(self.worker_id)
            self.broker.close()
            log.info("Worker %s stopped.", self.worker_id)

    def stop(self) -> None:
        """Finish the loop; a running job is handed back at its next step."""
        self.stopping.set()

    def replace_process(self, *, stopping: bool) -> None:
        """A step that never returns, its jobs answered: start this worker afresh (or just
        end it, when it was stopping anyway), so the device is free for the next job."""
        shutil.rmtree(self.scratch, ignore_errors=True)
        if self.restart is None:
            log.error("Worker %s runs in a thread and cannot be replaced.", self.worker_id)
            return
        self.restart(stopping)

    # -- one message -----------------------------------------------------------------

    def run_job(self, message: JobMessage) -> None:
        """Run a message: one job, or variations sent together (``jobs.worker.run``)."""
        run_message(self, message)

    def claim(self, message: JobMessage) -> bool:
        """Take this delivery (exactly one worker does); a cancelled one is answered here."""
        job_id, delivery = message.job_id, message.delivery
        if not self.broker.claim(job_id, delivery, self.worker_id):
            log.info("Job %s delivery %d is taken or cancelled; skipped.", job_id, delivery)
            return False
        if self.broker.stop_reason(job_id, delivery) is not None:
            self.deliver(message, {"outcome": "cancelled", "error": "Cancelled before it ran."})
            return False
        return True

    def note_job(self, job_id: str | None, finished: int = 0) -> None:
        """What the admin page shows this worker running; ``finished`` jobs count as done."""
        self._presence["job"] = job_id
        self._presence["jobs_done"] += finished

    def must_load(self, kind: Any, params: Any) -> bool:
        """Whether this job's model is not on the device yet (a cold start loads it)."""
        status = getattr(self.registry, "status", None)
        if kind.name == "combine" or status is None:
            return False  # combining runs no model
        try:
            # A score job's model is its music's; every other job names its own.
            model_params = params.music() if kind.name == "score" else params
            wanted = self.registry.model_for(model_params).name  # type: ignore[attr-defined]
            return bool(status().resident != wanted)
        except Exception:  # a registry that cannot say: no claim either way
            return False

    def deliver(self, message: JobMessage, result: dict[str, Any]) -> None:
        """Send the result, retrying while the broker is away (a Redis restart, say)."""
        deadline = time.monotonic() + RESULT_RETRY_S
        delay = 0.1
        while True:
            try:
                self.broker.put_result(message.job_id, message.delivery, result)
                return
            except Exception as exc:
                if time.monotonic() > deadline:
                    log.error("Gave up sending the result of job %s: %s", message.job_id, exc)
                    return
                log.warning("Cannot send the result of job %s yet: %s", message.job_id, exc)
                time.sleep(delay)
                delay = min(delay * 2, 5.0)

    def free_working_memory(self) -> None:
        """A cancelled job's tensors are unreachable now; hand their memory back."""
        from engines.device import free_device_memory

        device = getattr(getattr(self.registry, "placement", None), "device", "cpu")
        free_device_memory(device)

    def unload_all(self) -> None:
        unload_all = getattr(self.registry, "unload_all", None)
        if unload_all is not None:
            unload_all()

    def note_registry(self) -> None:
        """What is on the device, for the admin page; read between jobs (it takes the lock)."""
        status = getattr(self.registry, "status", None)
        if status is None:
            return
        try:
            self._presence["registry"] = dataclasses.asdict(status())
        except Exception as exc:  # informational only
            log.warning("Cannot read the registry's status: %s", exc)

    def _announce_until_stopped(self) -> None:
        failing = False
        while True:
            self._presence["beat"] += 1
            try:
                self.broker.announce(self.worker_id, dict(self._presence))
                request = self.broker.unload_request()
                if request != self._unload_seen:
                    self._unload_seen = request
                    self._unload_asked.set()
                failing = False
            except Exception as exc:
                if not failing:
                    log.warning("Cannot announce worker %s: %s", self.worker_id, exc)
                failing = True
            if self.stopping.wait(self.config.presence_interval_s):
                return

    def _kinds(self) -> list[str]:
        from jobs.kinds import KINDS

        return list(KINDS)
