"""``python -m engines music [--model NAME]``: a track from a description, optionally
following a melody."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from engines.catalog import AUDIO
from engines.commands.model_flags import add_model_flags, model_epilog, params_from_args


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "music",
        help="generate music, a song or a sound with a catalog audio model",
        description="Generate a WAV at the model's own rate and channels (MusicGen 32 kHz, "
        "ACE-Step 48 kHz stereo, Stable Audio 44.1 kHz stereo) from a description.",
        epilog=model_epilog(AUDIO),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_model_flags(parser, AUDIO)
    parser.add_argument("--out", required=True, metavar="FILE", help="WAV file to write")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> dict[str, Any]:
    # Imported here so `python -m engines --help` stays fast.
    from engines.commands.progress_bar import progress_bar
    from engines.commands.tagging import settings_tagger
    from engines.progress import RunContext
    from engines.registry import EngineRegistry
    from engines.settings import MELODY_INPUT, Settings

    settings = Settings.from_env()
    registry = EngineRegistry(settings)
    if args.model:
        entry = registry.entry(args.model)
    else:
        entry = settings.default_model(AUDIO, given=[MELODY_INPUT] if args.melody_path else [])
    params = params_from_args(entry, args, AUDIO)
    out = Path(args.out)
    tagger = settings_tagger("music", params, entry.name)
    with progress_bar(entry.name) as bar:
        result = registry.generate(params, out, RunContext(bar, tag=tagger))
    made: dict[str, Any] = result.to_dict()
    return made
