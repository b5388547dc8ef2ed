"""Fixtures for the reliability tests: the job system's and the studio's, shared as is
(the studio's include the fake browser connection AppTest sessions read cookies from)."""

from __future__ import annotations

from tests.jobs.conftest import (  # noqa: F401  (fixtures, re-exported for this folder)
    backend,
    jobs_config,
    own_redis_server,
    pytest_runtest_makereport,
    redis_server,
    shared_registry,
    spawn,
    studio,
    tiny_checkpoints,
)
from tests.studio.conftest import browser, live_jobs, studio_data, studio_registry  # noqa: F401
