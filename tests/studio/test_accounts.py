from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import bcrypt
import pytest

from studio.accounts.store import DUMMY_HASH, AccountError, AccountStore

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def store(tmp_path: Path) -> AccountStore:
    store = AccountStore(tmp_path / "catalog.sqlite3")
    store.add("root", "correct horse battery", role="admin", name="Root")
    return store


def test_passwords_are_stored_as_bcrypt_hashes(store: AccountStore):
    entry = store.credentials()["usernames"]["root"]
    assert entry["password"] != "correct horse battery"
    assert bcrypt.checkpw(b"correct horse battery", entry["password"].encode())
    assert entry["roles"] == ["admin"] and entry["name"] == "Root"


def test_disabled_accounts_cannot_log_in(store: AccountStore):
    store.add("ana", "a long password")
    store.set_disabled("ana", True)
    assert "ana" not in store.credentials()["usernames"]
    store.set_disabled("ana", False)
    assert "ana" in store.credentials()["usernames"]


def test_reset_password_replaces_the_hash(store: AccountStore):
    store.add("ana", "a long password")
    store.set_password("ana", "another password")
    stored = store.credentials()["usernames"]["ana"]["password"].encode()
    assert bcrypt.checkpw(b"another password", stored)
    assert not bcrypt.checkpw(b"a long password", stored)


@pytest.mark.parametrize(
    ("username", "password", "role", "fragment"),
    [
        ("../../etc/passwd", "a long password", "user", "login name has 2 to 32"),
        ("Ana", "a long password", "user", "lower-case"),
        ("ana", "short", "user", "at least 8"),
        ("ana", "a long password", "owner", "role must be one of"),
        ("root", "a long password", "user", "is taken"),
    ],
)
def test_bad_accounts_are_refused(
    store: AccountStore, username: str, password: str, role: str, fragment: str
):
    with pytest.raises(AccountError, match=fragment):
        store.add(username, password, role=role)


def test_the_last_admin_cannot_be_disabled(store: AccountStore):
    with pytest.raises(AccountError, match="last active admin"):
        store.set_disabled("root", True)
    assert store.has_admin()


def test_accounts_survive_a_new_store_on_the_same_file(store: AccountStore):
    again = AccountStore(store.db_path)
    assert [a.username for a in again.all()] == ["root"]


def _costs_in_a_fresh_process(rounds: str | None) -> list[str]:
    """The bcrypt cost of a new hash and of the unknown-name check, as a studio started
    with this STUDIO_BCRYPT_ROUNDS (None: unset) makes them."""
    env = {name: value for name, value in os.environ.items() if name != "STUDIO_BCRYPT_ROUNDS"}
    if rounds is not None:
        env["STUDIO_BCRYPT_ROUNDS"] = rounds
    code = (
        "from studio.accounts.store import DUMMY_HASH, hash_password\n"
        "print(hash_password('a long password')[:7], DUMMY_HASH.decode()[:7])"
    )
    answer = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True
    )
    assert answer.returncode == 0, answer.stderr
    return answer.stdout.split()


def test_production_hashes_cost_12_and_the_tests_setting_has_a_floor():
    assert _costs_in_a_fresh_process(None) == ["$2b$12$", "$2b$12$"]
    assert _costs_in_a_fresh_process("2") == ["$2b$04$", "$2b$04$"]


def test_these_tests_hash_cheaply_and_check_unknown_names_at_the_same_cost(store: AccountStore):
    stored = store.credentials()["usernames"]["root"]["password"]
    assert stored.startswith("$2b$04$") and DUMMY_HASH.startswith(b"$2b$04$")
