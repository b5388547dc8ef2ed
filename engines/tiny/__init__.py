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


def _builders() -> dict[str, Callable[[Path], None]]:
    from engines.tiny.music import build_tiny_melody, build_tiny_music
    from engines.tiny.video import build_tiny_video

    return {"video": build_tiny_video, "music": build_tiny_music, "melody": build_tiny_melody}


def is_tiny_checkpoint(folder: str | os.PathLike[str]) -> bool:
    return (Path(folder) / COMPLETE_MARKER).is_file()


def ensure_tiny_checkpoint(kind: str, root: Path) -> Path:
    """Build the tiny checkpoint of ``kind`` under ``root`` once; return its folder.

    Several processes (the studio, workers, tests) may ask at once: a file lock lets
    one build, and the folder appears whole by rename, so no one loads half of it.
    """
    builders = _builders()
    if kind not in builders:
        raise KeyError(f"No tiny checkpoint for {kind!r}; known: {', '.join(builders)}.")
    target = root / kind
    if is_tiny_checkpoint(target):
        return target
    root.mkdir(parents=True, exist_ok=True)
    with FileLock(str(root / f".{kind}.lock")):
        if is_tiny_checkpoint(target):
            return target
        staging = Path(tempfile.mkdtemp(prefix=f".{kind}-", dir=root))
        try:
            builders[kind](staging)
            (staging / COMPLETE_MARKER).write_text(f"tiny random-weight {kind} checkpoint\n")
            shutil.rmtree(target, ignore_errors=True)
            os.replace(staging, target)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    return target
