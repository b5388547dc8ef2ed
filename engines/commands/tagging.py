"""A file the CLI writes carries the settings that made it, as a worker's file does."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from engines.media.settings_tag import embed_settings, settings_record
from engines.params import file_fields


def tag_with_settings(out: Path, job_kind: str, params: Any, made: dict[str, Any]) -> None:
    """Embed ``made``'s settings (with the seed drawn) so a page can refill its form."""
    recorded = {**made["params"], "seed": made["seed"]}
    fields = file_fields(params)  # paths on this machine: the tag keeps their file names
    embed_settings(out, settings_record(job_kind, recorded, made, file_fields=fields))
