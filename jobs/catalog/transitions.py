"""The catalog's job transitions, each a compare-and-set on (status, delivery).

A late or repeated message can never move a job backwards or finish it twice.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from typing import Any

from jobs.catalog.database import CatalogDatabase
from jobs.catalog.jobs import JobQueries
from jobs.catalog.records import (
    ACTIVE,
    CANCELLED,
    DONE,
    FAILED,
    QUEUED,
    RUNNING,
    Job,
    compact_json,
)


class JobTransitions:
    """queued -> running -> done | failed | cancelled, and back to queued for a new delivery."""

    def __init__(self, db: CatalogDatabase, jobs: JobQueries) -> None:
        self.db = db
        self.jobs = jobs

    def mark_dispatched(self, job_id: str, delivery: int, at: float) -> bool:
        """Note that this queued delivery was picked and is being sent to the queue."""
        with self.db.write() as conn:
            cur = conn.execute(
                "update jobs set dispatched_at = ?, updated_at = ?"
                " where id = ? and status = ? and delivery = ? and dispatched_at is null"
                " and cancel_requested = 0",
                (at, time.time(), job_id, QUEUED, delivery),
            )
            return cur.rowcount == 1

    def mark_dispatched_batch(self, members: list[tuple[str, int]], at: float) -> list[str]:
        """Mark queued deliveries as sent together in the first one's message, each by
        compare-and-set in one transaction; returns the ids marked (the first one's, or none)."""
        leader = members[0][0]
        marked: list[str] = []
        with self.db.write() as conn:
            for job_id, delivery in members:
                cur = conn.execute(
                    "update jobs set dispatched_at = ?, batch_of = ?, updated_at = ?"
                    " where id = ? and status = ? and delivery = ? and dispatched_at is null"
                    " and cancel_requested = 0",
                    (at, leader, time.time(), job_id, QUEUED, delivery),
                )
                if cur.rowcount == 1:
                    marked.append(job_id)
                elif job_id == leader:
                    return []  # the leader moved on: nothing is sent, nothing is marked
        return marked

    def mark_running(self, job_id: str, delivery: int, worker: str) -> bool:
        """queued -> running for this delivery; False when it already moved on."""
        now = time.time()
        with self.db.write() as conn:
            cur = conn.execute(
                "update jobs set status = ?, attempts = attempts + 1, worker = ?,"
                " started_at = ?, heartbeat_at = ?, updated_at = ?"
                " where id = ? and status = ? and delivery = ?",
                (RUNNING, worker, now, now, now, job_id, QUEUED, delivery),
            )
            return cur.rowcount == 1

    def record_progress(
        self,
        job_id: str,
        delivery: int,
        step: int,
        total: int,
        eta_s: float | None,
        phase: str | None = None,
    ) -> bool:
        """Progress of a running job; it counts as a heartbeat too."""
        now = time.time()
        with self.db.write() as conn:
            cur = conn.execute(
                "update jobs set step = ?, total = ?, eta_s = ?, phase = ?, progress_at = ?,"
                " heartbeat_at = ?, updated_at = ? where id = ? and status = ? and delivery = ?",
                (step, total, eta_s, phase, now, now, now, job_id, RUNNING, delivery),
            )
            return cur.rowcount == 1

    def record_heartbeat(self, job_id: str, delivery: int) -> bool:
        now = time.time()
        with self.db.write() as conn:
            cur = conn.execute(
                "update jobs set heartbeat_at = ? where id = ? and status = ? and delivery = ?",
                (now, job_id, RUNNING, delivery),
            )
            return cur.rowcount == 1

    def finish_done(
        self,
        job_id: str,
        delivery: int,
        *,
        path: str,
        output_type: str,
        source: str,
        model: str | None,
        asset_params: Mapping[str, Any],
        meta: Mapping[str, Any],
        engine_s: float | None,
        steps: tuple[int, int] | None = None,
    ) -> bool:
        """Mark the job done and record its asset in one transaction.

        ``steps`` is the worker's final (step, total): a quick job may finish before any
        progress report reached the catalog.
        """
        now = time.time()
        with self.db.write() as conn:
            row = conn.execute(
                "select owner, output_id, source_ids from jobs"
                " where id = ? and delivery = ? and status in (?, ?)",
                (job_id, delivery, *ACTIVE),
            ).fetchone()
            if row is None:
                return False
            step, total = steps if steps is not None else (None, None)
            conn.execute(
                "update jobs set status = ?, total = coalesce(?, total),"
                " step = coalesce(?, max(step, total)), eta_s = 0, error = null,"
                " engine_s = ?, finished_at = ?, updated_at = ? where id = ?",
                (DONE, total, step, engine_s, now, now, job_id),
            )
            conn.execute(
                "insert into assets (id, owner, output_type, source, model, path, params, meta,"
                " job_id, created_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (row["output_id"], row["owner"], output_type, source, model, path,
                 compact_json(dict(asset_params)), compact_json(dict(meta)), job_id, now),
            )  # fmt: skip
            conn.executemany(
                "insert or ignore into asset_sources (asset_id, source_id) values (?, ?)",
                [(row["output_id"], source) for source in json.loads(row["source_ids"])],
            )
            return True

    def finish(self, job_id: str, delivery: int, status: str, error: str | None) -> bool:
        """Mark a queued or running job failed or cancelled (no asset)."""
        if status not in (FAILED, CANCELLED):
            raise ValueError(f"finish() takes failed or cancelled, not {status!r}.")
        now = time.time()
        with self.db.write() as conn:
            cur = conn.execute(
                "update jobs set status = ?, error = ?, eta_s = null, finished_at = ?,"
                " updated_at = ? where id = ? and delivery = ? and status in (?, ?)",
                (status, error, now, now, job_id, delivery, *ACTIVE),
            )
            return cur.rowcount == 1

    def requeue(
        self,
        job_id: str,
        delivery: int,
        *,
        max_attempts: int,
        reason: str,
        count_attempt: bool = True,
    ) -> Job | None:
        """Give a job whose worker was lost a new delivery, or fail it after max_attempts.

        Returns the job as it is now, or None when it had already moved on. A job the
        worker handed back on a graceful stop (``count_attempt=False``) is not charged.
        """
        now = time.time()
        with self.db.write() as conn:
            row = conn.execute(
                "select attempts, cancel_requested from jobs"
                " where id = ? and delivery = ? and status in (?, ?)",
                (job_id, delivery, *ACTIVE),
            ).fetchone()
            if row is None:
                return None
            attempts = row["attempts"] if count_attempt else max(row["attempts"] - 1, 0)
            if row["cancel_requested"]:
                conn.execute(
                    "update jobs set status = ?, error = ?, finished_at = ?, updated_at = ?"
                    " where id = ?",
                    (CANCELLED, "Cancelled.", now, now, job_id),
                )
            elif attempts >= max_attempts:
                conn.execute(
                    "update jobs set status = ?, error = ?, eta_s = null, finished_at = ?,"
                    " updated_at = ? where id = ?",
                    (FAILED, reason, now, now, job_id),
                )
            else:
                conn.execute(
                    "update jobs set status = ?, delivery = delivery + 1, attempts = ?,"
                    " worker = null, step = 0, total = 0, eta_s = null, phase = null,"
                    " started_at = null, dispatched_at = null, batch_of = null,"
                    " heartbeat_at = null, progress_at = null, updated_at = ? where id = ?",
                    (QUEUED, attempts, now, job_id),
                )
        return self.jobs.get(job_id)

    def request_cancel(self, job_id: str) -> Job | None:
        """Flag an active job for cancellation; returns the job as it is now."""
        with self.db.write() as conn:
            conn.execute(
                "update jobs set cancel_requested = 1, updated_at = ?"
                " where id = ? and status in (?, ?)",
                (time.time(), job_id, *ACTIVE),
            )
        return self.jobs.get(job_id)

    def cancel_queued(self, job_id: str, delivery: int) -> bool:
        """queued -> cancelled; False when a worker started it first."""
        return self._set_status_if(job_id, delivery, QUEUED, CANCELLED, "Cancelled before it ran.")

    def _set_status_if(
        self, job_id: str, delivery: int, expected: str, status: str, error: str | None
    ) -> bool:
        now = time.time()
        with self.db.write() as conn:
            cur = conn.execute(
                "update jobs set status = ?, error = ?, finished_at = ?, updated_at = ?"
                " where id = ? and delivery = ? and status = ?",
                (status, error, now, now, job_id, delivery, expected),
            )
            return cur.rowcount == 1
