"""Library: this user's results, newest first, to play, reuse, download or delete."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from studio import backend, navigation
from studio.widgets import page_user, show_asset

# Session keys of each page's widgets, so "use these settings again" can fill the form.
FORM_KEYS = {
    "video": {
        "prompt": "video_prompt",
        "negative_prompt": "video_negative",
        "num_frames": "video_frames",
        "steps": "video_steps",
        "guidance_scale": "video_guidance",
        "fps": "video_fps",
        "height": "video_size",
    },
    "music": {
        "description": "music_description",
        "duration": "music_duration",
        "top_k": "music_top_k",
        "top_p": "music_top_p",
        "temperature": "music_temperature",
        "guidance_scale": "music_guidance",
    },
}
KIND_LABELS = {
    "video": "Videos",
    "music": "Tracks",
    "combine": "Combined",
    "score": "Scored videos",
    "upload": "Uploads",
}


def reuse_settings(kind: str, params: dict[str, object], seed: object) -> None:
    for name, key in FORM_KEYS.get(kind, {}).items():
        if name in params:
            st.session_state[key] = params[name]
    st.session_state[f"{kind}_random_seed"] = seed is None
    if seed is not None:
        st.session_state[f"{kind}_seed"] = seed


def render() -> None:
    user = page_user()
    st.title("Library")

    kinds = ["all", *KIND_LABELS]
    shown = st.segmented_control(
        "Show",
        kinds,
        default="all",
        format_func=lambda k: KIND_LABELS.get(k, "All"),
        key="lib_kind",
    )
    assets = backend.list_assets(user, None if shown in (None, "all") else shown)
    if not assets:
        st.info("Nothing here yet: make a video or a track and it will appear here.")

    for asset in assets:
        made = dt.datetime.fromtimestamp(asset.created_at).strftime("%Y-%m-%d %H:%M")
        title = asset.params.get("prompt") or asset.params.get("description") or asset.kind
        with st.container(border=True):
            st.text(str(title))  # user text as text: markdown would render its links and images
            st.caption(f"{KIND_LABELS.get(asset.kind, asset.kind)} · {made}")
            show_asset(user, asset)
            with st.expander("Parameters"):
                st.json({"params": asset.params, "result": asset.meta})
            reuse, delete = st.columns(2)
            kind = "music" if asset.kind == "music" else asset.kind
            if kind in FORM_KEYS and reuse.button(
                "Use these settings again", key=f"reuse-{asset.id}"
            ):
                reuse_settings(kind, asset.params, (asset.meta or {}).get("seed"))
                st.switch_page(navigation.page(kind))
            if delete.button("Delete", key=f"delete-{asset.id}"):
                st.session_state["lib_confirm"] = asset.id
            if st.session_state.get("lib_confirm") == asset.id:
                st.warning("Delete this file for good?")
                yes, no = st.columns(2)
                if yes.button("Yes, delete", key=f"confirm-{asset.id}", type="primary"):
                    backend.delete_asset(user, asset.id)
                    st.session_state.pop("lib_confirm", None)
                    st.rerun()
                if no.button("Keep it", key=f"keep-{asset.id}"):
                    st.session_state.pop("lib_confirm", None)
                    st.rerun()


render()
