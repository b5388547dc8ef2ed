"""What the web layer needs, read once from the environment (or given by a test)."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

from engines.settings import Settings
from studio.accounts import AccountStore
from studio.api_rate import DEFAULT_PER_MINUTE, RateLimit
from studio.api_tokens import ApiTokens
from studio.cookie_key import cookie_expiry_hours, read_cookie_key
from studio.login_limits import LoginLimits
from studio.login_turns import LoginTurns


@dataclass
class WebConfig:
    data_dir: Path
    cookie_key: str
    lifetime_s: float  # how long a login lasts
    secure_cookie: bool = False  # Secure even on plain HTTP (TLS ends at a proxy)
    metrics_open: bool = False  # /_stcore/metrics answers only when asked for
    api_per_minute: int = DEFAULT_PER_MINUTE  # calls per API token (STUDIO_API_PER_MINUTE)
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
        )
