"""``python -m engines video --prompt ... --out clip.mp4``"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from engines.commands.progress_bar import progress_bar
from engines.registry import EngineRegistry
from engines.settings import Settings
from engines.video import VideoParams


def add_parser(subparsers: Any) -> None:
    defaults = VideoParams(prompt="defaults")
    parser = subparsers.add_parser("video", help="Text to video (ModelScope 1.7B).")
    parser.add_argument("--prompt", required=True, help="What the clip shows, in English.")
    parser.add_argument("--negative", default="", help="What to steer away from.")
    parser.add_argument("--frames", type=int, default=defaults.num_frames)
    parser.add_argument("--steps", type=int, default=defaults.steps)
    parser.add_argument("--seed", type=int, default=None, help="Omit for a random seed.")
    parser.add_argument("--guidance", type=float, default=defaults.guidance_scale)
    parser.add_argument("--height", type=int, default=defaults.height)
    parser.add_argument("--width", type=int, default=defaults.width)
    parser.add_argument("--fps", type=int, default=defaults.fps)
    parser.add_argument("--out", required=True, type=Path, help="Where to write the MP4.")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> dict[str, Any]:
    params = VideoParams(
        prompt=args.prompt,
        negative_prompt=args.negative,
        seed=args.seed,
        num_frames=args.frames,
        steps=args.steps,
        guidance_scale=args.guidance,
        height=args.height,
        width=args.width,
        fps=args.fps,
    )
    registry = EngineRegistry(Settings.from_env())
    with progress_bar("video") as on_progress:
        result = registry.generate("video", params, args.out, on_progress=on_progress)
    return result.to_dict()
