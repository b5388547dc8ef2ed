"""Bounded requests (TestClient): every route takes at most 1 MB of body, uploads their own
limit, both counted while the body streams in; huge numbers and deep nesting answer 400
JSON; an unexpected failure answers 500 as JSON (the API) or our own page (a browser
opening a page), always with the safe headers."""

from __future__ import annotations

import dataclasses
import select
import socket
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from httpx import Response
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.routing import Route
from starlette.testclient import TestClient

from jobs.service import JobService
from studio.services import WebConfig
from studio.web import body_limit, web_middleware, web_routes
from tests.fixtures.studio import USERS, web_app, web_config
from tests.media_factory import make_tone
from tests.studio.api_server import running_studio

MB = 1024**2


@pytest.fixture
def config(studio_data: Path) -> WebConfig:
    return web_config(studio_data)


@pytest.fixture
def api(studio_data: Path) -> Iterator[JobService]:
    api = JobService()
    yield api
    api.close()


@pytest.fixture
def client(config: WebConfig, api: JobService) -> TestClient:
    return TestClient(web_app(config, api), follow_redirects=False)


@pytest.fixture
def token(config: WebConfig) -> dict[str, str]:
    return {"Authorization": f"Bearer {config.tokens.create('ana', 'script')}"}


def json_refusal(answer: Response, status: int) -> str:
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"] == "application/json"
    assert answer.headers["x-frame-options"] == "DENY"
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert "frame-ancestors 'none'" in answer.headers["content-security-policy"]
    return str(answer.json()["error"])


def stream_until_answered(
    url: str, path: str, head: bytes, headers: dict[str, str]
) -> tuple[int, bytes]:
    """Sends a chunked body of up to 300 MB to a real server, a chunk at a time, until the
    server answers; (bytes sent by then, the answer). The kernel's socket buffers hold a
    few MB, so a server that reads everything first would take all 300 MB."""
    netloc = urlsplit(url).netloc
    host, port = netloc.split(":")
    sock = socket.create_connection((host, int(port)), timeout=30)
    lines = [f"POST {path} HTTP/1.1", f"Host: {netloc}", "Transfer-Encoding: chunked"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
    chunk, sent = b" " * (256 * 1024), 0
    try:
        sock.sendall(b"%x\r\n%s\r\n" % (len(head), head))
        while sent < 300 * MB:
            readable, _, _ = select.select([sock], [], [], 0)
            if readable:
                break
            sock.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            sent += len(chunk)
    except (BrokenPipeError, ConnectionResetError):
        pass  # the server answered and closed: what it sent is still readable
    answer = b""
    try:
        while data := sock.recv(65536):
            answer += data
            if b"\r\n\r\n" in answer and b"}" in answer:
                break
    except (ConnectionResetError, TimeoutError):
        pass
    sock.close()
    return sent, answer


def test_a_json_body_over_1_mb_is_413_json_before_it_is_read(client: TestClient, token: dict):
    body = b'{"model": "' + b"x" * (2 * MB) + b'"}'
    message = json_refusal(client.post("/api/v1/jobs", content=body, headers=token), 413)
    assert "1 MB" in message


def test_a_chunked_body_is_cut_off_once_it_passes_1_mb(studio_data: Path):
    with running_studio(studio_data) as studio:
        bearer = f"Bearer {studio.token('ana')}"
        sent, answer = stream_until_answered(
            studio.url, "/api/v1/jobs", b"{", {"Authorization": bearer}
        )
    # 300 MB took the server from 275 to 1124 MiB before; now it stops reading at 1 MB.
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert b"1 MB" in answer and b"application/json" in answer
    assert sent < 32 * MB


def test_a_page_route_takes_no_more_than_1_mb_either(client: TestClient):
    answer = client.post(
        "/auth/login", content=b"u" * (2 * MB), headers={"Origin": "http://testserver"}
    )
    assert answer.status_code == 413 and answer.headers["x-frame-options"] == "DENY"


def test_an_upload_has_its_own_limit_checked_while_streaming(
    studio_data: Path, monkeypatch: pytest.MonkeyPatch
):
    small = dataclasses.replace(body_limit.DEFAULT_LIMITS, max_bytes=2 * MB)
    monkeypatch.setattr(body_limit, "DEFAULT_LIMITS", small)
    head = (
        b'--b\r\nContent-Disposition: form-data; name="output_type"\r\n\r\naudio\r\n'
        b'--b\r\nContent-Disposition: form-data; name="file"; filename="a.wav"\r\n\r\n'
    )
    with running_studio(studio_data) as studio:
        headers = {
            "Authorization": f"Bearer {studio.token('ana')}",
            "Content-Type": "multipart/form-data; boundary=b",
        }
        sent, answer = stream_until_answered(studio.url, "/api/v1/uploads", head, headers)
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert b"2 MB" in answer
    assert sent < 32 * MB


def test_an_upload_under_its_limit_passes_the_1_mb_bound(
    client: TestClient, token: dict, tmp_path: Path
):
    tone = make_tone(tmp_path / "long.wav", seconds=20.0)  # 1.3 MB of WAV
    assert tone.stat().st_size > MB
    files = {"file": ("long.wav", tone.read_bytes(), "audio/wav")}
    answer = client.post(
        "/api/v1/uploads", data={"output_type": "audio"}, files=files, headers=token
    )
    assert answer.status_code == 201, answer.text


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (b'{"model": "x", "params": {"seed": ' + b"9" * 5000 + b"}}", "digits"),
        (b"[" * 100_000 + b"]" * 100_000, "nested"),
        (b'{"model": "x", "params": {"seed": 1e999}}', "too large"),
        (b'{"model": "x", "params": {"seed": NaN}}', "finite"),
        (b'{"model": "x", "params": {"seed": -Infinity}}', "finite"),
        (b"\xff\xfe", "not JSON"),
    ],
)
def test_huge_numbers_and_deep_nesting_answer_400_json(
    client: TestClient, token: dict, body: bytes, words: str
):
    assert words in json_refusal(client.post("/api/v1/jobs", content=body, headers=token), 400)


