"""``python -m engines combine --video clip.mp4 --audio track.wav --out scored.mp4``"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from engines.combine import FIT_MODES, ORIGINAL_SOUND_MODES, CombineParams, combine


def add_parser(subparsers: Any) -> None:
    defaults = CombineParams.__dataclass_fields__
    parser = subparsers.add_parser(
        "combine", help="Lay a music track under a video (MP4: H.264 + AAC, faststart)."
    )
    parser.add_argument("--video", required=True, type=Path, help="The video (any length).")
    parser.add_argument("--audio", required=True, type=Path, help="The music track.")
    parser.add_argument("--out", required=True, type=Path, help="Where to write the MP4.")
    parser.add_argument(
        "--offset",
        type=float,
        default=defaults["offset_s"].default,
        help="Seconds into the track where the music starts.",
    )
    parser.add_argument(
        "--volume-db", type=float, default=defaults["volume_db"].default, help="Track gain in dB."
    )
    parser.add_argument(
        "--fade-in", type=float, default=defaults["fade_in_s"].default, help="Seconds."
    )
    parser.add_argument(
        "--fade-out", type=float, default=defaults["fade_out_s"].default, help="Seconds."
    )
    parser.add_argument(
        "--fit",
        choices=FIT_MODES,
        default=defaults["fit"].default,
        help="loop/trim the track to the video's length, or loop-video to the track's.",
    )
    parser.add_argument(
        "--original",
        choices=ORIGINAL_SOUND_MODES,
        default=defaults["original"].default,
        help="The video's own sound: drop it, keep it as is, or mix it at --original-level-db.",
    )
    parser.add_argument(
        "--original-level-db",
        type=float,
        default=defaults["original_level_db"].default,
        help="Gain on the video's own sound with --original mix.",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> dict[str, Any]:
    params = CombineParams(
        offset_s=args.offset,
        volume_db=args.volume_db,
        fade_in_s=args.fade_in,
        fade_out_s=args.fade_out,
        fit=args.fit,
        original=args.original,
        original_level_db=args.original_level_db,
    )
    return combine(args.video, args.audio, args.out, params).to_dict()
