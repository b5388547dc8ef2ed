"""Fast mode (MagCache on Wan 2.1 and 2.2, TaylorSeer on LTX) on the transformer
video families: declared once, so the form, the CLI and the API get it; on for its own
job only, so a job without it after a fast one makes exactly what it made before."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from engines.catalog import CATALOG, ModelEntry
from engines.commands.model_flags import add_model_flags
from engines.errors import ParamError
from engines.params import spec_of, specs
from engines.registry import EngineRegistry
from engines.settings import Settings
from tests.mp4_probe import decode_frames


def declared(entry: ModelEntry) -> set[str]:
    return {spec.name for spec in specs(entry.params_class())}


FAST = [name for name, e in CATALOG.items() if "fast" in declared(e)]


@pytest.fixture(scope="module")
def registry(
    tmp_path_factory: pytest.TempPathFactory, tiny_models_dir: Path
) -> Iterator[EngineRegistry]:
    data_dir = tmp_path_factory.mktemp("fast-data")
    (data_dir / "tiny-models").symlink_to(tiny_models_dir, target_is_directory=True)
    registry = EngineRegistry(Settings(data_dir=data_dir, tiny=True, device="cpu"))
    yield registry
    registry.unload_all()


def test_the_transformer_families_declare_a_fast_switch():
    assert {"wan2.1-t2v-1.3b", "wan2.2-ti2v-5b", "ltx-video-2b"} <= set(FAST)
    for name in FAST:
        spec = spec_of(CATALOG[name].params_class(), "fast")
        assert (spec.kind, spec.default, spec.widget, spec.label) == (
            "bool",
            False,
            "checkbox",
            "Fast",
        )
        with pytest.raises(ParamError, match="`fast` must be true or false, but is 1"):
            CATALOG[name].params(prompt="a kite", fast=1)


def test_the_api_schema_says_fast_is_a_boolean():
    from studio.web.api.schema import field_schema

    entry = CATALOG["ltx-video-2b"]
    schema = field_schema(entry, spec_of(entry.params_class(), "fast"))
    assert (schema["type"], schema["default"]) == ("boolean", False)


def test_the_cli_takes_fast_as_a_switch():
    import argparse

    parser = argparse.ArgumentParser()
    add_model_flags(parser, "video")
    assert parser.parse_args(["--prompt", "a", "--fast"]).fast is True
    assert parser.parse_args(["--prompt", "a"]).fast is None  # the model's default


@pytest.mark.parametrize("name", FAST)
def test_fast_is_on_for_its_own_job_only(name: str, registry: EngineRegistry, tmp_path: Path):
    entry: ModelEntry = CATALOG[name]
    engine = registry.get(name)
    clips = {}
    for tag, fast in (("before", False), ("fast", True), ("after", False)):
        params = entry.params(
            prompt="a kite", seed=2, fast=fast, **{**entry.family.smoke, "steps": 4}
        )
        registry.generate(params, tmp_path / f"{tag}.mp4")
        clips[tag] = decode_frames(tmp_path / f"{tag}.mp4")
        assert not engine._model.transformer.is_cache_enabled  # the hook went with its job
    assert np.array_equal(clips["before"], clips["after"])
    assert clips["fast"].shape == clips["before"].shape


def test_studio_compile_is_read_and_stays_off_the_cpu(tmp_path: Path, tiny_models_dir: Path):
    assert Settings.from_env({"STUDIO_COMPILE": "1"}).compile is True
    assert Settings.from_env({}).compile is False
    (tmp_path / "tiny-models").symlink_to(tiny_models_dir, target_is_directory=True)
    registry = EngineRegistry(Settings(data_dir=tmp_path, tiny=True, device="cpu", compile=True))
    engine = registry.get("ltx-video-2b")
    assert "compiled_blocks" not in engine.memory_savers  # CUDA only: no compile, no warm-up
    registry.unload_all()


def last_block_runs(name: str, registry: EngineRegistry, tmp_path: Path) -> list[int]:
    """Passes that ran the model's last block in a normal 10-step job, then in two fast
    ones (a skipped pass never reaches the block's feed-forward)."""
    entry: ModelEntry = CATALOG[name]
    transformer = registry.get(name)._model.transformer
    blocks = getattr(transformer, "transformer_blocks", None) or transformer.blocks  # LTX, Wan
    feed_forward = getattr(blocks[-1], "ff", None) or blocks[-1].ffn
    passes = [0]
    handle = feed_forward.register_forward_pre_hook(lambda *_: passes.__setitem__(0, passes[0] + 1))
    try:
        counts = []
        for tag, fast in (("normal", False), ("fast", True), ("again", True)):
            passes[0] = 0
            params = entry.params(
                prompt="a kite", seed=2, fast=fast, **{**entry.family.smoke, "steps": 10}
            )
            registry.generate(params, tmp_path / f"{tag}.mp4")
            counts.append(passes[0])
    finally:
        handle.remove()
    return counts


@pytest.mark.parametrize("name", ["wan2.1-t2v-1.3b", "wan2.2-ti2v-5b"])
def test_wan_fast_skips_the_steps_magcache_calibrated(
    name: str, registry: EngineRegistry, tmp_path: Path
):
    """MagCache with its authors' ratios resampled to the job's 10 steps: the first 2
    always run, then it skips one or two at a time, 5 of 10 per guidance branch, the same
    in a second fast job (its step counter starts again with each job)."""
    counts = last_block_runs(name, registry, tmp_path)
    assert counts == [20, 10, 10]  # 10 steps x 2 guidance branches; half of them skipped


def test_ltx_fast_computes_one_step_in_three_after_the_first_three(
    registry: EngineRegistry, tmp_path: Path
):
    """TaylorSeer (lite) over 10 steps: steps 0-2 always run, then steps 4 and 7; the rest
    run no block. The same in a second fast job (the hook's step counter starts again)."""
    counts = last_block_runs("ltx-video-2b", registry, tmp_path)
    assert counts == [10, 5, 5]  # guidance's two branches share one pass a step
