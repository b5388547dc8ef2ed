"""The tiny MusicGen checkpoints: hub layout, real shapes, deterministic, loadable."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from engines.tiny import ensure_tiny_checkpoint, is_tiny_checkpoint
from engines.tiny.music import build_tiny_melody, build_tiny_music, build_tiny_stereo

HUB_FILES = {
    "config.json",
    "generation_config.json",
    "model.safetensors",
    "preprocessor_config.json",
    "tokenizer.json",
    "tokenizer_config.json",
}
BUILDERS = {
    "musicgen-small": build_tiny_music,
    "musicgen-melody": build_tiny_melody,
    "musicgen-stereo-small": build_tiny_stereo,
}


@pytest.mark.parametrize("kind", list(BUILDERS))
def test_build_is_deterministic_small_and_in_hub_layout(tmp_path: Path, kind: str) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    BUILDERS[kind](first)
    BUILDERS[kind](second)

    assert {p.name for p in first.iterdir()} == HUB_FILES
    for name in HUB_FILES:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name
    assert sum(p.stat().st_size for p in first.iterdir()) < 5 * 1024**2


@pytest.mark.parametrize("kind", list(BUILDERS))
def test_loads_through_from_pretrained_with_real_audio_shape(
    tiny_models_dir: Path, kind: str
) -> None:
    from transformers import (
        AutoTokenizer,
        MusicgenForConditionalGeneration,
        MusicgenMelodyForConditionalGeneration,
    )

    folder = ensure_tiny_checkpoint(kind, tiny_models_dir)
    assert is_tiny_checkpoint(folder)
    model_class: Any = {
        "musicgen-small": MusicgenForConditionalGeneration,
        "musicgen-stereo-small": MusicgenForConditionalGeneration,
        "musicgen-melody": MusicgenMelodyForConditionalGeneration,
    }[kind]
    model = model_class.from_pretrained(folder)
    tokenizer = AutoTokenizer.from_pretrained(folder)

    codec = model.config.audio_encoder
    assert (codec.sampling_rate, codec.frame_rate, codec.codebook_size) == (32000, 50, 2048)
    channels = model.decoder.config.audio_channels
    assert channels == (2 if kind == "musicgen-stereo-small" else 1)
    assert codec.num_quantizers * channels == model.decoder.config.num_codebooks == 4 * channels
    generation = model.generation_config
    assert generation.do_sample and generation.guidance_scale == 3.0
    assert generation.decoder_start_token_id == generation.pad_token_id == 2048
    ids = tokenizer("calm piano with soft drums").input_ids
    assert ids[-1] == tokenizer.eos_token_id and tokenizer.unk_token_id not in ids


def test_melody_preprocessor_config_has_the_feature_extractor_values(
    tiny_models_dir: Path,
) -> None:
    folder = ensure_tiny_checkpoint("musicgen-melody", tiny_models_dir)
    config = json.loads((folder / "preprocessor_config.json").read_text())
    assert config["feature_extractor_type"] == "MusicgenMelodyFeatureExtractor"
    assert (config["n_fft"], config["hop_length"], config["num_chroma"]) == (16384, 4096, 12)
    assert (config["sampling_rate"], config["chunk_length"]) == (32000, 30)
    assert json.loads((folder / "config.json").read_text())["chroma_length"] == 235
