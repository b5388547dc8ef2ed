"""The web layer's routes and middleware under Starlette's TestClient: login and logout,
the guard in front of every request, and /files with ownership, Range and ETag."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from jobs.service import JobService
from studio.accounts.login_cookie import COOKIE_NAME
from studio.services import WebConfig
from studio.startup import ensure_admin
from tests.fixtures.studio import ADMIN, ADMIN_PASSWORD, SAME_SITE, USERS, web_app, web_config
from tests.media_factory import make_h264_clip, make_tone

CLIP = bytes(range(256)) * 400  # 102400 bytes standing in for a video


@pytest.fixture
def config(studio_data: Path) -> WebConfig:
    config = web_config(studio_data)
    ensure_admin(config.store)  # what the launcher does at the start
    return config


@pytest.fixture
def api(studio_data: Path) -> Iterator[JobService]:
    api = JobService()
    yield api
    api.close()


@pytest.fixture
def clip_id(api: JobService) -> str:
    """One of ana's files."""
    params = {"uploaded_as": "beach.mp4", "kind": "video", "prompt": "A Red Fox, in SNOW"}
    return api.import_file("ana", CLIP, ".mp4", params=params).id


def client(config: WebConfig, api: JobService | None = None, **kwargs: object) -> TestClient:
    return TestClient(web_app(config, api), follow_redirects=False, **kwargs)  # type: ignore[arg-type]


def logged_in(config: WebConfig, username: str, password: str, **kwargs: object) -> TestClient:
    browser = client(config, **kwargs)
    answer = browser.post(
        "/auth/login", data={"username": username, "password": password}, headers=SAME_SITE
    )
    assert answer.status_code == 303, answer.text
    return browser


# -- login and logout ----------------------------------------------------------------


def test_login_sets_an_httponly_lax_cookie_for_the_whole_site_and_goes_on(config: WebConfig):
    browser = client(config)
    answer = browser.post(
        "/auth/login",
        data={"username": "ana", "password": USERS["ana"], "next": "/library?tab=2"},
        headers=SAME_SITE,
    )
    assert answer.status_code == 303 and answer.headers["location"] == "/library?tab=2"
    cookie = answer.headers["set-cookie"]
    assert cookie.startswith(f"{COOKIE_NAME}=")
    for part in ("HttpOnly", "Path=/", "SameSite=lax", f"Max-Age={24 * 3600}"):
        assert part in cookie, cookie
    assert "Secure" not in cookie  # plain HTTP on loopback
    assert "ana-password-1" not in cookie
    assert browser.get("/library").text == "streamlit: /library"  # the cookie lets it through


def test_the_cookie_is_secure_over_https_or_when_asked(config: WebConfig):
    answer = client(config, base_url="https://studio.example").post(
        "/auth/login",
        data={"username": "ana", "password": USERS["ana"]},
        headers={"Origin": "https://studio.example"},
    )
    assert "Secure" in answer.headers["set-cookie"]
    config.secure_cookie = True  # STUDIO_COOKIE_SECURE=1: TLS ends at a proxy
    answer = client(config).post(
        "/auth/login", data={"username": "ana", "password": USERS["ana"]}, headers=SAME_SITE
    )
    assert "Secure" in answer.headers["set-cookie"]


@pytest.mark.parametrize(
    "wanted",
    ["//evil.example/x", "https://evil.example/", "/\\evil.example", "javascript:alert(1)",
     "library", "/auth/logout", "/\x00x"],
)  # fmt: skip
def test_login_returns_only_to_paths_on_this_site(config: WebConfig, wanted: str):
    answer = client(config).post(
        "/auth/login",
        data={"username": "ana", "password": USERS["ana"], "next": wanted},
        headers=SAME_SITE,
    )
    assert answer.status_code == 303 and answer.headers["location"] == "/"


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "http://evil.example"},
        {"Origin": "null"},
        {"Sec-Fetch-Site": "cross-site", "Origin": "http://testserver"},
        {"Sec-Fetch-Site": "same-site"},  # a sibling subdomain is another site's page too
        {},  # neither header: not a browser's form post
    ],
)
def test_cross_site_login_and_logout_posts_are_refused(config: WebConfig, headers: dict):
    browser = client(config)
    answer = browser.post(
        "/auth/login", data={"username": "ana", "password": USERS["ana"]}, headers=headers
    )
    assert answer.status_code == 403 and "set-cookie" not in answer.headers
    ana = logged_in(config, "ana", USERS["ana"])
    assert ana.post("/auth/logout", headers=headers).status_code == 403
    assert ana.get("/library").status_code == 200  # still logged in


