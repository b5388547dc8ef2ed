"""Tiny random-weight checkpoints in the exact folder layout of the hub repositories.

``STUDIO_MODELS=tiny`` loads these through the same ``from_pretrained`` code path as
real weights: for tests and for trying the studio with no weights and no internet.
They are built offline, deterministically, in seconds; their output is noise.
"""

from __future__ import annotations

import hashlib
import inspect
import os
import shutil
import tempfile
from collections.abc import Callable
from importlib.metadata import version
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


def builder_fingerprint(name: str) -> str:
    """A short hash of what decides the files of ``name``'s tiny checkpoint: its builder's
    module and the versions of the libraries that write them. A cache keyed by it rebuilds
    when either changes."""
    module = inspect.getmodule(_builder(name))
    assert module is not None and module.__file__ is not None, name
    digest = hashlib.sha256(name.encode())
    digest.update(Path(module.__file__).read_bytes())
    for library in ("torch", "diffusers", "transformers"):
        digest.update(f"{library}=={version(library)}".encode())
    return digest.hexdigest()[:16]


def is_tiny_checkpoint(folder: str | os.PathLike[str]) -> bool:
    return (Path(folder) / COMPLETE_MARKER).is_file()


def ensure_tiny_checkpoint(name: str, root: Path) -> Path:
    """Build the tiny checkpoint of catalog entry ``name`` under ``root`` once; return it.

    Several processes (the studio, workers, tests) may ask at once: a file lock lets
    one build, and the folder appears whole by rename, so no one loads half of it.
    """
    build = _builder(name)
    if is_tiny_checkpoint(root / name):
        return root / name
    # ``root / name`` may link to a cache (the tests key theirs by builder_fingerprint):
    # the checkpoint is built where the link points.
    target = (root / name).resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(target.parent / f".{target.name}.lock")):
        if is_tiny_checkpoint(target):
            return root / name
        staging = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
        try:
            build(staging)
            (staging / COMPLETE_MARKER).write_text(f"tiny random-weight {name} checkpoint\n")
            shutil.rmtree(target, ignore_errors=True)
            os.replace(staging, target)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    return root / name
