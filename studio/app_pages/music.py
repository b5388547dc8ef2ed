"""Music: a model, a description (and optionally a melody) in, a track out.

The options are the chosen model's declared params; a melody model asks for a melody,
uploaded as a file or recorded in the browser.
"""

from __future__ import annotations

import hashlib

import streamlit as st

from engines.catalog import AUDIO
from engines.errors import MediaError, ParamError
from studio import backend, services
from studio.auth import CurrentUser
from studio.model_form import model_picker, params_form
from studio.widgets import examples_row, page_user, recent_jobs_section

MELODY_TYPES = ["wav", "mp3", "flac", "ogg", "m4a"]
RECORD_SAMPLE_RATE = 32_000  # MusicGen-Melody's chroma rate; the browser's default is 16 kHz

EXAMPLE_FIELDS = {
    "description": "music_description",
    "duration": "music_duration",
}  # example key -> widget key


def render() -> None:
    user = page_user()
    st.title("Music")
    entry = model_picker("music", AUDIO, services.settings())

    examples_row("music", EXAMPLE_FIELDS)
    values = params_form(
        "music",
        entry,
        top=("duration",),
        placeholder="Upbeat surf rock with twangy electric guitar",
    )
    melody = None
    if entry.melody:
        upload, record = st.columns(2)
        uploaded = upload.file_uploader(
            "Melody to follow (a file; looped over a long track)",
            type=MELODY_TYPES,
            key="music_melody",
        )
        recorded = record.audio_input(
            "Or hum, whistle or play it here",
            sample_rate=RECORD_SAMPLE_RATE,
            key="music_melody_recording",
        )
        melody = uploaded if uploaded is not None else recorded

    if st.button("Generate music", type="primary", key="music_generate"):
        try:
            if entry.melody:
                values["melody_path"] = _stored_once(user, melody) if melody else None
            params = entry.params(**values)
            st.session_state["music_job"] = backend.submit(user, params)
        except (ParamError, MediaError) as problem:
            st.error(str(problem))

    recent_jobs_section(user, "music", focus=st.session_state.get("music_job"))


def _stored_once(user: CurrentUser, melody: backend.Upload) -> str:
    """Store an upload or a recording once, validated like any upload; reruns reuse it."""
    digest = hashlib.sha256(melody.getvalue()).hexdigest()
    stored: dict[str, str] = st.session_state.setdefault("music_melodies", {})
    if digest not in stored:
        stored[digest] = backend.store_upload(user, melody, "audio")
    return stored[digest]


render()
