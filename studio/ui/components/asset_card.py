"""What a person reads about one asset, and what they can do with it: its title, a settings
table (no server paths, no internal ids) and the actions a result card and the Library's
dialog share (download, use these settings again, send to Combine, score, delete)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Literal

import streamlit as st

from jobs.catalog.records import Asset, asked_text
from jobs.kinds import file_labels
from jobs.titles import asset_title, cut_at_word
from studio import services
from studio.accounts.login_cookie import CurrentUser
from studio.ui import backend, navigation
from studio.ui.components import model_form
from studio.ui.components.extend_form import start_extending
from studio.urls import download_url

OUTPUT_WORDS = {"video": "Video", "audio": "Track", "image": "Image"}
SOURCE_WORDS = {
    "generated": "generated",
    "combined": "combined",
    "scored": "scored",
    "uploaded": "uploaded",
    "extended": "extended",
    "storyboard": "storyboard",
}
# Settings shown on a card, in this order, with the words a person uses.
SETTING_LABELS = {
    "prompt": "Prompt",
    "description": "Description",
    "negative_prompt": "Negative prompt",
    "seed": "Seed",
    "num_frames": "Frames",
    "steps": "Steps",
    "guidance_scale": "Guidance",
    "fps": "Frames per second",
    "width": "Width",
    "height": "Height",
    "duration": "Duration (s)",
    "seconds": "Seconds added",
    "top_k": "Top-k",
    "top_p": "Top-p",
    "temperature": "Temperature",
    "uploaded_as": "Uploaded as",
}
OPEN_KEY = "lib_open"  # the Library's open card: closed when an action leaves or deletes it
SHORT_CLIP_S = 10.0  # shorter clips loop, as a GIF would
TINY_PX = 320  # smaller clips are shown at twice their size


def title(asset: Asset) -> str:
    """Its prompt or upload name; a combine's or a score's from what it was made of."""
    return asset_title(asset)


def length_s(asset: Asset) -> float | None:
    value = (asset.meta or {}).get("duration_s")
    return float(value) if isinstance(value, int | float) else None


def summary(asset: Asset) -> str:
    """Output type, length, how it came, and when: one caption line."""
    made = dt.datetime.fromtimestamp(asset.created_at).strftime("%Y-%m-%d %H:%M")
    seconds = length_s(asset)
    parts = [OUTPUT_WORDS.get(asset.output_type, asset.output_type)]
    if seconds is not None:
        parts.append(f"{seconds:.1f} s")
    parts.append(SOURCE_WORDS.get(asset.source, asset.source))
    seed = (asset.meta or {}).get("seed")
    if seed is not None:
        parts.append(f"seed {seed}")
    if asset.model:
        parts.append(model_name(asset.model))
    return " · ".join([*parts, made])


def settings_table(asset: Asset) -> None:
    """The settings as a grid: st.dataframe draws cells as plain text, where st.table would
    render a prompt's markdown (and fetch its images)."""
    rows = settings_rows(asset)
    if rows:
        st.dataframe(rows, hide_index=True, width="stretch")


def settings_rows(asset: Asset) -> list[dict[str, str]]:
    """The settings that made it, readable: known fields by name, file inputs by the name
    a person gave them, the model; never server paths, worker names or ids."""
    params, meta = asset.params or {}, asset.meta or {}
    merged = {**params, "seed": meta.get("seed", params.get("seed"))}
    rows = [
        {"Setting": label, "Value": str(merged[name])}
        for name, label in SETTING_LABELS.items()
        if merged.get(name) not in (None, "")
    ]
    labels = file_labels()  # each input file's declared label: Melody, Video, Track
    for field, name in (meta.get("input_names") or {}).items():
        rows.append({"Setting": labels.get(field, field), "Value": str(name or "a file")})
    if asset.model:
        rows.append({"Setting": "Model", "Value": model_name(asset.model)})
    engine_s = meta.get("job_engine_s") or meta.get("engine_s")
    if isinstance(engine_s, int | float):
        rows.append({"Setting": "Time taken", "Value": f"{engine_s:.1f} s"})
    return rows


