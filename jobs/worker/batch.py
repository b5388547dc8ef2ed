"""Variations in one message: the worker claims each job, runs them as one batch, and
finishes each with its own result.

Each job is claimed on its own (``put_if_empty``, as every delivery is), so a job
cancelled or taken meanwhile simply drops out. The claimed ones run as one
``registry.generate_batch`` call (one pipeline call where the model's family batches);
every job gets the batch's progress and a heartbeat of its own. A job cancelled while
the batch runs is answered "cancelled" at once and its clip is discarded; the others go
on. When every job is cancelled, or the worker stops, the batch stops at its next step.
"""

from __future__ import annotations

import dataclasses
import logging
import shutil
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from engines.device import is_out_of_memory
from engines.errors import GenerationCancelled, StudioError
from engines.progress import RunContext
from jobs.kinds import job_kind
from jobs.tasks import JobMessage
from jobs.worker.progress import LOADING, STARTING, ProgressReporter

if TYPE_CHECKING:
    from jobs.worker.process import JobWorker

log = logging.getLogger(__name__)


def run_batch(worker: JobWorker, message: JobMessage) -> None:
    """Claim the message's jobs; run those claimed as one batch, or alone if only one."""
    members = [member for member in message.members() if worker.claim(member)]
    if not members:
        return
    kind = job_kind(message.kind)
    try:
        params = [kind.build(member.params) for member in members]
    except StudioError:  # rebuilt one by one, each failing with its own message
        params = []
    batchable = (
        len(members) > 1
        and len(params) == len(members)
        and hasattr(worker.registry, "generate_batch")
        and not any(member.input_fields for member in members)
        and all(dataclasses.replace(p, seed=params[0].seed) == params[0] for p in params)
    )
    if not batchable:
        for member in members:
            worker.run_claimed(member)
        return
    BatchRun(worker, kind, members, params).run()


class BatchRun:
    """One batch on this worker: its jobs' reporters, scratch folders and outcomes."""

    def __init__(
        self, worker: JobWorker, kind: Any, members: list[JobMessage], params: list[Any]
    ) -> None:
        self.worker = worker
        self.kind = kind
        self.members = members
        self.params = params
        self.active = {member.job_id: member for member in members}  # not stopped yet
        self.reporters = {
            m.job_id: ProgressReporter(
                worker.broker, m, worker.worker_id, worker.config.report_interval_s
            )
            for m in members
        }
        self.workdirs = {m.job_id: worker.scratch / m.job_id for m in members}

    def run(self) -> None:
        ids = ", ".join(self.active)
        log.info("Jobs %s (%s) start as one batch.", ids, self.kind.name)
        self.worker.note_job(self.members[0].job_id)
        for job_id, reporter in self.reporters.items():
            self.workdirs[job_id].mkdir(parents=True, exist_ok=True)
            reporter.start()
        try:
            self._run()
        finally:
            for reporter in self.reporters.values():
                reporter.stop()
            for workdir in self.workdirs.values():
                shutil.rmtree(workdir, ignore_errors=True)
            self.worker.note_job(None, finished=len(self.members))
            self.worker.note_registry()
        log.info("Batch of jobs %s finished.", ids)

    def _run(self) -> None:
        worker = self.worker
        outs = [self.workdirs[m.job_id] / f"output{self.kind.suffix}" for m in self.members]
        phase = LOADING if worker.must_load(self.kind, self.params[0]) else STARTING
        for reporter in self.reporters.values():
            reporter.phase(phase)
        started_at, clock = time.time(), time.perf_counter()
        try:
            results = worker.registry.generate_batch(  # type: ignore[attr-defined]
                self.params[0],
                [p.seed for p in self.params],
                outs,
                RunContext(self._progress, self._should_cancel),
            )
        except GenerationCancelled as exc:
            worker.free_working_memory()
            reason = "released" if worker.stopping.is_set() else "cancelled"
            self._finish_all({"outcome": reason, "error": str(exc), "step": exc.step,
                              "total": exc.total})  # fmt: skip
            return
        except StudioError as exc:
            self._finish_all({"outcome": "failed", "error": str(exc)})
            return
        except Exception as exc:
            self._finish_all({"outcome": "failed", "error": self._failure(exc)})
            return
        # Each job is charged its share of the batch's engine time (quotas, estimates).
        share = (time.perf_counter() - clock) / len(self.members)
        for member, result, out in zip(self.members, results, outs, strict=True):
            if member.job_id not in self.active:
                continue  # cancelled while the batch ran: answered then, its clip discarded
            reporter = self.reporters[member.job_id]
            done = worker.done_result(self.kind, result, Path(out), reporter, share, started_at)
            worker.deliver(member, done)

    def _progress(self, step: int, total: int) -> None:
        for job_id in self.active:
            self.reporters[job_id].progress(step, total)

    def _should_cancel(self) -> bool:
        """Answer each newly cancelled job now; stop the batch when none is left."""
        if self.worker.stopping.is_set():
            return True
        for job_id, member in list(self.active.items()):
            try:
                reason = self.worker.broker.stop_reason(job_id, member.delivery)
            except Exception:  # broker unreachable: keep going, the keeper decides later
                continue
            if reason is not None:
                del self.active[job_id]
                step, total = self.reporters[job_id].step
                self.reporters[job_id].stop()
                error = str(GenerationCancelled(step, total))
                out = {"outcome": reason, "error": error, "step": step, "total": total}
                self.worker.deliver(member, out)
        return not self.active

    def _finish_all(self, result: dict[str, Any]) -> None:
        for member in list(self.active.values()):
            self.worker.deliver(member, dict(result))

    def _failure(self, exc: Exception) -> str:
        from jobs.worker.process import OUT_OF_MEMORY_MESSAGE, internal_error_message

        if is_out_of_memory(exc):
            log.warning(
                "Batch %s ran out of memory; unloading every model.", self.members[0].job_id
            )
            self.worker.unload_all()
            return OUT_OF_MEMORY_MESSAGE
        log.exception("Batch of jobs %s failed.", ", ".join(self.active))
        return internal_error_message(self.members[0].job_id)
