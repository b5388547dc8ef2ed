"""A board's plan: each shot's start, length and frames, fitted to the soundtrack's beats or
bars (engines.storyboard), so every shot is generated at exactly the length it plays."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from engines.catalog import VIDEO, ModelEntry
from engines.errors import ParamError
from engines.params import spec_of
from engines.settings import Settings
from engines.storyboard.plan import ShotSpec, Transition, plan_board

IMAGE_FIELD = "image"  # the first-frame param of families that start from a picture


def shot_entry(settings: Settings, shot: Mapping[str, Any]) -> Any:
    return next(e for e in settings.enabled_models(VIDEO) if e.name == shot["model"])


def shot_specs(settings: Settings, spec: Mapping[str, Any]) -> list[ShotSpec]:
    """Each shot's length as written, its model's frame rate and the frame counts it takes."""
    shots = []
    for shot in spec["shots"]:
        entry = shot_entry(settings, shot)
        fps = int(shot.get("params", {}).get("fps") or shot_fps(entry))
        rule = frame_rule(entry)
        shots.append(ShotSpec(seconds=float(shot["seconds"]), fps=fps, frame_rule=rule))
    return shots


def transition_of(spec: Mapping[str, Any]) -> Transition:
    return Transition(kind=spec["transition"]["kind"], seconds=spec["transition"]["seconds"])


def check_plan(settings: Settings, spec: Mapping[str, Any]) -> None:
    """ParamError now, not mid-render, for a board no plan fits (crossfades longer than a
    shot, a board past five minutes, frames a model cannot make) or a shot whose model's
    params refuse what it asks (its ``params``, checked as its job's will be)."""
    from jobs.kinds import kind_for_output
    from jobs.submission import build_params

    plan = plan_board(shot_specs(settings, spec), None, "as_written", transition_of(spec))
    kind = kind_for_output(VIDEO)
    for index, (shot, planned) in enumerate(zip(spec["shots"], plan.shots, strict=True)):
        values = shot_job_values(shot, dataclasses.asdict(planned))
        try:
            build_params(kind, shot_entry(settings, shot), values)
        except ParamError as problem:
            raise ParamError(f"Shot {index + 1}: {problem}") from None


def shot_job_values(shot: Mapping[str, Any], planned: Mapping[str, Any]) -> dict[str, Any]:
    """A shot's job values: its model's params, its prompt and seed, and the frames the plan
    asks for (the model's next accepted count; the assembly trims to the planned ones)."""
    return {
        **shot.get("params", {}),
        "prompt": shot["prompt"],
        "seed": shot["seed"],
        "num_frames": int(planned["generate_frames"]),
        "fps": int(planned["fps"]),
    }


def make_plan(
    settings: Settings, spec: Mapping[str, Any], soundtrack: Path | None
) -> dict[str, Any]:
    """The plan as JSON (``Plan.to_dict()``); beats are detected only when cuts follow them."""
    from engines.storyboard.beats import detect_beats

    cuts = spec["cuts"]
    beats = detect_beats(soundtrack) if soundtrack is not None and cuts != "as_written" else None
    plan = plan_board(shot_specs(settings, spec), beats, cuts, transition_of(spec))
    return dict(plan.to_dict())


def written_seconds(spec: Mapping[str, Any]) -> float:
    """The board's length as written: what a soundtrack made for it must last."""
    return float(sum(shot["seconds"] for shot in spec["shots"]))


def has_field(entry: ModelEntry, name: str) -> bool:
    try:
        spec_of(entry.params_class(), name)
    except KeyError:
        return False
    return True


def takes_image(entry: ModelEntry) -> bool:
    """Whether the model can start from a picture (its family declares ``image``)."""
    return has_field(entry, IMAGE_FIELD)


def shot_fps(entry: ModelEntry) -> int:
    return int(entry.default_of("fps"))


def max_shot_seconds(entry: ModelEntry) -> float:
    """The longest shot the model makes at its own frame rate."""
    _, most = entry.bounds_of("num_frames")
    return float(most or 1) / shot_fps(entry)


def frame_rule(entry: ModelEntry) -> Any:
    """Wanted frames -> the nearest count at or above it the model accepts (4k+1 for Wan,
    8k+1 for LTX), within its most frames."""
    spec = spec_of(entry.params_class(), "num_frames")
    most = int(spec.maximum or 1)
    k = spec.k_plus_one

    def accepted(frames: int) -> int:
        frames = max(int(frames), 1)
        if k:
            frames = (frames - 1 + k - 1) // k * k + 1
        return min(frames, most)

    return accepted
