"""Every catalog model runs at its own defaults (the form's, untouched) through the whole
job path on its tiny checkpoint: submit, queue, worker, keeper, asset. A new model cannot
land with defaults it cannot run (the tiny Wan once failed at its own 480x832)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
import soundfile

from engines.catalog import AUDIO, CATALOG, VIDEO, ModelEntry
from engines.registry import EngineRegistry
from engines.settings import Settings
from jobs.catalog.records import DONE
from tests.jobs.harness import InProcessStudio, submit_one
from tests.mp4_probe import probe_mp4

# The video models' defaults stay slow on a CPU even on tiny checkpoints: `make test` runs
# them, the fast tier does not. On 2 shared cores (load 1 to 7): Wan 60-189 s (81 frames
# at 480x832 are 8190 tokens of attention a pass with the tiny 4x4 patches, 100 passes, then
# a VAE decode of 32M pixels), zeroscope 139-157 s (24 frames of 40x72 latents, 100 UNet passes
# whose full-resolution temporal transformer always has 8 heads), ModelScope 23-53 s.
SLOW = {name for name, entry in CATALOG.items() if entry.output == VIDEO}
WAIT_S = 1500.0


@pytest.fixture
def backend() -> str:
    return "sqlite"  # the job path is the same on both queues; one is enough here


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory, tiny_models_dir: Any) -> Iterator[Any]:
    """One registry for the module: each model loads once, the next evicts it."""
    data_dir = tmp_path_factory.mktemp("defaults-data")
    (data_dir / "tiny-models").symlink_to(tiny_models_dir, target_is_directory=True)
    registry = EngineRegistry(Settings(data_dir=data_dir, tiny=True, device="cpu"))
    yield registry
    registry.unload_all()


@pytest.fixture
def every_core() -> Iterator[None]:
    """Both cores for one model's defaults (conftest sets one torch thread a test): most of
    Wan 2.2's time at 1280x704 and 121 frames is self-attention over 27,280 tokens, which
    runs 2x faster on two threads."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(os.cpu_count() or 1)
    yield
    torch.set_num_threads(before)


def _prompt_only(entry: ModelEntry) -> dict[str, Any]:
    """What a form sends when only its text box is filled in: everything else its defaults."""
    return {("description" if entry.output == AUDIO else "prompt"): "a calm lake at dawn"}


# The audio models' defaults take 10 to 35 s each on two busy cores: all are slow.
@pytest.mark.slow
@pytest.mark.parametrize(
    "name",
    [pytest.param(n, marks=[pytest.mark.timeout(1600)] if n in SLOW else []) for n in CATALOG],
)
def test_every_model_runs_its_own_defaults_through_the_job_path(
    name: str, studio: InProcessStudio, registry: EngineRegistry, every_core: None
):
    entry = CATALOG[name]
    params = entry.params(**_prompt_only(entry))
    entry.check_cost(params)  # the form's own values are never refused as too costly
    studio.start_worker(registry)
    job_id = submit_one(studio.api, "alice", name, _prompt_only(entry))
    [job] = studio.wait([job_id], timeout=WAIT_S)
    assert job.status == DONE, job.error
    assert job.asset_id is not None
    asset = studio.api.asset(job.asset_id, "alice")
    path = studio.api.asset_path(asset.id, "alice")
    assert asset.params["model"] == name and asset.meta["model_name"] == name

    if entry.output == AUDIO:
        info = soundfile.info(path)
        assert (info.samplerate, info.channels) == (entry.sample_rate, entry.channels)
        assert abs(info.duration - params.duration) <= 0.020
    else:
        facts = probe_mp4(path)
        assert (facts.frames, facts.width, facts.height, facts.fps) == (
            params.num_frames,
            params.width,
            params.height,
            float(params.fps),
        )
