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
        self,
        owner: str | None = None,
        kind: str | None = None,
        limit: int = 200,
        *,
        offset: int = 0,
        search: str | None = None,
    ) -> builtins.list[Asset]:
        """Newest first, one page of ``limit`` from ``offset``; every owner's when ``owner``
        is None (the admin's view); ``search`` finds words in prompts, descriptions and
        uploaded file names."""
        where, args = _filters(owner, kind, search)
        with self.db.connect() as conn:
            rows = conn.execute(
                f"select * from assets {where} order by created_at desc, rowid desc"
                " limit ? offset ?",
                (*args, limit, offset),
            ).fetchall()
            return [asset_from_row(conn, row) for row in rows]

    def count(
        self, owner: str | None = None, kind: str | None = None, *, search: str | None = None
    ) -> int:
        """How many ``list`` would page through."""
        where, args = _filters(owner, kind, search)
        with self.db.connect() as conn:
            (total,) = conn.execute(f"select count(*) from assets {where}", args).fetchone()
        return int(total)

    def delete(self, asset_id: str) -> Asset | None:
        """Forget an asset (the caller removes its file); returns what was removed."""
        asset = self.get(asset_id)
        if asset is None:
            return None
        with self.db.write() as conn:
            conn.execute("delete from assets where id = ?", (asset_id,))
        return asset


# What a search looks in: the words a person typed or the name of the file they uploaded.
SEARCHED_PARAMS = ("$.prompt", "$.description", "$.uploaded_as")


def _filters(
    owner: str | None, kind: str | None, search: str | None
) -> tuple[str, builtins.list[Any]]:
    clauses: builtins.list[str] = []
    args: builtins.list[Any] = []
    if owner is not None:
        clauses.append("owner = ?")
        args.append(owner)
    if kind is not None:
        clauses.append("kind = ?")
        args.append(kind)
    for word in (search or "").split():
        # Each word must appear somewhere (any order); % and _ match themselves.
        pattern = "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        fields = " or ".join(
            f"json_extract(params, '{f}') like ? escape '\\'" for f in SEARCHED_PARAMS
        )
        clauses.append(f"({fields})")
        args.extend([pattern] * len(SEARCHED_PARAMS))
    return ("where " + " and ".join(clauses) if clauses else ""), args
