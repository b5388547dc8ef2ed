"""The pages' door to storyboards: one BoardService over the studio's one JobService, and
the few names of jobs/boards a page needs (pages reach the job system only through here)."""

from __future__ import annotations

from typing import Any

import streamlit as st

from engines.storyboard.plan import MAX_SHOT_S, MIN_SHOT_S  # a shot's bounds, for the form
from jobs.boards.planning import has_field
from jobs.boards.render import BoardChanged
from jobs.boards.service import BoardService
from jobs.catalog.boards import Board
from jobs.owned_assets import NotFound
from studio.ui import backend

__all__ = [
    "MAX_SHOT_S",
    "MIN_SHOT_S",
    "Board",
    "BoardChanged",
    "NotFound",
    "board_service",
    "sings",
]


@st.cache_resource
def board_service() -> BoardService:
    """Shared by every session: it holds no per-user state (each call names its user)."""
    return BoardService(backend.job_service())


def sings(entry: Any) -> bool:
    """Whether an audio model takes lyrics (its params declare them)."""
    return has_field(entry, "lyrics")
