"""A board's render, as jobs: the soundtrack first (when it must be made, so its beats can
plan the shots), then one job a shot, then one assemble job that makes the piece.

The state lives in the board's ``render`` (the catalog), and ``advance`` moves it on from
what the jobs' rows say: the keeper calls ``advance_all`` every pass, so a render goes on
after a studio restart and each step happens once (every change is a compare-and-set on
the board's version; a job submitted by a pass whose save lost the race is cancelled).
Only the keeper submits a board's jobs, so two passes never race to submit the same shot;
pages and the API change what the board asks and leave the submitting to its next pass.
Each job goes through ``JobService.submit``: it counts against its owner's limits and
waits its fair turn; when the owner's queue is full, the next shots wait for free places.

    render = {"soundtrack_job", "soundtrack_asset", "plan", "shots": [{"job", "asset",
              "first_frame"}], "assemble_job", "asset_id", "error", "waiting"}
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from engines.catalog import AUDIO
from engines.errors import ParamError, StudioError
from jobs.assets import resolve_in
from jobs.boards.frames import last_frame_asset
from jobs.boards.planning import IMAGE_FIELD, has_field, make_plan, shot_job_values, written_seconds
from jobs.boards.spec import check_board
from jobs.catalog.boards import CANCELLED, DONE, FAILED, RENDERING, Board
from jobs.catalog.records import DONE as JOB_DONE
from jobs.catalog.records import Job
from jobs.kinds.assemble import shot_field
from jobs.quotas import QuotaExceeded
from jobs.service import JobService

log = logging.getLogger(__name__)

CHANGE_TRIES = 50  # a page's change against the keeper's passes, which are quick


class BoardChanged(RuntimeError):
    """Someone changed the board meanwhile; read it again."""


def fresh_render(spec: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "soundtrack_job": None,
        "soundtrack_asset": None,
        "plan": None,
        "shots": [{"job": None, "asset": None, "first_frame": None} for _ in spec["shots"]],
        "assemble_job": None,
        "asset_id": None,
        "error": None,
        "waiting": None,  # why the next job is not submitted yet (the owner's queue is full)
    }


class BoardRenders:
    """Start, advance, cancel and re-render boards; one per process, thread-safe."""

    def __init__(self, service: JobService) -> None:
        self.service = service
        self.catalog = service.catalog

    @property
    def data_dir(self) -> Path:
        return self.service.config.data_dir

    # -- what a page or the API asks -----------------------------------------------

    def start(self, board: Board) -> Board:
        """Render the board from scratch (a new render replaces a finished one)."""

        def fresh(current: Board) -> dict[str, Any]:
            self._cancel_jobs(current)
            return {"render": fresh_render(current.spec), "status": RENDERING}

        return self._change(board, fresh)  # the keeper's next pass submits its first job

    def cancel(self, board: Board) -> Board:
        """Stop the render: every job it has waiting or running is cancelled."""
        if board.status != RENDERING:
            return board  # nothing runs

        def stop(current: Board) -> dict[str, Any]:
            self._cancel_jobs(current)
            render = {**current.render, "waiting": None, "error": "Cancelled."}
            # Cancelled, even where a keeper's pass failed it on seeing its cancelled jobs.
            return {"render": render, "status": CANCELLED}

        return self._change(board, stop)

    def _change(self, board: Board, change: Callable[[Board], dict[str, Any]]) -> Board:
        """Apply ``change`` (what to save, from the board as it is now) by compare-and-set,
        reading the board again while the keeper's passes change it first."""
        current: Board | None = board
        for _ in range(CHANGE_TRIES):
            if current is None:
                break
            saved = self.catalog.boards.update(current.id, current.version, **change(current))
            if saved is not None:
                return saved
            current = self.catalog.boards.get(board.id)
        raise BoardChanged("The board changed meanwhile; open it again.")

    def cancel_shot(self, board: Board, index: int) -> Board:
        """Cancel one shot's job; the board stops there until the shot is rendered again."""
        job_id = shot_state(board, index).get("job")
        if job_id:
            self.service.cancel(job_id, board.owner, admin=True)
        return self.catalog.boards.get(board.id) or board

    def rerender_shot(self, board: Board, index: int, changes: Mapping[str, Any]) -> Board:
        """Make shot ``index`` again (``changes``: a new prompt or seed), and the piece again;
        the other shots' clips are kept, except those that continue from this one (their
        first frame is its last)."""
        count = len(board.spec["shots"])
        if not 0 <= index < count:
            raise ParamError(f"There is no shot {index + 1}; this board has {count}.")
        unknown = sorted(set(changes) - {"prompt", "seed"})
        if unknown:
            raise ParamError(f"A re-render changes `prompt` or `seed`, not {', '.join(unknown)}.")
        spec = copy.deepcopy(board.spec)
        spec["shots"][index].update(changes)
        spec = check_board({**spec, "title": board.title}, board.owner, self.service.settings,
                           self.catalog)  # fmt: skip
        spec.pop("title")

        def again(current: Board) -> dict[str, Any]:
            render = copy.deepcopy(current.render) or fresh_render(spec)
            for i in following(spec, index):
                job_id = render["shots"][i].get("job")
                if job_id:
                    self.service.cancel(job_id, current.owner, admin=True)
                render["shots"][i] = {"job": None, "asset": None, "first_frame": None}
            if render.get("assemble_job"):
                self.service.cancel(render["assemble_job"], current.owner, admin=True)
            render.update(assemble_job=None, asset_id=None, error=None, waiting=None)
            return {"spec": spec, "render": render, "status": RENDERING}

        return self._change(board, again)

    # -- the keeper's pass ---------------------------------------------------------

    def advance_all(self) -> None:
        for board in self.catalog.boards.rendering():
            try:
                self.advance(board)
            except Exception as exc:  # one board's trouble must not hold up the others
                log.warning("Cannot advance board %s yet: %s", board.id, exc, exc_info=True)

    def advance(self, board: Board) -> Board:
        """One step further, as far as the jobs allow; the board as saved."""
        if board.status != RENDERING:
            return board
        step = Step(self, board)
        try:
            step.run()
        except BoardChanged:
            return self.catalog.boards.get(board.id) or board
        return step.board

    def _cancel_jobs(self, board: Board) -> None:
        render = board.render or {}
        ids = [render.get("soundtrack_job"), render.get("assemble_job")]
        ids += [shot.get("job") for shot in render.get("shots", [])]
        for job_id in ids:
            job = self.catalog.jobs.get(job_id) if job_id else None
            if job is not None and job.active:
                self.service.cancel(job.id, board.owner, admin=True)


