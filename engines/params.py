"""Params declared once: each field's bounds live in its dataclass metadata.

``param(...)`` declares a field with its bounds, help text and widget; ``check(params)``
validates every declared field (called from each params class's ``__post_init__``);
``specs(cls)`` hands the same declarations to the CLI, the pages' forms, reuse and the
property tests. Nothing here imports torch: the studio reads these too.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from engines.errors import ParamError
from engines.validation import (
    require_float_range,
    require_int_range,
    require_prompt,
    require_seed,
)

# What a field holds; decides its check, its CLI type and its widget.
KINDS = ("prompt", "text", "int", "float", "bool", "seed", "choice", "file", "model")
# What a "file" field takes: in a job, the id of one of the owner's assets of that output type.
MEDIA = ("audio", "video", "image")
META_KEY = "studio"


@dataclass(frozen=True)
class ParamSpec:
    name: str
    kind: str  # one of KINDS
    default: Any
    help: str
    label: str
    minimum: float | None = None
    maximum: float | None = None
    multiple_of: int | None = None  # sides of a VAE with a scale factor of 8 or 16
    # Frame counts of the form k_plus_one*k + 1 (a video VAE packs that many frames into one
    # latent after the first): 4 for Wan, 8 for LTX; 0 for any count.
    k_plus_one: int = 0
    choices: tuple[Any, ...] = ()
    step: float | None = None  # the widget's step
    # "slider", "number", "select", "text_area", "text", "seed", "file", "checkbox", ""
    widget: str = ""
    optional: bool = False  # None is accepted (a seed to draw, no melody file)
    media: str = ""  # a "file" field's: one of MEDIA

    def allowed_values(self) -> list[int]:
        """Every value an int field accepts, in order (for a select box and for tests)."""
        if self.kind != "int" or self.minimum is None or self.maximum is None:
            return []
        low, high = int(self.minimum), int(self.maximum)
        return [v for v in range(low, high + 1) if self.accepts_shape(v)]

    def accepts_shape(self, value: int) -> bool:
        if self.multiple_of and value % self.multiple_of:
            return False
        return not (self.k_plus_one and (value - 1) % self.k_plus_one)

    @property
    def four_k_plus_one(self) -> bool:
        """Wan's rule (4k+1); kept for callers that predate ``k_plus_one``."""
        return self.k_plus_one == 4

    @property
    def frames_rule(self) -> str:
        """How messages and help name the rule: "4k+1", "8k+1"; "" when there is none."""
        return f"{self.k_plus_one}k+1" if self.k_plus_one else ""


def param(
    default: Any = dataclasses.MISSING,
    *,
    kind: str,
    help: str,
    label: str = "",
    minimum: float | None = None,
    maximum: float | None = None,
    multiple_of: int | None = None,
    four_k_plus_one: bool = False,
    k_plus_one: int = 0,
    choices: tuple[Any, ...] = (),
    step: float | None = None,
    widget: str = "",
    optional: bool = False,
    media: str = "",
) -> Any:
    """A dataclass field whose metadata declares how to check, show and parse it.

    ``kind="file"`` with ``media`` ("audio", "video" or "image") declares an input file:
    a path for the engine, an asset id in a job; its uploader, library picker, CLI flag,
    API schema, ownership check and card label all derive from this declaration.
    """
    if kind not in KINDS:
        raise ValueError(f"Unknown param kind {kind!r}; known: {', '.join(KINDS)}.")
    if (kind == "file") != (media in MEDIA):
        raise ValueError(f"A file param names its media ({', '.join(MEDIA)}); {media!r} given.")
    if kind == "file":
        widget = widget or "file"  # an uploader of its media and a library picker
    meta = {
        "kind": kind,
        "help": help,
        "label": label,
        "minimum": minimum,
        "maximum": maximum,
        "multiple_of": multiple_of,
        "k_plus_one": 4 if four_k_plus_one else k_plus_one,
        "choices": tuple(choices),
        "step": step,
        "widget": widget,
        "optional": optional,
        "media": media,
    }
    return dataclasses.field(default=default, metadata={META_KEY: meta})


