"""One login try: the password check, counted and slowed per name and address.

An unknown or disabled name costs one bcrypt check like a known one, so the answer's
time and message are the same; while blocked, no password is checked at all. Every
failure and every block is logged with the name, the address and the time, never the
password.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from studio.accounts.login_limits import LoginLimits, Refusal
from studio.accounts.store import AccountStore, password_matches

log = logging.getLogger("studio.login")

NO_MATCH = "That login name and password do not match an active account."


@dataclass(frozen=True)
class LoginAnswer:
    matched: bool
    message: str | None = None  # what the form shows when refused
    wait_s: float = 0.0  # how long to wait before answering a failure
    blocked: bool = False  # too many failures: no password was checked


def check_login(
    store: AccountStore,
    limits: LoginLimits,
    username: str,
    password: str,
    address: str | None,
) -> LoginAnswer:
    attempt = limits.begin(username, address)
    if isinstance(attempt, Refusal):
        log.warning("Login blocked: name %r from %s", username[:100], address or "loopback")
        return LoginAnswer(False, attempt.message, blocked=True)
    if password_matches(store.password_hash(username), password):
        limits.succeeded(attempt)
        log.info("Login: name %r from %s", username, address or "loopback")
        return LoginAnswer(True)
    log.warning(
        "Login failed: name %r from %s (%d failures in the window)",
        username[:100],
        address or "loopback",
        attempt.failures,
    )
    return LoginAnswer(False, NO_MATCH, limits.failed(attempt))
