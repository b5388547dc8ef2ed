"""A model picker and a form drawn from whatever params the chosen model declares.

The widgets come from each field's declared bounds (engines.params): their ranges,
steps, allowed values (multiples of 8 or 16, frame counts of 4k+1) and ``help=`` tooltips.
Widget keys are ``<page>_<short name>`` and shared across models, so "use these
settings again" fills the same keys; switching models resets the fields to the new
model's defaults, keeping the prompt and the seed.
"""

from __future__ import annotations

import secrets
from typing import Any

import streamlit as st

from engines.catalog import AUDIO, CATALOG, DEFAULTS, VIDEO, ModelEntry
from engines.params import ParamSpec, specs
from engines.seeds import MAX_SEED
from engines.settings import Settings
from engines.validation import MAX_PROMPT_CHARS
from studio.ui.components.file_input import file_input, pick_key

# Field -> the short name in its widget key, as the CLI names its flags.
SHORT_NAMES = {
    "negative_prompt": "negative",
    "num_frames": "frames",
    "guidance_scale": "guidance",
    "melody_path": "melody",
}
# Kinds a model switch leaves as typed (a file stays chosen: an uploader cannot be set).
KEPT_ACROSS_MODELS = ("prompt", "text", "seed", "file")
PAGE_OUTPUTS = {"video": VIDEO, "music": AUDIO}


def form_key(page: str, name: str) -> str:
    return f"{page}_{SHORT_NAMES.get(name, name)}"


def model_key(page: str) -> str:
    return f"{page}_model"


def model_picker(page: str, output: str, settings: Settings) -> ModelEntry:
    """The enabled models of ``output`` in a select box, with licence and description."""
    entries = {e.name: e for e in settings.enabled_models(output)}
    key = model_key(page)
    name = st.selectbox(
        "Model",
        list(entries),
        key=key,
        format_func=lambda n: f"{n} ({entries[n].licence})",
        on_change=_reset_model_fields,
        args=(page,),
        help="Only the models this studio enables are listed.",
    )
    entry = entries[str(name)]
    noise = " Tiny demo weights: the output is noise." if settings.tiny else ""
    st.caption(
        f"{entry.description} Licence: {entry.licence}; about {entry.vram_gb:g} GB VRAM.{noise}"
    )
    return entry


def _reset_model_fields(page: str) -> None:
    """A new model: its own defaults in every field, keeping the prompt and the seed.

    Set, not just dropped: a widget drawn again with the same key and bounds keeps what
    the browser shows (one model's guidance 3 under another's default 7) unless told anew.
    """
    entry = CATALOG[str(st.session_state[model_key(page)])]
    own = {
        form_key(page, spec.name): _typed(spec, entry.default_of(spec.name))
        for spec in specs(entry.params_class())
        if spec.widget and spec.kind not in KEPT_ACROSS_MODELS
    }
    for other in CATALOG.values():
        for spec in specs(other.params_class()):
            if spec.widget and spec.kind not in KEPT_ACROSS_MODELS:
                st.session_state.pop(form_key(page, spec.name), None)
    st.session_state.update(own)


def _typed(spec: ParamSpec, value: Any) -> Any:
    """A default as its widget holds it: sliders of floats hold floats."""
    if value is None or spec.widget in ("select", "text"):
        return value
    return int(value) if spec.kind == "int" else float(value) if spec.kind == "float" else value


def params_form(
    page: str, entry: ModelEntry, *, top: tuple[str, ...] = (), placeholder: str = ""
) -> dict[str, Any]:
    """Draw ``entry``'s declared params; returns their values by field name.

    Text fields, the input files the model takes and the names in ``top`` go above the
    "Advanced options" expander. A file's value is an upload (``stored_file_inputs`` stores
    it on submit) or the id of one of the user's assets.
    """
    declared = [
        s
        for s in specs(entry.params_class())
        if s.widget and (s.kind != "file" or s.name in entry.inputs)
    ]
    values: dict[str, Any] = {}
    for spec in declared:
        if spec.widget in ("text_area", "file") or spec.name in top:
            values[spec.name] = _widget(page, entry, spec, st, placeholder)
    with st.expander("Advanced options"):
        left, right = st.columns(2)
        rest = [s for s in declared if s.name not in values]
        for spec in rest:
            column = left if spec.widget in ("seed", "text") else right
            values[spec.name] = _widget(page, entry, spec, column, placeholder)
    return values


