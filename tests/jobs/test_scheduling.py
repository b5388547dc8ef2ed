"""The fair order itself, on Job records: round-robin by user, handed-back jobs first."""

from __future__ import annotations

import dataclasses
import itertools

from jobs.catalog.records import QUEUED, Job
from jobs.keeper.scheduling import fair_order, queue_order

_seq = itertools.count(1)


def job(owner: str, name: str, *, delivery: int = 1, dispatched_at: float | None = None) -> Job:
    seq = next(_seq)
    return Job(
        id=name, seq=seq, owner=owner, kind="video", params={}, status=QUEUED, step=0, total=0,
        eta_s=None, phase=None, attempts=delivery - 1, delivery=delivery, cancel_requested=False,
        worker=None, error=None, output_id=f"out-{name}", source_ids=(), engine_s=None,
        created_at=float(seq), dispatched_at=dispatched_at, started_at=None,
        heartbeat_at=None, progress_at=None, finished_at=None, updated_at=float(seq),
    )  # fmt: skip


def names(jobs: list[Job]) -> list[str]:
    return [j.id for j in jobs]


def test_users_take_turns_oldest_job_first_never_served_users_first():
    waiting = [job("ana", f"a{n}") for n in range(1, 4)] + [job("ben", "b1"), job("cy", "c1")]
    assert names(fair_order(waiting, {})) == ["a1", "b1", "c1", "a2", "a3"]
    # ana was served just now, cy before her, ben never: ben, cy, then ana.
    assert names(fair_order(waiting, {"ana": 200.0, "cy": 100.0})) == [
        "b1", "c1", "a1", "a2", "a3",
    ]  # fmt: skip


def test_one_user_alone_is_first_in_first_out():
    waiting = [job("ana", f"a{n}") for n in range(1, 6)]
    assert names(fair_order(list(reversed(waiting)), {"ana": 5.0})) == names(waiting)


def test_a_handed_back_job_goes_first_and_counts_as_its_owners_turn():
    a1, a2, b1 = job("ana", "a1"), job("ana", "a2"), job("ben", "b1")
    requeued = dataclasses.replace(a1, delivery=2)
    assert names(fair_order([a2, b1, requeued], {})) == ["a1", "b1", "a2"]


def test_jobs_already_sent_to_workers_come_before_the_waiting_ones():
    sent = [job("ana", "a1", dispatched_at=10.0), job("ana", "a2", dispatched_at=11.0)]
    waiting = [job("ben", "b1"), job("cy", "c1")]
    assert names(queue_order([*waiting, *reversed(sent)], {"ana": 11.0})) == [
        "a1", "a2", "b1", "c1",
    ]  # fmt: skip
