"""Synthetic click tracks with known beats: a high click on each beat, a louder low one
on each bar's first beat, so beat and downbeat tracking can be checked against the truth."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import soundfile as sf

RATE = 44100
BEATS_PER_BAR = 4


def beat_times(sections: Sequence[tuple[float, float]], start: float = 0.25) -> list[float]:
    """Beats of ``(bpm, seconds)`` sections played one after another from ``start``."""
    times: list[float] = []
    t, section_end = start, start
    for bpm, seconds in sections:
        section_end += seconds
        while t < section_end - 1e-9:
            times.append(round(t, 6))
            t += 60.0 / bpm
    return times


def click(frequency: float, level: float) -> np.ndarray:
    t = np.arange(int(0.04 * RATE)) / RATE
    return (level * np.sin(2 * np.pi * frequency * t) * np.exp(-t * 80)).astype(np.float32)


def write_click_track(path: Path, times: Sequence[float], seconds: float) -> Path:
    """A stereo 16-bit WAV of ``seconds`` with a click at each of ``times``."""
    samples = np.zeros(int(seconds * RATE), dtype=np.float32)
    for index, t in enumerate(times):
        downbeat = index % BEATS_PER_BAR == 0
        sound = click(220.0, 0.9) if downbeat else click(1760.0, 0.5)
        at = round(t * RATE)
        piece = sound[: max(0, len(samples) - at)]
        samples[at : at + len(piece)] += piece
    sf.write(str(path), np.stack([samples, samples], axis=1), RATE, subtype="PCM_16")
    return path


def write_music_track(path: Path, times: Sequence[float], seconds: float) -> Path:
    """The click track over a quiet held chord, as music is: sound between the beats too."""
    write_click_track(path, times, seconds)
    clicks, rate = sf.read(str(path), dtype="float32")
    t = np.arange(len(clicks)) / rate
    chord = sum(np.sin(2 * np.pi * f * t) for f in (220.0, 277.2, 329.6)) * 0.08
    mixed = clicks + (chord * (0.8 + 0.2 * np.sin(2 * np.pi * 0.5 * t)))[:, None]
    sf.write(str(path), mixed.astype(np.float32), rate, subtype="PCM_16")
    return path
