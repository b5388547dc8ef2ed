"""Entry point of the Streamlit studio (the router grows with the pages)."""

from __future__ import annotations

import streamlit as st

from engines.settings import Settings

st.set_page_config(page_title="Studio", page_icon="🎬", layout="wide")

settings = Settings.from_env()
st.title("Studio")
st.caption("Text to video, music, and videos scored with that music, on your own GPU.")
if settings.tiny:
    st.warning("Demo mode (STUDIO_MODELS=tiny): random-weight models, so every output is noise.")
st.subheader("Configuration")
st.table(
    {
        "setting": ["video model", "music model", "melody model", "device", "data folder"],
        "value": [
            settings.model_for("video"),
            settings.model_for("music"),
            settings.model_for("melody"),
            settings.device,
            str(settings.data_dir.resolve()),
        ],
    }
)
