"""Process-wide objects the pages share, created once per Streamlit server.

Each is thread-safe and holds no per-user state, as ``st.cache_resource`` requires:
the stores open a fresh SQLite connection per call.
"""

from __future__ import annotations

import streamlit as st

from engines.settings import Settings
from jobs.catalog.database import catalog_path
from studio.accounts import AccountStore
from studio.cookie_key import read_cookie_key
from studio.first_start import ensure_admin


@st.cache_resource
def settings() -> Settings:
    return Settings.from_env()


@st.cache_resource
def account_store() -> AccountStore:
    return AccountStore(catalog_path(settings().data_dir))


@st.cache_resource
def cookie_key() -> str:
    return read_cookie_key()


@st.cache_resource
def checked_account_store() -> AccountStore:
    """The accounts, with the first admin created from the environment if there is none."""
    store = account_store()
    ensure_admin(store)
    return store
