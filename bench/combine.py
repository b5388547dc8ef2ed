"""Combine speed: ours against moviepy's re-encode and a bare ffmpeg copy mux, in one run.

The clip is what tiny models produce and the hardest thing to encode: random-noise
frames, 256x256 at 8 fps, in H.264, 30 s long, under a 35 s track. All three produce
the same result: the clip with the track's first 30 s under it, faded in and out
(the bare mux cannot fade and is not faststart; it is the floor). Targets: at least 10x
faster than moviepy, at most 1.5x the bare mux. "ours" is the steady state of a worker
process; the first call in a process, which starts the probe helper, is reported apart.

    python -m bench.combine [--quick]
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from engines.combine import CombineParams, combine
from engines.media.ffmpeg import run_ffmpeg
from tests.media_factory import make_noise_clip, make_tone

CLIP_SIZE, CLIP_FPS = 256, 8
FADE_IN_S, FADE_OUT_S = 1.0, 2.0
TARGET_MOVIEPY_OVER_OURS = 10.0  # at least
TARGET_OURS_OVER_BARE = 1.5  # at most


def run(quick: bool = False) -> dict[str, Any]:
    """Time the three ways on the same inputs; return seconds (medians) and ratios."""
    clip_s = 6.0 if quick else 30.0
    repeats = 1 if quick else 3
    with tempfile.TemporaryDirectory(prefix="bench-combine-") as tmp:
        folder = Path(tmp)
        # 1. Inputs, not timed: the noise clip and a two-note track (mono 32 kHz, as MusicGen).
        clip = make_noise_clip(folder / "noise.mp4", seconds=clip_s, fps=CLIP_FPS, size=CLIP_SIZE)
        track = make_tone(folder / "track.wav", [220.0, 330.0], (clip_s + 5.0) / 2)
        ways: dict[str, Callable[[Path], object]] = {
            "ours": lambda out: _ours(clip, track, out),
            "bare_mux": lambda out: _bare_mux(clip, track, out),
            "moviepy": lambda out: _moviepy(clip, track, out),
        }
        # 2. The first combine in a process also starts the probe helper: timed on its own.
        started = time.perf_counter()
        _ours(clip, track, folder / "first.mp4")
        first_call_s = time.perf_counter() - started
        # 3. Interleave the ways, so a busy moment on a shared machine hits them all alike.
        samples: dict[str, list[float]] = {name: [] for name in ways}
        errors: dict[str, str] = {}
        ours_timings: dict[str, float] = {}
        for attempt in range(repeats):
            for name, way in ways.items():
                if name in errors:
                    continue
                out = folder / f"{name}-{attempt}.mp4"
                started = time.perf_counter()
                try:
                    outcome = way(out)
                except ImportError as exc:
                    errors[name] = f"{exc.name} is not installed: see requirements-dev.txt"
                    continue
                samples[name].append(time.perf_counter() - started)
                if name == "ours":
                    ours_timings = outcome.timings  # type: ignore[attr-defined]
    # 4. Medians and ratios.
    seconds = {name: statistics.median(s) if s else None for name, s in samples.items()}
    return _report(seconds, errors, ours_timings, first_call_s, clip_s, repeats)


def _ours(clip: Path, track: Path, out: Path) -> object:
    params = CombineParams(fit="trim", fade_in_s=FADE_IN_S, fade_out_s=FADE_OUT_S)
    return combine(clip, track, out, params)


def _bare_mux(clip: Path, track: Path, out: Path) -> None:
    inputs = ["-i", str(clip), "-i", str(track), "-map", "0:v", "-map", "1:a"]
    run_ffmpeg([*inputs, "-c:v", "copy", "-c:a", "aac", "-shortest", str(out)], what="bare mux")


def _moviepy(clip: Path, track: Path, out: Path) -> None:
    from moviepy import AudioFileClip, VideoFileClip, afx

    video = VideoFileClip(str(clip), audio=False)
    music = AudioFileClip(str(track)).subclipped(0, video.duration)
    music = music.with_effects([afx.AudioFadeIn(FADE_IN_S), afx.AudioFadeOut(FADE_OUT_S)])
    try:
        video.with_audio(music).write_videofile(
            str(out), codec="libx264", audio_codec="aac", logger=None
        )
    finally:
        music.close()
        video.close()


def _report(
    seconds: dict[str, float | None],
    errors: dict[str, str],
    ours_timings: dict[str, float],
    first_call_s: float,
    clip_s: float,
    repeats: int,
) -> dict[str, Any]:
    ours, bare, moviepy = seconds["ours"], seconds["bare_mux"], seconds["moviepy"]
    moviepy_over_ours = moviepy / ours if moviepy and ours else None
    ours_over_bare = ours / bare if ours and bare else None
    return {
        "clip": f"{clip_s:g} s, {CLIP_SIZE}x{CLIP_SIZE}, {CLIP_FPS} fps, random noise, H.264",
        "track": f"{clip_s + 5:g} s, mono 32 kHz WAV",
        "repeats": repeats,
        "seconds": seconds,
        "moviepy_over_ours": moviepy_over_ours,
        "ours_over_bare_mux": ours_over_bare,
        "ours_phases": ours_timings,
        "ours_first_call_s": first_call_s,  # includes starting the probe helper
        "errors": errors,
        "targets": {
            "moviepy_over_ours_at_least": TARGET_MOVIEPY_OVER_OURS,
            "ours_over_bare_mux_at_most": TARGET_OURS_OVER_BARE,
        },
        "targets_met": bool(
            moviepy_over_ours is not None
            and ours_over_bare is not None
            and moviepy_over_ours >= TARGET_MOVIEPY_OVER_OURS
            and ours_over_bare <= TARGET_OURS_OVER_BARE
        ),
    }


def markdown(report: dict[str, Any]) -> str:
    ours = report["seconds"]["ours"]
    names = {
        "ours": "ours: `engines.combine` (video copied, audio encoded)",
        "moviepy": "moviepy `write_videofile` (re-encodes every frame)",
        "bare_mux": "bare `ffmpeg -c:v copy -c:a aac` mux",
    }
    lines = [
        f"Clip: {report['clip']}; track: {report['track']}; median of {report['repeats']}.",
        "",
        "| way | seconds | relative to ours |",
        "|---|---:|---:|",
    ]
    for key, label in names.items():
        value = report["seconds"][key]
        if value is None:
            lines.append(f"| {label} | {report['errors'].get(key, 'n/a')} | |")
        else:
            lines.append(f"| {label} | {value:.3f} | {value / ours:.2f}x |")
    lines += [
        "",
        f"moviepy / ours: {_ratio(report['moviepy_over_ours'])} (target at least "
        f"{TARGET_MOVIEPY_OVER_OURS:g}x); ours / bare mux: {_ratio(report['ours_over_bare_mux'])}"
        f" (target at most {TARGET_OURS_OVER_BARE:g}x); targets met: {report['targets_met']}.",
        f"Our phases (last run, seconds): {report['ours_phases']}; the first call in a "
        f"fresh process, which also starts the probe helper: {report['ours_first_call_s']:.3f} s.",
    ]
    return "\n".join(lines)


def _ratio(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}x"


if __name__ == "__main__":
    print(markdown(run(quick="--quick" in sys.argv[1:])))