def test_a_wrong_password_shows_the_form_again_with_one_message(config: WebConfig):
    answer = client(config).post(
        "/auth/login",
        data={"username": "<b>ana</b>", "password": "nope", "next": '/x"><script>'},
        headers=SAME_SITE,
    )
    assert answer.status_code == 401 and "set-cookie" not in answer.headers
    assert "do not match an active account" in answer.text
    assert "<b>ana</b>" not in answer.text and "&lt;b&gt;ana&lt;/b&gt;" in answer.text
    assert '"><script>' not in answer.text  # an unsafe next became "/" and is escaped anyway


def test_logout_revokes_the_cookie_wherever_it_was_copied(config: WebConfig, clip_id: str):
    ana = logged_in(config, "ana", USERS["ana"])
    copied = dict(ana.cookies)
    thief = client(config, cookies=copied)
    assert thief.get(f"/files/{clip_id}").status_code == 200

    answer = ana.post("/auth/logout", headers=SAME_SITE)
    assert answer.status_code == 303 and answer.headers["location"] == "/auth/login"
    assert f'{COOKIE_NAME}=""' in answer.headers["set-cookie"]  # cleared in the browser
    assert "Max-Age=0" in answer.headers["set-cookie"]
    assert thief.get(f"/files/{clip_id}").status_code == 403  # and void on the server
    assert thief.get("/library", headers={"Sec-Fetch-Mode": "navigate"}).status_code == 303


def test_a_password_change_or_a_disabled_account_ends_the_cookie(config: WebConfig, clip_id: str):
    ana = logged_in(config, "ana", USERS["ana"])
    config.store.set_password("ana", "a-brand-new-password")
    assert ana.get(f"/files/{clip_id}").status_code == 403
    ana = logged_in(config, "ana", "a-brand-new-password")
    config.store.set_disabled("ana", True)
    assert ana.get(f"/files/{clip_id}").status_code == 403


def test_the_login_form_page_sends_a_logged_in_browser_on(config: WebConfig):
    assert 'action="/auth/login"' in client(config).get("/auth/login?next=/admin").text
    ana = logged_in(config, "ana", USERS["ana"])
    answer = ana.get("/auth/login?next=/library")
    assert answer.status_code == 303 and answer.headers["location"] == "/library"


# -- the guard in front of every route -------------------------------------------------


def test_logged_out_a_page_goes_to_the_login_form_and_keeps_its_path(config: WebConfig):
    browser = client(config)
    answer = browser.get("/admin?x=1", headers={"Sec-Fetch-Mode": "navigate"})
    assert answer.status_code == 303
    assert answer.headers["location"] == "/auth/login?next=%2Fadmin%3Fx%3D1"
    assert browser.get("/", headers={"Accept": "text/html"}).headers["location"] == "/auth/login"


@pytest.mark.parametrize(
    "path",
    ["/media/0123abcd.mp4", "/_stcore/upload_file/x/y", "/files/anything", "/video"],
)
def test_logged_out_everything_but_the_login_answers_403(config: WebConfig, path: str):
    assert client(config).get(path).status_code == 403


def test_logged_out_no_streamlit_session_starts(config: WebConfig):
    browser = client(config)
    with (
        pytest.raises(WebSocketDisconnect) as refused,
        browser.websocket_connect("/_stcore/stream"),
    ):
        pass
    assert refused.value.code == 1008


@pytest.mark.parametrize("cookie", ["not.a.jwt", "x" * 5000, ""])
def test_a_garbage_cookie_is_no_login(config: WebConfig, cookie: str):
    assert client(config, cookies={COOKIE_NAME: cookie}).get("/video").status_code == 403


def test_the_health_check_and_the_login_form_stay_open(config: WebConfig):
    browser = client(config)
    assert browser.get("/_stcore/health").status_code == 200
    assert browser.get("/auth/login").status_code == 200
    icon = browser.get("/auth/icon.svg")
    assert icon.status_code == 200 and icon.text.startswith("<svg")


def test_metrics_are_closed_unless_asked_for(config: WebConfig):
    assert client(config).get("/_stcore/metrics").status_code == 404
    admin = logged_in(config, ADMIN, ADMIN_PASSWORD)
    assert admin.get("/_stcore/metrics").status_code == 404  # not even for admins
    config.metrics_open = True  # STUDIO_METRICS=1
    assert client(config).get("/_stcore/metrics").status_code == 200


@pytest.mark.parametrize("path", ["/", "/auth/login", "/files/x", "/_stcore/health", "/nope"])
def test_every_answer_carries_the_safe_headers(config: WebConfig, path: str):
    headers = client(config).get(path).headers
    assert headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "same-origin"


# -- /files ------------------------------------------------------------------------


