from __future__ import annotations

from pathlib import Path

import pytest

from engines.settings import DEFAULT_MUSIC_MODEL, DEFAULT_VIDEO_MODEL, Settings


def test_defaults_without_environment():
    settings = Settings.from_env({})
    assert settings.data_dir == Path("data")
    assert settings.video_model == DEFAULT_VIDEO_MODEL == "ali-vilab/text-to-video-ms-1.7b"
    assert settings.music_model == DEFAULT_MUSIC_MODEL == "facebook/musicgen-small"
    assert settings.melody_model == "facebook/musicgen-melody"
    assert (settings.tiny, settings.device, settings.park_ram_gb) == (False, "auto", 0.0)


def test_every_variable_is_read():
    settings = Settings.from_env(
        {
            "STUDIO_DATA_DIR": "/srv/studio",
            "STUDIO_VIDEO_MODEL": "/models/t2v",
            "STUDIO_MUSIC_MODEL": "facebook/musicgen-medium",
            "STUDIO_MELODY_MODEL": "/models/melody",
            "STUDIO_MODELS": "tiny",
            "STUDIO_DEVICE": "cpu",
            "STUDIO_PARK_RAM_GB": "6",
        }
    )
    assert settings.data_dir == Path("/srv/studio")
    assert settings.music_model == "facebook/musicgen-medium"
    assert settings.tiny and settings.device == "cpu" and settings.park_ram_gb == 6.0
    # Tiny mode points every engine at the built checkpoints, whatever the model settings.
    assert settings.model_for("video") == "/srv/studio/tiny-models/video"
    assert settings.model_for("melody") == "/srv/studio/tiny-models/melody"


@pytest.mark.parametrize(
    ("name", "value", "fragment"),
    [
        ("STUDIO_DEVICE", "tpu", "STUDIO_DEVICE must be one of"),
        ("STUDIO_MODELS", "small", "STUDIO_MODELS must be 'tiny'"),
        ("STUDIO_PARK_RAM_GB", "lots", "STUDIO_PARK_RAM_GB must be a number"),
    ],
)
def test_bad_values_are_refused_with_the_variable_named(name: str, value: str, fragment: str):
    with pytest.raises(ValueError, match=fragment):
        Settings.from_env({name: value})