def specs(cls: Any) -> list[ParamSpec]:
    """The declared fields of a params class (or instance), in declaration order."""
    out = []
    for f in dataclasses.fields(cls):
        meta = f.metadata.get(META_KEY)
        if meta is None:
            continue
        default = None if f.default is dataclasses.MISSING else f.default
        label = meta["label"] or f.name.replace("_", " ").capitalize()
        out.append(ParamSpec(name=f.name, default=default, **{**meta, "label": label}))
    return out


def file_fields(cls: Any) -> tuple[str, ...]:
    """The names of the declared input files of a params class (or instance)."""
    return tuple(spec.name for spec in specs(cls) if spec.kind == "file")


def media_words(media: str) -> str:
    """How messages name a file param's media: "an audio file", "a video", "an image"."""
    return {"audio": "an audio file", "video": "a video", "image": "an image"}[media]


def spec_of(cls: Any, name: str) -> ParamSpec:
    for spec in specs(cls):
        if spec.name == name:
            return spec
    raise KeyError(name)


def check(params: Any) -> None:
    """Validate every declared field of ``params``; raises ParamError that says what works."""
    for spec in specs(params):
        value = getattr(params, spec.name)
        check_value(spec, value)


def check_value(spec: ParamSpec, value: Any) -> None:
    if value is None and spec.optional:
        return
    if spec.kind == "prompt":
        require_prompt(spec.name, value)
    elif spec.kind == "text":
        require_prompt(spec.name, value, allow_empty=True)
    elif spec.kind == "seed":
        require_seed(value)
    elif spec.kind == "int":
        require_int_range(spec.name, value, int(spec.minimum or 0), int(spec.maximum or 0))
        _check_shape(spec, value)
    elif spec.kind == "float":
        require_float_range(spec.name, value, float(spec.minimum or 0), float(spec.maximum or 0))
    elif spec.kind == "bool":
        if not isinstance(value, bool):
            raise ParamError(f"`{spec.name}` must be true or false, but is {value!r}.")
    elif spec.kind == "choice":
        if value not in spec.choices:
            options = ", ".join(repr(c) for c in spec.choices)
            raise ParamError(f"`{spec.name}` must be one of {options}, but is {value!r}.")
    elif spec.kind in ("file", "model") and (not isinstance(value, str) or not value.strip()):
        # An engine reads a path; a job names an asset id (checked against its owner on submit).
        what = media_words(spec.media) if spec.kind == "file" else "a model name"
        none = " or None" if spec.optional else ""
        raise ParamError(f"`{spec.name}` must be {what}{none}, but is {value!r}.")


def _check_shape(spec: ParamSpec, value: int) -> None:
    if spec.multiple_of and value % spec.multiple_of:
        m = spec.multiple_of
        below, above = _within(spec, [value // m * m, value // m * m + m])
        raise ParamError(
            f"`{spec.name}` has to be a multiple of {m} but is {value}; "
            f"try {_either(below, above)}."
        )
    step = spec.k_plus_one
    if step and (value - 1) % step:
        base = (value - 1) // step * step + 1
        below, above = _within(spec, [base, base + step])
        examples = ", ".join(str(1 + step * k) for k in range(5))
        raise ParamError(
            f"`{spec.name}` has to be {spec.frames_rule} ({examples}, ...) but is {value}; "
            f"try {_either(above, below)}."
        )


def _within(spec: ParamSpec, candidates: list[int]) -> list[int | None]:
    low, high = spec.minimum, spec.maximum
    return [
        c if (low is None or c >= low) and (high is None or c <= high) else None for c in candidates
    ]


def _either(first: int | None, second: int | None) -> str:
    shown = [str(v) for v in (first, second) if v is not None]
    return " or ".join(shown) if shown else "a value in range"
