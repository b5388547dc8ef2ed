"""Missing weights produce an error that says what, where, and how to get them."""

from __future__ import annotations

from pathlib import Path

import pytest

from engines.errors import ModelUnavailableError
from engines.families.text_to_video_sd import VideoParams
from engines.registry import EngineRegistry
from engines.settings import Settings


def _generate_with(settings: Settings, tmp_path: Path) -> None:
    # No model named: the settings' default (STUDIO_VIDEO_MODEL) is loaded.
    EngineRegistry(settings).generate(VideoParams("a cat"), tmp_path / "x.mp4")


def test_missing_hub_model_names_model_cache_command_and_tiny(tmp_path: Path):
    settings = Settings(data_dir=tmp_path, video_model="nobody/no-such-model", device="cpu")
    with pytest.raises(ModelUnavailableError) as info:
        _generate_with(settings, tmp_path)
    message = str(info.value)
    assert "'nobody/no-such-model'" in message
    assert "Hugging Face cache" in message
    assert "huggingface-cli download nobody/no-such-model" in message
    assert "STUDIO_MODELS=tiny" in message


def test_missing_local_folder_names_the_folder(tmp_path: Path):
    folder = tmp_path / "weights" / "t2v"
    settings = Settings(data_dir=tmp_path, video_model=str(folder), device="cpu")
    with pytest.raises(ModelUnavailableError) as info:
        _generate_with(settings, tmp_path)
    assert f"the folder {folder}" in str(info.value)
    assert "STUDIO_MODELS=tiny" in str(info.value)
