"""Subcommands of ``python -m engines``: each module has ``add_parser(subparsers)``."""

from __future__ import annotations

from types import ModuleType

from engines.commands import combine, extend, models, music, video

COMMANDS: list[ModuleType] = [models, video, music, combine, extend]
