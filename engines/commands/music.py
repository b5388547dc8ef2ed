"""``python -m engines music``: a track from a description, optionally following a melody."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from engines.music import MusicParams


def add_parser(subparsers: Any) -> None:
    defaults = MusicParams(description="defaults")
    parser = subparsers.add_parser(
        "music",
        help="generate music with MusicGen",
        description="Generate a 32 kHz mono WAV from an English description.",
    )
    parser.add_argument("--prompt", required=True, help="what the music sounds like, in English")
    parser.add_argument(
        "--duration", type=float, default=defaults.duration, help="seconds, 1 to 30"
    )
    parser.add_argument("--seed", type=int, default=None, help="fixed seed (default: random)")
    parser.add_argument("--top-k", type=int, default=defaults.top_k, help="0 turns it off")
    parser.add_argument("--top-p", type=float, default=defaults.top_p, help="0 turns it off")
    parser.add_argument("--temperature", type=float, default=defaults.temperature)
    parser.add_argument(
        "--guidance", type=float, default=defaults.guidance_scale, help="1 turns it off"
    )
    parser.add_argument(
        "--melody", metavar="FILE", default=None, help="audio file whose melody to follow"
    )
    parser.add_argument("--out", required=True, metavar="FILE", help="WAV file to write")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> dict[str, Any]:
    # Imported here so `python -m engines --help` stays fast.
    from engines.commands.progress_bar import progress_bar
    from engines.music import music_kind
    from engines.registry import EngineRegistry
    from engines.settings import Settings

    params = MusicParams(
        description=args.prompt,
        duration=args.duration,
        top_k=args.top_k,
        top_p=args.top_p,
        temperature=args.temperature,
        guidance_scale=args.guidance,
        seed=args.seed,
        melody_path=args.melody,
    )
    registry = EngineRegistry(Settings.from_env())
    with progress_bar("music") as bar:
        result = registry.generate(music_kind(params), params, Path(args.out), on_progress=bar)
    return result.to_dict()
