"""A frame of one of the owner's clips becomes an image asset of its own, with a poster,
private like every file; someone else's clip reads as unknown."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from engines.errors import MediaError
from engines.media.frames import clip_shape, decode_frames
from jobs.assets import resolve_in
from jobs.frames import store_frame
from jobs.owned_assets import NotFound
from jobs.service import JobService
from tests.media_factory import make_clip


def test_a_frame_of_a_clip_is_an_image_asset_with_a_poster(api: JobService, tmp_path: Path):
    clip_path = make_clip(tmp_path / "clip.mp4", seconds=1.0, fps=8, size=(80, 48))
    clip = api.import_file("alice", clip_path.read_bytes(), ".mp4", params={"uploaded_as": "a.mp4"})
    every = decode_frames(clip_path, clip_shape(clip_path))
    for where, expected in (("first", every[0]), ("last", every[-1]), (0.5, every[4])):
        image = store_frame(api, "alice", clip.id, where)
        assert image.owner == "alice" and image.output_type == "image"
        stored = resolve_in(api.config.data_dir, image.path)
        assert stored.suffix == ".png"
        with Image.open(stored) as picture:
            assert np.array_equal(np.asarray(picture.convert("RGB")), expected)  # lossless
        assert "poster" in image.meta["previews"]
        assert resolve_in(api.config.data_dir, image.meta["previews"]["poster"]).is_file()
    assert image.params["uploaded_as"] == "Frame at 0.50 s of a.mp4"
    newest = api.assets("alice", output_type="image")[0]
    assert newest.id == image.id  # in the Library


def test_someone_elses_clip_or_a_time_past_the_end_is_refused(api: JobService, tmp_path: Path):
    clip_path = make_clip(tmp_path / "clip.mp4", seconds=1.0, fps=8)
    theirs = api.import_file("bob", clip_path.read_bytes(), ".mp4")
    with pytest.raises(NotFound, match="no asset"):
        store_frame(api, "alice", theirs.id, "first")
    with pytest.raises(MediaError, match="pick a time from 0 to"):
        store_frame(api, "bob", theirs.id, 9.0)
    assert api.assets("alice") == []
