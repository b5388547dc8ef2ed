"""Image to video and continuing a clip, on every family that declares a first-frame
``image`` (their tiny checkpoints, real MP4s): through the CLI as a user runs it, and
through ModelEngine.generate_continuation as engines/extend.py calls it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from engines.catalog import CATALOG, ModelEntry
from engines.errors import ParamError
from engines.registry import EngineRegistry
from engines.settings import Settings
from tests.cli_runner import run_engines_cli
from tests.mp4_probe import decode_frames, probe_mp4

EXTENDING = [name for name, entry in CATALOG.items() if entry.family.extends]


@pytest.fixture(params=EXTENDING, scope="module")
def entry(request: pytest.FixtureRequest) -> ModelEntry:
    return CATALOG[request.param]


@pytest.fixture(scope="module")
def registry(
    tmp_path_factory: pytest.TempPathFactory, tiny_models_dir: Path
) -> Iterator[EngineRegistry]:
    data_dir = tmp_path_factory.mktemp("i2v-data")
    (data_dir / "tiny-models").symlink_to(tiny_models_dir, target_is_directory=True)
    registry = EngineRegistry(Settings(data_dir=data_dir, tiny=True, device="cpu"))
    yield registry
    registry.unload_all()


def _picture(path: Path, colour: tuple[int, int, int], size: tuple[int, int] = (150, 60)) -> Path:
    Image.new("RGB", size, colour).save(path)
    return path


def _smoke_flags(entry: ModelEntry) -> list[str]:
    smoke = entry.family.smoke
    return [
        "--frames", str(smoke["num_frames"]), "--steps", str(smoke["steps"]),
        "--height", str(smoke["height"]), "--width", str(smoke["width"]),
        "--fps", str(smoke["fps"]),
    ]  # fmt: skip


def test_the_new_video_families_take_a_first_frame():
    assert {"ltx-video-2b", "wan2.2-ti2v-5b"} <= set(EXTENDING)
    assert not CATALOG["wan2.1-t2v-1.3b"].family.extends


@pytest.mark.slow  # two CLI processes that load torch and a model
@pytest.mark.parametrize("with_image", [False, True], ids=["text", "image"])
def test_the_cli_makes_a_clip_from_text_or_from_a_picture(
    entry: ModelEntry, with_image: bool, tmp_path: Path, tiny_models_dir: Path
):
    out = tmp_path / "clip.mp4"
    image = ["--image", str(_picture(tmp_path / "start.png", (230, 40, 30)))]
    done = run_engines_cli(
        ["video", "--model", entry.name, "--prompt", "a red kite", "--seed", "4",
         *_smoke_flags(entry), *(image if with_image else []), "--out", str(out)],
        tmp_path / "data",
        tiny_models_dir,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["model_name"] == entry.name and result["path"] == str(out)
    smoke = entry.family.smoke
    facts = probe_mp4(out)
    assert (facts.codec, facts.pix_fmt) == ("h264", "yuv420p")
    assert (facts.frames, facts.width, facts.height, facts.fps) == (
        smoke["num_frames"],
        smoke["width"],
        smoke["height"],
        float(smoke["fps"]),
    )


def test_the_picture_steers_the_clip(entry: ModelEntry, registry: EngineRegistry, tmp_path: Path):
    """Same seed and prompt: the clip opens on its picture, pixel for pixel (within the
    codec), and another picture, or none, makes other frames after it."""
    red = _picture(tmp_path / "red.png", (230, 40, 30))
    blue = _picture(tmp_path / "blue.png", (30, 40, 230))
    clips = {}
    for name, image in (("red", red), ("blue", blue), ("none", None)):
        params = entry.params(
            prompt="a kite", image=image and str(image), seed=1, **entry.family.smoke
        )
        registry.generate(params, tmp_path / f"{name}.mp4")
        clips[name] = decode_frames(tmp_path / f"{name}.mp4").astype(int)
        assert len(clips[name]) == entry.family.smoke["num_frames"]
    assert np.abs(clips["red"][0] - (230, 40, 30)).mean() < 4.0
    assert np.abs(clips["blue"][0] - (30, 40, 230)).mean() < 4.0
    assert np.abs(clips["red"][1:] - clips["blue"][1:]).mean() > 1.0  # the model's frames
    assert np.abs(clips["red"][1:] - clips["none"][1:]).mean() > 1.0


def test_a_continuation_has_its_params_shape_and_starts_from_the_last_frame(
    entry: ModelEntry, registry: EngineRegistry, tmp_path: Path
):
    smoke = entry.family.smoke
    engine = registry.get(entry.name)
    params = entry.params(prompt="a kite", seed=3, **smoke)
    frames = np.zeros((9, 48, 80, 3), np.uint8)  # another size: fitted to the params'
    ends = {}
    for name, colour in (("red", (230, 40, 30)), ("blue", (30, 40, 230))):
        frames[-1] = colour
        out = tmp_path / f"{name}.mp4"
        result = engine.generate_continuation(params, frames, out)
        facts = probe_mp4(out)
        assert (facts.frames, facts.width, facts.height) == (
            smoke["num_frames"], smoke["width"], smoke["height"],
        )  # fmt: skip
        assert result.frames == smoke["num_frames"]
        ends[name] = decode_frames(out).astype(int)
    assert np.abs(ends["red"] - ends["blue"]).mean() > 1.0  # the last frame steers it


def test_a_family_without_a_first_frame_cannot_extend_and_says_which_can(
    registry: EngineRegistry, tmp_path: Path
):
    entry = CATALOG["wan2.1-t2v-1.3b"]
    engine = registry.get(entry.name)
    params = entry.params(prompt="a kite", **entry.family.smoke)
    frames = np.zeros((5, 32, 64, 3), np.uint8)
    with pytest.raises(ParamError, match=r"wan2\.1-t2v-1\.3b cannot extend a clip") as caught:
        engine.generate_continuation(params, frames, tmp_path / "x.mp4")
    assert "wan2.2-ti2v-5b" in str(caught.value)
    assert not (tmp_path / "x.mp4").exists()


def test_ltx_takes_a_first_and_a_last_keyframe(registry: EngineRegistry, tmp_path: Path):
    entry = CATALOG["ltx-video-2b"]
    red = _picture(tmp_path / "red.png", (230, 40, 30))
    blue = _picture(tmp_path / "blue.png", (30, 40, 230))
    clips = {}
    for name, last in (("first", None), ("both", blue)):
        params = entry.params(
            prompt="a kite", image=str(red), last_image=last and str(last), seed=5,
            **entry.family.smoke,
        )  # fmt: skip
        result = registry.generate(params, tmp_path / f"{name}.mp4")
        assert result.frames == entry.family.smoke["num_frames"]
        clips[name] = decode_frames(tmp_path / f"{name}.mp4").astype(int)
    assert clips["both"].shape == clips["first"].shape
    assert np.abs(clips["both"] - clips["first"]).mean() > 1.0  # the last keyframe counts
