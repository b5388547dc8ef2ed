"""The widget of a declared file param (``param(kind="file", media=...)``): an uploader
of its media, a recorder beside it for audio, and "pick from my library".

The form hands back the upload itself (stored only on submit, so a wrong file is refused
in words then, and never stored) or the picked asset's id; ``stored_file_inputs`` turns
uploads into asset ids, which is what a job's file field holds.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

import streamlit as st

from engines.params import ParamSpec, media_words, specs
from studio.ui import backend
from studio.ui.session import session_user

# What the help names; any type reaches the server, and a wrong one is refused in words.
TYPES = {
    "audio": "WAV, MP3, FLAC, OGG or M4A",
    "video": "MP4, MOV, MKV, AVI or WebM",
    "image": "PNG, JPEG or WebP (a still, at most 40 megapixels)",
}
LIBRARY_LIMIT = 100  # the newest of the user's files of that media


def pick_key(key: str) -> str:
    """The library picker's key beside a file param's uploader (``key``): reuse sets it."""
    return f"{key}_pick"


def file_input(spec: ParamSpec, key: str, where: Any, sample_rate: int) -> Any:
    """Draw ``spec``'s uploader (and recorder, for audio) and library picker; returns the
    upload or recording (not yet stored), else the picked asset id, else None.

    A recording is made at ``sample_rate``, the model's own (the browser's is 16 kHz).
    """
    user = session_user()
    if user is None:  # the page asked first (page_user); a login that ended meanwhile
        st.stop()
    what = media_words(spec.media)
    # Here, not at the top: asset_card imports the form, which imports this module.
    from studio.ui.components.asset_card import asset_label

    upload_at, record_at = where.columns(2) if spec.media == "audio" else (where, None)
    uploaded = upload_at.file_uploader(
        f"{spec.label}: {what} to upload",
        help=f"{spec.help} {TYPES[spec.media]}.",
        key=key,
    )
    recorded = None
    if record_at is not None:  # a tune is quicker hummed than found in a file
        recorded = record_at.audio_input(
            "Or hum, whistle or play it here",
            sample_rate=sample_rate,
            key=f"{key}_recording",
        )
    fresh = uploaded if uploaded is not None else recorded
    owned = {a.id: a for a in backend.list_assets(user, spec.media, limit=LIBRARY_LIMIT)}
    picked_key = pick_key(key)
    chosen = st.session_state.get(picked_key)
    if chosen is not None and chosen not in owned:  # reused settings: an older file, or gone
        asset = backend.get_asset(user, str(chosen))
        if asset is not None and asset.owner == user.username and asset.output_type == spec.media:
            owned[asset.id] = asset
        else:
            st.session_state.pop(picked_key)
    picked = where.selectbox(
        f"Or pick {what} from your library",
        [None, *owned],
        key=picked_key,
        format_func=lambda i: "None" if i is None else asset_label(owned[i]),
        disabled=fresh is not None,
        help="Your uploads and results of this kind, newest first.",
    )
    if spec.media == "image":  # a still can also be a frame of one of the user's clips
        from studio.ui.components.image_input import frame_of_clip

        frame_of_clip(user, picked_key, where, disabled=fresh is not None)
    return fresh if fresh is not None else picked


def stored_file_inputs(user: Any, params_class: type, values: Mapping[str, Any]) -> dict[str, Any]:
    """``values`` with each upload of a file param stored (checked by its content) as the
    user's asset and named by its id; MediaError says what is wrong with a bad file."""
    out = dict(values)
    for spec in specs(params_class):
        value = out.get(spec.name)
        if spec.kind == "file" and hasattr(value, "getvalue"):
            # Stored once, however often it is used: the same bytes are one asset.
            out[spec.name] = backend.store_upload(user, cast(backend.Upload, value), spec.media)
    return out