def _widget(page: str, entry: ModelEntry, spec: ParamSpec, where: Any, placeholder: str) -> Any:
    key = form_key(page, spec.name)
    default = entry.default_of(spec.name)
    # A value already in the session (a reuse, an example) wins; never both a value and a key.
    initial: dict[str, Any] = {} if key in st.session_state else {"value": default}
    if spec.widget == "seed":
        return seed_input(page, where)
    if spec.widget == "file":
        return file_input(spec, key, where, entry.sample_rate)
    if spec.widget == "text_area":
        return where.text_area(
            spec.label, key=key, max_chars=MAX_PROMPT_CHARS, height=90, help=spec.help,
            placeholder=placeholder if spec.kind == "prompt" else None, **initial,
        )  # fmt: skip
    if spec.widget == "text":
        return where.text_input(spec.label, key=key, help=spec.help, **initial)
    if spec.widget == "checkbox":  # a switch, e.g. Fast
        return where.checkbox(spec.label, key=key, help=spec.help, **initial)
    if spec.widget == "select" and spec.kind == "choice":  # e.g. a vocal language
        index = {} if not initial else {"index": spec.choices.index(default)}
        return where.selectbox(spec.label, spec.choices, key=key, help=spec.help, **index)
    if spec.widget == "select":
        options = spec.allowed_values()
        return where.select_slider(spec.label, options, key=key, help=spec.help, **initial)
    if spec.widget == "number":  # value None: an empty box, "let the model choose"
        kind = int if spec.kind == "int" else float
        return where.number_input(
            spec.label, kind(spec.minimum or 0), kind(spec.maximum or 0), key=key,
            step=kind(spec.step or 1), help=spec.help, **initial,
        )  # fmt: skip
    if spec.kind == "int":
        return where.slider(
            spec.label, int(spec.minimum or 0), int(spec.maximum or 0), key=key,
            step=int(spec.step or 1), help=spec.help, **_as(initial, int),
        )  # fmt: skip
    return where.slider(
        spec.label, float(spec.minimum or 0), float(spec.maximum or 0), key=key,
        step=float(spec.step or 0.1), help=spec.help, **_as(initial, float),
    )  # fmt: skip


def _as(initial: dict[str, Any], kind: type) -> dict[str, Any]:
    return {name: kind(value) for name, value in initial.items()}


def reuse_settings(page: str, params: dict[str, Any], seed: object, settings: Settings) -> None:
    """Fill ``page``'s form with a result's params: its model first, then its fields."""
    model = params.get("model")
    # Results made before models were named came from the page's default model.
    entry = CATALOG.get(str(model)) if model else CATALOG[DEFAULTS[PAGE_OUTPUTS[page]]]
    offered = [e.name for e in settings.enabled_models(PAGE_OUTPUTS[page])]
    if entry is not None and entry.name in offered:  # a model no longer offered: prompt only
        st.session_state[model_key(page)] = entry.name
        for spec in specs(entry.params_class()):
            if spec.widget and spec.widget != "seed" and spec.name in params:
                key = form_key(page, spec.name)
                # A file by its asset id, in the library picker (an uploader cannot be set).
                st.session_state[pick_key(key) if spec.kind == "file" else key] = params[spec.name]
    elif "prompt" in params or "description" in params:
        name = "prompt" if "prompt" in params else "description"
        st.session_state[form_key(page, name)] = params[name]
    st.session_state[f"{page}_random_seed"] = seed is None
    if seed is not None:
        st.session_state[f"{page}_seed"] = seed


def seed_input(kind: str, container: Any) -> int | None:
    """A random-or-fixed seed; returns None for random (the result records the seed drawn)."""
    random_seed = container.checkbox("Random seed", value=True, key=f"{kind}_random_seed")
    seed = container.number_input(
        "Seed",
        min_value=0,
        max_value=MAX_SEED,
        value=42,
        step=1,
        key=f"{kind}_seed",
        disabled=random_seed,
    )
    container.button(
        "New seed",
        icon=":material/casino:",
        on_click=_new_seed,
        args=(kind,),
        key=f"{kind}_new_seed",
    )
    return None if random_seed else int(seed)


def _new_seed(kind: str) -> None:
    st.session_state[f"{kind}_seed"] = secrets.randbelow(MAX_SEED + 1)
    st.session_state[f"{kind}_random_seed"] = False
