"""Process-wide objects both sides of the studio share, created once per server.

The pages get theirs through ``st.cache_resource`` (each thread-safe, holding no per-user
state: the stores open a fresh SQLite connection per call); the web layer gets
``WebConfig``, read once from the environment by ``studio/server.py``.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import streamlit as st

from engines.settings import Settings
from jobs.catalog.database import catalog_path
from studio.accounts.login_cookie import cookie_expiry_hours, read_cookie_key
from studio.accounts.login_limits import LoginLimits, LoginTurns
from studio.accounts.store import AccountStore
from studio.accounts.token_rate import DEFAULT_PER_MINUTE, RateLimit
from studio.accounts.tokens import ApiTokens
from studio.public_url import Origin, public_origin
from studio.startup import ensure_admin


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


# What the web layer needs, read once from the environment (or given by a test).
@dataclass
class WebConfig:
    data_dir: Path
    cookie_key: str
    lifetime_s: float  # how long a login lasts
    secure_cookie: bool = False  # Secure even on plain HTTP (TLS ends at a proxy)
    metrics_open: bool = False  # /_stcore/metrics answers only when asked for
    api_per_minute: int = DEFAULT_PER_MINUTE  # calls per API token (STUDIO_API_PER_MINUTE)
    # The address people open (STUDIO_PUBLIC_URL) when a proxy rewrites Host; else the Host.
    public_origin: Origin | None = None
    store: AccountStore = field(init=False)
    limits: LoginLimits = field(init=False)
    turns: LoginTurns = field(init=False, default_factory=LoginTurns)
    tokens: ApiTokens = field(init=False)
    api_rate: RateLimit = field(init=False)
    wait: Callable[[float], Awaitable[None]] = asyncio.sleep  # a failed login's slow-down

    def __post_init__(self) -> None:
        self.store = AccountStore(self.data_dir / "catalog.sqlite3")
        self.limits = LoginLimits(self.data_dir / "catalog.sqlite3")
        self.tokens = ApiTokens(self.data_dir / "catalog.sqlite3")
        self.api_rate = RateLimit(self.api_per_minute)

    @classmethod
    def from_env(cls) -> WebConfig:
        return cls(
            data_dir=Settings.from_env().data_dir,
            cookie_key=read_cookie_key(),
            lifetime_s=cookie_expiry_hours() * 3600,
            secure_cookie=os.environ.get("STUDIO_COOKIE_SECURE", "") == "1",
            metrics_open=os.environ.get("STUDIO_METRICS", "") == "1",
            api_per_minute=int(os.environ.get("STUDIO_API_PER_MINUTE") or DEFAULT_PER_MINUTE),
            public_origin=public_origin(os.environ.get("STUDIO_PUBLIC_URL")),
        )
