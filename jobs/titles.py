"""What a result is called: its title on a card and its name when downloaded, both made
from what it was made of (a combine from its video and track, a score from its video).

    asset_title(scored)   # "Scored: a lighthouse keeper waving at ships"
    download_name(scored) # "scored-a-lighthouse-keeper-waving-at-ships.mp4"

Long names are cut at a word, never inside one.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from jobs.catalog.records import Asset, asked_text

OUTPUT_WORDS = {"video": "Video", "audio": "Track", "image": "Image"}
NAME_PREFIX = {"video": "video", "audio": "music", "image": "image"}
SLUG_CHARS = 40  # of a prompt in a file name: enough to recognise it, short enough to read


def cut_at_word(text: str, limit: int) -> str:
    """``text`` of at most ``limit`` characters, cut before a word that would not fit; a
    single word longer than the limit is cut (with an ellipsis) since nothing else can be."""
    text = " ".join(str(text).split())
    if len(text) <= limit:
        return text
    head = text[: limit - 1]
    if text[limit - 1] != " " and " " in head:  # the cut falls inside a word: drop it
        head = head[: head.rindex(" ")]
    return head.rstrip(" ,;:-") + "…"


def slug(text: str, limit: int = SLUG_CHARS) -> str:
    """A file-name-safe summary: lower-case words joined by dashes, whole words only."""
    words = re.findall(r"[a-z0-9]+", str(text).lower())
    kept: list[str] = []
    for word in words:
        if len("-".join([*kept, word])) > limit:
            break
        kept.append(word)
    if not kept and words:  # one long word: cut it, the only way to keep something
        kept = [words[0][:limit]]
    return "-".join(kept) or "untitled"


def input_name(asset: Asset, field: str) -> str:
    """What a person calls one of its input files (recorded when the job finished)."""
    return str(((asset.meta or {}).get("input_names") or {}).get(field) or "")


def board_title(params: dict[str, Any]) -> str:
    """A storyboard piece's board title, as its assemble job carried it."""
    board = params.get("board")
    title = board.get("title") if isinstance(board, dict) else None
    return str(title or "untitled board")


def asset_title(asset: Asset) -> str:
    """A result's title: the prompt it was asked with, an upload's own name, and for a
    combine or a score the names of what it was made from."""
    params = asset.params or {}
    if asset.source == "scored":
        return f"Scored: {input_name(asset, 'video_path') or 'a video'}"
    if asset.source == "storyboard":
        return f"Storyboard: {board_title(params)}"
    if asset.source == "combined":
        video = input_name(asset, "video_path") or "a video"
        track = input_name(asset, "audio_path") or "a track"
        return f"Combined: {video} + {track}"
    text = asked_text(params) or params.get("uploaded_as")
    return str(text or OUTPUT_WORDS.get(asset.output_type, asset.output_type))


def download_name(asset: Asset, suffix: str) -> str:
    """``video-<seed>-<prompt>.mp4``, ``music-<seed>-<description>.wav``,
    ``scored-<video's prompt>.mp4``, ``combined-<video>-with-<track>.mp4``."""
    params, meta = asset.params or {}, asset.meta or {}
    if asset.source == "scored":
        return f"scored-{slug(input_name(asset, 'video_path') or 'video')}{suffix}"
    if asset.source == "storyboard":
        return f"storyboard-{slug(board_title(params))}{suffix}"
    if asset.source == "combined":
        video = slug(input_name(asset, "video_path") or "video", SLUG_CHARS // 2)
        track = slug(input_name(asset, "audio_path") or "track", SLUG_CHARS // 2)
        return f"combined-{video}-with-{track}{suffix}"
    prefix = NAME_PREFIX.get(asset.output_type, asset.output_type)
    uploaded_as = Path(str(params.get("uploaded_as") or "")).stem  # "beach" of "beach.mp4"
    seed = meta.get("seed")
    middle = f"-{seed}" if seed is not None else ""
    return f"{prefix}{middle}-{slug(asked_text(params) or uploaded_as or prefix)}{suffix}"
