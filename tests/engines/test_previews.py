"""Posters, filmstrips and waveforms: real pictures of real media files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from PIL import Image

from engines.errors import MediaError
from engines.media.previews import (
    POSTER_MAX_SIDE,
    STRIP_FRAME_HEIGHT,
    STRIP_FRAMES,
    WAVEFORM_SIZE,
    make_previews,
    waveform_peaks,
    write_waveform,
)
from tests.media_factory import make_h264_clip, make_tone


def test_a_video_gets_a_poster_and_a_filmstrip_at_its_own_shape(tmp_path: Path):
    clip = make_h264_clip(tmp_path / "clip.mp4", seconds=3.0, size=(832, 480))
    previews = make_previews(clip, tmp_path / "out", "abc")
    assert previews.waveform is None  # a silent clip has no sound to draw
    assert previews.poster is not None and previews.filmstrip is not None
    with Image.open(previews.poster) as poster:
        assert poster.format == "JPEG"
        assert poster.size == (POSTER_MAX_SIDE, 294)  # 832x480 scaled to fit, even sides
    with Image.open(previews.filmstrip) as strip:
        assert strip.format == "JPEG"
        frame_width = strip.size[0] // STRIP_FRAMES
        assert strip.size == (frame_width * STRIP_FRAMES, STRIP_FRAME_HEIGHT)
        frames = np.asarray(strip.convert("RGB")).reshape(
            STRIP_FRAME_HEIGHT, STRIP_FRAMES, frame_width, 3
        )
    # testsrc2 moves, so frames from different moments differ.
    assert not np.array_equal(frames[:, 0], frames[:, -1])
    assert previews.to_dict() == {"poster": "abc.poster.jpg", "filmstrip": "abc.strip.jpg"}


def test_a_tiny_clip_is_never_scaled_up(tmp_path: Path):
    clip = make_h264_clip(tmp_path / "tiny.mp4", seconds=0.5, size=(64, 64))
    previews = make_previews(clip, tmp_path, "tiny")
    assert previews.poster is not None
    with Image.open(previews.poster) as poster:
        assert poster.size == (64, 64)


def test_a_video_with_sound_gets_a_waveform_too(tmp_path: Path):
    clip = make_h264_clip(tmp_path / "sound.mp4", seconds=2.0, tone_hz=440.0)
    previews = make_previews(clip, tmp_path, "s")
    assert previews.waveform is not None and previews.poster is not None


@pytest.mark.parametrize(("rate", "channels"), [(32_000, 1), (44_100, 2), (48_000, 2)])
def test_a_track_gets_a_waveform_of_its_loudness(tmp_path: Path, rate: int, channels: int):
    # One second of silence, then one of a loud tone: the picture's right half is taller.
    track = tmp_path / "track.wav"
    loud = 0.8 * np.sin(2 * np.pi * 440 * np.arange(rate) / rate)
    samples = np.concatenate([np.zeros(rate), loud]).astype(np.float32)
    sf.write(track, np.repeat(samples[:, None], channels, axis=1), rate)
    previews = make_previews(track, tmp_path, "t")
    assert previews.poster is None and previews.filmstrip is None
    assert previews.waveform is not None
    with Image.open(previews.waveform) as picture:
        assert picture.format == "PNG" and picture.size == WAVEFORM_SIZE
        drawn = np.asarray(picture)[:, :, 3] > 0  # alpha: where the wave is
    width = WAVEFORM_SIZE[0]
    quiet_height = drawn[:, : width // 2 - 10].sum(axis=0).mean()
    loud_height = drawn[:, width // 2 + 10 :].sum(axis=0).mean()
    assert quiet_height <= 2  # silence is a thin line
    assert loud_height > 0.7 * WAVEFORM_SIZE[1]


def test_peaks_follow_the_level(tmp_path: Path):
    track = make_tone(tmp_path / "half.wav", 440.0, 2.0, amplitude=0.5)
    peaks = waveform_peaks(track, 100)
    assert peaks.shape == (100,)
    assert np.allclose(peaks[5:-5], 0.5, atol=0.03)


def test_a_file_that_is_not_media_is_refused_with_a_message(tmp_path: Path):
    text = tmp_path / "notes.mp4"
    text.write_text("just words\n")
    with pytest.raises(MediaError, match="text file"):
        make_previews(text, tmp_path, "x")


def beats(rate: int, gain: float) -> np.ndarray:
    """Four seconds of a loud beat (noise struck at 120 BPM, decaying, its strokes clipped
    at full scale), times ``gain``."""
    t = np.arange(4 * rate) / rate
    envelope = 0.1 + 0.9 * np.exp(-8 * (t % 0.5))
    noise = np.random.default_rng(7).standard_normal(t.size)
    return gain * np.clip(3 * envelope * noise, -1.0, 1.0)


def heights(picture: Path, opaque: bool) -> np.ndarray:
    """Drawn pixels of each column: the solid loudness, or with the pale peaks too."""
    with Image.open(picture) as image:
        alpha = np.asarray(image)[:, :, 3]
    return ((alpha == 255) if opaque else (alpha > 0)).sum(axis=0)


def test_a_loud_track_shows_its_shape_and_a_quiet_one_is_as_visible(tmp_path: Path):
    rate = 32_000
    loud, quiet = tmp_path / "loud.wav", tmp_path / "quiet.wav"
    sf.write(loud, beats(rate, 1.0), rate, subtype="PCM_16")
    sf.write(quiet, beats(rate, 0.004), rate, subtype="PCM_16")  # about -48 dBFS
    height = WAVEFORM_SIZE[1]

    loud_solid = heights(write_waveform(loud, tmp_path / "loud.png"), opaque=True)
    assert heights(tmp_path / "loud.png", opaque=False).max() >= height - 2  # peaks, pale
    assert loud_solid.mean() < 0.5 * height  # no solid bar: the loudness inside its peaks
    assert loud_solid.max() - loud_solid.min() > 0.25 * height  # the beats strike and decay

    quiet_solid = heights(write_waveform(quiet, tmp_path / "quiet.png"), opaque=True)
    assert quiet_solid.max() > 0.4 * height  # scaled to its own peak: plainly visible
    assert np.abs(quiet_solid.astype(int) - loud_solid).mean() < 3  # the same picture
