"""Library: every one of this user's files as a gallery of cards, a page at a time, with
search, filters and multi-select delete; a card opens to its player, settings and actions.
A file from this studio dropped here opens the page that made it, its form filled."""

from __future__ import annotations

import math

import streamlit as st

from studio.accounts.login_cookie import CurrentUser
from studio.ui import backend
from studio.ui.components.asset_card import (
    OPEN_KEY,
    OUTPUT_WORDS,
    actions,
    loops,
    player_width,
    settings_table,
    summary,
    title,
)
from studio.ui.components.job_panel import absolute, page_user
from studio.ui.components.made_with import made_with_drop
from studio.urls import file_url, picture_url

PAGE_SIZE = 24
COLUMNS = 4
TYPE_LABELS = {"all": "All", "video": "Videos", "audio": "Tracks", "image": "Images"}
SOURCE_LABELS = {
    "all": "Any source",
    "generated": "Generated",
    "combined": "Combined",
    "scored": "Scored",
    "extended": "Extended",
    "storyboard": "Storyboard",
    "uploaded": "Uploaded",
}
SORTS = {"newest": "Newest first", "oldest": "Oldest first"}


def picture(asset: backend.Asset) -> str | None:
    """The card's picture from /files: a poster for a video or an image (a thumbnail of
    itself), a waveform for a track."""
    previews = (asset.meta or {}).get("previews") or {}
    name = "waveform" if asset.output_type == "audio" else "poster"
    return absolute(picture_url(asset.id, name)) if previews.get(name) else None


def close_card() -> None:
    st.session_state.pop(OPEN_KEY, None)


@st.dialog("Result", width="large", on_dismiss=close_card)
def open_card(user: CurrentUser, asset_id: str) -> None:
    asset = backend.get_asset(user, asset_id)
    if asset is None:
        st.warning("That file is gone.")
        return
    st.text(title(asset))  # user text as text: markdown would render its links and images
    st.caption(summary(asset))
    if (asset.meta or {}).get("tiny"):
        st.caption("Made by a tiny demo model: noise, not a real result.")
    url = absolute(file_url(asset.id))
    if asset.output_type == "video":
        st.video(url, loop=loops(asset), autoplay=loops(asset), muted=loops(asset),
                 width=player_width(asset))  # fmt: skip
    elif asset.output_type == "image":
        st.image(url)
    else:
        st.audio(url)
    settings_table(asset)
    actions(user, asset, "dialog")


def filters() -> tuple[str | None, str | None, str | None, bool]:
    search, kind, source, order = st.columns([3, 3, 2, 2])
    words = search.text_input("Search prompts and file names", key="lib_search")
    shown = kind.segmented_control(
        "Show",
        list(TYPE_LABELS),
        default="all",
        format_func=TYPE_LABELS.__getitem__,
        key="lib_type",
    )
    origin = source.selectbox(
        "Source", list(SOURCE_LABELS), format_func=SOURCE_LABELS.__getitem__, key="lib_source"
    )
    sort = order.selectbox("Sort", list(SORTS), format_func=SORTS.__getitem__, key="lib_sort")
    return (
        None if shown in (None, "all") else shown,
        None if origin == "all" else origin,
        words.strip() or None,
        sort == "oldest",
    )


def selected_ids() -> set[str]:
    return {key.removeprefix("lib-pick-") for key, on in st.session_state.items()
            if isinstance(key, str) and key.startswith("lib-pick-") and on}  # fmt: skip


def delete_bar(user: CurrentUser) -> None:
    chosen = selected_ids()
    if not chosen:
        return
    left, right = st.columns([3, 1])
    left.caption(f"{len(chosen)} selected")
    if st.session_state.get("lib_confirm_many"):
        st.warning(f"Delete {len(chosen)} files for good?")
        yes, no = st.columns(2)
        if yes.button("Yes, delete them", key="lib_yes_many", type="primary"):
            for asset_id in chosen:
                backend.delete_asset(user, asset_id)
                st.session_state.pop(f"lib-pick-{asset_id}", None)
            st.session_state.pop("lib_confirm_many", None)
            st.rerun()
        if no.button("Keep them", key="lib_no_many"):
            st.session_state.pop("lib_confirm_many", None)
            st.rerun()
    elif right.button("Delete selected", key="lib_delete_many"):
        st.session_state["lib_confirm_many"] = True
        st.rerun()


def card(asset: backend.Asset) -> None:
    with st.container(border=True):
        image = picture(asset)
        if image is not None:
            st.image(image, width="stretch")
        else:
            st.caption(f"{OUTPUT_WORDS.get(asset.output_type, '')} (no picture)")
        st.text(title(asset))
        st.caption(summary(asset))
        pick, show = st.columns(2)
        pick.checkbox("Select", key=f"lib-pick-{asset.id}")
        if show.button("Open", key=f"lib-open-{asset.id}"):
            st.session_state[OPEN_KEY] = asset.id


def render() -> None:
    user = page_user()
    st.title("Library")
    made_with_drop("library")  # an MP4 opens Text to video, a WAV Music, the form filled
    output_type, source, search, oldest = filters()
    total = backend.count_assets(user, output_type, source=source, search=search)
    if total == 0:
        st.info(
            "No file matches: try other words or filters."
            if search or output_type or source
            else "Nothing here yet: make a video or a track and it will appear here."
        )
        return
    pages = math.ceil(total / PAGE_SIZE)
    if st.session_state.get("lib_page", 1) > pages:
        st.session_state["lib_page"] = pages
    here, count = st.columns([1, 3])
    page = int(here.number_input("Page", 1, pages, 1, 1, key="lib_page"))
    count.caption(f"{total} {'file' if total == 1 else 'files'} · page {page} of {pages}")
    delete_bar(user)
    assets = backend.list_assets(
        user,
        output_type,
        source=source,
        search=search,
        limit=PAGE_SIZE,
        offset=(page - 1) * PAGE_SIZE,
        oldest_first=oldest,
    )
    for start in range(0, len(assets), COLUMNS):
        for column, asset in zip(
            st.columns(COLUMNS), assets[start : start + COLUMNS], strict=False
        ):
            with column:
                card(asset)
    opened = st.session_state.get(OPEN_KEY)  # stays open across the reruns its buttons cause
    if opened is not None:
        open_card(user, opened)


render()
