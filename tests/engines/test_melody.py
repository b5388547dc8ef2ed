"""Decoding melody files with ffmpeg, and the chroma MusicGen-Melody conditions on."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile

from engines.errors import MediaError
from engines.families.musicgen_chroma import melody_chroma
from engines.media.audio import decode_audio

SR = 32_000
# Chroma bins start at C, as in MusicgenMelodyFeatureExtractor (start_at_c_chroma=True).
C, G, A = 0, 7, 9


def tone(frequency: float, seconds: float, sample_rate: int = SR) -> np.ndarray:
    t = np.arange(int(seconds * sample_rate)) / sample_rate
    return (0.5 * np.sin(2 * np.pi * frequency * t)).astype(np.float32)


@pytest.mark.parametrize(
    ("frequency", "pitch_class"), [(440.0, A), (523.25, C), (261.63, C), (392.0, G)]
)
def test_chroma_of_a_pure_tone_is_its_pitch_class(frequency: float, pitch_class: int) -> None:
    chroma = melody_chroma(tone(frequency, 2.0))

    assert chroma.shape == (1 + 2 * SR // 4096, 12)  # centred frames every hop
    assert (chroma.sum(axis=1) == 1).all()  # one-hot
    assert (chroma.argmax(axis=1) == pitch_class).all()


def test_chroma_keeps_at_most_30_seconds_and_pads_clips_shorter_than_a_window() -> None:
    rng = np.random.default_rng(0)
    assert melody_chroma(rng.standard_normal(31 * SR).astype(np.float32)).shape == (235, 12)
    assert melody_chroma(tone(440.0, 0.1)).shape == (5, 12)  # padded to one 16384 window


def test_decode_audio_gives_mono_float32_at_the_asked_rate(tmp_path: Path) -> None:
    stereo = np.stack([tone(440.0, 1.5, 44_100), tone(440.0, 1.5, 44_100)], axis=1)
    path = tmp_path / "stereo.flac"
    soundfile.write(path, stereo, 44_100)

    wav = decode_audio(path, SR, max_seconds=1.0)

    assert wav.dtype == np.float32 and wav.ndim == 1
    assert abs(len(wav) - SR) <= 32  # cut at 1 s (resampler edges may differ by a few)
    assert melody_chroma(wav).argmax(axis=1).tolist() == [A] * 8


def test_random_bytes_named_wav_are_rejected_by_content(tmp_path: Path) -> None:
    path = tmp_path / "song.wav"
    path.write_bytes(np.random.default_rng(0).bytes(4096))

    with pytest.raises(MediaError, match=r"Could not decode the melody file song\.wav") as info:
        decode_audio(path, SR, max_seconds=30)
    assert "Use an audio file" in str(info.value)


def test_empty_and_missing_files_get_clear_messages(tmp_path: Path) -> None:
    empty = tmp_path / "empty.wav"
    empty.touch()
    with pytest.raises(MediaError, match=r"empty\.wav is empty"):
        decode_audio(empty, SR, max_seconds=30)
    with pytest.raises(MediaError, match="does not exist"):
        decode_audio(tmp_path / "nowhere.wav", SR, max_seconds=30)


def test_a_file_without_audio_is_rejected(tmp_path: Path) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("la la la\n" * 100)
    with pytest.raises(MediaError, match=r"notes\.txt"):
        decode_audio(text, SR, max_seconds=30)
