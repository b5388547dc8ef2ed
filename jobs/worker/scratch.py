"""Scratch folders of workers: each worker's own, and the leftovers of dead ones."""

from __future__ import annotations

import logging
import os
import shutil
import socket
from pathlib import Path

log = logging.getLogger(__name__)


def remove_dead_scratch(scratch_root: Path) -> None:
    """Delete scratch folders of workers on this host that no longer run (SIGKILL, crash)."""
    if not scratch_root.is_dir():
        return
    host = socket.gethostname()
    for folder in scratch_root.iterdir():
        # Named <host>-<pid>-<token> by JobWorker.
        name_host, _, pid_text = folder.name.rpartition("-")[0].rpartition("-")
        if not folder.is_dir() or name_host != host or not pid_text.isdigit():
            continue
        if not _pid_alive(int(pid_text)):
            shutil.rmtree(folder, ignore_errors=True)
            log.info("Removed the scratch files of a dead worker: %s", folder)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
