"""Variations as one batch: several seeds of the same params in one pipeline call, each
clip what its seed makes alone (tiny ModelScope and Wan checkpoints, CPU, real MP4s)."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from engines.catalog import CATALOG
from engines.errors import GenerationCancelled
from engines.families.text_to_video_sd import VideoParams
from engines.families.wan import WanParams
from engines.progress import RunContext
from engines.registry import EngineRegistry
from engines.settings import Settings
from tests.mp4_probe import decode_frames

SEEDS = [11, 12, 13]
# Measured on this CPU: a batched clip decodes to exactly its single run's pixels (mean
# abs diff 0.0, both tiny models); the margin is for kernels that sum a batch in another
# order. Another seed differs by 39 (tiny ModelScope) and 1.4 (tiny Wan, nearly flat).
MAX_MEAN_ABS_DIFF = 0.5  # of 255


def params_for(model: str) -> Any:
    if model == "wan2.1-t2v-1.3b":
        return WanParams(
            prompt="a lighthouse", num_frames=5, steps=2, height=32, width=32, model=model
        )
    return VideoParams(prompt="a lighthouse", num_frames=4, steps=2, height=64, width=64)


def denoiser_calls(registry: EngineRegistry, model: str) -> list[int]:
    """The batch size of every forward of the model's denoiser (UNet or transformer)."""
    pipe = registry.get(model)._model
    denoiser = getattr(pipe, "unet", None) or pipe.transformer
    sizes: list[int] = []
    denoiser.register_forward_pre_hook(lambda _m, args, kwargs=None: sizes.append(0))
    return sizes


@pytest.fixture
def registry(tiny_settings: Settings) -> EngineRegistry:
    return EngineRegistry(tiny_settings)


@pytest.mark.parametrize("model", ["modelscope-t2v-1.7b", "wan2.1-t2v-1.3b"])
def test_a_batch_makes_each_seeds_own_clip_in_one_pipeline_call(
    registry: EngineRegistry, tmp_path: Path, model: str
):
    params = params_for(model)
    calls = denoiser_calls(registry, model)
    steps: list[tuple[int, int]] = []
    outs = [tmp_path / f"batch-{seed}.mp4" for seed in SEEDS]
    results = registry.generate_batch(
        params, SEEDS, outs, RunContext(on_progress=lambda s, t: steps.append((s, t)))
    )
    batch_calls = len(calls)
    assert steps == [(1, 2), (2, 2)]  # one call: its steps once, for all three clips
    assert [r.seed for r in results] == SEEDS and [r.batch for r in results] == [3, 3, 3]
    assert [r.params["seed"] for r in results] == SEEDS
    assert [r.path for r in results] == [str(out) for out in outs]

    singles = []
    for seed in SEEDS:
        result = registry.generate(
            dataclasses.replace(params, seed=seed), tmp_path / f"alone-{seed}.mp4"
        )
        assert result.batch == 1
        singles.append(decode_frames(Path(result.path)).astype(np.float64))
    assert len(calls) == 4 * batch_calls  # three single runs: three times the batch's calls
    for i, out in enumerate(outs):
        diffs = [np.abs(decode_frames(out).astype(np.float64) - alone).mean() for alone in singles]
        assert diffs[i] <= MAX_MEAN_ABS_DIFF
        # ...and its own seed's clip is the nearest: not one clip written three times.
        assert diffs[i] < min(d for j, d in enumerate(diffs) if j != i)


def test_max_batch_splits_the_seeds_into_calls(tiny_settings: Settings, tmp_path: Path):
    registry = EngineRegistry(dataclasses.replace(tiny_settings, max_batch=2))
    params = params_for("modelscope-t2v-1.7b")
    steps: list[tuple[int, int]] = []
    results = registry.generate_batch(
        params,
        SEEDS,
        [tmp_path / f"{seed}.mp4" for seed in SEEDS],
        RunContext(on_progress=lambda s, t: steps.append((s, t))),
    )
    assert [r.batch for r in results] == [2, 2, 1] and [r.seed for r in results] == SEEDS
    assert steps == [(1, 4), (2, 4), (3, 4), (4, 4)]  # 2 calls of 2 steps, counted as one run


def test_a_cancel_stops_the_whole_batch_and_leaves_no_file(
    registry: EngineRegistry, tmp_path: Path
):
    steps: list[int] = []
    outs = [tmp_path / "out" / f"{seed}.mp4" for seed in SEEDS]
    with pytest.raises(GenerationCancelled):
        registry.generate_batch(
            dataclasses.replace(params_for("modelscope-t2v-1.7b"), steps=5),
            SEEDS,
            outs,
            RunContext(on_progress=lambda s, t: steps.append(s), should_cancel=lambda: bool(steps)),
        )
    assert steps == [1]
    assert not any(out.exists() for out in outs)
    assert not (tmp_path / "out").exists() or list((tmp_path / "out").iterdir()) == []


def test_only_the_video_families_batch():
    batching = {name for name, entry in CATALOG.items() if entry.batches}
    assert batching == {
        n for n, e in CATALOG.items() if e.family.name in ("text-to-video-sd", "wan", "wan2.2")
    }
    assert not CATALOG["musicgen-small"].batches  # its sampler's one global RNG


def test_max_batch_setting_is_read_and_checked():
    assert Settings.from_env({}).max_batch == 4
    assert Settings.from_env({"STUDIO_MAX_BATCH": "1"}).max_batch == 1
    with pytest.raises(ValueError, match="STUDIO_MAX_BATCH must be a whole number"):
        Settings.from_env({"STUDIO_MAX_BATCH": "0"})


def test_a_batch_that_runs_out_of_memory_is_made_one_clip_at_a_time(
    registry: EngineRegistry, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    import torch

    engine = registry.get("modelscope-t2v-1.7b")
    real = engine._generate_batch

    def out_of_memory_for_more_than_one(params: Any, seeds: list[int], *rest: Any) -> Any:
        if len(seeds) > 1:
            raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 9.00 GiB")
        return real(params, seeds, *rest)

    # No device here runs out for real; a batch fails as CUDA's allocator would, one fits.
    monkeypatch.setattr(engine, "_generate_batch", out_of_memory_for_more_than_one)
    steps: list[tuple[int, int]] = []
    outs = [tmp_path / f"{seed}.mp4" for seed in SEEDS]
    results = registry.generate_batch(
        params_for("modelscope-t2v-1.7b"),
        SEEDS,
        outs,
        RunContext(on_progress=lambda s, t: steps.append((s, t))),
    )
    assert [r.seed for r in results] == SEEDS and [r.batch for r in results] == [1, 1, 1]
    assert all(out.exists() for out in outs)
    assert steps == [(s, 6) for s in range(1, 7)]  # the total grew to three runs' steps
