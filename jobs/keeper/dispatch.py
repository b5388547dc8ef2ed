"""Fair dispatch: which waiting jobs the keeper sends now, and which ride along as a batch.

Only as many messages as there are free workers are sent, picked in fair order
(``jobs.keeper.scheduling.fair_order``). When a pick is a variation whose model batches, its
group's still-waiting siblings (same params but the seed) go in the same message, up to
STUDIO_MAX_BATCH jobs, and the worker runs them as one pipeline call. The batch is one
turn of its owner's, as it was one submit: the siblings take no turns of their own.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from time import time

from engines.errors import ParamError
from jobs.catalog import Catalog
from jobs.catalog.records import QUEUED, RUNNING, Job
from jobs.keeper.scheduling import fair_order
from jobs.kinds import job_kind

SendFn = Callable[[Job, list[Job]], None]  # (job, siblings riding in its message)


def dispatch_waiting(
    catalog: Catalog, live_workers: Callable[[], set[str]], max_batch: int, send: SendFn
) -> None:
    """Send waiting jobs in fair order, one message per free worker (the rest wait)."""
    jobs = catalog.jobs.active()
    waiting = [
        job
        for job in jobs
        if job.status == QUEUED and job.dispatched_at is None and not job.cancel_requested
    ]
    if not waiting:
        return
    free = free_workers(jobs, live_workers())
    served = catalog.jobs.served_at(job.owner for job in waiting)
    taken: set[str] = set()
    for job in fair_order(waiting, served):
        if free <= 0:
            return
        if job.id in taken:
            continue  # already riding in an earlier pick's batch
        siblings = [s for s in batch_siblings(job, waiting, max_batch) if s.id not in taken]
        members = [(m.id, m.delivery) for m in (job, *siblings)]
        marked = catalog.transitions.mark_dispatched_batch(members, time())
        if not marked:
            continue
        taken.update(marked)
        free -= 1
        send(job, [s for s in siblings if s.id in marked])


def free_workers(jobs: Sequence[Job], live: set[str]) -> int:
    """Live workers minus those running a job and the messages already sent to them."""
    busy = {job.worker for job in jobs if job.status == RUNNING} & live
    running = {job.id for job in jobs if job.status == RUNNING}
    # A message carries a batch: count each once, and not at all once its first job runs.
    sent = {
        job.batch_of or job.id
        for job in jobs
        if job.status == QUEUED and job.dispatched_at is not None
    } - running
    return len(live) - len(busy) - len(sent)


def batch_siblings(job: Job, waiting: Sequence[Job], max_batch: int) -> list[Job]:
    """The waiting jobs of ``job``'s variation group that can run in one call with it."""
    if job.group_id is None or max_batch < 2 or not model_batches(job):
        return []
    same = {**job.params, "seed": None}
    siblings = [
        other
        for other in waiting
        if other.id != job.id
        and other.group_id == job.group_id
        and other.owner == job.owner
        and other.kind == job.kind
        and {**other.params, "seed": None} == same
    ]
    return sorted(siblings, key=lambda other: other.seq)[: max_batch - 1]


def model_batches(job: Job) -> bool:
    """Whether the job's model makes several seeds in one pipeline call (its family says)."""
    kind = job_kind(job.kind)
    if kind.output is None or any(job.params.get(name) for name in kind.file_fields):
        return False
    from engines.catalog import CATALOG, resolve

    model = job.params.get("model")
    if not isinstance(model, str):
        return False
    try:
        entry = CATALOG.get(model) or resolve(model, kind.output)
    except (ParamError, OSError, ValueError):  # a folder that is not here: the worker says
        return False
    return entry.batches
