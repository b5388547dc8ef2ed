"""The catalog on a real SQLite file: WAL, compare-and-set transitions, assets."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from jobs.assets import relative_asset_path, resolve_in
from jobs.catalog import Catalog
from jobs.catalog.records import CANCELLED, DONE, FAILED, QUEUED, RUNNING


@pytest.fixture
def catalog(tmp_path: Path) -> Catalog:
    return Catalog(tmp_path / "catalog.sqlite3")


def test_catalog_is_in_wal_mode(catalog: Catalog):
    with sqlite3.connect(catalog.path) as conn:
        assert conn.execute("pragma journal_mode").fetchone()[0] == "wal"


def test_queued_to_running_is_a_compare_and_set(catalog: Catalog):
    job = catalog.jobs.add("alice", "video", {"prompt": "a fox"})
    assert (job.status, job.attempts, job.delivery) == (QUEUED, 0, 1)

    assert catalog.transitions.mark_running(job.id, 1, "gpu-a:1")
    assert not catalog.transitions.mark_running(job.id, 1, "gpu-b:2")  # a second delivery: no-op
    assert not catalog.transitions.mark_running(
        job.id, 2, "gpu-b:2"
    )  # a delivery that does not exist

    current = catalog.jobs.get(job.id)
    assert current is not None
    assert (current.status, current.worker, current.attempts) == (RUNNING, "gpu-a:1", 1)


def test_progress_and_finish_only_apply_to_the_current_delivery(catalog: Catalog):
    job = catalog.jobs.add("alice", "video", {"prompt": "a fox"})
    catalog.transitions.mark_running(job.id, 1, "gpu-a:1")
    assert catalog.transitions.record_progress(job.id, 1, 3, 10, 4.5)
    assert not catalog.transitions.record_progress(job.id, 2, 9, 10, 0.5)

    requeued = catalog.transitions.requeue(job.id, 1, max_attempts=2, reason="lost")
    assert requeued is not None
    assert (requeued.status, requeued.delivery, requeued.step) == (QUEUED, 2, 0)
    # The old delivery's late result changes nothing.
    assert not catalog.transitions.finish(job.id, 1, FAILED, "late")
    assert not catalog.transitions.finish_done(
        job.id, 1, path="assets/alice/x.mp4", output_type="video", source="generated", model=None,
        asset_params={}, meta={},
        engine_s=1.0,
    )  # fmt: skip

    catalog.transitions.mark_running(job.id, 2, "gpu-b:2")
    assert catalog.transitions.finish_done(
        job.id, 2, path=f"assets/alice/{job.output_id}.mp4", output_type="video",
        source="generated", model="m", asset_params={"prompt": "a fox", "seed": 7},
        meta={"seed": 7}, engine_s=1.5,
    )  # fmt: skip
    assert not catalog.transitions.finish(job.id, 2, FAILED, "twice")  # finished jobs stay finished

    current = catalog.jobs.get(job.id)
    assert current is not None
    assert (current.status, current.attempts, current.asset_id) == (DONE, 2, job.output_id)
    asset = catalog.assets.get(job.output_id)
    assert asset is not None
    assert (asset.owner, asset.job_id, asset.params["seed"]) == ("alice", job.id, 7)


def test_requeue_stops_after_max_attempts_with_the_reason(catalog: Catalog):
    job = catalog.jobs.add("alice", "video", {"prompt": "a fox"})
    catalog.transitions.mark_running(job.id, 1, "a:1")
    assert catalog.transitions.requeue(job.id, 1, max_attempts=2, reason="lost").status == QUEUED  # type: ignore[union-attr]
    catalog.transitions.mark_running(job.id, 2, "b:2")
    failed = catalog.transitions.requeue(job.id, 2, max_attempts=2, reason="the worker died twice")
    assert failed is not None
    assert (failed.status, failed.error, failed.attempts) == (FAILED, "the worker died twice", 2)


def test_a_job_handed_back_on_shutdown_is_not_charged_an_attempt(catalog: Catalog):
    job = catalog.jobs.add("alice", "video", {"prompt": "a fox"})
    for delivery in (1, 2, 3):
        assert catalog.transitions.mark_running(job.id, delivery, "a:1")
        again = catalog.transitions.requeue(
            job.id, delivery, max_attempts=2, reason="-", count_attempt=False
        )
        assert again is not None
        assert (again.status, again.attempts) == (QUEUED, 0)


def test_cancel_of_a_queued_job_races_safely_with_its_start(catalog: Catalog):
    job = catalog.jobs.add("alice", "video", {"prompt": "a fox"})
    assert catalog.transitions.request_cancel(job.id).cancel_requested  # type: ignore[union-attr]
    assert catalog.transitions.cancel_queued(job.id, 1)
    assert not catalog.transitions.mark_running(job.id, 1, "a:1")  # too late to start
    assert catalog.jobs.get(job.id).status == CANCELLED  # type: ignore[union-attr]

    other = catalog.jobs.add("alice", "video", {"prompt": "an owl"})
    catalog.transitions.mark_running(other.id, 1, "a:1")
    assert not catalog.transitions.cancel_queued(other.id, 1)  # running: the worker has to stop it


def test_lists_are_per_owner_and_newest_first(catalog: Catalog):
    ids = [catalog.jobs.add(owner, "video", {"n": n}).id for n, owner in enumerate("abab")]
    assert [job.id for job in catalog.jobs.list("a")] == [ids[2], ids[0]]
    assert [job.id for job in catalog.jobs.list()] == ids[::-1]
    assert catalog.jobs.count_by_status()[QUEUED] == 4


def test_asset_paths_are_named_by_id_and_stay_in_the_asset_folder(tmp_path: Path):
    asset_id = "0123456789abcdef0123456789abcdef"
    assert relative_asset_path("alice", asset_id, ".mp4") == f"assets/alice/{asset_id}.mp4"
    for owner in ("..", "../bob", "a/b", "", ".hidden", "x" * 65):
        with pytest.raises(ValueError, match="not a valid user name"):
            relative_asset_path(owner, asset_id, ".mp4")
    with pytest.raises(ValueError, match="not a catalog id"):
        relative_asset_path("alice", "../../etc/passwd", ".mp4")
    with pytest.raises(PermissionError):
        resolve_in(tmp_path, "assets/../catalog.sqlite3")


@pytest.mark.slow  # 300 assets
def test_every_asset_is_reachable_page_by_page_newest_first(catalog: Catalog):
    made = [
        catalog.assets.add(
            "ana", "video", f"assets/ana/{i:032x}.mp4", params={"prompt": f"clip {i}"}
        )
        for i in range(300)
    ]
    catalog.assets.add("ben", "video", f"assets/ben/{999:032x}.mp4", params={"prompt": "ben's"})
    assert catalog.assets.count("ana") == 300
    pages = [catalog.assets.list("ana", limit=24, offset=start) for start in range(0, 300, 24)]
    seen = [asset.id for page in pages for asset in page]
    assert seen == [asset.id for asset in reversed(made)]  # all 300, newest first, no repeats
    assert len(pages[-1]) == 300 % 24


def test_search_finds_words_in_prompts_descriptions_and_upload_names(catalog: Catalog):
    def add(i: int, **params: str) -> str:
        return catalog.assets.add("ana", "audio", f"assets/ana/{i:032x}.wav", params=params).id

    fox = add(1, prompt="A red FOX in the snow")
    march = add(2, description="a slow march, 50% brass")
    upload = add(3, uploaded_as="hum_take_2.wav")
    add(4, prompt="an owl at night")
    found = {word: {a.id for a in catalog.assets.list("ana", search=word)} for word in
             ["fox", "snow red", "50%", "hum_take", "%", "_", "march owl"]}  # fmt: skip
    assert found["fox"] == found["snow red"] == {fox}  # any case, words in any order
    assert found["50%"] == found["%"] == {march}  # % matches itself, not everything
    assert found["hum_take"] == found["_"] == {upload}
    assert found["march owl"] == set()  # every word must appear
    assert catalog.assets.count("ana", search="fox") == 1
    assert catalog.assets.list("ben", search="fox") == []


def test_the_version_files_carry_is_the_projects():
    import tomllib

    from engines.media.settings_tag import STUDIO_VERSION

    pyproject = tomllib.loads((Path(__file__).resolve().parents[2] / "pyproject.toml").read_text())
    assert pyproject["project"]["version"] == STUDIO_VERSION


def test_a_delivery_is_marked_sent_once_and_a_requeue_waits_for_its_turn_again(catalog: Catalog):
    job = catalog.jobs.add("alice", "video", {"prompt": "a fox"})
    assert catalog.transitions.mark_dispatched(job.id, 1, 10.0)
    assert not catalog.transitions.mark_dispatched(job.id, 1, 11.0)  # sent already
    assert catalog.jobs.served_at(["alice", "bob"]) == {"alice": 10.0}
    assert catalog.transitions.mark_running(job.id, 1, "gpu-a:1")
    requeued = catalog.transitions.requeue(job.id, 1, max_attempts=2, reason="died")
    assert requeued is not None and (requeued.delivery, requeued.dispatched_at) == (2, None)
    assert catalog.transitions.mark_dispatched(job.id, 2, 12.0)

    doomed = catalog.jobs.add("alice", "video", {"prompt": "an owl"})
    catalog.transitions.request_cancel(doomed.id)
    assert not catalog.transitions.mark_dispatched(doomed.id, 1, 13.0)  # never sent


def test_the_queued_limit_holds_against_concurrent_submits(catalog: Catalog):
    import threading

    from jobs.catalog.jobs import QueueFull

    barrier = threading.Barrier(8)
    refused: list[int] = []

    def submit() -> None:
        barrier.wait()
        try:
            catalog.jobs.add("alice", "video", {"prompt": "a fox"}, max_queued=4)
        except QueueFull as full:
            refused.append(full.queued)

    threads = [threading.Thread(target=submit) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(catalog.jobs.queued("alice")) == 4 and refused == [4] * 4


def test_a_catalog_from_before_fair_scheduling_gets_the_column_and_keeps_its_jobs(
    tmp_path: Path,
):
    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as conn:  # the jobs table as it was, with one queued job
        conn.execute(
            "create table jobs (seq integer primary key autoincrement, id text not null unique,"
            " owner text not null, kind text not null, params text not null, status text not"
            " null, step integer not null default 0, total integer not null default 0, eta_s"
            " real, attempts integer not null default 0, delivery integer not null default 1,"
            " cancel_requested integer not null default 0, worker text, error text, output_id"
            " text not null, source_ids text not null default '[]', engine_s real, created_at"
            " real not null, started_at real, heartbeat_at real, progress_at real, finished_at"
            " real, updated_at real not null)"
        )
        conn.execute(
            "insert into jobs (id, owner, kind, params, status, output_id, created_at,"
            " updated_at) values ('j1', 'alice', 'video', '{}', 'queued', 'o1', 5.0, 5.0)"
        )
    catalog = Catalog(path)
    job = catalog.jobs.get("j1")
    # It was sent under the old first-in-first-out rule: the keeper must not send it twice.
    assert job is not None and job.dispatched_at == 5.0
