"""The HTTP API under Starlette's TestClient: bearer tokens, every route, ownership,
refusals as JSON with a message, quotas and the rate limit."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from httpx import Response
from starlette.testclient import TestClient

from jobs.service import JobService
from studio.accounts.token_rate import RateLimit
from studio.services import WebConfig
from tests.fixtures.studio import web_app, web_config
from tests.image_factory import BAD_IMAGES, png_bytes
from tests.jobs.harness import InProcessStudio, wait_for_jobs
from tests.media_factory import make_tone

VIDEO = {"prompt": "a red fox in snow", "num_frames": 2, "steps": 2, "height": 64, "width": 64}


@pytest.fixture
def config(studio_data: Path) -> WebConfig:
    return web_config(studio_data)


@pytest.fixture
def api(studio_data: Path) -> Iterator[JobService]:
    api = JobService()
    yield api
    api.close()


@pytest.fixture
def client(config: WebConfig, api: JobService) -> TestClient:
    return TestClient(web_app(config, api), follow_redirects=False)


def as_user(config: WebConfig, username: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {config.tokens.create(username, 'script')}"}


def refused(answer, status: int) -> str:  # type: ignore[no-untyped-def]
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"] == "application/json"
    message = answer.json()["error"]
    assert isinstance(message, str) and len(message) > 10
    return str(message)


def test_no_token_an_unknown_one_and_a_revoked_one_get_401(config: WebConfig, client: TestClient):
    assert "Bearer" in refused(client.get("/api/v1/jobs"), 401)
    bad = {"Authorization": "Bearer studio_not-a-real-token"}
    assert "unknown or revoked" in refused(client.get("/api/v1/jobs", headers=bad), 401)
    ana = as_user(config, "ana")
    assert client.get("/api/v1/jobs", headers=ana).json() == []
    assert config.tokens.revoke("ana", "script")
    refused(client.get("/api/v1/jobs", headers=ana), 401)


def test_a_disabled_accounts_tokens_stop_working(config: WebConfig, client: TestClient):
    ana = as_user(config, "ana")
    assert client.get("/api/v1/assets", headers=ana).status_code == 200
    config.store.set_disabled("ana", True)
    refused(client.get("/api/v1/assets", headers=ana), 401)


def test_the_login_cookie_does_not_count_and_is_not_needed(config: WebConfig, client: TestClient):
    from tests.fixtures.studio import USERS, login_cookie

    cookie = login_cookie(config.data_dir, "ana", USERS["ana"])
    client.cookies.set("studio_login", str(cookie))
    refused(client.post("/api/v1/jobs", json={"model": "x"}), 401)  # no cross-site submits
    answer = client.get("/api/v1/jobs", headers=as_user(config, "ana"))
    assert answer.status_code == 200
    assert answer.headers["x-content-type-options"] == "nosniff"  # the guard's safe headers


def test_submit_get_list_and_cancel_a_job(config: WebConfig, client: TestClient, api: JobService):
    ana = as_user(config, "ana")
    answer = client.post(
        "/api/v1/jobs", json={"model": "modelscope-t2v-1.7b", "params": VIDEO}, headers=ana
    )
    assert answer.status_code == 201, answer.text
    job_id = answer.json()["id"]
    assert answer.json() == {"id": job_id}  # the contract without variations: just the id
    stored = api.get(job_id)
    assert stored is not None and stored.owner == "ana" and stored.params["steps"] == 2
    job = client.get(f"/api/v1/jobs/{job_id}", headers=ana).json()
    assert job == {
        "id": job_id, "model": "modelscope-t2v-1.7b", "status": "queued", "step": 0, "total": 0,
        "phase": None, "progress": "Waiting in the queue",
        "queue_position": job["queue_position"], "estimate_s": None, "error": None,
        "note": None, "asset_id": None,
    }  # fmt: skip
    assert job["queue_position"] in (1, None)  # no worker runs here: waiting
    assert [j["id"] for j in client.get("/api/v1/jobs", headers=ana).json()] == [job_id]
    cancelled = client.delete(f"/api/v1/jobs/{job_id}", headers=ana)
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"


def test_a_job_whose_worker_was_lost_says_so_in_its_answer(
    config: WebConfig, client: TestClient, api: JobService
):
    ana = as_user(config, "ana")
    body = {"model": "modelscope-t2v-1.7b", "params": VIDEO}
    job_id = client.post("/api/v1/jobs", json=body, headers=ana).json()["id"]
    assert client.get(f"/api/v1/jobs/{job_id}", headers=ana).json()["note"] is None
    api.catalog.transitions.mark_running(job_id, 1, "gpu-box:4242")
    api.catalog.transitions.requeue(job_id, 1, max_attempts=2, reason="lost")  # the keeper's

    job = client.get(f"/api/v1/jobs/{job_id}", headers=ana).json()
    assert (job["status"], job["note"]) == (
        "queued",
        "The worker stopped; restarting from the beginning (attempt 2 of 2)",
    )


def test_variations_queue_one_job_a_seed_and_answer_every_id(
    config: WebConfig, client: TestClient, api: JobService
):
    api.set_limits("ana", max_queued=5, daily_gpu_seconds=None)
    ana = as_user(config, "ana")
    body = {"model": "modelscope-t2v-1.7b", "params": {**VIDEO, "seed": 20}, "variations": 3}
    answer = client.post("/api/v1/jobs", json=body, headers=ana)
    assert answer.status_code == 201, answer.text
    ids = answer.json()["ids"]
    assert answer.json() == {"id": ids[0], "ids": ids} and len(set(ids)) == 3
    jobs = [api.get(job_id) for job_id in ids]
    assert [(j.owner, j.params["seed"]) for j in jobs if j] == [
        ("ana", 20),
        ("ana", 21),
        ("ana", 22),
    ]
    assert {j.params["prompt"] for j in jobs if j} == {VIDEO["prompt"]}
    assert [j["id"] for j in client.get("/api/v1/jobs", headers=ana).json()] == ids[::-1]

    body = {"model": "musicgen-small", "params": {"description": "rain", "duration": 1.0},
            "variations": 2}  # fmt: skip
    random = client.post("/api/v1/jobs", json=body, headers=ana).json()["ids"]
    seeds = [api.get(job_id).params["seed"] for job_id in random]  # type: ignore[union-attr]
    assert len(seeds) == 2 and None not in seeds  # drawn at submit, kept with each job


def test_variations_beyond_the_quota_get_429_saying_how_many_fit(
    config: WebConfig, client: TestClient, api: JobService
):
    api.set_limits("ana", max_queued=3, daily_gpu_seconds=None)
    ana = as_user(config, "ana")
    one = {"model": "modelscope-t2v-1.7b", "params": VIDEO}
    assert client.post("/api/v1/jobs", json=one, headers=ana).status_code == 201
    message = refused(client.post("/api/v1/jobs", json={**one, "variations": 4}, headers=ana), 429)
    assert "2 of your 3 are free: ask for 2 or fewer" in message, message
    assert len(api.list("ana")) == 1  # all or none
    assert (
        client.post("/api/v1/jobs", json={**one, "variations": 2}, headers=ana).status_code == 201
    )


@pytest.mark.parametrize("count", [0, 5, "two", True, None])
def test_variations_outside_1_to_4_get_422(config: WebConfig, client: TestClient, count: object):
    body = {"model": "modelscope-t2v-1.7b", "params": VIDEO, "variations": count}
    message = refused(client.post("/api/v1/jobs", json=body, headers=as_user(config, "ana")), 422)
    assert "Variations are 1 to 4" in message, message


def test_a_zeroscope_submit_gets_the_models_own_defaults(config: WebConfig, client: TestClient):
    ana = as_user(config, "ana")
    body = {"model": "zeroscope-v2-576w", "params": {"prompt": "a boat"}}
    job_id = client.post("/api/v1/jobs", json=body, headers=ana).json()["id"]
    params = JobService().get(job_id).params  # type: ignore[union-attr]
    assert (params["width"], params["height"], params["num_frames"]) == (576, 320, 24)


def test_another_users_ids_answer_404_like_unknown_ones(
    config: WebConfig, client: TestClient, api: JobService, tmp_path: Path
):
    ana, ben = as_user(config, "ana"), as_user(config, "ben")
    body = {"model": "musicgen-small", "params": {"description": "calm piano", "duration": 1.0}}
    job_id = client.post("/api/v1/jobs", json=body, headers=ana).json()["id"]
    asset = api.import_file("ana", make_tone(tmp_path / "t.wav").read_bytes(), ".wav")
    unknown = "0" * 32
    for route in ("/api/v1/jobs/{}", "/api/v1/assets/{}/file"):
        for real in (job_id, asset.id):
            theirs = client.get(route.format(real), headers=ben)
            nobodys = client.get(route.format(unknown), headers=ben)
            assert refused(theirs, 404) == refused(nobodys, 404)  # no oracle: the same answer
    refused(client.delete(f"/api/v1/jobs/{job_id}", headers=ben), 404)
    assert api.get(job_id).status == "queued"  # type: ignore[union-attr]
    assert client.get("/api/v1/assets", headers=ben).json() == []
    assert [a["id"] for a in client.get("/api/v1/assets", headers=ana).json()] == [asset.id]
    # Ana's melody in Ben's job reads as an id no one has.
    answers = [
        client.post("/api/v1/jobs", json=melody_job(value), headers=ben)
        for value in (asset.id, unknown)
    ]
    assert refused(answers[0], 422).replace(asset.id, unknown) == refused(answers[1], 422)


def melody_job(melody: str) -> dict:
    return {"model": "musicgen-melody", "params": {"description": "x", "melody_path": melody}}


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ({"model": "modelscope-t2v-1.7b", "params": {**VIDEO, "steps": 0}}, "`steps` must be"),
        ({"model": "modelscope-t2v-1.7b", "params": {**VIDEO, "width": 70}}, "multiple of 8"),
        ({"model": "modelscope-t2v-1.7b", "params": {"prompt": " "}}, "`prompt` is empty"),
        ({"model": "modelscope-t2v-1.7b", "params": {**VIDEO, "fps2": 1}}, "Unknown video"),
        ({"model": "wan2.1-t2v-1.3b", "params": {"prompt": "x", "num_frames": 8}}, "4k+1"),
        ({"model": "sdxl", "params": {}}, "Unknown model 'sdxl'"),
        ({"model": "musicgen-melody", "params": {"description": "x", "melody_path": "/etc/passwd"}},
         "`melody_path` must be the id of one of your audio files (upload it first)"),
        ({"prompt": "no model"}, '{"model"'),
    ],
)  # fmt: skip
def test_bad_params_get_422_with_the_pages_message(
    config: WebConfig, client: TestClient, body: dict, says: str
):
    message = refused(client.post("/api/v1/jobs", json=body, headers=as_user(config, "ana")), 422)
    assert says in message, message


def test_a_job_over_its_models_cost_limit_gets_422_until_an_admin_raises_it(
    config: WebConfig, client: TestClient, api: JobService
):
    ana = as_user(config, "ana")
    huge = {**VIDEO, "num_frames": 64, "width": 1024, "height": 1024, "steps": 100}
    body = {"model": "modelscope-t2v-1.7b", "params": huge}
    message = refused(client.post("/api/v1/jobs", json=body, headers=ana), 422)
    assert "64 frames at 1024x1024 x 100 steps is about 5.3x" in message, message
    assert "try at most" in message
    message = refused(client.post("/api/v1/jobs", json={**body, "variations": 2}, headers=ana), 422)
    assert "64 frames at 1024x1024 x 100 steps" in message  # each variation is such a job
    assert api.list("ana") == []
    api.set_limits("ana", max_queued=None, daily_gpu_seconds=None, cost_allowance=6.0)
    assert client.post("/api/v1/jobs", json=body, headers=ana).status_code == 201


def test_a_body_that_is_not_json_gets_400(config: WebConfig, client: TestClient):
    answer = client.post("/api/v1/jobs", content=b"{nope", headers=as_user(config, "ana"))
    assert "Send JSON" in refused(answer, 400)


def test_over_the_quota_gets_429_with_the_limit(
    config: WebConfig, client: TestClient, api: JobService
):
    api.set_limits("ana", max_queued=1, daily_gpu_seconds=None)
    ana = as_user(config, "ana")
    body = {"model": "modelscope-t2v-1.7b", "params": VIDEO}
    assert client.post("/api/v1/jobs", json=body, headers=ana).status_code == 201
    message = refused(client.post("/api/v1/jobs", json=body, headers=ana), 429)
    assert "1" in message and "waiting" in message, message


def test_each_token_is_rate_limited(config: WebConfig, client: TestClient):
    now = [0.0]
    config.api_rate = RateLimit(3, clock=lambda: now[0])
    ana, ben = as_user(config, "ana"), as_user(config, "ben")
    assert [client.get("/api/v1/jobs", headers=ana).status_code for _ in range(3)] == [200] * 3
    answer = client.get("/api/v1/jobs", headers=ana)
    assert "3 a minute" in refused(answer, 429) and answer.headers["retry-after"] == "20"
    assert client.get("/api/v1/jobs", headers=ben).status_code == 200  # ben has his own
    now[0] = 20.0
    assert client.get("/api/v1/jobs", headers=ana).status_code == 200


def test_upload_stores_a_checked_file_and_a_melody_job_can_use_it(
    config: WebConfig, client: TestClient, api: JobService, tmp_path: Path
):
    ana = as_user(config, "ana")
    tone = make_tone(tmp_path / "hum.wav", seconds=1.0).read_bytes()
    answer = client.post(
        "/api/v1/uploads",
        data={"output_type": "audio"},
        files={"file": ("hum.wav", tone)},
        headers=ana,
    )
    assert answer.status_code == 201, answer.text
    asset_id = answer.json()["id"]
    assert api.asset_path(asset_id, "ana").read_bytes() == tone
    body = {"model": "musicgen-melody", "params": {"description": "x", "melody_path": asset_id}}
    job_id = client.post("/api/v1/jobs", json=body, headers=ana).json()["id"]
    assert api.get(job_id).source_ids == (asset_id,)  # type: ignore[union-attr]
    fake = client.post(
        "/api/v1/uploads",
        data={"output_type": "audio"},
        files={"file": ("a.wav", b"RIFF" + b"0" * 99)},
        headers=ana,
    )  # fmt: skip
    refused(fake, 422)
    refused(client.post("/api/v1/uploads", data={"output_type": "audio"}, headers=ana), 422)


def test_an_image_upload_is_checked_by_its_content_and_is_no_melody(
    config: WebConfig, client: TestClient, api: JobService
):
    ana = as_user(config, "ana")

    def upload(name: str, data: bytes) -> Response:
        files = {"file": (name, data)}
        return client.post(
            "/api/v1/uploads", data={"output_type": "image"}, files=files, headers=ana
        )

    answer = upload("kite.png", png_bytes())
    assert answer.status_code == 201, answer.text
    image = api.asset(answer.json()["id"], "ana")
    assert (image.output_type, image.path.endswith(".png")) == ("image", True)
    assert "poster" in image.meta["previews"]
    download = client.get(f"/api/v1/assets/{image.id}/file", headers=ana)
    assert download.headers["content-type"] == "image/png" and download.content == png_bytes()
    for name, (data, says) in BAD_IMAGES.items():
        message = refused(upload(name, data), 422)
        assert message.startswith(f"'{name}' ") and says in message, message
    # An image where the model declares an audio file is refused like a stranger's id.
    message = refused(client.post("/api/v1/jobs", json=melody_job(image.id), headers=ana), 422)
    assert "`melody_path` must be the id of one of your audio files" in message
    assert [a.id for a in api.assets("ana")] == [image.id]  # nothing bad was stored


def test_a_finished_job_downloads_byte_identical(
    config: WebConfig, client: TestClient, api: JobService, live_jobs: InProcessStudio
):
    ana = as_user(config, "ana")
    body = {"model": "modelscope-t2v-1.7b", "params": {**VIDEO, "seed": 7}}
    job_id = client.post("/api/v1/jobs", json=body, headers=ana).json()["id"]
    wait_for_jobs(api, [job_id])
    job = client.get(f"/api/v1/jobs/{job_id}", headers=ana).json()
    assert job["status"] == "done" and job["step"] == job["total"] == 2, job
    answer = client.get(f"/api/v1/assets/{job['asset_id']}/file", headers=ana)
    assert answer.status_code == 200 and answer.headers["content-type"] == "video/mp4"
    assert answer.content == api.asset_path(job["asset_id"], "ana").read_bytes()


def test_the_openapi_document_comes_from_the_declared_params(client: TestClient):
    document = client.get("/api/v1/openapi.json").json()
    assert document["openapi"].startswith("3.1")
    params = document["components"]["schemas"]["modelscope-t2v-1_7b_params"]["properties"]
    steps = params["steps"]
    assert (steps["type"], steps["minimum"], steps["maximum"], steps["default"]) == (
        "integer", 1, 100, 25,
    )  # fmt: skip
    assert params["width"]["multipleOf"] == 8
    wan = document["components"]["schemas"]["wan2_1-t2v-1_3b_params"]["properties"]
    assert 81 in wan["num_frames"]["enum"] and 80 not in wan["num_frames"]["enum"]
    (request, *_) = document["components"]["schemas"]["JobRequest"]["oneOf"]
    variations = request["properties"]["variations"]
    assert (variations["minimum"], variations["maximum"]) == (1, 4)
    assert request["required"] == ["model", "params"]  # variations stay optional
    queued = document["paths"]["/api/v1/jobs"]["post"]["responses"]["201"]
    assert queued["content"]["application/json"]["schema"]["required"] == ["id"]
    assert set(document["paths"]) == {
        "/api/v1/jobs", "/api/v1/jobs/{id}", "/api/v1/assets", "/api/v1/assets/{id}/file",
        "/api/v1/uploads", "/api/v1/boards", "/api/v1/boards/{id}", "/api/v1/boards/{id}/shots/{n}",
    }  # fmt: skip


def test_an_unknown_api_route_is_a_json_404(config: WebConfig, client: TestClient):
    assert "openapi.json" in refused(client.get("/api/v1/nothing"), 404)
