"""Text to video: a model, a prompt and options in, a job out; its progress and player below.

The options are the chosen model's declared params: the form redraws for each model.
"""

from __future__ import annotations

import streamlit as st

from engines.catalog import VIDEO
from engines.errors import MediaError, ParamError
from studio import services
from studio.ui.components.extend_form import JOB_KEY, extend_section
from studio.ui.components.file_input import stored_file_inputs
from studio.ui.components.image_input import fit_caption
from studio.ui.components.job_panel import examples_row, page_user, recent_jobs_section
from studio.ui.components.made_with import made_with_drop
from studio.ui.components.model_form import model_picker, params_form
from studio.ui.components.variations import submit_from_page, variations_count, variations_grid
from studio.ui.text import message

EXAMPLE_FIELDS = {"prompt": "video_prompt"}  # example key -> widget key


def render() -> None:
    user = page_user()
    st.title("Text to video")
    extend_section(user)  # a card's "Extend" chose a clip
    made_with_drop("video")  # before the form: a dropped file fills it
    entry = model_picker("video", VIDEO, services.settings())

    examples_row("video", EXAMPLE_FIELDS)
    values = params_form(
        "video", entry, placeholder="An astronaut riding a horse on the moon, cinematic"
    )

    fit_caption(user, values)  # how a first frame will be fitted to the clip's size
    count = variations_count("video")
    if st.button("Generate video", type="primary", key="video_generate"):
        try:
            values = stored_file_inputs(user, entry.params_class(), values)  # uploads: ids
            submit_from_page(user, "video", entry.name, values, count)
        except (ParamError, MediaError) as problem:
            st.error(message(problem))  # it may quote a file's name
    drawn = variations_grid(user, "video")

    recent_jobs_section(user, "video", focus=st.session_state.get("video_job"), shown=drawn)
    recent_jobs_section(
        user, "extend", focus=st.session_state.get(JOB_KEY), title="Your latest extensions"
    )


render()
