"""The extend job through the one submit path: ``{"extend_from": id, "seconds": S, ...}``
with the model that makes the next seconds; the clip must be the owner's video."""

from __future__ import annotations

from pathlib import Path

import pytest

from engines.errors import ParamError
from jobs.service import JobService
from tests.image_factory import png_bytes
from tests.media_factory import make_clip


def clip_of(api: JobService, owner: str, tmp_path: Path) -> str:
    path = make_clip(tmp_path / f"{owner}.mp4", seconds=1.0, fps=8, size=(64, 64))
    return api.import_file(owner, path.read_bytes(), ".mp4").id


def test_someone_elses_clip_or_an_image_is_refused_as_unknown(api: JobService, tmp_path: Path):
    theirs = clip_of(api, "bob", tmp_path)
    picture = api.import_file("alice", png_bytes(), ".png").id
    for value in (theirs, picture, "no-such-id"):
        with pytest.raises(ParamError, match="`extend_from` must be the id of one of your videos"):
            api.submit("alice", "extend", {"extend_from": value, "prompt": "on", "seconds": 1.0})
    assert api.list("alice") == []


def test_a_model_that_cannot_start_from_a_picture_cannot_extend(api: JobService, tmp_path: Path):
    mine = clip_of(api, "alice", tmp_path)
    values = {"extend_from": mine, "prompt": "the boat sails on", "seconds": 1.0}
    with pytest.raises(ParamError, match=r"modelscope-t2v-1\.7b cannot extend a clip"):
        api.submit("alice", "modelscope-t2v-1.7b", values)
    with pytest.raises(ParamError, match=r"`seconds` must be .*30"):
        api.submit("alice", "extend", {**values, "seconds": 99.0})
    with pytest.raises(ParamError, match="Name the model once"):
        api.submit("alice", "modelscope-t2v-1.7b", {**values, "model": "wan2.1-t2v-1.3b"})
    assert api.list("alice") == []
