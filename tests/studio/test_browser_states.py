"""Every page in a real browser while jobs stand in every state: Debian's Chromium against
`python -m studio` on tiny models, no Streamlit exception and no error box anywhere.

ana's long track holds the one worker (running, with its steps), her clip and a job
from the HTTP API wait behind it (queued); ben's jobs are done, failed, cancelled and a
group of three variations (tests/studio/job_states.py moves them with the catalog's own
transitions: with the worker busy, the keeper sends none of them). ana, ben and the
admin each visit every page; then ana cancels her track ("Cancelling…", then
"Cancelled") and her clip runs and shows its player.
"""

from __future__ import annotations

import json
import re
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from engines.catalog import AUDIO, DEFAULTS, VIDEO
from jobs.catalog.records import Job
from jobs.config import JobsConfig
from jobs.service import JobService
from studio.accounts.tokens import ApiTokens
from tests.fixtures.browser import (
    ADMIN,
    IDLE,
    PASSWORD,
    SHOTS,
    USERS,
    WAIT_MS,
    LaunchStudio,
    RunningStudio,
    fill_login,
    new_page,
)
from tests.studio.job_states import JobStates, Media

PAGES = ["Text to video", "Music", "Combine", "Library", "My account"]
EXCEPTION = "[data-testid=stException]"
ERROR_BOX = "[data-testid=stAlertContentError]"
LONG_TRACK_S = 300  # the longest a track may be: it holds the worker while pages are visited


@pytest.fixture(scope="module")
def studio(launch_studio: LaunchStudio) -> RunningStudio:
    # A job marked running by the test has no worker beating for it: not given up meanwhile.
    return launch_studio(STUDIO_JOBS_STALE_S="3600")


def jobs_api(studio: RunningStudio) -> JobService:
    env = {"STUDIO_DATA_DIR": str(studio.data), "STUDIO_MODELS": "tiny", "STUDIO_DEVICE": "cpu"}
    return JobService(JobsConfig.from_env(env))


def wait_for(api: JobService, job_id: str, done: Callable[[Job], bool], what: str) -> Job:
    """Poll the catalog until ``done(job)``; the page is never waited on by the clock."""
    deadline = time.monotonic() + WAIT_MS / 1000
    while True:
        job = api.get(job_id)
        assert job is not None
        if done(job):
            return job
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}: {job.status} {job.error}")
        time.sleep(0.25)


def submit_by_http(studio: RunningStudio, owner: str) -> str:
    """A job as a script sends it: a bearer token and JSON to /api/v1/jobs."""
    token = ApiTokens(studio.data / "catalog.sqlite3").create(owner, "script")
    body = {"model": DEFAULTS[VIDEO], "params": {"prompt": "a fox from a script", "steps": 2}}
    request = urllib.request.Request(
        f"{studio.url}/api/v1/jobs",
        data=json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as answer:
        assert answer.status == 201
        return str(json.loads(answer.read())["id"])


def open_page(page: Any, name: str) -> None:
    """Go to a page by the menu (unless it is open); wait until its script run has ended.

    The new page's heading comes from the new run, so "not running" after it is that
    run's end; the page already open is not clicked again, which gives no such sign.
    """
    heading = page.get_by_role("heading", name=name, exact=True, level=1)  # not "Your latest ..."
    if not heading.is_visible():
        page.get_by_role("link", name=name, exact=True).click()
    heading.wait_for()
    page.locator(IDLE).wait_for()


def no_error_on(page: Any, where: str) -> None:
    exceptions = page.locator(EXCEPTION)
    assert exceptions.count() == 0, (where, exceptions.all_inner_texts())
    errors = page.locator(ERROR_BOX)
    assert errors.count() == 0, (where, errors.all_inner_texts())


def visit_every_page(browser: Any, studio: RunningStudio, user: str, password: str) -> None:
    context, page, _ = new_page(browser, viewport={"width": 1280, "height": 1400})
    page.goto(studio.url)
    fill_login(page, user, password)
    page.get_by_role("heading", name="Text to video").wait_for()
    for name in PAGES + (["Admin"] if user == ADMIN else []):
        open_page(page, name)
        if (user, name) == ("ben", "Text to video"):  # his group: each clip on the page once
            page.get_by_role("heading", name="Variations").wait_for()
            page.locator("video").nth(2).wait_for()
            sources = page.locator("video").evaluate_all("players => players.map(p => p.src)")
            assert len(sources) >= 3 and len(set(sources)) == len(sources), sources
        no_error_on(page, f"{user} on {name}")
        shot = SHOTS / f"states-{user}-{name.lower().replace(' ', '-')}.png"
        page.screenshot(path=shot, full_page=True)
    context.close()


def test_every_page_with_jobs_in_every_state_shows_no_error_box(
    studio: RunningStudio, chromium: Any, tmp_path: Path
):
    api = jobs_api(studio)
    states = JobStates(api, studio.data, Media(tmp_path / "media"))
    drone = {"description": "a slow drone", "duration": LONG_TRACK_S}
    running = states.submit("ana", DEFAULTS[AUDIO], drone)
    wait_for(api, running, lambda j: j.status == "running" and j.total > 0, "the long track")
    queued = states.submit("ana", DEFAULTS[VIDEO], JobStates.video())
    from_api = submit_by_http(studio, "ana")
    for state in ("combine", "done", "failed", "cancelled", "variations-done"):  # group last
        states.make("ben", state)
    assert {api.get(i).status for i in (queued, from_api)} == {"queued"}  # type: ignore[union-attr]

    for user, password in [*USERS.items(), (ADMIN, PASSWORD)]:
        visit_every_page(chromium, studio, user, password)
    assert api.get(running).status == "running", "the track ended before every visit"  # type: ignore[union-attr]

    # ana sees her track's steps, cancels it, and her clip runs and shows its player.
    context, page, _ = new_page(chromium)
    page.goto(studio.url)
    fill_login(page, "ana", USERS["ana"])
    page.get_by_role("heading", name="Text to video").wait_for()
    page.get_by_text(re.compile(r"Queued: .* in the queue")).first.wait_for()
    open_page(page, "Music")
    page.get_by_text(re.compile(r"step \d+ of \d+")).first.wait_for()
    page.get_by_role("button", name="Cancel").click()
    page.get_by_text("Cancelling…").or_(page.get_by_text("Cancelled")).first.wait_for()
    page.get_by_text("Cancelled", exact=True).wait_for(timeout=WAIT_MS)
    no_error_on(page, "ana on Music after her cancel")
    wait_for(api, queued, lambda j: j.status == "done", "ana's clip")
    open_page(page, "Text to video")
    page.get_by_role("link", name="Download").first.wait_for(timeout=WAIT_MS)
    no_error_on(page, "ana on Text to video with her clip done")
    context.close()
    api.close()
