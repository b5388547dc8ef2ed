"""Property tests for every params validator: any in-range value builds (and survives the
JSON round trip a job makes); any one bad field raises ParamError naming that field.

Each params class is described once as ``{field: (good values, bad values)}``; the model
families' are drawn from the bounds their fields declare (engines.params), so a new
model's params are covered by adding it to the catalog.
"""

from __future__ import annotations

import dataclasses
import json
import math
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engines.catalog import CATALOG
from engines.combine import FIT_MODES, MAX_FADE_S, MAX_OFFSET_S, ORIGINAL_SOUND_MODES, CombineParams
from engines.errors import ParamError
from engines.families.ltx import LTXParams
from engines.families.musicgen import MusicParams
from engines.families.text_to_video_sd import VideoParams
from engines.families.wan import WanParams
from engines.families.wan22 import Wan22Params
from engines.params import ParamSpec, specs
from engines.validation import MAX_PROMPT_CHARS
from jobs.kinds import KINDS
from jobs.kinds.combine import CombineJobParams
from jobs.kinds.score import ScoreJobParams

EXAMPLES = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True
)

# -- building blocks ------------------------------------------------------------------

CONTROL = [chr(c) for c in (*range(0, 9), 11, 12, *range(14, 32), 127)]
good_text_chars = st.characters(codec="utf-8", exclude_characters=CONTROL)  # no surrogates
NOT_NUMBERS = st.one_of(st.none(), st.booleans(), st.text(max_size=5), st.lists(st.integers()))


def ints(low: int, high: int) -> tuple[st.SearchStrategy[Any], st.SearchStrategy[Any]]:
    bad = st.one_of(
        st.integers(max_value=low - 1),
        st.integers(min_value=high + 1),
        st.integers(min_value=10**300, max_value=10**400),  # JSON allows integers this long
        st.floats(allow_nan=True),
        NOT_NUMBERS,
    )
    return st.integers(low, high), bad


def floats(low: float, high: float) -> tuple[st.SearchStrategy[Any], st.SearchStrategy[Any]]:
    good = st.one_of(
        st.floats(low, high, allow_nan=False), st.integers(math.ceil(low), math.floor(high))
    )
    bad = st.one_of(
        st.floats(max_value=low, exclude_max=True, allow_nan=False),
        st.floats(min_value=high, exclude_min=True, allow_nan=False),
        st.just(math.nan),
        st.integers(min_value=10**300, max_value=10**400),
        st.integers(max_value=-(10**300), min_value=-(10**400)),
        NOT_NUMBERS.filter(lambda v: not isinstance(v, int) or isinstance(v, bool)),
    )
    return good, bad


def prompts(*, allow_empty: bool = False) -> tuple[st.SearchStrategy[Any], st.SearchStrategy[Any]]:
    good = st.text(good_text_chars, max_size=MAX_PROMPT_CHARS)
    if not allow_empty:
        good = good.filter(lambda text: text.strip() != "")
    bad = st.one_of(
        st.text(good_text_chars, min_size=MAX_PROMPT_CHARS + 1, max_size=MAX_PROMPT_CHARS + 50),
        st.builds(
            lambda a, c, b: a + c + b,
            st.text(max_size=20),
            st.sampled_from(CONTROL),
            st.text(max_size=20),
        ),
        st.one_of(st.none(), st.integers(), st.lists(st.text(max_size=3))),
    )
    if not allow_empty:
        bad = st.one_of(bad, st.text(st.sampled_from(" \t\n\r\u3000\u00a0"), max_size=10))
    return good, bad


def seeds() -> tuple[st.SearchStrategy[Any], st.SearchStrategy[Any]]:
    good, bad = ints(0, 2**32 - 1)
    return st.one_of(st.none(), good), bad.filter(lambda v: v is not None)


def choices(options: tuple[str, ...]) -> tuple[st.SearchStrategy[Any], st.SearchStrategy[Any]]:
    bad = st.one_of(st.text(max_size=12), st.none(), st.integers()).filter(
        lambda v: v not in options
    )
    return st.sampled_from(options), bad


