"""A worker lost mid-job is seen in seconds, and its job keeps its place.

Under the supervisor (`make run`), the worker's exit is seen at once; a remote worker
(Redis, no supervisor) by its heartbeat going silent (STUDIO_JOBS_STALE_S, 10 s). Either
way the job's panel and API answer say "The worker stopped; restarting from the beginning
(attempt 2 of 2)" within 15 s, and the job runs again before the jobs submitted after it.
Real processes, SIGKILL, tiny models on CPU.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable
from pathlib import Path

from engines.settings import Settings
from jobs.catalog.records import DONE, QUEUED, Job, restart_note
from jobs.config import JobsConfig
from jobs.service import JobService
from tests.jobs.harness import (
    InProcessStudio,
    RedisServer,
    Spawned,
    make_config,
    process_env,
    submit_video,
    wait_for_jobs,
    wait_until,
    worker_data_dir,
)
from tests.jobs.test_processes import PROCESS_WAIT_S, running_with_progress, short_video

WORDS = "The worker stopped; restarting from the beginning (attempt 2 of 2)"
SEEN_WITHIN_S = 15.0
# 30 steps: a few seconds on CPU, still running when the kill lands at step 2, run twice.
LOST_JOB = {"prompt": "waves on a beach at dusk", "num_frames": 4, "steps": 30,
            "height": 64, "width": 64}  # fmt: skip


def kill_its_worker(job: Job) -> float:
    """SIGKILL the process running ``job`` (its id ends with the pid); when it was sent."""
    os.kill(int((job.worker or "").rpartition(":")[2]), signal.SIGKILL)
    return time.monotonic()


def words_seen(api: JobService, job_id: str, killed_at: float) -> float:
    """Seconds from the kill until the job's restart words show (what the panel and the
    API's job answer print: ``restart_note``)."""

    def shown() -> bool:
        job = api.get(job_id)
        return job is not None and restart_note(job, api.config.max_attempts) == WORDS

    wait_until(shown, SEEN_WITHIN_S, f"the words {WORDS!r}")
    return time.monotonic() - killed_at


def assert_ran_first(api: JobService, lost_id: str, later_ids: list[str]) -> None:
    """The lost job, run again, finished and started before every job submitted after it."""
    lost, *later = wait_for_jobs(api, [lost_id, *later_ids], PROCESS_WAIT_S)
    assert [job.status for job in (lost, *later)] == [DONE] * (1 + len(later)), [
        job.error for job in (lost, *later)
    ]
    assert lost.attempts == 2 and restart_note(lost, api.config.max_attempts) is None
    assert all((lost.started_at or 0) < (job.started_at or 0) for job in later), [
        (job.id, job.started_at) for job in (lost, *later)
    ]


def test_a_killed_supervised_worker_is_seen_at_once_and_its_job_runs_first(
    jobs_config: JobsConfig, spawn: Callable[..., Spawned]
):
    # A minute of silence would be needed to call it dead by heartbeat: not what is seen here.
    config = jobs_config.with_changes(stale_after_s=60.0, max_queued_per_user=5)
    spawn(["-m", "jobs.supervisor", "--workers", "1"], process_env(config))
    api = JobService(config)
    try:
        lost_id = submit_video(api, "alice", LOST_JOB)
        running = wait_until(running_with_progress(api, lost_id), PROCESS_WAIT_S, "the job to run")
        later = [submit_video(api, "alice", short_video("a heron")),
                 submit_video(api, "bob", short_video("a kite"))]  # fmt: skip

        took = words_seen(api, lost_id, kill_its_worker(running))

        assert took < 5.0, f"the supervisor took {took:.1f} s to report its worker's exit"
        again = api.get(lost_id)
        assert again is not None and (again.attempts, again.delivery) == (1, 2)
        assert_ran_first(api, lost_id, later)
    finally:
        api.close()


def test_a_killed_remote_worker_is_seen_by_its_silent_heartbeat_and_its_job_runs_first(
    tiny_settings: Settings,
    tiny_checkpoints: Path,
    redis_server: RedisServer,
    spawn: Callable[..., Spawned],
    tmp_path: Path,
):
    config = make_config(tiny_settings, redis_server.url)
    assert config.stale_after_s == JobsConfig.from_env({}).stale_after_s == 10.0  # the default
    studio = InProcessStudio(config)
    studio.start_keeper()
    gpu_box = worker_data_dir(tmp_path / "gpu-box", tiny_checkpoints)
    try:
        spawn(["-m", "jobs.worker"], process_env(config, data_dir=gpu_box))
        lost_id = submit_video(studio.api, "alice", LOST_JOB)
        running = wait_until(
            running_with_progress(studio.api, lost_id), PROCESS_WAIT_S, "the job to run"
        )
        later = [submit_video(studio.api, "alice", short_video("a heron")),
                 submit_video(studio.api, "bob", short_video("a kite"))]  # fmt: skip

        words_seen(studio.api, lost_id, kill_its_worker(running))
        job = studio.api.get(lost_id)
        assert job is not None and job.status == QUEUED

        # Another GPU machine's worker comes up: the lost job is the first it gets.
        spawn(["-m", "jobs.worker"], process_env(config, data_dir=gpu_box))
        assert_ran_first(studio.api, lost_id, later)
    finally:
        studio.close()
