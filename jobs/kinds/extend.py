"""The extend job: the next seconds of one of the owner's clips, made by a video model
from its last frames and joined to it into one longer clip (engines/extend.py).

The clip travels like a score's video: the job holds its asset id (``extend_from``,
checked as the owner's video on submit), the worker gets the file.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from engines.errors import ParamError
from engines.progress import CancelCheck, ProgressFn, RunContext
from jobs.kinds.job_kind import JobKind

NAME = "extend"
FROM = "extend_from"  # the params field naming the clip: its presence makes a job an extension


def extension_of(model_or_kind: Any, values: Any) -> tuple[Any, Any]:
    """``submit(model, {"extend_from": id, ...})`` is an extension made by ``model``: the
    extend kind with the model in its params; anything else is left as it is."""
    if not isinstance(values, Mapping) or FROM not in values or model_or_kind == NAME:
        return model_or_kind, values
    if "model" in values and values["model"] != model_or_kind:
        raise ParamError("Name the model once, in `model`, not in `params`.")
    return NAME, {**values, "model": model_or_kind}


def plan_extension(settings: Any, params: Any, files: Mapping[str, Path]) -> tuple[Any, Any]:
    """The model and its params an extension runs, planned from the clip (its size, rate):
    a model that cannot extend, or more seconds than it makes at once, is refused here."""
    from engines.extend import continuation_params, extending_model
    from engines.media.frames import clip_shape

    entry = extending_model(settings, params.model)
    return entry, continuation_params(entry, params, clip_shape(files[FROM]))


def run_extend_job(
    registry: Any,
    params: Any,
    out_path: Path,
    *,
    on_progress: ProgressFn | None = None,
    should_cancel: CancelCheck | None = None,
) -> Any:
    from engines.extend import extend_clip

    return extend_clip(registry, params, out_path, RunContext(on_progress, should_cancel))


KIND = JobKind(
    NAME,
    "engines.extend:ExtendParams",
    ".mp4",
    runner="jobs.kinds.extend:run_extend_job",  # the model's continuation, then the join
    source="extended",
    planner="jobs.kinds.extend:plan_extension",
)
