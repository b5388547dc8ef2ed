"""Settings inside the file: written in place, read back by ffprobe and by the probe."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from engines.errors import MediaError
from engines.media.mp4 import write_mp4
from engines.media.probe import probe_media
from engines.media.settings_tag import MARK, embed_settings, settings_comment, settings_in
from engines.media.wav import write_wav
from tests.media_factory import make_h264_clip, make_tone, video_packets
from tests.mp4_probe import probe_mp4
from tests.required_tools import require_tool

SETTINGS = {
    "model": "modelscope-t2v-1.7b",
    "params": {"prompt": "a corgi «surfing» a wave " + "at dusk " * 100, "steps": 25},
    "seed": 42,
    "sources": ["ab" * 16],
}


def ffprobe_comment(path: Path) -> str:
    done = subprocess.run(
        [require_tool("ffprobe"), "-v", "error", "-show_entries", "format_tags=comment",
         "-of", "json", str(path)],
        capture_output=True, text=True, check=True, timeout=60,
    )  # fmt: skip
    return str(json.loads(done.stdout)["format"]["tags"]["comment"])


def test_an_mp4_carries_its_settings_and_keeps_its_picture_bit_for_bit(tmp_path: Path):
    clip = make_h264_clip(tmp_path / "clip.mp4", seconds=1.0)
    packets = video_packets(clip)
    embed_settings(clip, SETTINGS)
    assert json.loads(ffprobe_comment(clip)) == {MARK: SETTINGS}
    assert settings_in(probe_media(clip).tags) == SETTINGS
    assert video_packets(clip) == packets  # copied, never re-encoded
    assert clip.read_bytes()[4:8] == b"ftyp"
    assert not list(tmp_path.glob(".*partial*"))


@pytest.mark.parametrize(("rate", "channels"), [(32_000, 1), (48_000, 2)])
def test_a_wav_carries_its_settings_in_its_info_chunk_and_keeps_every_sample(
    tmp_path: Path, rate: int, channels: int
):
    track = make_tone(tmp_path / "track.wav", 440.0, 1.0, rate=rate, channels=channels)
    before, _ = sf.read(track, dtype="int16")
    embed_settings(track, SETTINGS)
    assert json.loads(ffprobe_comment(track)) == {MARK: SETTINGS}
    assert settings_in(probe_media(track).tags) == SETTINGS
    after, after_rate = sf.read(track, dtype="int16")
    assert after_rate == rate and np.array_equal(before, after)


def test_a_file_without_our_settings_reads_as_none(tmp_path: Path):
    clip = make_h264_clip(tmp_path / "plain.mp4", seconds=0.5)
    assert settings_in(probe_media(clip).tags) is None
    assert settings_in({"comment": "a note someone wrote"}) is None
    assert settings_in({"comment": json.dumps({"other_app": {}})}) is None


def test_settings_too_large_or_a_foreign_format_are_refused(tmp_path: Path):
    track = make_tone(tmp_path / "t.wav", 440.0, 0.5)
    with pytest.raises(MediaError, match="at most"):
        embed_settings(track, {"params": {"prompt": "x" * 20_000}})
    with pytest.raises(MediaError, match=r"\.flac"):
        embed_settings(tmp_path / "t.flac", SETTINGS)


def test_the_writers_put_the_settings_in_with_the_bytes_in_one_pass(tmp_path: Path):
    comment = settings_comment(SETTINGS)
    frames = np.random.default_rng(0).random((3, 64, 64, 3))
    clip = tmp_path / "made.mp4"
    write_mp4(frames, clip, fps=8, comment=comment)
    assert json.loads(ffprobe_comment(clip)) == {MARK: SETTINGS}
    assert probe_mp4(clip).moov_before_mdat  # still faststart
    samples = (np.sin(np.arange(16_000) / 7.0) * 12_000).astype(np.int16).reshape(-1, 2)
    track = tmp_path / "made.wav"
    write_wav(track, samples, 16_000, comment)
    assert settings_in(probe_media(track).tags) == SETTINGS
    assert np.array_equal(sf.read(track, dtype="int16")[0], samples)
