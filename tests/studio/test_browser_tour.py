"""The README's tour, done in a real browser: Debian's Chromium driven by Playwright
against `python -m studio` on tiny models. Each test ends in the screenshot the README
shows (test-output/screenshots/; `make screenshots` copies them into docs/screenshots/)
and checks what that screenshot shows.

- Two people share the one worker: ana queues a 3-minute MusicGen track and more, ben
  one short track; ben's job goes before ana's second, ana's submit over her limit is
  refused, and the 3-minute track (180 s, 32 kHz mono) plays from her Library.
- Three variations of one clip side by side, each with its seed.
- A clip downloaded from the studio and dropped back fills the form with its prompt.
- A song with lyrics (ACE-Step) and an ambience (Stable Audio) from the Music page.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest
import soundfile as sf
from PIL import Image
from playwright.sync_api import expect

from engines.catalog import CATALOG
from jobs.catalog import Catalog
from jobs.catalog.records import Job
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

MAX_QUEUED = 3  # ana's limit here: the one running job plus three waiting fill it
# The 3-minute track: it keeps the worker busy while the others queue.
LONG_TRACK, LONG_TRACK_S = "slow ambient synth", 180
CLIP_FRAMES, CLIP_STEPS = 8, 4
FOX = "a red fox running through fresh snow, golden hour"


@pytest.fixture(scope="module")
def studio(launch_studio: LaunchStudio) -> RunningStudio:
    return launch_studio(STUDIO_MAX_QUEUED_PER_USER=str(MAX_QUEUED))


def logged_in(
    browser: Any, studio: RunningStudio, user: str, page_name: str, height: int = 900
) -> tuple[Any, Any]:
    """A person of their own (own cookies), logged in by the form, on ``page_name``."""
    context, page, _ = new_page(browser, viewport={"width": 1280, "height": height})
    page.goto(studio.url)
    fill_login(page, user, USERS[user])
    page.get_by_role("heading", name="Text to video").wait_for()
    if page_name != "Text to video":
        page.get_by_role("link", name=page_name).click()
        page.get_by_role("heading", name=page_name).wait_for()
    return context, page


def set_slider(page: Any, label: str, value: float) -> None:
    """Move a slider by keyboard, as a person without a mouse does: big steps, then small.

    Its shown value (aria-valuetext) is what counts: a select slider's input holds an index.
    """
    # By its exact label: "Frames" is not "Frames per second".
    thumb = page.locator(f'input[type=range][aria-label="{label}"]')
    thumb.focus()
    page_size = (float(thumb.get_attribute("max")) - float(thumb.get_attribute("min"))) / 10
    shown = lambda: float(thumb.get_attribute("aria-valuetext"))  # noqa: E731
    for _ in range(200):
        gap = value - shown()
        if gap == 0:
            settled(page)
            return
        big = abs(gap) > max(page_size, 1)  # PageUp moves a tenth of the range
        keys = ("PageUp", "PageDown") if big else ("ArrowRight", "ArrowLeft")
        thumb.press(keys[0] if gap > 0 else keys[1])
    raise AssertionError(f"the {label!r} slider did not reach {value}: it shows {shown()}")


def settled(page: Any) -> None:
    """Wait for the script run a change started to end (stale widgets are gone then)."""
    page.wait_for_timeout(100)  # the run a change asks for starts after a round trip
    page.locator("[data-testid=stApp][data-test-script-state=notRunning]").wait_for()


def choose_model(page: Any, name: str) -> None:
    page.locator("[data-testid=stSelectbox]").first.click()
    page.get_by_role("option", name=re.compile(f"^{re.escape(name)} ")).click()
    page.get_by_text(CATALOG[name].description, exact=False).first.wait_for()
    settled(page)


def short_clip_options(page: Any) -> None:
    """8 frames in 4 steps: a clip the tiny model makes in seconds on two shared cores."""
    page.get_by_text("Advanced options").click()
    set_slider(page, "Frames", CLIP_FRAMES)
    set_slider(page, "Inference steps", CLIP_STEPS)


def generate_music(page: Any, description: str) -> None:
    page.get_by_role("textbox", name=re.compile("description", re.I)).fill(description)
    page.get_by_role("button", name="Generate music").click()


def queue_music(page: Any, studio: RunningStudio, owner: str, description: str) -> None:
    """Generate, then wait for the job's panel, as a person does before the next click."""
    generate_music(page, description)

    def made() -> bool:
        return any(job.params["description"] == description for job in jobs_of(studio, owner))

    wait_until(made, f"the job {description!r}", timeout_s=30)
    page.locator("[data-testid=stText]", has_text=description).first.wait_for()


