from __future__ import annotations

from pathlib import Path

import pytest

from engines.settings import DEFAULT_MUSIC_MODEL, DEFAULT_VIDEO_MODEL, Settings


def test_defaults_without_environment():
    settings = Settings.from_env({})
    assert settings.data_dir == Path("data")
    assert settings.video_model == DEFAULT_VIDEO_MODEL == "modelscope-t2v-1.7b"
    assert settings.music_model == DEFAULT_MUSIC_MODEL == "musicgen-small"
    assert settings.melody_model == "musicgen-melody"
    assert settings.default_model("video").hub_id == "ali-vilab/text-to-video-ms-1.7b"
    assert settings.default_model("audio").hub_id == "facebook/musicgen-small"
    assert (
        settings.default_model("audio", given=["melody_path"]).hub_id == "facebook/musicgen-melody"
    )
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
    # A folder or hub id outside the catalog becomes the default, named by itself.
    assert settings.default_model("video").name == "/models/t2v"
    assert settings.default_model("audio").name == "musicgen-medium"  # a catalog hub id
    assert settings.default_model("audio", given=["melody_path"]).name == "/models/melody"
    # Tiny mode loads the family's tiny checkpoint, whatever folder the settings name.
    assert settings.default_model("video").tiny_name == "modelscope-t2v-1.7b"


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


def test_models_enabled_takes_catalog_names_and_names_the_valid_ones():
    settings = Settings.from_env(
        {"STUDIO_MODELS_ENABLED": "wan2.1-t2v-1.3b, musicgen-stereo-small"}
    )
    assert [e.name for e in settings.enabled_models("video")] == [
        "modelscope-t2v-1.7b",  # the default is always offered
        "wan2.1-t2v-1.3b",
    ]
    assert [e.name for e in settings.enabled_models("audio")] == [
        "musicgen-small",
        "musicgen-stereo-small",
    ]
    with pytest.raises(ValueError, match=r"unknown model.*wan3.*valid: modelscope-t2v-1\.7b"):
        Settings.from_env({"STUDIO_MODELS_ENABLED": "wan3"})
    wan_default = Settings.from_env({"STUDIO_VIDEO_MODEL": "wan2.1-t2v-1.3b"})
    assert wan_default.default_model("video").family.name == "wan"
