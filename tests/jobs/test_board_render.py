"""A board's render as jobs, with a real keeper and worker on tiny models: it survives a
studio restart mid-render and finishes once; a full queue makes shots wait, not fail;
cancelling stops every job of it."""

from __future__ import annotations

from typing import Any

import numpy as np
from PIL import Image

from engines.registry import EngineRegistry
from jobs.boards.service import BoardService
from jobs.catalog.boards import Board
from jobs.config import JobsConfig
from tests.jobs.harness import MODELSCOPE, InProcessStudio, wait_until
from tests.mp4_probe import decode_frames

TINY_SHOT = {"steps": 2, "height": 64, "width": 64}
WAIT_S = 180.0


def shot(i: int) -> dict[str, Any]:
    return {"prompt": f"a fox, take {i}", "model": MODELSCOPE, "seconds": 1.5, "seed": i,
            "params": TINY_SHOT}  # fmt: skip


def board(shots: int = 3, **changes: Any) -> dict[str, Any]:
    return {
        "title": "Fox",
        "shots": [shot(i) for i in range(shots)],
        **changes,
    }


def ended(boards: BoardService, board_id: str) -> Board | None:
    found = boards.catalog.boards.get(board_id)
    return found if found is not None and found.status != "rendering" else None


def kinds_of(boards: BoardService, owner: str) -> list[str]:
    return sorted(job.kind for job in boards.jobs.list(owner))


def test_a_board_survives_a_studio_restart_mid_render_and_finishes_once(
    jobs_config: JobsConfig, shared_registry: EngineRegistry
):
    first = InProcessStudio(jobs_config)
    first.start_keeper()
    first.start_worker(shared_registry)
    boards = BoardService(first.api)
    made = boards.create("ana", board(), render=True)
    shot_done = lambda: any(  # noqa: E731
        s.get("asset") for s in boards.catalog.boards.get(made.id).render["shots"]
    )
    wait_until(shot_done, WAIT_S, "the first shot")
    first.close()  # the studio stops mid-render: keeper and worker gone
    assert boards.catalog.boards.get(made.id).status == "rendering"

    second = InProcessStudio(jobs_config)  # a new start on the same catalog and queue
    second.start_keeper()
    second.start_worker(shared_registry)
    try:
        again = BoardService(second.api)
        done = wait_until(lambda: ended(again, made.id), WAIT_S, "the board")
        assert done.status == "done", done.render
        assert kinds_of(again, "ana") == ["assemble", "video", "video", "video"]  # once each
        pieces = [a for a in again.jobs.assets("ana") if a.source == "storyboard"]
        assert [a.id for a in pieces] == [done.render["asset_id"]]
    finally:
        second.close()


def test_a_full_queue_makes_the_shots_wait_not_fail(
    studio: InProcessStudio, shared_registry: EngineRegistry
):
    studio.api.set_limits("ana", max_queued=1, daily_gpu_seconds=None)
    boards = BoardService(studio.api)
    made = boards.create("ana", board(), render=True)
    waits = wait_until(lambda: boards.catalog.boards.get(made.id).render["waiting"], 30, "a wait")
    assert "the most allowed" in waits  # one shot sent; the others wait their turn
    shots = boards.catalog.boards.get(made.id).render["shots"]
    assert [bool(s["job"]) for s in shots] == [True, False, False]
    studio.start_worker(shared_registry)
    done = wait_until(lambda: ended(boards, made.id), WAIT_S, "the board")
    assert done.status == "done", done.render
    assert kinds_of(boards, "ana") == ["assemble", "video", "video", "video"]


def test_cancelling_a_board_cancels_its_jobs(studio: InProcessStudio):
    boards = BoardService(studio.api)
    made = boards.create("ana", board(), render=True)  # no worker: its jobs wait
    sent = lambda: all(s["job"] for s in boards.catalog.boards.get(made.id).render["shots"])  # noqa: E731
    wait_until(sent, 30, "the shots sent")
    cancelled = boards.cancel(made.id, "ana")
    assert cancelled.status == "cancelled", cancelled.render
    jobs = [studio.api.get(s["job"]) for s in cancelled.render["shots"]]
    assert jobs and all(job is not None and job.cancel_requested for job in jobs)
    wait_until(
        lambda: all(not j.active for j in (studio.api.get(x.id) for x in jobs) if j), 30, "cancels"
    )


FIRST_FRAME_MODEL = "wan2.2-ti2v-5b"  # a family that starts from a picture
TINY_WAN = {"steps": 2, "height": 32, "width": 32}
OPENING_TOLERANCE = 8.0  # mean 8-bit error: a noise frame through H.264 4:2:0 at CRF 18 is ~5


def test_a_continue_shot_starts_from_the_previous_shots_last_frame(
    studio: InProcessStudio, shared_registry: EngineRegistry
):
    shots = [
        {"prompt": "a fox in a den", "model": FIRST_FRAME_MODEL, "seconds": 1, "seed": 1,
         "params": TINY_WAN},
        {"prompt": "the fox walks out", "model": FIRST_FRAME_MODEL, "seconds": 1, "seed": 2,
         "continue": True, "params": TINY_WAN},
    ]  # fmt: skip
    boards = BoardService(studio.api)
    made = boards.create("ana", {"title": "Fox", "shots": shots}, render=True)
    studio.start_worker(shared_registry)
    done = wait_until(lambda: ended(boards, made.id), WAIT_S, "the board")
    assert done.status == "done", done.render
    first, second = done.render["shots"]
    frame = studio.api.catalog.assets.get(second["first_frame"])
    assert frame is not None and frame.output_type == "image" and frame.owner == "ana"
    assert frame.source_ids == (first["asset"],)  # made from the shot before
    job = studio.api.get(second["job"])
    assert job.params["image"] == frame.id and frame.id in job.source_ids
    # The picture it started from is the previous clip's last frame, decoded.
    data_dir = studio.config.data_dir
    clip = decode_frames(studio.api.asset_path(first["asset"], "ana"))
    picture = np.asarray(Image.open(data_dir / frame.path).convert("RGB"), dtype=np.int16)
    assert picture.shape == clip[-1].shape
    assert np.abs(picture - clip[-1].astype(np.int16)).mean() < 2.0  # colour conversion only
    # The shot opens on that picture: its first frame decodes to it, within the codec.
    opening = decode_frames(studio.api.asset_path(second["asset"], "ana"))[0]
    assert np.abs(picture - opening.astype(np.int16)).mean() < OPENING_TOLERANCE
