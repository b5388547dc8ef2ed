"""No model's name appears in studio/: what differs between models lives in their
declarations (catalog entries, params), which the pages read the same way for all."""

from __future__ import annotations

import re
from pathlib import Path

from engines.catalog import CATALOG

STUDIO = Path(__file__).resolve().parents[2] / "studio"


def model_names() -> set[str]:
    """Each catalog entry's name, its family's and its maker's word ("zeroscope", "wan")."""
    names = set()
    for entry in CATALOG.values():
        family = getattr(entry.family, "name", entry.family)
        names |= {entry.name, str(family), re.sub(r"[\d.]+$", "", entry.name.split("-")[0])}
    return {name for name in names if len(name) > 2 and name not in ("stable",)}


def spelled_any_way(name: str) -> re.Pattern[str]:
    """ "stable-audio" as Stable Audio, stable_audio or StableAudio; "wan" not in "want"."""
    parts = [re.escape(part) for part in re.split(r"[-_ ]", name)]
    return re.compile(r"(?<![a-z0-9])" + r"[-_ ]?".join(parts) + r"(?![a-z])", re.IGNORECASE)


def test_the_names_cover_every_family_and_maker():
    names = model_names()
    assert {"musicgen", "stable-audio", "ace-step", "wan", "zeroscope", "modelscope"} <= names
    assert spelled_any_way("stable-audio").search("under Stable Audio's 7")
    assert spelled_any_way("ace-step").search("(MusicGen, ACE-Step)")
    assert spelled_any_way("wan").search("Wan's 4k+1 frames")
    assert not spelled_any_way("wan").search("the frames you want")


def test_no_studio_file_names_a_model():
    patterns = {name: spelled_any_way(name) for name in model_names()}
    found = [
        f"{path.relative_to(STUDIO.parent)}:{number}: {name}"
        for path in sorted(STUDIO.rglob("*.py"))
        for number, line in enumerate(path.read_text().splitlines(), 1)
        for name, pattern in patterns.items()
        if pattern.search(line)
    ]
    assert not found, "\n".join(found)
