"""One submit, N variations: N jobs of the same params with N seeds, all or none, each
counting against the owner's queue limit."""

from __future__ import annotations

from pathlib import Path

import pytest

from engines.errors import ParamError
from jobs.config import JobsConfig
from jobs.quotas import QuotaExceeded
from jobs.service import JobService
from tests.jobs.harness import MODELSCOPE

TINY = {"prompt": "a lighthouse", "num_frames": 2, "steps": 2, "height": 64, "width": 64}


@pytest.fixture
def api(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("STUDIO_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("STUDIO_REDIS_URL", raising=False)
    api = JobService(JobsConfig.from_env())
    yield api
    api.close()


def test_variations_get_consecutive_seeds_and_the_same_params(api: JobService):
    ids = api.submit("ana", MODELSCOPE, {**TINY, "seed": 41}, 3)
    jobs = [api.get(job_id) for job_id in ids]
    assert [j.params["seed"] for j in jobs if j] == [41, 42, 43]
    assert all(j and {**j.params, "seed": 0} == {**jobs[0].params, "seed": 0} for j in jobs)  # type: ignore[union-attr]


def test_a_random_seed_draws_one_seed_each(api: JobService):
    ids = api.submit("ana", MODELSCOPE, TINY, 4)
    seeds = {api.get(i).params["seed"] for i in ids}  # type: ignore[union-attr]
    assert len(seeds) == 4 and None not in seeds


def test_variations_count_against_the_queue_limit_all_or_none(api: JobService):
    api.set_limits("ana", max_queued=4, daily_gpu_seconds=None)
    api.submit("ana", MODELSCOPE, TINY)
    api.submit("ana", MODELSCOPE, TINY)
    with pytest.raises(QuotaExceeded, match=r"3 variations need 3 free places.*2 of your 4"):
        api.submit("ana", MODELSCOPE, {**TINY, "seed": 1}, variations=3)
    assert len(api.list("ana")) == 2  # none of the three was queued
    assert len(api.submit("ana", MODELSCOPE, {**TINY, "seed": 1}, variations=2)) == 2


@pytest.mark.parametrize(("count", "seed", "says"), [
    (0, 1, "1 to 4"), (5, 1, "1 to 4"), (True, 1, "1 to 4"), (2.0, 1, "1 to 4"),
    (2, 2**32 - 1, "start at 4294967294"),
])  # fmt: skip
def test_bad_counts_and_seeds_are_refused(api: JobService, count: int, seed: int, says: str):
    with pytest.raises(ParamError, match=says):
        api.submit("ana", MODELSCOPE, {**TINY, "seed": seed}, count)
    assert api.list("ana") == []
