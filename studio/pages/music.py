"""Music: a description (and optionally a melody) in, a track out."""

from __future__ import annotations

import secrets

import streamlit as st

from engines.errors import MediaError, ParamError
from engines.music import (
    CODEBOOK_SIZE,
    MAX_DURATION_S,
    MAX_GUIDANCE,
    MAX_TEMPERATURE,
    MIN_DURATION_S,
    MIN_GUIDANCE,
    MIN_TEMPERATURE,
    MusicParams,
)
from engines.validation import MAX_PROMPT_CHARS
from studio import backend, services
from studio.widgets import load_examples, page_user, recent_jobs_section

DEFAULTS = MusicParams(description="defaults")  # the engine's defaults, read by the widgets
MELODY_TYPES = ["wav", "mp3", "flac", "ogg", "m4a"]


def fill_from_example(example: dict[str, object]) -> None:
    st.session_state["music_description"] = example["description"]
    if "duration" in example:
        st.session_state["music_duration"] = float(example["duration"])  # type: ignore[arg-type]


def new_random_seed() -> None:
    st.session_state["music_seed"] = secrets.randbelow(2**32)
    st.session_state["music_random_seed"] = False


def render() -> None:
    user = page_user()
    st.title("Music")
    settings = services.settings()
    st.caption(
        f"Models: `{settings.model_for('music')}`, with a melody `{settings.model_for('melody')}`"
        + (" — tiny demo models, output is noise" if settings.tiny else "")
    )

    examples = load_examples("music")
    if examples:
        st.write("Examples")
        columns = st.columns(len(examples))
        for column, example in zip(columns, examples, strict=True):
            column.button(
                str(example["title"]),
                key=f"music-example-{example['title']}",
                on_click=fill_from_example,
                args=(example,),
                use_container_width=True,
            )

    description = st.text_area(
        "Description (English)",
        key="music_description",
        max_chars=MAX_PROMPT_CHARS,
        height=90,
        placeholder="Upbeat surf rock with twangy electric guitar",
    )
    duration = st.slider(
        "Duration (seconds)",
        MIN_DURATION_S,
        MAX_DURATION_S,
        float(DEFAULTS.duration),
        0.5,
        key="music_duration",
    )
    melody = st.file_uploader(
        "Melody to follow (optional: hum, whistle or play it; the first 30 s are used)",
        type=MELODY_TYPES,
        key="music_melody",
    )
    with st.expander("Advanced options"):
        left, right = st.columns(2)
        top_k = left.slider("Top-k", 0, CODEBOOK_SIZE, DEFAULTS.top_k, key="music_top_k")
        top_p = left.slider("Top-p (0 is off)", 0.0, 1.0, DEFAULTS.top_p, 0.05, key="music_top_p")
        temperature = left.slider(
            "Temperature",
            MIN_TEMPERATURE,
            MAX_TEMPERATURE,
            DEFAULTS.temperature,
            0.05,
            key="music_temperature",
        )
        guidance = right.slider(
            "Guidance",
            MIN_GUIDANCE,
            MAX_GUIDANCE,
            DEFAULTS.guidance_scale,
            0.5,
            key="music_guidance",
        )
        random_seed = right.checkbox("Random seed", value=True, key="music_random_seed")
        seed = right.number_input(
            "Seed",
            min_value=0,
            max_value=2**32 - 1,
            value=42,
            step=1,
            key="music_seed",
            disabled=random_seed,
        )
        right.button("🎲 New seed", on_click=new_random_seed, key="music_new_seed")

    if st.button("Generate music", type="primary", key="music_generate"):
        try:
            melody_path = (
                backend.store_upload(user, melody, "audio") if melody is not None else None
            )
            params = MusicParams(
                description=description,
                duration=float(duration),
                top_k=int(top_k),
                top_p=float(top_p),
                temperature=float(temperature),
                guidance_scale=float(guidance),
                seed=None if random_seed else int(seed),
                melody_path=melody_path,
            )
            st.session_state["music_job"] = backend.submit(user, params)
        except (ParamError, MediaError) as problem:
            st.error(str(problem))

    recent_jobs_section(user, "music", focus=st.session_state.get("music_job"))


render()
