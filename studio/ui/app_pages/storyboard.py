"""Storyboard: shots in order, one soundtrack, cuts on the beat; rendered as jobs into one
piece (jobs/boards). Boards are saved per user: list, open, duplicate, rename, delete.

The editor lives in session state: each shot has a stable id, so its widgets' values move
with it when shots are reordered, duplicated or removed (each done in a button's callback,
before the widgets are drawn again).
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from engines.catalog import AUDIO, VIDEO
from engines.errors import MediaError, ParamError
from studio import services
from studio.accounts.login_cookie import CurrentUser
from studio.ui import backend
from studio.ui.board_backend import (
    MAX_SHOT_S,
    MIN_SHOT_S,
    BoardChanged,
    NotFound,
    board_service,
    sings,
)
from studio.ui.components.asset_card import asset_label, model_name
from studio.ui.components.board_editor import (
    OPEN,
    SHOTS,
    add_shot,
    board_in_url,
    duplicate_shot,
    editor_board,
    move_shot,
    new_board,
    open_board,
    remember_in_url,
    remove_shot,
    shot_key,
    shot_values,
)
from studio.ui.components.board_render import board_status, current_view
from studio.ui.components.job_panel import absolute, file_player, page_user
from studio.ui.components.made_with import settings_of_file
from studio.ui.text import as_markdown_text
from studio.urls import picture_url

CUT_LABELS = {
    "beats": "On the beat",
    "bars": "On the bar",
    "as_written": "As written",
}
TRACK_MODES = {
    "make": "Make one",
    "library": "From the Library",
    "upload": "Upload",
    "none": "No soundtrack",
}
TRANSITION_LABELS = {"cut": "Cut", "crossfade": "Crossfade"}


# -- the page -------------------------------------------------------------------------


def render() -> None:
    user = page_user()
    st.title("Storyboard")
    st.caption(
        "Shots in order and one soundtrack; the cuts land on the music. Each shot, the "
        "soundtrack and the assembly are jobs in the queue."
    )
    if SHOTS not in st.session_state:  # a new session: a refresh, a bookmark, a new tab
        reopened = board_in_url(user)
        if reopened is None:
            new_board()
        else:
            open_board(reopened)
    boards_section(user)
    reopen_from_piece(user)
    editor(user)
    open_id = st.session_state.get(OPEN)
    if open_id:
        board_status(user, open_id)


def boards_section(user: CurrentUser) -> None:
    service = board_service()
    mine = service.list(user.username, admin=user.is_admin)
    with st.expander(f"Your boards ({len(mine)})", expanded=False):
        st.button("New board", key="sb_new", on_click=new_board)
        for board in mine:
            row = st.columns([4, 1, 1, 1, 1])
            owner = "" if board.owner == user.username else f" · {board.owner}"
            row[0].markdown(
                as_markdown_text(f"{board.title} · {board.status}{owner}"),
            )
            row[1].button("Open", key=f"sb_open_{board.id}", on_click=open_board, args=(board,))
            if row[2].button("Duplicate", key=f"sb_dup_{board.id}"):
                copy = service.duplicate(board.id, user.username, admin=user.is_admin)
                open_board(copy)
                st.rerun()
            with row[3].popover("Rename"):
                name = st.text_input("New title", board.title, key=f"sb_name_{board.id}")
                if st.button("Rename", key=f"sb_rename_{board.id}"):
                    try:
                        service.rename(board.id, user.username, name, admin=user.is_admin)
                        if st.session_state.get(OPEN) == board.id:  # Save would undo it
                            st.session_state["sb_title"] = name
                        st.rerun()
                    except ParamError as problem:
                        st.error(str(problem))
            if row[4].button("Delete", key=f"sb_del_{board.id}"):
                service.delete(board.id, user.username, admin=user.is_admin)
                if st.session_state.get(OPEN) == board.id:
                    st.session_state[OPEN] = None
                    remember_in_url(None)
                st.rerun()


def reopen_from_piece(user: CurrentUser) -> None:
    """A piece made here carries its board: dropping it opens that board (or a copy)."""
    upload = st.file_uploader(
        "Reopen a board: drop a piece made on this page", type=["mp4"], key="sb_piece"
    )
    done = st.session_state.get("sb_piece_done")
    if upload is None or done == upload.file_id:
        return
    st.session_state["sb_piece_done"] = upload.file_id
    try:
        settings = settings_of_file(upload.name, upload.getvalue())
    except MediaError as problem:
        st.error(str(problem))
        return
    params = (settings or {}).get("params") or {}
    if (settings or {}).get("job_kind") != "assemble" or not isinstance(params, dict):
        st.warning(
            as_markdown_text(upload.name) + " is no storyboard piece from this studio; "
            "drop a piece this page made."
        )
        return
    service = board_service()
    board_id = params.get("board_id")
    try:
        board = service.get(str(board_id), user.username, admin=user.is_admin)
    except NotFound:  # not theirs, or deleted: a new board from what the piece carries
        try:
            board = service.create(user.username, params.get("board"))
        except ParamError as problem:
            st.error(f"The board this piece carries cannot be opened: {problem}")
            return
    open_board(board)
    st.success(as_markdown_text(f"Opened the board {board.title!r} from {upload.name}."))
    st.rerun()


def editor(user: CurrentUser) -> None:
    settings = services.settings()
    videos = [entry.name for entry in settings.enabled_models(VIDEO)]
    st.text_input("Title", key="sb_title", placeholder="Untitled board")
    st.subheader("Shots")
    shots = st.session_state[SHOTS]
    view = current_view(user)
    for index, uid in enumerate(shots):
        shot_editor(user, index, uid, videos, view)
    st.button("Add a shot", key="sb_add", on_click=add_shot)
    soundtrack_editor(user)
    cuts_editor()
    left, right = st.columns(2)
    if left.button("Save", key="sb_save"):
        save(user, render=False)
    if right.button("Render", key="sb_render", type="primary"):
        save(user, render=True)
    note = st.session_state.get("sb_note")
    if note:
        st.success(note)


def shot_editor(
    user: CurrentUser, index: int, uid: str, videos: list[str], view: dict[str, Any] | None
) -> None:
    with st.container(border=True):
        head = st.columns([3, 1, 1, 1, 1])
        last = len(st.session_state[SHOTS]) - 1
        head[0].markdown(f"**Shot {index + 1}**")
        head[1].button("↑", key=f"sb_up_{uid}", on_click=move_shot, args=(index, -1),
                       help="Move up", disabled=index == 0)  # fmt: skip
        head[2].button("↓", key=f"sb_down_{uid}", on_click=move_shot, args=(index, 1),
                       help="Move down", disabled=index == last)  # fmt: skip
        head[3].button("Duplicate", key=f"sb_dupshot_{uid}", on_click=duplicate_shot,
                       args=(index,))  # fmt: skip
        head[4].button("Remove", key=f"sb_rm_{uid}", on_click=remove_shot, args=(index,),
                       disabled=last == 0)  # fmt: skip
        body = st.columns([3, 1])
        with body[0]:
            st.text_area("Prompt", key=shot_key(uid, "prompt"), height=68)
            a, b, c = st.columns(3)
            model_key = shot_key(uid, "model")
            if st.session_state.get(model_key) not in videos:
                st.session_state[model_key] = videos[0]
            a.selectbox("Model", videos, key=model_key, format_func=model_name)
            b.number_input(
                "Seconds", MIN_SHOT_S, MAX_SHOT_S, step=0.5, key=shot_key(uid, "seconds")
            )
            c.number_input("Seed (empty: random)", 0, None, step=1, key=shot_key(uid, "seed"))
            if index > 0:
                st.checkbox(
                    "Continue from the previous shot (its last frame starts this one)",
                    key=shot_key(uid, "continue"),
                )
        with body[1]:
            shot_result(user, index, uid, view)


def shot_result(user: CurrentUser, index: int, uid: str, view: dict[str, Any] | None) -> None:
    """The shot's poster once made, its job's status, and a new take of it alone."""
    if view is None or index >= len(view["shots"]):
        return
    shot = view["shots"][index]
    if shot["asset_id"]:
        asset = backend.get_asset(user, shot["asset_id"])
        if asset is not None and (asset.meta.get("previews") or {}).get("poster"):
            st.image(absolute(picture_url(asset.id, "poster")), caption=f"Shot {index + 1}")
    # Only a shot's end: the page is drawn again when a shot is made, not at each step (the
    # Render table below shows queued and running live).
    if shot["status"] in ("done", "failed", "cancelled"):
        st.caption(f"Shot {index + 1}: {shot['status']}")
    service = board_service()
    if shot["status"] in ("queued", "running") and st.button(
        "Cancel shot", key=f"sb_cancelshot_{uid}"
    ):
        service.cancel_shot(view["id"], user.username, index, admin=user.is_admin)
        st.rerun()
    if shot["job_id"] and st.button(
        "Render this shot again",
        key=f"sb_again_{uid}",
        help="With its prompt and seed as above; shots that continue from it are made again "
        "too, and the piece is assembled anew.",
    ):
        values = shot_values(uid)
        try:
            service.rerender_shot(
                view["id"], user.username, index,
                {"prompt": values["prompt"], "seed": values["seed"]}, admin=user.is_admin,
            )  # fmt: skip
            st.rerun()
        except (ParamError, BoardChanged) as problem:
            st.error(str(problem))


def soundtrack_editor(user: CurrentUser) -> None:
    st.subheader("Soundtrack")
    mode = st.radio(
        "Soundtrack", list(TRACK_MODES), format_func=TRACK_MODES.__getitem__,
        key="sb_track_mode", horizontal=True, label_visibility="collapsed",
    )  # fmt: skip
    if mode == "make":
        entries = {e.name: e for e in services.settings().enabled_models(AUDIO)}
        if st.session_state.get("sb_track_model") not in entries:
            st.session_state["sb_track_model"] = next(iter(entries))
        model = st.selectbox(
            "Audio model", list(entries), key="sb_track_model", format_func=model_name
        )
        st.text_area("Describe the music", key="sb_track_prompt", height=68)
        if sings(entries[model]):
            st.text_area("Lyrics", key="sb_track_lyrics", height=100)
        st.caption("Made first, as long as the board, so its beats can place the cuts.")
    elif mode == "library":
        tracks = backend.list_assets(user, "audio")
        labels = {a.id: asset_label(a) for a in tracks}
        if not labels:
            st.info("Your Library has no tracks yet; make one or upload one.")
            return
        if st.session_state.get("sb_track_asset") not in labels:
            st.session_state["sb_track_asset"] = next(iter(labels))
        chosen = st.selectbox(
            "Track", list(labels), key="sb_track_asset", format_func=labels.__getitem__
        )
        file_player(user, chosen)
    elif mode == "upload":
        upload = st.file_uploader("Upload a track", type=None, key="sb_track_upload")
        if upload is not None:
            stored = st.session_state.setdefault("sb_stored_uploads", {})
            if upload.file_id not in stored:
                try:
                    stored[upload.file_id] = backend.store_upload(user, upload, "audio")
                except MediaError as problem:
                    st.error(str(problem))
                    return
            st.session_state["sb_track_uploaded"] = stored[upload.file_id]


def cuts_editor() -> None:
    st.subheader("Cuts and transitions")
    left, right = st.columns(2)
    no_music = st.session_state.get("sb_track_mode") == "none"
    left.radio(
        "Cuts", list(CUT_LABELS), format_func=CUT_LABELS.__getitem__, key="sb_cuts",
        disabled=no_music, help="Without a soundtrack the cuts are as written.",
    )  # fmt: skip
    kind = right.radio(
        "Transition", list(TRANSITION_LABELS), format_func=TRANSITION_LABELS.__getitem__,
        key="sb_transition", horizontal=True,
    )  # fmt: skip
    if kind == "crossfade":
        right.slider("Crossfade (s)", 0.1, 2.0, step=0.1, key="sb_crossfade_s")


def save(user: CurrentUser, *, render: bool) -> None:
    service = board_service()
    st.session_state.pop("sb_note", None)
    try:
        body = editor_board()
        board_id = st.session_state.get(OPEN)
        if board_id:
            board = service.save(board_id, user.username, body, admin=user.is_admin)
            if render:
                board = service.render(board.id, user.username, admin=user.is_admin)
        else:
            board = service.create(user.username, body, render=render)
            st.session_state[OPEN] = board.id
            remember_in_url(board.id)
    except (ParamError, BoardChanged) as problem:
        st.error(str(problem))
        return
    except NotFound:
        st.session_state[OPEN] = None
        remember_in_url(None)
        st.error("This board was deleted meanwhile; Save again to keep it as a new board.")
        return
    # Kept until the next save: the page redraws as the render goes on.
    st.session_state["sb_note"] = (
        "Rendering: each shot is a job in the queue." if render else "Saved."
    )


render()
