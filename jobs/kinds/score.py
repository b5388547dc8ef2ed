"""The score job: new music as long as a video, laid under it, in one job.

Two phases on one worker: MusicGen through the registry, then one ffmpeg pass. The
video is the owner's asset and travels with the job like a melody does.
"""

from __future__ import annotations

import dataclasses
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engines.combine import MAX_FADE_S, CombineParams, combine
from engines.errors import ParamError
from engines.families.musicgen import MusicParams
from engines.params import check, param
from engines.progress import CancelCheck, ProgressFn, RunContext
from engines.validation import require_float_range, require_seed
from jobs.kinds.job_kind import JobKind


@dataclass(frozen=True)
class ScoreJobParams:
    video_path: str = param(kind="file", media="video", label="Video", help="The video to score.")
    description: str = param(kind="prompt", help="The music to make, in English.")
    duration: float = param(
        kind="float", minimum=1.0, maximum=300.0,
        help="Seconds of music (the model's own limit applies); a longer video loops it.",
    )  # fmt: skip
    seed: int | None = None
    fade_in_s: float = 0.0  # the music rises from silence; shortened to fit a short clip
    fade_out_s: float = 1.0  # end the music gently with the clip; shortened to fit too
    model: str | None = None  # any audio model (catalog name); None is the default

    def __post_init__(self) -> None:
        check(self)  # the declared fields: the video, the description, the duration
        require_seed(self.seed)
        # Checked here, not first in the worker's CombineParams: bad input never becomes a job.
        require_float_range("fade_in_s", self.fade_in_s, 0.0, MAX_FADE_S)
        require_float_range("fade_out_s", self.fade_out_s, 0.0, MAX_FADE_S)
        if self.model is not None and (not isinstance(self.model, str) or not self.model.strip()):
            raise ParamError(f"`model` must name an audio model or be None, but is {self.model!r}.")
        self.music()

    def music(self) -> Any:
        """The track's params: MusicGen's by default, else the named audio model's own."""
        values: dict[str, Any] = {
            "description": self.description,
            "duration": self.duration,
            "seed": self.seed,
        }
        if self.model is None:
            return MusicParams(**values)
        from engines.catalog import AUDIO, resolve

        try:
            entry = resolve(self.model, AUDIO)
        except ParamError as problem:  # say which field it was
            raise ParamError(f"`model`: {problem}") from None
        return entry.params(**values)


@dataclass(frozen=True)
class ScoreResult:
    path: str
    seed: int  # the music's seed, so the score can be made again
    music: dict[str, Any]  # the track's result: model, params, timings
    combine: dict[str, Any]  # the combine's result: options, lineage, timings
    duration_s: float
    kind: str = "score"

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def run_score_job(
    registry: Any,
    params: ScoreJobParams,
    out_path: Path,
    *,
    on_progress: ProgressFn | None = None,
    should_cancel: CancelCheck | None = None,
) -> Any:
    """Make music as long as the video, then lay it under; progress spans both phases."""
    music = params.music()
    music_steps = 0

    def music_progress(step: int, total: int) -> None:
        nonlocal music_steps
        music_steps = total
        if on_progress is not None:
            on_progress(step, total + 1)  # the last step is the combine

    with tempfile.TemporaryDirectory(dir=out_path.parent) as scratch:
        track = Path(scratch) / "track.wav"
        music_result = registry.generate(music, track, RunContext(music_progress, should_cancel))
        fade_in, fade_out = params.fade_in_s, params.fade_out_s
        options = CombineParams(fit="loop", fade_in_s=fade_in, fade_out_s=fade_out)
        # The clip's length is the person's, not theirs to measure: fades fit it (a 0.5 s clip).
        combined = combine(params.video_path, track, out_path, options, sources={}, fit_fades=True)
    if on_progress is not None:
        on_progress(music_steps + 1, music_steps + 1)
    return ScoreResult(
        path=combined.path,
        seed=music_result.seed,
        music=music_result.to_dict(),
        combine=combined.to_dict(),
        duration_s=combined.duration_s,
    )


KIND = JobKind(
    "score",
    "jobs.kinds.score:ScoreJobParams",
    ".mp4",
    runner="jobs.kinds.score:run_score_job",  # music as long as the video, laid under it
    source="scored",
)
