"""Music: a model, a description (and optionally a melody) in, a track out, or 2-4
variations of it side by side.

The options are the chosen model's declared params; a melody model's declared melody
file is uploaded, recorded in the browser or picked from the library (every variation
follows it).
"""

from __future__ import annotations

import streamlit as st

from engines.catalog import AUDIO
from engines.errors import MediaError, ParamError
from studio import services
from studio.ui.components.file_input import stored_file_inputs
from studio.ui.components.job_panel import examples_row, page_user, recent_jobs_section
from studio.ui.components.made_with import made_with_drop
from studio.ui.components.model_form import model_picker, params_form
from studio.ui.components.variations import submit_from_page, variations_count, variations_grid
from studio.ui.text import message

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
    count = variations_count("music")
    if st.button("Generate music", type="primary", key="music_generate"):
        try:
            values = stored_file_inputs(user, entry.params_class(), values)  # a melody: its id
            submit_from_page(user, "music", entry.name, values, count)
        except (ParamError, MediaError) as problem:
            st.error(message(problem))  # it may quote a file's name
    drawn = variations_grid(user, "music")

    recent_jobs_section(user, "music", focus=st.session_state.get("music_job"), shown=drawn)


render()
