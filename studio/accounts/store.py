"""Studio accounts, kept in the catalog database with bcrypt hashes.

The login route checks passwords against these hashes; only admins create accounts
(there is no open registration).
"""

from __future__ import annotations

import os
import re
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import bcrypt

from jobs.catalog.database import connect, transaction, use_wal
from studio.accounts.tokens import SCHEMA as TOKENS_SCHEMA

ROLES = ("admin", "user")
USERNAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_.-]{1,31}$")
MIN_PASSWORD_LENGTH = 8
# Tests set STUDIO_BCRYPT_ROUNDS=4 (as Django's test hasher is cheap); 4 is bcrypt's floor.
BCRYPT_ROUNDS = max(4, int(os.environ.get("STUDIO_BCRYPT_ROUNDS", "12")))
# A bcrypt hash of a random secret nobody knows, at the cost of every stored hash:
# checking an unknown name against it takes as long as checking a real account.
DUMMY_HASH = (
    b"$2b$12$Or/wCUwHvEORGesY2RMLvutH/EfURijfWrkOpnKgzpZxGmyvxTr0."
    if BCRYPT_ROUNDS == 12
    else bcrypt.hashpw(os.urandom(16), bcrypt.gensalt(BCRYPT_ROUNDS))
)

SCHEMA = """
CREATE TABLE IF NOT EXISTS accounts (
    username TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('admin', 'user')),
    password_hash TEXT NOT NULL,
    disabled INTEGER NOT NULL DEFAULT 0,
    created_at REAL NOT NULL,
    -- Login cookies issued before this moment are void (set by logout-everywhere and
    -- password changes), so a copied cookie stops working on the server too.
    tokens_valid_after REAL NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS revoked_tokens (
    username TEXT NOT NULL,
    expires_at REAL NOT NULL,  -- the token's exp_date, unique per login
    PRIMARY KEY (username, expires_at)
)
"""


def _add_generation(db: sqlite3.Connection) -> None:
    """Accounts made before revocation for good: every login and token so far is of
    generation 0, and no login is kept through a password change yet."""
    columns = {row[1] for row in db.execute("PRAGMA table_info(accounts)")}
    if "generation" not in columns:
        # Bumped by a disable and an admin's reset: every login of an older generation is void.
        db.execute("ALTER TABLE accounts ADD COLUMN generation INTEGER NOT NULL DEFAULT 0")
    if "kept_login" not in columns:
        # The one login (its expiry moment) a user's own password change leaves working.
        db.execute("ALTER TABLE accounts ADD COLUMN kept_login REAL")


class AccountError(ValueError):
    """A refused account change; the message is meant for the admin who asked."""


@dataclass(frozen=True)
class Account:
    username: str
    name: str
    role: str
    disabled: bool
    created_at: float

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


def check_username(username: str) -> None:
    if not USERNAME_PATTERN.fullmatch(username):
        raise AccountError(
            "A login name has 2 to 32 characters: lower-case letters, digits, '.', '_' or '-', "
            f"starting with a letter or digit; {username!r} is not one."
        )


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"A password needs at least {MIN_PASSWORD_LENGTH} characters.")
    if len(password.encode()) > 72:
        raise AccountError("A password may have at most 72 bytes (bcrypt's limit).")
    if password != password.strip():
        # The login form strips what is typed, so such a password could never log in.
        raise AccountError("A password may not start or end with a space.")


def hash_password(password: str) -> str:
    return bcrypt.hashpw(password.encode(), bcrypt.gensalt(BCRYPT_ROUNDS)).decode()


def password_matches(password_hash: str | None, password: str) -> bool:
    """bcrypt check that costs the same whether or not the account exists."""
    candidate = password.encode()
    if password_hash is None or len(candidate) > 72:
        bcrypt.checkpw(b"equal time for every refusal", DUMMY_HASH)
        return False
    try:
        return bcrypt.checkpw(candidate, password_hash.encode())
    except ValueError:  # not a bcrypt hash: no password can match it
        bcrypt.checkpw(b"equal time for every refusal", DUMMY_HASH)
        return False


