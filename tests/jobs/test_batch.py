"""Variations as one batch on a worker: a group's jobs go in one message, run as one
pipeline call, and finish each with its own asset; cancel, hand-back and the fair order
still hold. Real workers and keeper in this process, tiny engines, SQLite and Redis."""

from __future__ import annotations

import pytest

from jobs.catalog.records import CANCELLED, DONE, QUEUED, RUNNING
from tests.fixtures.jobs import on_both_queues
from tests.jobs.harness import MODELSCOPE, InProcessStudio, partial_files, submit_video, wait_until
from tests.jobs.tracking_registry import TrackingRegistry
from tests.mp4_probe import decode_frames

TINY = {"prompt": "a lighthouse", "num_frames": 2, "steps": 2, "height": 64, "width": 64}


@on_both_queues
def test_a_group_of_three_runs_as_one_pipeline_call_and_makes_three_assets(
    studio: InProcessStudio, tiny_settings
):
    ids = studio.api.submit("ana", MODELSCOPE, {**TINY, "seed": 41}, 3)
    registry = TrackingRegistry(tiny_settings)
    studio.start_worker(registry)
    jobs = studio.wait(ids)

    assert [job.status for job in jobs] == [DONE, DONE, DONE]
    assert registry.tracker.batches == [[41, 42, 43]]  # one generate_batch call
    assert registry.tracker.generated == []  # no job ran alone
    assets = [studio.api.asset(job.asset_id, "ana") for job in jobs if job.asset_id]
    assert [a.params["seed"] for a in assets if a] == [41, 42, 43]
    assert [a.meta["batch"] for a in assets if a] == [3, 3, 3]  # one pipeline call of three
    paths = [studio.config.data_dir / a.path for a in assets if a]
    assert len({p.read_bytes() for p in paths}) == 3  # three clips, not one written thrice
    assert all(decode_frames(p).shape == (2, 64, 64, 3) for p in paths)
    assert all(job.step == job.total == 2 for job in jobs)  # every job saw the batch's steps
    assert partial_files(studio.config.data_dir) == []


@pytest.mark.slow  # a batch of three clips cancelled mid-run
def test_a_cancelled_member_is_discarded_and_the_others_finish(
    studio: InProcessStudio, tiny_settings
):
    ids = studio.api.submit("ana", MODELSCOPE, {**TINY, "steps": 8, "seed": 7}, 3)
    registry = TrackingRegistry(tiny_settings)
    registry.tracker.step_delay_s = 0.3  # long enough to cancel mid-batch
    studio.start_worker(registry)

    def all_running_with_progress() -> bool:
        jobs = [studio.api.get(job_id) for job_id in ids]
        return all(job is not None and job.status == RUNNING and job.step >= 1 for job in jobs)

    wait_until(all_running_with_progress, what="the batch's progress on every job")
    studio.api.cancel(ids[1], "ana")
    cancelled = wait_until(
        lambda: (job := studio.api.get(ids[1])) is not None and job.status == CANCELLED and job,
        what="the cancelled member to finish",
    )
    # Answered while the batch still runs: the others are not done yet.
    assert {studio.api.get(i).status for i in (ids[0], ids[2])} == {RUNNING}  # type: ignore[union-attr]
    jobs = studio.wait(ids)

    assert [job.status for job in jobs] == [DONE, CANCELLED, DONE]
    assert cancelled.asset_id is None and cancelled.error.startswith("Cancelled at step")
    assert registry.tracker.batches == [[7, 8, 9]]
    assets = studio.api.assets("ana")
    assert sorted(a.params["seed"] for a in assets) == [7, 9]
    assert len(list((studio.config.data_dir / "assets" / "ana").glob("*.mp4"))) == 2
    assert partial_files(studio.config.data_dir) == []


@pytest.mark.slow  # waits for a worker's graceful stop
def test_a_worker_that_stops_hands_the_whole_batch_back(studio: InProcessStudio, tiny_settings):
    ids = studio.api.submit("ana", MODELSCOPE, {**TINY, "steps": 8, "seed": 3}, 2)
    first = TrackingRegistry(tiny_settings)
    first.tracker.step_delay_s = 0.3
    worker = studio.start_worker(first, name="first")
    wait_until(lambda: all((j := studio.api.get(i)) and j.step >= 1 for i in ids), what="progress")
    worker.stop()  # a graceful stop: every job of the batch goes back to the queue, uncharged
    wait_until(lambda: all(studio.api.get(i).status == QUEUED for i in ids), what="hand-back")  # type: ignore[union-attr]
    second = TrackingRegistry(tiny_settings)
    studio.start_worker(second, name="second")
    jobs = studio.wait(ids)

    assert [job.status for job in jobs] == [DONE, DONE]
    assert second.tracker.batches == [[3, 4]]  # sent again together, as one batch
    assert [job.attempts for job in jobs] == [1, 1]
    assert partial_files(studio.config.data_dir) == []


@pytest.mark.slow  # two batches
def test_a_batch_is_one_turn_of_its_owner(studio: InProcessStudio, tiny_settings):
    group = studio.api.submit("ana", MODELSCOPE, {**TINY, "seed": 1}, 3)
    later = submit_video(studio.api, "ana", {**TINY, "seed": 9})
    bob = submit_video(studio.api, "bob", {**TINY, "seed": 5})
    registry = TrackingRegistry(tiny_settings)
    studio.start_worker(registry)
    jobs = {job.id: job for job in studio.wait([*group, later, bob])}

    # Ana's three variations were one submit and ran as one turn; Bob's job came next.
    assert registry.tracker.batches == [[1, 2, 3]]
    assert [params["seed"] for _, params in registry.tracker.generated] == [5, 9]
    assert jobs[bob].started_at < jobs[later].started_at  # type: ignore[operator]


def test_music_variations_run_one_by_one(studio: InProcessStudio, tiny_settings):
    params = {"description": "calm piano", "duration": 1.0, "seed": 4}
    ids = studio.api.submit("ana", "musicgen-small", params, 2)
    registry = TrackingRegistry(tiny_settings)
    studio.start_worker(registry)
    jobs = studio.wait(ids)

    assert [job.status for job in jobs] == [DONE, DONE]
    assert registry.tracker.batches == []  # MusicGen's one global RNG: no batch
    assert [params["seed"] for _, params in registry.tracker.generated] == [4, 5]
