"""The "My account" page's logic: a user's own API tokens, never anyone else's.

The page shows a new token once, right after ``create_token``; only its hash is kept.
"""

from __future__ import annotations

import datetime as dt

import streamlit as st

from jobs.catalog.database import catalog_path
from studio import services
from studio.api_tokens import ApiTokens, TokenInfo
from studio.auth import CurrentUser


@st.cache_resource
def api_tokens() -> ApiTokens:
    return ApiTokens(catalog_path(services.settings().data_dir))


def create_token(user: CurrentUser, name: str) -> str:
    """A new token named ``name`` for ``user`` (TokenError when the name is taken or bad)."""
    return api_tokens().create(user.username, name.strip())


def my_tokens(user: CurrentUser) -> list[TokenInfo]:
    return api_tokens().list(user.username)


def revoke_token(user: CurrentUser, name: str) -> bool:
    return api_tokens().revoke(user.username, name)


def shown_time(timestamp: float | None, never: str = "never") -> str:
    if timestamp is None:
        return never
    return dt.datetime.fromtimestamp(timestamp).strftime("%Y-%m-%d %H:%M")
