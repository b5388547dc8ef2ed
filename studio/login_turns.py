"""One login try at a time per name and per address, the slow-down included.

A try holds its subjects (``name:<login>``, ``address:<ip>``) from its count to its
answer, its wait after a failure included, so a second try from the same name or
address starts only once the first has served its delay: ten guesses take the sum of
their waits even when sent at once. Locks live in this process (the web server's one
event loop) and are dropped as soon as nobody holds or waits for them.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager


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
