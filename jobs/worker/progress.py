"""The running job's progress and heartbeat, sent to the broker from a thread of its own."""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from jobs.queue import Broker
from jobs.tasks import JobMessage

log = logging.getLogger(__name__)

# What each kind's steps are, in the words the job panel shows.
STEP_PHASES = {"video": "denoising", "music": "generating", "score": "generating"}
FINAL_STEP_PHASE = "decoding"  # after the last step: latents or tokens become the file
LOADING, STARTING, WRITING = "loading the model", "starting", "writing"


class ProgressReporter:
    """Sends the running job's progress and a heartbeat to the broker at a steady pace."""

    def __init__(
        self, broker: Broker, message: JobMessage, worker_id: str, interval_s: float
    ) -> None:
        self._broker = broker
        self._job_id = message.job_id
        self._interval_s = interval_s
        self._state: dict[str, Any] = {
            "delivery": message.delivery,
            "worker": worker_id,
            "step": 0,
            "total": 0,
            "eta_s": None,
            "phase": None,
            "beat": 0,
        }
        self._step_phase = STEP_PHASES.get(message.kind, "working")
        self._first_step_at: float | None = None
        self._lock = threading.Lock()
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"progress-{self._job_id}")
        self._failed_since: float | None = None

    def start(self) -> None:
        self._send()
        self._thread.start()

    def stop(self) -> None:
        self._done.set()
        self._thread.join()

    def progress(self, step: int, total: int) -> None:
        """The engine's on_progress callback; ETA from the pace since the first step."""
        now = time.monotonic()
        with self._lock:
            if self._first_step_at is None or step <= 1:
                self._first_step_at, eta = now, None
            else:
                per_step = (now - self._first_step_at) / (step - 1)
                eta = round(per_step * max(total - step, 0), 2)
            phase = self._step_phase if step < total else FINAL_STEP_PHASE
            self._state.update(step=step, total=total, eta_s=eta, phase=phase)

    def phase(self, name: str) -> None:
        """What the job does between steps: loading the model, writing..."""
        with self._lock:
            self._state["phase"] = name

    @property
    def step(self) -> tuple[int, int]:
        with self._lock:
            return self._state["step"], self._state["total"]

    def _run(self) -> None:
        while not self._done.wait(self._interval_s):
            self._send()

    def _send(self) -> None:
        with self._lock:
            self._state["beat"] += 1
            state = dict(self._state)
        try:
            self._broker.put_state(self._job_id, state)
            self._failed_since = None
        except Exception as exc:  # the broker may be restarting; keep the job going
            if self._failed_since is None:
                self._failed_since = time.monotonic()
                log.warning("Cannot report progress of job %s: %s", self._job_id, exc)
