"""The catalog: stable names, what each entry declares, and placing folders in families."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from engines.catalog import CATALOG, FAMILIES, UnknownModelError, detect_family, get, resolve
from engines.families.text_to_video_sd import VideoParams
from engines.families.wan import WanParams
from engines.params import spec_of


def test_the_catalog_names_are_the_interface():
    assert list(CATALOG) == [
        "modelscope-t2v-1.7b",
        "zeroscope-v2-576w",
        "wan2.1-t2v-1.3b",
        "ltx-video-2b",
        "wan2.2-ti2v-5b",
        "musicgen-small",
        "musicgen-medium",
        "musicgen-large",
        "musicgen-melody",
        "musicgen-stereo-small",
        "stable-audio-open-1.0",
        "acestep-v1.5-turbo",
    ]
    for entry in CATALOG.values():
        assert entry.hub_id and entry.licence and entry.vram_gb > 0 and entry.description
        assert callable(entry.tiny)  # STUDIO_MODELS=tiny can build every one
    assert CATALOG["wan2.1-t2v-1.3b"].licence == "Apache-2.0"
    wan22 = CATALOG["wan2.2-ti2v-5b"]
    assert (wan22.hub_id, wan22.licence, wan22.inputs) == (
        "Wan-AI/Wan2.2-TI2V-5B-Diffusers", "Apache-2.0", ("image",)
    )  # fmt: skip
    assert CATALOG["musicgen-stereo-small"].channels == 2
    assert CATALOG["musicgen-melody"].inputs == ("melody_path",)
    ltx = CATALOG["ltx-video-2b"]
    assert (ltx.hub_id, ltx.inputs) == ("Lightricks/LTX-Video-0.9.5", ("image", "last_image"))
    assert ltx.licence.startswith("OpenRAIL-M")
    stable = CATALOG["stable-audio-open-1.0"]
    assert (stable.hub_id, stable.sample_rate, stable.channels) == (
        "stabilityai/stable-audio-open-1.0", 44_100, 2
    )  # fmt: skip
    assert stable.licence.startswith("Stability AI Community License")
    ace = CATALOG["acestep-v1.5-turbo"]
    assert (ace.hub_id, ace.licence, ace.sample_rate, ace.channels) == (
        "ACE-Step/acestep-v15-xl-turbo-diffusers", "MIT (ACE-Step 1.5 release)", 48_000, 2
    )  # fmt: skip


def test_presets_share_one_params_class_with_their_own_defaults():
    modelscope, zeroscope = CATALOG["modelscope-t2v-1.7b"], CATALOG["zeroscope-v2-576w"]
    assert modelscope.params_class() is zeroscope.params_class() is VideoParams
    assert (zeroscope.default_of("width"), zeroscope.default_of("height")) == (576, 320)
    assert zeroscope.params(prompt="a boat").width == 576
    wan = CATALOG["wan2.1-t2v-1.3b"].params(prompt="a boat")
    assert isinstance(wan, WanParams) and (wan.height, wan.width, wan.num_frames, wan.fps) == (
        480,
        832,
        81,
        16,
    )
    frames = spec_of(WanParams, "num_frames")
    assert frames.allowed_values()[:4] == [1, 5, 9, 13] and "4k+1" in frames.help


def test_names_and_hub_ids_resolve_and_unknown_names_list_the_valid_ones():
    assert resolve("Wan-AI/Wan2.1-T2V-1.3B-Diffusers", "video").name == "wan2.1-t2v-1.3b"
    assert resolve("musicgen-large", "audio").hub_id == "facebook/musicgen-large"
    with pytest.raises(UnknownModelError, match=r"valid models: modelscope-t2v-1\.7b, zeroscope"):
        get("sora", "video")
    with pytest.raises(UnknownModelError, match=r"Unknown model 'wan2\.1-t2v-1\.3b'"):
        get("wan2.1-t2v-1.3b", "audio")


def test_a_folder_is_placed_by_its_class_name_or_architectures(tmp_path: Path):
    wan = tmp_path / "my-wan"
    wan.mkdir()
    (wan / "model_index.json").write_text(json.dumps({"_class_name": "WanPipeline"}))
    assert detect_family(wan) == (FAMILIES["wan"], (), 1)
    entry = resolve(str(wan), "video")
    assert (entry.name, entry.family.name, entry.load_from) == (str(wan), "wan", str(wan))
    assert entry.tiny_name == "wan2.1-t2v-1.3b"  # tiny mode loads the family's tiny model

    # Wan 2.2 TI2V is a WanPipeline too: its index's expand_timesteps tells them apart.
    ti2v = tmp_path / "my-ti2v"
    ti2v.mkdir()
    index = {"_class_name": "WanPipeline", "expand_timesteps": True}
    (ti2v / "model_index.json").write_text(json.dumps(index))
    assert detect_family(ti2v) == (FAMILIES["wan2.2"], ("image",), 1)
    assert resolve(str(ti2v), "video").tiny_name == "wan2.2-ti2v-5b"

    stereo = tmp_path / "stereo"
    stereo.mkdir()
    config = {
        "architectures": ["MusicgenForConditionalGeneration"],
        "decoder": {"audio_channels": 2},
    }
    (stereo / "config.json").write_text(json.dumps(config))
    assert detect_family(stereo) == (FAMILIES["musicgen"], (), 2)
    with pytest.raises(UnknownModelError, match="holds a model that makes audio, not video"):
        resolve(str(stereo), "video")

    odd = tmp_path / "odd"
    odd.mkdir()
    (odd / "model_index.json").write_text(json.dumps({"_class_name": "FluxPipeline"}))
    with pytest.raises(UnknownModelError, match=r"FluxPipeline.*the studio runs: TextToVideoSD"):
        resolve(str(odd), "video")
