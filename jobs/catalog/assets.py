"""The catalog's assets: the files jobs made and users uploaded, with their lineage."""

from __future__ import annotations

import builtins
import time
from collections.abc import Iterable, Mapping
from typing import Any

from jobs.catalog.database import CatalogDatabase
from jobs.catalog.records import (
    OUTPUT_TYPES,
    SOURCES,
    Asset,
    asset_from_row,
    compact_json,
    new_id,
)


class AssetStore:
    """Records of files under the data dir; the files themselves are the caller's."""

    def __init__(self, db: CatalogDatabase) -> None:
        self.db = db

    def add(
        self,
        owner: str,
        output_type: str,
        path: str,
        *,
        source: str = "uploaded",
        model: str | None = None,
        asset_id: str | None = None,
        params: Mapping[str, Any] | None = None,
        meta: Mapping[str, Any] | None = None,
        source_ids: Iterable[str] = (),
    ) -> Asset:
        """Record a file that is already in place (an upload, say)."""
        check_asset_names(output_type, source)
        asset_id = asset_id or new_id()
        with self.db.write() as conn:
            conn.execute(
                "insert into assets (id, owner, output_type, source, model, path, params, meta,"
                " job_id, created_at) values (?, ?, ?, ?, ?, ?, ?, ?, null, ?)",
                (asset_id, owner, output_type, source, model, path,
                 compact_json(dict(params or {})), compact_json(dict(meta or {})), time.time()),
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
        output_type: str | None = None,
        limit: int = 200,
        *,
        offset: int = 0,
        search: str | None = None,
        source: str | None = None,
        oldest_first: bool = False,
    ) -> builtins.list[Asset]:
        """Newest first (or oldest), one page of ``limit`` from ``offset``; every owner's
        when ``owner`` is None (the admin's view); ``search`` finds words in prompts,
        descriptions and uploaded file names."""
        where, args = _filters(owner, output_type, source, search)
        order = "asc" if oldest_first else "desc"
        with self.db.connect() as conn:
            rows = conn.execute(
                f"select * from assets {where} order by created_at {order}, rowid {order}"
                " limit ? offset ?",
                (*args, limit, offset),
            ).fetchall()
            return [asset_from_row(conn, row) for row in rows]

    def count(
        self,
        owner: str | None = None,
        output_type: str | None = None,
        *,
        search: str | None = None,
        source: str | None = None,
    ) -> int:
        """How many ``list`` would page through."""
        where, args = _filters(owner, output_type, source, search)
        with self.db.connect() as conn:
            (total,) = conn.execute(f"select count(*) from assets {where}", args).fetchone()
        return int(total)

    def upload_with_hash(self, owner: str, sha256: str) -> Asset | None:
        """The owner's upload of exactly these bytes, if they stored it before."""
        with self.db.connect() as conn:
            row = conn.execute(
                "select * from assets where owner = ? and source = 'uploaded'"
                " and json_extract(params, '$.sha256') = ? order by created_at limit 1",
                (owner, sha256),
            ).fetchone()
            return asset_from_row(conn, row) if row is not None else None

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


def check_asset_names(output_type: str, source: str) -> None:
    if output_type not in OUTPUT_TYPES:
        raise ValueError(f"Output type {output_type!r} is none of {', '.join(OUTPUT_TYPES)}.")
    if source not in SOURCES:
        raise ValueError(f"Source {source!r} is none of {', '.join(SOURCES)}.")


def _filters(
    owner: str | None, output_type: str | None, source: str | None, search: str | None
) -> tuple[str, builtins.list[Any]]:
    clauses: builtins.list[str] = []
    args: builtins.list[Any] = []
    for column, value in (("owner", owner), ("output_type", output_type), ("source", source)):
        if value is not None:
            clauses.append(f"{column} = ?")
            args.append(value)
    for word in (search or "").split():
        # Each word must appear somewhere (any order); % and _ match themselves.
        pattern = "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        fields = " or ".join(
            f"json_extract(params, '{f}') like ? escape '\\'" for f in SEARCHED_PARAMS
        )
        clauses.append(f"({fields})")
        args.extend([pattern] * len(SEARCHED_PARAMS))
    return ("where " + " and ".join(clauses) if clauses else ""), args
