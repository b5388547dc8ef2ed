"""What an image param (a first frame) adds to its uploader and library picker: a frame of
one of the user's clips as the still (stored as an image asset of its own), and how the
chosen still will be fitted to the model's size ("cropped to 768x512, centre").
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import streamlit as st

from engines.errors import MediaError
from engines.media.images import validate_image_upload
from jobs.owned_assets import NotFound
from studio.accounts.login_cookie import CurrentUser
from studio.ui import backend

WHICH = {"first": "First frame", "last": "Last frame", "at": "At a time"}
CLIPS_LIMIT = 100  # the newest of the user's clips
NOTES_KEY = "image_fit_notes"  # (picture, width, height) -> note: worked out once


def frame_of_clip(user: CurrentUser, picked_key: str, where: Any, *, disabled: bool) -> None:
    """Or take a frame of one of your clips: it becomes an image asset, chosen in the
    library picker (``picked_key``); ``disabled`` while an upload is the choice."""
    from studio.ui.components.asset_card import asset_label, length_s

    clips = {a.id: a for a in backend.list_assets(user, "video", limit=CLIPS_LIMIT)}
    if not clips:
        return
    error_key = f"{picked_key}_frame_error"
    with where.expander("Or take a frame of one of your clips"):
        clip_id = st.selectbox(
            "Clip",
            list(clips),
            key=f"{picked_key}_clip",
            format_func=lambda i: asset_label(clips[i]),
        )
        which = st.radio(
            "Which frame", list(WHICH), format_func=WHICH.__getitem__, horizontal=True,
            key=f"{picked_key}_which",
        )  # fmt: skip
        longest = length_s(clips[str(clip_id)]) or 0.0
        at = st.number_input(
            "Time (seconds)", min_value=0.0, max_value=max(longest, 0.0) or None, value=0.0,
            step=0.1, key=f"{picked_key}_at", disabled=which != "at",
            help="The frame shown at this moment of the clip.",
        )  # fmt: skip
        st.button(
            "Use this frame",
            key=f"{picked_key}_take",
            disabled=disabled,
            help="Remove the upload above to use a frame instead." if disabled else None,
            on_click=_take_frame,
            args=(user, str(clip_id), float(at) if which == "at" else str(which), picked_key),
        )
        if error_key in st.session_state:
            st.error(st.session_state.pop(error_key))


def _take_frame(user: CurrentUser, clip_id: str, where: str | float, picked_key: str) -> None:
    """Store the frame and choose it in the picker (a callback: before the picker draws)."""
    try:
        st.session_state[picked_key] = backend.store_frame(user, clip_id, where)
    except (MediaError, NotFound) as problem:
        st.session_state[f"{picked_key}_frame_error"] = str(problem)


def fit_caption(user: CurrentUser, values: Mapping[str, Any], field: str = "image") -> None:
    """Under the form: how the chosen picture will be fitted to the clip's size."""
    picture, width, height = values.get(field), values.get("width"), values.get("height")
    if picture is None or not isinstance(width, int) or not isinstance(height, int):
        return
    ident = (getattr(picture, "file_id", None) or str(picture), width, height)
    notes = st.session_state.setdefault(NOTES_KEY, {})
    if ident not in notes:
        notes[ident] = _note(user, picture, width, height)
    st.caption(notes[ident])


def _note(user: CurrentUser, picture: Any, width: int, height: int) -> str:
    """ "First frame: cropped to 768x512, centre." or why the picture cannot be used."""
    from PIL import Image

    from engines.media.fit import fit_image

    try:
        with tempfile.TemporaryDirectory() as scratch:
            if hasattr(picture, "getvalue"):  # an upload not yet stored: checked first
                path = Path(scratch) / "upload"
                path.write_bytes(picture.getvalue())
                validate_image_upload(path, name=getattr(picture, "name", None))
            else:
                found = backend.asset_file(user, str(picture))
                if found is None:
                    return "The chosen picture is no longer on disk; pick another."
                path = found
            with Image.open(path) as image:
                fitted = fit_image(image.convert("RGB"), width, height)
    except MediaError as problem:
        return str(problem)
    return f"First frame: {fitted.note}."
