"""Argument parsing and the shared run loop behind ``python -m engines``."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence

from engines.commands import COMMANDS
from engines.errors import MediaError, ModelUnavailableError, ParamError, StudioError

EXIT_BAD_INPUT = 2
EXIT_FAILED = 1


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(EXIT_BAD_INPUT, f"error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m engines", description="Studio engines without the UI.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for command in COMMANDS:
        command.add_parser(sub)
    return parser


def _quiet_libraries() -> None:
    # Our own bar is the progress on stderr; the libraries' load bars and notices are noise.
    for name, value in {
        "HF_HUB_DISABLE_PROGRESS_BARS": "1",
        "DIFFUSERS_VERBOSITY": "error",
        "TRANSFORMERS_VERBOSITY": "error",
    }.items():
        os.environ.setdefault(name, value)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    _quiet_libraries()
    try:
        result = args.run(args)
    except (ParamError, MediaError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except (ModelUnavailableError, StudioError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
    if result is not None:  # `models` prints its own table
        print(json.dumps(result, default=str))
    return 0
