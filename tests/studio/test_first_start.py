"""Before the studio starts: a strong cookie key and an admin, or a clear refusal."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from studio.accounts.login_cookie import CookieKeyError
from studio.accounts.store import AccountError, AccountStore
from studio.startup import ensure_admin, ensure_cookie_key

ROOT = Path(__file__).resolve().parents[2]


def test_without_a_terminal_a_missing_key_is_refused_not_invented(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.delenv("STUDIO_COOKIE_KEY", raising=False)
    secrets = tmp_path / "secrets.toml"
    with pytest.raises(CookieKeyError, match="No cookie key is set"):
        ensure_cookie_key(secrets)
    assert not secrets.exists()


def test_the_first_admin_comes_from_the_environment_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    store = AccountStore(tmp_path / "catalog.sqlite3")
    monkeypatch.setenv("STUDIO_ADMIN_USER", "root")
    monkeypatch.setenv("STUDIO_ADMIN_PASSWORD", "root-password")
    ensure_admin(store)
    ensure_admin(store)  # a second start changes nothing
    assert [(a.username, a.role) for a in store.all()] == [("root", "admin")]


def test_without_an_admin_or_a_terminal_the_studio_says_what_to_set(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.delenv("STUDIO_ADMIN_USER", raising=False)
    monkeypatch.delenv("STUDIO_ADMIN_PASSWORD", raising=False)
    with pytest.raises(AccountError, match="STUDIO_ADMIN_USER and STUDIO_ADMIN_PASSWORD"):
        ensure_admin(AccountStore(tmp_path / "catalog.sqlite3"))


@pytest.mark.parametrize("key", ["", "some_key", "too-short"])
def test_the_launcher_refuses_a_weak_key_with_exit_code_2(tmp_path: Path, key: str):
    env = {
        **os.environ,
        "STUDIO_DATA_DIR": str(tmp_path),
        "STUDIO_COOKIE_KEY": key,
        "STUDIO_ADMIN_USER": "root",
        "STUDIO_ADMIN_PASSWORD": "root-password",
    }
    done = subprocess.run(
        [sys.executable, "-m", "studio"],
        cwd=tmp_path,
        env={**env, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 2
    assert "The studio cannot start" in done.stderr and "secrets.token_urlsafe" in done.stderr
    assert not (tmp_path / "catalog.sqlite3").exists()  # refused before touching any data


def test_the_data_dir_is_made_private_with_what_an_earlier_start_left(tmp_path: Path):
    import os

    from studio.startup import make_data_dir_private

    data = tmp_path / "data"
    (data / "assets" / "ana").mkdir(parents=True)
    (data / "catalog.sqlite3").write_bytes(b"")
    (data / "assets" / "ana" / "clip.mp4").write_bytes(b"x")
    for path in (data, data / "assets", data / "assets" / "ana"):
        path.chmod(0o755)
    (data / "assets" / "ana" / "clip.mp4").chmod(0o644)
    old_umask = os.umask(0o022)
    try:
        make_data_dir_private(data)
        (data / "new-file").write_bytes(b"")  # made after the start: private as well
    finally:
        os.umask(old_umask)
    modes = {p.name: p.stat().st_mode & 0o777 for p in [data, *data.rglob("*")]}
    assert modes == {
        "data": 0o700, "assets": 0o700, "ana": 0o700,
        "catalog.sqlite3": 0o600, "clip.mp4": 0o600, "new-file": 0o600,
    }  # fmt: skip
