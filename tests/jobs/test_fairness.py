"""Fair scheduling between users, per-user limits, queue position and start estimates:
real catalog, real queue (SQLite and Redis), real tiny engines in in-process workers."""

from __future__ import annotations

import time
from typing import Any

import pytest

from engines.registry import EngineRegistry
from engines.settings import Settings
from jobs.catalog.records import DONE, QUEUED, Job
from jobs.config import JobsConfig
from jobs.estimates import RunTimes
from jobs.quotas import QuotaExceeded
from jobs.service import JobService
from tests.jobs.harness import InProcessStudio, submit_video, wait_until
from tests.jobs.tracking_registry import TrackingRegistry


def tiny_video(prompt: str, steps: int = 2, frames: int = 1) -> dict[str, Any]:
    return {"prompt": prompt, "num_frames": frames, "steps": steps, "height": 64, "width": 64}


def started_in_order(studio: InProcessStudio, jobs: list[Job]) -> list[str]:
    """Prompts in the order workers started them (the worker's own clock)."""
    assets = [studio.api.asset(job.asset_id or "", job.owner) for job in jobs]
    return [a.params["prompt"] for a in sorted(assets, key=lambda a: a.meta["job_started_at"])]


def worker_seen(studio: InProcessStudio, name: str) -> None:
    """Wait until the keeper recorded the worker (start estimates count such workers)."""
    wait_until(lambda: name in studio.api.status().workers, 30, f"worker {name} to report")


@pytest.mark.slow  # seven jobs
def test_a_second_users_job_starts_no_later_than_the_first_users_second(
    studio: InProcessStudio, shared_registry: EngineRegistry
):
    studio.api.set_limits("ana", max_queued=6, daily_gpu_seconds=None)  # six at once
    studio.start_worker(shared_registry)
    ana = [submit_video(studio.api, "ana", tiny_video(f"ana {n}")) for n in range(1, 7)]
    ben = submit_video(studio.api, "ben", tiny_video("ben 1"))
    jobs = studio.wait([*ana, ben])

    assert [job.status for job in jobs] == [DONE] * 7
    order = started_in_order(studio, jobs)
    assert order.index("ben 1") <= order.index("ana 2"), order
    assert [p for p in order if p.startswith("ana")] == [f"ana {n}" for n in range(1, 7)]


@pytest.mark.slow  # nine jobs on two workers
def test_two_workers_serve_three_users_round_robin(
    studio: InProcessStudio, shared_registry: EngineRegistry
):
    ids = [
        submit_video(studio.api, user, tiny_video(f"{user} {n}"))
        for user in ("ana", "ben", "cy")
        for n in (1, 2, 3)
    ]  # all of ana's, then all of ben's, then all of cy's
    # One registry for both (two loading at once in one process trips accelerate); the
    # queue sees two workers, each taking a job when it is free.
    studio.start_worker(shared_registry, name="gpu:0")
    studio.start_worker(shared_registry, name="gpu:1")
    jobs = studio.wait(ids)
    assert [job.status for job in jobs] == [DONE] * 9, [job.error for job in jobs]

    # The keeper handed them out round-robin: one of each user's, oldest first, in turn.
    expected = [f"{user} {n}" for n in (1, 2, 3) for user in ("ana", "ben", "cy")]
    sent = sorted(jobs, key=lambda job: job.dispatched_at or 0.0)
    assert [job.params["prompt"] for job in sent] == expected
    # And the workers started them so: each round of three holds one job of each user.
    order = started_in_order(studio, jobs)
    for turn in range(3):
        assert sorted(p.split()[0] for p in order[3 * turn : 3 * turn + 3]) == ["ana", "ben", "cy"]
    assert {job.worker for job in jobs} == {"gpu:0", "gpu:1"}
    assert all(job.attempts == 1 for job in jobs)


@pytest.mark.slow  # four jobs
def test_one_users_jobs_stay_first_in_first_out(
    studio: InProcessStudio, shared_registry: EngineRegistry
):
    ids = [submit_video(studio.api, "ana", tiny_video(f"ana {n}")) for n in range(1, 5)]
    studio.start_worker(shared_registry)
    assert started_in_order(studio, studio.wait(ids)) == [f"ana {n}" for n in range(1, 5)]


def test_the_fifth_waiting_job_is_refused_with_the_limit_and_nothing_is_queued(api: JobService):
    queued = [submit_video(api, "ana", tiny_video(f"ana {n}")) for n in range(4)]  # the default: 4
    with pytest.raises(QuotaExceeded) as refused:
        submit_video(api, "ana", tiny_video("one too many"))
    message = str(refused.value)
    assert message.startswith("You have 4 jobs waiting, the most allowed;")
    assert "when one of them starts" in message  # no worker, no history: no made-up time
    assert [job.id for job in api.list("ana")] == queued[::-1]  # nothing was added
    assert api.broker.pending() == set()

    submit_video(api, "ben", tiny_video("someone else's"))  # another user's limit is their own
    api.cancel(queued[0], "ana")  # a cancel makes room again
    submit_video(api, "ana", tiny_video("in the freed slot"))
    with pytest.raises(QuotaExceeded):
        submit_video(api, "ana", tiny_video("full again"))

    assert api.set_limits("ana", max_queued=6, daily_gpu_seconds=None).max_queued == 6
    submit_video(api, "ana", tiny_video("an admin raised the limit"))
    assert api.limits("ana").overridden and not api.limits("ben").overridden
    api.set_limits("ana", max_queued=None, daily_gpu_seconds=None)  # back to the default
    assert api.limits("ana").max_queued == 4


