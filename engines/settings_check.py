"""The settings a file carries, read as untrusted input: parsed into the declared params of
the model they name, with those params' bounds, before anything fills a form.

A dropped file may say anything in its tag (wrong types, values out of range, huge
numbers, nested objects, fields no model has, a model this studio lacks, a server path).
What holds is kept; everything else is named in one message and left out. Nothing here
raises on bad settings.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from engines.catalog import CATALOG
from engines.errors import ParamError
from engines.params import ParamSpec, check_value, specs
from engines.validation import require_seed

SHOWN_CHARS = 40  # how much of a wrong value a message quotes
PAGE_OUTPUT = {"video": "video", "music": "audio"}  # job kind -> the output its models make


@dataclass(frozen=True)
class CheckedSettings:
    """What of a file's settings may fill a form: the model, the params that hold, the seed."""

    job_kind: str
    model: str | None  # None: the file names no model this studio has
    params: dict[str, Any] = field(default_factory=dict)
    seed: int | None = None
    problems: list[str] = field(default_factory=list)  # each names a field and what was wrong


def check_settings(settings: Mapping[str, Any], job_kind: str) -> CheckedSettings:
    """``settings`` (from ``settings_in``) as the declared params of the model they name."""
    problems: list[str] = []
    raw = settings.get("params")
    if not isinstance(raw, Mapping):
        raw = {}
        problems.append(f"`params` must be an object, but is {shown(settings.get('params'))}")
    model = raw.get("model") or settings.get("model")
    entry = CATALOG.get(model) if isinstance(model, str) else None
    if entry is None or entry.output != PAGE_OUTPUT.get(job_kind):
        problems.append(f"the model {shown(model)} is not one this studio has for this form")
        return CheckedSettings(job_kind, None, problems=problems)
    declared = {spec.name: spec for spec in specs(entry.params_class())}
    params: dict[str, Any] = {"model": entry.name}
    for name, value in raw.items():
        if name == "model":
            continue
        spec = declared.get(name) if isinstance(name, str) else None
        if spec is None:
            problems.append(f"{shown(name)} is not a setting of {entry.name}")
            continue
        if spec.kind == "float" and type(value) is int and abs(value) < 1e308:
            value = float(value)  # a float widget holds floats; JSON wrote 7.0 as 7
        wrong = _wrong(spec, value)
        if wrong:
            problems.append(wrong)
        else:
            params[name] = value
    seed = settings.get("seed")
    try:
        require_seed(seed)
    except ParamError as problem:
        problems.append(_sentence(problem))
        seed = None
    return CheckedSettings(job_kind, entry.name, params, seed, problems)


def _wrong(spec: ParamSpec, value: Any) -> str:
    """Why ``value`` cannot fill ``spec``'s widget; empty when it can."""
    if spec.kind == "file":
        # A job's file is one of its owner's asset ids; a folder or path is never followed.
        if value is not None and not (isinstance(value, str) and _is_id(value)):
            return f"`{spec.name}` must name a file of your library by its id, not {shown(value)}"
        return ""
    try:
        check_value(spec, value)
    except (ParamError, ValueError, TypeError, OverflowError) as problem:
        return _sentence(problem)
    if spec.kind == "float" and not math.isfinite(value):
        return f"`{spec.name}` must be a finite number"
    return ""


def _is_id(value: str) -> bool:
    return 0 < len(value) <= 64 and value.replace("-", "").replace("_", "").isalnum()


def _sentence(problem: Exception) -> str:
    return str(problem).rstrip(".")[:200]


def shown(value: Any) -> str:
    """A value quoted in a message, short: a tag may hold a megabyte in one field."""
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**SHOWN_CHARS:
        return "a number far too large"
    if isinstance(value, (dict, list)):
        return f"a nested {'object' if isinstance(value, dict) else 'list'}"
    text = repr(value)
    return text if len(text) <= SHOWN_CHARS else f"{text[: SHOWN_CHARS - 3]}..."
