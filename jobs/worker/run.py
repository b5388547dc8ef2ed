"""The one run path of a worker: a message's jobs are claimed, and those claimed run as
one ``Run``; a single job is a run of one, variations that batch are a run of several.

Each job is claimed on its own (``put_if_empty``), so a job cancelled or taken meanwhile
simply drops out. A run of several is one ``registry.generate_batch`` call (one pipeline
call where the model's family batches); a run of one is its kind's ``run``. Every job
gets the run's progress and a heartbeat of its own and is answered once: done with its
file (written once, the settings it was made with inside: the engine's writer takes
``_tag``'s comment; a combine's or score's ffmpeg file is tagged after), or with the
outcome of ``jobs.worker.outcomes``. A job cancelled while a run of several goes on is
answered "cancelled" at once and its file discarded; the others go on. The watchdog
(``jobs.worker.watchdog``) answers every job of a run whose step does not return.
"""

from __future__ import annotations

import dataclasses
import logging
import shutil
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from engines.errors import GenerationCancelled, StudioError
from engines.media.settings_tag import embed_settings, settings_comment
from engines.progress import RunContext
from jobs.assets import preview_pictures, settings_for_file
from jobs.kinds import job_kind
from jobs.result_meta import without_server_paths
from jobs.tasks import JobMessage
from jobs.worker.outcomes import RELEASED, failure, stopped
from jobs.worker.progress import LOADING, STARTING, WRITING, ProgressReporter

if TYPE_CHECKING:
    from jobs.kinds.job_kind import JobKind
    from jobs.worker.process import JobWorker

log = logging.getLogger(__name__)


def run_message(worker: JobWorker, message: JobMessage) -> None:
    """Claim the message's jobs; run those claimed as one batch where they can be."""
    members = [member for member in message.members() if worker.claim(member)]
    if not members:
        return
    kind = job_kind(message.kind)
    for group in _groups(worker, kind, members):
        Run(worker, kind, group).execute()


def _groups(worker: JobWorker, kind: JobKind, members: list[JobMessage]) -> list[list[JobMessage]]:
    """One group of all the members when they can run as one pipeline call, else one each."""
    if len(members) < 2 or not hasattr(worker.registry, "generate_batch"):
        return [[member] for member in members]
    try:
        params = [kind.build(member.params) for member in members]
    except StudioError:  # each run alone fails with its own message
        return [[member] for member in members]
    same = all(dataclasses.replace(p, seed=params[0].seed) == params[0] for p in params)
    if not same or any(member.input_fields for member in members):
        return [[member] for member in members]
    return [members]