def following(spec: Mapping[str, Any], index: int) -> list[int]:
    """Shot ``index`` and those after it that continue from it, one from the next."""
    chain = [index]
    while chain[-1] + 1 < len(spec["shots"]) and spec["shots"][chain[-1] + 1]["continue"]:
        chain.append(chain[-1] + 1)
    return chain


def shot_state(board: Board, index: int) -> dict[str, Any]:
    shots = (board.render or {}).get("shots") or []
    return dict(shots[index]) if index < len(shots) else {}


class Step:
    """One pass over one board: reads its jobs, submits what is due, saves each change."""

    def __init__(self, renders: BoardRenders, board: Board) -> None:
        self.renders = renders
        self.service = renders.service
        self.catalog = renders.catalog
        self.board = board
        self.render = copy.deepcopy(board.render)
        self.spec = board.spec

    def run(self) -> None:
        self.render["waiting"] = None
        if not self._soundtrack_ready():
            return self._save()
        if self.render["plan"] is None:
            try:
                plan = make_plan(self.service.settings, self.spec, self._soundtrack_path())
            except StudioError as problem:  # a soundtrack that will not decode, say
                return self._fail(f"The cuts could not be planned: {problem}")
            self.render["plan"] = plan
            self._save()
        if not self._shots_ready():
            return self._save()
        self._assemble()
        return None

    # -- each phase ----------------------------------------------------------------

    def _soundtrack_ready(self) -> bool:
        soundtrack = self.spec.get("soundtrack")
        if soundtrack is None or self.render["soundtrack_asset"]:
            return True
        if "asset" in soundtrack:
            self.render["soundtrack_asset"] = soundtrack["asset"]
            return True
        job_id = self.render["soundtrack_job"]
        if job_id is None:
            self._submit("soundtrack_job", soundtrack["model"], self._music_values(soundtrack))
            return False
        job = self._job(job_id)
        if job.status == JOB_DONE:
            self.render["soundtrack_asset"] = job.asset_id
            return True
        if not job.active:
            self._fail(f"The soundtrack {job.status}: {job.error or 'no file'}")
        return False

    def _shots_ready(self) -> bool:
        for index, shot in enumerate(self.spec["shots"]):
            state = self.render["shots"][index]
            if state["asset"]:
                continue
            if state["job"]:
                job = self._job(state["job"])
                if job.status == JOB_DONE:
                    state["asset"] = job.asset_id
                elif not job.active:
                    self._fail(
                        f"Shot {index + 1} {job.status}: {job.error or 'no clip'}. "
                        "Render it again to finish the board."
                    )
                continue
            values = self._shot_values(index, shot)
            if values is None:
                continue  # it continues from a shot not made yet
            if not self._submit_shot(index, shot["model"], values):
                break  # the owner's queue is full: the next ones wait too, in order
        return all(state["asset"] for state in self.render["shots"])

    def _assemble(self) -> None:
        job_id = self.render["assemble_job"]
        if job_id is None:
            self._submit("assemble_job", "assemble", self._assemble_values())
            return
        job = self._job(job_id)
        if job.status == JOB_DONE:
            self.render["asset_id"] = job.asset_id
            self._save(DONE)
        elif not job.active:
            self._fail(f"Assembling the piece {job.status}: {job.error or 'no file'}")

    # -- the jobs' values ----------------------------------------------------------

    def _music_values(self, soundtrack: Mapping[str, Any]) -> dict[str, Any]:
        entry = next(
            e for e in self.service.settings.enabled_models(AUDIO) if e.name == soundtrack["model"]
        )
        _, longest = entry.bounds_of("duration")
        # As long as the board as written; beats may lengthen it, and the assembly loops.
        seconds = min(written_seconds(self.spec) + 1.0, float(longest or 30.0))
        values: dict[str, Any] = {"description": soundtrack["prompt"], "duration": seconds}
        if has_field(entry, "lyrics") and soundtrack.get("lyrics"):
            values["lyrics"] = soundtrack["lyrics"]
        return values

    def _shot_values(self, index: int, shot: Mapping[str, Any]) -> dict[str, Any] | None:
        values = shot_job_values(shot, self.render["plan"]["shots"][index])
        if shot["continue"]:
            state = self.render["shots"][index]
            previous = self.render["shots"][index - 1]
            if not previous["asset"]:
                return None
            if not state["first_frame"]:
                clip = self.catalog.assets.get(previous["asset"])
                if clip is None:
                    self._fail(f"Shot {index}'s clip is gone; render it again.")
                    return None
                note = f"Last frame of: {self.spec['shots'][index - 1]['prompt']}"
                frame = last_frame_asset(self.catalog, self.renders.data_dir, clip, note)
                state["first_frame"] = frame.id
                self._save()
            values[IMAGE_FIELD] = state["first_frame"]
        return values

    def _assemble_values(self) -> dict[str, Any]:
        values: dict[str, Any] = {
            shot_field(i): state["asset"] for i, state in enumerate(self.render["shots"])
        }
        return {
            **values,
            "soundtrack": self.render["soundtrack_asset"],
            "plan": self.render["plan"],
            "transition": self.spec["transition"],
            "board": {"title": self.board.title, **self.spec},
            "board_id": self.board.id,
        }

    # -- submitting and saving -----------------------------------------------------

    def _submit_shot(self, index: int, model: str, values: dict[str, Any]) -> bool:
        job_id = self._submit_values(model, values)
        if job_id is None:
            return False
        self.render["shots"][index]["job"] = job_id
        self._save_or_cancel(job_id)
        return True

    def _submit(self, key: str, model: str, values: dict[str, Any]) -> None:
        job_id = self._submit_values(model, values)
        if job_id is not None:
            self.render[key] = job_id
            self._save_or_cancel(job_id)

    def _submit_values(self, model: str, values: dict[str, Any]) -> str | None:
        try:
            (job_id,) = self.service.submit(self.board.owner, model, values)
        except QuotaExceeded as full:
            self.render["waiting"] = str(full)
            return None
        except StudioError as problem:
            self._fail(str(problem))
            return None
        return job_id

    def _save_or_cancel(self, job_id: str) -> None:
        """Record the job at once; if the board changed meanwhile, the job is not its own."""
        try:
            self._save()
        except BoardChanged:
            self.service.cancel(job_id, self.board.owner, admin=True)
            raise

    def _fail(self, message: str) -> None:
        self.render["error"] = message
        self._save(FAILED)
        raise BoardChanged(message)  # stops this pass; the board is no longer rendering

    def _save(self, status: str | None = None) -> None:
        if self.render == self.board.render and status is None:
            return
        saved = self.catalog.boards.update(
            self.board.id, self.board.version, render=self.render, status=status
        )
        if saved is None:
            raise BoardChanged(f"Board {self.board.id} changed meanwhile.")
        self.board = saved  # self.render stays the one being filled in (same content)

    def _job(self, job_id: str) -> Job:
        job = self.catalog.jobs.get(job_id)
        if job is None:
            self._fail("A job of this board is gone; render it again.")
            raise AssertionError  # unreachable: _fail raises
        return job

    def _soundtrack_path(self) -> Path | None:
        asset_id = self.render["soundtrack_asset"]
        asset = self.catalog.assets.get(asset_id) if asset_id else None
        return resolve_in(self.renders.data_dir, asset.path) if asset is not None else None
