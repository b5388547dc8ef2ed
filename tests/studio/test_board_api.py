"""/api/v1/boards: a 3-shot board with a generated soundtrack rendered into one piece by a
live keeper and worker on tiny models, one shot made again; privacy and refusals."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.testclient import TestClient

from jobs.service import JobService
from studio.services import WebConfig
from tests.board_checks import chapters, duration_s, integrated_loudness, media_codecs
from tests.fixtures.studio import web_app, web_config
from tests.jobs.harness import MODELSCOPE, InProcessStudio
from tests.media_factory import make_tone
from tests.studio.api_server import running_studio

TINY_SHOT = {"steps": 2, "height": 64, "width": 64}  # a tiny model makes it in a second
MUSIC = "musicgen-small"
PROMPTS = ["a fox wakes in a den", "a fox runs through snow", "a fox watches the moon"]
BOARD: dict[str, Any] = {
    "title": "Fox night",
    "shots": [
        {"prompt": p, "model": MODELSCOPE, "seconds": 2, "seed": i, "params": TINY_SHOT}
        for i, p in enumerate(PROMPTS)
    ],
    "soundtrack": {"model": MUSIC, "prompt": "calm piano at night"},
    "cuts": "beats",
    "transition": {"kind": "cut"},
}
WAIT_S = 240.0
POLL_S = 1.5  # within the token's rate limit


def wait_for_board(client: httpx.Client, board_id: str, *, after: str | None = None) -> dict:
    """The board once its render has ended (and, with ``after``, made another piece)."""
    deadline = time.monotonic() + WAIT_S
    while True:
        answer = client.get(f"/api/v1/boards/{board_id}")
        assert answer.status_code == 200, answer.text
        view = answer.json()
        if view["status"] in ("done", "failed", "cancelled") and view["asset_id"] != after:
            return dict(view)
        if time.monotonic() > deadline:
            raise AssertionError(f"the board is still rendering: {view}")
        time.sleep(POLL_S)


@pytest.mark.slow  # a soundtrack, three shots and the assembly on tiny models
def test_a_board_renders_into_one_piece_and_one_shot_is_made_again(
    studio_data: Path, live_jobs: InProcessStudio
):
    with running_studio(studio_data) as studio:
        token = {"Authorization": f"Bearer {studio.token('ana')}"}
        client = httpx.Client(base_url=studio.url, headers=token, timeout=30)
        answer = client.post("/api/v1/boards", json=BOARD)
        assert answer.status_code == 201, answer.text
        board_id = answer.json()["id"]
        view = wait_for_board(client, board_id)
        assert view["status"] == "done", view
        api = studio.api

        # The soundtrack was made first: its beats planned the shots' lengths.
        music = api.get(view["soundtrack_job_id"])
        shots = [api.get(shot["job_id"]) for shot in view["shots"]]
        assert music is not None and music.status == "done"
        assert all(s is not None and s.created_at >= music.finished_at for s in shots)
        plan = api.catalog.boards.get(board_id).render["plan"]
        assert view["plan"] == {"cuts": plan["cuts"], "seconds": plan["seconds"]}
        assert [s.params["num_frames"] for s in shots] == [
            p["generate_frames"] for p in plan["shots"]
        ]

        piece = api.asset_path(view["asset_id"], "ana")
        frame = 1 / plan["fps"]
        assert media_codecs(piece) == ("h264", "aac")
        assert abs(duration_s(piece) - plan["seconds"]) <= frame + 1e-3, plan
        found = chapters(piece)
        assert [title for _, title in found] == PROMPTS
        for (start, _), cut in zip(found, plan["cuts"], strict=True):
            assert abs(start - cut) <= frame, (found, plan["cuts"])
        assert abs(integrated_loudness(piece) - -14.0) <= 1.0
        assert api.catalog.assets.get(view["asset_id"]).params["board_id"] == board_id

        # A new seed for shot 2: only its job runs again, then the piece is made again.
        again = client.post(f"/api/v1/boards/{board_id}/shots/2", json={"seed": 99})
        assert again.status_code == 200, again.text
        remade = wait_for_board(client, board_id, after=view["asset_id"])
        assert remade["status"] == "done", remade
        before = [s["job_id"] for s in view["shots"]]
        after = [s["job_id"] for s in remade["shots"]]
        assert after[0] == before[0] and after[2] == before[2] and after[1] != before[1]
        assert api.get(after[1]).params["seed"] == 99
        assert remade["soundtrack_job_id"] == view["soundtrack_job_id"]
        kinds = sorted(job.kind for job in api.list("ana"))
        assert kinds == ["assemble", "assemble", "music", "video", "video", "video", "video"]
        assert remade["asset_id"] != view["asset_id"]

        # Another user's board id answers as an unknown one.
        ben = httpx.Client(
            base_url=studio.url, headers={"Authorization": f"Bearer {studio.token('ben')}"}
        )
        assert ben.get(f"/api/v1/boards/{board_id}").status_code == 404
        assert ben.delete(f"/api/v1/boards/{board_id}").status_code == 404
        assert ben.post(f"/api/v1/boards/{board_id}/shots/1", json={}).status_code == 404
        assert ben.get("/api/v1/boards").json() == []
        assert [b["id"] for b in client.get("/api/v1/boards").json()] == [board_id]


# -- refusals, without a worker -------------------------------------------------------


@pytest.fixture
def config(studio_data: Path) -> WebConfig:
    return web_config(studio_data)


@pytest.fixture
def client(config: WebConfig) -> Iterator[TestClient]:
    api = JobService()
    yield TestClient(web_app(config, api), follow_redirects=False)
    api.close()


def as_user(config: WebConfig, username: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {config.tokens.create(username, 'script')}"}


def refused_422(client: TestClient, headers: dict[str, str], body: dict[str, Any]) -> str:
    answer = client.post("/api/v1/boards", json=body, headers=headers)
    assert answer.status_code == 422, answer.text
    return str(answer.json()["error"])


def shot(**changes: Any) -> dict[str, Any]:
    return {**BOARD["shots"][0], **changes}


def test_bad_boards_are_refused_422_with_a_clear_message(
    config: WebConfig, client: TestClient, tmp_path: Path
):
    ana = as_user(config, "ana")
    cases = {
        "at least one shot": {**BOARD, "shots": []},
        "Shot 1: `seconds` must be above 0": {**BOARD, "shots": [shot(seconds=0)]},
        "Shot 2: `seconds` must be above 0": {**BOARD, "shots": [shot(), shot(seconds=600)]},
        "unknown video model 'no-such-model'": {**BOARD, "shots": [shot(model="no-such-model")]},
    }
    for words, body in cases.items():
        assert words in refused_422(client, ana, body)
    # Another user's track reads as no track of yours.
    tone = make_tone(tmp_path / "tone.wav", 440.0, 3.0)
    upload = client.post(
        "/api/v1/uploads",
        data={"output_type": "audio"},
        files={"file": ("tone.wav", tone.read_bytes(), "audio/wav")},
        headers=as_user(config, "ben"),
    )
    assert upload.status_code == 201, upload.text
    bens = {**BOARD, "soundtrack": {"asset": upload.json()["id"]}}
    assert "one of your audio files" in refused_422(client, ana, bens)
    assert client.get("/api/v1/boards", headers=ana).json() == []
    assert client.get("/api/v1/boards/nope", headers=ana).status_code == 404
    assert client.post("/api/v1/boards", content=b"{", headers=ana).status_code == 400


def test_the_openapi_document_lists_the_board_routes(client: TestClient):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert set(paths["/api/v1/boards"]) == {"get", "post"}
    assert set(paths["/api/v1/boards/{id}"]) >= {"get", "delete"}
    assert "post" in paths["/api/v1/boards/{id}/shots/{n}"]
