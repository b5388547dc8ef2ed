"""Shared fixtures. In CI (CI=true) a test may not skip: a missing tool is a failure.

The job system's and the studio's fixtures live in tests/fixtures/, loaded for every folder.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# Before the studio is imported, and inherited by every studio and worker a test starts:
# bcrypt at its floor cost (as Django's test hasher), 0.75 s a hash at 12 adds minutes.
os.environ["STUDIO_BCRYPT_ROUNDS"] = "4"

from engines.settings import Settings
from tests.required_tools import IN_CI

pytest_plugins = [
    "tests.fixtures.jobs",
    "tests.fixtures.studio",
    "tests.fixtures.browser",
]
# Tiny models gain nothing from a second thread, and lose much when a neighbour takes the core.
os.environ.setdefault("OMP_NUM_THREADS", "1")


# A test that uses one of these is slow (`make test-fast` leaves it out): a real browser, a
# studio or worker in a process of its own, a Redis server.
SLOW_FIXTURES = {
    "playwright",
    "chromium",
    "launch_studio",
    "spawn",
    "redis_server",
    "own_redis_server",
}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        params = getattr(getattr(item, "callspec", None), "params", {})
        if fixtures & SLOW_FIXTURES or params.get("backend") == "redis":
            item.add_marker(pytest.mark.slow)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):  # type: ignore[no-untyped-def]
    outcome = yield
    report = outcome.get_result()
    if IN_CI and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = f"skipped in CI, where every test must run: {report.longrepr}"


# Tiny checkpoints outlive the session here, one folder per builder_fingerprint.
TINY_CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "studio-tiny-models"


@pytest.fixture(scope="session")
def tiny_models_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The session's tiny checkpoints: each name links into TINY_CACHE by its builder's
    fingerprint, so a checkpoint is built on first use and again only when its builder
    (or a library that writes it) changes."""
    from engines.catalog import CATALOG
    from engines.tiny import builder_fingerprint

    folder = tmp_path_factory.mktemp("tiny-models")
    for name in CATALOG:
        try:
            cached = TINY_CACHE / f"{name}-{builder_fingerprint(name)}"
        except KeyError:  # no tiny checkpoint for this entry
            continue
        (folder / name).symlink_to(cached, target_is_directory=True)
    return folder


@pytest.fixture
def tiny_settings(tmp_path: Path, tiny_models_dir: Path) -> Settings:
    """Settings for tiny models on CPU, with a fresh data dir and the shared checkpoints."""
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    (data_dir / "tiny-models").symlink_to(tiny_models_dir, target_is_directory=True)
    return Settings(data_dir=data_dir, tiny=True, device="cpu")


@pytest.fixture(autouse=True)
def _offline_hub(monkeypatch: pytest.MonkeyPatch) -> None:
    # Tests never reach the network: a missing model must fail fast, not time out.
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
