"""Tiny random-weight checkpoints in the exact folder layout of the hub repositories.

``STUDIO_MODELS=tiny`` loads these through the same ``from_pretrained`` code path as
real weights: for tests and for trying the studio with no weights and no internet.
They are built offline, deterministically, in seconds; their output is noise.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from filelock import FileLock

# The file each builder writes last; its presence marks a complete checkpoint.
COMPLETE_MARKER = "TINY-CHECKPOINT"


def _builder(name: str) -> Callable[[Path], None]:
    """The builder of a catalog entry's tiny checkpoint (its family declares it)."""
    from engines.catalog import CATALOG

    entry = CATALOG.get(name)
    if entry is None:
        raise KeyError(f"No tiny checkpoint for {name!r}; known: {', '.join(CATALOG)}.")
    return entry.tiny


def is_tiny_checkpoint(folder: str | os.PathLike[str]) -> bool:
    return (Path(folder) / COMPLETE_MARKER).is_file()


def ensure_tiny_checkpoint(name: str, root: Path) -> Path:
    """Build the tiny checkpoint of catalog entry ``name`` under ``root`` once; return it.

    Several processes (the studio, workers, tests) may ask at once: a file lock lets
    one build, and the folder appears whole by rename, so no one loads half of it.
    """
    build = _builder(name)
    target = root / name
    if is_tiny_checkpoint(target):
        return target
    root.mkdir(parents=True, exist_ok=True)
    with FileLock(str(root / f".{name}.lock")):
        if is_tiny_checkpoint(target):
            return target
        staging = Path(tempfile.mkdtemp(prefix=f".{name}-", dir=root))
        try:
            build(staging)
            (staging / COMPLETE_MARKER).write_text(f"tiny random-weight {name} checkpoint\n")
            shutil.rmtree(target, ignore_errors=True)
            os.replace(staging, target)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    return target