def test_the_owner_gets_the_file_privately_cached(config: WebConfig, api: JobService, clip_id: str):
    answer = logged_in(config, "ana", USERS["ana"]).get(f"/files/{clip_id}")
    assert answer.status_code == 200 and answer.content == CLIP
    assert answer.headers["content-type"] == "video/mp4"
    assert answer.headers["cache-control"].startswith("private")
    assert answer.headers["accept-ranges"] == "bytes"
    assert answer.headers["content-disposition"].startswith("inline")
    assert answer.headers["x-frame-options"] == "DENY"


def test_the_download_is_an_attachment_named_after_its_prompt(config: WebConfig, clip_id: str):
    answer = logged_in(config, "ana", USERS["ana"]).get(f"/files/{clip_id}/download")
    assert answer.status_code == 200 and answer.content == CLIP
    assert answer.headers["content-disposition"] == (
        'attachment; filename="video-a-red-fox-in-snow.mp4"'
    )


def test_someone_elses_or_an_unknown_id_is_the_same_404(config: WebConfig, clip_id: str):
    ben = logged_in(config, "ben", USERS["ben"])
    theirs, unknown = ben.get(f"/files/{clip_id}"), ben.get("/files/" + "0" * 32)
    assert theirs.status_code == unknown.status_code == 404
    assert theirs.text == unknown.text
    assert ben.get(f"/files/{clip_id}/download").status_code == 404
    admin = logged_in(config, ADMIN, ADMIN_PASSWORD)
    assert admin.get(f"/files/{clip_id}").content == CLIP  # admins see every file


def test_an_assets_pictures_come_from_the_files_route_to_its_owner_alone(
    config: WebConfig, api: JobService, tmp_path: Path
):
    clip = make_h264_clip(tmp_path / "clip.mp4", seconds=2.0)
    tone = make_tone(tmp_path / "tone.wav", 440.0, 2.0)
    video = api.import_file("ana", clip.read_bytes(), ".mp4", params={"uploaded_as": "c.mp4"})
    track = api.import_file("ana", tone.read_bytes(), ".wav", params={"uploaded_as": "t.wav"})
    ana = logged_in(config, "ana", USERS["ana"])
    poster = ana.get(f"/files/{video.id}/poster")
    assert poster.status_code == 200 and poster.headers["content-type"] == "image/jpeg"
    assert poster.content.startswith(b"\xff\xd8")  # a JPEG
    assert ana.get(f"/files/{video.id}/filmstrip").status_code == 200
    wave = ana.get(f"/files/{track.id}/waveform")
    assert wave.status_code == 200 and wave.content.startswith(b"\x89PNG")
    assert ana.get(f"/files/{track.id}/poster").status_code == 404  # a track has no poster
    assert ana.get(f"/files/{video.id}/secrets").status_code == 404
    ben = logged_in(config, "ben", USERS["ben"])
    assert ben.get(f"/files/{video.id}/poster").status_code == 404
    assert client(config).get(f"/files/{video.id}/poster").status_code == 403


@pytest.mark.parametrize(
    ("asked", "first", "last"),
    [("bytes=0-9", 0, 9), ("bytes=100-", 100, len(CLIP) - 1), ("bytes=-5", len(CLIP) - 5,
     len(CLIP) - 1), ("bytes=102000-999999", 102000, len(CLIP) - 1)],
)  # fmt: skip
def test_a_range_answers_206_with_exactly_those_bytes(
    config: WebConfig, clip_id: str, asked: str, first: int, last: int
):
    answer = logged_in(config, "ana", USERS["ana"]).get(
        f"/files/{clip_id}", headers={"Range": asked}
    )
    assert answer.status_code == 206
    assert answer.headers["content-range"] == f"bytes {first}-{last}/{len(CLIP)}"
    assert answer.content == CLIP[first : last + 1]


def test_a_range_past_the_end_is_416(config: WebConfig, clip_id: str):
    answer = logged_in(config, "ana", USERS["ana"]).get(
        f"/files/{clip_id}", headers={"Range": f"bytes={len(CLIP)}-"}
    )
    assert answer.status_code == 416
    assert answer.headers["content-range"] == f"bytes */{len(CLIP)}"


def test_an_unchanged_file_answers_304_to_its_etag(config: WebConfig, clip_id: str):
    ana = logged_in(config, "ana", USERS["ana"])
    etag = ana.get(f"/files/{clip_id}").headers["etag"]
    again = ana.get(f"/files/{clip_id}", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == etag and again.headers["cache-control"].startswith("private")
    changed = ana.get(f"/files/{clip_id}", headers={"If-None-Match": '"something-else"'})
    assert changed.status_code == 200


def test_a_file_deleted_meanwhile_is_a_404(config: WebConfig, api: JobService, clip_id: str):
    ana = logged_in(config, "ana", USERS["ana"])
    api.asset_path(clip_id, "ana").unlink()  # the catalog still lists it
    assert ana.get(f"/files/{clip_id}").status_code == 404
