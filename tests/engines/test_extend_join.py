"""Joining a clip and its continuation into one clip, and reading frames of a clip: the
source's frames kept (PSNR >= 40 dB on noise, the hardest picture to keep), the shared
frame once, the sound kept."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from engines.errors import MediaError
from engines.extend import count_frames, join_clips
from engines.media.frames import clip_shape, decode_frames, frame_at, last_frames
from engines.media.probe import probe_media
from tests.media_factory import make_clip, make_noise_clip


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = float(np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2))
    return float("inf") if mse == 0 else 10 * np.log10(255.0**2 / mse)


def frames_of(path: Path) -> np.ndarray:
    return decode_frames(path, clip_shape(path))


def test_the_join_keeps_the_source_and_drops_the_shared_frame(tmp_path: Path):
    source = make_noise_clip(tmp_path / "source.mp4", seconds=1.0, fps=8, size=64)
    following = make_noise_clip(tmp_path / "next.mp4", seconds=1.125, fps=8, size=64)
    out = tmp_path / "joined.mp4"
    join_clips(source, following, out, clip_shape(source), comment=None)
    before, after, joined = frames_of(source), frames_of(following), frames_of(out)
    assert len(before) == 8 and len(after) == 9
    assert len(joined) == count_frames(out) == 8 + 9 - 1
    assert psnr(joined[:8], before) >= 40.0
    assert psnr(joined[8:], after[1:]) >= 40.0  # the continuation without its first frame
    info = probe_media(out)
    assert info.codec == "h264" and info.video is not None and info.video.pix_fmt == "yuv420p"
    assert info.fps == 8 and abs(info.duration_s - 16 / 8) < 0.01


def test_joined_twice_the_first_part_is_still_the_source(tmp_path: Path):
    source = make_noise_clip(tmp_path / "source.mp4", seconds=1.0, fps=8, size=64)
    following = make_noise_clip(tmp_path / "next.mp4", seconds=0.625, fps=8, size=64)
    once, twice = tmp_path / "once.mp4", tmp_path / "twice.mp4"
    join_clips(source, following, once, clip_shape(source), comment=None)
    join_clips(once, following, twice, clip_shape(once), comment=None)
    assert count_frames(twice) == 8 + (5 - 1) + (5 - 1)
    assert psnr(frames_of(twice)[:8], frames_of(source)) >= 40.0


def test_a_continuation_of_another_size_is_scaled_to_the_source(tmp_path: Path):
    source = make_clip(tmp_path / "source.mp4", seconds=1.0, fps=8, size=(80, 48))
    following = make_clip(tmp_path / "next.mp4", seconds=0.625, fps=8, size=(96, 64))
    out = tmp_path / "joined.mp4"
    join_clips(source, following, out, clip_shape(source), comment=None)
    assert count_frames(out) == 12
    assert (probe_media(out).width, probe_media(out).height) == (80, 48)


def test_a_clips_sound_is_kept_and_the_new_seconds_are_silent(tmp_path: Path):
    source = make_clip(tmp_path / "scored.mp4", seconds=1.0, fps=8, tone_hz=440.0)
    following = make_clip(tmp_path / "next.mp4", seconds=1.0, fps=8)
    out = tmp_path / "joined.mp4"
    join_clips(source, following, out, clip_shape(source), comment=None)
    info = probe_media(out)
    assert info.has_audio and abs(info.audio_duration_s - info.duration_s) < 0.1
    assert abs(info.duration_s - 15 / 8) < 0.01


def test_frames_of_a_clip_first_last_and_at_a_time(tmp_path: Path):
    clip = make_noise_clip(tmp_path / "clip.mp4", seconds=1.0, fps=8, size=64)
    every = frames_of(clip)
    assert np.array_equal(frame_at(clip, "first"), every[0])
    assert np.array_equal(frame_at(clip, "last"), every[-1])
    assert np.array_equal(frame_at(clip, 0.5), every[4])  # shown from 0.5 s to 0.625 s
    assert np.array_equal(last_frames(clip, 3), every[-3:])
    assert len(last_frames(clip, 50)) == 8  # a short clip gives all it has
    with pytest.raises(MediaError, match=r"is 1.00 s long; pick a time from 0 to 0.99 s"):
        frame_at(clip, 4.0)
    with pytest.raises(MediaError, match="first or last or a time in seconds"):
        frame_at(clip, "middle")
