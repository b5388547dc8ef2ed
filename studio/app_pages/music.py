"""Music: a description (and optionally a melody) in, a track out."""

from __future__ import annotations

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
from studio.asset_cards import reused_melody
from studio.widgets import examples_row, page_user, recent_jobs_section, seed_input

DEFAULTS = MusicParams(description="defaults")  # the engine's defaults, read by the widgets
MELODY_TYPES = ["wav", "mp3", "flac", "ogg", "m4a"]

EXAMPLE_FIELDS = {
    "description": "music_description",
    "duration": "music_duration",
}  # example key -> widget key


def render() -> None:
    user = page_user()
    st.title("Music")
    settings = services.settings()
    st.caption(
        f"Models: `{settings.model_for('music')}`, with a melody `{settings.model_for('melody')}`"
        + (" — tiny demo models, output is noise" if settings.tiny else "")
    )

    examples_row("music", EXAMPLE_FIELDS)

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
        help=f"An audio file: {', '.join(MELODY_TYPES)}.",
        key="music_melody",  # any type reaches the server: a wrong one is refused in words
    )
    kept = reused_melody(user) if melody is None else None
    if kept is not None:
        st.text(f"Melody of the settings you reused: {kept[1]}")  # a file name: plain text
        keep = st.checkbox("Follow this melody again", value=True, key="music_keep_melody")
        kept = kept if keep else None
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
        seed = seed_input("music", right)

    if st.button("Generate music", type="primary", key="music_generate"):
        try:
            melody_path = (
                backend.store_upload(user, melody, "audio")
                if melody is not None
                else (kept[0] if kept else None)
            )
            params = MusicParams(
                description=description,
                duration=float(duration),
                top_k=int(top_k),
                top_p=float(top_p),
                temperature=float(temperature),
                guidance_scale=float(guidance),
                seed=seed,
                melody_path=melody_path,
            )
            st.session_state["music_job"] = backend.submit(user, params)
        except (ParamError, MediaError) as problem:
            st.error(str(problem))

    recent_jobs_section(user, "music", focus=st.session_state.get("music_job"))


render()
