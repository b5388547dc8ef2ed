"""Personal access tokens: shown once, stored hashed, named, revocable, last use noted."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from jobs.catalog.database import catalog_path
from studio.accounts import tokens as api_tokens
from studio.accounts.tokens import ApiTokens, TokenError


@pytest.fixture
def tokens(tmp_path: Path) -> ApiTokens:
    return ApiTokens(catalog_path(tmp_path))


def test_a_token_names_its_owner_until_it_is_revoked(tokens: ApiTokens):
    secret = tokens.create("ana", "render farm")
    assert secret.startswith("studio_") and len(secret) >= 40
    assert tokens.owner_of(secret) == "ana"
    assert tokens.revoke("ana", "render farm")
    assert tokens.owner_of(secret) is None
    assert not tokens.revoke("ana", "render farm")  # already revoked
    (info,) = tokens.list("ana")
    assert (info.name, info.active) == ("render farm", False)


def test_only_the_hash_is_stored(tokens: ApiTokens):
    secret = tokens.create("ana", "laptop")
    with sqlite3.connect(tokens.path) as conn:
        stored = conn.execute("select * from api_tokens").fetchall()
    assert secret not in repr(stored)
    assert api_tokens.token_hash(secret) in repr(stored)


def test_wrong_near_and_foreign_tokens_name_nobody(tokens: ApiTokens):
    secret = tokens.create("ana", "laptop")
    for guess in [secret[:-1], secret + "x", secret.upper(), "", "Bearer " + secret, "x" * 47]:
        assert tokens.owner_of(guess) is None


def test_names_are_per_user_and_a_revoked_name_can_be_used_again(tokens: ApiTokens):
    first = tokens.create("ana", "ci")
    other = tokens.create("ben", "ci")  # ben's own "ci"
    with pytest.raises(TokenError, match="already have a token named 'ci'"):
        tokens.create("ana", "ci")
    tokens.revoke("ana", "ci")
    again = tokens.create("ana", "ci")
    assert (tokens.owner_of(first), tokens.owner_of(again), tokens.owner_of(other)) == (
        None,
        "ana",
        "ben",
    )
    assert [t.active for t in tokens.list("ana")] == [True, False]  # live ones first


@pytest.mark.parametrize("name", ["", " padded", "x" * 65, "tab\there", "new\nline"])
def test_bad_names_are_refused_with_the_rule(tokens: ApiTokens, name: str):
    with pytest.raises(TokenError, match="1 to 64"):
        tokens.create("ana", name)


def test_last_use_is_noted_at_most_once_a_minute(
    tokens: ApiTokens, monkeypatch: pytest.MonkeyPatch
):
    now = [1000.0]
    monkeypatch.setattr(api_tokens.time, "time", lambda: now[0])
    secret = tokens.create("ana", "bot")
    assert tokens.list("ana")[0].last_used_at is None
    tokens.owner_of(secret)
    now[0] += 10
    tokens.owner_of(secret)
    assert tokens.list("ana")[0].last_used_at == 1000.0
    now[0] += 60
    tokens.owner_of(secret)
    assert tokens.list("ana")[0].last_used_at == 1070.0


def test_revoke_all_ends_every_live_token_of_a_user(tokens: ApiTokens):
    a, b = tokens.create("ana", "one"), tokens.create("ana", "two")
    keep = tokens.create("ben", "one")
    assert tokens.revoke_all("ana") == 2
    assert (tokens.owner_of(a), tokens.owner_of(b), tokens.owner_of(keep)) == (None, None, "ben")