def file_paths(*, optional: bool = False) -> tuple[st.SearchStrategy[Any], st.SearchStrategy[Any]]:
    good = st.text(good_text_chars, min_size=1, max_size=80).filter(lambda p: p.strip() != "")
    bad = st.one_of(
        st.text(st.sampled_from(" \t\n"), max_size=5), st.integers(), st.lists(st.none())
    )
    return (st.one_of(st.none(), good) if optional else good), bad


def shaped_ints(spec: ParamSpec) -> tuple[st.SearchStrategy[Any], st.SearchStrategy[Any]]:
    """Ints in range that also have the declared shape (multiple of m, or 4k+1)."""
    low, high = int(spec.minimum or 0), int(spec.maximum or 0)
    _, bad = ints(low, high)
    allowed = spec.allowed_values()
    misshaped = st.integers(low, high).filter(lambda v: not spec.accepts_shape(v))
    return st.sampled_from(allowed), st.one_of(bad, misshaped)


def model_names(cls: type, only: list[str] | None = None) -> tuple[Any, Any]:
    """None, or a catalog name of ``cls``'s family; bad: not a name, or another family's."""
    mine = [e.name for e in CATALOG.values() if e.params_class() is cls]
    good = st.sampled_from([None, *(only if only is not None else mine)])
    # Another family's name is refused where the model is looked up (tests/engines/test_catalog.py).
    bad = st.one_of(st.just(""), st.just("  "), st.integers())
    return good, bad


def from_declared(cls: type, **overrides: Any) -> dict[str, tuple[Any, Any]]:
    """Good and bad values of every field, from the bounds its metadata declares."""
    fields: dict[str, tuple[Any, Any]] = {}
    for spec in specs(cls):
        if spec.kind == "prompt":
            fields[spec.name] = prompts()
        elif spec.kind == "text":
            fields[spec.name] = prompts(allow_empty=True)
        elif spec.kind == "seed":
            fields[spec.name] = seeds()
        elif spec.kind == "int" and (spec.multiple_of or spec.k_plus_one):
            fields[spec.name] = shaped_ints(spec)
        elif spec.kind == "int":
            fields[spec.name] = ints(int(spec.minimum or 0), int(spec.maximum or 0))
        elif spec.kind == "float":
            fields[spec.name] = floats(float(spec.minimum or 0), float(spec.maximum or 0))
        elif spec.kind == "file":
            fields[spec.name] = file_paths(optional=spec.optional)
        elif spec.kind == "model":
            fields[spec.name] = model_names(cls)
        elif spec.kind == "choice":
            fields[spec.name] = choices(tuple(spec.choices))
        elif spec.kind == "bool":  # true or false only: 0, 1, "yes" and None are refused
            bad = st.one_of(st.none(), st.integers(), st.text(max_size=5))
            fields[spec.name] = (st.booleans(), bad)
    return {**fields, **overrides}


# -- every params class, field by field ------------------------------------------------

VIDEO_PARAMS = from_declared(VideoParams)
WAN = from_declared(WanParams)
WAN22 = from_declared(Wan22Params)
LTX = from_declared(LTXParams)
MELODY_MODELS = [e.name for e in CATALOG.values() if "melody_path" in e.inputs]
# A melody file needs a melody model; without one, any music model serves.
MUSIC_WITH_MELODY = from_declared(MusicParams, model=model_names(MusicParams, MELODY_MODELS))
MUSIC_ANY_MODEL = from_declared(MusicParams, melody_path=(st.none(), file_paths()[1]))
COMBINE = {
    "offset_s": floats(0.0, MAX_OFFSET_S),
    "volume_db": floats(-60.0, 12.0),
    "fade_in_s": floats(0.0, MAX_FADE_S),
    "fade_out_s": floats(0.0, MAX_FADE_S),
    "fit": choices(FIT_MODES),
    "original": choices(ORIGINAL_SOUND_MODES),
    "original_level_db": floats(-60.0, 12.0),
}
SCORE = {
    "video_path": file_paths(),
    "description": prompts(),
    "duration": floats(1.0, 30.0),
    "seed": seeds(),
    "fade_in_s": floats(0.0, MAX_FADE_S),
    "fade_out_s": floats(0.0, MAX_FADE_S),
    "model": model_names(MusicParams),
}
COMBINE_JOB = {"video_path": file_paths(), "audio_path": file_paths()}

