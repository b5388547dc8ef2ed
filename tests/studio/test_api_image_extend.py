"""Image to video and extending a clip over the HTTP API: an image uploaded with
``output_type=image`` named by ``"image"``, an extension by ``"extend_from"`` and
``"seconds"``; someone else's ids read as unknown; the OpenAPI document lists both."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from starlette.testclient import TestClient

from engines.media.frames import clip_shape, decode_frames
from jobs.service import JobService
from studio.services import WebConfig
from tests.fixtures.studio import web_app, web_config
from tests.image_factory import png_bytes
from tests.jobs.harness import InProcessStudio, wait_for_jobs
from tests.media_factory import make_clip

MODEL = "wan2.2-ti2v-5b"
SMALL = {"num_frames": 5, "steps": 2, "height": 32, "width": 64, "fps": 8, "seed": 3}


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


def upload(client: TestClient, who: dict[str, str], name: str, data: bytes, kind: str) -> str:
    files = {"file": (name, data)}
    answer = client.post("/api/v1/uploads", data={"output_type": kind}, files=files, headers=who)
    assert answer.status_code == 201, answer.text
    return str(answer.json()["id"])


def submit(client: TestClient, who: dict[str, str], params: dict[str, object]) -> str:
    answer = client.post("/api/v1/jobs", json={"model": MODEL, "params": params}, headers=who)
    assert answer.status_code == 201, answer.text
    return str(answer.json()["id"])


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = float(np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2))
    return float("inf") if mse == 0 else 10 * np.log10(255.0**2 / mse)


@pytest.mark.slow  # three tiny Wan 2.2 runs through the worker
def test_a_picture_becomes_a_clip_and_the_clip_is_extended_twice(
    config: WebConfig,
    client: TestClient,
    api: JobService,
    live_jobs: InProcessStudio,
    tmp_path: Path,
):
    ana = as_user(config, "ana")
    image = upload(client, ana, "kite.png", png_bytes((96, 48)), "image")
    first = submit(client, ana, {"prompt": "a kite over a beach", "image": image, **SMALL})
    (job,) = wait_for_jobs(api, [first])
    assert job.status == "done", job.error
    assert api.get(first).source_ids == (image,)  # type: ignore[union-attr]
    clips = [api.asset_path(str(job.asset_id), "ana")]
    source = str(job.asset_id)
    for seed in (1, 2):  # extend the clip, then the extended clip
        params = {"extend_from": source, "seconds": 0.5, "prompt": "the kite climbs",
                  "steps": 2, "seed": seed}  # fmt: skip
        (done,) = wait_for_jobs(api, [submit(client, ana, params)])
        assert done.status == "done", done.error
        asset = api.asset(str(done.asset_id), "ana")
        assert (asset.output_type, asset.source, asset.params["extend_from"]) == (
            "video", "extended", source,
        )  # fmt: skip
        clips.append(api.asset_path(asset.id, "ana"))
        source = asset.id
    frames = [decode_frames(p, clip_shape(p)) for p in clips]
    # 0.5 s at 8 fps is 4 new frames: the model makes 5 (4k+1), the first is the shared one.
    assert [len(f) for f in frames] == [5, 9, 13]
    assert psnr(frames[2][:5], frames[0]) >= 40.0  # the source, untouched, twice over
    assert psnr(frames[2][:9], frames[1]) >= 40.0
    assert clip_shape(clips[2]).width == 64 and clip_shape(clips[2]).height == 32


def test_someone_elses_picture_or_clip_is_refused_as_unknown(
    config: WebConfig, client: TestClient, api: JobService, tmp_path: Path
):
    ana, ben = as_user(config, "ana"), as_user(config, "ben")
    bens_image = upload(client, ben, "b.png", png_bytes(), "image")
    clip = make_clip(tmp_path / "b.mp4", seconds=1.0, fps=8, size=(64, 32)).read_bytes()
    bens_clip = upload(client, ben, "b.mp4", clip, "video")
    body = {"model": MODEL, "params": {"prompt": "x", "image": bens_image, **SMALL}}
    answer = client.post("/api/v1/jobs", json=body, headers=ana)
    assert answer.status_code == 422
    assert "`image` must be the id of one of your images" in answer.json()["error"]
    extend = {"extend_from": bens_clip, "seconds": 1.0, "prompt": "on"}
    answer = client.post("/api/v1/jobs", json={"model": MODEL, "params": extend}, headers=ana)
    assert answer.status_code == 422
    assert "`extend_from` must be the id of one of your videos" in answer.json()["error"]
    assert api.list("ana") == []


def test_the_openapi_document_lists_the_image_and_the_extension(client: TestClient):
    document = client.get("/api/v1/openapi.json").json()
    schemas = document["components"]["schemas"]
    image = schemas["wan2_2-ti2v-5b_params"]["properties"]["image"]
    assert "output_type=image" in image["description"]
    assert image["anyOf"][1] == {"type": "null"}
    extend = schemas["extend_params"]
    assert extend["required"] == ["extend_from", "prompt"]
    assert "output_type=video" in extend["properties"]["extend_from"]["description"]
    assert extend["properties"]["seconds"]["maximum"] == 30.0
    requests = schemas["JobRequest"]["oneOf"]
    extending = [
        r for r in requests if r["properties"]["params"]["$ref"].endswith("/extend_params")
    ]
    assert len(extending) == 1 and MODEL in extending[0]["properties"]["model"]["enum"]
    assert "modelscope-t2v-1.7b" not in extending[0]["properties"]["model"]["enum"]
