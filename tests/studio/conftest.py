"""The studio under AppTest: its own data dir, accounts, and a live keeper and worker."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from engines.registry import EngineRegistry
from engines.settings import Settings
from jobs.config import JobsConfig
from studio.accounts import AccountStore
from tests.jobs.harness import InProcessStudio

APP = str(Path(__file__).resolve().parents[2] / "studio" / "app.py")
ADMIN, ADMIN_PASSWORD = "boss", "boss-password-1"
USERS = {"ana": "ana-password-1", "ben": "ben-password-1"}


@pytest.fixture
def studio_data(tmp_path: Path, tiny_models_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Environment of a fresh studio with tiny models; caches cleared around each test."""
    data = tmp_path / "data"
    data.mkdir()
    (data / "tiny-models").symlink_to(tiny_models_dir, target_is_directory=True)
    for name, value in {
        "STUDIO_DATA_DIR": str(data),
        "STUDIO_MODELS": "tiny",
        "STUDIO_DEVICE": "cpu",
        "STUDIO_COOKIE_KEY": "test-cookie-key-" + "x" * 32,
        "STUDIO_ADMIN_USER": ADMIN,
        "STUDIO_ADMIN_PASSWORD": ADMIN_PASSWORD,
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("STUDIO_REDIS_URL", raising=False)
    st.cache_resource.clear()  # the app's cached API and stores belong to one data dir
    accounts = AccountStore(data / "catalog.sqlite3")
    for username, password in USERS.items():
        accounts.add(username, password)
    yield data
    st.cache_resource.clear()


@pytest.fixture(scope="session")
def studio_registry(tmp_path_factory: pytest.TempPathFactory, tiny_models_dir: Path):
    """One registry for every studio test's worker: each tiny model loads once."""
    data = tmp_path_factory.mktemp("studio-registry")
    (data / "tiny-models").symlink_to(tiny_models_dir, target_is_directory=True)
    return EngineRegistry(Settings(data_dir=data, tiny=True, device="cpu"))


@pytest.fixture
def live_jobs(studio_data: Path, studio_registry: EngineRegistry) -> Iterator[InProcessStudio]:
    """A keeper and a worker on the app's own queue, as `make run` starts them."""
    config = JobsConfig.from_env().with_changes(
        keeper_interval_s=0.02, report_interval_s=0.1, poll_interval_s=0.02
    )
    harness = InProcessStudio(config)
    harness.start_keeper()
    harness.start_worker(studio_registry)
    yield harness
    harness.close()


def open_app() -> AppTest:
    return AppTest.from_file(APP, default_timeout=60).run()


def log_in(app: AppTest, username: str, password: str) -> AppTest:
    app.text_input[0].input(username)
    app.text_input[1].input(password)
    return app.button[0].click().run()


def rerun_until(app: AppTest, done: Callable[[AppTest], bool], timeout: float = 90) -> AppTest:
    """Rerun the script (as the page's fragment would) until ``done`` holds."""
    deadline = time.monotonic() + timeout
    while not done(app):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out; page shows {[e.value for e in app.markdown]}")
        time.sleep(0.2)
        app.run()
    return app
