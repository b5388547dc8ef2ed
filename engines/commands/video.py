"""``python -m engines video [--model NAME] --prompt ... --out clip.mp4``"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from engines.catalog import VIDEO
from engines.commands.model_flags import add_model_flags, model_epilog, params_from_args


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "video",
        help="Text to video (a catalog video model).",
        epilog=model_epilog(VIDEO),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_model_flags(parser, VIDEO)
    parser.add_argument("--out", required=True, type=Path, help="Where to write the MP4.")
    parser.set_defaults(run=run)


def check_pictures(params: Any) -> None:
    """Each picture the params name (a first frame) must be a whole still PNG, JPEG or WebP
    within the limits; MediaError says what is wrong."""
    from engines.media.images import validate_image_upload
    from engines.params import specs

    for spec in specs(params):
        value = getattr(params, spec.name)
        if spec.kind == "file" and spec.media == "image" and value is not None:
            validate_image_upload(value)


def run(args: argparse.Namespace) -> dict[str, Any]:
    # Imported here so `python -m engines --help` stays fast.
    from engines.commands.progress_bar import progress_bar
    from engines.commands.tagging import settings_tagger
    from engines.progress import RunContext
    from engines.registry import EngineRegistry
    from engines.settings import Settings

    settings = Settings.from_env()
    registry = EngineRegistry(settings)
    entry = registry.entry(args.model) if args.model else settings.default_model(VIDEO)
    params = params_from_args(entry, args, VIDEO)
    check_pictures(params)  # before the model loads: a bad file is refused at once
    tagger = settings_tagger("video", params, entry.name)
    with progress_bar(entry.name) as on_progress:
        result = registry.generate(params, args.out, RunContext(on_progress, tag=tagger))
    made: dict[str, Any] = result.to_dict()
    return made
