"""Isolation: nobody sees, downloads, cancels or deletes another user's jobs or files, by
the page API, the pages' back end, or a page holding a guessed id; admins excepted.

Already proven elsewhere: tests/jobs/test_api.py (owner-only cancel and asset access, file
params must be the owner's) and tests/studio/test_pages.py (another user's library and
recent jobs stay hidden). Here: every call, with real and guessed ids, and the admin view.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from engines.errors import ParamError
from jobs.catalog.records import CANCELLED, QUEUED
from jobs.owned_assets import NotFound
from jobs.service import JobService, NotAllowed
from studio.accounts.login_cookie import CurrentUser
from tests.fixtures.studio import ADMIN, ADMIN_PASSWORD, USERS, log_in, open_app
from tests.jobs.harness import MODELSCOPE, submit_video

GUESSES = 500  # random ids tried per call


def tiny_video(prompt: str) -> dict[str, Any]:
    return {"prompt": prompt, "num_frames": 2, "steps": 1, "height": 64, "width": 64}


def near_misses(real_id: str) -> list[str]:
    """Ids one character off the real one, its prefix, and case or padding tricks."""
    flipped = [
        real_id[:i] + ("0" if real_id[i] != "0" else "1") + real_id[i + 1 :] for i in (0, 31)
    ]
    return [*flipped, real_id[:8], real_id.upper(), f" {real_id}", f"{real_id}%", "*", "%"]


def test_another_users_job_cannot_be_read_or_cancelled_by_its_id_or_a_guess(api: JobService):
    job_id = submit_video(api, "ana", tiny_video("ana's secret lighthouse"))
    assert api.get(job_id, "ben") is None
    assert all(j.id != job_id for j in api.list("ben"))
    with pytest.raises(NotAllowed):
        api.cancel(job_id, "ben")
    for guess in [*near_misses(job_id), *(uuid.uuid4().hex for _ in range(GUESSES))]:
        assert api.get(guess, "ben") is None
        with pytest.raises(NotFound):
            api.cancel(guess, "ben")
    job = api.get(job_id, "ana")
    assert job is not None and job.status == QUEUED  # untouched by all of that

    assert api.get(job_id, "root", admin=True) is not None  # admins see and cancel any job
    assert api.cancel(job_id, "root", admin=True).status == CANCELLED


def test_another_users_asset_cannot_be_read_downloaded_or_deleted(api: JobService):
    asset = api.import_file("ana", b"ana's track", ".wav")
    calls: list[Callable[..., Any]] = [api.asset, api.asset_path, api.read_asset, api.delete_asset]
    for call in calls:
        for guess in [asset.id, *near_misses(asset.id), *(uuid.uuid4().hex for _ in range(50))]:
            with pytest.raises(NotFound):
                call(guess, "ben")
    assert api.assets("ben") == []
    assert api.read_asset(asset.id, "ana") == b"ana's track"  # nothing was lost

    # Nor used as an input of one of ben's jobs, by its id or its path.
    for named in (str(api.config.data_dir / asset.path), asset.id):
        with pytest.raises(ParamError, match="must be the id of one of your audio files"):
            api.submit("ben", "musicgen-melody", {"description": "a remix", "melody_path": named})
    assert api.list("ben") == []

    assert api.read_asset(asset.id, "root", admin=True) == b"ana's track"
    api.delete_asset(asset.id, "root", admin=True)
    assert api.assets("ana") == []


@pytest.fixture
def people(studio_data: Path) -> dict[str, CurrentUser]:
    return {
        "ana": CurrentUser("ana", "Ana", "user"),
        "ben": CurrentUser("ben", "Ben", "user"),
        "boss": CurrentUser("boss", "Boss", "admin"),
    }


def test_the_pages_back_end_scopes_every_call_to_the_user(people: dict[str, CurrentUser]):
    from studio.ui import backend

    ana, ben, boss = people["ana"], people["ben"], people["boss"]
    (job_id,) = backend.submit(ana, MODELSCOPE, tiny_video("ana's secret lighthouse"))
    asset = backend.job_service().import_file("ana", b"ana's clip", ".mp4")

    assert backend.get_job(ben, job_id) is None
    assert backend.recent_jobs(ben, "video", limit=10) == []
    assert backend.get_asset(ben, asset.id) is None
    assert backend.asset_file(ben, asset.id) is None
    assert backend.list_assets(ben) == []
    with pytest.raises(NotFound):
        backend.delete_asset(ben, asset.id)
    with pytest.raises(NotAllowed):
        backend.cancel_job(ben, job_id)
    for admin_only in (backend.all_jobs, backend.workers, backend.request_unload):
        with pytest.raises(PermissionError, match="Only admins"):
            admin_only(ben)

    assert [j.id for j in backend.all_jobs(boss)] == [job_id]
    assert backend.get_job(boss, job_id) is not None
    assert backend.asset_file(boss, asset.id) is not None
    assert backend.get_job(ana, job_id) is not None and backend.asset_file(ana, asset.id)


def test_a_page_holding_another_users_job_id_shows_nothing_of_it(studio_data: Path):
    from studio.ui import backend

    (ana_job,) = backend.submit(
        CurrentUser("ana", "Ana", "user"), MODELSCOPE, tiny_video("ana's secret lighthouse")
    )
    ben = open_app()
    ben.session_state["video_job"] = ana_job  # as if ben had guessed or stolen the id
    ben = log_in(ben, "ben", USERS["ben"])
    assert ben.title[0].value == "Text to video"
    shown = str(
        [e.value for e in [*ben.markdown, *ben.text, *ben.caption, *ben.warning, *ben.info]]
    )
    assert "lighthouse" not in shown
    assert not ben.get("progress")
    assert all(b.key != f"cancel-{ana_job}" for b in ben.button)

    boss = log_in(open_app(), ADMIN, ADMIN_PASSWORD)
    boss.switch_page("app_pages/admin.py").run()
    assert any(ana_job[:8] in str(frame.value) for frame in boss.dataframe)  # admins see all
