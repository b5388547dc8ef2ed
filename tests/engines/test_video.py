"""The text-to-video engine on a tiny random-weight checkpoint, on CPU."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from engines.errors import GenerationCancelled, ParamError
from engines.families.text_to_video_sd import VideoParams
from engines.progress import RunContext
from engines.registry import EngineRegistry
from engines.settings import Settings
from tests.mp4_probe import decode_frames, probe_mp4


def small(**overrides: object) -> VideoParams:
    values: dict[str, object] = dict(
        prompt="a red fox running through snow", num_frames=8, steps=2, height=64, width=64
    )
    values.update(overrides)
    return VideoParams(**values)  # type: ignore[arg-type]


@pytest.fixture
def registry(tiny_settings: Settings) -> EngineRegistry:
    return EngineRegistry(tiny_settings)


def test_writes_browser_ready_mp4_with_requested_shape(registry: EngineRegistry, tmp_path: Path):
    out = tmp_path / "clip.mp4"
    result = registry.generate(small(num_frames=12, width=96, fps=6, seed=1), out)

    facts = probe_mp4(out)
    assert (facts.codec, facts.pix_fmt) == ("h264", "yuv420p")
    assert (facts.frames, facts.width, facts.height, facts.fps) == (12, 96, 64, 6.0)
    assert facts.moov_before_mdat
    assert result.path == str(out) and result.frames == 12 and result.duration_s == 2.0


def test_result_records_seed_params_model_device_and_timings(
    registry: EngineRegistry, tmp_path: Path
):
    result = registry.generate(small(seed=None, guidance_scale=7.5), tmp_path / "a.mp4")

    assert 0 <= result.seed < 2**32
    assert result.params["guidance_scale"] == 7.5 and result.params["seed"] is None
    assert result.tiny and result.model.endswith("modelscope-t2v-1.7b")
    assert result.model_name == result.params["model"] == "modelscope-t2v-1.7b"
    assert (result.device, result.dtype) == ("cpu", "float32")
    assert set(result.timings) == {"encode", "denoise", "decode", "write"}
    assert "vae_slicing" in result.memory_savers
    # The drawn seed reproduces the clip.
    again = registry.generate(small(seed=result.seed, guidance_scale=7.5), tmp_path / "b")
    assert np.array_equal(decode_frames(Path(result.path)), decode_frames(Path(again.path)))


def test_same_seed_same_frames_other_seed_other_frames(registry: EngineRegistry, tmp_path: Path):
    paths = [tmp_path / f"{name}.mp4" for name in ("a", "b", "c")]
    for path, seed in zip(paths, (7, 7, 8), strict=True):
        registry.generate(small(seed=seed), path)

    first, same, other = (decode_frames(p) for p in paths)
    assert np.array_equal(first, same)
    assert not np.array_equal(first, other)


def test_progress_is_reported_once_per_step(registry: EngineRegistry, tmp_path: Path):
    calls: list[tuple[int, int]] = []
    registry.generate(small(steps=4), tmp_path / "p.mp4", RunContext(lambda *a: calls.append(a)))
    assert calls == [(1, 4), (2, 4), (3, 4), (4, 4)]


def test_cancel_stops_at_the_next_step_and_leaves_no_file(registry: EngineRegistry, tmp_path: Path):
    calls: list[int] = []
    out = tmp_path / "out" / "cancelled.mp4"
    with pytest.raises(GenerationCancelled) as info:
        registry.generate(
            small(steps=6),
            out,
            RunContext(
                on_progress=lambda step, total: calls.append(step),
                should_cancel=lambda: len(calls) >= 2,
            ),
        )
    assert calls == [1, 2] and info.value.step == 2
    assert not out.parent.exists() or list(out.parent.iterdir()) == []


def test_cancel_before_start_runs_no_step(registry: EngineRegistry, tmp_path: Path):
    calls: list[int] = []
    with pytest.raises(GenerationCancelled):
        registry.generate(
            small(),
            tmp_path / "x.mp4",
            RunContext(on_progress=lambda s, t: calls.append(s), should_cancel=lambda: True),
        )
    assert calls == []


def test_long_prompt_is_truncated_and_the_result_says_so(registry: EngineRegistry, tmp_path: Path):
    prompt = " ".join(["a cat"] * 60)
    result = registry.generate(small(prompt=prompt), tmp_path / "long.mp4")
    assert result.prompt_truncated and result.prompt_tokens > result.prompt_token_limit == 77
    assert any("first 77" in w for w in result.warnings)


def test_non_latin_prompt_gets_an_english_warning(registry: EngineRegistry, tmp_path: Path):
    result = registry.generate(small(prompt="一只猫在月亮上跳舞"), tmp_path / "zh.mp4")
    assert any("English" in w for w in result.warnings)
    assert not registry.generate(small(), tmp_path / "en.mp4").warnings


@pytest.mark.parametrize(
    ("overrides", "fragment"),
    [
        ({"prompt": ""}, "`prompt` is empty"),
        ({"prompt": "   \n"}, "`prompt` is empty"),
        ({"prompt": "x" * 5000}, "at most 2000"),
        ({"prompt": "cat\x00dog"}, "control characters"),
        ({"num_frames": 0}, "`num_frames` must be between 1 and 64"),
        ({"num_frames": 65}, "`num_frames` must be between 1 and 64"),
        ({"steps": 0}, "`steps` must be between 1 and 100"),
        ({"steps": 2.5}, "`steps` must be a whole number"),
        ({"guidance_scale": 0.5}, "`guidance_scale` must be between 1 and 30"),
        ({"guidance_scale": float("nan")}, "`guidance_scale`"),
        ({"height": 250}, "`height` has to be a multiple of 8 but is 250; try 248 or 256"),
        ({"width": 2048}, "`width` must be between 64 and 1024"),
        ({"fps": 0}, "`fps` must be between 1 and 60"),
        ({"seed": -1}, "`seed` must be between 0 and 4294967295"),
        ({"seed": True}, "`seed` must be a whole number"),
    ],
)
def test_bad_params_are_refused_with_a_message(overrides: dict[str, object], fragment: str):
    with pytest.raises(ParamError, match=None) as info:
        small(**overrides)
    assert fragment in str(info.value)
