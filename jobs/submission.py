"""What one submit turns into, worked out once: the job kind and model it names, its
params built and checked once, and the seeds of a variation group.

``JobService.submit(owner, model_or_kind, values, variations)`` takes the name of what
makes the job: a model the studio offers (a catalog name, or the folder or hub id the
settings name) for video and music jobs; the job kind, "combine" or "score", for jobs
that run no model of their own choosing (a score names its music model in its values).
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Any

from engines.catalog import AUDIO, VIDEO, ModelEntry
from engines.errors import ParamError
from engines.seeds import MAX_SEED
from engines.settings import Settings
from jobs.kinds import KINDS, kind_for_output
from jobs.kinds.job_kind import JobKind

MAX_VARIATIONS = 4  # one submit, side by side on the page


def offered_models(settings: Settings) -> list[ModelEntry]:
    """The models the pages offer, video and audio: no submit runs another."""
    return [entry for output in (VIDEO, AUDIO) for entry in settings.enabled_models(output)]


def resolve_target(model_or_kind: object, settings: Settings) -> tuple[JobKind, ModelEntry | None]:
    """The job kind and the model (None for combine and score) that ``model_or_kind`` names."""
    kind = KINDS.get(model_or_kind) if isinstance(model_or_kind, str) else None
    if kind is not None and kind.output is None:
        return kind, None
    offered = {entry.name: entry for entry in offered_models(settings)}
    entry = offered.get(model_or_kind) if isinstance(model_or_kind, str) else None
    if entry is None:
        others = ", ".join(name for name, k in KINDS.items() if k.output is None)
        raise ParamError(
            f"Unknown model {model_or_kind!r}; this studio runs: {', '.join(offered)} "
            f"(and {others} jobs)."
        )
    return kind_for_output(entry.output), entry


def build_params(kind: JobKind, entry: ModelEntry | None, values: Mapping[str, Any]) -> Any:
    """The job's params from the caller's values over the model's own defaults, checked."""
    if not isinstance(values, Mapping):
        raise ParamError("`params` must be an object of the model's params.")
    if entry is None:
        return kind.build(values)
    if values.get("model", entry.name) != entry.name:
        raise ParamError("Name the model once, in `model`, not in `params`.")
    params = kind.build_as(entry.params_class(), {**entry.defaults, **values, "model": entry.name})
    entry.check_params(params)  # the file inputs it takes (a melody)
    return params


def checked_count(variations: object) -> int:
    """How many jobs one submit makes: 1 to MAX_VARIATIONS."""
    if (
        isinstance(variations, bool)
        or not isinstance(variations, int)
        or not 1 <= variations <= MAX_VARIATIONS
    ):
        raise ParamError(f"Variations are 1 to {MAX_VARIATIONS}, but {variations!r} were asked.")
    return variations


def variation_seeds(seed: int | None, count: int) -> list[int]:
    """``count`` seeds: consecutive from ``seed``, or drawn at random when it is None."""
    if seed is None:
        return [secrets.randbelow(MAX_SEED + 1) for _ in range(count)]
    if seed + count - 1 > MAX_SEED:
        raise ParamError(
            f"{count} seeds from {seed} pass the largest seed, {MAX_SEED}; "
            f"start at {MAX_SEED - count + 1} or lower."
        )
    return [seed + i for i in range(count)]


def variation_group(kind: JobKind, data: dict[str, Any], count: int) -> list[dict[str, Any]]:
    """The params of each job: ``data`` alone, or ``count`` copies with their own seeds."""
    if count == 1:
        return [data]
    if "seed" not in data:
        raise ParamError(f"{kind.name} jobs have no seed to vary.")
    return [{**data, "seed": seed} for seed in variation_seeds(data["seed"], count)]
