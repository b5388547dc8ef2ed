"""The catalog: the studio's own SQLite database, the source of truth for jobs and assets.

Only the studio side (the page API and the keeper) opens it; workers never do, so a
worker on another machine needs nothing but the queue. Every status change is a
compare-and-set on (status, delivery): a late or repeated message can never move a job
backwards or finish it twice.

Job states: queued -> running -> done | failed | cancelled; running -> queued when its
worker died (a new delivery) and queued -> cancelled before it starts.

The parts: catalog_db (schema, connections), catalog_records (statuses, Job, Asset),
catalog_jobs (submit, read), catalog_transitions, catalog_assets, catalog_services.
"""

from __future__ import annotations

from jobs.catalog_assets import AssetStore
from jobs.catalog_db import SCHEMA
from jobs.catalog_records import (
    ACTIVE,
    CANCELLED,
    DONE,
    FAILED,
    QUEUED,
    RUNNING,
    STATUSES,
    Asset,
    Job,
    new_id,
)
from jobs.catalog_services import ServiceHeartbeats
from jobs.catalog_transitions import JobTransitions

__all__ = [
    "ACTIVE",
    "CANCELLED",
    "DONE",
    "FAILED",
    "QUEUED",
    "RUNNING",
    "SCHEMA",
    "STATUSES",
    "Asset",
    "Catalog",
    "Job",
    "new_id",
]


class Catalog(JobTransitions, AssetStore, ServiceHeartbeats):
    """Jobs and assets in one SQLite file in WAL mode; safe to share between threads.

    Each call opens its own short-lived connection, so Streamlit's script threads, the
    keeper thread and tests can all use one instance.
    """
