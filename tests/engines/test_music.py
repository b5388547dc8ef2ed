"""MusicEngine on the tiny checkpoints: real generation, real WAV files, on CPU."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import soundfile

from engines.catalog import CATALOG
from engines.device import Placement
from engines.errors import GenerationCancelled, MediaError, ModelUnavailableError, ParamError
from engines.families.musicgen import MusicEngine, MusicParams
from engines.media.wav import to_pcm16
from engines.progress import RunContext
from engines.prompts import ENGLISH_ONLY_WARNING
from engines.registry import EngineRegistry
from engines.settings import Settings

SR = 32_000
STEPS_PER_SECOND = 50  # EnCodec frames a second
DELAY_STEPS = 3  # num_codebooks - 1


@pytest.fixture(autouse=True, scope="module")
def _one_torch_thread() -> Iterator[None]:
    # Tiny models gain nothing from threads; on a shared 2-core box they only add contention.
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def cpu() -> Placement:
    import torch

    return Placement("cpu", torch.float32)


def loaded(settings: Settings, melody: bool = False) -> MusicEngine:
    engine = MusicEngine(settings, CATALOG["musicgen-melody" if melody else "musicgen-small"])
    engine.load(cpu())
    return engine


def write_tone(path: Path, frequency: float, seconds: float) -> str:
    t = np.arange(int(seconds * SR)) / SR
    soundfile.write(path, 0.5 * np.sin(2 * np.pi * frequency * t), SR)
    return str(path)


# -- params ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("description", ""),
        ("description", "x" * 2001),
        ("duration", 0.5),
        ("duration", 300.5),
        ("duration", float("nan")),
        ("top_k", -1),
        ("top_k", 2049),
        ("top_k", 2.5),
        ("top_p", -0.1),
        ("top_p", 1.1),
        ("temperature", 0.0),
        ("temperature", 4.5),
        ("guidance_scale", 0.5),
        ("guidance_scale", 21.0),
        ("seed", -1),
        ("seed", 2**32),
        ("melody_path", ""),
    ],
)
def test_every_bound_is_enforced_and_named(name: str, value: Any) -> None:
    fields: dict[str, Any] = {"description": "calm piano", name: value}
    with pytest.raises(ParamError, match=f"`{name}`"):
        MusicParams(**fields)


def test_defaults_and_kind() -> None:
    params = MusicParams("calm piano")
    assert (params.duration, params.top_k, params.top_p) == (10.0, 250, 0.0)
    assert (params.temperature, params.guidance_scale, params.seed) == (1.0, 3.0, None)
    assert params.model is None  # the registry serves it with the default model
    small = CATALOG["musicgen-small"]
    with pytest.raises(
        ParamError, match="musicgen-small does not take `melody_path`; use musicgen"
    ):
        small.check_params(replace(params, melody_path="tune.wav", model="musicgen-small"))


def test_pcm16_scales_down_only_when_it_would_clip() -> None:
    quiet = np.array([0.5, -1.0, 0.25], dtype=np.float32)
    assert to_pcm16(quiet, 3).tolist() == [16384, -32767, 8192]
    loud = np.array([0.5, -2.0, 1.0, 0.3], dtype=np.float32)
    assert to_pcm16(loud, 3).tolist() == [8192, -32767, 16384]  # halved, then trimmed


# -- generation -----------------------------------------------------------------------


@pytest.mark.parametrize("duration", [1.0, 2.5])
def test_writes_32khz_mono_pcm16_of_the_asked_length(
    tiny_settings: Settings, tmp_path: Path, duration: float
) -> None:
    out = tmp_path / "track.wav"
    params = MusicParams("calm lofi beat with piano", duration=duration, seed=7)

    result = EngineRegistry(tiny_settings).generate(params, out)

    info = soundfile.info(out)
    assert (info.samplerate, info.channels, info.subtype, info.format) == (
        SR,
        1,
        "PCM_16",
        "WAV",
    )
    assert abs(info.duration - duration) <= 0.020
    assert result.path == str(out) and result.kind == "music" and result.tiny
    assert (result.seed, result.sample_rate, result.device, result.dtype) == (
        7,
        SR,
        "cpu",
        "float32",
    )
    assert set(result.timings) == {"encode", "generate", "decode", "write"}
    assert json.loads(json.dumps(result.to_dict()))["params"]["duration"] == duration
    samples, _ = soundfile.read(out, dtype="int16")
    assert np.abs(samples).max() > 0  # the tiny model really ran: noise, not silence


def test_same_seed_same_audio_other_seed_other_audio(
    tiny_settings: Settings, tmp_path: Path
) -> None:
    engine = loaded(tiny_settings)
    params = MusicParams("upbeat synth", duration=1.0, seed=11)

    def samples(p: MusicParams, name: str) -> np.ndarray:
        engine.generate(p, tmp_path / name)
        return soundfile.read(tmp_path / name, dtype="int16")[0]

    first, again = samples(params, "a.wav"), samples(params, "b.wav")
    other = samples(replace(params, seed=12), "c.wav")
    assert np.array_equal(first, again)
    assert not np.array_equal(first, other)


def test_random_seed_is_drawn_and_recorded(tiny_settings: Settings, tmp_path: Path) -> None:
    engine = loaded(tiny_settings)
    params = MusicParams("upbeat synth", duration=1.0)
    result = engine.generate(params, tmp_path / "a.wav")
    engine.generate(replace(params, seed=result.seed), tmp_path / "b.wav")
    a = soundfile.read(tmp_path / "a.wav", dtype="int16")[0]
    b = soundfile.read(tmp_path / "b.wav", dtype="int16")[0]
    assert result.params["seed"] is None and np.array_equal(a, b)


def test_progress_is_reported_once_per_generated_step(
    tiny_settings: Settings, tmp_path: Path
) -> None:
    engine = loaded(tiny_settings)
    forwards: list[int] = []
    hook = engine._model.decoder.register_forward_hook(lambda *_: forwards.append(1))
    seen: list[tuple[int, int, int]] = []

    engine.generate(
        MusicParams("jazz piano", duration=1.0, seed=1),
        tmp_path / "a.wav",
        RunContext(lambda step, total: seen.append((step, total, len(forwards)))),
    )
    hook.remove()

    total = STEPS_PER_SECOND * 1 + DELAY_STEPS
    assert [(step, t) for step, t, _ in seen] == [(k, total) for k in range(1, total + 1)]
    # Exactly one decoder forward pass between two reports: one report per step.
    assert np.diff([n for _, _, n in seen]).tolist() == [1] * (total - 1)


def test_cancel_stops_at_the_step_and_leaves_no_file(
    tiny_settings: Settings, tmp_path: Path
) -> None:
    engine = loaded(tiny_settings)
    out_dir = tmp_path / "out"
    forwards: list[int] = []
    hook = engine._model.decoder.register_forward_hook(lambda *_: forwards.append(1))
    steps: list[int] = []

    with pytest.raises(GenerationCancelled) as info:
        engine.generate(
            MusicParams("jazz piano", duration=1.0, seed=1),
            out_dir / "a.wav",
            RunContext(
                on_progress=lambda step, total: steps.append(step),
                should_cancel=lambda: len(steps) >= 5,
            ),
        )
    hook.remove()

    assert (info.value.step, info.value.total) == (5, 53)
    assert steps == [1, 2, 3, 4, 5]
    assert len(forwards) == 5 + 1  # no forward pass after the cancel (+1: the prefill)
    assert not out_dir.exists() or list(out_dir.iterdir()) == []


def test_cancel_before_the_first_step(tiny_settings: Settings, tmp_path: Path) -> None:
    engine = loaded(tiny_settings)
    out_dir = tmp_path / "out"
    with pytest.raises(GenerationCancelled, match="step 0 of 53"):
        engine.generate(
            MusicParams("jazz", duration=1.0),
            out_dir / "a.wav",
            RunContext(should_cancel=lambda: True),
        )
    assert not out_dir.exists()


def test_non_english_description_warns(tiny_settings: Settings, tmp_path: Path) -> None:
    result = loaded(tiny_settings).generate(
        MusicParams("спокойная музыка для фортепиано", duration=1.0, seed=1), tmp_path / "a.wav"
    )
    assert result.warnings == [ENGLISH_ONLY_WARNING]


def test_engine_refuses_params_of_the_other_kind(tiny_settings: Settings, tmp_path: Path) -> None:
    with pytest.raises(ParamError, match="musicgen-small does not take `melody_path`"):
        loaded(tiny_settings).generate(
            MusicParams("jazz", duration=1.0, melody_path="tune.wav"), tmp_path / "a.wav"
        )


def test_lifecycle_reports_memory_and_frees_it(tiny_settings: Settings) -> None:
    engine = loaded(tiny_settings)
    assert engine.memory_bytes() > 1_000_000
    assert engine.model_id == str(tiny_settings.tiny_dir / "musicgen-small")
    engine.park()
    engine.unpark()
    engine.unload()
    assert engine.memory_bytes() == 0


# -- melody ---------------------------------------------------------------------------


def test_melody_conditions_the_track_end_to_end(tiny_settings: Settings, tmp_path: Path) -> None:
    registry = EngineRegistry(tiny_settings)
    a_tone = write_tone(tmp_path / "a4.wav", 440.0, 2.0)
    c_tone = write_tone(tmp_path / "c5.wav", 523.25, 2.0)
    params = MusicParams("folk guitar", duration=1.0, seed=3, melody_path=a_tone)

    result = registry.generate(params, tmp_path / "a.wav")
    registry.generate(replace(params, melody_path=c_tone), tmp_path / "c.wav")

    info = soundfile.info(tmp_path / "a.wav")
    assert (info.samplerate, info.channels, info.subtype) == (SR, 1, "PCM_16")
    assert abs(info.duration - 1.0) <= 0.020
    assert result.kind == "melody" and result.warnings == []
    assert result.model_name == result.params["model"] == "musicgen-melody"
    with_a = soundfile.read(tmp_path / "a.wav", dtype="int16")[0]
    with_c = soundfile.read(tmp_path / "c.wav", dtype="int16")[0]
    assert not np.array_equal(with_a, with_c)  # same seed: only the melody differs


def test_melody_over_30_seconds_is_trimmed_with_a_warning(
    tiny_settings: Settings, tmp_path: Path
) -> None:
    long_tone = write_tone(tmp_path / "long.wav", 440.0, 31.0)
    result = loaded(tiny_settings, melody=True).generate(
        MusicParams("folk", duration=1.0, seed=3, melody_path=long_tone), tmp_path / "a.wav"
    )
    assert result.warnings == ["The melody is longer than 30 s; only its first 30 s were used."]


@pytest.mark.parametrize("content", [b"", b"RIFF\x00\x00\x00\x00WAVEjunk" * 64])
def test_undecodable_melody_is_a_media_error_and_writes_nothing(
    tiny_settings: Settings, tmp_path: Path, content: bytes
) -> None:
    melody = tmp_path / "in" / "tune.wav"
    melody.parent.mkdir()
    melody.write_bytes(content)
    out_dir = tmp_path / "out"
    with pytest.raises(MediaError, match=r"tune\.wav"):
        loaded(tiny_settings, melody=True).generate(
            MusicParams("folk", duration=1.0, melody_path=str(melody)), out_dir / "a.wav"
        )
    assert not out_dir.exists() or list(out_dir.iterdir()) == []


# -- missing weights ------------------------------------------------------------------


def test_missing_hub_model_says_where_it_looked_and_how_to_get_it(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, music_model="some/nonexistent", device="cpu")
    with pytest.raises(ModelUnavailableError) as info:
        MusicEngine(settings, settings.default_model("audio")).load(cpu())
    message = str(info.value)
    assert "'some/nonexistent'" in message and "cache" in message
    assert "huggingface-cli download some/nonexistent" in message
    assert "STUDIO_MODELS=tiny" in message


def test_missing_local_folder_says_which_folder(tmp_path: Path) -> None:
    folder = tmp_path / "no-such-model"
    settings = Settings(data_dir=tmp_path, melody_model=str(folder), device="cpu")
    with pytest.raises(ModelUnavailableError) as info:
        MusicEngine(settings, settings.default_model("audio", given=["melody_path"])).load(cpu())
    message = str(info.value)
    assert f"the folder {folder}" in message and "Check the path" in message
    assert "STUDIO_MODELS=tiny" in message
