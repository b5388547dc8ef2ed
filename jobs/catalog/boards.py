"""The catalog's storyboards: each user's saved boards and the state of their render.

A board's ``spec`` is what the user wrote (shots, soundtrack, cuts, transition), already
checked (``jobs.boards.spec``); its ``render`` is the orchestration's state (the jobs it
submitted, the plan, the piece), advanced by the keeper (``jobs.boards.render``). Every
change is a compare-and-set on ``version``, so two keepers or a page and the keeper never
overwrite each other's step.
"""

from __future__ import annotations

import builtins
import json
import sqlite3
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from jobs.catalog.database import CatalogDatabase
from jobs.catalog.records import compact_json, new_id

DRAFT, RENDERING, DONE, FAILED, CANCELLED = "draft", "rendering", "done", "failed", "cancelled"
BOARD_STATUSES = (DRAFT, RENDERING, DONE, FAILED, CANCELLED)


@dataclass(frozen=True)
class Board:
    id: str
    owner: str
    title: str
    spec: dict[str, Any]  # shots, soundtrack, cuts, transition
    render: dict[str, Any]  # jobs, plan, piece: empty until the first render
    status: str  # one of BOARD_STATUSES
    version: int
    created_at: float
    updated_at: float


def board_from_row(row: sqlite3.Row) -> Board:
    return Board(
        id=row["id"],
        owner=row["owner"],
        title=row["title"],
        spec=json.loads(row["spec"]),
        render=json.loads(row["render"]),
        status=row["status"],
        version=row["version"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


class BoardStore:
    """Saved boards, one row each; private to their owner (the callers check who asks)."""

    def __init__(self, db: CatalogDatabase) -> None:
        self.db = db

    def add(self, owner: str, title: str, spec: Mapping[str, Any]) -> Board:
        board_id, now = new_id(), time.time()
        with self.db.write() as conn:
            conn.execute(
                "insert into boards (id, owner, title, spec, render, status, version,"
                " created_at, updated_at) values (?, ?, ?, ?, '{}', ?, 1, ?, ?)",
                (board_id, owner, title, compact_json(dict(spec)), DRAFT, now, now),
            )
        board = self.get(board_id)
        assert board is not None
        return board

    def get(self, board_id: str) -> Board | None:
        with self.db.connect() as conn:
            row = conn.execute("select * from boards where id = ?", (board_id,)).fetchone()
        return board_from_row(row) if row is not None else None

    def list(self, owner: str | None = None, limit: int = 200) -> builtins.list[Board]:
        """Most recently changed first; every owner's when ``owner`` is None (an admin)."""
        where, args = ("where owner = ?", [owner]) if owner is not None else ("", [])
        with self.db.connect() as conn:
            rows = conn.execute(
                f"select * from boards {where} order by updated_at desc, rowid desc limit ?",
                (*args, limit),
            ).fetchall()
        return [board_from_row(row) for row in rows]

    def rendering(self) -> builtins.list[Board]:
        """Boards whose render goes on: what the keeper advances each pass."""
        with self.db.connect() as conn:
            rows = conn.execute(
                "select * from boards where status = ? order by updated_at", (RENDERING,)
            ).fetchall()
        return [board_from_row(row) for row in rows]

    def update(
        self,
        board_id: str,
        version: int,
        *,
        title: str | None = None,
        spec: Mapping[str, Any] | None = None,
        render: Mapping[str, Any] | None = None,
        status: str | None = None,
    ) -> Board | None:
        """Change what is given if the board is still at ``version``; the board now, or None
        when someone changed it first (read it again and decide again)."""
        if status is not None and status not in BOARD_STATUSES:
            raise ValueError(f"Board status {status!r} is none of {', '.join(BOARD_STATUSES)}.")
        sets: list[str] = ["version = version + 1", "updated_at = ?"]
        args: list[object] = [time.time()]
        for column, value in (
            ("title", title),
            ("spec", compact_json(dict(spec)) if spec is not None else None),
            ("render", compact_json(dict(render)) if render is not None else None),
            ("status", status),
        ):
            if value is not None:
                sets.append(f"{column} = ?")
                args.append(value)
        with self.db.write() as conn:
            changed = conn.execute(
                f"update boards set {', '.join(sets)} where id = ? and version = ?",
                (*args, board_id, version),
            ).rowcount
        return self.get(board_id) if changed else None

    def delete(self, board_id: str) -> bool:
        with self.db.write() as conn:
            return bool(conn.execute("delete from boards where id = ?", (board_id,)).rowcount)
