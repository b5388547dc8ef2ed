"""Personal access tokens for the HTTP API, kept in the catalog database, stored hashed.

A token is shown once, when it is made: ``studio_<40 random characters>``. Only its
SHA-256 is stored (tokens are long random secrets, so a fast hash is enough; bcrypt's
cost would only slow every API call). Each user names their tokens, and revokes them by
name; a revoked token stays listed, so "which script was that?" has an answer.

    tokens = ApiTokens(catalog_path(data_dir))
    secret = tokens.create("ana", "render farm")   # print it once
    tokens.owner_of(secret)                         # -> "ana"
    tokens.revoke("ana", "render farm")
"""

from __future__ import annotations

import builtins
import hashlib
import re
import secrets
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from jobs.catalog.database import connect, transaction

PREFIX = "studio_"
NAME_PATTERN = re.compile(r"^[\w .@-]{1,64}$")
LAST_USED_EVERY_S = 60.0  # a busy script does not write the catalog on every call

SCHEMA = """
CREATE TABLE IF NOT EXISTS api_tokens (
    token_hash TEXT PRIMARY KEY,             -- SHA-256 of the whole token, hex
    username TEXT NOT NULL,
    name TEXT NOT NULL,
    created_at REAL NOT NULL,
    last_used_at REAL,
    revoked_at REAL
);
CREATE UNIQUE INDEX IF NOT EXISTS api_tokens_live_name
    ON api_tokens (username, name) WHERE revoked_at IS NULL;
"""


class TokenError(ValueError):
    """A refused token change; the message is meant for the person who asked."""


@dataclass(frozen=True)
class TokenInfo:
    name: str
    created_at: float
    last_used_at: float | None
    revoked_at: float | None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class ApiTokens:
    """Thread-safe: each call opens its own short-lived connection to the catalog file."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        with connect(self.path) as conn:
            conn.executescript(SCHEMA)

    def create(self, username: str, name: str) -> str:
        """A new token for ``username``; the only time its secret is seen."""
        if not NAME_PATTERN.fullmatch(name) or name != name.strip():
            raise TokenError(
                "A token's name has 1 to 64 letters, digits, spaces, '.', '@', '_' or '-' "
                f"(no space at either end); {name!r} is not one."
            )
        token = PREFIX + secrets.token_urlsafe(30)
        try:
            with transaction(self.path) as conn:
                conn.execute(
                    "INSERT INTO api_tokens (token_hash, username, name, created_at)"
                    " VALUES (?, ?, ?, ?)",
                    (token_hash(token), username, name, time.time()),
                )
        except sqlite3.IntegrityError:
            raise TokenError(
                f"You already have a token named {name!r}; revoke it or pick another name."
            ) from None
        return token

    def revoke(self, username: str, name: str) -> bool:
        """True when a live token of that name was revoked."""
        with transaction(self.path) as conn:
            cur = conn.execute(
                "UPDATE api_tokens SET revoked_at = ?"
                " WHERE username = ? AND name = ? AND revoked_at IS NULL",
                (time.time(), username, name),
            )
            return cur.rowcount == 1

    def revoke_all(self, username: str) -> int:
        """Every live token of a user (a disabled account, say); how many."""
        with transaction(self.path) as conn:
            cur = conn.execute(
                "UPDATE api_tokens SET revoked_at = ? WHERE username = ? AND revoked_at IS NULL",
                (time.time(), username),
            )
            return cur.rowcount

    def list(self, username: str) -> builtins.list[TokenInfo]:
        """The user's tokens, live ones first, newest first; never their secrets."""
        with transaction(self.path) as conn:
            rows = conn.execute(
                "SELECT name, created_at, last_used_at, revoked_at FROM api_tokens"
                " WHERE username = ? ORDER BY revoked_at IS NOT NULL, created_at DESC",
                (username,),
            ).fetchall()
        return [TokenInfo(*row) for row in rows]

    def owner_of(self, token: str) -> str | None:
        """The user a live token belongs to, or None; notes when it was last used."""
        if not token.startswith(PREFIX):
            return None
        digest = token_hash(token)  # equal hashes or nothing: no timing oracle on the secret
        now = time.time()
        with transaction(self.path) as conn:
            row = conn.execute(
                "SELECT username, last_used_at FROM api_tokens"
                " WHERE token_hash = ? AND revoked_at IS NULL",
                (digest,),
            ).fetchone()
            if row is None:
                return None
            if row[1] is None or now - row[1] >= LAST_USED_EVERY_S:
                conn.execute(
                    "UPDATE api_tokens SET last_used_at = ? WHERE token_hash = ?", (now, digest)
                )
        return str(row[0])
