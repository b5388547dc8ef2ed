"""The catalog's jobs, submitted and read back: newest first for pages, oldest for the keeper."""

from __future__ import annotations

import builtins
import time
from collections.abc import Iterable, Mapping
from typing import Any

from jobs.catalog.database import CatalogDatabase
from jobs.catalog.records import ACTIVE, QUEUED, STATUSES, Job, compact_json, job_from_row, new_id


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
    ) -> Job:
        now = time.time()
        job_id = new_id()
        with self.db.write() as conn:
            conn.execute(
                "insert into jobs (id, owner, kind, params, status, output_id, source_ids,"
                " created_at, updated_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (job_id, owner, kind, compact_json(dict(params)), QUEUED, new_id(),
                 compact_json(list(source_ids)), now, now),
            )  # fmt: skip
        job = self.get(job_id)
        assert job is not None
        return job

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
