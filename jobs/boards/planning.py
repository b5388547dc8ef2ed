"""A board's plan: each shot's start, length and frames, fitted to the soundtrack's beats or
bars (engines.storyboard), so every shot is generated at exactly the length it plays."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from engines.catalog import VIDEO
from engines.errors import ParamError
from engines.settings import Settings
from engines.storyboard.plan import Plan, ShotPlan, ShotSpec, Transition, plan_board
from jobs.boards.spec import frame_rule, shot_fps


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


def plan_from_dict(data: Mapping[str, Any]) -> Plan:
    """The plan a job carries as JSON, as the assembly takes it."""
    shots = [ShotPlan(**shot) for shot in data["shots"]]
    return Plan(**{**data, "shots": shots})


def written_seconds(spec: Mapping[str, Any]) -> float:
    """The board's length as written: what a soundtrack made for it must last."""
    return float(sum(shot["seconds"] for shot in spec["shots"]))
