"""Combine: lay a track under a video, or score a video with new music in one click."""

from __future__ import annotations

import streamlit as st

from engines.catalog import AUDIO
from engines.combine import (
    FIT_MODES,
    MAX_FADE_S,
    MAX_GAIN_DB,
    MIN_GAIN_DB,
    ORIGINAL_SOUND_MODES,
)
from engines.errors import MediaError, ParamError
from studio import services
from studio.accounts.login_cookie import CurrentUser
from studio.ui import backend
from studio.ui.components.asset_card import asset_label
from studio.ui.components.file_input import (
    BROWSER_LIMIT_MB,
    TYPES,
    RefusedUpload,
    checked_upload,
    server_limit,
    show_server_refusals,
    upload_box,
)
from studio.ui.components.job_panel import file_player, page_user, recent_jobs_section
from studio.ui.text import message

FIT_LABELS = {
    "loop": "Loop the track to the video's length",
    "trim": "Trim the track at the video's end",
    "loop-video": "Loop the video to the track's length",
}
ORIGINAL_LABELS = {"drop": "Drop it", "keep": "Keep it", "mix": "Mix it under the music"}
UPLOAD = "⬆ Upload a file…"


def bounded(key: str, value: float, top: float) -> None:
    """A widget's value, kept inside its (new) range, set before it is drawn: the widget
    then takes no default of its own (both would make Streamlit warn)."""
    st.session_state[key] = min(st.session_state.get(key, value), top)


def pick(
    user: CurrentUser, title: str, assets: list[backend.Asset], upload_kind: str, key: str
) -> str | None:
    """A library asset's id, or a checked upload's; None until one is chosen."""
    by_label = {asset_label(a): a for a in assets}
    choice = st.selectbox(title, [*by_label, UPLOAD], key=f"{key}_choice")
    if choice == UPLOAD:
        upload = upload_box(st, f"{key}_upload", upload_kind).file_uploader(
            f"{title}: upload", key=f"{key}_upload", max_upload_size=BROWSER_LIMIT_MB,
            help=f"{TYPES[upload_kind]}, {server_limit()}.",
        )  # fmt: skip
        show_server_refusals(st, f"{key}_upload")  # a file too big never reaches the page
        checked = checked_upload(user, upload, upload_kind, f"{key}_upload")  # once, then freed
        if isinstance(checked, RefusedUpload):
            st.error(message(checked.reason))  # names the file: user text
            return None
        return checked
    return by_label[choice].id


def preselect(assets: list[backend.Asset], key: str, asset_id: str | None) -> None:
    """Pick the asset the Library sent ("send to Combine", "score this video")."""
    chosen = next((a for a in assets if a.id == asset_id), None)
    if chosen is not None:
        st.session_state[f"{key}_choice"] = asset_label(chosen)


def video_prompt(asset: backend.Asset | None, videos: list[backend.Asset]) -> str:
    """The prompt behind a video: its own, or for a combined clip its source video's."""
    by_id = {v.id: v for v in videos}
    seen: set[str] = set()
    while asset is not None and asset.id not in seen:
        seen.add(asset.id)
        if asset.params.get("prompt"):
            return str(asset.params["prompt"])
        asset = next((by_id[i] for i in asset.source_ids if i in by_id), None)
    return ""


