"""Real processes: a worker SIGKILLed mid-job, a worker on 'another machine' with only
the Redis URL, and a Redis restart while jobs wait. Tiny models, CPU."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from engines.settings import Settings
from jobs.catalog.records import DONE, RUNNING, Job
from jobs.config import JobsConfig
from jobs.service import JobService
from tests.fixtures.jobs import on_both_queues
from tests.jobs.harness import (
    REPO,
    InProcessStudio,
    RedisServer,
    Spawned,
    make_config,
    partial_files,
    process_env,
    submit_one,
    submit_video,
    wait_for_jobs,
    wait_until,
    worker_data_dir,
)
from tests.jobs.test_worker import upload_tone

PROCESS_WAIT_S = 180.0  # a fresh process imports torch and diffusers first


def long_video(prompt: str = "waves on a beach at dusk", frames: int = 4) -> dict[str, Any]:
    """100 steps: seconds on CPU, long enough to act on while it runs."""
    return {"prompt": prompt, "num_frames": frames, "steps": 100, "height": 64, "width": 64}


def short_video(prompt: str) -> dict[str, Any]:
    return {"prompt": prompt, "num_frames": 1, "steps": 2, "height": 64, "width": 64}


def running_with_progress(api: JobService, job_id: str) -> Callable[[], Job | None]:
    def check() -> Job | None:
        job = api.get(job_id)
        return job if job is not None and job.status == RUNNING and job.step >= 2 else None

    return check


@on_both_queues
def test_a_worker_killed_mid_job_is_replaced_and_the_job_completes_exactly_once(
    jobs_config: JobsConfig, spawn: Callable[..., Spawned]
):
    # The supervisor reports the exit at once; the 10 s heartbeat limit never comes into it.
    config = jobs_config.with_changes(stale_after_s=10.0)
    # The studio's run command: keeper + one worker, restarted when it dies.
    spawn(["-m", "jobs.supervisor", "--workers", "1"], process_env(config))
    api = JobService(config)
    try:
        job_id = submit_video(api, "alice", long_video())
        running = wait_until(running_with_progress(api, job_id), PROCESS_WAIT_S, "the job to run")
        killed = running.worker or ""
        os.kill(int(killed.rpartition(":")[2]), signal.SIGKILL)

        (job,) = wait_for_jobs(api, [job_id], PROCESS_WAIT_S)
        assert job.status == DONE, job.error
        assert (job.attempts, job.delivery) == (2, 2)
        assert job.worker != killed
        (asset,) = api.assets("alice")  # exactly once
        assert asset.job_id == job_id and api.asset_path(asset.id, "alice").stat().st_size > 0
        assert partial_files(config.data_dir) == []
        killed_scratch = f"-{killed.rpartition(':')[2]}-"
        assert not [p for p in config.scratch_dir.iterdir() if killed_scratch in p.name]
    finally:
        api.close()


def test_a_worker_with_its_own_data_dir_and_only_the_redis_url_fills_the_studio_catalog(
    tiny_settings: Settings,
    tiny_checkpoints: Path,
    redis_server: RedisServer,
    spawn: Callable[..., Spawned],
    tmp_path: Path,
):
    config = make_config(tiny_settings, redis_server.url)
    studio = InProcessStudio(config)
    studio.start_keeper()
    try:
        gpu_box = worker_data_dir(tmp_path / "gpu-box", tiny_checkpoints)
        worker = spawn(["-m", "jobs.worker"], process_env(config, data_dir=gpu_box))
        melody = upload_tone(studio.api, "alice")
        ids = [
            submit_video(studio.api, "alice", short_video("a lighthouse in fog")),
            submit_one(
                studio.api,
                "alice",
                "musicgen-melody",
                {"description": "a slow waltz", "duration": 1.0, "melody_path": melody},
            ),
        ]
        jobs = studio.wait(ids, PROCESS_WAIT_S)

        assert [job.status for job in jobs] == [DONE, DONE], [job.error for job in jobs]
        assert all(job.worker and job.worker.endswith(f":{worker.pid}") for job in jobs)
        for job in jobs:
            path = studio.api.asset_path(job.asset_id or "", "alice")
            assert path.is_relative_to(config.data_dir) and path.stat().st_size > 0

        # The admin page sees the remote worker and the model it holds.
        def worker_seen() -> dict[str, Any] | None:
            workers = studio.api.status().workers
            return next((w for w in workers.values() if w.get("jobs_done", 0) >= 2), None)

        seen = wait_until(worker_seen, 30, "the worker's announcement in the catalog")
        assert (seen["pid"], seen["backend"], seen["job"]) == (worker.pid, "redis", None)
        assert (
            seen["registry"]["resident"] == "musicgen-melody"
            and seen["registry"]["device"] == "cpu"
        )
        # The worker's machine holds no catalog, queue, assets or leftovers of its own.
        leftovers = [
            p.relative_to(gpu_box)
            for p in gpu_box.rglob("*")
            if p.is_file() and not p.is_relative_to(gpu_box / "tiny-models")
        ]
        assert leftovers == []
    finally:
        studio.close()


def test_jobs_survive_a_redis_restart_while_queued_and_running(
    tiny_settings: Settings,
    tiny_checkpoints: Path,
    own_redis_server: RedisServer,
    spawn: Callable[..., Spawned],
):
    config = make_config(tiny_settings, own_redis_server.url, stale_after_s=20.0)
    studio = InProcessStudio(config)
    studio.start_keeper()
    try:
        spawn(["-m", "jobs.worker"], process_env(config))
        running_id = submit_video(studio.api, "alice", long_video(frames=16))
        wait_until(
            running_with_progress(studio.api, running_id), PROCESS_WAIT_S, "the first job to run"
        )
        queued_ids = [submit_video(studio.api, "alice", short_video(f"clip {n}")) for n in range(3)]
        # The only worker is busy: they wait in the catalog, where a Redis crash cannot reach.
        assert all(job.dispatched_at is None for job in map(studio.api.get, queued_ids) if job)
        assert studio.api.broker.pending() == set()

        own_redis_server.kill()  # a crash: the queue, claims and progress are gone
        own_redis_server.start()

        jobs = studio.wait([running_id, *queued_ids], PROCESS_WAIT_S)
        assert [job.status for job in jobs] == [DONE] * 4, [job.error for job in jobs]
        assert all(job.attempts == 1 for job in jobs)  # none ran twice
        assert len(studio.api.assets("alice")) == 4
        # First in, first out, also for the jobs enqueued again after the restart.
        starts = [
            studio.api.asset(job.asset_id or "", "alice").meta["job_started_at"] for job in jobs
        ]
        assert starts == sorted(starts)
    finally:
        studio.close()


def test_the_supervisor_runs_a_command_beside_the_keeper_and_stops_with_it(
    jobs_config: JobsConfig,
):
    command = [sys.executable, "-c", "print('the studio UI ran')"]
    result = subprocess.run(
        [sys.executable, "-m", "jobs.supervisor", "--workers", "0", "--", *command],
        env=process_env(jobs_config),
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "the studio UI ran" in result.stdout
    assert "Keeper watches" in result.stderr
