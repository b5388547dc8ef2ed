"""The catalog's records: job statuses, the Job and Asset rows as frozen dataclasses."""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

QUEUED, RUNNING, DONE, FAILED, CANCELLED = "queued", "running", "done", "failed", "cancelled"
STATUSES = (QUEUED, RUNNING, DONE, FAILED, CANCELLED)
ACTIVE = (QUEUED, RUNNING)


def asked_text(params: Mapping[str, Any] | None) -> str:
    """What a job or asset was asked for in words: a video's prompt, a track's description
    (a score's too); "" when its params have neither (a combine, an upload)."""
    params = params or {}
    return str(params.get("prompt") or params.get("description") or "")


def restart_note(job: Job, max_attempts: int) -> str | None:
    """A job started again after its worker was lost says so, and which try this is
    (the job panel and the API's job answer show it); None on its first try."""
    if job.status not in ACTIVE:
        return None
    # Running: this try is counted already; waiting again: the next one is.
    attempt = job.attempts if job.status == RUNNING else job.attempts + 1
    if attempt <= 1:
        return None
    limit = max(max_attempts, attempt)
    return f"The worker stopped; restarting from the beginning (attempt {attempt} of {limit})"


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
    phase: str | None  # what a running job does now, as its worker reports it
    attempts: int
    delivery: int
    cancel_requested: bool
    worker: str | None
    error: str | None
    output_id: str
    source_ids: tuple[str, ...]
    engine_s: float | None
    created_at: float
    dispatched_at: float | None  # sent to the queue (the keeper's fair pick); None: not yet
    started_at: float | None
    heartbeat_at: float | None
    progress_at: float | None
    finished_at: float | None
    updated_at: float
    group_id: str | None = None  # variations submitted together share it
    batch_of: str | None = None  # the job whose message carried this one (one batch)

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


OUTPUT_TYPES = ("video", "audio", "image")  # what an asset's file is (engines.params.MEDIA)
SOURCES = (
    "generated",
    "combined",
    "scored",
    "uploaded",
    "extended",
    "storyboard",
)  # how it came to be


@dataclass(frozen=True)
class Asset:
    id: str
    owner: str
    output_type: str  # video, audio or image
    source: str  # generated, combined, scored, uploaded, extended or storyboard
    model: str | None  # the model that made it; None for uploads and plain edits
    path: str  # relative to the data dir
    params: dict[str, Any]
    meta: dict[str, Any]
    job_id: str | None
    source_ids: tuple[str, ...]
    created_at: float


def new_id() -> str:
    return uuid.uuid4().hex


def compact_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def job_from_row(row: sqlite3.Row) -> Job:
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
        phase=row["phase"],
        attempts=row["attempts"],
        delivery=row["delivery"],
        cancel_requested=bool(row["cancel_requested"]),
        worker=row["worker"],
        error=row["error"],
        output_id=row["output_id"],
        source_ids=tuple(json.loads(row["source_ids"])),
        engine_s=row["engine_s"],
        created_at=row["created_at"],
        dispatched_at=row["dispatched_at"],
        started_at=row["started_at"],
        heartbeat_at=row["heartbeat_at"],
        progress_at=row["progress_at"],
        finished_at=row["finished_at"],
        updated_at=row["updated_at"],
        group_id=row["group_id"],
        batch_of=row["batch_of"],
    )


def asset_from_row(conn: sqlite3.Connection, row: sqlite3.Row) -> Asset:
    """An assets row with the ids of the assets it was made from (a second query)."""
    sources = conn.execute(
        "select source_id from asset_sources where asset_id = ? order by source_id",
        (row["id"],),
    ).fetchall()
    return Asset(
        id=row["id"],
        owner=row["owner"],
        output_type=row["output_type"],
        source=row["source"],
        model=row["model"],
        path=row["path"],
        params=json.loads(row["params"]),
        meta=json.loads(row["meta"]),
        job_id=row["job_id"],
        source_ids=tuple(source for (source,) in sources),
        created_at=row["created_at"],
    )
