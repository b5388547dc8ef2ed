"""The job system's settings from the environment: the per-user limits, the run budget."""

from __future__ import annotations

import pytest

from jobs.config import JobsConfig


def test_limits_default_to_four_waiting_no_daily_budget_and_each_models_own_cost_limit():
    config = JobsConfig.from_env({})
    assert (config.max_queued_per_user, config.daily_gpu_seconds_per_user) == (4, None)
    assert config.cost_allowance_per_user == 1.0


def test_limits_come_from_the_environment():
    config = JobsConfig.from_env(
        {"STUDIO_MAX_QUEUED_PER_USER": "10", "STUDIO_DAILY_GPU_SECONDS_PER_USER": "3600"}
    )
    assert (config.max_queued_per_user, config.daily_gpu_seconds_per_user) == (10, 3600.0)
    assert (
        JobsConfig.from_env({"STUDIO_COST_ALLOWANCE_PER_USER": "2.5"}).cost_allowance_per_user
        == 2.5
    )


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("STUDIO_MAX_QUEUED_PER_USER", "0"),
        ("STUDIO_MAX_QUEUED_PER_USER", "four"),
        ("STUDIO_MAX_QUEUED_PER_USER", "-1"),
        ("STUDIO_DAILY_GPU_SECONDS_PER_USER", "0"),
        ("STUDIO_DAILY_GPU_SECONDS_PER_USER", "an hour"),
        ("STUDIO_DAILY_GPU_SECONDS_PER_USER", "inf"),
        ("STUDIO_JOBS_RUN_BUDGET_S", "0.5"),
        ("STUDIO_JOBS_RUN_BUDGET_S", "ten minutes"),
        ("STUDIO_COST_ALLOWANCE_PER_USER", "0"),
        ("STUDIO_COST_ALLOWANCE_PER_USER", "-2"),
        ("STUDIO_COST_ALLOWANCE_PER_USER", "double"),
        ("STUDIO_COST_ALLOWANCE_PER_USER", "nan"),
    ],
)
def test_bad_limits_are_refused_with_the_variables_name(name: str, value: str):
    with pytest.raises(ValueError, match=name):
        JobsConfig.from_env({name: value})


def test_a_job_may_run_30_minutes_without_an_estimate_unless_the_budget_says_otherwise():
    assert JobsConfig.from_env({}).run_budget_s == 600.0  # 3x: 30 minutes
    assert JobsConfig.from_env({"STUDIO_JOBS_RUN_BUDGET_S": "1200"}).run_budget_s == 1200.0
