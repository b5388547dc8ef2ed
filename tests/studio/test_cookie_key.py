from __future__ import annotations

from pathlib import Path

import pytest

from studio.accounts.login_cookie import CookieKeyError, read_cookie_key

GOOD = "k" * 40


def test_key_from_environment(tmp_path: Path):
    assert read_cookie_key({"STUDIO_COOKIE_KEY": GOOD}, tmp_path / "none.toml") == GOOD


def test_key_from_secrets_file(tmp_path: Path):
    secrets = tmp_path / "secrets.toml"
    secrets.write_text(f'cookie_key = "{GOOD}"\n')
    assert read_cookie_key({}, secrets) == GOOD


@pytest.mark.parametrize(
    ("key", "fragment"),
    [("", "No cookie key is set"), ("some_key", "well-known default"), ("x" * 31, "31 bytes")],
)
def test_missing_default_or_short_keys_are_refused_with_a_recipe(
    tmp_path: Path, key: str, fragment: str
):
    with pytest.raises(CookieKeyError, match=fragment) as info:
        read_cookie_key({"STUDIO_COOKIE_KEY": key}, tmp_path / "none.toml")
    assert "secrets.token_urlsafe" in str(info.value)