class Run:
    """One engine call on this worker: its jobs' reporters, scratch folders and answers."""

    def __init__(self, worker: JobWorker, kind: JobKind, members: list[JobMessage]) -> None:
        self.worker = worker
        self.kind = kind
        self.members = members
        self.lock = threading.Lock()  # the engine's thread and the watchdog both answer
        self.active = {member.job_id: member for member in members}  # not answered yet
        self.reporters = {
            m.job_id: ProgressReporter(
                worker.broker, m, worker.worker_id, worker.config.report_interval_s
            )
            for m in members
        }
        self.workdirs = {m.job_id: worker.scratch / m.job_id for m in members}
        self.outs = [self.workdirs[m.job_id] / f"output{kind.suffix}" for m in members]
        self._stop: str | None = None  # why the whole run stops (the last job's reason)

    @property
    def first_id(self) -> str:
        return self.members[0].job_id

    def execute(self) -> None:
        ids = ", ".join(self.active)
        log.info("Job(s) %s (%s) started.", ids, self.kind.name)
        self.worker.note_job(self.first_id)
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
        log.info("Job(s) %s finished.", ids)

    # -- generating --------------------------------------------------------------

    def _run(self) -> None:
        worker = self.worker
        started_at = time.time()
        try:
            with worker.watchdog.watching(self):
                params = [self._build(member) for member in self.members]
                phase = LOADING if worker.must_load(self.kind, params[0]) else STARTING
                for reporter in self.reporters.values():
                    reporter.phase(phase)
                clock = time.perf_counter()  # the engine's own time, for quotas and estimates
                results = self._generate(params)
                engine_s = time.perf_counter() - clock
        except GenerationCancelled as exc:
            worker.free_working_memory()
            reason = RELEASED if worker.stopping.is_set() else (self._stop or "cancelled")
            self._answer_all(stopped(reason, exc.step, exc.total))
            return
        except Exception as exc:
            self._answer_all(failure(exc, self.first_id, worker.unload_all))
            return
        # Each job is charged its share of the run's engine time (quotas, estimates).
        share = engine_s / len(self.members)
        for member, made, out in zip(self.members, results, self.outs, strict=True):
            if member.job_id in self.active:  # else: cancelled meanwhile, its file discarded
                self._answer(member, self._done(member, made, out, share, started_at))

    def _build(self, member: JobMessage) -> Any:
        """The job's params, its input files written to its scratch folder first."""
        data = dict(member.params)
        for name in member.input_fields:
            suffix, blob = self.worker.broker.get_input(member.job_id, name)
            path = self.workdirs[member.job_id] / f"input-{name}{suffix}"
            path.write_bytes(blob)
            data[name] = str(path)
        return self.kind.build(data)

    def _generate(self, params: list[Any]) -> list[Any]:
        registry = self.worker.registry
        if len(self.members) == 1:
            made = self.kind.run(
                registry,
                params[0],
                self.outs[0],
                on_progress=self._progress,
                should_cancel=self._should_cancel,
                tag=self._tag,
            )
            return [made]
        run = RunContext(self._progress, self._should_cancel, self._tag)
        seeds = [p.seed for p in params]
        return list(registry.generate_batch(params[0], seeds, self.outs, run))  # type: ignore[attr-defined]

    def _progress(self, step: int, total: int) -> None:
        for job_id in list(self.active):
            self.reporters[job_id].progress(step, total)

    def _should_cancel(self) -> bool:
        """Read at every step. A job cancelled while others run is answered now; the run
        stops when none is left (its last job is answered with the engine's own step)."""
        if self.worker.stopping.is_set():
            return True
        for job_id, reason in self.stop_reasons().items():
            member = self.active.get(job_id)
            if member is None:
                continue
            if len(self.active) == 1:
                self._stop = reason
                return True
            step, total = self.reporters[job_id].step
            self._answer(member, stopped(reason, step, total))
        return not self.active

    def stop_reasons(self) -> dict[str, str]:
        """Why each unanswered job must stop (cancelled, superseded, overtime), if it must."""
        found = {}
        for job_id, member in list(self.active.items()):
            try:
                reason = self.worker.broker.stop_reason(job_id, member.delivery)
            except Exception:  # broker unreachable: keep going, the keeper decides later
                continue
            if reason is not None:
                found[job_id] = reason
        return found

    # -- answering -------------------------------------------------------------------

    def _done(
        self, member: JobMessage, made: Any, out: Path, engine_s: float, started_at: float
    ) -> dict[str, Any]:
        """What the keeper stores for a finished job: its file, which carries the settings
        it was made with, its previews and its meta."""
        reporter = self.reporters[member.job_id]
        step, total = reporter.step
        reporter.phase(WRITING)
        meta = without_server_paths(made.to_dict())  # the tag, catalog, API: names, no paths
        if self.kind.runner is not None:  # a model's engine wrote the tag with the file
            self._embed_settings(member, out, meta)
        return {
            "outcome": "done",
            "step": step,
            "total": total,
            "meta": meta,
            "suffix": self.kind.suffix,
            "file": out.read_bytes(),
            "previews": preview_pictures(out, out.parent),
            "engine_s": round(engine_s, 4),
            "started_at": started_at,
            "finished_at": time.time(),
            "worker": self.worker.worker_id,
        }

    def _tag(self, out: Path, made: Mapping[str, Any]) -> str | None:
        """The settings comment the engine writes into ``out`` with its bytes (its job's,
        in a run of several); None when they cannot be stored: the file still counts."""
        member = self.members[self.outs.index(out)]
        try:
            return settings_comment(self._settings(member, made))
        except StudioError as exc:
            log.warning("Job %s: settings not stored in its file: %s", member.job_id, exc)
            return None

    def _embed_settings(self, member: JobMessage, out: Path, meta: dict[str, Any]) -> None:
        """A runner's file (combine, score: ffmpeg's) is tagged after it is written."""
        try:
            embed_settings(out, self._settings(member, meta))
        except StudioError as exc:
            log.warning("Job %s: settings not stored in its file: %s", member.job_id, exc)

    def _settings(self, member: JobMessage, made: Mapping[str, Any]) -> dict[str, Any]:
        """The file carries how it was made: its params, the seed used and its lineage."""
        params = dict(member.params)
        if "seed" in params and made.get("seed") is not None:
            params["seed"] = made["seed"]  # the seed actually used makes the same file again
        return settings_for_file(self.kind.name, params, made, member.sources)

    def _answer(self, member: JobMessage, result: dict[str, Any]) -> None:
        """Send one job's result, once (the watchdog may have answered it already)."""
        with self.lock:
            if self.active.pop(member.job_id, None) is None:
                return
            self.reporters[member.job_id].stop()
            self.worker.deliver(member, result)

    def _answer_all(self, result: dict[str, Any]) -> None:
        for member in list(self.active.values()):
            self._answer(member, dict(result))

    def abandon(self, reasons: dict[str, str]) -> None:
        """The step did not return: answer every job now with its reason (a job not asked
        to stop is handed back, to run again elsewhere), and answer nothing later."""
        with self.lock:
            active, self.active = dict(self.active), {}
            for job_id, member in active.items():
                self.reporters[job_id].stop()
                step, total = self.reporters[job_id].step
                self.worker.deliver(member, stopped(reasons.get(job_id, RELEASED), step, total))
