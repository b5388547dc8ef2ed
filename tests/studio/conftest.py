"""The studio under AppTest and Starlette's TestClient: its own data dir, accounts, the
web layer's routes, and a live keeper and worker.

AppTest has no HTTP layer, so a fake browser connection hands its sessions the cookies
a browser would send (``st.context.cookies``); ``log_in`` gets that cookie from the
real login route, as the browser's form post does.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import streamlit as st
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from starlette.testclient import TestClient
from streamlit.testing.v1 import AppTest

from engines.registry import EngineRegistry
from engines.settings import Settings
from jobs.api import JobsAPI
from jobs.config import JobsConfig
from studio.accounts import AccountStore
from studio.auth import COOKIE_NAME
from studio.cookie_key import cookie_expiry_hours
from studio.session_user import LOGIN_KEY
from studio.web_config import WebConfig
from studio.web_layer import web_middleware, web_routes
from tests.jobs.harness import InProcessStudio

APP = str(Path(__file__).resolve().parents[2] / "studio" / "app.py")
ADMIN, ADMIN_PASSWORD = "boss", "boss-password-1"
USERS = {"ana": "ana-password-1", "ben": "ben-password-1"}
COOKIE_KEY = "test-cookie-key-" + "x" * 32
SAME_SITE = {"Origin": "http://testserver"}  # what a browser sends with the form's post


@dataclass
class BrowserConnection:
    """What Streamlit reads from a browser's WebSocket handshake, set by the test."""

    cookies: dict[str, str] = field(default_factory=dict)
    remote_ip: str | None = None  # 127.0.0.1 and ::1 read as None in st.context.ip_address
    header_list: list[tuple[str, str]] = field(default_factory=list)

    @property
    def headers(self) -> Iterable[tuple[str, str]]:
        return self.header_list

    def with_cookies(self, cookies: Mapping[str, str]) -> BrowserConnection:
        self.cookies = dict(cookies)
        return self


_connection = BrowserConnection()


@pytest.fixture
def browser(studio_data: Path) -> BrowserConnection:
    """The cookies and address every AppTest session of this test sees."""
    return _connection


def web_config(data_dir: Path) -> WebConfig:
    """The web layer's settings for this data dir, as the server reads them at its start."""
    return WebConfig(data_dir, COOKIE_KEY, cookie_expiry_hours() * 3600)


def web_app(config: WebConfig, api: JobsAPI | None = None) -> Starlette:
    """Our routes and middleware as st.App serves them; a stand-in answers for Streamlit."""

    async def streamlit_stand_in(request: Request) -> PlainTextResponse:
        return PlainTextResponse(f"streamlit: {request.url.path}")

    routes = [*web_routes(config, api or JobsAPI()), Route("/{path:path}", streamlit_stand_in)]
    return Starlette(routes=routes, middleware=web_middleware(config))


def web_client(config: WebConfig, address: str = "203.0.113.9", **kwargs: object) -> TestClient:
    return TestClient(web_app(config), client=(address, 50000), **kwargs)  # type: ignore[arg-type]


def login_cookie(data_dir: Path, username: str, password: str) -> str | None:
    """The cookie the login route sets for this name and password; None when refused."""
    with web_client(web_config(data_dir), follow_redirects=False) as client:
        answer = client.post(
            "/auth/login", data={"username": username, "password": password}, headers=SAME_SITE
        )
    return answer.cookies.get(COOKIE_NAME) if answer.status_code == 303 else None


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
        "STUDIO_COOKIE_KEY": COOKIE_KEY,
        "STUDIO_ADMIN_USER": ADMIN,
        "STUDIO_ADMIN_PASSWORD": ADMIN_PASSWORD,
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("STUDIO_REDIS_URL", raising=False)
    _connection.cookies, _connection.remote_ip, _connection.header_list = {}, None, []
    monkeypatch.setattr("streamlit.runtime.context._get_client_context", lambda: _connection)
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
    """Post the login form; with its cookie, the session runs again as the browser's would."""
    token = login_cookie(Path(Settings.from_env().data_dir), username, password)
    _connection.cookies = {COOKIE_NAME: token} if token else {}
    if LOGIN_KEY in app.session_state:  # the page reloads after the post: a new connection
        del app.session_state[LOGIN_KEY]
    return app.run()


def rerun_until(app: AppTest, done: Callable[[AppTest], bool], timeout: float = 90) -> AppTest:
    """Rerun the script (as the page's fragment would) until ``done`` holds."""
    deadline = time.monotonic() + timeout
    while not done(app):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out; page shows {[e.value for e in app.markdown]}")
        time.sleep(0.2)
        app.run()
    return app
