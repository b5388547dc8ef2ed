"""The catalog's SQLite file: where it lives, its schema, and the connections every part uses."""

from __future__ import annotations

import json
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
    phase text,                              -- what it does now: loading the model, denoising...
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
    updated_at real not null,
    group_id text,                           -- variations submitted together share it
    batch_of text                            -- id of the job whose message carried it (a batch)
);
create index if not exists jobs_owner_seq on jobs (owner, seq);
create index if not exists jobs_status on jobs (status);
create index if not exists jobs_owner_dispatched on jobs (owner, dispatched_at);

create table if not exists user_limits (    -- an admin's overrides of the studio's defaults
    owner text primary key,
    max_queued integer,                      -- null: STUDIO_MAX_QUEUED_PER_USER
    daily_gpu_seconds real,                  -- null: STUDIO_DAILY_GPU_SECONDS_PER_USER; 0: no cap
    cost_allowance real,                     -- null: STUDIO_COST_ALLOWANCE_PER_USER
    updated_at real not null
);

create table if not exists assets (
    id text primary key,
    owner text not null,
    output_type text not null,               -- what the file is: video or audio
    source text not null,                    -- how it came: generated, combined, scored, uploaded
    model text,                              -- the model that made it (none for uploads)
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
        use_wal(self.path)
        with self.connect() as conn:
            _add_dispatched_at(conn)
            _split_asset_kind(conn)
            _add_phase(conn)
            _add_batching(conn)
            _add_cost_allowance(conn)
            conn.executescript(SCHEMA)
            _add_boards(conn)

    @contextmanager
    def connect(self) -> Iterator[sqlite3.Connection]:
        with connect(self.path, rows=True) as conn:
            yield conn

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """One transaction that takes the write lock up front (no upgrade deadlocks)."""
        with transaction(self.path, rows=True) as conn:
            yield conn


@contextmanager
def connect(path: str | Path, *, rows: bool = False) -> Iterator[sqlite3.Connection]:
    """A short-lived connection to a studio SQLite file, in autocommit mode (every store
    opens its own: the catalog, the accounts, the API tokens, the login limits)."""
    conn = sqlite3.connect(path, timeout=30, isolation_level=None)
    try:
        if rows:
            conn.row_factory = sqlite3.Row
        conn.execute("pragma foreign_keys=on")
        conn.execute("pragma synchronous=normal")  # WAL + normal: durable across crashes
        yield conn
    finally:
        conn.close()


@contextmanager
def transaction(path: str | Path, *, rows: bool = False) -> Iterator[sqlite3.Connection]:
    """One transaction, committed when the block ends, rolled back if it raises.

    It takes the write lock first: check-then-write is one atomic step, and a read that
    goes on to write never meets SQLite's "database is locked" on upgrading its lock in WAL
    mode (the busy timeout waits for a lock taken up front, not for an upgrade)."""
    with connect(path, rows=rows) as conn:
        conn.execute("begin immediate")
        try:
            yield conn
        except BaseException:
            conn.execute("rollback")
            raise
        conn.execute("commit")


def use_wal(path: str | Path) -> None:
    """Write-ahead logging: readers (every page poll) never block a writer. Set once; the
    file keeps it."""
    with connect(path) as conn:
        conn.execute("pragma journal_mode=wal")


def _add_dispatched_at(conn: sqlite3.Connection) -> None:
    """Catalogs made before fair scheduling: their queued jobs were already sent (FIFO)."""
    columns = {row[1] for row in conn.execute("pragma table_info(jobs)")}
    if not columns or "dispatched_at" in columns:
        return  # a new catalog (the schema creates it), or already there
    conn.execute("alter table jobs add column dispatched_at real")
    conn.execute("update jobs set dispatched_at = created_at where status = 'queued'")


# An old catalog's asset "kind" said three things at once; what each value meant.
OLD_ASSET_KINDS = {
    "video": ("video", "generated"),
    "music": ("audio", "generated"),
    "melody": ("audio", "generated"),  # a track made from a melody is a generated track
    "combine": ("video", "combined"),
    "score": ("video", "scored"),
}
VIDEO_SUFFIXES = (".mp4", ".mkv", ".avi", ".mov", ".webm")


def _add_phase(conn: sqlite3.Connection) -> None:
    """Catalogs made before jobs told their phase: running jobs simply have none yet."""
    columns = {row[1] for row in conn.execute("pragma table_info(jobs)")}
    if columns and "phase" not in columns:
        conn.execute("alter table jobs add column phase text")


def _add_batching(conn: sqlite3.Connection) -> None:
    """Catalogs made before variations ran as one batch: their jobs belong to no group."""
    columns = {row[1] for row in conn.execute("pragma table_info(jobs)")}
    for column in ("group_id", "batch_of"):
        if columns and column not in columns:
            conn.execute(f"alter table jobs add column {column} text")


def _add_cost_allowance(conn: sqlite3.Connection) -> None:
    """Catalogs made before the cost guard: every user has the studio's default allowance."""
    columns = {row[1] for row in conn.execute("pragma table_info(user_limits)")}
    if columns and "cost_allowance" not in columns:
        conn.execute("alter table user_limits add column cost_allowance real")


def _split_asset_kind(conn: sqlite3.Connection) -> None:
    """Catalogs made before output types: one ``kind`` column becomes output type, source
    and model (uploads' type from their stored suffix, which came from their content)."""
    columns = {row[1] for row in conn.execute("pragma table_info(assets)")}
    if not columns or "output_type" in columns:
        return
    conn.execute("begin immediate")
    try:
        conn.execute("alter table assets add column output_type text not null default 'video'")
        conn.execute("alter table assets add column source text not null default 'uploaded'")
        conn.execute("alter table assets add column model text")
        rows = conn.execute("select id, kind, path, meta from assets").fetchall()
        for row in rows:
            output_type, source = OLD_ASSET_KINDS.get(row["kind"], (None, "uploaded"))
            if output_type is None:  # an upload (or a kind no one knows): its content says
                is_video = str(row["path"]).lower().endswith(VIDEO_SUFFIXES)
                output_type = "video" if is_video else "audio"
            model = _json_field(row["meta"], "model") if source != "uploaded" else None
            conn.execute(
                "update assets set output_type = ?, source = ?, model = ? where id = ?",
                (output_type, source, model, row["id"]),
            )
        conn.execute("alter table assets drop column kind")
        conn.execute("commit")
    except BaseException:
        conn.execute("rollback")
        raise


def _json_field(text: str, name: str) -> str | None:
    try:
        value = json.loads(text or "{}").get(name)
    except (ValueError, AttributeError):
        return None
    return str(value) if value is not None else None


BOARDS_SCHEMA = """
create table if not exists boards (
    id text primary key,
    owner text not null,
    title text not null,
    spec text not null,                      -- JSON: shots, soundtrack, cuts, transition
    render text not null default '{}',       -- JSON: the render's jobs, plan and piece
    status text not null default 'draft',    -- draft, rendering, done, failed, cancelled
    version integer not null default 1,      -- compare-and-set of spec and render
    created_at real not null,
    updated_at real not null
);
create index if not exists boards_owner_updated on boards (owner, updated_at);
create index if not exists boards_status on boards (status);
"""


def _add_boards(conn: sqlite3.Connection) -> None:
    """Catalogs made before storyboards: an empty boards table beside the jobs."""
    conn.executescript(BOARDS_SCHEMA)
