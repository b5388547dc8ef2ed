"""Fixtures for the job system: a real redis-server, in-process keeper and workers,
worker subprocesses, and the tiny checkpoints built once for the session.

Most tests run on both queue backends (``backend`` is parametrized: the embedded
SQLite queue and a real Redis server on a free loopback port). The harness classes and
helpers live in tests/jobs/harness.py and tests/jobs/tracking_registry.py.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from engines.registry import EngineRegistry
from engines.settings import Settings
from jobs.config import JobsConfig
from tests.conftest import require_tool

# Re-exported: other test folders import these from here, as before the harness moved.
from tests.jobs.harness import (
    REPO,
    WAIT_S,
    InProcessStudio,
    RedisServer,
    Spawned,
    free_port,
    make_config,
    partial_files,
    process_env,
    wait_for_jobs,
    wait_until,
    worker_data_dir,
)
from tests.jobs.tracking_registry import Tracker, TrackingEngine, TrackingRegistry

__all__ = [
    "REPO",
    "WAIT_S",
    "InProcessStudio",
    "RedisServer",
    "Spawned",
    "Tracker",
    "TrackingEngine",
    "TrackingRegistry",
    "free_port",
    "make_config",
    "partial_files",
    "process_env",
    "wait_for_jobs",
    "wait_until",
    "worker_data_dir",
]


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


@pytest.fixture
def jobs_config(
    tiny_settings: Settings, tiny_checkpoints: Path, backend: str, request: pytest.FixtureRequest
) -> JobsConfig:
    redis_url = request.getfixturevalue("redis_server").url if backend == "redis" else None
    return make_config(tiny_settings, redis_url)


# -- the studio side and workers in this process --------------------------------------


@pytest.fixture
def studio(jobs_config: JobsConfig) -> Iterator[InProcessStudio]:
    """Keeper running; start workers with ``studio.start_worker(registry)``."""
    harness = InProcessStudio(jobs_config)
    harness.start_keeper()
    yield harness
    harness.close()


# -- worker and supervisor subprocesses -----------------------------------------------


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
