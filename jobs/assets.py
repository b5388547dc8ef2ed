"""Where asset files live: ``<data dir>/assets/<owner>/<asset id><suffix>``, with their
pictures beside them: ``<asset id>.poster.jpg``, ``.strip.jpg``, ``.wave.png``.

Files are named by id, never by anything a user typed; the owner's name is checked
so it can only ever be one folder below ``assets/``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from engines.errors import StudioError
from engines.files import atomic_output
from engines.media.settings_tag import settings_record

log = logging.getLogger(__name__)

# Checked with fullmatch: with match, "$" lets a trailing newline into a path.
_OWNER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$")
_SUFFIX = re.compile(r"^\.[a-z0-9]{1,8}$")
_ID = re.compile(r"^[0-9a-f]{32}$")


def check_owner(owner: str) -> str:
    """Return ``owner`` if it is safe as a folder name, else raise ValueError."""
    if not isinstance(owner, str) or not _OWNER.fullmatch(owner) or ".." in owner:
        raise ValueError(
            f"Owner {owner!r} is not a valid user name: use 1 to 64 letters, digits, "
            "'_', '.', '@' or '-', starting with a letter or digit."
        )
    return owner


def check_suffix(suffix: str) -> str:
    if not _SUFFIX.fullmatch(suffix):
        raise ValueError(f"File suffix {suffix!r} must look like '.mp4' or '.wav'.")
    return suffix


def relative_asset_path(owner: str, asset_id: str, suffix: str) -> str:
    """The asset's path relative to the data dir, as stored in the catalog."""
    if not _ID.fullmatch(asset_id):
        raise ValueError(f"Asset id {asset_id!r} is not a catalog id.")
    return f"assets/{check_owner(owner)}/{asset_id}{check_suffix(suffix)}"


PREVIEW_SUFFIXES = {"poster": ".poster.jpg", "filmstrip": ".strip.jpg", "waveform": ".wave.png"}


def relative_preview_path(asset_relative: str, name: str) -> str:
    """Where a picture of an asset lives (``name`` is poster, filmstrip or waveform)."""
    if name not in PREVIEW_SUFFIXES:
        raise ValueError(f"Unknown preview {name!r}; known: {', '.join(PREVIEW_SUFFIXES)}.")
    folder, _, file_name = asset_relative.rpartition("/")
    return f"{folder}/{file_name.split('.')[0]}{PREVIEW_SUFFIXES[name]}"


def resolve_in(data_dir: Path, relative: str) -> Path:
    """Absolute path of a catalog path, refusing anything outside ``data_dir/assets``."""
    root = (data_dir / "assets").resolve()
    path = (data_dir / relative).resolve()
    if not path.is_relative_to(root):
        raise PermissionError(f"{relative!r} is outside the asset folder.")
    return path


def write_asset(data_dir: Path, relative: str, data: bytes) -> Path:
    """Write an asset under a temporary name and rename it into place."""
    path = resolve_in(data_dir, relative)
    with atomic_output(path) as tmp:
        tmp.write_bytes(data)
    return path


def preview_pictures(media: Path, workdir: Path) -> dict[str, bytes]:
    """Poster, filmstrip and waveform of a new asset, made once (by the worker for a result,
    by the API for an upload) so no page decodes media; an asset they cannot be made for
    still counts (the gallery shows a plain card)."""
    from engines.media.previews import make_previews

    try:
        made = make_previews(media, workdir, "preview")
    except StudioError as exc:
        log.warning("No previews for %s: %s", media.name, exc)
        return {}
    return {name: Path(path).read_bytes() for name, path in vars(made).items() if path}


def settings_for_file(
    job_kind: str, params: Mapping[str, Any], meta: Mapping[str, Any], source_ids: Iterable[str]
) -> dict[str, Any]:
    """What a result's file carries inside it (engines.media.settings_tag), for a job."""
    from jobs.kinds import job_kind as kind_named

    return settings_record(job_kind, params, meta, source_ids, kind_named(job_kind).file_fields)
