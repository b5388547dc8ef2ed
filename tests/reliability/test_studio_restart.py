"""The whole studio (``python -m studio``: supervisor, keeper, worker and Streamlit) stopped
and started again while jobs are queued and running: first a clean stop (SIGTERM, as a
deploy does), then a crash (SIGKILL of every process, as a power cut does). Every job
completes exactly once and nothing half-written is left.

Already proven elsewhere: a worker SIGKILLed under a live supervisor, and a Redis restart
(tests/jobs/test_processes.py); a worker handing its job back (tests/jobs/test_worker.py).
"""

from __future__ import annotations

import signal
import time
import urllib.request
from collections.abc import Callable, Iterator
from typing import Any

import psutil
import pytest

from jobs.catalog.records import DONE, QUEUED, RUNNING
from jobs.config import JobsConfig
from jobs.service import JobService
from tests.fixtures.studio import ADMIN, ADMIN_PASSWORD
from tests.jobs.harness import (
    Spawned,
    free_port,
    partial_files,
    process_env,
    submit_video,
    wait_for_jobs,
)
from tests.jobs.harness import wait_until as wait_for

START_S = 180.0  # a fresh studio imports torch, diffusers and Streamlit on two shared cores
LONG = {"prompt": "waves at dusk", "num_frames": 4, "steps": 100, "height": 64, "width": 64}


def short(n: int) -> dict[str, Any]:
    return {"prompt": f"clip {n}", "num_frames": 1, "steps": 2, "height": 64, "width": 64}


@pytest.fixture
def config(jobs_config: JobsConfig) -> JobsConfig:
    return jobs_config.with_changes(stale_after_s=3.0, max_queued_per_user=5)  # 5 wait at once


@pytest.fixture
def api(config: JobsConfig) -> Iterator[JobService]:
    api = JobService(config)
    yield api
    api.close()


class Studio:
    """``python -m studio`` as `make run` starts it, on a loopback port of its own."""

    def __init__(self, spawn: Callable[..., Spawned], config: JobsConfig) -> None:
        self.port = free_port()
        self.env = {
            **process_env(config),
            "STUDIO_PORT": str(self.port),
            "STUDIO_COOKIE_KEY": "restart-test-key-" + "z" * 32,
            "STUDIO_ADMIN_USER": ADMIN,
            "STUDIO_ADMIN_PASSWORD": ADMIN_PASSWORD,
            "STREAMLIT_SERVER_ADDRESS": "127.0.0.1",  # loopback only, never the network
        }
        self.spawn = spawn
        self.process: Spawned | None = None

    def start(self) -> None:
        self.process = self.spawn(["-m", "studio"], self.env)
        wait_for(self.healthy, START_S, "the studio to answer")

    def healthy(self) -> bool:
        assert self.process is not None and self.process.process.poll() is None, (
            self.process.log()[-3000:] if self.process else "not started"
        )
        try:
            url = f"http://127.0.0.1:{self.port}/_stcore/health"
            with urllib.request.urlopen(url, timeout=2) as answer:
                return answer.status == 200
        except OSError:
            return False

    def stop(self) -> None:
        """SIGTERM: the supervisor stops Streamlit and the worker, which hands its job back."""
        assert self.process is not None
        self.process.stop(timeout=60)

    def crash(self) -> None:
        """SIGKILL to the supervisor and every process under it, all at once."""
        assert self.process is not None
        root = psutil.Process(self.process.pid)
        everyone = [*root.children(recursive=True), root]
        for process in everyone:
            process.send_signal(signal.SIGKILL)
        psutil.wait_procs(everyone, timeout=30)
        self.process.stop()


def running_with_progress(api: JobService, job_id: str) -> Callable[[], bool]:
    def check() -> bool:
        job = api.get(job_id)
        return job is not None and job.status == RUNNING and job.step >= 2

    return check


def test_jobs_queued_and_running_complete_once_across_a_stop_and_a_crash(
    config: JobsConfig, api: JobService, spawn: Callable[..., Spawned]
):
    started = time.monotonic()
    studio = Studio(spawn, config)
    studio.start()
    long_id = submit_video(api, "alice", LONG)
    wait_for(running_with_progress(api, long_id), START_S, "the long job to run")
    queued = [submit_video(api, "alice", short(n)) for n in range(3)]

    studio.stop()  # a deploy: clean stop while one job runs and three wait
    job = api.get(long_id)
    assert job is not None and job.status in (QUEUED, RUNNING) and job.attempts <= 1

    studio = Studio(spawn, config)
    studio.start()
    wait_for(running_with_progress(api, long_id), START_S, "the long job to run again")
    queued += [submit_video(api, "alice", short(n)) for n in range(3, 5)]

    studio.crash()  # a power cut: nobody hands anything back
    studio = Studio(spawn, config)
    studio.start()
    jobs = wait_for_jobs(api, [long_id, *queued], START_S)

    assert [j.status for j in jobs] == [DONE] * 6, [j.error for j in jobs]
    assets = api.assets("alice")
    assert sorted(str(a.job_id) for a in assets) == sorted(j.id for j in jobs)  # exactly once each
    assert all(api.asset_path(a.id, "alice").stat().st_size > 0 for a in assets)
    assert jobs[0].attempts == 2  # the crash cost the long job one attempt; the stop none
    assert all(j.attempts == 1 for j in jobs[1:])
    assert partial_files(config.data_dir) == []
    assert not [p for p in config.scratch_dir.glob("*") if any(p.iterdir())]
    print(f"restart test: 3 studio starts, 6 jobs, {time.monotonic() - started:.0f} s")
