"""A cancel always lands: a job whose step never returns (a C call that blocks, ignoring
every cancel check) is answered "cancelled" within 15 s, its worker process is replaced
by a fresh one (same command line, same pid), and the next job runs on it (a real worker
process, tiny models, CPU, the embedded queue). In a stuck batch, the other jobs are
handed back and run again."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from jobs.catalog.records import CANCELLED, DONE, RUNNING
from jobs.config import JobsConfig
from tests.jobs.harness import (
    MODELSCOPE,
    InProcessStudio,
    Spawned,
    process_env,
    submit_video,
    wait_until,
)
from tests.jobs.stuck_worker import HANG
from tests.jobs.tracking_registry import TrackingEngine, TrackingRegistry

START_S = 120.0  # a fresh process imports torch and diffusers first


def tiny_video(prompt: str) -> dict[str, Any]:
    return {"prompt": prompt, "num_frames": 1, "steps": 2, "height": 64, "width": 64}


def command_line(pid: int) -> str:
    return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_a_step_that_never_returns_is_cancelled_within_15_s_and_its_worker_replaced(
    studio: InProcessStudio, jobs_config: JobsConfig, spawn: Callable[..., Spawned]
):
    worker = spawn(["-m", "tests.jobs.stuck_worker"], process_env(jobs_config))
    stuck = submit_video(studio.api, "ana", tiny_video(f"a wave that {HANG}"))
    wait_until(
        lambda: (job := studio.api.get(stuck)) is not None and job.status == RUNNING and job.step,
        START_S,
        "the stuck job to run",
    )
    other = submit_video(studio.api, "ben", tiny_video("a lighthouse in fog"))  # waits its turn

    asked = studio.api.cancel(stuck, "ana")
    asked_at = time.monotonic()
    assert asked.cancel_requested  # the page shows "Cancelling..."
    cancelled = wait_until(
        lambda: (job := studio.api.get(stuck)) is not None and job.status == CANCELLED and job,
        15.0,
        "the stuck job to end cancelled",
    )
    assert time.monotonic() - asked_at <= 15.0
    assert cancelled.error == "Cancelled at step 1 of 10."
    assert cancelled.asset_id is None and studio.api.assets("ana") == []

    # The same pid now runs a fresh `python -m jobs.worker`, which takes the next job.
    wait_until(
        lambda: "-m jobs.worker" in command_line(worker.pid), 10.0, "the process to be replaced"
    )
    (done,) = studio.wait([other], START_S)
    assert done.status == DONE, done.error
    assert done.worker is not None and done.worker.endswith(f":{worker.pid}")
    assert "did not stop within 10 s" in worker.log()


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_a_stuck_batch_answers_the_cancelled_job_and_hands_the_others_back(
    jobs_config: JobsConfig, tiny_settings, monkeypatch: pytest.MonkeyPatch
):
    gate = threading.Event()
    real_batch = TrackingEngine.generate_batch

    def stuck_batch(self: TrackingEngine, params, seeds, outs, run=None):
        if not gate.is_set():
            run.on_progress(1, 8)
            gate.wait(60)  # no step callback, no cancel check, until the test lets go
        return real_batch(self, params, seeds, outs, run)

    monkeypatch.setattr(TrackingEngine, "generate_batch", stuck_batch)
    studio = InProcessStudio(jobs_config.with_changes(cancel_grace_s=1.0))
    studio.start_keeper()
    try:
        worker = studio.start_worker(TrackingRegistry(tiny_settings))
        restarts: list[bool] = []
        worker.restart = restarts.append  # what `python -m jobs.worker` does: a fresh process
        kite = {**tiny_video("a kite"), "steps": 8, "seed": 5}
        ids = studio.api.submit("ana", MODELSCOPE, kite, variations=2)
        wait_until(
            lambda: all((j := studio.api.get(i)) and j.status == RUNNING for i in ids),
            what="the batch to run",
        )
        studio.api.cancel(ids[0], "ana")
        cancelled = wait_until(
            lambda: (job := studio.api.get(ids[0])) is not None and job.status == CANCELLED and job,
            what="the cancelled job to end",
        )
        assert cancelled.error == "Cancelled at step 1 of 8."
        handed_back = wait_until(
            lambda: (job := studio.api.get(ids[1])) is not None and job.delivery == 2 and job,
            what="its sibling to go back to the queue",
        )
        assert handed_back.attempts == 0  # not charged: it did nothing wrong
        assert restarts == [False]
        gate.set()  # the in-process worker's thread comes back and takes the next job
        (sibling,) = studio.wait([ids[1]])
        assert sibling.status == DONE and studio.api.asset(sibling.asset_id or "", "ana")
    finally:
        gate.set()
        studio.close()
