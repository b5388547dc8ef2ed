"""Stable Audio Open on its tiny checkpoint: a 20 s ambience, 44.1 kHz stereo."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile

from engines.catalog import CATALOG
from engines.errors import ParamError
from engines.families.stable_audio import StableAudioParams, _decode
from engines.registry import EngineRegistry
from engines.settings import Settings


@pytest.mark.slow  # a 20 s ambience on CPU
def test_a_20_s_ambience_is_44_1_khz_stereo_of_that_length(
    tiny_settings: Settings, tmp_path: Path
) -> None:
    entry = CATALOG["stable-audio-open-1.0"]
    params = entry.params(description="rain on a tin roof", duration=20.0, steps=2, seed=4)
    out = tmp_path / "rain.wav"

    result = EngineRegistry(tiny_settings).generate(params, out)

    info = soundfile.info(out)
    assert (info.samplerate, info.channels, info.frames) == (44_100, 2, 20 * 44_100)
    assert (result.sample_rate, result.channels, result.duration_s) == (44_100, 2, 20.0)
    assert params.negative_prompt == "Low quality." and StableAudioParams("x").steps == 100


@pytest.mark.slow  # decodes a whole 47 s window
def test_decoding_only_the_asked_part_gives_the_samples_of_the_whole_window(
    tiny_settings: Settings,
) -> None:
    import torch

    pipe = EngineRegistry(tiny_settings).get("stable-audio-open-1.0")._model
    latents = torch.randn(1, 4, 1024, generator=torch.Generator().manual_seed(0))
    length = round(3.3 * 44_100)
    with torch.inference_mode():
        whole = pipe.vae.decode(latents).sample[0, :, :length].numpy()
        part = _decode(pipe, latents, length)
    assert part.shape == (2, length)
    np.testing.assert_allclose(part, whole, atol=1e-5)


@pytest.mark.parametrize(("name", "value"), [("duration", 47.5), ("steps", 201), ("steps", 0)])
def test_bounds(name: str, value: float) -> None:
    with pytest.raises(ParamError, match=f"`{name}`"):
        StableAudioParams("rain", **{name: value})
