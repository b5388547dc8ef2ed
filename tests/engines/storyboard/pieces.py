"""Reading an assembled piece back with ffmpeg's own tools: chapters, loudness, audio."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import numpy as np

from engines.media.ffmpeg import ffmpeg_exe, run_ffmpeg
from tests.required_tools import require_tool


def probe(path: Path) -> dict:
    done = subprocess.run(
        [require_tool("ffprobe"), "-v", "error", "-of", "json", "-show_chapters",
         "-show_streams", "-show_format", str(path)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return json.loads(done.stdout)


def ebur128(path: Path) -> tuple[float, float]:
    """(integrated loudness in LUFS, true peak in dBFS) by ffmpeg's ebur128 filter."""
    done = subprocess.run(
        [ffmpeg_exe(), "-hide_banner", "-nostats", "-i", str(path), "-map", "0:a:0",
         "-af", "ebur128=peak=true", "-f", "null", "-"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    summary = done.stderr[done.stderr.rindex("Summary:") :]
    integrated = re.search(r"I:\s+(-?[\d.]+|-inf) LUFS", summary)
    peak = re.search(r"Peak:\s+(-?[\d.]+|-inf) dBFS", summary)
    assert integrated and peak, summary
    return float(integrated.group(1)), float(peak.group(1))


def audio_of(path: Path, rate: int = 48000) -> np.ndarray:
    raw = run_ffmpeg(["-i", str(path), "-map", "0:a:0", "-ac", "1", "-ar", str(rate),
                      "-f", "f32le", "-"])  # fmt: skip
    return np.frombuffer(raw, dtype="<f4")


def colour_clip(path: Path, colour: str, *, seconds: float, fps: int, size=(96, 64)) -> Path:
    """A clip of one flat colour, so a crossfade's mix can be read off its pixels."""
    width, height = size
    run_ffmpeg(["-f", "lavfi", "-i", f"color=c={colour}:s={width}x{height}:r={fps}:d={seconds}",
                "-c:v", "libx264", "-pix_fmt", "yuv420p", "-y", str(path)])  # fmt: skip
    return path
