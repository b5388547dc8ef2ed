"""Fixtures for the reliability tests: the job system's and the studio's, shared as is,
plus a fake browser connection (cookies and client address) for AppTest."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field

import pytest
import streamlit_authenticator.params

from tests.jobs.conftest import (  # noqa: F401  (fixtures, re-exported for this folder)
    backend,
    jobs_config,
    own_redis_server,
    pytest_runtest_makereport,
    redis_server,
    shared_registry,
    spawn,
    studio,
    tiny_checkpoints,
)
from tests.studio.conftest import live_jobs, studio_data, studio_registry  # noqa: F401


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


@pytest.fixture
def browser(monkeypatch: pytest.MonkeyPatch) -> Iterator[BrowserConnection]:
    """AppTest sessions see these cookies and this address in ``st.context``
    (AppTest itself cannot seed them: they come from the connection, not the script)."""
    connection = BrowserConnection()
    monkeypatch.setattr("streamlit.runtime.context._get_client_context", lambda: connection)
    yield connection


@pytest.fixture
def quick_login_form(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """No fixed 0.7 s pause per logged-out run, and the slow-down waits recorded, not slept."""
    waits: list[float] = []
    monkeypatch.setattr(streamlit_authenticator.params, "PRE_LOGIN_SLEEP_TIME", 0.0)
    monkeypatch.setattr("studio.auth._wait", waits.append)
    return waits
