"""Schemathesis against the OpenAPI document of a running studio: every operation, with
bodies drawn from the models' declared params, answers within its documented responses
(status, content type, JSON schema) and never with a server error. Bounded: a few
examples an operation, no worker (jobs only queue). Then the same bodies made hostile: a
5000-digit number, 100k-deep nesting (400 JSON), a body over its route's limit (413 JSON)."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from studio.web import body_limit
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


# -- bounds: every body-taking operation, with bodies schemathesis draws, then made hostile

HUGE_NUMBER = "9" * 5000  # past Python's int-str limit (4300 digits)
DEEP = "[" * 100_000 + "]" * 100_000  # past Python's recursion limit
jobs_schema = schema.include(operation_id="submitJob")


def documented_json_refusal(case, answer, status: int) -> None:  # type: ignore[no-untyped-def]
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"] == "application/json"
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert isinstance(answer.json()["error"], str)
    case.operation.validate_response(answer)  # a status and a body the document names


@pytest.mark.slow  # a running studio, a few drawn bodies each made hostile three ways
@jobs_schema.parametrize()
@settings(max_examples=3, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_huge_numbers_and_deep_nesting_in_any_body_answer_400_json(  # type: ignore[no-untyped-def]
    case, studio: RunningStudio, token: str
):
    body = case.body if isinstance(case.body, dict) else {}  # a drawn non-object: none
    params = body.get("params") if isinstance(body.get("params"), dict) else {}
    numbers = [k for k, v in params.items() if isinstance(v, int | float)] or ["seed"]
    hostile = [
        {**body, "params": {**params, numbers[0]: "@HOSTILE@"}},
        {**body, "variations": "@HOSTILE@"},
        {**body, "params": {**params, "prompt": "@DEEP@"}},
    ]
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    for variant in hostile:
        raw = json.dumps(variant).replace('"@HOSTILE@"', HUGE_NUMBER).replace('"@DEEP@"', DEEP)
        answer = requests.post(f"{studio.url}/api/v1/jobs", data=raw, headers=headers, timeout=60)
        documented_json_refusal(case, answer, 400)


@pytest.mark.slow
@schema.include(method="POST").parametrize()
@settings(max_examples=1, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_every_body_over_its_routes_limit_answers_413_json(  # type: ignore[no-untyped-def]
    case, studio: RunningStudio, token: str, monkeypatch: pytest.MonkeyPatch
):
    small = dataclasses.replace(body_limit.DEFAULT_LIMITS, max_bytes=2 * 1024**2)
    monkeypatch.setattr(body_limit, "DEFAULT_LIMITS", small)  # uploads: 2 MB, not 200
    limit = body_limit.body_limit(case.operation.path)
    media = case.media_type or "application/json"
    headers = {"Authorization": f"Bearer {token}", "Content-Type": media}
    if media.startswith("multipart/"):
        headers["Content-Type"] = "multipart/form-data; boundary=b"
    oversized = b" " * (limit + 1)
    url = f"{studio.url}{case.operation.path}"
    answer = requests.post(url, data=oversized, headers=headers, timeout=60)
    documented_json_refusal(case, answer, 413)
