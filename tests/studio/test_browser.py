"""The studio in a real browser: Debian's Chromium driven by Playwright, tiny models.

Starts `python -m studio` (keeper, worker and the web server, as `make run` does) on a
free port, then does what people do: opens bookmarks logged out, logs in by the form,
reloads, opens tabs, logs out, makes a video and a track and downloads them; and what
an attacker would: replays a copied cookie, fetches someone else's files with and
without a login, frames the studio. Screenshots land in test-output/screenshots/.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import soundfile as sf
from playwright.sync_api import expect

from jobs.assets import relative_asset_path, write_asset
from jobs.catalog import Catalog
from jobs.catalog.records import new_id
from studio.accounts.store import AccountStore
from tests.fixtures.browser import (
    ADMIN,
    CHROMIUM_ARGS,
    PASSWORD,
    SHOTS,
    USERS,
    WAIT_MS,
    LaunchStudio,
    RunningStudio,
    fill_login,
    new_page,
    wait_until_idle,
)
from tests.mp4_probe import probe_mp4

ELSEWHERE = "192.0.2.1"  # TEST-NET-1: a host a prompt's markup would make browsers fetch
MARKUP = f"calm piano ![t](http://{ELSEWHERE}/x.png) [site](http://{ELSEWHERE}/) :red[loud] $x^2$"


@pytest.fixture(scope="module")
def studio(launch_studio: LaunchStudio) -> RunningStudio:
    """One studio for the module, started fresh: the first test is its first visitor."""
    return launch_studio()


@pytest.fixture(scope="module")
def studio_url(studio: RunningStudio) -> str:
    return studio.url


@pytest.fixture(scope="module")
def browser(chromium: Any) -> Any:
    return chromium


@pytest.fixture
def nobody(playwright: Any, studio_url: str) -> Iterator[Any]:
    """A bare HTTP client with no cookies at all (Playwright's request API)."""
    client = playwright.request.new_context(base_url=studio_url)
    yield client
    client.dispose()


def login_cookie(context: Any) -> dict[str, Any]:
    return next(c for c in context.cookies() if c["name"] == "studio_login")


def test_the_first_visit_after_a_start_to_a_deep_link_shows_the_login_form(
    studio_url: str, browser: Any
):
    context, page, recorder = new_page(browser)
    page.goto(f"{studio_url}/admin")
    page.get_by_label("Login name").wait_for()
    assert urlsplit(page.url).path == "/auth/login"
    assert page.locator("[data-testid=stSidebarNav]").count() == 0  # no page list, no files
    assert page.get_by_text("Please log in again").count() == 0
    page.screenshot(path=SHOTS / "login.png")

    fill_login(page, ADMIN, "wrong-password")
    page.get_by_text("do not match an active account").wait_for()
    fill_login(page, ADMIN, PASSWORD)
    page.get_by_role("heading", name="Admin").first.wait_for()  # back where the link pointed
    assert urlsplit(page.url).path == "/admin"
    assert recorder.hosts == {urlsplit(studio_url).netloc}  # nothing left the machine
    context.close()


def test_a_login_survives_reloads_and_tabs_and_logout_voids_the_copied_cookie(
    studio_url: str, browser: Any
):
    context, page, recorder = new_page(browser)
    page.goto(f"{studio_url}/library")  # a bookmark, logged out
    fill_login(page, "ana", USERS["ana"])
    page.get_by_role("heading", name="Library").wait_for()
    assert urlsplit(page.url).path == "/library"
    cookie = login_cookie(context)
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax" and cookie["path"] == "/"
    assert page.evaluate("document.cookie").find("studio_login") == -1  # no script reads it

    page.reload()
    page.get_by_role("heading", name="Library").wait_for()
    assert page.get_by_label("Login name").count() == 0
    tab = context.new_page()
    # Every page has the path its name suggests; "/" moves on to Text to video at /video.
    for path, title in [
        ("/video", "Text to video"),
        ("/music", "Music"),
        ("/combine", "Combine"),
        ("/account", "My account"),
        ("/", "Text to video"),
    ]:
        tab.goto(f"{studio_url}{path}")
        tab.get_by_role("heading", name=title, exact=True).first.wait_for()
        expect(tab).to_have_url(re.compile(rf"/{'video' if path == '/' else path[1:]}$"))
        assert tab.get_by_text("Page not found").count() == 0, path
    tab.goto(f"{studio_url}/admin")  # not hers: says whose page it is, hidden from her menu
    tab.get_by_text("This page is for the studio's admins.").wait_for()
    menu = tab.locator("[data-testid=stSidebarNav] a")
    expect(menu.filter(has_text="Admin")).to_have_count(0)
    expect(menu.filter(has_text="Text to video")).to_have_count(1)  # "/" is no second entry
    expect(menu.filter(has_text="Text to video")).to_have_attribute("href", re.compile("/video$"))
    # Enter in the token's name makes it; its one-time secret stays until dismissed, even
    # through the next click on "Create token" (the name now empty, refused).
    tab.goto(f"{studio_url}/account")
    name = tab.get_by_label("Name of the new token")
    name.fill("laptop")
    name.press("Enter")
    secret = tab.locator("[data-testid=stCode]").first
    expect(secret).to_contain_text("studio_")
    tab.get_by_role("button", name="Create token").click()
    tab.get_by_text("is not one", exact=False).wait_for()  # the empty name, refused
    wait_until_idle(tab)
    expect(secret).to_contain_text("studio_")
    tab.get_by_role("button", name="I have copied it: hide").click()
    expect(tab.locator("[data-testid=stCode]")).to_have_count(0)
    tab.close()

    page.get_by_role("button", name="Log out").click()
    page.get_by_label("Login name").wait_for()
    assert all(c["name"] != "studio_login" for c in context.cookies())

    thief, thief_page, _ = new_page(browser)
    thief.add_cookies([cookie])  # the cookie as it was copied before the logout
    thief_page.goto(f"{studio_url}/library")
    thief_page.get_by_label("Login name").wait_for()  # refused: the login form again
    assert urlsplit(thief_page.url).path == "/auth/login"
    assert recorder.hosts == {urlsplit(studio_url).netloc}
    thief.close()
    context.close()


def _downloaded(context: Any, page: Any, save_to: Path) -> Path:
    """Click the first Download button (a link to /files/<id>/download) and keep the file."""
    downloads: list[Any] = []
    page.on("download", lambda download: downloads.append(download))
    context.on("page", lambda popup: popup.on("download", lambda d: downloads.append(d)))
    page.get_by_role("link", name="Download").first.click()
    deadline = time.monotonic() + 30
    while not downloads and time.monotonic() < deadline:
        page.wait_for_timeout(100)
    assert downloads, "no download started"
    target = save_to / downloads[0].suggested_filename
    downloads[0].save_as(target)
    return target


def test_make_a_video_and_a_track_that_nobody_else_can_fetch(
    studio_url: str, browser: Any, tmp_path: Path, nobody: Any
):
    context, page, recorder = new_page(browser, accept_downloads=True)
    page.goto(studio_url)
    fill_login(page, "ana", USERS["ana"])
    page.get_by_role("heading", name="Text to video").wait_for()

    # 1. A video: generate, watch it finish, download it.
    page.get_by_role("textbox", name="Prompt (English)").fill("a red fox running in the snow")
    page.get_by_role("button", name="Generate video").click()
    player = page.locator("video").first
    player.wait_for(timeout=WAIT_MS)
    page.screenshot(path=SHOTS / "video.png")
    # The result card says what made it: the prompt, and the seed it drew.
    page.get_by_text("a red fox running in the snow", exact=True).first.wait_for()
    page.get_by_text(re.compile(r"Video · [0-9.]+ s · generated · seed [0-9]+")).first.wait_for()
    video_url = player.get_attribute("src")
    assert video_url is not None and urlsplit(video_url).path.startswith("/files/")
    clip = _downloaded(context, page, tmp_path)
    assert clip.name.startswith("video-") and clip.name.endswith(
        "-a-red-fox-running-in-the-snow.mp4"
    )
    facts = probe_mp4(clip)
    assert (facts.codec, facts.pix_fmt, facts.frames) == ("h264", "yuv420p", 16)

    # 2. The player's URL: seekable (Range), privately cached, with the safe headers.
    whole = page.request.get(video_url)
    assert whole.status == 200 and whole.body() == clip.read_bytes()
    assert whole.headers["cache-control"].startswith("private")
    part = page.request.get(video_url, headers={"Range": "bytes=100-199"})
    assert part.status == 206 and part.body() == clip.read_bytes()[100:200]
    for answer in (whole, page.request.get(studio_url)):
        assert answer.headers["x-frame-options"] == "DENY"
        assert "frame-ancestors 'none'" in answer.headers["content-security-policy"]
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert answer.headers["referrer-policy"] == "same-origin"

    # 3. A track whose description is markup: shown as text, fetching nothing.
    page.get_by_role("link", name="Music").click()
    page.get_by_role("textbox", name="Description (English)").fill(MARKUP)
    page.get_by_role("button", name="Generate music").click()
    page.locator("audio").first.wait_for(timeout=WAIT_MS)
    track = _downloaded(context, page, tmp_path)
    assert track.name.startswith("music-") and track.suffix == ".wav"
    info = sf.info(str(track))
    assert info.samplerate == 32000 and abs(info.duration - 10.0) <= 0.02
    page.get_by_role("link", name="Library").click()
    page.get_by_role("heading", name="Library").wait_for()
    page.get_by_text(MARKUP).first.wait_for()  # the characters as typed
    assert page.locator(f"img[src*='{ELSEWHERE}'], a[href*='{ELSEWHERE}']").count() == 0
    page.screenshot(path=SHOTS / "library.png", full_page=True)

    # 4. Every other page renders; keep a picture of each.
    for name in ("Combine", "Text to video"):
        page.get_by_role("link", name=name).click()
        page.get_by_role("heading", name=name).first.wait_for()
        page.wait_for_load_state("networkidle")
        page.screenshot(path=SHOTS / f"{name.lower().replace(' ', '-')}.png", full_page=True)

    # 5. Nobody else gets ana's files: not ben, not a client with no cookie.
    file_urls = sorted({*recorder.paths("/files/"), video_url})
    media_urls = recorder.paths("/media/")
    assert media_urls == [], "a user file went through Streamlit's /media store"
    ben_context, ben_page, _ = new_page(browser)
    ben_page.goto(studio_url)
    fill_login(ben_page, "ben", USERS["ben"])
    ben_page.get_by_role("heading", name="Text to video").wait_for()
    for url in file_urls:
        assert ben_page.request.get(url).status == 404, url
        assert nobody.get(url).status == 403, url
    assert nobody.get(f"{studio_url}/media/0123456789abcdef.mp4").status == 403
    assert nobody.get(f"{studio_url}/_stcore/metrics").status == 404
    ben_context.close()

    assert recorder.hosts == {urlsplit(studio_url).netloc}, recorder.hosts
    context.close()


def _seed_library(data: Path, owner: str, count: int) -> None:
    """``count`` small uploads, oldest first, the first of them about a lighthouse."""
    catalog = Catalog(data / "catalog.sqlite3")
    umask = os.umask(0o077)  # private, as the studio writes its files
    try:
        for n in range(count):
            asset_id = new_id()
            relative = relative_asset_path(owner, asset_id, ".wav")
            write_asset(data, relative, b"RIFF" + n.to_bytes(4, "little") + b"WAVE")
            name = "the old lighthouse hum.wav" if n == 0 else f"take {n}.wav"
            catalog.assets.add(owner, "audio", relative, asset_id=asset_id,
                               params={"uploaded_as": name})  # fmt: skip
    finally:
        os.umask(umask)


def test_the_gallery_pages_through_300_files_finds_an_old_one_and_deletes_two(
    studio: RunningStudio, browser: Any
):
    AccountStore(studio.data / "catalog.sqlite3").add("cy", "cy-password-1")
    _seed_library(studio.data, "cy", 300)
    context, page, _ = new_page(browser)
    page.goto(f"{studio.url}/library")
    fill_login(page, "cy", "cy-password-1")
    page.get_by_role("heading", name="Library").wait_for()
    page.get_by_text("300 files · page 1 of 13").wait_for()
    assert page.get_by_text("the old lighthouse hum.wav").count() == 0  # the oldest: last page
    pager = page.get_by_role("spinbutton", name="Page")
    pager.fill("13")
    pager.press("Enter")
    page.get_by_text("300 files · page 13 of 13").wait_for()
    page.get_by_text("the old lighthouse hum.wav", exact=True).wait_for()
    page.screenshot(path=SHOTS / "gallery-last-page.png", full_page=True)

    search = page.get_by_label("Search prompts and file names")
    search.fill("lighthouse")
    search.press("Enter")
    page.get_by_text("1 file · page 1 of 1").wait_for()
    # Retried until the last page's stale card is gone: the search finds exactly one.
    expect(page.get_by_text("the old lighthouse hum.wav", exact=True)).to_have_count(1)
    search.fill("")
    search.press("Enter")
    page.get_by_text("300 files · page 1 of 13").wait_for()  # back to the first page

    boxes = page.get_by_role("checkbox", name="Select")
    boxes.nth(0).check(force=True)  # the box itself is hidden under Streamlit's styled one
    page.get_by_text("1 selected").wait_for()
    wait_until_idle(page)  # a click during that run's redraw once landed on a replaced box
    boxes.nth(1).check(force=True)  # check() retries until the box reads checked
    page.get_by_text("2 selected").wait_for()
    page.get_by_role("button", name="Delete selected").click()
    page.get_by_role("button", name="Yes, delete them").click()
    page.get_by_text("298 files · page").first.wait_for()
    assert Catalog(studio.data / "catalog.sqlite3").assets.count("cy") == 298
    context.close()


def test_a_foreign_page_cannot_frame_the_studio(studio_url: str, browser: Any):
    context, page, _ = new_page(browser)
    page.set_content(f'<iframe id="studio" src="{studio_url}/auth/login"></iframe>')
    page.wait_for_timeout(2000)
    frame = page.frame_locator("#studio")
    assert frame.get_by_label("Login name").count() == 0  # refused: X-Frame-Options DENY
    context.close()


def descendants(pid: int) -> list[int]:
    """Every process started under ``pid`` (the worker, the web server, ...)."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # it ended meanwhile
        parents[int(stat.parent.name)] = int(fields[1])
    found, frontier = [], [pid]
    while frontier:
        children = [child for child, parent in parents.items() if parent in frontier]
        found += children
        frontier = children
    return found


def test_the_data_is_private_and_no_process_holds_the_admin_password(studio: RunningStudio):
    # Runs after the tests above: a video and a track are on disk by now.
    mode = lambda path: path.stat().st_mode & 0o777  # noqa: E731
    assert mode(studio.data) == 0o700
    assert mode(studio.data / "catalog.sqlite3") == 0o600
    files = [p for p in (studio.data / "assets").rglob("*") if p.is_file()]
    assert len(files) >= 2, files
    assert {mode(p) for p in files} == {0o600}
    assert {mode(p) for p in (studio.data / "assets").rglob("*") if p.is_dir()} == {0o700}

    children = descendants(studio.pid)
    assert len(children) >= 2  # the worker and the web server at least
    for pid in [studio.pid, *children]:
        environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
        assert not any(v.startswith(b"STUDIO_ADMIN_PASSWORD=") for v in environ), pid

    log = studio.log.read_text()
    assert "Login failed: name 'boss'" in log  # the first test's wrong password, with its time
    assert PASSWORD not in log and "wrong-password" not in log


def test_a_melody_hummed_into_the_microphone_becomes_a_job_with_that_melody(
    studio: RunningStudio, playwright: Any, tmp_path: Path
):
    import json
    import re
    import sqlite3

    import numpy as np

    # Chromium's fake microphone plays this file: a hummed A, then a C.
    hum = tmp_path / "hum.wav"
    t = np.arange(2 * 48_000) / 48_000
    tone = 0.4 * np.sin(2 * np.pi * np.where(t < 1, 440.0, 261.63) * t)
    sf.write(str(hum), tone, 48_000, subtype="PCM_16")
    browser = playwright.chromium.launch(
        executable_path=playwright.chromium_path,
        args=[
            *CHROMIUM_ARGS,
            "--use-fake-ui-for-media-stream",
            "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-audio-capture={hum}",
        ],
    )
    context, page, recorder = new_page(browser, permissions=["microphone"])
    console: list[str] = []
    page.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
    page.goto(studio.url)
    fill_login(page, "ben", USERS["ben"])
    page.get_by_role("heading", name="Text to video").wait_for()
    page.get_by_role("link", name="Music").click()
    page.get_by_role("heading", name="Music").wait_for()
    assert page.locator("[data-testid=stAudioInput]").count() == 0  # musicgen-small: no melody

    page.locator("[data-testid=stSelectbox]").first.click()
    page.get_by_role("option", name=re.compile("^musicgen-melody")).click()
    widget = page.locator("[data-testid=stAudioInput]")
    widget.wait_for()  # the recorder, beside the file upload
    widget.get_by_role("button", name="Record").click()
    page.wait_for_timeout(2500)
    widget.get_by_role("button", name="Stop recording").click()
    page.wait_for_timeout(1000)
    page.screenshot(path=SHOTS / "music-melody-recorder.png", full_page=True)
    assert widget.get_by_text("An error has occurred").count() == 0, console

    page.get_by_role("textbox", name="Description (English)").fill("a hummed tune on a piano")
    page.get_by_role("button", name="Generate music").click()
    page.locator("audio").first.wait_for(timeout=WAIT_MS)

    with sqlite3.connect(studio.data / "catalog.sqlite3") as db:
        rows = db.execute("select params from jobs where owner = 'ben' and kind = 'music'")
        (params,) = [json.loads(row[0]) for row in rows]
        # The recording is one of ben's assets; the job names it by id, never by a path.
        (path,) = db.execute(
            "select path from assets where id = ? and owner = 'ben'", (params["melody_path"],)
        ).fetchone()
    assert params["model"] == "musicgen-melody"
    melody = sf.info(studio.data / path)
    assert melody.samplerate == 32_000 and melody.duration > 1.0  # recorded at 32 kHz
    local = [url for url in recorder.urls if not url.startswith("blob:")]  # the recording
    assert {urlsplit(url).netloc for url in local} == {urlsplit(studio.url).netloc}
    context.close()
    browser.close()
