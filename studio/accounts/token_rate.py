"""How often one API token may call: a token bucket per token, in this server's memory.

Each token holds up to ``per_minute`` calls and gets them back at that rate, so a
script may burst, then runs at the steady rate. One server process keeps one bucket a
token (a second studio server behind a proxy would give each token twice the rate).
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

DEFAULT_PER_MINUTE = 120
MAX_TRACKED = 10_000  # buckets kept; full ones are dropped first, as they hold nothing


@dataclass
class RateLimit:
    per_minute: int = DEFAULT_PER_MINUTE
    clock: Callable[[], float] = time.monotonic
    _buckets: dict[str, tuple[float, float]] = field(default_factory=dict)  # tokens, at
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def take(self, key: str) -> float | None:
        """None when the call may go ahead; else the seconds until it may."""
        now = self.clock()
        rate = self.per_minute / 60.0
        with self._lock:
            tokens, at = self._buckets.get(key, (float(self.per_minute), now))
            tokens = min(float(self.per_minute), tokens + (now - at) * rate)
            if tokens < 1.0:
                self._buckets[key] = (tokens, now)
                return math.ceil((1.0 - tokens) / rate * 10) / 10
            self._buckets[key] = (tokens - 1.0, now)
            if len(self._buckets) > MAX_TRACKED:
                self._forget_full(now, rate)
            return None

    def _forget_full(self, now: float, rate: float) -> None:
        for key, (tokens, at) in list(self._buckets.items()):
            if tokens + (now - at) * rate >= self.per_minute:
                del self._buckets[key]
