"""The contract every catalog model keeps, checked on each one's tiny checkpoint.

As diffusers' ``PipelineTesterMixin`` does for its pipelines: one suite, parametrized
over the whole catalog. Each model loads through the real ``from_pretrained`` path
(STUDIO_MODELS=tiny builds its checkpoint in the hub layout), generates a file with
exactly the asked shape, is reproducible by seed, reports progress once per step,
stops within one step when cancelled, refuses bad params with a message that says
what works, and frees its weights on unload.
"""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import soundfile

from engines.catalog import AUDIO, CATALOG, ModelEntry, detect_family
from engines.errors import GenerationCancelled, ParamError
from engines.params import specs
from engines.progress import RunContext
from engines.registry import EngineRegistry
from engines.settings import Settings
from tests.mp4_probe import decode_frames, probe_mp4

MUSIC_STEPS = 50 + 3  # 1 s at 50 EnCodec frames a second, plus the delay pattern's 3


def small(entry: ModelEntry, **values: Any) -> Any:
    prompt = "description" if entry.output == AUDIO else "prompt"
    # Each family's smoke settings (tiny sizes, 2 steps) keep the suite fast on 2 cores.
    return entry.params(**{prompt: "a calm lake at dawn", **entry.family.smoke, **values})


def steps_of(entry: ModelEntry) -> int:
    smoke = entry.family.smoke
    return int(smoke["steps"]) if "steps" in smoke else MUSIC_STEPS  # MusicGen: per second


@pytest.fixture(scope="module")
def registry(
    tmp_path_factory: pytest.TempPathFactory, tiny_models_dir: Path
) -> Iterator[EngineRegistry]:
    data_dir = tmp_path_factory.mktemp("contract-data")
    (data_dir / "tiny-models").symlink_to(tiny_models_dir, target_is_directory=True)
    registry = EngineRegistry(Settings(data_dir=data_dir, tiny=True, device="cpu"))
    yield registry
    registry.unload_all()


@pytest.fixture(params=list(CATALOG), scope="module")
def entry(request: pytest.FixtureRequest) -> ModelEntry:
    return CATALOG[request.param]


def test_loads_through_the_real_path_from_its_hub_layout(
    registry: EngineRegistry, entry: ModelEntry
):
    engine = registry.get(entry.name)
    folder = Path(engine.model_id)
    assert folder.name == entry.name and folder.is_dir()
    # The tiny folder is found to be of its family the way any local folder is.
    assert detect_family(folder) == (entry.family, entry.inputs, entry.channels)
    assert engine.memory_bytes() > 0 and engine.part_dtypes()


def test_output_has_the_asked_shape_and_records_the_model(
    registry: EngineRegistry, entry: ModelEntry, tmp_path: Path
):
    params = small(entry, seed=3)
    out = tmp_path / ("out.wav" if entry.output == AUDIO else "out.mp4")
    result = registry.generate(params, out)

    assert result.model_name == result.params["model"] == entry.name and result.tiny
    if entry.output == AUDIO:
        info = soundfile.info(out)
        assert (info.samplerate, info.channels, info.subtype, info.format) == (
            entry.sample_rate,
            entry.channels,
            "PCM_16",
            "WAV",
        )
        assert abs(info.duration - params.duration) <= 0.020
        assert (result.sample_rate, result.channels) == (entry.sample_rate, entry.channels)
    else:
        facts = probe_mp4(out)
        assert (facts.codec, facts.pix_fmt) == ("h264", "yuv420p")
        assert (facts.frames, facts.width, facts.height, facts.fps) == (
            params.num_frames,
            params.width,
            params.height,
            float(params.fps),
        )
        assert result.frames == params.num_frames


def _content(path: Path) -> np.ndarray:
    if path.suffix == ".wav":
        return soundfile.read(path, dtype="int16")[0]
    return decode_frames(path)


def test_same_seed_same_output_other_seed_other_output(
    registry: EngineRegistry, entry: ModelEntry, tmp_path: Path
):
    suffix = ".wav" if entry.output == AUDIO else ".mp4"
    paths = [tmp_path / f"{name}{suffix}" for name in ("a", "b", "c")]
    for path, seed in zip(paths, (7, 7, 8), strict=True):
        registry.generate(small(entry, seed=seed), path)
    first, same, other = (_content(p) for p in paths)
    assert np.array_equal(first, same)
    assert not np.array_equal(first, other)


def test_progress_is_reported_once_per_step(
    registry: EngineRegistry, entry: ModelEntry, tmp_path: Path
):
    calls: list[tuple[int, int]] = []
    out = tmp_path / ("p.wav" if entry.output == AUDIO else "p.mp4")
    registry.generate(small(entry, seed=1), out, RunContext(lambda *call: calls.append(call)))
    total = steps_of(entry)
    assert calls == [(k, total) for k in range(1, total + 1)]


def test_cancel_stops_within_one_step_and_writes_nothing(
    registry: EngineRegistry, entry: ModelEntry, tmp_path: Path
):
    calls: list[int] = []
    out = tmp_path / "out" / ("c.wav" if entry.output == AUDIO else "c.mp4")
    run = RunContext(lambda step, _total: calls.append(step), lambda: len(calls) >= 1)
    with pytest.raises(GenerationCancelled) as info:
        registry.generate(small(entry, seed=1), out, run)
    assert calls == [1] and info.value.step == 1
    assert not out.parent.exists() or list(out.parent.iterdir()) == []


def test_bad_params_are_refused_with_messages_that_say_what_works(
    registry: EngineRegistry, entry: ModelEntry
):
    for spec in specs(entry.params_class()):
        if spec.kind not in ("int", "float") or spec.maximum is None:
            continue
        with pytest.raises(ParamError, match=f"`{spec.name}` must be between"):
            small(entry, **{spec.name: spec.maximum + 1})
        if spec.multiple_of or spec.k_plus_one:
            wrong = next(v for v in range(int(spec.minimum or 1), 200) if not spec.accepts_shape(v))
            with pytest.raises(ParamError, match=rf"`{spec.name}` has to be .* try \d+"):
                small(entry, **{spec.name: wrong})
    other = next(e for e in CATALOG.values() if e.family is not entry.family)
    with pytest.raises(ParamError, match=rf"`model` {other.name!r} does not take"):
        other.check_params(small(entry))
    with pytest.raises(ParamError, match="`model`"):  # the registry looks the model up so
        registry.model_for(entry.params_class()(**{**vars(small(entry)), "model": other.name}))


@pytest.mark.slow  # a full garbage collection a model; test_registry unloads in the fast tier
def test_unload_frees_the_model(registry: EngineRegistry, entry: ModelEntry):
    engine = registry.get(entry.name)
    model_ref = weakref.ref(engine._model)
    engine_ref = weakref.ref(engine)
    del engine
    registry.unload_all()
    gc.collect()
    assert model_ref() is None, f"{entry.name}'s model is still referenced after unload"
    assert engine_ref() is None
    assert registry.status().resident is None