class AccountStore:
    def __init__(self, db_path: Path) -> None:
        self.db_path = db_path
        db_path.parent.mkdir(parents=True, exist_ok=True)
        use_wal(db_path)
        with connect(db_path) as db:
            db.executescript(SCHEMA)
            db.executescript(TOKENS_SCHEMA)  # a disable revokes API tokens in one transaction
            _add_generation(db)

    def add(self, username: str, password: str, *, name: str = "", role: str = "user") -> None:
        check_username(username)
        check_password(password)
        if role not in ROLES:
            raise AccountError(f"The role must be one of {', '.join(ROLES)}, not {role!r}.")
        try:
            with transaction(self.db_path) as db:
                db.execute(
                    "INSERT INTO accounts (username, name, role, password_hash, created_at)"
                    " VALUES (?, ?, ?, ?, ?)",
                    (username, name or username, role, hash_password(password), time.time()),
                )
        except sqlite3.IntegrityError:
            raise AccountError(f"The login name {username!r} is taken.") from None

    def set_password(self, username: str, password: str) -> None:
        """An admin's reset: every login and API token of the account ends, for good."""
        check_password(password)
        self._update(username, "password_hash = ?", hash_password(password))
        self.revoke_for_good(username)

    def change_own_password(self, username: str, password: str, keep_login: float) -> None:
        """The user's own change: their other logins end; this one (its expiry moment
        ``keep_login``) goes on, and so do their API tokens (listed on My account)."""
        check_password(password)
        with transaction(self.db_path) as db:
            changed = db.execute(
                "UPDATE accounts SET password_hash = ?, tokens_valid_after = ?, kept_login = ?"
                " WHERE username = ? AND disabled = 0",
                (hash_password(password), time.time(), keep_login, username),
            ).rowcount
        if not changed:
            raise AccountError(f"There is no active account {username!r}.")

    def revoke_for_good(self, username: str) -> None:
        """Ends every login and API token of ``username``; nothing later revives them."""
        with transaction(self.db_path) as db:
            changed = db.execute(
                "UPDATE accounts SET generation = generation + 1, tokens_valid_after = ?,"
                " kept_login = NULL WHERE username = ?",
                (time.time(), username),
            ).rowcount
            db.execute(
                "UPDATE api_tokens SET revoked_at = ? WHERE username = ? AND revoked_at IS NULL",
                (time.time(), username),
            )
        if not changed:
            raise AccountError(f"There is no account {username!r}.")

    def generation(self, username: str) -> int:
        """What a login issued now carries: it counts until the next disable or reset."""
        with transaction(self.db_path) as db:
            row = db.execute(
                "SELECT generation FROM accounts WHERE username = ?", (username,)
            ).fetchone()
        return int(row[0]) if row else 0

    def revoke_token(self, username: str, expires_at: float) -> None:
        """Void one login cookie (logout): it no longer logs anyone in, wherever it was copied."""
        with transaction(self.db_path) as db:
            db.execute("INSERT OR IGNORE INTO revoked_tokens VALUES (?, ?)", (username, expires_at))
            db.execute("DELETE FROM revoked_tokens WHERE expires_at < ?", (time.time(),))

    def revoke_all_tokens(self, username: str) -> None:
        self._update(username, "tokens_valid_after = ?", time.time())

    def token_is_valid(
        self, username: str, expires_at: float, lifetime_s: float, generation: int = 0
    ) -> bool:
        """True when the cookie's account is active, the cookie is of the account's
        generation, was not revoked, and was issued after the last password change (or is
        the login that change kept)."""
        with transaction(self.db_path) as db:
            row = db.execute(
                "SELECT disabled, tokens_valid_after, generation, kept_login FROM accounts"
                " WHERE username = ?",
                (username,),
            ).fetchone()
            revoked = db.execute(
                "SELECT 1 FROM revoked_tokens WHERE username = ? AND expires_at = ?",
                (username, expires_at),
            ).fetchone()
        if row is None or row[0] or revoked or row[2] != generation:
            return False
        issued_at = expires_at - lifetime_s
        kept = row[3] is not None and expires_at == row[3]
        return (issued_at >= row[1] or kept) and expires_at > time.time()

    def set_disabled(self, username: str, disabled: bool) -> None:
        """A disable ends every login and API token for good: enabling again revives none."""
        if disabled and self._is_last_active_admin(username):
            raise AccountError("This is the last active admin; add another admin first.")
        self._update(username, "disabled = ?", int(disabled))
        if disabled:
            self.revoke_for_good(username)

    def get(self, username: str) -> Account | None:
        with transaction(self.db_path) as db:
            row = db.execute(
                "SELECT username, name, role, disabled, created_at FROM accounts "
                "WHERE username = ?",
                (username,),
            ).fetchone()
        return _account(row) if row else None

    def all(self) -> list[Account]:
        with transaction(self.db_path) as db:
            rows = db.execute(
                "SELECT username, name, role, disabled, created_at FROM accounts ORDER BY username"
            ).fetchall()
        return [_account(row) for row in rows]

    def has_admin(self) -> bool:
        return any(a.is_admin and not a.disabled for a in self.all())

    def password_hash(self, username: str) -> str | None:
        """The stored hash of an active account; None for unknown or disabled ones."""
        with transaction(self.db_path) as db:
            row = db.execute(
                "SELECT password_hash FROM accounts WHERE username = ? AND disabled = 0",
                (username,),
            ).fetchone()
        return str(row[0]) if row else None

    def credentials(self) -> dict[str, Any]:
        """Every active account's name, role and hash; disabled accounts are left out."""
        with transaction(self.db_path) as db:
            rows = db.execute(
                "SELECT username, name, role, password_hash FROM accounts WHERE disabled = 0"
            ).fetchall()
        return {
            "usernames": {
                username: {"name": name, "password": password_hash, "roles": [role], "email": ""}
                for username, name, role, password_hash in rows
            }
        }

    def _update(self, username: str, assignment: str, value: object) -> None:
        with transaction(self.db_path) as db:
            changed = db.execute(
                f"UPDATE accounts SET {assignment} WHERE username = ?", (value, username)
            ).rowcount
        if not changed:
            raise AccountError(f"There is no account {username!r}.")

    def _is_last_active_admin(self, username: str) -> bool:
        admins = [a.username for a in self.all() if a.is_admin and not a.disabled]
        return admins == [username]


def _account(row: tuple[Any, ...]) -> Account:
    username, name, role, disabled, created_at = row
    return Account(username, name, role, bool(disabled), created_at)
