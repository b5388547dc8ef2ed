"""``python -m engines extend --video clip.mp4 --prompt "..." --seconds 2 --out longer.mp4``"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from engines.extend import MAX_SECONDS


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "extend",
        help="Make a clip longer: the next seconds from its last frames, joined into one clip.",
    )
    parser.add_argument("--video", required=True, type=Path, help="The clip to extend.")
    parser.add_argument("--prompt", required=True, help="What the next seconds show.")
    parser.add_argument(
        "--seconds", required=True, type=float, help=f"Seconds to add (at most {MAX_SECONDS:g})."
    )
    parser.add_argument(
        "--model",
        default=None,
        help="A video model that starts from a picture (default: the first that can).",
    )
    parser.add_argument("--negative", default="", help="What to steer away from.")
    parser.add_argument("--seed", type=int, default=None, help="Omit for a random seed.")
    parser.add_argument(
        "--steps", type=int, default=None, help="Denoising steps (default: the model's)."
    )
    parser.add_argument("--out", required=True, type=Path, help="Where to write the MP4.")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> dict[str, Any]:
    # Imported here so `python -m engines --help` stays fast.
    from engines.commands.progress_bar import progress_bar
    from engines.extend import ExtendParams, extend_clip, extending_model
    from engines.media.settings_tag import settings_comment, settings_record
    from engines.progress import RunContext
    from engines.registry import EngineRegistry
    from engines.settings import Settings

    params = ExtendParams(
        extend_from=str(args.video),
        prompt=args.prompt,
        seconds=args.seconds,
        negative_prompt=args.negative,
        seed=args.seed,
        steps=args.steps,
        model=args.model,
    )
    settings = Settings.from_env()
    registry = EngineRegistry(settings)
    entry = extending_model(settings, params.model)
    recorded = {**vars(params), "extend_from": args.video.name, "model": entry.name}
    comment = settings_comment(settings_record("extend", recorded, {"model": entry.name}))
    with progress_bar(entry.name) as on_progress:
        result = extend_clip(registry, params, args.out, RunContext(on_progress), comment=comment)
    made: dict[str, Any] = result.to_dict()
    return made
