"""The catalog's SQLite file: where it lives, its schema, and the connections every part uses."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

CATALOG_FILE = "catalog.sqlite3"  # jobs, assets, and the studio's accounts and login limits


def catalog_path(data_dir: Path) -> Path:
    """The one catalog file of a studio's data dir."""
    return data_dir / CATALOG_FILE


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
    dispatched_at real,                      -- when the keeper sent this delivery to the queue
    started_at real,
    heartbeat_at real,                       -- last sign of life, on the catalog's clock
    progress_at real,
    finished_at real,
    updated_at real not null
);
create index if not exists jobs_owner_seq on jobs (owner, seq);
create index if not exists jobs_status on jobs (status);
create index if not exists jobs_owner_dispatched on jobs (owner, dispatched_at);

create table if not exists user_limits (    -- an admin's overrides of the studio's defaults
    owner text primary key,
    max_queued integer,                      -- null: STUDIO_MAX_QUEUED_PER_USER
    daily_gpu_seconds real,                  -- null: STUDIO_DAILY_GPU_SECONDS_PER_USER; 0: no cap
    updated_at real not null
);

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


class CatalogDatabase:
    """One SQLite file in WAL mode; each call opens its own short-lived connection."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.connect() as conn:
            # WAL: readers (every page poll) never block the keeper's writes.
            conn.execute("pragma journal_mode=wal")
            _add_dispatched_at(conn)
            conn.executescript(SCHEMA)

    @contextmanager
    def connect(self) -> Iterator[sqlite3.Connection]:
        conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        try:
            conn.row_factory = sqlite3.Row
            conn.execute("pragma foreign_keys=on")
            conn.execute("pragma synchronous=normal")  # WAL + normal: durable across crashes
            yield conn
        finally:
            conn.close()

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """One transaction that takes the write lock up front (no upgrade deadlocks)."""
        with self.connect() as conn:
            conn.execute("begin immediate")
            try:
                yield conn
            except BaseException:
                conn.execute("rollback")
                raise
            conn.execute("commit")


def _add_dispatched_at(conn: sqlite3.Connection) -> None:
    """Catalogs made before fair scheduling: their queued jobs were already sent (FIFO)."""
    columns = {row[1] for row in conn.execute("pragma table_info(jobs)")}
    if not columns or "dispatched_at" in columns:
        return  # a new catalog (the schema creates it), or already there
    conn.execute("alter table jobs add column dispatched_at real")
    conn.execute("update jobs set dispatched_at = created_at where status = 'queued'")
