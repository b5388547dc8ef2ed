"""The catalog's assets: the files jobs made and users uploaded, with their lineage."""

from __future__ import annotations

import builtins
import time
from collections.abc import Iterable, Mapping
from typing import Any

from jobs.catalog.database import CatalogDatabase
from jobs.catalog.records import Asset, asset_from_row, compact_json, new_id


class AssetStore:
    """Records of files under the data dir; the files themselves are the caller's."""

    def __init__(self, db: CatalogDatabase) -> None:
        self.db = db

    def add(
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
        with self.db.write() as conn:
            conn.execute(
                "insert into assets (id, owner, kind, path, params, meta, job_id, created_at)"
                " values (?, ?, ?, ?, ?, ?, null, ?)",
                (asset_id, owner, kind, path, compact_json(dict(params or {})),
                 compact_json(dict(meta or {})), time.time()),
            )  # fmt: skip
            conn.executemany(
                "insert or ignore into asset_sources (asset_id, source_id) values (?, ?)",
                [(asset_id, source) for source in source_ids],
            )
        asset = self.get(asset_id)
        assert asset is not None
        return asset

    def get(self, asset_id: str) -> Asset | None:
        with self.db.connect() as conn:
            row = conn.execute("select * from assets where id = ?", (asset_id,)).fetchone()
            return asset_from_row(conn, row) if row is not None else None

    def by_path(self, path: str) -> Asset | None:
        with self.db.connect() as conn:
            row = conn.execute("select * from assets where path = ?", (path,)).fetchone()
            return asset_from_row(conn, row) if row is not None else None

    def list(
        self, owner: str | None = None, kind: str | None = None, limit: int = 200
    ) -> builtins.list[Asset]:
        """Newest first; every owner's when ``owner`` is None (the admin's view)."""
        clauses, args = [], []
        if owner is not None:
            clauses.append("owner = ?")
            args.append(owner)
        if kind is not None:
            clauses.append("kind = ?")
            args.append(kind)
        where = "where " + " and ".join(clauses) if clauses else ""
        with self.db.connect() as conn:
            rows = conn.execute(
                f"select * from assets {where} order by created_at desc, rowid desc limit ?",
                (*args, limit),
            ).fetchall()
            return [asset_from_row(conn, row) for row in rows]

    def delete(self, asset_id: str) -> Asset | None:
        """Forget an asset (the caller removes its file); returns what was removed."""
        asset = self.get(asset_id)
        if asset is None:
            return None
        with self.db.write() as conn:
            conn.execute("delete from assets where id = ?", (asset_id,))
        return asset
