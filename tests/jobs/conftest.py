"""Fixtures for the job system: a real redis-server, in-process keeper and workers,
worker subprocesses, and the tiny checkpoints built once for the session.

Most tests run on both queue backends (``backend`` is parametrized: the embedded
SQLite queue and a real Redis server on a free loopback port).
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
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest

from engines.registry import EngineRegistry
from engines.settings import Settings
from jobs.api import JobsAPI
from jobs.catalog import Job
from jobs.config import JobsConfig
from jobs.keeper import Keeper
from jobs.kinds import Registry
from jobs.worker import JobWorker
from tests.conftest import require_tool

REPO = Path(__file__).resolve().parents[2]
WAIT_S = 60.0  # generous: CI shares two cores between several suites


# -- tiny checkpoints and engines -----------------------------------------------------


@pytest.fixture(scope="session")
def tiny_checkpoints(tiny_models_dir: Path) -> Path:
    """Build the tiny video and music checkpoints once, before any worker needs them."""
    from engines.tiny import ensure_tiny_checkpoint

    for kind in ("video", "music"):
        ensure_tiny_checkpoint(kind, tiny_models_dir)
    return tiny_models_dir


@pytest.fixture(scope="session")
def shared_registry(
    tmp_path_factory: pytest.TempPathFactory, tiny_checkpoints: Path
) -> EngineRegistry:
    """One registry for in-process workers, so each tiny model loads once per session."""
    data_dir = tmp_path_factory.mktemp("registry-data")
    (data_dir / "tiny-models").symlink_to(tiny_checkpoints, target_is_directory=True)
    return EngineRegistry(Settings(data_dir=data_dir, tiny=True, device="cpu"))


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


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    server = RedisServer(require_tool("redis-server"), tmp_path_factory.mktemp("redis"))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def own_redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    """A redis-server for one test, which it may kill and restart."""
    server = RedisServer(require_tool("redis-server"), tmp_path / "redis")
    server.start()
    yield server
    server.kill()


# -- configuration --------------------------------------------------------------------


@pytest.fixture(params=["sqlite", "redis"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


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


@pytest.fixture
def jobs_config(
    tiny_settings: Settings, tiny_checkpoints: Path, backend: str, request: pytest.FixtureRequest
) -> JobsConfig:
    redis_url = request.getfixturevalue("redis_server").url if backend == "redis" else None
    return make_config(tiny_settings, redis_url)


# -- the studio side and workers in this process --------------------------------------


class InProcessStudio:
    """The page API, a keeper thread and worker threads, as ``make run`` would start them."""

    def __init__(self, config: JobsConfig) -> None:
        self.config = config
        self.api = JobsAPI(config)
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


@pytest.fixture
def studio(jobs_config: JobsConfig) -> Iterator[InProcessStudio]:
    """Keeper running; start workers with ``studio.start_worker(registry)``."""
    harness = InProcessStudio(jobs_config)
    harness.start_keeper()
    yield harness
    harness.close()


def wait_for_jobs(api: JobsAPI, job_ids: Iterable[str], timeout: float = WAIT_S) -> list[Job]:
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


@pytest.fixture
def spawn(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Callable[..., Spawned]]:
    """spawn(["-m", "jobs.worker"], env) -> a running child, stopped after the test."""
    children: list[Spawned] = []

    def start(args: list[str], env: dict[str, str]) -> Spawned:
        child = Spawned(args, env, tmp_path / f"child-{len(children)}.log")
        children.append(child)
        return child

    yield start
    for child in children:
        child.stop()
    failed = getattr(request.node, "rep_call", None)
    if failed is not None and failed.failed:
        for child in children:
            print(f"--- {child.log_path.name} (pid {child.pid}) ---\n{child.log()[-4000:]}")


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    if report.when == "call":
        item.rep_call = report  # type: ignore[attr-defined]
    return report


def worker_data_dir(root: Path, tiny_checkpoints: Path) -> Path:
    """A data dir of its own for a 'remote' worker, sharing only the tiny checkpoints."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "tiny-models").symlink_to(tiny_checkpoints, target_is_directory=True)
    return root


# -- real engines, watched --------------------------------------------------------------


class Tracker:
    """What the engines under a TrackingRegistry did: loads, overlaps, steps, failures."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.loaded: set[int] = set()  # ids of engines holding weights now
        self.max_loaded = 0
        self.active = 0
        self.max_active = 0
        self.generated: list[tuple[str, dict[str, Any]]] = []  # (engine kind, params)
        self.step_times: list[tuple[int, float, int]] = []  # (generation, monotonic time, step)
        self.fail_next: list[BaseException] = []  # raised by the next generate calls
        self.unload_all_calls = 0


class TrackingEngine:
    """A real engine, reporting to a Tracker; everything else is passed through."""

    def __init__(self, engine: Any, tracker: Tracker) -> None:
        self._engine = engine
        self._tracker = tracker
        self.kind = engine.kind
        self.model_id = engine.model_id

    def load(self, placement: Any) -> None:
        self._engine.load(placement)
        with self._tracker.lock:
            self._tracker.loaded.add(id(self))
            self._tracker.max_loaded = max(self._tracker.max_loaded, len(self._tracker.loaded))

    def unload(self) -> None:
        self._engine.unload()
        with self._tracker.lock:
            self._tracker.loaded.discard(id(self))

    def park(self) -> None:
        self._engine.park()

    def unpark(self) -> None:
        self._engine.unpark()

    def memory_bytes(self) -> int:
        return int(self._engine.memory_bytes())

    def generate(self, params: Any, out_path: Path, *, on_progress: Any = None, **kw: Any) -> Any:
        tracker = self._tracker
        with tracker.lock:
            tracker.active += 1
            tracker.max_active = max(tracker.max_active, tracker.active)
            tracker.generated.append((self.kind, dict(params.__dict__)))
            generation = len(tracker.generated) - 1
            failure = tracker.fail_next.pop(0) if tracker.fail_next else None

        def progress(step: int, total: int) -> None:
            tracker.step_times.append((generation, time.monotonic(), step))
            if on_progress is not None:
                on_progress(step, total)

        try:
            if failure is not None:
                raise failure
            return self._engine.generate(params, out_path, on_progress=progress, **kw)
        finally:
            with tracker.lock:
                tracker.active -= 1


class TrackingRegistry(EngineRegistry):
    """The real EngineRegistry over the real engines, each wrapped in a TrackingEngine."""

    def __init__(self, settings: Settings) -> None:
        from engines.registry import default_factories

        self.tracker = Tracker()
        factories = {
            kind: (lambda s, f=factory: TrackingEngine(f(s), self.tracker))
            for kind, factory in default_factories().items()
        }
        super().__init__(settings, factories=factories)

    def unload_all(self) -> None:
        self.tracker.unload_all_calls += 1
        super().unload_all()
