"""Decoding any audio file ffmpeg reads to float32 mono samples (a melody, say)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from engines.errors import MediaError
from engines.media.ffmpeg import DEFAULT_TIMEOUT_S, local_input, run_ffmpeg

AUDIO_HINT = "Use an audio file such as WAV, MP3, FLAC or OGG."


def decode_audio(
    path: str | Path,
    sample_rate: int,
    max_seconds: float,
    timeout: float = DEFAULT_TIMEOUT_S,
) -> np.ndarray:
    """The first ``max_seconds`` of ``path`` as float32 mono at ``sample_rate``.

    Decoded by ffmpeg in a child process with a time limit; any container and codec
    ffmpeg reads is accepted, judged by content, not by the file's extension.
    """
    file = Path(path)
    if not file.is_file():
        raise MediaError(f"The melody file {file} does not exist. {AUDIO_HINT}")
    if file.stat().st_size == 0:
        raise MediaError(f"The melody file {file.name} is empty (0 bytes). {AUDIO_HINT}")
    args = [
        *local_input(file.resolve()),
        *("-map", "0:a:0", "-t", f"{max_seconds:g}", "-ac", "1", "-ar", str(sample_rate)),
        *("-f", "f32le", "-"),
    ]
    try:
        raw = run_ffmpeg(args, timeout=timeout, what=f"the melody file {file.name}")
    except MediaError as exc:
        raise MediaError(f"{str(exc).rstrip('.')}. {AUDIO_HINT}") from None
    wav = np.frombuffer(raw, dtype="<f4").astype(np.float32)
    if wav.size == 0:
        raise MediaError(f"The melody file {file.name} contains no audio. {AUDIO_HINT}")
    if not np.isfinite(wav).all():
        raise MediaError(f"The melody file {file.name} contains invalid (NaN or infinite) samples.")
    return wav
