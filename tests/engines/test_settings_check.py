"""A file's settings are untrusted: each of the nine hostile kinds is refused by name, in one
message, and never raises (wrong types, out of range, huge numbers, deep nesting, unknown
fields, unknown model, a server path, an oversized tag, garbled JSON)."""

from __future__ import annotations

import json
import time

import pytest

from engines.errors import MediaError
from engines.media.settings_tag import MARK, MAX_READ_BYTES, settings_in
from engines.settings_check import check_settings

VIDEO = "modelscope-t2v-1.7b"
GOOD = {"prompt": "a heron at dawn", "steps": 3, "guidance_scale": 7.5, "num_frames": 5}


def checked(params: object, seed: object = 4, model: object = VIDEO, kind: str = "video"):
    settings = {"job_kind": kind, "model": model, "params": params, "seed": seed}
    if isinstance(params, dict) and "model" not in params:
        params["model"] = model
    return check_settings(settings, kind)


def tag(text: str) -> dict[str, str]:
    return {"comment": text}


def test_good_settings_pass_whole():
    result = checked(dict(GOOD))
    assert result.model == VIDEO and result.seed == 4 and not result.problems
    assert result.params == {**GOOD, "model": VIDEO}


def test_wrong_types_are_named_and_left_out():
    result = checked({**GOOD, "steps": "many", "guidance_scale": [1], "prompt": {"a": 1}})
    assert set(result.params) == {"model", "num_frames"}
    text = "; ".join(result.problems)
    assert "`steps` must be a whole number" in text
    assert "`guidance_scale` must be a number" in text and "`prompt` must be text" in text


def test_out_of_range_values_are_named_with_their_bounds():
    result = checked({**GOOD, "steps": 100000, "num_frames": 0}, seed=-1)
    assert "steps" not in result.params and "num_frames" not in result.params
    assert result.seed is None
    text = "; ".join(result.problems)
    assert "`steps` must be between" in text and "`num_frames`" in text and "`seed`" in text


def test_huge_numbers_are_refused_without_printing_them():
    result = checked({**GOOD, "steps": 10**4000, "guidance_scale": 10**400}, seed=10**4000)
    text = "; ".join(result.problems)
    assert "far too large" in text and len(text) < 1000
    assert "steps" not in result.params and result.seed is None


def test_an_integer_in_a_float_field_is_held_as_a_float():
    result = checked({**GOOD, "guidance_scale": 7})
    assert result.params["guidance_scale"] == 7.0 and type(result.params["guidance_scale"]) is float


def test_deep_nesting_reads_as_no_settings_and_a_nested_value_is_named():
    deep = '{"' + MARK + '": ' + "[" * 30_000 + "]" * 30_000 + "}"
    assert settings_in(tag(deep)) is None
    result = checked({**GOOD, "steps": [[[[1]]]]})
    assert "steps" not in result.params
    assert any("a nested list" in p or "`steps`" in p for p in result.problems)


def test_unknown_fields_are_named_in_one_message():
    result = checked({**GOOD, "lora": "x", "__class__": 1})
    assert result.params == {**GOOD, "model": VIDEO}
    assert result.problems == [
        f"'lora' is not a setting of {VIDEO}",
        f"'__class__' is not a setting of {VIDEO}",
    ]


@pytest.mark.parametrize("model", ["no-such-model", 42, None, "musicgen-small"])
def test_an_unknown_or_wrong_model_fills_nothing(model: object):
    result = checked(dict(GOOD), model=model)
    assert result.model is None and result.params == {}
    assert "is not one this studio has for this form" in result.problems[0]


def test_a_server_path_is_never_a_file_input():
    for path in ["/etc/passwd", "../../data/ben/x.wav", "C:\\secret.wav", "hum.wav"]:
        result = checked({"description": "a harp", "melody_path": path}, model="musicgen-melody",
                         kind="music")  # fmt: skip
        assert "melody_path" not in result.params
        assert "`melody_path` must name a file of your library by its id" in result.problems[0]
    asset_id = "0f" * 16
    result = checked({"description": "a harp", "melody_path": asset_id},
                     model="musicgen-melody", kind="music")  # fmt: skip
    assert result.params["melody_path"] == asset_id and not result.problems


def test_an_oversized_tag_is_refused_by_its_size_at_once():
    text = json.dumps({MARK: {"params": {"prompt": "x" * 2_000_000}}})
    started = time.perf_counter()
    with pytest.raises(MediaError, match="at most 64 KB"):
        settings_in(tag(text))
    assert time.perf_counter() - started < 1.0
    assert settings_in(tag(json.dumps({MARK: {"seed": 1}}) + " " * 10)) == {"seed": 1}
    assert MAX_READ_BYTES == 64 * 1024


@pytest.mark.parametrize(
    "text", ["{not json", "\x00\xff garbled", '{"studio_settings": 3}', "[1, 2]", "1e999999"]
)
def test_garbled_tags_read_as_no_settings(text: str):
    assert settings_in(tag(text)) is None


def test_params_that_are_not_an_object_are_named():
    result = check_settings({"job_kind": "video", "model": VIDEO, "params": "x" * 5000}, "video")
    assert result.params == {"model": VIDEO}
    assert result.problems[0].startswith("`params` must be an object, but is 'xxx")
    assert len(result.problems[0]) < 100
