"""Where an engine's weights come from, and a clear error when they are missing."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from engines.errors import ModelUnavailableError

if TYPE_CHECKING:  # the families import this, and the catalog imports the families
    from engines.catalog import ModelEntry
    from engines.settings import Settings


def model_source(settings: Settings, entry: ModelEntry) -> str:
    """The hub id or folder to load ``entry`` from, building tiny checkpoints on demand."""
    if settings.tiny:
        from engines.tiny import ensure_tiny_checkpoint

        return str(ensure_tiny_checkpoint(entry.tiny_name or entry.name, settings.tiny_dir))
    model = entry.load_from
    if looks_like_path(model) and not Path(model).expanduser().is_dir():
        raise ModelUnavailableError(missing_weights_message(model, "no such folder"))
    return str(Path(model).expanduser()) if looks_like_path(model) else model


def looks_like_path(model: str) -> bool:
    """Hub ids are ``owner/name``; anything absolute, relative-dotted or ~ is a folder."""
    return Path(model).is_absolute() or model.startswith((".", "~")) or Path(model).is_dir()


def public_name(model: str) -> str:
    """What a file or an answer may say the weights were: a hub id as it is, a folder by
    its own name alone (never the server's path to it)."""
    return Path(model).name if looks_like_path(model) else model


def hub_cache_dir() -> str:
    from huggingface_hub import constants

    return str(constants.HF_HUB_CACHE)


def missing_weights_message(model: str, detail: str) -> str:
    if looks_like_path(model):
        where = f"the folder {model}"
        fix = "Check the path, or point the setting at a hub id."
    else:
        where = f"the Hugging Face cache ({hub_cache_dir()}) and the hub"
        fix = f"Download it on a machine with internet: `huggingface-cli download {model}`."
    return (
        f"Model {model!r} is not available: looked in {where}. {fix} "
        f"To try the studio without weights, set STUDIO_MODELS=tiny (its output is noise). "
        f"({detail})"
    )


@contextlib.contextmanager
def reporting_missing_weights(model: str) -> Iterator[None]:
    """Turn the libraries' OSError for absent weights into a ModelUnavailableError."""
    try:
        yield
    except OSError as exc:
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ModelUnavailableError(missing_weights_message(model, first_line)) from exc


def snapshot_revision(model: str) -> str | None:
    """The commit of the cached hub snapshot ``model`` loads from; None for local folders."""
    if looks_like_path(model):
        return None
    try:
        from huggingface_hub import snapshot_download

        return Path(snapshot_download(model, local_files_only=True)).name
    except Exception:  # revision is informational; never fail a generation for it
        return None
