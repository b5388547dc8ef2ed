"""Names that say what a downloaded file is: ``video-<seed>-<prompt-slug>.mp4``."""

from __future__ import annotations

import re
from typing import Any

from jobs.catalog.records import asked_text


def slug(text: str, limit: int = 40) -> str:
    """A file-name-safe summary of a prompt: lower-case words joined by dashes."""
    words = re.findall(r"[a-z0-9]+", text.lower())
    return "-".join(words)[:limit].strip("-") or "untitled"


def download_name(kind: str, result: dict[str, Any], params: dict[str, Any], suffix: str) -> str:
    text = asked_text(params) or kind
    seed = result.get("seed")
    middle = f"-{seed}" if seed is not None else ""
    return f"{kind}{middle}-{slug(str(text))}{suffix}"