def render() -> None:
    user = page_user()
    st.title("Combine")
    st.caption("Lay a track under a video. Browser-ready videos are copied, not re-encoded.")

    videos = backend.list_assets(user, "video")
    tracks = backend.list_assets(user, "audio")  # generated from a melody or not, and uploads
    preselect(videos, "combine_video", st.session_state.pop("combine_send_video", None))
    preselect(tracks, "combine_track", st.session_state.pop("combine_send_track", None))

    left, right = st.columns(2)
    with left:
        video_id = pick(user, "Video", videos, "video", "combine_video")
        if video_id:
            file_player(user, video_id)
    with right:
        track_id = pick(user, "Track", tracks, "audio", "combine_track")
        if track_id:
            file_player(user, track_id)
    video_path, track_path = (
        str(backend.asset_file(user, i) or "") if i else None for i in (video_id, track_id)
    )

    # What the inputs really are bounds the options: no offset past the track's end, no
    # fade longer than the result, no "keep" of a sound the video does not have.
    video_info = backend.probe_file(video_path) if video_path else None
    track_info = backend.probe_file(track_path) if track_path else None
    video_s = video_info.duration_s if video_info else None
    track_s = track_info.duration_s if track_info else None
    own_sound = video_info is None or video_info.has_audio
    with st.expander("Options", expanded=True):
        a, b = st.columns(2)
        fit = b.radio("Length", FIT_MODES, format_func=FIT_LABELS.__getitem__, key="cb_fit")
        max_offset = max(round((track_s or 600.0) - 0.5, 1), 0.0)
        bounded("cb_offset", 0.0, max_offset)
        offset = a.number_input(
            "Start offset into the track (s)", 0.0, max_offset, step=0.5, key="cb_offset"
        )
        result_s = (max((track_s or 0) - offset, 0) if fit == "loop-video" else video_s) or 0
        max_fade = min(MAX_FADE_S, max(round(result_s / 2, 1), 0.5)) if result_s else MAX_FADE_S
        for key, value in (("cb_fade_in", 0.0), ("cb_fade_out", 1.0)):
            bounded(key, value, max_fade)
        if track_s is not None:
            a.caption(f"The track lasts {track_s:.1f} s; the result {result_s:.1f} s.")
        volume = a.slider("Track volume (dB)", MIN_GAIN_DB, MAX_GAIN_DB, 0.0, 0.5, key="cb_volume")
        fade_in = a.slider("Fade in (s)", 0.0, max_fade, step=0.5, key="cb_fade_in")
        fade_out = a.slider("Fade out (s)", 0.0, max_fade, step=0.5, key="cb_fade_out")
        modes = ORIGINAL_SOUND_MODES if own_sound else ("drop",)
        if st.session_state.get("cb_original") not in modes:
            st.session_state["cb_original"] = "drop"
        original = b.radio(
            "The video's own sound",
            modes,
            format_func=ORIGINAL_LABELS.__getitem__,
            key="cb_original",
            disabled=not own_sound,
        )
        if not own_sound:
            b.caption("This video has no sound of its own, so there is nothing to keep or mix.")
        level = b.slider(
            "Its level when mixed (dB)",
            MIN_GAIN_DB,
            MAX_GAIN_DB,
            -12.0,
            0.5,
            key="cb_level",
            disabled=original != "mix",
        )

    if st.button("Combine", type="primary", key="combine_go", disabled=not (video_id and track_id)):
        try:
            options = {
                "offset_s": float(offset),
                "volume_db": float(volume),
                "fade_in_s": float(fade_in),
                "fade_out_s": float(fade_out),
                "fit": fit,
                "original": original,
                "original_level_db": float(level),
            }
            st.session_state["combine_job"] = backend.submit_combine(
                user, str(video_id), str(track_id), options
            )
        except (ParamError, MediaError) as problem:
            st.error(message(problem))

    st.divider()
    st.subheader("Score this video")
    st.caption("New audio as long as the video, from its prompt, laid under it in one job.")
    if video_id and video_path:
        chosen = next((v for v in videos if v.id == video_id), None)
        prompt = video_prompt(chosen, videos)  # a combined clip has none of its own
        description = st.text_area(
            "Music description",
            value=f"Soundtrack for: {prompt}" if prompt else "",
            key=f"score_description_{video_id}",
        )
        # Any enabled audio model: a soundtrack or an ambience, within its own duration bounds.
        models = {e.name: e for e in services.settings().enabled_models(AUDIO)}
        model = st.selectbox(
            "Audio model",
            list(models),
            key="score_model",
            format_func=lambda name: f"{name} ({models[name].licence})",
        )
        # Fades like Combine's, up to half the clip; a job fits them to a clip it measures.
        score_fade = min(MAX_FADE_S, max(round((video_s or 0) / 2, 1), 0.5))
        for key, value in (("score_fade_in", 0.0), ("score_fade_out", 1.0)):
            bounded(key, value, score_fade)
        left, right = st.columns(2)
        score_in = left.slider("Fade in (s)", 0.0, score_fade, step=0.1, key="score_fade_in")
        score_out = right.slider("Fade out (s)", 0.0, score_fade, step=0.1, key="score_fade_out")
        if st.button("Score this video", key="score_go"):
            try:
                length = backend.video_length_s(video_path)
                low, high = models[model].bounds_of("duration")
                low, high = float(low or 1.0), float(high or 30.0)
                duration = round(min(max(length, low), high), 2)
                if length > high:
                    st.info(f"The video lasts {length:.0f} s; {high:.0f} s of audio will loop.")
                st.session_state["score_job"] = backend.submit_score(
                    user, video_id, description, duration, model, (score_in, score_out)
                )
            except (ParamError, MediaError) as problem:
                st.error(message(problem))
    else:
        st.info("Pick a video above to score it.")

    focus = st.session_state.get
    recent_jobs_section(user, "combine", focus("combine_job"), title="Your latest combines")
    recent_jobs_section(user, "score", focus("score_job"), title="Your latest scores")


render()
