"""A generated track as a 16-bit WAV: scaled only if it would clip, written whole or not at all."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from engines.files import atomic_output


def to_pcm16(audio: np.ndarray, length: int) -> np.ndarray:
    """Samples, or (channels, samples), -> int16 trimmed to ``length``: (samples,) for mono,
    (samples, channels) for stereo, as soundfile writes them; scaled down only if it would clip.
    """
    if not np.isfinite(audio).all():
        raise RuntimeError("The model produced invalid (NaN or infinite) audio samples.")
    if audio.ndim == 2:
        audio = audio[0] if audio.shape[0] == 1 else audio.T
    audio = audio[:length]
    peak = float(np.abs(audio).max()) if audio.size else 0.0
    if peak > 1.0:
        audio = audio / peak
    return np.round(audio * 32767.0).astype(np.int16)


def write_wav(
    out_path: Path, samples: np.ndarray, sample_rate: int, comment: str | None = None
) -> None:
    """A temporary name renamed into place: a failed or cancelled run leaves no file.
    ``comment`` (the settings tag) goes into the LIST/INFO chunk's ICMT in the same pass."""
    import soundfile  # here, not at import: the pages import the engines' params

    channels = 1 if samples.ndim == 1 else int(samples.shape[1])
    with (
        atomic_output(out_path) as tmp,
        soundfile.SoundFile(
            str(tmp), "w", samplerate=sample_rate, channels=channels, subtype="PCM_16", format="WAV"
        ) as out,
    ):
        if comment is not None:
            out.comment = comment
            out.software = "studio"
        out.write(samples)
