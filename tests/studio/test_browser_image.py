"""Image to video and Extend in a real browser (Chromium, tiny models): a picture uploaded
as the first frame becomes a clip; "Extend" on its card makes it one clip longer; a frame
of the clip can be taken as the next first frame."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from engines.media.frames import clip_shape, decode_frames
from jobs.assets import resolve_in
from jobs.catalog import Catalog
from tests.fixtures.browser import (
    SHOTS,
    USERS,
    WAIT_MS,
    LaunchStudio,
    RunningStudio,
    fill_login,
    new_page,
)
from tests.studio.test_browser_tour import choose_model, settled

MODEL = "wan2.2-ti2v-5b"


def set_low(page: Any, label: str, value: float) -> None:
    """A slider moved to its lowest value (Home), then up a step at a time to ``value``:
    a select slider of 4k+1 frames moves by index, not by value."""
    thumb = page.locator(f'input[type=range][aria-label="{label}"]')
    thumb.focus()
    thumb.press("Home")
    for _ in range(100):
        if float(thumb.get_attribute("aria-valuetext")) >= value:
            break
        thumb.press("ArrowRight")
    assert float(thumb.get_attribute("aria-valuetext")) == value, label
    settled(page)


@pytest.fixture(scope="module")
def studio(launch_studio: LaunchStudio) -> RunningStudio:
    return launch_studio()


def catalog_of(studio: RunningStudio) -> Catalog:
    return Catalog(studio.data / "catalog.sqlite3")


def test_a_picture_becomes_a_clip_that_extend_makes_longer(
    studio: RunningStudio, chromium: Any, tmp_path: Path
):
    context, page, _ = new_page(chromium)
    page.goto(studio.url)
    fill_login(page, "ana", USERS["ana"])
    page.get_by_role("heading", name="Text to video").wait_for()
    choose_model(page, MODEL)

    # 1. A picture as the first frame: 96x64 is cropped to the clip's 2:1.
    picture = tmp_path / "kite.png"
    Image.new("RGB", (96, 64), (200, 120, 30)).save(picture)
    uploader = page.locator("[data-testid=stFileUploader]", has_text="First frame")
    uploader.locator("input[type=file]").set_input_files(picture)
    page.get_by_text("First frame: cropped to 1280x704, centre.").wait_for()
    page.get_by_role("textbox", name="Prompt (English or Chinese)").fill("a kite over a beach")
    page.get_by_text("Advanced options").click()
    for label, value in (("Frames", 5), ("Inference steps", 2), ("Frames per second", 8),
                         ("Height (pixels)", 32), ("Width (pixels)", 64)):  # fmt: skip
        set_low(page, label, value)
    page.get_by_text("First frame: cropped to 64x32, centre.").wait_for()
    page.get_by_role("button", name="Generate video").click()
    page.locator("video").first.wait_for(timeout=WAIT_MS)
    page.get_by_text("a kite over a beach", exact=True).first.wait_for()
    page.screenshot(path=SHOTS / "image-to-video.png", full_page=True)
    (job,) = catalog_of(studio).jobs.list(owner="ana")
    image = catalog_of(studio).assets.get(job.params["image"])
    assert image is not None and image.output_type == "image" and image.owner == "ana"
    assert image.params["uploaded_as"] == "kite.png"

    # 2. Extend on the clip's card: the form on the video page, then one longer clip.
    settled(page)
    page.get_by_role("button", name="Extend", exact=True).first.click()
    page.get_by_role("heading", name="Extend a clip").wait_for()
    set_low(page, "Seconds to add", 0.5)
    page.get_by_role("button", name="Extend clip").click()
    page.get_by_role("heading", name="Your latest extensions").wait_for(timeout=WAIT_MS)
    section = page.locator("[data-testid=stVerticalBlock]", has_text="Your latest extensions")
    section.locator("video").last.wait_for(timeout=WAIT_MS)
    page.get_by_text(re.compile(r"Video · [0-9.]+ s · extended")).first.wait_for(timeout=WAIT_MS)
    page.screenshot(path=SHOTS / "extended.png", full_page=True)
    extended = next(j for j in catalog_of(studio).jobs.list(owner="ana") if j.kind == "extend")
    assert extended.status == "done" and extended.params["extend_from"] == job.asset_id
    clips = [catalog_of(studio).assets.get(str(j.asset_id)) for j in (job, extended)]
    paths = [resolve_in(studio.data, str(a.path)) for a in clips if a is not None]
    # 0.5 s at 8 fps is 4 frames: Wan makes 4k+1 (adds 4), LTX 8k+1 (adds 8), after the shared one.
    added = {"wan2.2-ti2v-5b": 4, "ltx-video-2b": 8}[extended.params["model"]]
    assert [len(decode_frames(p, clip_shape(p))) for p in paths] == [5, 5 + added]

    context.close()

    # 3. Later, the clip's last frame as the next first frame: an image asset of its own.
    context, page, _ = new_page(chromium)
    page.goto(studio.url)
    fill_login(page, "ana", USERS["ana"])
    page.get_by_role("heading", name="Text to video").wait_for()
    choose_model(page, MODEL)
    page.get_by_text("Advanced options").click()
    set_low(page, "Height (pixels)", 32)
    set_low(page, "Width (pixels)", 64)
    frame_from = page.locator("[data-testid=stExpander]", has_text="Or take a frame of one")
    frame_from.locator("summary").click()
    frame_from.get_by_text("Last frame", exact=True).click()
    settled(page)
    page.get_by_role("button", name="Use this frame").click()
    settled(page)
    page.screenshot(path=SHOTS / "frame-of-a-clip.png", full_page=True)
    # Chosen as the first frame: the only picture of the clip's own 64x32, kept as it is.
    page.get_by_text("First frame: kept at 64x32.").wait_for()
    frames = [a for a in catalog_of(studio).assets.list(owner="ana") if "frame_of" in a.params]
    assert len(frames) == 1 and frames[0].output_type == "image"
    context.close()
