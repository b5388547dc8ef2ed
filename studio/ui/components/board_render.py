"""A board's render as it goes: one progress for the whole board, each shot's state and
the piece once made, drawn every second (a fragment)."""

from __future__ import annotations

from typing import Any

import streamlit as st

from engines.errors import StudioError
from studio.accounts.login_cookie import CurrentUser
from studio.ui.board_backend import (
    BoardChanged,
    NotFound,
    board_service,
)
from studio.ui.components.board_editor import OPEN
from studio.ui.components.job_panel import file_player
from studio.ui.text import as_markdown_text
from studio.urls import download_url

REFRESH_S = 1.0


def current_view(user: CurrentUser) -> dict[str, Any] | None:
    board_id = st.session_state.get(OPEN)
    if not board_id:
        return None
    try:
        return board_service().view(board_id, user.username, admin=user.is_admin)
    except NotFound:
        return None


@st.fragment(run_every=REFRESH_S)
def board_status(user: CurrentUser, board_id: str) -> None:
    """One progress for the whole board, each shot's state, and the piece once made."""
    try:
        view = board_service().view(board_id, user.username, admin=user.is_admin)
    except NotFound:
        return
    # A shot made or the piece done: the whole page again, for the shots' posters.
    seen = (view["status"], view["shots_done"], view["asset_id"])
    if st.session_state.setdefault("sb_seen", seen) != seen:
        st.session_state["sb_seen"] = seen
        st.rerun()
    st.subheader("Render")
    if view["status"] == "draft":
        st.caption("Not rendered yet.")
        return
    st.progress(view["progress"], text=view["phase"])
    if view["waiting"]:
        st.caption(as_markdown_text(f"Waiting for room in your queue: {view['waiting']}"))
    if view["error"] and view["status"] != "done":
        st.error(as_markdown_text(view["error"]))
    rows = [
        {"Shot": s["index"] + 1, "Prompt": s["prompt"][:60], "Status": s["status"] or "waiting",
         "Progress": f"{round(100 * s['fraction'])}%"}
        for s in view["shots"]
    ]  # fmt: skip
    st.dataframe(rows, hide_index=True)
    if view["plan"]:
        cuts = ", ".join(f"{c:.2f}" for c in view["plan"]["cuts"])
        st.caption(f"Cuts at {cuts} s; the piece lasts {view['plan']['seconds']:.2f} s.")
    if view["status"] == "rendering" and st.button("Cancel the board", key="sb_cancel"):
        try:
            board_service().cancel(board_id, user.username, admin=user.is_admin)
        except (BoardChanged, StudioError) as problem:
            st.error(str(problem))
        st.rerun()
    if view["asset_id"]:
        st.markdown("**The piece**")
        file_player(user, view["asset_id"])
        st.link_button("Download the piece", download_url(view["asset_id"]))
