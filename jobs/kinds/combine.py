"""The combine job: lay one of the owner's tracks under one of their videos (ffmpeg).

``engines.combine`` takes the two files and ``CombineParams``; a job also needs the
files, so its params are both together. The files are the owner's assets (by id in the
job); like a melody they travel with the job, so a worker on another machine can combine.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engines.combine import CombineParams
from engines.errors import ParamError
from engines.params import check, param
from engines.progress import CancelCheck, ProgressFn, StepReporter
from jobs.kinds.job_kind import JobKind


@dataclass(frozen=True)
class CombineJobParams:
    video_path: str = param(
        kind="file", media="video", label="Video", help="The video to lay the track under."
    )
    audio_path: str = param(
        kind="file", media="audio", label="Track", help="The track to lay under the video."
    )
    options: CombineParams = field(default_factory=CombineParams)  # offset, volume, fades, fit

    def __post_init__(self) -> None:
        check(self)
        if isinstance(self.options, Mapping):  # rebuilt from JSON
            known = {f.name for f in dataclasses.fields(CombineParams)}
            unknown = sorted(set(self.options) - known)
            if unknown:
                raise ParamError(f"Unknown combine option(s): {', '.join(unknown)}.")
            object.__setattr__(self, "options", CombineParams(**self.options))
        if not isinstance(self.options, CombineParams):
            raise ParamError(f"`options` must be CombineParams, not {type(self.options).__name__}.")


def run_combine(
    registry: object,
    params: CombineJobParams,
    out_path: Path,
    *,
    on_progress: ProgressFn | None = None,
    should_cancel: CancelCheck | None = None,
) -> Any:
    """One ffmpeg pass (no model, so the registry is not needed); one step of progress."""
    from engines.combine import combine

    reporter = StepReporter(1, on_progress, should_cancel)
    reporter.check_cancel()
    # Lineage lives in the catalog (the job's source assets); the worker's paths mean nothing.
    result = combine(params.video_path, params.audio_path, out_path, params.options, sources={})
    reporter.advance()
    return result


KIND = JobKind(
    "combine",
    "jobs.kinds.combine:CombineJobParams",
    ".mp4",
    runner="jobs.kinds.combine:run_combine",  # ffmpeg, no model
    source="combined",
)
