"""Combine: lay a track under a video, or score a video with new music in one click."""

from __future__ import annotations

from typing import cast

import streamlit as st

from engines.catalog import AUDIO
from engines.combine import (
    FIT_MODES,
    MAX_FADE_S,
    MAX_GAIN_DB,
    MIN_GAIN_DB,
    ORIGINAL_SOUND_MODES,
    CombineParams,
    FitMode,
    OriginalSound,
)
from engines.errors import MediaError, ParamError
from studio import backend, services
from studio.auth import CurrentUser
from studio.widgets import file_player, page_user, recent_jobs_section

VIDEO_KINDS = ("video", "combine", "score")
FIT_LABELS = {
    "loop": "Loop the track to the video's length",
    "trim": "Trim the track at the video's end",
    "loop-video": "Loop the video to the track's length",
}
ORIGINAL_LABELS = {"drop": "Drop it", "keep": "Keep it", "mix": "Mix it under the music"}
UPLOAD = "⬆ Upload a file…"


def label(asset: backend.Asset) -> str:
    params = asset.params or {}
    text = params.get("prompt") or params.get("description") or params.get("uploaded_as")
    return f"{str(text or asset.kind)[:60]} · {asset.id[:6]}"


def pick(
    user: CurrentUser, title: str, assets: list[backend.Asset], upload_kind: str, key: str
) -> str | None:
    """A library asset's path, or a checked upload's; None until one is chosen."""
    by_label = {label(a): a for a in assets}
    choice = st.selectbox(title, [*by_label, UPLOAD], key=f"{key}_choice")
    if choice == UPLOAD:
        upload = st.file_uploader(f"{title}: upload", key=f"{key}_upload")
        if upload is None:
            return None
        stored = st.session_state.setdefault("combine_stored_uploads", {})
        if upload.file_id not in stored:  # every rerun sees the upload; store it once
            try:
                stored[upload.file_id] = backend.store_upload(user, upload, upload_kind)
            except MediaError as problem:
                st.error(str(problem))
                return None
        return str(stored[upload.file_id])
    path = backend.asset_file(user, by_label[choice].id)
    return str(path) if path else None


def render() -> None:
    user = page_user()
    st.title("Combine")
    st.caption("Lay a track under a video. Browser-ready videos are copied, not re-encoded.")

    all_assets = backend.list_assets(user)
    videos = [a for a in all_assets if a.kind in VIDEO_KINDS or a.params.get("kind") == "video"]
    tracks = [a for a in all_assets if a.kind == "music" or a.params.get("kind") == "audio"]

    left, right = st.columns(2)
    with left:
        video_path = pick(user, "Video", videos, "video", "combine_video")
        if video_path:
            file_player(user, video_path)
    with right:
        track_path = pick(user, "Track", tracks, "audio", "combine_track")
        if track_path:
            file_player(user, track_path)

    with st.expander("Options", expanded=True):
        a, b = st.columns(2)
        offset = a.number_input(
            "Start offset into the track (s)", 0.0, 600.0, 0.0, 0.5, key="cb_offset"
        )
        volume = a.slider("Track volume (dB)", MIN_GAIN_DB, MAX_GAIN_DB, 0.0, 0.5, key="cb_volume")
        fade_in = a.slider("Fade in (s)", 0.0, MAX_FADE_S, 0.0, 0.5, key="cb_fade_in")
        fade_out = a.slider("Fade out (s)", 0.0, MAX_FADE_S, 1.0, 0.5, key="cb_fade_out")
        fit = b.radio("Length", FIT_MODES, format_func=FIT_LABELS.__getitem__, key="cb_fit")
        original = b.radio(
            "The video's own sound",
            ORIGINAL_SOUND_MODES,
            format_func=ORIGINAL_LABELS.__getitem__,
            key="cb_original",
        )
        level = b.slider(
            "Its level when mixed (dB)",
            MIN_GAIN_DB,
            MAX_GAIN_DB,
            -12.0,
            0.5,
            key="cb_level",
            disabled=original != "mix",
        )

    if st.button(
        "Combine", type="primary", key="combine_go", disabled=not (video_path and track_path)
    ):
        try:
            options = CombineParams(
                offset_s=float(offset),
                volume_db=float(volume),
                fade_in_s=float(fade_in),
                fade_out_s=float(fade_out),
                fit=cast(FitMode, fit),
                original=cast(OriginalSound, original),
                original_level_db=float(level),
            )
            st.session_state["combine_job"] = backend.submit_combine(
                user, str(video_path), str(track_path), options
            )
        except (ParamError, MediaError) as problem:
            st.error(str(problem))

    st.divider()
    st.subheader("Score this video")
    st.caption("New audio as long as the video, from its prompt, laid under it in one job.")
    if video_path:
        chosen = next(
            (v for v in videos if str(backend.asset_file(user, v.id)) == video_path), None
        )
        prompt = (chosen.params.get("prompt") if chosen else None) or ""
        description = st.text_area(
            "Music description",
            value=f"Soundtrack for: {prompt}" if prompt else "",
            key=f"score_description_{video_path}",
        )
        # Any enabled audio model: a soundtrack (MusicGen, ACE-Step) or ambience (Stable Audio).
        models = {e.name: e for e in services.settings().enabled_models(AUDIO)}
        model = st.selectbox(
            "Audio model",
            list(models),
            key="score_model",
            format_func=lambda name: f"{name} ({models[name].licence})",
        )
        if st.button("Score this video", key="score_go"):
            try:
                length = backend.video_length_s(video_path)
                low, high = models[model].bounds_of("duration")
                low, high = float(low or 1.0), float(high or 30.0)
                duration = round(min(max(length, low), high), 2)
                if length > high:
                    st.info(f"The video lasts {length:.0f} s; {high:.0f} s of audio will loop.")
                st.session_state["score_job"] = backend.submit_score(
                    user, video_path, description, duration, model
                )
            except (ParamError, MediaError) as problem:
                st.error(str(problem))
    else:
        st.info("Pick a video above to score it.")

    recent_jobs_section(user, "combine", focus=st.session_state.get("combine_job"))
    recent_jobs_section(user, "score", focus=st.session_state.get("score_job"))


render()
