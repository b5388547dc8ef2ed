"""A file the CLI writes carries the settings that made it, as a worker's file does."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from engines.media.settings_tag import settings_comment, settings_record
from engines.params import file_fields
from engines.progress import Tagger


def settings_tagger(job_kind: str, params: Any, model_name: str) -> Tagger:
    """The settings comment the engine writes with the file (the seed drawn included), so
    a page can refill its form; ``model_name`` is the catalog name the registry runs."""
    fields = file_fields(params)  # paths on this machine: the tag keeps their file names

    def tag(_out: Path, made: Mapping[str, Any]) -> str:
        recorded = {**dataclasses.asdict(params), "model": params.model or model_name}
        recorded["seed"] = made["seed"]
        return settings_comment(settings_record(job_kind, recorded, made, file_fields=fields))

    return tag