def jobs_of(studio: RunningStudio, owner: str) -> list[Job]:
    """The owner's jobs, oldest first, as the catalog has them."""
    return list(reversed(Catalog(studio.data / "catalog.sqlite3").jobs.list(owner=owner)))


def wav_of(studio: RunningStudio, job: Job) -> Any:
    asset = Catalog(studio.data / "catalog.sqlite3").assets.get(job.output_id)
    assert asset is not None, job
    return sf.info(str(studio.data / asset.path))


def wait_until(done: Callable[[], bool], what: str, timeout_s: float = WAIT_MS / 1000) -> None:
    deadline = time.monotonic() + timeout_s
    while not done():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.25)


def plays_for(player: Any) -> float:
    """The length the browser itself reads from a player's file, in seconds."""
    player.wait_for()
    player.page.wait_for_function("p => p.readyState >= 1", arg=player.element_handle())
    return float(player.evaluate("p => p.duration"))


def side_by_side(left: Path, right: Path, out: Path) -> None:
    """Two people's screens in one picture, as the README shows them."""
    images = [Image.open(left), Image.open(right)]
    gap = 16
    joined = Image.new(
        "RGB",
        (sum(i.width for i in images) + gap, max(i.height for i in images)),
        "white",
    )
    joined.paste(images[0], (0, 0))
    joined.paste(images[1], (images[0].width + gap, 0))
    joined.save(out)


def test_two_people_share_the_worker_fairly_and_a_submit_over_the_limit_is_refused(
    studio: RunningStudio, chromium: Any
):
    ana_context, ana = logged_in(chromium, studio, "ana", "Music", height=1100)
    ben_context, ben = logged_in(chromium, studio, "ben", "Music", height=1100)

    # 1. ana's 3-minute track takes the worker.
    set_slider(ana, "Duration (seconds)", LONG_TRACK_S)
    queue_music(ana, studio, "ana", LONG_TRACK)
    running = lambda: [job.status for job in jobs_of(studio, "ana")] == ["running"]  # noqa: E731
    wait_until(running, "the long track to start")

    # 2. Three short ones wait behind it: ana's limit; a fourth is refused on the page.
    set_slider(ana, "Duration (seconds)", 1)
    for n in range(1, MAX_QUEUED + 1):
        queue_music(ana, studio, "ana", f"short sting number {n}")
    generate_music(ana, "one too many")
    refusal = ana.get_by_text(f"You have {MAX_QUEUED} jobs waiting, the most allowed;")
    refusal.wait_for()
    refusal.scroll_into_view_if_needed()
    ana.screenshot(path=SHOTS / "tour-limit-refused.png")
    assert [job.params["description"] for job in jobs_of(studio, "ana")] == [
        LONG_TRACK,
        *(f"short sting number {n}" for n in range(1, MAX_QUEUED + 1)),
    ]  # the refused one made no job

    # 3. ben's one job goes ahead of ana's second: he was served least recently.
    set_slider(ben, "Duration (seconds)", 1)
    queue_music(ben, studio, "ben", "ben's doorbell jingle")
    ben_place = ben.get_by_text(re.compile(r"Queued: 1st in the queue"))
    ben_place.wait_for()
    ana.get_by_text(re.compile(r"Queued: 2nd in the queue")).wait_for()  # was 1st
    for page in (ana, ben):
        page.get_by_role("heading", name="Your latest").evaluate(
            "heading => heading.scrollIntoView({block: 'start'})"
        )
    ana.screenshot(path=SHOTS / "tour-ana.png")
    ben.screenshot(path=SHOTS / "tour-ben.png")
    side_by_side(SHOTS / "tour-ana.png", SHOTS / "tour-ben.png", SHOTS / "tour-two-people.png")
    assert jobs_of(studio, "ana")[0].status == "running"  # the pictures show a busy worker

    # 4. Everything runs; the order the worker served them in is the fair one.
    ben_context.close()  # fewer live pages: the worker gets the cores
    ana.get_by_role("link", name="Library").click()
    everyone = lambda: jobs_of(studio, "ana") + jobs_of(studio, "ben")  # noqa: E731
    wait_until(lambda: all(job.status == "done" for job in everyone()), "every job")
    long_track, *ana_short = jobs_of(studio, "ana")
    (ben_job,) = jobs_of(studio, "ben")
    assert ben_job.started_at is not None and ana_short[0].started_at is not None
    assert long_track.started_at < ben_job.started_at < ana_short[0].started_at  # type: ignore[operator]

    # 5. The 3-minute track, 180 s of 32 kHz mono, opens in ana's Library with its player.
    info = wav_of(studio, long_track)
    assert (info.samplerate, info.channels) == (32_000, 1)
    assert abs(info.duration - LONG_TRACK_S) <= 0.02  # within one codec frame
    search = ana.get_by_label("Search prompts and file names")
    search.fill(LONG_TRACK)
    search.press("Enter")
    ana.get_by_text("1 file · page 1 of 1").wait_for()
    wait_until_idle(ana)
    ana.locator("[data-testid=stButton] button", has_text="Open").click()  # not a picker's
    dialog = ana.get_by_role("dialog")
    dialog.get_by_text(
        re.compile(r"Track · 180\.0 s · generated · seed \d+ · musicgen-small")
    ).wait_for()
    assert plays_for(dialog.locator("audio")) == pytest.approx(LONG_TRACK_S, abs=0.05)
    ana.screenshot(path=SHOTS / "tour-musicgen-180s.png")
    ana_context.close()


