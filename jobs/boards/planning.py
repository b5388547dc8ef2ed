"""A board's plan: each shot's start, length and frames, fitted to the soundtrack's beats or
bars (engines.storyboard), so every shot is generated at exactly the length it plays."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from engines.catalog import VIDEO
from engines.settings import Settings
from jobs.boards.spec import frame_rule, shot_fps


def shot_entry(settings: Settings, shot: Mapping[str, Any]) -> Any:
    return next(e for e in settings.enabled_models(VIDEO) if e.name == shot["model"])


def make_plan(
    settings: Settings, spec: Mapping[str, Any], soundtrack: Path | None
) -> dict[str, Any]:
    """The plan as JSON (``Plan.to_dict()``); beats are detected only when cuts follow them."""
    from engines.storyboard.beats import detect_beats
    from engines.storyboard.plan import ShotSpec, Transition, plan_board

    shots = []
    for shot in spec["shots"]:
        entry = shot_entry(settings, shot)
        fps = int(shot.get("params", {}).get("fps") or shot_fps(entry))
        rule = frame_rule(entry)
        shots.append(ShotSpec(seconds=float(shot["seconds"]), fps=fps, frame_rule=rule))
    cuts = spec["cuts"]
    beats = detect_beats(soundtrack) if soundtrack is not None and cuts != "as_written" else None
    transition = Transition(kind=spec["transition"]["kind"], seconds=spec["transition"]["seconds"])
    return dict(plan_board(shots, beats, cuts, transition).to_dict())


def written_seconds(spec: Mapping[str, Any]) -> float:
    """The board's length as written: what a soundtrack made for it must last."""
    return float(sum(shot["seconds"] for shot in spec["shots"]))
