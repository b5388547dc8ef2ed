"""A still taken from one of the owner's clips (its first frame, its last, or the one at a
time they choose), stored as an image asset of its own: an input for image to video.
"""

from __future__ import annotations

from typing import Any

from engines.errors import MediaError
from engines.media.frames import frame_at, png_bytes
from jobs.catalog.records import Asset, asked_text
from jobs.owned_assets import OwnedAssets

TITLE_CHARS = 60


def where_words(where: str | float) -> str:
    """How a title names the frame: "first frame", "last frame", "frame at 1.50 s"."""
    return f"{where} frame" if isinstance(where, str) else f"frame at {float(where):.2f} s"


def store_frame(api: OwnedAssets, owner: str, clip_id: str, where: str | float) -> Asset:
    """The frame of the owner's clip ``clip_id`` as their PNG image asset (lossless: the
    frame as decoded); NotFound for an id that is not one of their clips."""
    clip = api.asset(clip_id, owner)
    if clip.output_type != "video":
        raise MediaError("A frame can be taken from a video only; pick one of your clips.")
    picture = png_bytes(frame_at(api.asset_path(clip_id, owner), where))
    named = asked_text(clip.params) or str((clip.params or {}).get("uploaded_as") or "a clip")
    if len(named) > TITLE_CHARS:  # cut at a word, as card titles are
        named = named[:TITLE_CHARS].rsplit(" ", 1)[0] + "…"
    params: dict[str, Any] = {
        "uploaded_as": f"{where_words(where).capitalize()} of {named}",
        "frame_of": clip_id,
        "frame": where,
    }
    return api.import_file(owner, picture, ".png", params=params)
