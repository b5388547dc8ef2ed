"""Every result and upload gets its pictures (posters, filmstrips, waveforms) once, beside
its file, and loses them with the asset."""

from __future__ import annotations

import io

import numpy as np
import pytest
import soundfile
from PIL import Image

from engines.registry import EngineRegistry
from jobs.catalog.records import DONE
from tests.jobs.harness import InProcessStudio, submit_one, submit_video

LIGHTHOUSE = {"prompt": "a lighthouse", "num_frames": 4, "steps": 2, "height": 64, "width": 64}


@pytest.mark.slow  # jobs and their posters and waveforms
def test_results_and_uploads_get_their_pictures_once_and_lose_them_with_the_asset(
    studio: InProcessStudio, shared_registry: EngineRegistry
):
    studio.start_worker(shared_registry)
    ids = [
        submit_video(studio.api, "alice", LIGHTHOUSE),
        submit_one(
            studio.api, "alice", "musicgen-small", {"description": "calm piano", "duration": 1.0}
        ),
    ]
    video, track = studio.wait(ids)
    assert (video.status, track.status) == (DONE, DONE), (video.error, track.error)
    rate = 32_000
    tone = io.BytesIO()
    wave = 0.5 * np.sin(2 * np.pi * 440 * np.arange(rate) / rate)
    soundfile.write(tone, wave, rate, format="WAV")
    upload = studio.api.import_file("alice", tone.getvalue(), ".wav")
    png = io.BytesIO()
    Image.new("RGB", (900, 600), (200, 40, 40)).save(png, "PNG")
    image = studio.api.import_file("alice", png.getvalue(), ".png")
    expected = {
        video.asset_id: {"poster": "JPEG", "filmstrip": "JPEG"},
        track.asset_id: {"waveform": "PNG"},
        upload.id: {"waveform": "PNG"},
        image.id: {"poster": "JPEG"},  # an image's poster: a thumbnail of itself
    }
    for asset_id, formats in expected.items():
        asset = studio.api.asset(asset_id or "", "alice")
        previews = asset.meta["previews"]
        assert set(previews) == set(formats)
        for name, image_format in formats.items():
            path = studio.config.data_dir / previews[name]
            assert path.parent == studio.api.asset_path(asset.id, "alice").parent
            with Image.open(path) as picture:
                assert picture.format == image_format
    pictures = [
        studio.config.data_dir / p
        for p in studio.api.asset(video.asset_id or "", "alice").meta["previews"].values()
    ]
    studio.api.delete_asset(video.asset_id or "", "alice")
    assert not any(p.exists() for p in pictures)
