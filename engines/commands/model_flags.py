"""CLI flags drawn from the params each model family declares (engines.params).

One flag per declared field across the families of an output; a flag a chosen model
does not take, or a value it cannot accept, exits 2 with the message that says why.
"""

from __future__ import annotations

import argparse
from typing import Any

from engines.catalog import CATALOG, DEFAULTS, ModelEntry, names
from engines.errors import ParamError
from engines.params import ParamSpec, media_words, specs

# Field -> flag where the CLI's names are shorter than the fields'.
FLAG_NAMES = {
    "prompt": "--prompt",
    "description": "--prompt",
    "negative_prompt": "--negative",
    "num_frames": "--frames",
    "guidance_scale": "--guidance",
}
# Text flags that may name a file to read instead (a song's lyrics).
FILE_OR_TEXT = ("lyrics",)
TYPES = {"int": int, "float": float, "seed": int}


def flag_of(name: str) -> str:
    """A field's flag; a file param's drops its ``_path`` (melody_path: ``--melody``)."""
    if name in FLAG_NAMES:
        return FLAG_NAMES[name]
    return "--" + name.removesuffix("_path").replace("_", "-")


def family_specs(output: str) -> dict[str, ParamSpec]:
    """Every declared field of the families of ``output``, first declaration wins."""
    out: dict[str, ParamSpec] = {}
    for entry in CATALOG.values():
        if entry.output == output:
            for spec in specs(entry.params_class()):
                if spec.kind != "model":
                    out.setdefault(spec.name, spec)
    return out


def model_epilog(output: str) -> str:
    """Per model, the defaults and rules that differ from the default model's."""
    default = CATALOG[DEFAULTS[output]]
    base = {spec.name: spec for spec in specs(default.params_class())}
    lines = []
    for entry in CATALOG.values():
        if entry.output != output or entry is default:
            continue
        notes = []
        for spec in specs(entry.params_class()):
            value = entry.default_of(spec.name)
            same = spec.name in base and base[spec.name] == spec
            shown = spec.widget and spec.kind not in ("prompt", "text", "seed")
            shown = shown and value not in (None, "")  # "let the model choose" is no default
            if shown and (not same or value != default.default_of(spec.name)):
                rule = f" ({spec.frames_rule})" if spec.k_plus_one else ""
                rule += f" (multiple of {spec.multiple_of})" if spec.multiple_of else ""
                notes.append(f"{flag_of(spec.name)} {value}{rule}")
        lines.append(f"{entry.name}: " + (", ".join(notes) or f"as {default.name}"))
    return "defaults that differ by model:\n  " + "\n  ".join(lines)


def add_model_flags(parser: argparse.ArgumentParser, output: str) -> None:
    default = CATALOG[DEFAULTS[output]]
    parser.add_argument(
        "--model",
        default=None,
        help=f"catalog name, hub id or folder (default: {default.name}); "
        f"one of {', '.join(names(output))}",
    )
    for spec in family_specs(output).values():
        shown = default.default_of(spec.name) if spec.name in _fields(default) else None
        suffix = f" (default for {default.name}: {shown})" if shown not in (None, "") else ""
        if spec.kind == "file":  # on this machine, a path: the engine reads it
            suffix = f" A path to {media_words(spec.media)}."
        if spec.kind == "bool":  # a switch: given turns it on; left out, the model's default
            parser.add_argument(
                flag_of(spec.name), dest=spec.name, action="store_const", const=True,
                default=None, help=spec.help,
            )  # fmt: skip
            continue
        parser.add_argument(
            flag_of(spec.name),
            dest=spec.name,
            type=TYPES.get(spec.kind, str),
            default=None,
            required=spec.kind == "prompt",
            metavar="FILE" if spec.kind == "file" else None,
            help=spec.help + suffix,
        )


def params_from_args(entry: ModelEntry, args: argparse.Namespace, output: str) -> Any:
    """The chosen model's params from the flags given; the rest are the model's defaults."""
    taken = _fields(entry)
    given = {
        name: _file_or_text(name, getattr(args, name))
        for name in family_specs(output)
        if getattr(args, name, None) is not None
    }
    extra = sorted(set(given) - taken)
    if extra:
        flags = ", ".join(flag_of(n) for n in extra)
        takers = [
            e.name for e in CATALOG.values() if e.output == output and set(extra) <= _fields(e)
        ]
        which = f"--model {' or '.join(takers)}" if takers else "another model"
        raise ParamError(f"{entry.name} does not take {flags}; leave it out or use {which}.")
    return entry.params(**given)


def _file_or_text(name: str, value: Any) -> Any:
    """``--lyrics FILE_OR_TEXT``: the file's text when the value names a file."""
    from pathlib import Path

    if name in FILE_OR_TEXT and "\n" not in value and Path(value).is_file():
        return Path(value).read_text(encoding="utf-8")
    return value


def _fields(entry: ModelEntry) -> set[str]:
    return {spec.name for spec in specs(entry.params_class())}
