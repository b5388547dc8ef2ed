"""Failed logins, counted per login name and per client address in the catalog database.

Each failure slows the next answer a little more; ``max_failures`` within ``window_s``
blocks further tries until the oldest of them ages out. Blocked tries are not counted,
so nobody is locked out for good: the real user gets in once the window has passed.
The counts live in the catalog file (table ``login_failures``), so they hold across
browser sessions, tabs and studio restarts.

    limits = LoginLimits(catalog_path(data_dir))
    attempt = limits.begin("ana", "203.0.113.7")   # Attempt, or Refusal while blocked
    ...check the password...
    limits.succeeded(attempt)  or  time.sleep(limits.failed(attempt))
"""

from __future__ import annotations

import asyncio
import math
import sqlite3
import time
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from jobs.catalog.database import connect, transaction, use_wal

SCHEMA = """
CREATE TABLE IF NOT EXISTS login_failures (
    id INTEGER PRIMARY KEY,
    subject TEXT NOT NULL,  -- 'name:<login name>' or 'address:<client address>'
    at REAL NOT NULL        -- wall-clock time of the try
);
CREATE INDEX IF NOT EXISTS login_failures_by_subject ON login_failures (subject, at)
"""
MAX_SUBJECT_CHARS = 100  # a megabyte typed as a login name is stored as its first 100 characters


@dataclass(frozen=True)
class LoginPolicy:
    max_failures: int = 10  # per name and per address within the window; the next try is refused
    window_s: float = 15 * 60.0  # failures older than this are forgotten (a block ends then)
    slow_after: int = 3  # the first few typos answer at once; later ones wait
    first_delay_s: float = 0.5  # the wait after failure slow_after + 1, doubling each time
    max_delay_s: float = 8.0

    def delay_after(self, failures: int) -> float:
        """Seconds to wait before answering the ``failures``-th failure in the window."""
        if failures <= self.slow_after:
            return 0.0
        return float(
            min(self.first_delay_s * 2 ** (failures - self.slow_after - 1), self.max_delay_s)
        )


@dataclass(frozen=True)
class Attempt:
    """A try under way: counted as a failure until ``succeeded`` takes it back."""

    row_ids: tuple[int, ...]
    name_subject: str
    failures: int  # the most failures in the window of its name or address, this one included


@dataclass(frozen=True)
class Refusal:
    """Too many failures: no password is checked until ``retry_after_s`` has passed."""

    retry_after_s: float

    @property
    def message(self) -> str:
        minutes = max(1, math.ceil(self.retry_after_s / 60))
        return (
            "Too many failed logins for this name or from this address. "
            f"Try again in {minutes} minute{'s' if minutes > 1 else ''}."
        )


def subjects(username: str, address: str | None) -> list[str]:
    """What a try counts against: its name always, its address when Streamlit knows it."""
    found = [f"name:{username[:MAX_SUBJECT_CHARS]}"]
    if address:
        found.append(f"address:{address[:MAX_SUBJECT_CHARS]}")
    return found


class LoginLimits:
    """Thread- and process-safe: each call opens its own connection and transaction."""

    def __init__(
        self,
        db_path: Path,
        policy: LoginPolicy | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.db_path = db_path
        self.policy = policy or LoginPolicy()
        self.clock = clock
        db_path.parent.mkdir(parents=True, exist_ok=True)
        use_wal(db_path)
        with connect(db_path) as db:
            db.executescript(SCHEMA)

    def begin(self, username: str, address: str | None) -> Attempt | Refusal:
        """Count a try before its password is checked, so parallel tries cannot slip past."""
        now = self.clock()
        horizon = now - self.policy.window_s
        wanted = subjects(username, address)
        # The write lock first: check-then-insert is one atomic step.
        with transaction(self.db_path) as db:
            db.execute("DELETE FROM login_failures WHERE at <= ?", (horizon,))
            retry_after = max(self._blocked_for(db, subject, now) for subject in wanted)
            if retry_after > 0:
                return Refusal(retry_after)
            ids = tuple(
                int(
                    db.execute(
                        "INSERT INTO login_failures (subject, at) VALUES (?, ?)", (subject, now)
                    ).lastrowid
                    or 0
                )
                for subject in wanted
            )
            failures = max(self._count(db, subject) for subject in wanted)
        return Attempt(ids, wanted[0], failures)

    def succeeded(self, attempt: Attempt) -> None:
        """The password matched: take the try back and clear the name's earlier typos.

        The address keeps its count, so one known account cannot launder guesses at others.
        """
        with transaction(self.db_path) as db:
            db.executemany(
                "DELETE FROM login_failures WHERE id = ?", [(i,) for i in attempt.row_ids]
            )
            db.execute("DELETE FROM login_failures WHERE subject = ?", (attempt.name_subject,))

    def failed(self, attempt: Attempt) -> float:
        """The try stays counted; returns how long to wait before answering."""
        return self.policy.delay_after(attempt.failures)

    def failures(self, username: str, address: str | None = None) -> int:
        """Failures in the window counted against this name (and address, when given)."""
        horizon = self.clock() - self.policy.window_s
        with transaction(self.db_path) as db:
            return max(
                int(
                    db.execute(
                        "SELECT COUNT(*) FROM login_failures WHERE subject = ? AND at > ?",
                        (subject, horizon),
                    ).fetchone()[0]
                )
                for subject in subjects(username, address)
            )

    # -- helpers ---------------------------------------------------------------------

    def _count(self, db: sqlite3.Connection, subject: str) -> int:
        return int(
            db.execute(
                "SELECT COUNT(*) FROM login_failures WHERE subject = ?", (subject,)
            ).fetchone()[0]
        )

    def _blocked_for(self, db: sqlite3.Connection, subject: str, now: float) -> float:
        """Seconds until fewer than max_failures remain in the window; 0 when not blocked."""
        row = db.execute(
            "SELECT at FROM login_failures WHERE subject = ? ORDER BY at DESC LIMIT 1 OFFSET ?",
            (subject, self.policy.max_failures - 1),
        ).fetchone()
        if row is None:
            return 0.0
        return max(float(row[0]) + self.policy.window_s - now, 0.0)


# One login try at a time per name and per address, the slow-down included.
#
# A try holds its subjects (``name:<login>``, ``address:<ip>``) from its count to its
# answer, its wait after a failure included, so a second try from the same name or
# address starts only once the first has served its delay: ten guesses take the sum of
# their waits even when sent at once. Locks live in this process (the web server's one
# event loop) and are dropped as soon as nobody holds or waits for them.
class LoginTurns:
    def __init__(self) -> None:
        self._locks: dict[str, asyncio.Lock] = {}
        self._users: dict[str, int] = {}  # holders and waiters per subject

    @asynccontextmanager
    async def hold(self, subjects: Iterable[str]) -> AsyncIterator[None]:
        wanted = sorted(set(subjects))  # one order for everyone: no deadlock between tries
        held: list[str] = []
        for subject in wanted:
            self._users[subject] = self._users.get(subject, 0) + 1
        try:
            for subject in wanted:
                await self._locks.setdefault(subject, asyncio.Lock()).acquire()
                held.append(subject)
            yield
        finally:
            for subject in held:
                self._locks[subject].release()
            for subject in wanted:
                self._users[subject] -= 1
                if not self._users[subject]:
                    del self._users[subject]
                    self._locks.pop(subject, None)

    def subjects_in_use(self) -> int:
        return len(self._locks)