@pytest.mark.slow  # waits for jobs to build a history
def test_the_refusal_says_when_a_slot_frees_up_once_there_is_history(
    studio: InProcessStudio, shared_registry: EngineRegistry
):
    studio.start_worker(shared_registry, name="gpu:0")
    worker_seen(studio, "gpu:0")
    studio.wait([submit_video(studio.api, "ana", tiny_video("history", steps=30, frames=4))])
    studio.api.set_limits("ana", max_queued=1, daily_gpu_seconds=None)
    first = submit_video(studio.api, "ana", tiny_video("runs", steps=30, frames=4))
    second = submit_video(studio.api, "ben", tiny_video("ben's", steps=30, frames=4))
    wait_until(lambda: studio.api.get(first).status != QUEUED, what="ana's job to start")  # type: ignore[union-attr]
    waiting = submit_video(
        studio.api, "ana", tiny_video("waits", steps=30, frames=4)
    )  # behind ben's
    with pytest.raises(
        QuotaExceeded,
        match=r"You have 1 job waiting, the most allowed; one starts within about \d+ s",
    ):
        submit_video(studio.api, "ana", tiny_video("refused", steps=30, frames=4))
    studio.wait([first, second, waiting])


def test_a_daily_gpu_budget_refuses_once_spent_and_an_admin_can_lift_it(
    jobs_config: JobsConfig, shared_registry: EngineRegistry
):
    studio = InProcessStudio(jobs_config.with_changes(daily_gpu_seconds_per_user=0.05))
    studio.start_keeper()
    try:
        studio.start_worker(shared_registry)
        (job,) = studio.wait([submit_video(studio.api, "ana", tiny_video("spends the budget"))])
        assert job.status == DONE and (job.engine_s or 0) > 0.05
        with pytest.raises(QuotaExceeded) as refused:
            submit_video(studio.api, "ana", tiny_video("over budget"))
        message = str(refused.value)
        assert "of your 0.05 GPU seconds for the last 24 hours, the most allowed" in message
        assert "you can submit again in about 24 h" in message and "UTC)" in message
        assert len(studio.api.list("ana")) == 1
        submit_video(studio.api, "ben", tiny_video("ben has his own budget"))
        studio.api.set_limits("ana", max_queued=None, daily_gpu_seconds=0)  # 0: no budget
        submit_video(studio.api, "ana", tiny_video("lifted"))
    finally:
        studio.close()


@pytest.mark.slow  # four timed jobs of about 2.5 s each
def test_the_start_estimate_after_three_similar_jobs_is_within_30_percent(
    studio: InProcessStudio, tiny_settings: Settings
):
    registry = TrackingRegistry(tiny_settings)
    # 20 steps of 0.1 s on top of the tiny model's own: jobs about 2.5 s long, so a busy
    # neighbour on two shared cores moves them by a few percent, not by half.
    registry.tracker.step_delay_s = 0.1
    studio.start_worker(registry, name="gpu:0")
    worker_seen(studio, "gpu:0")
    similar = tiny_video("similar", steps=20, frames=4)
    warm_up = submit_video(studio.api, "ana", tiny_video("loads the model", steps=2, frames=4))
    first = submit_video(studio.api, "ana", similar)
    # Nothing like the warm-up has finished here yet: no estimate, not a guess.
    outlook = studio.api.outlook(first)
    assert outlook.position in (1, 2) and outlook.estimate_s is None
    studio.wait([warm_up, first])
    for _ in range(2):  # three similar jobs in all
        studio.wait([submit_video(studio.api, "ana", similar)])

    fourth = submit_video(studio.api, "ana", similar)
    predicted = RunTimes(studio.api.catalog).estimate_s(studio.api.get(fourth))  # type: ignore[arg-type]
    fifth = submit_video(studio.api, "ana", similar)
    asked_at = time.time()
    outlook = studio.api.outlook(fifth)  # the fourth starts first
    four, five = studio.wait([fourth, fifth])
    assert four.status == five.status == DONE

    run_s = (four.finished_at or 0) - (four.started_at or 0)
    waited_s = (five.started_at or 0) - asked_at
    print(f"\nestimate: run {predicted} s vs {run_s:.2f} s; start {outlook} vs {waited_s:.2f} s")
    assert predicted is not None, "no run estimate after three similar jobs"
    assert abs(predicted - run_s) <= 0.3 * run_s, (predicted, run_s)
    assert outlook.position in (1, 2) and outlook.estimate_s is not None
    assert abs(outlook.estimate_s - waited_s) <= 0.3 * waited_s, (outlook, waited_s, run_s)
    assert studio.api.outlook(fifth).position is None  # started: no longer in the queue
