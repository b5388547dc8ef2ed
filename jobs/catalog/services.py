"""The catalog's service heartbeats: keeper and workers, as the admin page lists them."""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from typing import Any

from jobs.catalog.database import CatalogDatabase
from jobs.catalog.records import compact_json


class ServiceHeartbeats:
    """The last report of each service, by name (keeper, worker host:pid, ...)."""

    def __init__(self, db: CatalogDatabase) -> None:
        self.db = db

    def record(self, name: str, info: Mapping[str, Any]) -> None:
        with self.db.write() as conn:
            conn.execute(
                "insert into services (name, info, beat_at) values (?, ?, ?)"
                " on conflict (name) do update"
                " set info = excluded.info, beat_at = excluded.beat_at",
                (name, compact_json(dict(info)), time.time()),
            )

    def recent(self, within_s: float | None = None) -> dict[str, dict[str, Any]]:
        """Services that reported, with ``beat_at``; only recent ones with ``within_s``."""
        since = time.time() - within_s if within_s is not None else 0.0
        with self.db.connect() as conn:
            rows = conn.execute(
                "select name, info, beat_at from services where beat_at >= ? order by name",
                (since,),
            ).fetchall()
        return {name: {**json.loads(info), "beat_at": beat} for name, info, beat in rows}