def model_name(model: str) -> str:
    """A hub id as it is; a local folder by its name alone (no server path on a card)."""
    if model.startswith(("/", "~", ".")) or "\\" in model:
        return f"{Path(model).name} (local)"
    return model


def form_of(asset: Asset) -> str | None:
    """The page whose form made it, for "use these settings again"."""
    if asset.source != "generated":
        return None
    return "video" if asset.output_type == "video" else "music"


def reuse_settings(kind: str, params: dict[str, Any], seed: object) -> None:
    """Fill the page's form (its model, then the model's declared fields, input files by
    their asset ids) with a result's."""
    model_form.reuse_settings(kind, params, seed, services.settings())


def player_width(asset: Asset) -> int | Literal["stretch"]:
    """The clip's own width (twice that for tiny clips), never stretched to the page."""
    width = (asset.meta or {}).get("width")
    if not isinstance(width, int) or width <= 0:
        return "stretch"
    return width * 2 if width < TINY_PX else width


def loops(asset: Asset) -> bool:
    seconds = length_s(asset)
    return asset.output_type == "video" and seconds is not None and seconds < SHORT_CLIP_S


def actions(user: CurrentUser, asset: Asset, where: str) -> None:
    """Download, use these settings again, send to Combine, score this video, delete."""
    columns = st.columns(5)
    columns[0].link_button("Download", download_url(asset.id))
    kind = form_of(asset)
    # Filled in the click's callback, before the run draws a form: on the page that made
    # it the form is drawn above this card, and its widgets cannot be set once drawn.
    if kind is not None and columns[1].button(
        "Use these settings again",
        key=f"{where}-reuse-{asset.id}",
        on_click=reuse_settings,
        args=(kind, asset.params, (asset.meta or {}).get("seed")),
    ):
        st.switch_page(navigation.page(kind))
    if columns[2].button("Send to Combine", key=f"{where}-combine-{asset.id}"):
        st.session_state[
            "combine_send_video" if asset.output_type == "video" else "combine_send_track"
        ] = asset.id
        st.switch_page(navigation.page("combine"))
    if asset.output_type == "video" and columns[3].button(
        "Score this video", key=f"{where}-score-{asset.id}"
    ):
        st.session_state["combine_send_video"] = asset.id
        st.session_state.pop(OPEN_KEY, None)
        st.switch_page(navigation.page("combine"))
    if asset.output_type == "video" and st.button(
        "Extend", key=f"{where}-extend-{asset.id}", on_click=start_extending, args=(asset.id,)
    ):  # the next seconds, joined into one longer clip: the form is on the video page
        st.session_state.pop(OPEN_KEY, None)
        st.switch_page(navigation.page("video"))
    confirm = f"{where}-confirm"
    if columns[4].button("Delete", key=f"{where}-delete-{asset.id}"):
        st.session_state[confirm] = asset.id
    if st.session_state.get(confirm) == asset.id:
        st.warning("Delete this file for good?")
        yes, no = st.columns(2)
        if yes.button("Yes, delete", key=f"{where}-yes-{asset.id}", type="primary"):
            backend.delete_asset(user, asset.id)
            st.session_state.pop(confirm, None)
            st.session_state.pop(OPEN_KEY, None)
            st.rerun()
        if no.button("Keep it", key=f"{where}-keep-{asset.id}"):
            st.session_state.pop(confirm, None)
            st.rerun()


# How an asset is named in a picker: its prompt (or upload name), how it came, a short id.
# A generated result needs no word; the others say how they came.
SOURCE_WORDS = {
    "uploaded": "uploaded",
    "combined": "combined",
    "scored": "scored",
    "extended": "extended",
    "storyboard": "storyboard",
}


def asset_label(asset: Asset) -> str:
    params = asset.params or {}
    text = asked_text(params) or params.get("uploaded_as") or asset_title(asset)
    how = SOURCE_WORDS.get(asset.source)
    return f"{cut_at_word(str(text), 60)}{f' ({how})' if how else ''} · {asset.id[:6]}"