def test_a_big_number_within_json_bounds_is_refused_by_the_params_own_bounds(
    client: TestClient, token: dict
):
    body = {"model": "wan2.1-t2v-1.3b", "params": {"prompt": "fox", "num_frames": 10**25}}
    assert "num_frames" in json_refusal(client.post("/api/v1/jobs", json=body, headers=token), 422)


def test_an_unexpected_failure_is_a_500_json_with_the_safe_headers(
    client: TestClient, token: dict, api: JobService, monkeypatch: pytest.MonkeyPatch
):
    def broken(*args: object, **kwargs: object) -> list[str]:
        raise RuntimeError("/srv/secret/path exploded")

    monkeypatch.setattr(api, "submit", broken)
    answer = client.post("/api/v1/jobs", json={"model": "wan2.1-t2v-1.3b"}, headers=token)
    message = json_refusal(answer, 500)
    assert "logged" in message and "/srv/secret" not in answer.text


def test_an_unexpected_failure_on_a_page_is_our_error_page(config: WebConfig):
    async def broken(request: Request) -> Response:
        raise RuntimeError("/srv/secret/path exploded")

    routes = [*web_routes(config, JobService()), Route("/auth/broken", broken)]
    app = Starlette(routes=routes, middleware=web_middleware(config))
    page = TestClient(app).get("/auth/broken", headers={"Accept": "text/html"})
    assert page.status_code == 500 and page.headers["content-type"].startswith("text/html")
    assert "Something went wrong" in page.text and "/srv/secret" not in page.text
    assert page.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]


def test_streamlits_uploader_keeps_its_own_limit_past_1_mb(config: WebConfig, client: TestClient):
    client.post(
        "/auth/login",
        data={"username": "ana", "password": USERS["ana"]},
        headers={"Origin": "http://testserver"},
    )
    answer = client.put(
        "/_stcore/upload_file/session/file",
        content=b"x" * (5 * MB),
        headers={"Origin": "http://testserver"},
    )
    assert answer.status_code == 200 and answer.text.startswith("streamlit:")  # reached it
    assert body_limit.body_limit("/_stcore/upload_file/s/f") >= 200 * MB  # server.maxUploadSize
