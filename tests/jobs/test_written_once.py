"""A worker writes a model's file once: the engine's writer puts the settings tag in with
the bytes, and nothing rewrites the file after (issue 22)."""

from __future__ import annotations

from pathlib import Path

import pytest

import jobs.worker.run as worker_run
from engines.media.probe import probe_media
from engines.media.settings_tag import settings_in
from tests.jobs.harness import MODELSCOPE, InProcessStudio, submit_one, submit_video
from tests.jobs.tracking_registry import TrackingRegistry


def test_video_and_music_files_are_written_once_with_their_settings_inside(
    studio: InProcessStudio, tiny_settings, monkeypatch: pytest.MonkeyPatch
):
    rewritten: list[Path] = []
    monkeypatch.setattr(worker_run, "embed_settings", lambda path, _s: rewritten.append(path))
    studio.start_worker(TrackingRegistry(tiny_settings))
    video = {"prompt": "a fox", "num_frames": 2, "steps": 2, "height": 64, "width": 64}
    ids = [
        submit_video(studio.api, "alice", {**video, "seed": None}),
        submit_one(studio.api, "alice", "musicgen-small", {"description": "calm", "duration": 1.0}),
    ]
    jobs = studio.wait(ids)

    assert [job.status for job in jobs] == ["done", "done"], [job.error for job in jobs]
    assert rewritten == []  # no second pass over either file
    for job in jobs:
        asset = studio.api.asset(job.asset_id or "", "alice")
        settings = settings_in(probe_media(studio.config.data_dir / asset.path).tags)
        assert settings is not None, asset.path
        assert settings["seed"] == asset.meta["seed"] == asset.params["seed"]
        assert settings["params"] == asset.params
        assert settings["weights"] == asset.meta["model"]


def test_each_variation_of_a_batch_is_written_with_its_own_seed_and_lineage(
    studio: InProcessStudio, tiny_settings, monkeypatch: pytest.MonkeyPatch
):
    rewritten: list[Path] = []
    monkeypatch.setattr(worker_run, "embed_settings", lambda path, _s: rewritten.append(path))
    video = {"prompt": "a lighthouse", "num_frames": 2, "steps": 2, "height": 64, "width": 64}
    ids = studio.api.submit("ana", MODELSCOPE, {**video, "seed": 41}, 3)
    registry = TrackingRegistry(tiny_settings)
    studio.start_worker(registry)
    jobs = studio.wait(ids)

    assert [job.status for job in jobs] == ["done"] * 3, [job.error for job in jobs]
    assert registry.tracker.batches == [[41, 42, 43]] and rewritten == []
    assets = [studio.api.asset(job.asset_id or "", "ana") for job in jobs]
    tags = [settings_in(probe_media(studio.config.data_dir / a.path).tags) for a in assets]
    assert [t["seed"] if t else None for t in tags] == [41, 42, 43]
    assert [t["params"] if t else None for t in tags] == [a.params for a in assets]
