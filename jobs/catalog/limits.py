"""The catalog's per-user limits: an admin's overrides of the studio's defaults."""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass

from jobs.catalog.database import CatalogDatabase


@dataclass(frozen=True)
class LimitOverrides:
    """What an admin set for one user; None means the studio's default applies."""

    max_queued: int | None = None
    daily_gpu_seconds: float | None = None  # 0: no daily budget for this user
    cost_allowance: float | None = None  # times each model's cost limit one job may ask


class UserLimits:
    """Overrides by user name; users without a row get the defaults from settings."""

    def __init__(self, db: CatalogDatabase) -> None:
        self.db = db

    def get(self, owner: str) -> LimitOverrides:
        with self.db.connect() as conn:
            row = conn.execute("select * from user_limits where owner = ?", (owner,)).fetchone()
        return _overrides(row) if row is not None else LimitOverrides()

    def all(self) -> dict[str, LimitOverrides]:
        with self.db.connect() as conn:
            rows = conn.execute("select * from user_limits order by owner").fetchall()
        return {r["owner"]: _overrides(r) for r in rows}

    def set(self, owner: str, overrides: LimitOverrides) -> None:
        with self.db.write() as conn:
            if overrides == LimitOverrides():
                conn.execute("delete from user_limits where owner = ?", (owner,))
                return
            conn.execute(
                "insert into user_limits"
                " (owner, max_queued, daily_gpu_seconds, cost_allowance, updated_at)"
                " values (?, ?, ?, ?, ?) on conflict (owner) do update set"
                " max_queued = excluded.max_queued,"
                " daily_gpu_seconds = excluded.daily_gpu_seconds,"
                " cost_allowance = excluded.cost_allowance,"
                " updated_at = excluded.updated_at",
                (
                    owner,
                    overrides.max_queued,
                    overrides.daily_gpu_seconds,
                    overrides.cost_allowance,
                    time.time(),
                ),
            )


def _overrides(row: sqlite3.Row) -> LimitOverrides:
    return LimitOverrides(row["max_queued"], row["daily_gpu_seconds"], row["cost_allowance"])
