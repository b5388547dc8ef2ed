"""Checks before the studio starts: a strong cookie key and an admin account.

In a terminal, a missing key can be generated and the first admin is asked for, as a
deployment asks for a login name and password. Elsewhere the studio refuses to start
and says what to set.
"""

from __future__ import annotations

import getpass
import os
import secrets
import sys
from pathlib import Path

from studio.accounts.login_cookie import (
    SECRETS_FILE,
    CookieKeyError,
    cookie_expiry_hours,
    read_cookie_key,
)
from studio.accounts.store import AccountError, AccountStore


def _interactive() -> bool:
    return sys.stdin.isatty() and sys.stdout.isatty()


def ensure_cookie_key(secrets_file: Path = SECRETS_FILE) -> None:
    cookie_expiry_hours()  # a bad lifetime is refused before anything else
    try:
        read_cookie_key(secrets_file=secrets_file)
        return
    except CookieKeyError:
        if not _interactive() or os.environ.get("STUDIO_COOKIE_KEY") or secrets_file.exists():
            raise  # a key was given but is weak, or nobody is here to agree: refuse
    answer = input(f"No cookie key is set. Generate one into {secrets_file}? [Y/n] ")
    if answer.strip().lower() not in ("", "y", "yes"):
        raise CookieKeyError("No cookie key is set; the studio will not start without one.")
    secrets_file.parent.mkdir(parents=True, exist_ok=True)
    secrets_file.write_text(f'cookie_key = "{secrets.token_urlsafe(48)}"\n')
    secrets_file.chmod(0o600)
    print(f"Wrote a new cookie key to {secrets_file} (keep it secret, keep it out of git).")


def ensure_admin(store: AccountStore) -> None:
    if store.has_admin():
        return
    username = os.environ.get("STUDIO_ADMIN_USER", "").strip()
    password = os.environ.get("STUDIO_ADMIN_PASSWORD", "")
    if (not username or not password) and _interactive():
        print("First start: create the admin account.")
        username = username or input("Admin login name: ").strip()
        password = password or getpass.getpass("Admin password (8+ characters): ")
    if not username or not password:
        raise AccountError(
            "No admin account exists yet: set STUDIO_ADMIN_USER and STUDIO_ADMIN_PASSWORD "
            "for the first start, or run `make run` in a terminal to be asked for them."
        )
    store.add(username, password, role="admin")
    print(f"Admin account {username!r} created.")


# The data dir is the studio's alone: 0700, its files 0600, whoever made them.
PRIVATE_UMASK = 0o077  # inherited by the supervisor's children: worker, keeper, web server


def make_data_dir_private(data_dir: Path) -> None:
    """Create ``data_dir`` 0700 and close what an earlier start left open.

    The catalog files and the assets become 0600, their folders 0700; the tiny-models
    link (or anything else that is a link) is left as it is.
    """
    os.umask(PRIVATE_UMASK)
    data_dir.mkdir(parents=True, exist_ok=True)
    data_dir.chmod(0o700)
    for path in data_dir.glob("*.sqlite3*"):
        if path.is_file() and not path.is_symlink():
            path.chmod(0o600)
    assets = data_dir / "assets"
    if assets.is_dir() and not assets.is_symlink():
        for root, dirs, files in os.walk(assets):
            Path(root).chmod(0o700)
            for name in files:
                (Path(root) / name).chmod(0o600)
            dirs[:] = [d for d in dirs if not (Path(root) / d).is_symlink()]
