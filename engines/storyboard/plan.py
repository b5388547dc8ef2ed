"""The cut plan of a board: where each shot starts, how long it plays, how many frames.

Every shot plays over ``[start, start + seconds)`` of the piece. With a crossfade the
next shot starts ``transition.seconds`` before this one ends (the two overlap), so
``cuts[i]`` is the moment shot ``i``'s first frame appears, which is also its chapter.

With cuts on the beat (or bar), each cut written by the user moves to the nearest beat
(bar start) of the soundtrack, then onto the piece's frame grid: a cut is at most half a
frame from its beat. The piece's end moves the same way. Each shot's frame count comes
from its snapped length at its own fps; it is generated at the model's next accepted
count (``frame_rule``) at or above that and trimmed to exactly it: never stretched,
never padded with frozen frames.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, get_args

from engines.errors import ParamError
from engines.storyboard.beats import Beats

CutMode = Literal["beats", "bars", "as_written"]
TransitionKind = Literal["cut", "crossfade"]
CUT_MODES: tuple[str, ...] = get_args(CutMode)
TRANSITION_KINDS: tuple[str, ...] = get_args(TransitionKind)

MIN_SHOT_S, MAX_SHOT_S = 1.0, 20.0  # what a user may write for one shot
MAX_BOARD_S = 300.0  # 5 minutes: MusicGen's longest soundtrack
MAX_SHOTS = 60
MIN_FPS, MAX_FPS = 1, 60
MIN_CROSSFADE_S, MAX_CROSSFADE_S = 0.1, 2.0
MIN_PLAYED_S = 0.5  # a snapped shot never plays shorter than this (beyond its crossfades)
# A made soundtrack runs this much past the board as written: snapping the end to a bar
# can move it later by up to half a bar (2 s at 60 BPM), and nobody wants a loop there.
SOUNDTRACK_MARGIN_S = 3.0
FRAME_RULE_SEARCH = 256  # how far above the planned frames to look for an accepted count


@dataclass(frozen=True)
class Transition:
    kind: TransitionKind = "cut"
    seconds: float = 0.0  # the crossfade's length; 0 for a cut

    def __post_init__(self) -> None:
        if self.kind not in TRANSITION_KINDS:
            raise ParamError(f"The transition must be 'cut' or 'crossfade' but is {self.kind!r}.")
        if self.kind == "crossfade" and not (MIN_CROSSFADE_S <= self.seconds <= MAX_CROSSFADE_S):
            raise ParamError(
                f"A crossfade lasts {MIN_CROSSFADE_S:g}-{MAX_CROSSFADE_S:g} s but "
                f"{self.seconds!r} s was asked; choose a length in that range or a plain cut."
            )
        if self.kind == "cut" and self.seconds != 0:
            raise ParamError(
                f"A plain cut has no length but {self.seconds!r} s was given; use 0, or "
                "kind 'crossfade' for a transition with a length."
            )

    @property
    def overlap_s(self) -> float:
        return self.seconds if self.kind == "crossfade" else 0.0


@dataclass(frozen=True)
class ShotSpec:
    seconds: float  # as the user wrote it
    fps: int  # the shot's model's frame rate
    frame_rule: Callable[[int], int] | None = None  # wanted frames -> nearest accepted count


@dataclass(frozen=True)
class ShotPlan:
    start: float  # seconds into the piece where its first frame shows
    seconds: float  # how long it plays, crossfades included
    frames: int  # exactly this many frames of it are used, at its own fps
    fps: int
    generate_frames: int = 0  # what to ask the model for (>= frames; the rest is trimmed)
    out_frames: int = 0  # its frames at the piece's fps (equals frames when the fps match)


@dataclass(frozen=True)
class Plan:
    cuts: list[float]  # start of each shot, cuts[0] == 0
    seconds: float  # the piece's length
    shots: list[ShotPlan]
    fps: int = 24  # the piece's frame rate: the highest of the shots'
    cuts_mode: str = "as_written"  # what the cuts were fitted to
    transition: dict[str, Any] = field(default_factory=dict)
    note: str = ""  # why the plan differs from what was asked, when it does

    @property
    def frames(self) -> int:
        return round(self.seconds * self.fps)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Plan:
        """The plan back from ``to_dict()`` (a board kept in the catalog across restarts)."""
        fields = {f.name for f in dataclasses.fields(cls)} - {"shots"}
        shots = [ShotPlan(**shot) for shot in data["shots"]]
        return cls(shots=shots, **{k: v for k, v in data.items() if k in fields})


def plan_board(
    shots: Sequence[ShotSpec],
    beats: Beats | None,
    cuts: str,
    transition: Transition,
) -> Plan:
    """Cuts, lengths and frame counts for ``shots``; ParamError for a board that cannot be."""
    # 1. Check the board as written.
    check_board(shots, cuts, transition)
    fps = max(shot.fps for shot in shots)
    overlap = round(transition.overlap_s * fps)  # crossfades in whole frames of the piece
    # 2. Where the user's cuts (and the end) fall, in frames of the piece.
    written = written_boundaries(shots, transition.overlap_s)
    # 3. The grid they snap to: beats, bar starts, or none.
    grid, mode, note = snap_grid(beats, cuts, written[-1])
    bounds = snap_boundaries(written, grid, fps, overlap)
    # 4. Each shot's length and frames from its snapped cuts.
    planned = [
        shot_plan(spec, bounds[i], bounds[i + 1] + (overlap if i < len(shots) - 1 else 0), fps)
        for i, spec in enumerate(shots)
    ]
    return Plan(
        cuts=[p.start for p in planned],
        seconds=round(bounds[-1] / fps, 6),
        shots=planned,
        fps=fps,
        cuts_mode=mode,
        transition={"kind": transition.kind, "seconds": transition.overlap_s},
        note=note,
    )


def soundtrack_seconds(shots: Sequence[ShotSpec], transition: Transition) -> float:
    """How long a soundtrack made for this board should be (before its beats are known)."""
    check_board(shots, "as_written", transition)
    return round(written_boundaries(shots, transition.overlap_s)[-1] + SOUNDTRACK_MARGIN_S, 3)


def check_board(shots: Sequence[ShotSpec], cuts: str, transition: Transition) -> None:
    if not shots:
        raise ParamError("A board needs at least one shot; add a shot with a prompt and a length.")
    if len(shots) > MAX_SHOTS:
        raise ParamError(f"A board holds at most {MAX_SHOTS} shots but has {len(shots)}.")
    if cuts not in CUT_MODES:
        raise ParamError(
            f"`cuts` must be one of {', '.join(CUT_MODES)} but is {cuts!r}: 'beats' and 'bars' "
            "move each cut onto the soundtrack's beats or bar starts, 'as_written' keeps them."
        )
    for number, shot in enumerate(shots, start=1):
        seconds = shot.seconds
        if not isinstance(seconds, int | float) or not math.isfinite(seconds):
            raise ParamError(
                f"Shot {number}'s length must be a number of seconds, not {seconds!r}."
            )
        if not MIN_SHOT_S <= seconds <= MAX_SHOT_S:
            raise ParamError(
                f"Shot {number} lasts {seconds:g} s; a shot lasts {MIN_SHOT_S:g}-{MAX_SHOT_S:g} s. "
                "Split a longer moment into several shots."
            )
        if not isinstance(shot.fps, int) or not MIN_FPS <= shot.fps <= MAX_FPS:
            raise ParamError(
                f"Shot {number}'s frame rate must be {MIN_FPS}-{MAX_FPS}, not {shot.fps!r}."
            )
        if transition.overlap_s * 2 + MIN_PLAYED_S > seconds:
            raise ParamError(
                f"Shot {number} lasts {seconds:g} s, too short for {transition.overlap_s:g} s "
                f"crossfades at both ends; make it at least "
                f"{transition.overlap_s * 2 + MIN_PLAYED_S:g} s or shorten the crossfade."
            )
    total = sum(shot.seconds for shot in shots) - transition.overlap_s * (len(shots) - 1)
    if total > MAX_BOARD_S:
        raise ParamError(
            f"The board lasts {total:.1f} s; a board lasts at most {MAX_BOARD_S:g} s "
            f"({MAX_BOARD_S / 60:g} minutes). Shorten or remove shots."
        )


def written_boundaries(shots: Sequence[ShotSpec], overlap_s: float) -> list[float]:
    """Start of each shot as written, then the end of the piece, in seconds."""
    bounds = [0.0]
    for shot in shots[:-1]:
        bounds.append(bounds[-1] + shot.seconds - overlap_s)
    bounds.append(bounds[-1] + shots[-1].seconds)
    return bounds


def snap_grid(beats: Beats | None, cuts: str, end_s: float) -> tuple[list[float], str, str]:
    """The times cuts may move to (empty: as written), the mode used, and a note if changed."""
    if cuts == "as_written":
        return [], "as_written", ""
    if beats is None:
        raise ParamError(
            f"Cuts '{cuts}' need the soundtrack's beats; give the board a soundtrack or "
            "choose cuts 'as_written'."
        )
    points = beats.downbeats if cuts == "bars" else beats.times
    if len(points) < 2:
        return [], "as_written", f"No {cuts} were found in the soundtrack; cuts are as written."
    return looped(points, beats.duration, end_s), cuts, ""


def looped(points: Sequence[float], duration: float, end_s: float) -> list[float]:
    """The grid repeated as the soundtrack loops (every ``duration`` s) to past ``end_s``;
    with an unknown duration, extended at its last interval."""
    grid = list(points)
    if duration > points[-1]:
        repeat = 1
        while grid[-1] < end_s + duration:
            grid.extend(t + repeat * duration for t in points)
            repeat += 1
    else:
        step = points[-1] - points[-2]
        while grid[-1] < end_s + step:
            grid.append(grid[-1] + step)
    return grid


def snap_boundaries(written: list[float], grid: list[float], fps: int, overlap: int) -> list[int]:
    """Each boundary in frames of the piece: the nearest grid point (or as written), kept
    far enough after the previous one that the shot between still plays MIN_PLAYED_S."""
    # A shot's crossfades must not overlap each other: it plays at least one crossfade
    # and MIN_PLAYED_S alone between its cut and the next (its length is that + overlap).
    gap = overlap + math.ceil(MIN_PLAYED_S * fps)
    bounds = [0]
    for target in written[1:]:
        earliest = bounds[-1] + gap
        candidates = [round(t * fps) for t in grid] or [round(target * fps)]
        allowed = [c for c in candidates if c >= earliest] or [max(earliest, round(target * fps))]
        bounds.append(min(allowed, key=lambda c: (abs(c / fps - target), c)))
    return bounds


def shot_plan(spec: ShotSpec, start: int, end: int, fps: int) -> ShotPlan:
    """A shot playing frames [start, end) of the piece, in frames of its own fps."""
    out_frames = end - start
    seconds = out_frames / fps
    # At another fps, enough of its own frames to cover the whole time it plays.
    frames = out_frames if spec.fps == fps else math.ceil(seconds * spec.fps - 1e-9)
    return ShotPlan(
        start=round(start / fps, 6),
        seconds=round(seconds, 6),
        frames=frames,
        fps=spec.fps,
        generate_frames=frames_to_generate(frames, spec.frame_rule),
        out_frames=out_frames,
    )


def frames_to_generate(frames: int, rule: Callable[[int], int] | None) -> int:
    """The smallest count the model accepts that is at least ``frames``."""
    if rule is None:
        return frames
    for wanted in range(frames, frames + FRAME_RULE_SEARCH):
        accepted = int(rule(wanted))
        if accepted >= frames:
            return accepted
    raise ParamError(
        f"The shot's model accepts no frame count at or above {frames}; shorten the shot."
    )
