"""``python -m studio tokens create|revoke USER NAME``, run as an admin runs it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from jobs.catalog.database import catalog_path
from studio.accounts.tokens import ApiTokens

ROOT = Path(__file__).resolve().parents[2]


def tokens(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "studio", "tokens", *args], cwd=ROOT, env=dict(os.environ),
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip


def test_create_prints_a_working_token_and_revoke_stops_it(studio_data: Path):
    store = ApiTokens(catalog_path(studio_data))
    made = tokens("create", "ana", "render farm")
    assert made.returncode == 0, made.stderr
    token = made.stdout.strip()
    assert store.owner_of(token) == "ana"
    assert [t.name for t in store.list("ana")] == ["render farm"]
    again = tokens("create", "ana", "render farm")
    assert again.returncode == 2 and "already have a token" in again.stderr
    revoked = tokens("revoke", "ana", "render farm")
    assert revoked.returncode == 0 and "Revoked" in revoked.stdout
    assert store.owner_of(token) is None
    assert tokens("revoke", "ana", "render farm").returncode == 1


def test_no_token_for_an_unknown_account(studio_data: Path):
    made = tokens("create", "nobody", "x")
    assert made.returncode == 2 and "no active account 'nobody'" in made.stderr
