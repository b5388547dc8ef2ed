"""The queue backend (Huey) and the few keys that workers and the catalog side share.

Embedded: ``SqliteHuey`` in the data dir. Scale-out: ``RedisHuey`` at STUDIO_REDIS_URL.
Workers never touch the catalog: everything they report travels through Huey's
key-value store, so a worker on another machine needs nothing but the queue:

    job:<id>:claim:<delivery>   who runs this delivery; set once (put_if_empty = the CAS)
    job:<id>:state              progress and heartbeat of the running delivery
    job:<id>:result:<delivery>  outcome, the engine's result and the output file's bytes
    job:<id>:cancel             the owner asked to cancel
    job:<id>:stop:<delivery>    the keeper gave this delivery up (its worker seemed dead), or
                                it ran far past its estimate ("overtime")
    job:<id>:input:<field>      an input file (a melody) for workers without the studio's disk
    worker:<id>, workers        each worker's latest state (job, resident model), and their ids
    unload                      the admin asked every worker to free its GPU (a new token)
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from huey import Huey, RedisHuey, SqliteHuey
from huey.constants import EmptyData

from jobs.catalog.records import Job
from jobs.config import JobsConfig
from jobs.tasks import JobHandler, JobMessage, register_run_job

log = logging.getLogger(__name__)

_PEEK_CHUNK = 400  # keys per read; SQLite caps the number of bound variables
WORKER_INDEX = "workers"  # ids of the workers that announced themselves
UNLOAD_REQUEST = "unload"  # a token; each worker unloads its models when it changes
OVERTIME = "overtime"  # a stop mark's value when the keeper stops a job that ran too long


def make_huey(config: JobsConfig) -> Huey:
    if config.redis_url:
        from redis import ConnectionPool

        # Fail fast when Redis is down instead of hanging; a worker's read blocks up to 0.5 s,
        # so it notices a stop request that soon.
        pool = ConnectionPool.from_url(
            config.redis_url, socket_connect_timeout=3, socket_timeout=10, health_check_interval=30
        )
        return RedisHuey(
            config.queue_name, connection_pool=pool, results=False, blocking=True, read_timeout=0.5
        )
    config.data_dir.mkdir(parents=True, exist_ok=True)
    # strict_fifo: AUTOINCREMENT ids, so a freed row id is never reused out of order.
    return SqliteHuey(
        config.queue_name,
        filename=str(config.queue_path),
        results=False,
        strict_fifo=True,
        timeout=30,
    )


@dataclass(frozen=True)
class Observation:
    """What the broker holds about one job's current delivery."""

    claim: dict[str, Any] | None = None
    state: dict[str, Any] | None = None
    result: dict[str, Any] | None = None


