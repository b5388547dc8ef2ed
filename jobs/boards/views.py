"""What a page or the API shows of a board: its status, one progress for the whole board
(shots done of N, then assembling) and each shot's job, the plan and the piece."""

from __future__ import annotations

from typing import Any

from jobs.catalog import Catalog
from jobs.catalog.boards import Board
from jobs.catalog.records import DONE, Job

WRITTEN = ("prompt", "model", "seconds", "seed", "continue")  # a shot as its owner wrote it


def board_view(catalog: Catalog, board: Board) -> dict[str, Any]:
    render = board.render or {}
    states = render.get("shots") or [{} for _ in board.spec["shots"]]
    jobs = [_job(catalog, state.get("job")) for state in states]
    shots = []
    for index, (shot, state, job) in enumerate(zip(board.spec["shots"], states, jobs, strict=True)):
        shots.append(
            {
                **{key: shot.get(key) for key in WRITTEN},
                "index": index,
                "job_id": state.get("job"),
                "status": job.status if job else ("done" if state.get("asset") else None),
                "fraction": job.fraction if job else (1.0 if state.get("asset") else 0.0),
                "asset_id": state.get("asset"),
                "first_frame_id": state.get("first_frame"),
            }
        )
    done = sum(1 for shot in shots if shot["asset_id"])
    plan = render.get("plan")
    soundtrack_job = _job(catalog, render.get("soundtrack_job"))
    assemble_job = _job(catalog, render.get("assemble_job"))
    return {
        "id": board.id,
        "owner": board.owner,
        "title": board.title,
        "status": board.status,
        "phase": _phase(board, render, done, len(shots)),
        "progress": _progress(render, done, len(shots), assemble_job),
        "shots_done": done,
        "shots": shots,
        "soundtrack": board.spec.get("soundtrack"),
        "soundtrack_job_id": render.get("soundtrack_job"),
        "soundtrack_status": soundtrack_job.status if soundtrack_job else None,
        "soundtrack_asset_id": render.get("soundtrack_asset"),
        "cuts": board.spec["cuts"],
        "transition": board.spec["transition"],
        "assemble_job_id": render.get("assemble_job"),
        "asset_id": render.get("asset_id"),
        "plan": {"cuts": plan["cuts"], "seconds": plan["seconds"]} if plan else None,
        "error": render.get("error"),
        "waiting": render.get("waiting"),
        "updated_at": board.updated_at,
    }


def _job(catalog: Catalog, job_id: str | None) -> Job | None:
    return catalog.jobs.get(job_id) if job_id else None


def _phase(board: Board, render: dict[str, Any], done: int, total: int) -> str:
    """The board's progress in words."""
    if board.status != "rendering":
        return {"draft": "Not rendered yet", "done": "Done"}.get(
            board.status, str(render.get("error") or board.status.capitalize())
        )
    if board.spec.get("soundtrack") and not render.get("soundtrack_asset"):
        return "Making the soundtrack"
    if done < total:
        return f"Shots done: {done} of {total}"
    return "Assembling the piece"


def _progress(render: dict[str, Any], done: int, total: int, assemble: Job | None) -> float:
    """0 to 1: the shots count for most of it, assembling for the last part."""
    if render.get("asset_id"):
        return 1.0
    shots_part = 0.9 * done / total if total else 0.0
    if assemble is not None:
        shots_part += 0.1 * (1.0 if assemble.status == DONE else assemble.fraction)
    return round(shots_part, 4)
