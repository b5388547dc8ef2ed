"""The fair queue as a person meets it: a refused submit over the limit on the page, the
queue position and start estimate in the job panel, an admin raising a user's limit."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from jobs.config import JobsConfig
from jobs.service import JobService
from tests.fixtures.studio import ADMIN, ADMIN_PASSWORD, USERS, log_in, open_app, rerun_until
from tests.jobs.harness import submit_video


def studio_api() -> JobService:
    """The job system the app under test uses (same data dir, from the environment)."""
    return JobService(JobsConfig.from_env())


def progress_texts(app) -> list[str]:  # type: ignore[no-untyped-def]
    return [element.proto.text for element in app.get("progress")]


def test_a_submit_over_the_limit_shows_an_error_and_queues_nothing(studio_data: Path):
    api = studio_api()
    try:
        for n in range(4):  # no worker runs: they wait
            submit_video(api, "ana", {"prompt": f"clip {n}", "num_frames": 1, "steps": 1})
        app = log_in(open_app(), "ana", USERS["ana"])
        app.text_area(key="video_prompt").input("a fifth one")
        app.button(key="video_generate").click().run()

        assert not app.exception
        (error,) = app.error
        assert error.value.startswith("You have 4 jobs waiting, the most allowed;")
        assert len(api.list("ana")) == 4
        assert "a fifth one" not in str([m.value for m in app.markdown])
        # Each waiting job shows its place in the queue; nothing similar ran yet.
        texts = progress_texts(app)
        assert sorted(texts) == [
            f"Queued: {place} in the queue · no estimate yet"
            for place in ("1st", "2nd", "3rd", "4th")
        ]  # every active job is listed
    finally:
        api.close()


def test_an_admin_raises_a_users_limit_on_the_admin_page(studio_data: Path):
    api = studio_api()
    try:
        admin = log_in(open_app(), ADMIN, ADMIN_PASSWORD)
        admin.switch_page("app_pages/admin.py").run()
        admin.selectbox(key="admin_account").select("ana").run()
        admin.number_input(key="admin_max_queued_ana").set_value(6)
        admin.number_input(key="admin_daily_gpu_ana").set_value(3600.0)
        admin.number_input(key="admin_cost_allowance_ana").set_value(2.5)
        next(b for b in admin.button if b.label == "Save limits").click().run()

        assert not admin.exception and not admin.error
        assert "Saved the limits of ana." in [s.value for s in admin.success]
        limits = api.limits("ana")
        assert (limits.max_queued, limits.daily_gpu_seconds, limits.cost_allowance) == (
            6,
            3600.0,
            2.5,
        )
        assert api.limits("ben").max_queued == 4  # the others keep the default
        assert api.limits("ben").cost_allowance == 1.0
        for n in range(6):
            submit_video(api, "ana", {"prompt": f"clip {n}", "num_frames": 1, "steps": 1})
    finally:
        api.close()


def test_the_panel_says_when_a_waiting_job_should_start_or_that_it_cannot_tell():
    from studio.ui.components.job_panel import start_estimate

    assert start_estimate(None) == "no estimate yet"
    assert start_estimate(0.0) == "starts any moment"
    assert start_estimate(75.4) == "starts in about 1:15"


@pytest.mark.slow  # two 40-step jobs for an estimate
def test_a_waiting_job_shows_its_start_estimate_once_a_similar_job_ran(
    studio_data: Path, live_jobs
):
    similar = {"prompt": "similar", "num_frames": 4, "steps": 40, "height": 64, "width": 64}
    live_jobs.wait([submit_video(live_jobs.api, "ana", similar)])  # the history it uses
    app = log_in(open_app(), "ana", USERS["ana"])
    running = submit_video(live_jobs.api, "ana", similar)
    waiting = submit_video(live_jobs.api, "ana", similar)

    def one_waiting_with_an_estimate(page) -> bool:  # type: ignore[no-untyped-def]
        queued = [text for text in progress_texts(page) if text.startswith("Queued")]
        return len(queued) == 1 and "starts in about" in queued[0]

    app = rerun_until(app, one_waiting_with_an_estimate, timeout=30)
    (line,) = [text for text in progress_texts(app) if text.startswith("Queued")]
    assert re.fullmatch(r"Queued: 1st in the queue · starts in about \d+:\d\d", line), line
    live_jobs.wait([running, waiting])