class Broker:
    """One process's handle on the queue; thread-safe like the Huey storage under it."""

    def __init__(self, config: JobsConfig, handler: JobHandler | None = None) -> None:
        self.config = config
        self.huey = make_huey(config)
        self.task = register_run_job(self.huey, handler)

    # -- sending jobs ----------------------------------------------------------------

    def send(
        self, job: Job, siblings: Iterable[Job] = (), inputs: Mapping[str, Path] | None = None
    ) -> None:
        """Enqueue the job's current delivery, its input files first (``inputs``: the files
        its file fields' asset ids name); ``siblings`` (its variations, without input files)
        ride in the same message, to run as one batch."""
        fields = []
        for name, path in (inputs or {}).items():
            self.huey.put(_key(job.id, "input", name), (path.suffix, path.read_bytes()))
            fields.append(name)
        batch = tuple((s.id, s.delivery, s.params) for s in siblings)
        message = JobMessage(
            job.id, job.delivery, job.kind, job.params, tuple(fields), batch, job.source_ids
        )
        self.huey.enqueue(self.task.s(message.to_dict()))

    def pending(self) -> set[tuple[str, int]]:
        """(job id, delivery) of every job waiting in the queue (a batch's siblings too)."""
        found = set()
        for task in self.huey.pending():
            try:
                message = JobMessage.from_dict(task.args[0])
            except (IndexError, KeyError, TypeError, ValueError):
                continue
            found |= {(member.job_id, member.delivery) for member in message.members()}
        return found

    def close(self) -> None:
        self.huey.storage.close()

    # -- worker side -----------------------------------------------------------------

    def claim(self, job_id: str, delivery: int, worker: str) -> bool:
        """True for exactly one caller per delivery: a second delivery is a no-op."""
        return bool(self.huey.put_if_empty(_key(job_id, "claim", delivery), {"worker": worker}))

    def stop_reason(self, job_id: str, delivery: int) -> str | None:
        """'cancelled', 'superseded' or 'overtime' when this delivery must stop, else None."""
        cancel, stop = _key(job_id, "cancel"), _key(job_id, "stop", delivery)
        found = self._peek([cancel, stop])
        if cancel in found:
            return "cancelled"
        if stop in found:
            return OVERTIME if found[stop] == OVERTIME else "superseded"
        return None

    def put_state(self, job_id: str, state: dict[str, Any]) -> None:
        self.huey.put(_key(job_id, "state"), state)

    def put_result(self, job_id: str, delivery: int, result: dict[str, Any]) -> None:
        self.huey.put(_key(job_id, "result", delivery), result)

    def get_input(self, job_id: str, field: str) -> tuple[str, bytes]:
        value = self.huey.get(_key(job_id, "input", field), peek=True)
        if value is None:
            raise FileNotFoundError(f"Input {field!r} of job {job_id} is not in the queue.")
        suffix, data = value
        return str(suffix), bytes(data)

    # -- catalog side ----------------------------------------------------------------

    def observe(self, jobs: Iterable[tuple[str, int]]) -> dict[str, Observation]:
        """Claim, state and result of each (job id, delivery), in a few round trips."""
        jobs = list(jobs)
        keys = []
        for job_id, delivery in jobs:
            keys += [
                _key(job_id, "claim", delivery),
                _key(job_id, "state"),
                _key(job_id, "result", delivery),
            ]
        found = self._peek(keys)
        return {
            job_id: Observation(
                claim=found.get(_key(job_id, "claim", delivery)),
                state=found.get(_key(job_id, "state")),
                result=found.get(_key(job_id, "result", delivery)),
            )
            for job_id, delivery in jobs
        }

    def cancel(self, job_id: str) -> None:
        """Ask whichever worker runs the job to stop at its next step."""
        self.huey.put(_key(job_id, "cancel"), True)

    def claim_for_cancel(self, job_id: str, delivery: int) -> bool:
        """Take a queued delivery's claim so no worker ever starts it."""
        return bool(self.huey.put_if_empty(_key(job_id, "claim", delivery), {"cancelled": True}))

    def supersede(self, job_id: str, delivery: int) -> None:
        """Tell a worker that still runs this old delivery (thought dead) to stop."""
        self.huey.put(_key(job_id, "stop", delivery), True)

    def overrun(self, job_id: str, delivery: int) -> None:
        """Tell the worker running this delivery to stop it: it ran far past its estimate."""
        self.huey.put(_key(job_id, "stop", delivery), OVERTIME)

    def forget(self, job_id: str, delivery: int, input_fields: Iterable[str]) -> None:
        """Drop a finished job's bulky keys; claims and cancel marks stay as tombstones."""
        keys = [_key(job_id, "state")]
        keys += [_key(job_id, "result", d) for d in range(1, delivery + 1)]
        keys += [_key(job_id, "input", name) for name in input_fields]
        for key in keys:
            self.huey.delete(key)

    # -- workers' presence (for the admin page) -------------------------------------

    def announce(self, worker_id: str, info: dict[str, Any]) -> None:
        """Publish a worker's state; its id joins the index the keeper reads."""
        self.huey.put(_worker_key(worker_id), info)
        index = self._worker_index()
        if worker_id not in index:  # a race with another worker heals at its next announce
            self.huey.put(WORKER_INDEX, [*index, worker_id])

    def retire(self, worker_id: str) -> None:
        self.huey.delete(_worker_key(worker_id))
        self.huey.put(WORKER_INDEX, [w for w in self._worker_index() if w != worker_id])

    def workers(self) -> dict[str, dict[str, Any]]:
        """The latest state each announced worker published; gone ones leave the index."""
        index = self._worker_index()
        found = self._peek([_worker_key(w) for w in index])
        present = {w: found[_worker_key(w)] for w in index if _worker_key(w) in found}
        if len(present) < len(index):
            self.huey.put(WORKER_INDEX, [w for w in self._worker_index() if w in present])
        return present

    def request_unload(self) -> str:
        """Ask every worker to unload its models after its current job (the admin's button)."""
        token = uuid.uuid4().hex
        self.huey.put(UNLOAD_REQUEST, token)
        return token

    def unload_request(self) -> str | None:
        value = self.huey.get(UNLOAD_REQUEST, peek=True)
        return str(value) if value is not None else None

    def _worker_index(self) -> list[str]:
        return list(self.huey.get(WORKER_INDEX, peek=True) or [])

    # -- helpers ---------------------------------------------------------------------

    def _peek(self, keys: list[str]) -> dict[str, Any]:
        found: dict[str, Any] = {}
        for chunk in _chunks(keys, _PEEK_CHUNK):
            raw = self.huey.storage.peek_many(chunk)
            for key, value in raw.items():
                if value is not EmptyData and value is not None:
                    name = key.decode() if isinstance(key, bytes) else key
                    found[name] = self.huey.serializer.deserialize(value)
        return found


def _key(job_id: str, part: str, detail: object = None) -> str:
    return f"job:{job_id}:{part}" if detail is None else f"job:{job_id}:{part}:{detail}"


def _worker_key(worker_id: str) -> str:
    return f"worker:{worker_id}"


def _chunks(items: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
