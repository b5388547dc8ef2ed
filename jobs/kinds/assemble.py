"""The assemble job: a board's shots joined in order, its soundtrack laid under them,
loudness normalised, one chapter per shot (engines.storyboard.assemble), in the worker.

Its inputs are the owner's assets, each in a declared file field so it travels with the
job like a melody does: ``shot_1`` ... ``shot_32`` (videos, in order) and ``soundtrack``.
``board`` is the board as written (its shots' prompts title the chapters): the piece's
settings tag carries it, so dropping the piece on the Storyboard page reopens the board.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path
from typing import Any, cast

from engines.errors import ParamError
from engines.params import check, param
from engines.progress import CancelCheck, ProgressFn, RunContext
from jobs.kinds.job_kind import JobKind

MAX_SHOTS = 32  # a board's most shots: a five-minute piece of ten-second shots


def shot_field(index: int) -> str:
    """The file field of the shot at ``index`` (from 0): shot_1, shot_2, ..."""
    return f"shot_{index + 1}"


def _post_init(self: Any) -> None:
    check(self)
    shots = self.shot_paths()
    if not shots:
        raise ParamError("An assemble job needs at least `shot_1`.")
    for name in ("plan", "board", "transition"):
        if not isinstance(getattr(self, name), Mapping):
            raise ParamError(f"`{name}` must be an object.")
    written = self.board.get("shots")
    if not isinstance(written, list) or len(written) != len(shots):
        raise ParamError(f"`board` must hold the {len(shots)} shots, each with its prompt.")


def _titles(self: Any) -> list[str]:
    """Each shot's chapter title: its prompt."""
    shots = self.board["shots"]
    return [str(shot.get("prompt", "")) if isinstance(shot, Mapping) else "" for shot in shots]


def _shot_paths(self: Any) -> list[str]:
    """The shots' files (paths in the worker, asset ids in the job), in order."""
    found = [getattr(self, shot_field(i)) for i in range(MAX_SHOTS)]
    given = [value for value in found if value is not None]
    if found[: len(given)] != given:
        raise ParamError("The shots must be shot_1, shot_2, ... with none left out between.")
    return given


_SHOT_FIELDS = [
    (
        shot_field(i),
        str | None,
        param(
            None,
            kind="file",
            media="video",
            optional=True,
            label=f"Shot {i + 1}",
            help=f"The board's shot {i + 1}.",
        ),
    )
    for i in range(MAX_SHOTS)
]

AssembleJobParams = dataclasses.make_dataclass(
    "AssembleJobParams",
    [
        *_SHOT_FIELDS,
        (
            "soundtrack",
            str | None,
            param(
                None,
                kind="file",
                media="audio",
                optional=True,
                label="Soundtrack",
                help="The track laid under the piece (looped when shorter).",
            ),
        ),
        ("plan", dict, dataclasses.field(default_factory=dict)),  # Plan.to_dict()
        ("transition", dict, dataclasses.field(default_factory=dict)),  # kind, seconds
        ("board", dict, dataclasses.field(default_factory=dict)),  # the board as written
        ("board_id", str, ""),
    ],
    frozen=True,
    namespace={"__post_init__": _post_init, "shot_paths": _shot_paths, "titles": _titles},
)
AssembleJobParams.__module__ = __name__  # found as "jobs.kinds.assemble:AssembleJobParams"


def run_assemble(
    registry: object,
    params: Any,
    out_path: Path,
    *,
    on_progress: ProgressFn | None = None,
    should_cancel: CancelCheck | None = None,
) -> Any:
    """One assembly with ffmpeg (no model, so the registry is not needed)."""
    from engines.storyboard.assemble import assemble
    from engines.storyboard.plan import Transition, TransitionKind

    transition = Transition(
        kind=cast(TransitionKind, str(params.transition.get("kind", "cut"))),  # it checks
        seconds=float(params.transition.get("seconds", 0.0)),
    )
    return assemble(
        [Path(p) for p in params.shot_paths()],
        Path(params.soundtrack) if params.soundtrack else None,
        plan_from_dict(params.plan),
        params.titles(),
        transition,
        out_path,
        RunContext(on_progress, should_cancel),
    )


def plan_from_dict(data: Mapping[str, Any]) -> Any:
    """The plan a job carries as JSON, as the assembly takes it."""
    from engines.storyboard.plan import Plan, ShotPlan

    shots = [ShotPlan(**shot) for shot in data["shots"]]
    return Plan(**{**data, "shots": shots})


KIND = JobKind(
    "assemble",
    "jobs.kinds.assemble:AssembleJobParams",
    ".mp4",
    runner="jobs.kinds.assemble:run_assemble",  # ffmpeg, no model
    source="storyboard",
)
