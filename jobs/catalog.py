"""The catalog: the studio's own SQLite database, the source of truth for jobs and assets.

Only the studio side (the page API and the keeper) opens it; workers never do, so a
worker on another machine needs nothing but the queue. Every status change is a
compare-and-set on (status, delivery): a late or repeated message can never move a job
backwards or finish it twice.

Job states: queued -> running -> done | failed | cancelled; running -> queued when its
worker died (a new delivery) and queued -> cancelled before it starts.
"""

from __future__ import annotations

import json
import sqlite3
import time
import uuid
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

QUEUED, RUNNING, DONE, FAILED, CANCELLED = "queued", "running", "done", "failed", "cancelled"
STATUSES = (QUEUED, RUNNING, DONE, FAILED, CANCELLED)
ACTIVE = (QUEUED, RUNNING)

SCHEMA = """
create table if not exists jobs (
    seq integer primary key autoincrement,   -- submission order
    id text not null unique,
    owner text not null,
    kind text not null,
    params text not null,                    -- JSON, validated at submit
    status text not null check (status in ('queued', 'running', 'done', 'failed', 'cancelled')),
    step integer not null default 0,
    total integer not null default 0,
    eta_s real,                              -- seconds left, estimated by the worker
    attempts integer not null default 0,     -- times a worker started it
    delivery integer not null default 1,     -- message generation; a re-queue adds one
    cancel_requested integer not null default 0,
    worker text,                             -- host:pid of the worker running it
    error text,                              -- message for the user when failed
    output_id text not null,                 -- id of the asset it writes when done
    source_ids text not null default '[]',   -- JSON list of input asset ids
    engine_s real,                           -- seconds the engine itself took
    created_at real not null,
    started_at real,
    heartbeat_at real,                       -- last sign of life, on the catalog's clock
    progress_at real,
    finished_at real,
    updated_at real not null
);
create index if not exists jobs_owner_seq on jobs (owner, seq);
create index if not exists jobs_status on jobs (status);

create table if not exists assets (
    id text primary key,
    owner text not null,
    kind text not null,                      -- video, music, upload, ...
    path text not null unique,               -- relative to the data dir
    params text not null default '{}',       -- JSON: the settings that made it
    meta text not null default '{}',         -- JSON: the engine's result
    job_id text references jobs (id),
    created_at real not null
);
create index if not exists assets_owner_created on assets (owner, created_at);

create table if not exists asset_sources (
    asset_id text not null references assets (id) on delete cascade,
    source_id text not null,
    primary key (asset_id, source_id)
);

create table if not exists services (
    name text primary key,                   -- keeper, worker host:pid, ...
    info text not null default '{}',
    beat_at real not null
);
"""


@dataclass(frozen=True)
class Job:
    id: str
    seq: int
    owner: str
    kind: str
    params: dict[str, Any]
    status: str
    step: int
    total: int
    eta_s: float | None
    attempts: int
    delivery: int
    cancel_requested: bool
    worker: str | None
    error: str | None
    output_id: str
    source_ids: tuple[str, ...]
    engine_s: float | None
    created_at: float
    started_at: float | None
    heartbeat_at: float | None
    progress_at: float | None
    finished_at: float | None
    updated_at: float

    @property
    def active(self) -> bool:
        return self.status in ACTIVE

    @property
    def asset_id(self) -> str | None:
        """The asset it made, once done."""
        return self.output_id if self.status == DONE else None

    @property
    def fraction(self) -> float:
        """Progress from 0 to 1, for a progress bar."""
        if self.status == DONE:
            return 1.0
        return min(self.step / self.total, 1.0) if self.total else 0.0


@dataclass(frozen=True)
class Asset:
    id: str
    owner: str
    kind: str
    path: str  # relative to the data dir
    params: dict[str, Any]
    meta: dict[str, Any]
    job_id: str | None
    source_ids: tuple[str, ...]
    created_at: float


def new_id() -> str:
    return uuid.uuid4().hex


