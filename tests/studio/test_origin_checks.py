"""The guard's Origin check (TestClient): the WebSocket and every state-changing route
answer only the studio's own pages; another port of the same host, ``null``, no Origin on
a socket, are refused before Streamlit or a route sees them. The real browser's proof is
tests/studio/test_browser_origin.py."""

from __future__ import annotations

from pathlib import Path

import pytest
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from studio.accounts.login_cookie import COOKIE_NAME
from studio.public_url import PublicUrlError, public_origin
from studio.services import WebConfig
from tests.fixtures.studio import USERS, web_app, web_config

STUDIO = "http://127.0.0.1:8501"


@pytest.fixture
def config(studio_data: Path) -> WebConfig:
    return web_config(studio_data)


def victim(config: WebConfig, origin: str = STUDIO) -> TestClient:
    """ana, logged in by the form from the studio's own page, served at STUDIO."""
    browser = TestClient(web_app(config), base_url=STUDIO, follow_redirects=False)
    answer = browser.post(
        "/auth/login",
        data={"username": "ana", "password": USERS["ana"]},
        headers={"Origin": origin},
    )
    assert answer.status_code == 303 and browser.cookies.get(COOKIE_NAME)
    return browser


def socket_opens(browser: TestClient, headers: dict[str, str]) -> bool:
    try:
        url = f"ws://{browser.base_url.netloc.decode()}/_stcore/stream"
        with browser.websocket_connect(url, headers=headers) as socket:
            return socket.receive_text() == "streamlit session"
    except WebSocketDisconnect as refused:
        assert refused.code == 1008
        return False


def test_the_studios_own_page_opens_the_socket(config: WebConfig):
    assert socket_opens(victim(config), {"Origin": STUDIO})


@pytest.mark.parametrize(
    "origin",
    [
        None,  # no Origin at all: Streamlit 1.67 would take it
        "http://127.0.0.1:8888",  # another app on another port of the same host
        "http://localhost:8501",
        "http://0.0.0.0:8501",
        "http://0.0.0.0:1",
        "null",  # a sandboxed frame or a file:// page
        "https://127.0.0.1:8501",  # another scheme is another origin
        "http://127.0.0.1:8501.evil.example",
        "http://evil.example",
    ],
)
def test_another_origins_page_gets_no_socket_with_the_victims_cookie(
    config: WebConfig, origin: str | None
):
    headers = {} if origin is None else {"Origin": origin}
    assert not socket_opens(victim(config), headers)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/auth/login"),
        ("POST", "/auth/logout"),
        ("PUT", "/_stcore/upload_file/session/file"),  # Streamlit's uploads
        ("DELETE", "/_stcore/upload_file/session/file"),
        ("POST", "/api/v1/jobs"),
        ("POST", "/anything"),
    ],
)
@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "http://127.0.0.1:8888"},
        {"Origin": "null"},
        {"Sec-Fetch-Site": "same-site"},  # another port, no Origin: the browser says so
        {"Sec-Fetch-Site": "cross-site"},
    ],
)
def test_state_changing_requests_from_another_origin_are_refused(
    config: WebConfig, method: str, path: str, headers: dict[str, str]
):
    answer = victim(config).request(method, path, headers=headers)
    assert answer.status_code == 403, answer.text
    assert answer.headers["x-frame-options"] == "DENY"
    if path.startswith("/api/"):
        assert "another site" in answer.json()["error"]


def test_the_studios_own_posts_and_a_scripts_calls_pass(config: WebConfig):
    ana = victim(config)
    own = ana.put("/_stcore/upload_file/s/f", headers={"Origin": STUDIO})
    assert own.status_code == 200 and own.text == "streamlit: /_stcore/upload_file/s/f"
    script = ana.post("/anything", headers={})  # curl sends neither header
    assert script.status_code == 200
    # Reading is no state change: another origin's GET is the browser's CORS business.
    assert ana.get("/library", headers={"Origin": "http://127.0.0.1:8888"}).status_code == 200


def test_behind_a_proxy_the_public_url_is_the_origin(config: WebConfig):
    config.public_origin = public_origin("https://studio.example")
    # The proxy hands the studio Host 127.0.0.1:8501; the page's Origin is the public one.
    ana = victim(config, origin="https://studio.example")
    assert socket_opens(ana, {"Origin": "https://studio.example"})
    assert not socket_opens(ana, {"Origin": STUDIO})
    assert ana.post("/anything", headers={"Origin": STUDIO}).status_code == 403


@pytest.mark.parametrize(
    "value", ["studio.example", "ftp://studio.example", "https://studio.example/app", "https://"]
)
def test_a_malformed_public_url_says_what_would_work(value: str):
    with pytest.raises(PublicUrlError, match=r"STUDIO_PUBLIC_URL must be .*https://studio"):
        public_origin(value)


def test_a_public_url_with_its_port_or_slash_is_read(config: WebConfig):
    assert public_origin("http://10.0.0.5:8501/") == ("http", "10.0.0.5", 8501)
    assert public_origin("HTTPS://Studio.Example") == ("https", "studio.example", 443)
    assert public_origin("") is None
