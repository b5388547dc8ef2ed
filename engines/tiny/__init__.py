"""Tiny random-weight checkpoints in the exact folder layout of the hub repositories.

``STUDIO_MODELS=tiny`` loads these through the same ``from_pretrained`` code path as
real weights: for tests and for trying the studio with no weights and no internet.
They are built offline, deterministically, in seconds; their output is noise.
"""

from __future__ import annotations

import importlib
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from filelock import FileLock

# The file each builder writes last; its presence marks a complete checkpoint.
COMPLETE_MARKER = "TINY-CHECKPOINT"


# kind -> (module, builder function); imported only when that checkpoint is built.
BUILDERS = {
    "video": ("engines.tiny.video", "build_tiny_video"),
    "music": ("engines.tiny.music", "build_tiny_music"),
    "melody": ("engines.tiny.music", "build_tiny_melody"),
}


def _builder(kind: str) -> Callable[[Path], None]:
    if kind not in BUILDERS:
        raise KeyError(f"No tiny checkpoint for {kind!r}; known: {', '.join(BUILDERS)}.")
    module, function = BUILDERS[kind]
    builder: Callable[[Path], None] = getattr(importlib.import_module(module), function)
    return builder


def is_tiny_checkpoint(folder: str | os.PathLike[str]) -> bool:
    return (Path(folder) / COMPLETE_MARKER).is_file()


def ensure_tiny_checkpoint(kind: str, root: Path) -> Path:
    """Build the tiny checkpoint of ``kind`` under ``root`` once; return its folder.

    Several processes (the studio, workers, tests) may ask at once: a file lock lets
    one build, and the folder appears whole by rename, so no one loads half of it.
    """
    build = _builder(kind)
    target = root / kind
    if is_tiny_checkpoint(target):
        return target
    root.mkdir(parents=True, exist_ok=True)
    with FileLock(str(root / f".{kind}.lock")):
        if is_tiny_checkpoint(target):
            return target
        staging = Path(tempfile.mkdtemp(prefix=f".{kind}-", dir=root))
        try:
            build(staging)
            (staging / COMPLETE_MARKER).write_text(f"tiny random-weight {kind} checkpoint\n")
            shutil.rmtree(target, ignore_errors=True)
            os.replace(staging, target)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    return target
