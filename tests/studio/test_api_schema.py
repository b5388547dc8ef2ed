"""Schemathesis against the OpenAPI document of a running studio: every operation, with
bodies drawn from the models' declared params, answers within its documented responses
(status, content type, JSON schema) and never with a server error. Bounded: a few
examples an operation, no worker (jobs only queue)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.studio.api_server import RunningStudio, running_studio

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture
def studio(studio_data: Path) -> Iterator[RunningStudio]:
    with running_studio(studio_data) as running:
        running.api.set_limits("ana", max_queued=1000, daily_gpu_seconds=None)
        running.config.api_rate.per_minute = 100_000  # the rate limit has its own test
        yield running


@pytest.fixture
def api_schema(studio: RunningStudio):  # type: ignore[no-untyped-def]
    return schemathesis.openapi.from_url(f"{studio.url}/api/v1/openapi.json")


@pytest.fixture
def token(studio: RunningStudio) -> str:
    return studio.token("ana")


schema = schemathesis.pytest.from_fixture("api_schema")


@pytest.mark.slow  # hundreds of generated requests against a running studio
@schema.parametrize()
@settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_every_operation_keeps_to_its_document(case, studio: RunningStudio, token: str):  # type: ignore[no-untyped-def]
    case.call_and_validate(
        base_url=studio.url, headers={"Authorization": f"Bearer {token}"}, checks=CHECKS
    )
