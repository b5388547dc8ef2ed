"""The catalog: the studio's own SQLite database, the source of truth for jobs and assets.

Only the studio side (the page API and the keeper) opens it; workers never do, so a
worker on another machine needs nothing but the queue. Every status change is a
compare-and-set on (status, delivery): a late or repeated message can never move a job
backwards or finish it twice.

Job states: queued -> running -> done | failed | cancelled; running -> queued when its
worker died (a new delivery) and queued -> cancelled before it starts.

What lives here, one module a concept, each part sharing one ``CatalogDatabase``:
- ``database``: the file's path (``catalog_path``), schema and connections;
- ``records``: job statuses and the ``Job`` and ``Asset`` rows;
- ``jobs``: submitting and reading jobs (``catalog.jobs.add``, ``catalog.jobs.get``);
- ``transitions``: every status change (``catalog.transitions.finish_done``);
- ``limits``: an admin's per-user overrides of the queue limits (``catalog.limits.get``);
- ``assets``: the files jobs made and users uploaded (``catalog.assets.get``);
- ``services``: keeper and worker heartbeats (``catalog.services.record``);
- ``boards``: users' storyboards and their renders' state (``catalog.boards.get``).
"""

from __future__ import annotations

from pathlib import Path

from jobs.catalog.assets import AssetStore
from jobs.catalog.boards import BoardStore
from jobs.catalog.database import CatalogDatabase
from jobs.catalog.jobs import JobQueries
from jobs.catalog.limits import UserLimits
from jobs.catalog.services import ServiceHeartbeats
from jobs.catalog.transitions import JobTransitions


class Catalog:
    """Jobs and assets in one SQLite file in WAL mode; safe to share between threads.

    Each call opens its own short-lived connection, so Streamlit's script threads, the
    keeper thread and tests can all use one instance.
    """

    def __init__(self, path: str | Path) -> None:
        self.db = CatalogDatabase(path)
        self.jobs = JobQueries(self.db)
        self.transitions = JobTransitions(self.db, self.jobs)
        self.assets = AssetStore(self.db)
        self.limits = UserLimits(self.db)
        self.services = ServiceHeartbeats(self.db)
        self.boards = BoardStore(self.db)

    @property
    def path(self) -> Path:
        return self.db.path
