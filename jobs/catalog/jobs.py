"""The catalog's jobs, submitted and read back: newest first for pages, oldest for the keeper."""

from __future__ import annotations

import builtins
import time
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from jobs.catalog.database import CatalogDatabase
from jobs.catalog.records import (
    ACTIVE,
    DONE,
    QUEUED,
    RUNNING,
    STATUSES,
    Job,
    compact_json,
    job_from_row,
    new_id,
)


class QueueFull(LookupError):
    """The owner already has as many queued jobs as allowed; nothing was added."""

    def __init__(self, queued: int) -> None:
        super().__init__(f"{queued} jobs queued already")
        self.queued = queued


class JobQueries:
    """Adding a job and reading jobs back; status changes live in ``transitions``."""

    def __init__(self, db: CatalogDatabase) -> None:
        self.db = db

    def add(
        self,
        owner: str,
        kind: str,
        params: Mapping[str, Any],
        source_ids: Iterable[str] = (),
        *,
        max_queued: int | None = None,
    ) -> Job:
        """Record a queued job; QueueFull when the owner has ``max_queued`` waiting already.

        The count and the insert share one write transaction, so two quick clicks cannot
        both slip under the limit.
        """
        now = time.time()
        job_id = new_id()
        with self.db.write() as conn:
            if max_queued is not None:
                (queued,) = conn.execute(
                    "select count(*) from jobs where owner = ? and status = ?", (owner, QUEUED)
                ).fetchone()
                if queued >= max_queued:
                    raise QueueFull(queued)
            conn.execute(
                "insert into jobs (id, owner, kind, params, status, output_id, source_ids,"
                " created_at, updated_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (job_id, owner, kind, compact_json(dict(params)), QUEUED, new_id(),
                 compact_json(list(source_ids)), now, now),
            )  # fmt: skip
        job = self.get(job_id)
        assert job is not None
        return job

    def add_group(
        self,
        owner: str,
        kind: str,
        params_list: Sequence[Mapping[str, Any]],
        source_ids: Iterable[str] = (),
        *,
        max_queued: int | None = None,
    ) -> list[Job]:
        """Record several jobs at once (variations), all or none; QueueFull when the owner's
        waiting jobs and these would pass ``max_queued``. One write transaction."""
        now = time.time()
        ids = [new_id() for _ in params_list]
        group = new_id()
        sources = compact_json(list(source_ids))
        with self.db.write() as conn:
            if max_queued is not None:
                (queued,) = conn.execute(
                    "select count(*) from jobs where owner = ? and status = ?", (owner, QUEUED)
                ).fetchone()
                if queued + len(ids) > max_queued:
                    raise QueueFull(queued)
            for job_id, params in zip(ids, params_list, strict=True):
                conn.execute(
                    "insert into jobs (id, owner, kind, params, status, output_id, source_ids,"
                    " created_at, updated_at, group_id) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (job_id, owner, kind, compact_json(dict(params)), QUEUED, new_id(), sources,
                     now, now, group),
                )  # fmt: skip
        return [job for job_id in ids if (job := self.get(job_id)) is not None]

    def in_group(self, group_id: str) -> list[Job]:
        """The jobs submitted together as variations, in submission (seed) order."""
        with self.db.connect() as conn:
            rows = conn.execute(
                "select * from jobs where group_id = ? order by seq", (group_id,)
            ).fetchall()
        return [job_from_row(row) for row in rows]

    def get(self, job_id: str) -> Job | None:
        with self.db.connect() as conn:
            row = conn.execute("select * from jobs where id = ?", (job_id,)).fetchone()
        return job_from_row(row) if row is not None else None

    def list(
        self,
        owner: str | None = None,
        statuses: Iterable[str] | None = None,
        limit: int = 100,
    ) -> builtins.list[Job]:
        """Newest first; every owner's when ``owner`` is None (the admin's view)."""
        where, args = self._filters(owner, statuses)
        with self.db.connect() as conn:
            rows = conn.execute(
                f"select * from jobs {where} order by seq desc limit ?", (*args, limit)
            ).fetchall()
        return [job_from_row(row) for row in rows]

    def active(self) -> builtins.list[Job]:
        """Queued and running jobs, oldest first."""
        with self.db.connect() as conn:
            rows = conn.execute(
                "select * from jobs where status in (?, ?) order by seq", ACTIVE
            ).fetchall()
        return [job_from_row(row) for row in rows]

    def queued(self, owner: str | None = None) -> builtins.list[Job]:
        """Queued jobs (sent to the queue or not yet), oldest first."""
        where, args = self._filters(owner, (QUEUED,))
        with self.db.connect() as conn:
            rows = conn.execute(f"select * from jobs {where} order by seq", args).fetchall()
        return [job_from_row(row) for row in rows]

    def served_at(self, owners: Iterable[str]) -> dict[str, float]:
        """When each owner's latest job was sent to a worker; owners never served are absent."""
        found: dict[str, float] = {}
        with self.db.connect() as conn:
            for owner in set(owners):
                (at,) = conn.execute(
                    "select max(dispatched_at) from jobs where owner = ?", (owner,)
                ).fetchone()
                if at is not None:
                    found[owner] = float(at)
        return found

    def device_time(self, owner: str, since: float) -> builtins.list[tuple[float, float]]:
        """(started_at, seconds on a worker) of the owner's jobs started since ``since``.

        A finished job counts the engine's own time (or its whole run when it failed
        before the engine reported one); a running job counts its time so far.
        """
        now = time.time()
        with self.db.connect() as conn:
            rows = conn.execute(
                "select started_at, status, engine_s, finished_at from jobs"
                " where owner = ? and started_at >= ? order by started_at",
                (owner, since),
            ).fetchall()
        used = []
        for started, status, engine_s, finished in rows:
            if status == RUNNING:
                seconds = now - started
            elif status == QUEUED:
                continue  # handed back to the queue: started_at was cleared, never here
            else:
                seconds = engine_s if engine_s is not None else (finished or started) - started
            used.append((float(started), max(float(seconds), 0.0)))
        return used

    def recent_done(self, kind: str, limit: int = 200) -> builtins.list[Job]:
        """The latest finished-and-done jobs of a kind, newest first (for estimates)."""
        with self.db.connect() as conn:
            rows = conn.execute(
                "select * from jobs where kind = ? and status = ? and started_at is not null"
                " order by finished_at desc limit ?",
                (kind, DONE, limit),
            ).fetchall()
        return [job_from_row(row) for row in rows]

    def count_by_status(self) -> dict[str, int]:
        with self.db.connect() as conn:
            rows = conn.execute("select status, count(*) from jobs group by status").fetchall()
        counts = dict.fromkeys(STATUSES, 0)
        counts.update({status: n for status, n in rows})
        return counts

    @staticmethod
    def _filters(
        owner: str | None, statuses: Iterable[str] | None
    ) -> tuple[str, builtins.list[Any]]:
        clauses, args = [], []
        if owner is not None:
            clauses.append("owner = ?")
            args.append(owner)
        if statuses is not None:
            wanted = builtins.list(statuses)
            clauses.append(f"status in ({','.join('?' * len(wanted))})")
            args.extend(wanted)
        return ("where " + " and ".join(clauses) if clauses else ""), args
