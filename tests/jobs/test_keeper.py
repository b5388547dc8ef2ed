"""The keeper: dead workers' jobs re-queued or failed, lost messages enqueued again."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from engines.registry import EngineRegistry
from jobs.catalog.records import CANCELLED, DONE, FAILED, QUEUED, RUNNING, restart_note
from jobs.config import JobsConfig
from jobs.keeper.loop import INPUT_GONE_MESSAGE, SILENT_CANCEL_MESSAGE
from jobs.queue import Broker
from jobs.tasks import JobMessage
from tests.fixtures.jobs import on_both_queues
from tests.jobs.harness import InProcessStudio, submit_one, submit_video, wait_until
from tests.jobs.test_worker import upload_tone
from tests.jobs.tracking_registry import TrackingRegistry


@pytest.fixture
def quick_stale_studio(jobs_config: JobsConfig) -> Iterator[InProcessStudio]:
    """A studio whose keeper gives a silent worker up after one second."""
    harness = InProcessStudio(jobs_config.with_changes(stale_after_s=1.0))
    harness.start_keeper()
    yield harness
    harness.close()


def tiny_video(prompt: str = "a heron in the reeds", steps: int = 2) -> dict[str, Any]:
    return {"prompt": prompt, "num_frames": 1, "steps": steps, "height": 64, "width": 64}


def ghost_announces(broker: Broker, name: str) -> None:
    """A worker's first announcement: the keeper sends it a job if one waits."""
    broker.announce(name, {"role": "worker", "job": None, "jobs_done": 0, "beat": 1})


def ghost_takes_next_job(broker: Broker, name: str) -> JobMessage:
    """What a worker does before it dies mid-job: announce, dequeue, claim, report once."""
    ghost_announces(broker, name)
    task = wait_until(broker.huey.dequeue, what=f"the keeper to send {name} a job")
    message = JobMessage.from_dict(task.args[0])
    assert broker.claim(message.job_id, message.delivery, name)
    broker.put_state(
        message.job_id,
        {"delivery": message.delivery, "worker": name, "step": 1, "total": 2, "beat": 1},
    )
    return message


def test_a_job_whose_worker_went_silent_is_requeued_and_completes_once(
    quick_stale_studio: InProcessStudio, tiny_settings
):
    studio = quick_stale_studio
    job_id = submit_video(studio.api, "alice", tiny_video())
    ghost_takes_next_job(studio.api.broker, "ghost:1")
    wait_until(
        lambda: studio.api.get(job_id).status == RUNNING,  # type: ignore[union-attr]
        what="the ghost's claim to show in the catalog",
    )
    requeued = wait_until(
        lambda: (j := studio.api.get(job_id)) is not None and j.delivery == 2 and j,
        what="the job to be queued again",
    )
    assert (requeued.status, requeued.attempts) == (QUEUED, 1)
    assert studio.api.broker.stop_reason(job_id, 1) == "superseded"  # if the ghost wakes up

    registry = TrackingRegistry(tiny_settings)
    studio.start_worker(registry, name="live:2")
    (job,) = studio.wait([job_id])
    assert (job.status, job.attempts, job.delivery, job.worker) == (DONE, 2, 2, "live:2")
    assert len(registry.tracker.generated) == 1
    assert len(studio.api.assets("alice")) == 1


def test_a_worker_its_supervisor_saw_exit_loses_its_job_at_once_not_by_heartbeat(
    studio: InProcessStudio,
):
    """``Keeper.worker_lost`` (the supervisor's call when its child exits): the job is queued
    again within a keeper pass, long before the 10 s heartbeat limit; a new process that
    reuses the id (the same pid) is not mistaken for the lost one."""
    assert studio.keeper is not None and studio.config.stale_after_s >= 10.0
    job_id = submit_video(studio.api, "alice", tiny_video())
    ghost_takes_next_job(studio.api.broker, "ghost:7")  # claimed; perhaps not marked yet
    studio.keeper.worker_lost("ghost:7")
    lost_at = time.monotonic()
    again = wait_until(
        lambda: (j := studio.api.get(job_id)) is not None and j.delivery == 2 and j,
        timeout=5.0,
        what="the job to be queued again",
    )
    assert time.monotonic() - lost_at < 2.0
    assert (again.status, again.attempts) == (QUEUED, 1)
    assert restart_note(again, studio.config.max_attempts) == (
        "The worker stopped; restarting from the beginning (attempt 2 of 2)"
    )
    assert "ghost:7" not in studio.api.broker.workers()  # no longer counted as a free worker

    # A fresh process with the same id takes the job: it runs, it is not given up.
    message = ghost_takes_next_job(studio.api.broker, "ghost:7")
    assert (message.job_id, message.delivery) == (job_id, 2)
    running = wait_until(
        lambda: (j := studio.api.get(job_id)) is not None and j.status == RUNNING and j,
        what="the second delivery to run",
    )
    time.sleep(0.5)  # several keeper passes
    job = studio.api.get(job_id)
    assert job is not None and (job.status, job.delivery) == (RUNNING, 2), running


def test_a_cancel_of_a_job_whose_worker_went_silent_lands_within_seconds(studio: InProcessStudio):
    job_id = submit_video(studio.api, "alice", tiny_video())
    ghost_takes_next_job(studio.api.broker, "ghost:1")  # then dies: no more heartbeats
    wait_until(lambda: studio.api.get(job_id).status == RUNNING, what="the ghost's claim")  # type: ignore[union-attr]
    studio.api.cancel(job_id, "alice")
    asked_at = time.monotonic()
    (job,) = studio.wait([job_id], timeout=15.0)  # long before it counts as dead (10 s)

    assert (job.status, job.error) == (CANCELLED, SILENT_CANCEL_MESSAGE)
    assert time.monotonic() - asked_at < studio.config.stale_after_s
    assert studio.api.broker.stop_reason(job_id, 1) == "cancelled"  # if the ghost wakes up


