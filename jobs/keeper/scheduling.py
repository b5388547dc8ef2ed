"""Fair order between users: which waiting job a free worker should get next.

Round-robin by user: the next job is the oldest waiting job of the user who was served
least recently (users never served first, ties by submit order). A job handed back to
the queue (its worker died or stopped) already had its turn, so it goes first.

The keeper sends jobs to the queue in this order, and only as many as there are free
workers, so Huey's first-in-first-out queue never decides who goes next.
"""

from __future__ import annotations

import heapq
from collections import deque
from collections.abc import Mapping, Sequence

from jobs.catalog.records import Job

_NEVER = float("-inf")


def fair_order(waiting: Sequence[Job], served_at: Mapping[str, float]) -> list[Job]:
    """Every waiting job in the order they should start.

    ``served_at`` holds, per user, when their latest job was sent to a worker; each pick
    counts as serving that user again, so the order interleaves users round-robin.
    """
    handed_back = sorted((job for job in waiting if job.delivery > 1), key=lambda job: job.seq)
    by_owner: dict[str, deque[Job]] = {}
    for job in sorted((job for job in waiting if job.delivery == 1), key=lambda job: job.seq):
        by_owner.setdefault(job.owner, deque()).append(job)
    # A turn is (phase, when, oldest job's seq, owner). Phase 0: served before now (never
    # served: -inf); phase 1: a turn given in this order, after every earlier one.
    given = 0
    turn_of: dict[str, tuple[int, float]] = {}
    for job in handed_back:  # each one serves its owner now
        given += 1
        turn_of[job.owner] = (1, float(given))
    turns = [
        (*turn_of.get(owner, (0, served_at.get(owner, _NEVER))), jobs[0].seq, owner)
        for owner, jobs in by_owner.items()
    ]
    heapq.heapify(turns)
    order = list(handed_back)
    while turns:
        _, _, _, owner = heapq.heappop(turns)
        jobs = by_owner[owner]
        order.append(jobs.popleft())
        if jobs:
            given += 1
            heapq.heappush(turns, (1, float(given), jobs[0].seq, owner))
    return order


def queue_order(queued: Sequence[Job], served_at: Mapping[str, float]) -> list[Job]:
    """Queued jobs as they will start: those already sent to workers, then the fair order."""
    sent = sorted(
        (job for job in queued if job.dispatched_at is not None),
        key=lambda job: (job.dispatched_at or 0.0, job.seq),
    )
    waiting = [job for job in queued if job.dispatched_at is None]
    return sent + fair_order(waiting, served_at)
