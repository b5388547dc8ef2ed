"""Pictures made once per asset: the poster and filmstrip of a clip, the waveform of a track.

Assets: a generated clip as Wan makes it (5 s, 832x480, 16 fps), a 30 s scored clip
(256x256, 8 fps, with sound), a 30 s stereo 48 kHz track (what Stable Audio or ACE-Step
write; MusicGen's mono 32 kHz is lighter), and the worst case, a 30 s 832x480 clip.
The baseline is what a page did on every rerun before: read the whole track with
soundfile and reduce it to 600 peaks. Target: the pictures of a 30 s asset in under
0.5 s on this CPU (they are made once, at job end, never per view). Decoding is the
cost: every frame of a clip is decoded once, so the worst case grows with its pixels.

    python -m bench.previews [--quick]
"""

from __future__ import annotations

import functools
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import soundfile as sf

from engines.media.previews import make_previews
from tests.media_factory import make_h264_clip

TARGET_S = 0.5


def run(quick: bool = False) -> dict[str, Any]:
    seconds = 6.0 if quick else 30.0
    repeats = 3 if quick else 5
    with tempfile.TemporaryDirectory(prefix="bench-previews-") as tmp:
        folder = Path(tmp)
        clips = {
            "clip_5s_832x480": make_h264_clip(
                folder / "wan.mp4", seconds=5.0 if not quick else 2.0, size=(832, 480), fps=16
            ),
            "scored_30s_256": make_h264_clip(
                folder / "scored.mp4", seconds=seconds, size=(256, 256), fps=8, tone_hz=220.0
            ),
            "clip_30s_832x480": make_h264_clip(
                folder / "long.mp4", seconds=seconds, size=(832, 480), fps=16
            ),
        }
        track = _stereo_track(folder / "track.wav", seconds)
        make_previews(track, folder, "warm-up")  # starts the probe helper, as a worker has
        ways: dict[str, Callable[[], object]] = {
            **{
                name: functools.partial(make_previews, clip, folder, name)
                for name, clip in clips.items()
            },
            "track_30s_48k_stereo": lambda: make_previews(track, folder, "track"),
            "page_waveform_per_rerun": lambda: _page_waveform(track),
        }
        samples: dict[str, list[float]] = {name: [] for name in ways}
        for _ in range(repeats):  # interleaved, so a busy moment hits every way alike
            for name, way in ways.items():
                started = time.perf_counter()
                way()
                samples[name].append(time.perf_counter() - started)
    medians = {name: statistics.median(values) for name, values in samples.items()}
    return {
        "asset_seconds": seconds,
        "repeats": repeats,
        "seconds": medians,
        "spread": {name: [min(v), max(v)] for name, v in samples.items()},
        "target_s": TARGET_S,
        "targets_met": max(medians["scored_30s_256"], medians["track_30s_48k_stereo"]) < TARGET_S,
    }


def _stereo_track(path: Path, seconds: float, rate: int = 48_000) -> Path:
    t = np.arange(int(seconds * rate)) / rate
    left, right = 0.4 * np.sin(2 * np.pi * 220 * t), 0.3 * np.sin(2 * np.pi * 330 * t)
    sf.write(path, np.stack([left, right], axis=1).astype(np.float32), rate, subtype="PCM_16")
    return path


def _page_waveform(path: Path, points: int = 600) -> np.ndarray:
    """The work the track card did on every rerun before pictures were stored."""
    audio, _ = sf.read(str(path), dtype="float32", always_2d=True)
    mono = np.abs(audio).max(axis=1)
    return np.array([s.max() for s in np.array_split(mono, min(points, mono.size))])


def markdown(report: dict[str, Any]) -> str:
    s = report["seconds"]
    rows = {
        "clip_5s_832x480": "poster + filmstrip, 5 s 832x480 clip (Wan's size)",
        "scored_30s_256": "poster + filmstrip + waveform, 30 s 256x256 scored clip",
        "track_30s_48k_stereo": "waveform, 30 s 48 kHz stereo track",
        "clip_30s_832x480": "worst case: poster + filmstrip, 30 s 832x480 clip",
        "page_waveform_per_rerun": "before: the page's waveform, on every rerun",
    }
    lines = [
        f"Median of {report['repeats']} interleaved runs; pictures are made once, at job end.",
        "",
        "| what | seconds |",
        "| --- | --- |",
        *(f"| {label} | {s[name]:.3f} |" for name, label in rows.items()),
        "",
        f"Target: a 30 s asset's pictures under {report['target_s']} s: "
        f"{'met' if report['targets_met'] else 'NOT met'}.",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    print(markdown(run(quick="--quick" in sys.argv[1:])))