def test_three_variations_show_side_by_side_with_their_seeds(studio: RunningStudio, chromium: Any):
    context, page = logged_in(chromium, studio, "ben", "Text to video", height=1000)
    page.get_by_role("textbox", name="Prompt (English)").fill("a lighthouse at dusk, waves")
    short_clip_options(page)
    page.get_by_role("checkbox", name="Random seed").uncheck(force=True)
    seed = page.get_by_role("spinbutton", name="Seed")
    seed.fill("7")
    seed.press("Enter")
    set_slider(page, "Variations", 3)
    page.get_by_role("button", name="Generate video").click()

    grid = page.get_by_role("heading", name="Variations")
    grid.wait_for()
    keep = page.get_by_role("button", name="Keep this one")
    wait_until(lambda: keep.count() == 3, "three finished variations")
    for n in (7, 8, 9):
        page.get_by_text(f"Seed {n}", exact=True).wait_for()
    grid.evaluate("heading => heading.scrollIntoView({block: 'start'})")
    page.screenshot(path=SHOTS / "tour-variations.png")
    # Side by side: three players on one row, in seed order.
    boxes = [page.get_by_text(f"Seed {n}", exact=True).bounding_box() for n in (7, 8, 9)]
    assert len({round(box["y"]) for box in boxes}) == 1
    assert boxes[0]["x"] < boxes[1]["x"] < boxes[2]["x"]
    assert page.locator("video").count() >= 3
    seeds = sorted(job.params["seed"] for job in jobs_of(studio, "ben") if job.kind == "video")
    assert seeds[-3:] == [7, 8, 9]
    context.close()


def test_a_downloaded_clip_dropped_back_on_text_to_video_fills_the_form(
    studio: RunningStudio, chromium: Any, tmp_path: Path
):
    context, page = logged_in(chromium, studio, "ana", "Text to video")
    page.get_by_role("textbox", name="Prompt (English)").fill(FOX)
    short_clip_options(page)
    page.get_by_role("button", name="Generate video").click()
    page.locator("video").first.wait_for(timeout=WAIT_MS)
    link = page.get_by_role("link", name="Download").first.get_attribute("href")
    assert link is not None
    answer = page.request.get(urljoin(studio.url, link))  # what Download saves, ana's cookie
    assert answer.status == 200
    name = re.search(r'filename="?([^";]+)', answer.headers["content-disposition"])
    assert name is not None and name.group(1).endswith(".mp4")
    clip = tmp_path / name.group(1)
    clip.write_bytes(answer.body())
    context.close()

    # Later, in a fresh session: an empty form, then the file dropped on "Made with".
    context, page = logged_in(chromium, studio, "ana", "Text to video")
    prompt = page.get_by_role("textbox", name="Prompt (English)")
    expect(prompt).to_have_value("")
    page.locator("input[type=file]").set_input_files(clip)
    page.get_by_text(f"Filled the form with the settings of {clip.name}").wait_for()
    # The note is drawn above the form, so the browser may show it before the filled fields.
    expect(prompt).to_have_value(FOX)
    frames = page.locator('input[type=range][aria-label="Frames"]')  # in the closed expander
    expect(frames).to_have_attribute("aria-valuetext", str(CLIP_FRAMES))
    page.screenshot(path=SHOTS / "tour-made-with.png")
    assert urlsplit(link).path.startswith("/files/")
    context.close()


