"""The reliability tests run on the embedded SQLite queue, the one `make run` uses: their
refusals happen before the queue, and a Redis restart has its own test in tests/jobs."""

from __future__ import annotations

import pytest


@pytest.fixture
def backend() -> str:
    return "sqlite"
