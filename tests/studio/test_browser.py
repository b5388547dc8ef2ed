"""The studio in a real browser: Debian's Chromium driven by Playwright, tiny models.

Starts `python -m studio` (keeper, worker and Streamlit, as `make run` does) on a free
port, logs in, makes a video and a track, downloads both and checks the files.
Screenshots of every page land in test-output/screenshots/.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
import soundfile as sf

from tests.jobs.harness import free_port
from tests.mp4_probe import probe_mp4
from tests.required_tools import require_tool

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "test-output" / "screenshots"
ADMIN, PASSWORD = "boss", "boss-password-1"
# Flags for a sandboxed machine with no network: no first-run UI, no background calls.
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WAIT_MS = 180_000  # a job on two shared CPU cores, the first one loading its model


@pytest.fixture
def studio_url(tmp_path: Path, tiny_models_dir: Path) -> Iterator[str]:
    data = tmp_path / "data"
    data.mkdir()
    (data / "tiny-models").symlink_to(tiny_models_dir, target_is_directory=True)
    port = free_port()
    env = {
        **os.environ,
        "STUDIO_DATA_DIR": str(data),
        "STUDIO_MODELS": "tiny",
        "STUDIO_DEVICE": "cpu",
        "STUDIO_PORT": str(port),
        "STUDIO_COOKIE_KEY": "browser-test-key-" + "y" * 32,
        "STUDIO_ADMIN_USER": ADMIN,
        "STUDIO_ADMIN_PASSWORD": PASSWORD,
    }
    env.pop("STUDIO_REDIS_URL", None)
    log = (tmp_path / "studio.log").open("w")
    studio = subprocess.Popen(
        [sys.executable, "-m", "studio"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, studio, tmp_path / "studio.log")
        yield url
    finally:
        os.killpg(studio.pid, signal.SIGTERM)
        try:
            studio.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(studio.pid, signal.SIGKILL)
        log.close()


def _wait_healthy(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the studio exited: {log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise AssertionError(f"the studio did not answer: {log.read_text()[-2000:]}")


def test_log_in_make_a_video_and_a_track_and_download_them(studio_url: str, tmp_path: Path):
    chromium = require_tool("chromium")
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900}, accept_downloads=True)
        page.set_default_timeout(60_000)
        # A fresh server's first session meets Streamlit's legacy page mode once; warm it.
        page.goto(studio_url)
        page.get_by_label("Login name").wait_for()

        # 1. A deep link while logged out shows the login form and nothing else.
        page.goto(f"{studio_url}/admin-panel")
        page.get_by_label("Login name").wait_for()
        assert page.get_by_text("Logged in as").count() == 0
        assert page.locator("[data-testid=stSidebarNav]").count() == 0
        page.screenshot(path=SHOTS / "login.png")

        # 2. Wrong password refused, right one admitted.
        page.get_by_label("Login name").fill(ADMIN)
        page.locator("input[type=password]").fill("wrong-password")
        page.get_by_role("button", name="Log in").click()
        page.get_by_text("do not match an active account").wait_for()
        page.locator("input[type=password]").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.get_by_text("Logged in as").wait_for()

        # 3. A video: generate, watch it finish, download it.
        page.get_by_role("link", name="Text to video").click()
        page.get_by_role("textbox", name="Prompt (English)").fill("a red fox running in the snow")
        page.get_by_role("button", name="Generate video").click()
        page.locator("video").first.wait_for(timeout=WAIT_MS)
        page.screenshot(path=SHOTS / "video.png")
        with page.expect_download() as download_info:
            page.get_by_role("button", name="Download").first.click()
        download = download_info.value
        assert download.suggested_filename.startswith("video-")
        assert download.suggested_filename.endswith("-a-red-fox-running-in-the-snow.mp4")
        clip = tmp_path / download.suggested_filename
        download.save_as(clip)
        facts = probe_mp4(clip)
        assert (facts.codec, facts.pix_fmt, facts.frames) == ("h264", "yuv420p", 16)

        # 4. A track: generate, download, check it is a 32 kHz WAV of the asked length.
        page.get_by_role("link", name="Music").click()
        page.get_by_role("textbox", name="Description (English)").fill("calm piano and soft rain")
        page.get_by_role("button", name="Generate music").click()
        page.locator("audio").first.wait_for(timeout=WAIT_MS)
        page.screenshot(path=SHOTS / "music.png")
        with page.expect_download() as download_info:
            page.get_by_role("button", name="Download").first.click()
        track = tmp_path / download_info.value.suggested_filename
        download_info.value.save_as(track)
        assert track.name.startswith("music-") and track.suffix == ".wav"
        info = sf.info(str(track))
        assert info.samplerate == 32000 and abs(info.duration - 10.0) <= 0.02

        # 5. Every other page renders; keep a picture of each.
        for name, title in [("Combine", "Combine"), ("Library", "Library"), ("Admin", "Admin")]:
            page.get_by_role("link", name=name).click()
            page.get_by_role("heading", name=title).first.wait_for()
            page.wait_for_load_state("networkidle")  # tables paint after the page loads
            page.wait_for_timeout(500)
            page.screenshot(path=SHOTS / f"{name.lower()}.png", full_page=True)
        browser.close()