def test_a_job_whose_workers_keep_dying_fails_with_the_reason(
    quick_stale_studio: InProcessStudio,
):
    studio = quick_stale_studio
    job_id = submit_video(studio.api, "alice", tiny_video())
    ghost_takes_next_job(studio.api.broker, "ghost:1")
    wait_until(lambda: studio.api.get(job_id).delivery == 2, what="a second delivery")  # type: ignore[union-attr]
    ghost_takes_next_job(studio.api.broker, "ghost:2")  # the re-queued delivery
    (job,) = studio.wait([job_id])

    assert (job.status, job.attempts) == (FAILED, 2)
    assert job.error is not None and "stopped responding" in job.error
    assert "ghost:2" in job.error
    assert studio.api.broker.huey.pending_count() == 0  # not queued a third time


@pytest.mark.slow  # three jobs and a requeue
def test_a_requeued_job_keeps_its_place_ahead_of_later_jobs(
    quick_stale_studio: InProcessStudio, shared_registry: EngineRegistry
):
    studio = quick_stale_studio
    ana_1 = submit_video(studio.api, "ana", tiny_video("ana 1"))
    ana_2 = submit_video(studio.api, "ana", tiny_video("ana 2"))
    ben_1 = submit_video(studio.api, "ben", tiny_video("ben 1"))
    assert ghost_takes_next_job(studio.api.broker, "ghost:1").job_id == ana_1
    wait_until(lambda: studio.api.get(ana_1).delivery == 2, what="ana 1 to be queued again")  # type: ignore[union-attr]

    studio.start_worker(shared_registry, name="live:2")
    jobs = studio.wait([ana_1, ana_2, ben_1])
    assert [job.status for job in jobs] == [DONE] * 3
    assets = sorted(
        (studio.api.asset(job.asset_id or "", job.owner) for job in jobs),
        key=lambda asset: asset.meta["job_started_at"],
    )
    # Its turn was spent on the dead worker: it runs first, then ben's, then ana's next.
    assert [a.params["prompt"] for a in assets] == ["ana 1", "ben 1", "ana 2"]


@on_both_queues
def test_queued_jobs_the_broker_lost_are_enqueued_again(
    studio: InProcessStudio, shared_registry: EngineRegistry
):
    ids = [submit_video(studio.api, "alice", tiny_video(f"clip {n}")) for n in range(3)]
    for n in range(3):  # three workers announce themselves, so the keeper sends all three
        ghost_announces(studio.api.broker, f"ghost:{n}")
    wait_until(lambda: studio.api.broker.huey.pending_count() == 3, what="three jobs sent")
    studio.api.broker.huey.storage.flush_queue()  # the messages are gone, the catalog remains
    wait_until(
        lambda: studio.api.broker.pending() == {(job_id, 1) for job_id in ids},
        what="the keeper to enqueue the lost jobs again",
    )
    studio.start_worker(shared_registry)
    jobs = studio.wait(ids)
    assert [job.status for job in jobs] == [DONE] * 3
    assert all(job.attempts == 1 for job in jobs)
    assert len(studio.api.assets("alice")) == 3


def test_a_lost_job_whose_input_file_was_deleted_fails_with_the_reason(studio: InProcessStudio):
    melody = upload_tone(studio.api, "alice")
    values = {"description": "a hymn", "melody_path": melody}
    job_id = submit_one(studio.api, "alice", "musicgen-melody", values)
    ghost_announces(studio.api.broker, "ghost:1")
    wait_until(lambda: studio.api.broker.huey.pending_count() == 1, what="the job to be sent")
    studio.api.broker.huey.storage.flush_queue()
    (asset,) = studio.api.assets("alice")
    studio.api.delete_asset(asset.id, "alice")

    (job,) = studio.wait([job_id])
    assert (job.status, job.error) == (FAILED, INPUT_GONE_MESSAGE)


def test_a_job_far_past_its_limit_is_stopped_and_fails_with_the_reason(
    jobs_config: JobsConfig, tiny_settings
):
    # A budget of 1 s: with no similar job done yet, a job may run 3 s.
    studio = InProcessStudio(jobs_config.with_changes(run_budget_s=1.0))
    studio.start_keeper()
    try:
        registry = TrackingRegistry(tiny_settings)
        studio.start_worker(registry)
        (warm,) = studio.wait([submit_video(studio.api, "alice", tiny_video())])  # the model loads
        assert warm.status == DONE
        registry.tracker.step_delay_s = 0.1  # 100 steps: 10 s and more
        slow = submit_video(studio.api, "alice", tiny_video("a slow tide", steps=100))
        (job,) = studio.wait([slow])
        assert job.status == FAILED and job.asset_id is None
        assert job.error == (
            "Stopped: it ran past 3 s (3x the 1 s a job may take here). "
            "Try fewer frames or steps, a smaller size or a shorter duration."
        )
        assert 0 < job.step < 100  # stopped at a step, not at the end
        registry.tracker.step_delay_s = 0.0
        (after,) = studio.wait([submit_video(studio.api, "alice", tiny_video())])
        assert after.status == DONE  # the worker goes on
    finally:
        studio.close()
