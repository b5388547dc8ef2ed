"""The Storyboard page in a real browser (Chromium, Playwright, `python -m studio` on tiny
models): a person writes a 3-shot board with a soundtrack to make, renders it, watches
the board's progress, and gets one piece: H.264 + AAC, one chapter per shot at the
planned cuts, -14 LUFS."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from jobs.catalog import Catalog
from tests.board_checks import chapters, duration_s, integrated_loudness, media_codecs
from tests.fixtures.browser import (
    SHOTS,
    USERS,
    WAIT_MS,
    LaunchStudio,
    RunningStudio,
    fill_login,
    new_page,
    wait_until_idle,
)

TINY_SHOT = {"steps": 2, "height": 64, "width": 64}  # a tiny model makes it in a second
MUSIC = "musicgen-small"
VIDEO = "modelscope-t2v-1.7b"
PROMPTS = ["a fox wakes in a den", "a fox runs through snow", "a fox watches the moon"]


@pytest.fixture(scope="module")
def studio(launch_studio: LaunchStudio) -> RunningStudio:
    return launch_studio()


def test_a_board_typed_in_the_page_is_saved_as_written(studio: RunningStudio, chromium: Any):
    context, page, _ = new_page(chromium)
    page.goto(f"{studio.url}/storyboard")
    fill_login(page, "ben", USERS["ben"])
    page.get_by_role("heading", name="Storyboard").first.wait_for()
    wait_until_idle(page)
    page.get_by_role("textbox", name="Title").fill("Fox night")
    for index, prompt in enumerate(PROMPTS):
        if index:
            page.get_by_role("button", name="Add a shot").click()
            expect(page.get_by_role("textbox", name="Prompt")).to_have_count(index + 1)
            wait_until_idle(page)
        box = page.get_by_role("textbox", name="Prompt").nth(index)
        box.fill(prompt)
        box.press("Tab")  # Streamlit takes a text area's value when it loses focus
        wait_until_idle(page)
    page.get_by_role("button", name="↑").nth(2).click()  # the third shot moves up one
    expect(page.get_by_role("textbox", name="Prompt").nth(1)).to_have_value(PROMPTS[2])
    wait_until_idle(page)
    music = page.get_by_role("textbox", name="Describe the music")
    music.fill("calm piano at night")
    music.press("Tab")
    wait_until_idle(page)
    page.get_by_text("Crossfade", exact=True).click()
    wait_until_idle(page)
    page.get_by_role("button", name="Save").click()
    page.get_by_text("Saved.").wait_for()
    (board,) = Catalog(studio.data / "catalog.sqlite3").boards.list("ben")
    assert board.title == "Fox night"
    assert [s["prompt"] for s in board.spec["shots"]] == [PROMPTS[0], PROMPTS[2], PROMPTS[1]]
    assert board.spec["soundtrack"]["prompt"] == "calm piano at night"
    assert board.spec["cuts"] == "beats" and board.spec["transition"]["kind"] == "crossfade"
    context.close()


@pytest.mark.timeout(900)  # a soundtrack, three shots and the assembly on two shared cores
def test_a_three_shot_board_with_made_music_renders_into_one_piece(
    studio: RunningStudio, chromium: Any
):
    # Saved earlier (as the API takes it), with each shot's model params kept small.
    catalog = Catalog(studio.data / "catalog.sqlite3")
    shots = [
        {"prompt": p, "model": VIDEO, "seconds": 2.0, "seed": i, "continue": False,
         "params": TINY_SHOT}
        for i, p in enumerate(PROMPTS)
    ]  # fmt: skip
    soundtrack = {"model": MUSIC, "prompt": "calm piano at night", "lyrics": ""}
    spec = {"shots": shots, "soundtrack": soundtrack, "cuts": "beats",
            "transition": {"kind": "cut", "seconds": 0.0}}  # fmt: skip
    saved = catalog.boards.add("ana", "Fox night", spec)
    context, page, _ = new_page(chromium)
    page.goto(f"{studio.url}/storyboard")
    fill_login(page, "ana", USERS["ana"])
    page.get_by_role("heading", name="Storyboard").first.wait_for()
    wait_until_idle(page)
    page.get_by_text("Your boards (1)").click()
    page.get_by_test_id("stExpanderDetails").get_by_role("button", name="Open", exact=True).click()
    wait_until_idle(page)
    expect(page.get_by_role("textbox", name="Prompt").nth(2)).to_have_value(PROMPTS[2])
    page.get_by_role("button", name="Render").click()
    page.get_by_text("Rendering: each shot is a job in the queue.").wait_for()
    # The board's progress shows while the music, the 3 shots and the assembly run.
    page.get_by_text("Making the soundtrack").or_(page.get_by_text("Shots done")).first.wait_for()
    try:
        page.get_by_role("link", name="Download the piece").wait_for(timeout=3 * WAIT_MS)
    finally:
        page.screenshot(path=str(SHOTS / "storyboard.png"), full_page=True)
    page.get_by_text("The piece", exact=True).wait_for()

    board = catalog.boards.get(saved.id)
    assert board.status == "done", board.render
    plan = board.render["plan"]
    piece = catalog.assets.get(board.render["asset_id"])
    path = studio.data / piece.path
    assert media_codecs(path) == ("h264", "aac")
    assert abs(duration_s(path) - plan["seconds"]) <= 1 / plan["fps"] + 1e-3
    found = chapters(path)
    assert [title for _, title in found] == PROMPTS
    assert all(abs(s - c) <= 1 / plan["fps"] for (s, _), c in zip(found, plan["cuts"], strict=True))
    assert abs(integrated_loudness(path) - -14.0) <= 1.0
    # The piece plays from /files; each shot shows its poster once made.
    page.locator("video").first.wait_for()
    for number in (1, 2, 3):
        page.get_by_role("img", name=f"Shot {number}").or_(
            page.get_by_text(f"Shot {number}: done")
        ).first.wait_for()
    context.close()
