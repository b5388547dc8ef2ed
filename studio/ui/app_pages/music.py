"""Music: a model, a description (and optionally a melody) in, a track out, or 2-4
variations of it side by side.

The options are the chosen model's declared params; a melody model asks for a melody,
uploaded as a file or recorded in the browser (every variation follows it).
"""

from __future__ import annotations

import streamlit as st

from engines.catalog import AUDIO
from engines.errors import MediaError, ParamError
from studio import services
from studio.ui import backend
from studio.ui.components.asset_card import reused_melody
from studio.ui.components.job_panel import examples_row, page_user, recent_jobs_section
from studio.ui.components.made_with import made_with_drop
from studio.ui.components.model_form import model_picker, params_form
from studio.ui.components.variations import submit_from_page, variations_count, variations_grid

MELODY_TYPES = ["wav", "mp3", "flac", "ogg", "m4a"]
RECORD_SAMPLE_RATE = 32_000  # MusicGen-Melody's chroma rate; the browser's default is 16 kHz

EXAMPLE_FIELDS = {
    "description": "music_description",
    "duration": "music_duration",
}  # example key -> widget key


def render() -> None:
    user = page_user()
    st.title("Music")
    made_with_drop("music")  # before the form: a dropped file fills it
    entry = model_picker("music", AUDIO, services.settings())

    examples_row("music", EXAMPLE_FIELDS)
    values = params_form(
        "music",
        entry,
        top=("duration",),
        placeholder="Upbeat surf rock with twangy electric guitar",
    )
    melody, kept = None, None
    if "melody_path" in entry.inputs:
        upload, record = st.columns(2)
        uploaded = upload.file_uploader(
            "Melody to follow (a file; looped over a long track)",
            help=f"An audio file: {', '.join(MELODY_TYPES)}.",
            key="music_melody",  # any type reaches the server: a wrong one is refused in words
        )
        recorded = record.audio_input(
            "Or hum, whistle or play it here",
            sample_rate=RECORD_SAMPLE_RATE,
            key="music_melody_recording",
        )
        melody = uploaded if uploaded is not None else recorded
        kept = reused_melody(user) if melody is None else None
        if kept is not None:
            st.text(f"Melody of the settings you reused: {kept[1]}")  # a file name: plain text
            keep = st.checkbox("Follow this melody again", value=True, key="music_keep_melody")
            kept = kept if keep else None

    count = variations_count("music")
    if st.button("Generate music", type="primary", key="music_generate"):
        try:
            if "melody_path" in entry.inputs:
                # Stored once, however often it is used: the same bytes are one asset.
                values["melody_path"] = (
                    backend.store_upload(user, melody, "audio")
                    if melody is not None
                    else (kept[0] if kept else None)
                )
            submit_from_page(user, "music", entry.params(**values), count)
        except (ParamError, MediaError) as problem:
            st.error(str(problem))
    variations_grid(user, "music")

    recent_jobs_section(user, "music", focus=st.session_state.get("music_job"))


render()
