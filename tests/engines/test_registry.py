"""EngineRegistry: one model on the device, real unloads, serialised generation."""

from __future__ import annotations

import gc
import threading
import weakref
from dataclasses import replace
from pathlib import Path

import pytest

from engines.catalog import UnknownModelError
from engines.families.musicgen import MusicParams
from engines.families.text_to_video_sd import VideoParams
from engines.progress import RunContext
from engines.registry import EngineRegistry
from engines.settings import Settings

VIDEO = VideoParams("a lighthouse at dusk", num_frames=4, steps=2, height=64, width=64, seed=1)
MUSIC = MusicParams("calm piano", duration=1.0, seed=1)


def test_switching_video_to_music_unloads_and_frees_the_video_model(
    tiny_settings: Settings, tmp_path: Path
):
    registry = EngineRegistry(tiny_settings)
    with registry.use("modelscope-t2v-1.7b") as video_engine:
        unet_ref = weakref.ref(video_engine._model.unet)  # type: ignore[attr-defined]
        engine_ref = weakref.ref(video_engine)
    del video_engine

    registry.generate(MUSIC, tmp_path / "m.wav")
    gc.collect()

    status = registry.status()
    assert status.resident == "musicgen-small" and status.parked == {}
    assert status.resident_bytes > 0
    assert unet_ref() is None, "the video UNet is still referenced after the switch"
    assert engine_ref() is None


@pytest.mark.slow  # three generations over two models
def test_parking_keeps_the_switched_out_model_in_ram_within_budget(
    tiny_settings: Settings, tmp_path: Path
):
    registry = EngineRegistry(replace(tiny_settings, park_ram_gb=1.0))
    with registry.use("modelscope-t2v-1.7b") as first:
        first_id = id(first)
    registry.generate(MUSIC, tmp_path / "m.wav")
    assert registry.status().resident == "musicgen-small"
    assert set(registry.status().parked) == {"modelscope-t2v-1.7b"}

    with registry.use("modelscope-t2v-1.7b") as back:
        assert id(back) == first_id  # the parked engine came back, nothing reloaded
    assert set(registry.status().parked) == {"musicgen-small"}


@pytest.mark.slow  # two models loaded in turn
def test_parking_budget_too_small_unloads_instead(tiny_settings: Settings, tmp_path: Path):
    registry = EngineRegistry(replace(tiny_settings, park_ram_gb=1e-6))
    registry.generate(VIDEO, tmp_path / "v.mp4")
    registry.generate(MUSIC, tmp_path / "m.wav")
    assert registry.status().parked == {}


@pytest.mark.slow  # four generations, two model switches
def test_concurrent_generate_calls_run_one_after_another(tiny_settings: Settings, tmp_path: Path):
    registry = EngineRegistry(tiny_settings)
    events: list[tuple[int, int]] = []
    errors: list[BaseException] = []

    def job(n: int) -> None:
        try:
            if n % 2:
                registry.generate(
                    replace(MUSIC, seed=n),
                    tmp_path / f"{n}.wav",
                    RunContext(lambda step, total: events.append((n, step))),
                )
            else:
                registry.generate(
                    replace(VIDEO, seed=n),
                    tmp_path / f"{n}.mp4",
                    RunContext(lambda step, total: events.append((n, step))),
                )
        except BaseException as exc:  # surfaced below: a thread's error must fail the test
            errors.append(exc)

    threads = [threading.Thread(target=job, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    order = [n for n, _ in events]
    # Each job's steps form one unbroken run: no two generations overlapped.
    runs = [n for i, n in enumerate(order) if i == 0 or order[i - 1] != n]
    assert sorted(runs) == [0, 1, 2, 3]
    assert len([*tmp_path.glob("*.mp4"), *tmp_path.glob("*.wav")]) == 4


def test_unknown_model_is_a_clear_error_listing_the_valid_ones(tiny_settings: Settings):
    with pytest.raises(UnknownModelError, match="Unknown model 'opera'; valid models: model"):
        EngineRegistry(tiny_settings).get("opera")


def test_engines_are_keyed_by_model_name(tiny_settings: Settings, tmp_path: Path):
    registry = EngineRegistry(replace(tiny_settings, park_ram_gb=1.0))
    registry.generate(replace(MUSIC, model="musicgen-stereo-small"), tmp_path / "s.wav")
    registry.generate(MUSIC, tmp_path / "m.wav")  # no model named: the default
    status = registry.status()
    assert status.resident == "musicgen-small"
    assert set(status.parked) == {"musicgen-stereo-small"}  # another model of one family


def test_unload_all_leaves_nothing_resident(tiny_settings: Settings, tmp_path: Path):
    registry = EngineRegistry(tiny_settings)
    registry.generate(VIDEO, tmp_path / "v.mp4")
    registry.unload_all()
    assert registry.status().resident is None and registry.status().resident_bytes == 0
