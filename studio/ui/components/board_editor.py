"""The Storyboard editor's state: the open board and its shots in session state, each
shot with a stable id, so its widgets' values move with it when shots are reordered,
duplicated or removed (each done in a button's callback, before the widgets are drawn).
"""

from __future__ import annotations

import secrets
from typing import Any

import streamlit as st

from engines.errors import ParamError
from studio.accounts.login_cookie import CurrentUser
from studio.ui.board_backend import (
    Board,
    NotFound,
    board_service,
)

OPEN = "sb_open"  # the id of the board in the editor, None for a new one
SHOTS = "sb_shots"  # the editor's shot ids, in order


def shot_key(uid: str, name: str) -> str:
    return f"sb_{uid}_{name}"


def new_shot(values: dict[str, Any] | None = None) -> str:
    """A shot in the editor with ``values`` (prompt, model, seconds, seed, continue)."""
    uid = secrets.token_hex(4)
    values = values or {}
    st.session_state[shot_key(uid, "prompt")] = values.get("prompt", "")
    if values.get("model"):
        st.session_state[shot_key(uid, "model")] = values["model"]
    st.session_state[shot_key(uid, "seconds")] = float(values.get("seconds", 2.0))
    st.session_state[shot_key(uid, "seed")] = values.get("seed")
    st.session_state[shot_key(uid, "continue")] = bool(values.get("continue", False))
    st.session_state[shot_key(uid, "params")] = dict(values.get("params") or {})
    return uid


def shot_values(uid: str) -> dict[str, Any]:
    seed = st.session_state.get(shot_key(uid, "seed"))
    return {
        "prompt": st.session_state.get(shot_key(uid, "prompt"), ""),
        "model": st.session_state.get(shot_key(uid, "model")),
        "seconds": float(st.session_state.get(shot_key(uid, "seconds"), 2.0)),
        "seed": int(seed) if seed is not None else None,
        "continue": bool(st.session_state.get(shot_key(uid, "continue"), False)),
        "params": dict(st.session_state.get(shot_key(uid, "params")) or {}),
    }


def load_editor(board_id: str | None, spec: dict[str, Any], title: str) -> None:
    """Put a board (or a new empty one) into the editor's widgets."""
    state = st.session_state
    state.pop("sb_note", None)  # the last save's note was about another board
    state[OPEN] = board_id
    remember_in_url(board_id)
    state["sb_title"] = title
    state[SHOTS] = [new_shot(shot) for shot in spec.get("shots") or [{}]]
    soundtrack = spec.get("soundtrack")
    if soundtrack is None:
        state["sb_track_mode"] = "none" if spec.get("shots") else "make"
    elif "asset" in soundtrack:
        state["sb_track_mode"] = "library"
        state["sb_track_asset"] = soundtrack["asset"]
    else:
        state["sb_track_mode"] = "make"
        state["sb_track_model"] = soundtrack["model"]
        state["sb_track_prompt"] = soundtrack["prompt"]
        state["sb_track_lyrics"] = soundtrack.get("lyrics", "")
    state["sb_cuts"] = spec.get("cuts", "beats")
    transition = spec.get("transition") or {"kind": "cut", "seconds": 0.0}
    state["sb_transition"] = transition["kind"]
    state["sb_crossfade_s"] = float(transition["seconds"] or 0.5)


def editor_board() -> dict[str, Any]:
    """The board as the editor shows it, in the API's shape."""
    state = st.session_state
    mode = state.get("sb_track_mode", "make")
    soundtrack: dict[str, Any] | None = None
    if mode == "make":
        soundtrack = {
            "model": state.get("sb_track_model"),
            "prompt": state.get("sb_track_prompt", ""),
            "lyrics": state.get("sb_track_lyrics", ""),
        }
    elif mode in ("library", "upload"):
        asset_id = state.get("sb_track_asset" if mode == "library" else "sb_track_uploaded")
        if not asset_id:
            raise ParamError("Pick a track from the Library or upload one for the soundtrack.")
        soundtrack = {"asset": asset_id}
    kind = state.get("sb_transition", "cut")
    return {
        "title": state.get("sb_title", ""),
        "shots": [shot_values(uid) for uid in state.get(SHOTS, [])],
        "soundtrack": soundtrack,
        "cuts": state.get("sb_cuts", "beats") if soundtrack else "as_written",
        "transition": {
            "kind": kind,
            "seconds": float(state.get("sb_crossfade_s", 0.5)) if kind == "crossfade" else 0.0,
        },
    }


# -- the shot list's buttons (callbacks: they run before the widgets are drawn) -------


def add_shot() -> None:
    st.session_state[SHOTS] = [*st.session_state[SHOTS], new_shot()]


def move_shot(index: int, by: int) -> None:
    shots = list(st.session_state[SHOTS])
    other = index + by
    if 0 <= other < len(shots):
        shots[index], shots[other] = shots[other], shots[index]
        st.session_state[SHOTS] = shots


def duplicate_shot(index: int) -> None:
    shots = list(st.session_state[SHOTS])
    shots.insert(index + 1, new_shot(shot_values(shots[index])))
    st.session_state[SHOTS] = shots


def remove_shot(index: int) -> None:
    shots = list(st.session_state[SHOTS])
    if len(shots) > 1:
        del shots[index]
        st.session_state[SHOTS] = shots


def open_board(board: Board) -> None:
    load_editor(board.id, board.spec, board.title)


def new_board() -> None:
    load_editor(None, {}, "")


def remember_in_url(board_id: str | None) -> None:
    """The open board in the page's address, so a refresh reopens it (nothing is lost)."""
    if board_id:
        st.query_params["board"] = board_id
    else:
        st.query_params.pop("board", None)


def board_in_url(user: CurrentUser) -> Board | None:
    """The board the address names, if it is one this user may open."""
    board_id = st.query_params.get("board")
    if not board_id:
        return None
    try:
        return board_service().get(board_id, user.username, admin=user.is_admin)
    except NotFound:
        return None