def test_a_studio_track_dropped_on_the_library_opens_music_with_its_settings(
    studio: RunningStudio, chromium: Any, tmp_path: Path
):
    from engines.media.settings_tag import embed_settings
    from jobs.assets import settings_for_file
    from tests.media_factory import make_tone

    # Tagged exactly as the keeper tags every track it stores.
    track = make_tone(tmp_path / "harbour-bells.wav")
    params = {"description": "bells across a foggy harbour", "duration": 6.0,
              "model": "musicgen-small", "seed": 2024}  # fmt: skip
    meta = {"model": "musicgen-small", "revision": None, "seed": 2024}
    embed_settings(track, settings_for_file("music", params, meta, []))

    context, page, recorder = new_page(chromium)
    page.goto(f"{studio.url}/library")
    fill_login(page, "ben", USERS["ben"])
    page.get_by_role("heading", name="Library").wait_for()
    page.locator("input[type=file]").set_input_files(str(track))
    page.get_by_role("heading", name="Music").wait_for()
    assert urlsplit(page.url).path == "/music"
    page.get_by_text("on the Music page with the settings of harbour-bells.wav").wait_for()
    description = page.get_by_role("textbox", name="Description (English)")
    expect(description).to_have_value("bells across a foggy harbour")
    page.screenshot(path=SHOTS / "made-with-library-drop.png", full_page=True)
    assert recorder.hosts == {urlsplit(studio.url).netloc}
    context.close()


SONG = """[verse]
Morning light on the harbour wall
[chorus]
Sing it loud, sing it all"""


@pytest.mark.parametrize(
    ("model", "duration", "rate", "channels", "shot"),
    [
        ("acestep-v1.5-turbo", 60, 48_000, 2, "tour-acestep-60s.png"),
        ("stable-audio-open-1.0", 20, 44_100, 2, "tour-stable-audio-20s.png"),
    ],
)
def test_a_song_with_lyrics_and_an_ambience_come_out_of_the_music_page(
    studio: RunningStudio,
    chromium: Any,
    model: str,
    duration: int,
    rate: int,
    channels: int,
    shot: str,
):
    context, page = logged_in(chromium, studio, "ana", "Music")
    choose_model(page, model)
    if model.startswith("acestep"):
        page.get_by_role("textbox", name="Lyrics").fill(SONG)
        description = "upbeat pop, bright female vocals"
    else:
        description = "rain on a tin roof, distant thunder"
    set_slider(page, "Duration (seconds)", duration)
    generate_music(page, description)

    card = page.get_by_text(
        re.compile(rf"Track · {duration}\.0 s · generated · seed \d+ · {re.escape(model)}")
    )
    card.first.wait_for(timeout=WAIT_MS)
    card.first.scroll_into_view_if_needed()
    newest = page.locator("audio").first  # "Your latest" lists the newest first
    assert plays_for(newest) == pytest.approx(duration, abs=0.05)
    page.screenshot(path=SHOTS / shot)
    (job,) = [j for j in jobs_of(studio, "ana") if j.params.get("model") == model]
    info = wav_of(studio, job)
    assert (info.samplerate, info.channels) == (rate, channels)
    assert abs(info.duration - duration) <= 0.02
    if model.startswith("acestep"):
        assert job.params["lyrics"] == SONG
    # The page opened on MusicGen (guidance 3): the switch must show this model's own.
    assert job.params["guidance_scale"] == CATALOG[model].default_of("guidance_scale")
    context.close()
