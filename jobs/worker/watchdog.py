"""The worker's watchdog: a stop that the running step has not honoured within
``JobsConfig.cancel_grace_s`` (10 s) ends the step by replacing the worker process.

A step is asked to stop at its next step callback: a cancel, the keeper giving the
delivery up (superseded, or ran far past its estimate: overtime), or the worker stopping.
A step that never calls back (a long model load, a C call that blocks) would hold the
device forever. So a thread of its own reads the same stop marks while a run goes on;
when one has waited ``grace_s`` the run answers every job (a job not asked to stop is
handed back, uncharged) and the worker calls its ``restart`` (``python -m jobs.worker``
replaces its process with a fresh one: same command, same pid; the new registry loads
what the next job needs). A worker in a test's thread has no restart: the jobs are
answered and the stuck thread is left as it is.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING

from jobs.worker.outcomes import RELEASED

if TYPE_CHECKING:
    from jobs.worker.process import JobWorker
    from jobs.worker.run import Run

log = logging.getLogger(__name__)


class Watchdog:
    """Watches the worker's current run; at most one run at a time."""

    def __init__(self, worker: JobWorker, grace_s: float, poll_s: float) -> None:
        self.worker = worker
        self.grace_s = grace_s
        self.poll_s = poll_s
        self._run: Run | None = None
        self._asked_at: float | None = None  # when the current run was first asked to stop
        self._lock = threading.Lock()
        self._closed = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="watchdog", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def close(self) -> None:
        self._closed.set()
        if self._thread.is_alive():
            self._thread.join()

    @contextlib.contextmanager
    def watching(self, run: Run) -> Iterator[None]:
        """Watch ``run`` while its engine works (load, steps, decoding)."""
        with self._lock:
            self._run, self._asked_at = run, None
        try:
            yield
        finally:
            with self._lock:
                self._run, self._asked_at = None, None

    def _watch(self) -> None:
        while not self._closed.wait(self.poll_s):
            try:
                self.check()
            except Exception as exc:  # the watchdog itself must never stop watching
                log.warning("The watchdog's check failed: %s", exc)

    def check(self) -> None:
        """One look: start the grace period at the first stop mark; end it with a restart."""
        with self._lock:
            run = self._run
        if run is None:
            return
        reasons = run.stop_reasons()
        if self.worker.stopping.is_set():
            reasons = {job_id: reasons.get(job_id, RELEASED) for job_id in list(run.active)}
        if not reasons:
            return
        now = time.monotonic()
        with self._lock:
            if self._run is not run:
                return  # the run ended meanwhile
            if self._asked_at is None:
                self._asked_at = now
                return
            if now - self._asked_at < self.grace_s:
                return
            self._run = None
        log.error(
            "Job(s) %s did not stop within %.0f s of being asked (%s); replacing this worker.",
            ", ".join(list(run.active)),
            self.grace_s,
            ", ".join(sorted(set(reasons.values()))),
        )
        run.abandon(reasons)
        self.worker.replace_process(stopping=self.worker.stopping.is_set())
