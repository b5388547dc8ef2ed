"""The data dir is the studio's alone: 0700, its files 0600, whoever made them."""

from __future__ import annotations

import os
from pathlib import Path

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