def _dumps(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def _job(row: sqlite3.Row) -> Job:
    return Job(
        id=row["id"],
        seq=row["seq"],
        owner=row["owner"],
        kind=row["kind"],
        params=json.loads(row["params"]),
        status=row["status"],
        step=row["step"],
        total=row["total"],
        eta_s=row["eta_s"],
        attempts=row["attempts"],
        delivery=row["delivery"],
        cancel_requested=bool(row["cancel_requested"]),
        worker=row["worker"],
        error=row["error"],
        output_id=row["output_id"],
        source_ids=tuple(json.loads(row["source_ids"])),
        engine_s=row["engine_s"],
        created_at=row["created_at"],
        started_at=row["started_at"],
        heartbeat_at=row["heartbeat_at"],
        progress_at=row["progress_at"],
        finished_at=row["finished_at"],
        updated_at=row["updated_at"],
    )


class Catalog:
    """Jobs and assets in one SQLite file in WAL mode; safe to share between threads.

    Each call opens its own short-lived connection, so Streamlit's script threads, the
    keeper thread and tests can all use one instance.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as conn:
            # WAL: readers (every page poll) never block the keeper's writes.
            conn.execute("pragma journal_mode=wal")
            conn.executescript(SCHEMA)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        try:
            conn.row_factory = sqlite3.Row
            conn.execute("pragma foreign_keys=on")
            conn.execute("pragma synchronous=normal")  # WAL + normal: durable across crashes
            yield conn
        finally:
            conn.close()

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One transaction that takes the write lock up front (no upgrade deadlocks)."""
        with self._connect() as conn:
            conn.execute("begin immediate")
            try:
                yield conn
            except BaseException:
                conn.execute("rollback")
                raise
            conn.execute("commit")

    # -- jobs: submit and read -------------------------------------------------------

    def add_job(
        self,
        owner: str,
        kind: str,
        params: Mapping[str, Any],
        source_ids: Iterable[str] = (),
    ) -> Job:
        now = time.time()
        job_id = new_id()
        with self._write() as conn:
            conn.execute(
                "insert into jobs (id, owner, kind, params, status, output_id, source_ids,"
                " created_at, updated_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (job_id, owner, kind, _dumps(dict(params)), QUEUED, new_id(),
                 _dumps(list(source_ids)), now, now),
            )  # fmt: skip
        job = self.get_job(job_id)
        assert job is not None
        return job

    def get_job(self, job_id: str) -> Job | None:
        with self._connect() as conn:
            row = conn.execute("select * from jobs where id = ?", (job_id,)).fetchone()
        return _job(row) if row is not None else None

    def list_jobs(
        self,
        owner: str | None = None,
        statuses: Iterable[str] | None = None,
        limit: int = 100,
    ) -> list[Job]:
        """Newest first; every owner's when ``owner`` is None (the admin's view)."""
        where, args = self._filters(owner, statuses)
        with self._connect() as conn:
            rows = conn.execute(
                f"select * from jobs {where} order by seq desc limit ?", (*args, limit)
            ).fetchall()
        return [_job(row) for row in rows]

    def active_jobs(self) -> list[Job]:
        """Queued and running jobs, oldest first."""
        with self._connect() as conn:
            rows = conn.execute(
                "select * from jobs where status in (?, ?) order by seq", ACTIVE
            ).fetchall()
        return [_job(row) for row in rows]

    def count_by_status(self) -> dict[str, int]:
        with self._connect() as conn:
            rows = conn.execute("select status, count(*) from jobs group by status").fetchall()
        counts = dict.fromkeys(STATUSES, 0)
        counts.update({status: n for status, n in rows})
        return counts

    @staticmethod
    def _filters(owner: str | None, statuses: Iterable[str] | None) -> tuple[str, list[Any]]:
        clauses, args = [], []
        if owner is not None:
            clauses.append("owner = ?")
            args.append(owner)
        if statuses is not None:
            wanted = list(statuses)
            clauses.append(f"status in ({','.join('?' * len(wanted))})")
            args.extend(wanted)
        return ("where " + " and ".join(clauses) if clauses else ""), args

    # -- jobs: transitions (compare-and-set) -----------------------------------------

    def mark_running(self, job_id: str, delivery: int, worker: str) -> bool:
        """queued -> running for this delivery; False when it already moved on."""
        now = time.time()
        with self._write() as conn:
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
    ) -> bool:
        """Progress of a running job; it counts as a heartbeat too."""
        now = time.time()
        with self._write() as conn:
            cur = conn.execute(
                "update jobs set step = ?, total = ?, eta_s = ?, progress_at = ?,"
                " heartbeat_at = ?, updated_at = ? where id = ? and status = ? and delivery = ?",
                (step, total, eta_s, now, now, now, job_id, RUNNING, delivery),
            )
            return cur.rowcount == 1

    def record_heartbeat(self, job_id: str, delivery: int) -> bool:
        now = time.time()
        with self._write() as conn:
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
        asset_kind: str,
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
        with self._write() as conn:
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
                "insert into assets (id, owner, kind, path, params, meta, job_id, created_at)"
                " values (?, ?, ?, ?, ?, ?, ?, ?)",
                (row["output_id"], row["owner"], asset_kind, path, _dumps(dict(asset_params)),
                 _dumps(dict(meta)), job_id, now),
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
        with self._write() as conn:
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
        with self._write() as conn:
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
                    " worker = null, step = 0, total = 0, eta_s = null, started_at = null,"
                    " heartbeat_at = null, progress_at = null, updated_at = ? where id = ?",
                    (QUEUED, attempts, now, job_id),
                )
        return self.get_job(job_id)

    def request_cancel(self, job_id: str) -> Job | None:
        """Flag an active job for cancellation; returns the job as it is now."""
        with self._write() as conn:
            conn.execute(
                "update jobs set cancel_requested = 1, updated_at = ?"
                " where id = ? and status in (?, ?)",
                (time.time(), job_id, *ACTIVE),
            )
        return self.get_job(job_id)

    def cancel_queued(self, job_id: str, delivery: int) -> bool:
        """queued -> cancelled; False when a worker started it first."""
        return self._set_status_if(job_id, delivery, QUEUED, CANCELLED, "Cancelled before it ran.")

    def _set_status_if(
        self, job_id: str, delivery: int, expected: str, status: str, error: str | None
    ) -> bool:
        now = time.time()
        with self._write() as conn:
            cur = conn.execute(
                "update jobs set status = ?, error = ?, finished_at = ?, updated_at = ?"
                " where id = ? and delivery = ? and status = ?",
                (status, error, now, now, job_id, delivery, expected),
            )
            return cur.rowcount == 1

    # -- assets ----------------------------------------------------------------------

    def add_asset(
        self,
        owner: str,
        kind: str,
        path: str,
        *,
        asset_id: str | None = None,
        params: Mapping[str, Any] | None = None,
        meta: Mapping[str, Any] | None = None,
        source_ids: Iterable[str] = (),
    ) -> Asset:
        """Record a file that is already in place (an upload, say)."""
        asset_id = asset_id or new_id()
        with self._write() as conn:
            conn.execute(
                "insert into assets (id, owner, kind, path, params, meta, job_id, created_at)"
                " values (?, ?, ?, ?, ?, ?, null, ?)",
                (asset_id, owner, kind, path, _dumps(dict(params or {})),
                 _dumps(dict(meta or {})), time.time()),
            )  # fmt: skip
            conn.executemany(
                "insert or ignore into asset_sources (asset_id, source_id) values (?, ?)",
                [(asset_id, source) for source in source_ids],
            )
        asset = self.get_asset(asset_id)
        assert asset is not None
        return asset

    def get_asset(self, asset_id: str) -> Asset | None:
        with self._connect() as conn:
            row = conn.execute("select * from assets where id = ?", (asset_id,)).fetchone()
            return self._asset(conn, row) if row is not None else None

    def asset_by_path(self, path: str) -> Asset | None:
        with self._connect() as conn:
            row = conn.execute("select * from assets where path = ?", (path,)).fetchone()
            return self._asset(conn, row) if row is not None else None

    def list_assets(
        self, owner: str | None = None, kind: str | None = None, limit: int = 200
    ) -> list[Asset]:
        """Newest first; every owner's when ``owner`` is None (the admin's view)."""
        clauses, args = [], []
        if owner is not None:
            clauses.append("owner = ?")
            args.append(owner)
        if kind is not None:
            clauses.append("kind = ?")
            args.append(kind)
        where = "where " + " and ".join(clauses) if clauses else ""
        with self._connect() as conn:
            rows = conn.execute(
                f"select * from assets {where} order by created_at desc, rowid desc limit ?",
                (*args, limit),
            ).fetchall()
            return [self._asset(conn, row) for row in rows]

    def delete_asset(self, asset_id: str) -> Asset | None:
        """Forget an asset (the caller removes its file); returns what was removed."""
        asset = self.get_asset(asset_id)
        if asset is None:
            return None
        with self._write() as conn:
            conn.execute("delete from assets where id = ?", (asset_id,))
        return asset

    @staticmethod
    def _asset(conn: sqlite3.Connection, row: sqlite3.Row) -> Asset:
        sources = conn.execute(
            "select source_id from asset_sources where asset_id = ? order by source_id",
            (row["id"],),
        ).fetchall()
        return Asset(
            id=row["id"],
            owner=row["owner"],
            kind=row["kind"],
            path=row["path"],
            params=json.loads(row["params"]),
            meta=json.loads(row["meta"]),
            job_id=row["job_id"],
            source_ids=tuple(source for (source,) in sources),
            created_at=row["created_at"],
        )

    # -- services (keeper and workers, for the admin page) ---------------------------

    def record_service(self, name: str, info: Mapping[str, Any]) -> None:
        with self._write() as conn:
            conn.execute(
                "insert into services (name, info, beat_at) values (?, ?, ?)"
                " on conflict (name) do update"
                " set info = excluded.info, beat_at = excluded.beat_at",
                (name, _dumps(dict(info)), time.time()),
            )

    def services(self, within_s: float | None = None) -> dict[str, dict[str, Any]]:
        """Services that reported, with ``beat_at``; only recent ones with ``within_s``."""
        since = time.time() - within_s if within_s is not None else 0.0
        with self._connect() as conn:
            rows = conn.execute(
                "select name, info, beat_at from services where beat_at >= ? order by name",
                (since,),
            ).fetchall()
        return {name: {**json.loads(info), "beat_at": beat} for name, info, beat in rows}
