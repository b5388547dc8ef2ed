"""An upload is what its content is: a video handed in as a melody or a track is refused at
once, in words, and a sound alone in an MP4 box is stored as audio."""

from __future__ import annotations

from pathlib import Path

import pytest

from engines.errors import MediaError
from engines.families.musicgen import MusicParams
from engines.params import specs
from jobs.input_files import owned_inputs
from jobs.service import JobService
from jobs.uploads import store_checked_upload
from tests.media_factory import make_clip, make_encoded_tone


def test_a_video_with_sound_is_no_melody(api: JobService, tmp_path: Path):
    clip = make_clip(tmp_path / "dance.mp4", seconds=1.0, tone_hz=440.0).read_bytes()
    with pytest.raises(MediaError) as refused:
        store_checked_upload(api, "ana", "dance.mp4", clip, "audio")
    said = str(refused.value)
    assert said.startswith("'dance.mp4' is a video (h264, 64x64), not an audio file."), said
    assert "WAV, MP3, FLAC, OGG or M4A" in said
    assert api.catalog.assets.list(owner="ana") == []  # nothing stored


def test_sound_alone_in_an_mp4_box_is_an_audio_asset_a_melody_job_takes(
    api: JobService, tmp_path: Path
):
    tune = make_encoded_tone(tmp_path / "tune.m4a", seconds=1.5).read_bytes()
    asset = store_checked_upload(api, "ana", "tune.m4a", tune, "audio")
    assert (asset.output_type, Path(asset.path).suffix) == ("audio", ".m4a")
    params = {"description": "a harp", "melody_path": asset.id}
    assert [a.id for a in owned_inputs(api.catalog, "ana", MusicParams, params)] == [asset.id]
    assert [s.name for s in specs(MusicParams) if s.kind == "file"] == ["melody_path"]
