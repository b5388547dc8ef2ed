"""The job system's test harness: a throwaway redis-server, the studio side and workers in
this process, worker subprocesses, and waiting for jobs. Fixtures live in tests/fixtures/jobs.py.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from engines.settings import Settings
from jobs.catalog.records import Job
from jobs.config import JobsConfig
from jobs.keeper.loop import Keeper
from jobs.kinds.job_kind import Registry
from jobs.service import JobService
from jobs.worker.process import JobWorker

REPO = Path(__file__).resolve().parents[2]
MODELSCOPE = "modelscope-t2v-1.7b"  # the default video model, whose tiny checkpoint is quick
WAIT_S = 60.0  # generous: CI shares two cores between several suites


def submit_one(api: JobService, owner: str, model_or_kind: str, values: Mapping[str, Any]) -> str:
    """Queue one job through the one submit path, as a page does; its id."""
    (job_id,) = api.submit(owner, model_or_kind, values)
    return job_id


def submit_video(api: JobService, owner: str, values: Mapping[str, Any]) -> str:
    """One job of the default video model (quick at 64x64 on its tiny checkpoint); its id."""
    return submit_one(api, owner, MODELSCOPE, values)


# -- redis-server ---------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class RedisServer:
    """A throwaway redis-server on loopback, without persistence (a restart empties it)."""

    def __init__(self, exe: str, workdir: Path) -> None:
        self.exe = exe
        self.workdir = workdir
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            [self.exe, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.workdir)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        import redis

        client = redis.Redis.from_url(self.url, socket_connect_timeout=1)
        deadline = time.monotonic() + 20
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    raise RuntimeError(f"redis-server did not start on port {self.port}") from None
                time.sleep(0.05)
        client.close()

    def kill(self) -> None:
        """SIGKILL: like a crash, nothing is saved."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)
        self.process = None

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)
        self.process = None


# -- configuration --------------------------------------------------------------------


def make_config(settings: Settings, redis_url: str | None, **changes: Any) -> JobsConfig:
    config = JobsConfig(
        settings=settings,
        redis_url=redis_url,
        queue_name=f"t{uuid.uuid4().hex[:12]}",  # tests sharing one Redis never meet
        stale_after_s=10.0,
        keeper_interval_s=0.02,
        report_interval_s=0.1,
        reconcile_interval_s=0.3,
        poll_interval_s=0.02,
        presence_interval_s=0.2,
    )
    return config.with_changes(**changes) if changes else config


# -- the studio side and workers in this process --------------------------------------


class InProcessStudio:
    """The page API, a keeper thread and worker threads, as ``make run`` would start them."""

    def __init__(self, config: JobsConfig) -> None:
        self.config = config
        self.api = JobService(config)
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self.workers: list[JobWorker] = []
        self.keeper: Keeper | None = None

    def start_keeper(self) -> Keeper:
        self.keeper = Keeper(self.config)
        self._spawn(self.keeper.run, self._stop, name="keeper")
        return self.keeper

    def start_worker(self, registry: Registry, name: str | None = None) -> JobWorker:
        worker = JobWorker(self.config, registry, worker_id=name or f"w{len(self.workers)}")
        self.workers.append(worker)
        self._spawn(worker.serve, name=worker.worker_id)
        return worker

    def wait(self, job_ids: Iterable[str], timeout: float = WAIT_S) -> list[Job]:
        """Wait until every job is finished; return them."""
        return wait_for_jobs(self.api, job_ids, timeout)

    def close(self) -> None:
        for worker in self.workers:
            worker.stop()
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=30)
        self.api.close()

    def _spawn(self, target: Callable[..., None], *args: Any, name: str) -> None:
        thread = threading.Thread(target=target, args=args, name=name, daemon=True)
        thread.start()
        self._threads.append(thread)


def wait_for_jobs(api: JobService, job_ids: Iterable[str], timeout: float = WAIT_S) -> list[Job]:
    ids = list(job_ids)
    deadline = time.monotonic() + timeout
    while True:
        jobs = [api.get(job_id) for job_id in ids]
        if all(job is not None and not job.active for job in jobs):
            return [job for job in jobs if job is not None]
        if time.monotonic() > deadline:
            states = {job.id: (job.status, job.step, job.total) for job in jobs if job}
            raise AssertionError(f"jobs still active after {timeout} s: {states}")
        time.sleep(0.02)


def wait_until(predicate: Callable[[], Any], timeout: float = WAIT_S, what: str = "it") -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.02)


def partial_files(root: Path) -> list[Path]:
    """Half-written files anywhere under ``root`` (atomic_output's temporary names)."""
    return [p for p in root.rglob("*") if ".partial" in p.name]


# -- worker and supervisor subprocesses -----------------------------------------------


def process_env(config: JobsConfig, data_dir: Path | None = None) -> dict[str, str]:
    """The environment of a worker or supervisor process for ``config``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("STUDIO_")}
    env.update(
        STUDIO_DATA_DIR=str(data_dir or config.data_dir),
        STUDIO_MODELS="tiny",
        STUDIO_DEVICE="cpu",
        STUDIO_QUEUE_NAME=config.queue_name,
        STUDIO_JOBS_STALE_S=str(config.stale_after_s),
        HF_HUB_OFFLINE="1",
        OMP_NUM_THREADS="1",
        PYTHONPATH=str(REPO),
    )
    if config.redis_url:
        env["STUDIO_REDIS_URL"] = config.redis_url
    return env


class Spawned:
    """A child process whose output goes to a log file, shown when a test fails."""

    def __init__(self, args: list[str], env: dict[str, str], log_path: Path) -> None:
        self.log_path = log_path
        self._log = log_path.open("wb")
        self.process = subprocess.Popen(
            [sys.executable, *args], env=env, cwd=REPO, stdout=self._log, stderr=subprocess.STDOUT
        )

    @property
    def pid(self) -> int:
        return self.process.pid

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self, timeout: float = 20) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()


def worker_data_dir(root: Path, tiny_checkpoints: Path) -> Path:
    """A data dir of its own for a 'remote' worker, sharing only the tiny checkpoints."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "tiny-models").symlink_to(tiny_checkpoints, target_is_directory=True)
    return root