SPECS: dict[str, tuple[type, dict[str, tuple[Any, Any]]]] = {
    "video": (VideoParams, VIDEO_PARAMS),
    "wan": (WanParams, WAN),
    "wan2.2": (Wan22Params, WAN22),
    "ltx": (LTXParams, LTX),
    "music": (MusicParams, MUSIC_WITH_MELODY),
    "music models": (MusicParams, MUSIC_ANY_MODEL),
    "combine options": (CombineParams, COMBINE),
    "score": (ScoreJobParams, SCORE),
    "combine": (CombineJobParams, COMBINE_JOB),
}


def good_values(fields: dict[str, tuple[Any, Any]]) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries({name: good for name, (good, _) in fields.items()})


def test_every_field_of_every_params_class_is_described():
    for name, (cls, fields) in SPECS.items():
        described = set(fields) | ({"options"} if cls is CombineJobParams else set())
        assert described == {f.name for f in dataclasses.fields(cls)}, name


# -- the properties --------------------------------------------------------------------


@pytest.mark.parametrize("name", list(SPECS))
@EXAMPLES
@given(data=st.data())
def test_in_range_values_build_and_survive_the_json_round_trip(name: str, data: st.DataObject):
    cls, fields = SPECS[name]
    values = data.draw(good_values(fields))
    if cls is CombineJobParams:
        values["options"] = data.draw(good_values(COMBINE))  # a JSON dict, as the API gets it
    params = cls(**values)
    kind = {
        "video": "video",
        "wan": "video",
        "wan2.2": "video",
        "ltx": "video",
        "music": "music",
        "music models": "music",
        "score": "score",
        "combine": "combine",
    }.get(name)
    if kind is not None:  # what a worker rebuilds from the queued message is the same
        spec = KINDS[kind]
        if spec.output is not None and params.model is None:  # a submit names the model
            params = dataclasses.replace(params, model=a_model_of(cls, params))
        rebuilt = spec.build(json.loads(json.dumps(spec.to_json(params))))
        assert type(rebuilt) is type(params) and rebuilt == params


def a_model_of(cls: type, params: Any) -> str:
    """A catalog model of ``cls``'s family that takes ``params`` (a melody: a melody model)."""
    melody = bool(getattr(params, "melody_path", None))
    return next(
        e.name
        for e in CATALOG.values()
        if e.params_class() is cls and ("melody_path" in e.inputs) == melody
    )


@pytest.mark.parametrize("name", list(SPECS))
@EXAMPLES
@given(data=st.data())
def test_one_bad_field_raises_param_error_naming_it(name: str, data: st.DataObject):
    cls, fields = SPECS[name]
    values = data.draw(good_values(fields))
    if cls is CombineJobParams:
        values["options"] = data.draw(good_values(COMBINE))
        bad_field = data.draw(st.sampled_from([*fields, "options"]))
    else:
        bad_field = data.draw(st.sampled_from(list(fields)))
    named = bad_field
    if bad_field == "options":  # a bad option is named by its own field
        named = data.draw(st.sampled_from(list(COMBINE)))
        values["options"] = {**values["options"], named: data.draw(COMBINE[named][1])}
    else:
        values[bad_field] = data.draw(fields[bad_field][1])
    with pytest.raises(ParamError) as refusal:
        cls(**values)
    assert f"`{named}`" in str(refusal.value)
    assert len(str(refusal.value)) < 3000  # a message to read, not a dump of the input
