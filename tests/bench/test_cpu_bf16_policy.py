"""The CPU bf16 policies: MusicGen's decoder and T5 (default on), the video UNet (auto).

Tiny checkpoints, real generation: the dtypes each part runs in, the switches that turn
the policy off, and that the output stays sound (no NaN, same length, similar level).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import soundfile

import engines.families.text_to_video_sd
from engines.families.musicgen import MusicParams
from engines.families.text_to_video_sd import VideoParams
from engines.registry import EngineRegistry
from engines.settings import Settings

FP32 = {"decoder": "float32", "text_encoder": "float32", "audio_encoder": "float32"}
BF16 = {"decoder": "bfloat16", "text_encoder": "bfloat16", "audio_encoder": "float32"}


@pytest.fixture(autouse=True, scope="module")
def _one_torch_thread() -> Iterator[None]:
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.mark.parametrize(("value", "expected"), [("0", False), ("off", False), ("1", True)])
def test_music_switch_is_read_from_the_environment(value: str, expected: bool) -> None:
    assert Settings.from_env({"STUDIO_MUSIC_CPU_BF16": value}).music_cpu_bf16 is expected
    assert Settings.from_env({}).music_cpu_bf16 is True


def test_bad_switch_values_are_refused_with_the_variable_named() -> None:
    with pytest.raises(ValueError, match="STUDIO_MUSIC_CPU_BF16 must be 1 or 0"):
        Settings.from_env({"STUDIO_MUSIC_CPU_BF16": "fast"})
    with pytest.raises(ValueError, match="STUDIO_VIDEO_CPU_BF16 must be auto, 1 or 0"):
        Settings.from_env({"STUDIO_VIDEO_CPU_BF16": "fast"})


@pytest.mark.slow  # loads and runs MusicGen twice
def test_music_bf16_on_cpu_by_default_off_by_switch_and_sound(
    tiny_settings: Settings, tmp_path: Path
) -> None:
    assert tiny_settings.music_cpu_bf16  # on unless switched off
    params = MusicParams("calm piano", duration=2.0, seed=5)
    tracks = {}
    for bf16 in (True, False):
        registry = EngineRegistry(replace(tiny_settings, music_cpu_bf16=bf16))
        model = registry.get("musicgen-small")._model  # type: ignore[attr-defined]
        parts = {
            name: str(getattr(model, name).dtype).removeprefix("torch.")
            for name in ("decoder", "text_encoder", "audio_encoder")
        }
        assert parts == (BF16 if bf16 else FP32)

        result = registry.generate(params, tmp_path / f"{bf16}.wav")

        assert result.dtypes == parts
        assert result.dtype == "float32"  # the device policy's dtype, as before
        tracks[bf16] = soundfile.read(tmp_path / f"{bf16}.wav", dtype="float32")[0]

    half, full = tracks[True], tracks[False]
    assert np.isfinite(half).all() and len(half) == len(full) == 64_000
    level_db = 20 * np.log10(np.sqrt(np.mean(half**2)) / np.sqrt(np.mean(full**2)))
    assert abs(level_db) < 3.0


@pytest.mark.parametrize(
    ("setting", "native", "unet"),
    [("auto", True, "bfloat16"), ("auto", False, "float32"), ("on", False, "bfloat16"),
     ("off", True, "float32")],
)  # fmt: skip
def test_video_unet_dtype_follows_the_switch_and_the_cpu(
    tiny_settings: Settings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    setting: str,
    native: bool,
    unet: str,
) -> None:
    monkeypatch.setattr(engines.families.text_to_video_sd, "cpu_has_native_bf16", lambda: native)
    registry = EngineRegistry(replace(tiny_settings, video_cpu_bf16=setting))
    params = VideoParams("a lighthouse", num_frames=2, steps=2, height=64, width=64, seed=3)

    result = registry.generate(params, tmp_path / "clip.mp4")

    assert result.dtypes == {"unet": unet, "text_encoder": unet, "vae": "float32"}
    assert result.frames == 2 and (tmp_path / "clip.mp4").stat().st_size > 0
