"""Reading a storyboard's piece back with ffmpeg's own tools: its chapters (ffprobe) and its
integrated loudness (ffmpeg's ebur128 filter), never with the studio's code."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

from tests.required_tools import require_tool


def ffprobe(path: Path, *what: str) -> dict:
    done = subprocess.run(
        [require_tool("ffprobe"), "-v", "error", "-print_format", "json", *what, str(path)],
        capture_output=True, text=True, check=True, timeout=60,
    )  # fmt: skip
    return dict(json.loads(done.stdout))


def media_codecs(path: Path) -> tuple[str, ...]:
    """The codec of each video and audio stream, in order (a chapter track aside)."""
    streams = ffprobe(path, "-show_streams")["streams"]
    return tuple(s["codec_name"] for s in streams if s["codec_type"] in ("video", "audio"))


def duration_s(path: Path) -> float:
    """The container's length: what a player shows."""
    return float(ffprobe(path, "-show_format")["format"]["duration"])


def chapters(path: Path) -> list[tuple[float, str]]:
    """(start in seconds, title) of each chapter, in order."""
    found = ffprobe(path, "-show_chapters").get("chapters", [])
    return [(float(c["start_time"]), str(c.get("tags", {}).get("title", ""))) for c in found]


def integrated_loudness(path: Path) -> float:
    """Integrated loudness in LUFS, from the summary ffmpeg's ebur128 filter prints."""
    done = subprocess.run(
        [require_tool("ffmpeg"), "-hide_banner", "-nostats", "-i", str(path), "-map", "0:a:0",
         "-af", "ebur128", "-f", "null", "-"],
        capture_output=True, text=True, check=True, timeout=120,
    )  # fmt: skip
    summary = done.stderr.rsplit("Summary:", 1)[-1]
    found = re.search(r"I:\s+(-?[\d.]+|-inf)\s+LUFS", summary)
    assert found, done.stderr[-2000:]
    return float(found.group(1))
