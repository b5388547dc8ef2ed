"""Extend a clip: "Extend" on a clip's card opens this form on the video page; it queues
an extend job (the next seconds from the clip's last frames, joined into one clip).
"""

from __future__ import annotations

import streamlit as st

from engines.catalog import VIDEO
from engines.errors import MediaError, ParamError
from engines.extend import ExtendParams, can_extend
from engines.params import spec_of
from engines.validation import MAX_PROMPT_CHARS
from jobs.catalog.records import asked_text
from studio import services
from studio.accounts.login_cookie import CurrentUser
from studio.ui import backend
from studio.ui.components.model_form import seed_input

EXTEND_KEY = "extend_from"  # the clip the form extends: set by a card's Extend button
JOB_KEY = "extend_job"  # the extension the page follows
PAGE = "extend"  # its widgets' key prefix


def start_extending(asset_id: str) -> None:
    """A card's Extend: the video page opens the form on this clip, its prompt filled in."""
    st.session_state[EXTEND_KEY] = asset_id
    st.session_state.pop(f"{PAGE}_prompt", None)


def extend_section(user: CurrentUser) -> None:
    """The form, while a clip is chosen for extending; nothing otherwise."""
    from studio.ui.components.asset_card import summary, title

    clip_id = st.session_state.get(EXTEND_KEY)
    clip = backend.get_asset(user, str(clip_id)) if clip_id else None
    if clip is None or clip.output_type != "video":
        st.session_state.pop(EXTEND_KEY, None)
        return
    models = [e for e in services.settings().enabled_models(VIDEO) if can_extend(e)]
    with st.container(border=True, key="extend_section"):
        st.subheader("Extend a clip")
        st.text(title(clip))  # user text as text
        st.caption(summary(clip))
        if not models:
            st.info("No video model this studio offers starts from a picture, so none can extend.")
            return
        names = [e.name for e in models]
        model = st.selectbox(
            "Model that makes the next seconds", names, key=f"{PAGE}_model",
            help="Models that start from a picture: the clip's last frame.",
        )  # fmt: skip
        if f"{PAGE}_prompt" not in st.session_state:
            st.session_state[f"{PAGE}_prompt"] = asked_text(clip.params)
        prompt = st.text_area(
            "What happens next", key=f"{PAGE}_prompt", max_chars=MAX_PROMPT_CHARS, height=90
        )
        seconds_spec = spec_of(ExtendParams, "seconds")
        seconds = st.slider(
            seconds_spec.label, 0.5, 10.0,
            float(seconds_spec.default), step=0.5, key=f"{PAGE}_seconds", help=seconds_spec.help,
        )  # fmt: skip
        seed = seed_input(PAGE, st)
        go, close = st.columns(2)
        if go.button("Extend clip", type="primary", key=f"{PAGE}_go"):
            values = {"extend_from": clip.id, "prompt": prompt, "seconds": seconds, "seed": seed}
            try:
                (job_id,) = backend.submit(user, str(model), values)
                st.session_state[JOB_KEY] = job_id
            except (ParamError, MediaError) as problem:
                st.error(str(problem))
        if close.button("Close", key=f"{PAGE}_close"):
            st.session_state.pop(EXTEND_KEY, None)
            st.rerun()
