"""Probing and upload validation by content: what is accepted, and why the rest is not."""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from engines.errors import MediaError
from engines.media import probe
from engines.media.info import MediaLimits
from engines.media.probe import probe_media, video_duration_s
from engines.media.validation import validate_audio_upload, validate_video_upload
from tests.media_factory import (
    make_concat_trick,
    make_encoded_tone,
    make_h264_clip,
    make_hls_trick,
    make_huge_resolution_clip,
    make_tone,
    truncate,
)


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("uploads")


@pytest.fixture(scope="module")
def clip(folder: Path) -> Path:
    return make_h264_clip(folder / "clip.mp4", seconds=2.0, fps=8, tone_hz=1000)


def test_probe_reads_streams_codecs_size_and_rate(clip: Path):
    info = probe_media(clip)

    assert (info.codec, info.width, info.height, info.fps) == ("h264", 64, 64, 8.0)
    assert info.duration_s == pytest.approx(2.0)
    assert info.video is not None and info.audio is not None
    assert info.audio.codec == "aac" and info.video.pix_fmt == "yuv420p"
    assert info.size_bytes == clip.stat().st_size
    assert video_duration_s(clip) == pytest.approx(2.0)


def test_probe_reads_a_track(folder: Path):
    info = probe_media(make_tone(folder / "a.wav", 440, 1.5, rate=32000, channels=2))

    assert (info.has_video, info.codec) == (False, "pcm_s16le") and info.audio is not None
    assert (info.audio.sample_rate, info.audio.channels) == (32000, 2)
    assert info.duration_s == pytest.approx(1.5)


def test_good_uploads_are_accepted(clip: Path, folder: Path):
    assert validate_video_upload(clip).has_audio
    assert validate_audio_upload(make_tone(folder / "ok.wav", 440, 1.0)).duration_s == 1.0
    assert validate_audio_upload(make_encoded_tone(folder / "ok.m4a")).codec == "aac"
    # A video's sound can serve as a track.
    assert validate_audio_upload(clip).codec == "h264"  # its main stream; the sound is AAC


def executable(folder: Path) -> Path:
    return Path(shutil.copy(Path(sys.executable).resolve(), folder / "song.wav"))


def empty(folder: Path) -> Path:
    path = folder / "empty.wav"
    path.write_bytes(b"")
    return path


def text(folder: Path) -> Path:
    path = folder / "notes.wav"
    path.write_text("just some words, not a song\n")
    return path


def audio_only_mp4(folder: Path) -> Path:
    return make_encoded_tone(folder / "no-picture.mp4")


def truncated_faststart_mp4(folder: Path) -> Path:
    whole = make_h264_clip(folder / "whole.mp4", seconds=4.0, faststart=True)
    return truncate(whole, folder / "cut.mp4", 0.5)


def truncated_plain_mp4(folder: Path) -> Path:
    whole = make_h264_clip(folder / "whole-plain.mp4", seconds=4.0, faststart=False)
    return truncate(whole, folder / "cut-plain.mp4", 0.5)


def truncated_m4a(folder: Path) -> Path:
    return truncate(make_encoded_tone(folder / "whole.m4a", seconds=6.0), folder / "cut.m4a")


def huge_resolution(folder: Path) -> Path:
    return make_huge_resolution_clip(folder / "bomb.mp4")


def too_long_video(folder: Path) -> Path:
    return make_h264_clip(folder / "long.mp4", seconds=601, fps=1, size=(16, 16))


def too_long_track(folder: Path) -> Path:
    return make_tone(folder / "long.wav", 440, 601, rate=8000)


def hls_disguised(folder: Path) -> Path:
    return make_hls_trick(folder / "playlist.mp4", "/etc/passwd")


def ffconcat_disguised(folder: Path) -> Path:
    return make_concat_trick(folder / "list.mp4", "/etc/passwd")


VIDEO = validate_video_upload
AUDIO = validate_audio_upload


@pytest.mark.parametrize(
    ("make", "validate", "message"),
    [
        (executable, AUDIO, "is a program (an executable), not audio or video"),
        (empty, AUDIO, "is empty (0 bytes)"),
        (text, AUDIO, "is a text file, not audio or video"),
        (audio_only_mp4, VIDEO, "has no video stream (it contains audio)"),
        (truncated_faststart_mp4, VIDEO, "is cut off or damaged: its video ends at 1.6 s although"),
        (truncated_plain_mp4, VIDEO, "starts like an MP4 but cannot be read: it is cut off"),
        (truncated_m4a, AUDIO, "is cut off or damaged: its audio ends at 2.9 s although"),
        (huge_resolution, VIDEO, "is 16000x16000 pixels; at most 4096x4096 is accepted"),
        (too_long_video, VIDEO, "lasts 10 min 01.0 s; a video may last at most 10 min 00.0 s"),
        (too_long_track, AUDIO, "lasts 10 min 01.0 s; a track may last at most 10 min 00.0 s"),
        (hls_disguised, VIDEO, "is a playlist or file list (HLS .m3u8 / ffconcat)"),
        (ffconcat_disguised, VIDEO, "is a playlist or file list (HLS .m3u8 / ffconcat)"),
    ],
    ids=lambda x: getattr(x, "__name__", None),
)
def test_each_bad_upload_gets_its_message(
    folder: Path, make: Callable[[Path], Path], validate: Callable[..., object], message: str
):
    path = make(folder)
    with pytest.raises(MediaError) as info:
        validate(path, name="upload from the user")
    assert str(info.value).startswith("'upload from the user' ")
    assert message in str(info.value)


@pytest.mark.parametrize("make_list", [make_hls_trick, make_concat_trick])
def test_lists_that_read_local_files_are_refused_by_ffmpeg_too(
    folder: Path, monkeypatch: pytest.MonkeyPatch, make_list: Callable[[Path, str], Path]
):
    # Without the text check, the demuxer whitelist still refuses a list pointing at a real,
    # readable local media file (which ffmpeg alone would happily play).
    target = make_tone(folder / "secret.wav", 440, 1.0)
    listing = make_list(folder / f"{make_list.__name__}.m3u8", str(target))
    monkeypatch.setattr(probe, "_refuse_non_media_by_content", lambda path, label: None)
    with pytest.raises(MediaError, match="uses a container that is not accepted here"):
        probe_media(listing)


def test_files_over_the_size_limit_are_refused_before_reading(clip: Path):
    with pytest.raises(MediaError, match=r"is 0\.\d MB; at most 0 MB is accepted"):
        validate_video_upload(clip, MediaLimits(max_bytes=1000))


def test_a_stalled_probe_is_stopped_at_the_timeout_and_the_next_one_works(clip: Path):
    # A microsecond: a warm helper reads a small clip in about a millisecond, so 1 ms raced.
    with pytest.raises(MediaError, match=r"took longer than 1e-06 s and was stopped"):
        probe_media(clip, timeout=1e-6)
    assert probe_media(clip).has_video


def test_pipes_and_devices_are_refused(tmp_path: Path):
    fifo = tmp_path / "never-ends.mp4"
    os.mkfifo(fifo)
    with pytest.raises(MediaError, match="is not a regular file"):
        validate_video_upload(fifo)


def test_a_missing_file_is_named(tmp_path: Path):
    with pytest.raises(MediaError, match=r"'gone\.mp4' was not found"):
        probe_media(tmp_path / "gone.mp4")
