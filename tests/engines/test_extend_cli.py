"""``python -m engines video --image`` and ``python -m engines extend``: a picture becomes
a clip, the clip is extended twice into one clip whose first part is the source."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from engines.media.frames import clip_shape, decode_frames
from engines.media.probe import probe_media
from engines.media.settings_tag import settings_in
from tests.cli_runner import run_engines_cli
from tests.image_factory import BAD_IMAGES, png_bytes

MODEL = "wan2.2-ti2v-5b"
SIDES = ["--steps", "2", "--fps", "8"]
# Per family: its smallest clip, and the seconds that add its frame step (4k+1, 8k+1) at 8 fps.
FAMILIES = {
    "wan2.2-ti2v-5b": (["--frames", "5", "--height", "32", "--width", "64", *SIDES], 0.5, 4),
    "ltx-video-2b": (["--frames", "9", "--height", "64", "--width", "96", *SIDES], 1.0, 8),
}


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = float(np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2))
    return float("inf") if mse == 0 else 10 * np.log10(255.0**2 / mse)


@pytest.mark.slow  # CLI processes that load torch and a model
@pytest.mark.parametrize("model", FAMILIES)
def test_a_picture_becomes_a_clip_and_extend_twice_makes_one_longer_clip(
    tmp_path: Path, tiny_models_dir: Path, model: str
):
    small, seconds, step = FAMILIES[model]
    picture = tmp_path / "kite.png"
    picture.write_bytes(png_bytes((96, 48)))
    clip = tmp_path / "clip.mp4"
    done = run_engines_cli(
        ["video", "--model", model, "--image", str(picture), "--prompt", "a kite", *small,
         "--seed", "3", "--out", str(clip)],
        tmp_path / "data", tiny_models_dir,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    first = len(decode_frames(clip, clip_shape(clip)))
    assert first == 1 + step
    clips = [clip]
    for n in (1, 2):
        out = tmp_path / f"longer-{n}.mp4"
        done = run_engines_cli(
            ["extend", "--video", str(clips[-1]), "--prompt", "the kite climbs",
             "--seconds", str(seconds), "--steps", "2", "--seed", str(n), "--model", model,
             "--out", str(out)],
            tmp_path / "data", tiny_models_dir,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        result = json.loads(done.stdout.strip().splitlines()[-1])
        assert result["model_name"] == model and result["path"] == str(out)
        assert (result["source_frames"], result["added_frames"]) == (1 + step * n, step)
        clips.append(out)
    frames = [decode_frames(p, clip_shape(p)) for p in clips]
    assert [len(f) for f in frames] == [first, first + step, first + 2 * step]
    assert psnr(frames[2][:first], frames[0]) >= 40.0
    settings = settings_in(probe_media(clips[2]).tags)
    assert settings is not None and settings["job_kind"] == "extend"
    assert settings["params"]["extend_from"] == "longer-1.mp4"  # a name, never a folder


def test_a_bad_picture_or_clip_exits_2_with_the_reason(tmp_path: Path, tiny_models_dir: Path):
    for name, (data, says) in BAD_IMAGES.items():
        bad = tmp_path / name
        bad.write_bytes(data)
        done = run_engines_cli(
            ["video", "--model", MODEL, "--image", str(bad), "--prompt", "x",
             "--out", str(tmp_path / "x.mp4")],
            tmp_path / "data", tiny_models_dir,
        )  # fmt: skip
        assert done.returncode == 2, done.stderr
        assert says in done.stderr and "Traceback" not in done.stderr, done.stderr
    not_a_clip = tmp_path / "notes.mp4"
    not_a_clip.write_text("just words")
    done = run_engines_cli(
        ["extend", "--video", str(not_a_clip), "--prompt", "x", "--seconds", "1",
         "--out", str(tmp_path / "y.mp4")],
        tmp_path / "data", tiny_models_dir,
    )  # fmt: skip
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
    done = run_engines_cli(
        ["extend", "--video", str(not_a_clip), "--prompt", "x", "--seconds", "1",
         "--model", "modelscope-t2v-1.7b", "--out", str(tmp_path / "y.mp4")],
        tmp_path / "data", tiny_models_dir,
    )  # fmt: skip
    assert done.returncode == 2 and "cannot extend a clip" in done.stderr, done.stderr
    assert not (tmp_path / "x.mp4").exists() and not (tmp_path / "y.mp4").exists()
