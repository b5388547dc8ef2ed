"""Library: this user's results, newest first, to play, reuse, download or delete."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from studio import backend, navigation, services
from studio.model_form import reuse_settings
from studio.widgets import page_user, show_asset

# Pages whose form "use these settings again" fills (studio.model_form keys).
REUSABLE = ("video", "music")
KIND_LABELS = {
    "video": "Videos",
    "music": "Tracks",
    "combine": "Combined",
    "score": "Scored videos",
    "upload": "Uploads",
}


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
            model = asset.params.get("model") or (asset.meta or {}).get("model_name")
            shown_model = f" · {model}" if model else ""
            st.text(str(title))  # user text as text: markdown would render its links and images
            st.caption(f"{KIND_LABELS.get(asset.kind, asset.kind)}{shown_model} · {made}")
            show_asset(user, asset)
            with st.expander("Parameters"):
                st.json({"params": asset.params, "result": asset.meta})
            reuse, delete = st.columns(2)
            kind = "music" if asset.kind == "music" else asset.kind
            if kind in REUSABLE and reuse.button(
                "Use these settings again", key=f"reuse-{asset.id}"
            ):
                seed = (asset.meta or {}).get("seed")
                reuse_settings(kind, asset.params, seed, services.settings())
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
