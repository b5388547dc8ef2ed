"""The owner's assets, as the page-facing API reaches them: list, read, import, delete.

Every call checks the owner (an admin may reach any asset); someone else's asset is
NotFound, never a hint that it exists. JobService is one of these.
"""

from __future__ import annotations

import builtins
import hashlib
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from engines.errors import StudioError
from engines.media.images import IMAGE_SUFFIXES
from jobs.assets import (
    check_owner,
    check_suffix,
    preview_pictures,
    relative_asset_path,
    relative_preview_path,
    resolve_in,
    write_asset,
)
from jobs.catalog import Catalog
from jobs.catalog.database import VIDEO_SUFFIXES
from jobs.catalog.records import Asset, new_id
from jobs.config import JobsConfig


class NotFound(StudioError, LookupError):
    """No such job or asset for this user (other users' things are not found either)."""


class OwnedAssets:
    """Reads and writes assets in the catalog and under the data dir, owner by owner."""

    catalog: Catalog
    config: JobsConfig

    def assets(
        self,
        owner: str,
        *,
        output_type: str | None = None,
        source: str | None = None,
        limit: int = 200,
        offset: int = 0,
        search: str | None = None,
        oldest_first: bool = False,
    ) -> builtins.list[Asset]:
        """One page of the owner's assets, newest first; ``search`` finds prompt words."""
        return self.catalog.assets.list(
            check_owner(owner),
            output_type,
            limit,
            offset=offset,
            search=search,
            source=source,
            oldest_first=oldest_first,
        )

    def count_assets(
        self,
        owner: str,
        *,
        output_type: str | None = None,
        source: str | None = None,
        search: str | None = None,
    ) -> int:
        """How many assets ``assets`` pages through with the same filters."""
        return self.catalog.assets.count(
            check_owner(owner), output_type, search=search, source=source
        )

    def asset(self, asset_id: str, owner: str, *, admin: bool = False) -> Asset:
        asset = self.catalog.assets.get(asset_id)
        if asset is None or (asset.owner != owner and not admin):
            raise NotFound(f"There is no asset {asset_id} among your files.")
        return asset

    def asset_path(self, asset_id: str, owner: str, *, admin: bool = False) -> Path:
        """The file of one of the owner's assets (any asset for an admin)."""
        asset = self.asset(asset_id, owner, admin=admin)
        path = resolve_in(self.config.data_dir, asset.path)
        if not path.is_file():
            raise NotFound(f"The file of asset {asset_id} is missing.")
        return path

    def read_asset(self, asset_id: str, owner: str, *, admin: bool = False) -> bytes:
        """The file's bytes, for ``st.download_button`` and players."""
        return self.asset_path(asset_id, owner, admin=admin).read_bytes()

    def import_file(
        self,
        owner: str,
        data: bytes,
        suffix: str,
        *,
        params: Mapping[str, Any] | None = None,
    ) -> Asset:
        """Store an upload (a melody, a video or track to combine, an image) as the owner's
        asset.

        The caller checks the content first (``engines.media.validation``) and names the
        suffix from it; this only stores it, under a new id, never under the uploaded
        file's name. The same bytes uploaded again are the asset stored the first time.
        """
        suffix = check_suffix(suffix.lower())
        check_owner(owner)
        digest = hashlib.sha256(data).hexdigest()
        known = self.catalog.assets.upload_with_hash(owner, digest)
        if known is not None and resolve_in(self.config.data_dir, known.path).is_file():
            return known
        asset_id = new_id()
        relative = relative_asset_path(owner, asset_id, suffix)
        path = write_asset(self.config.data_dir, relative, data)
        meta = {"previews": self._store_previews(path, relative)}
        output_type = (
            "video"
            if suffix in VIDEO_SUFFIXES
            else "image"
            if suffix in IMAGE_SUFFIXES
            else "audio"
        )
        return self.catalog.assets.add(
            owner,
            output_type,
            relative,
            source="uploaded",
            asset_id=asset_id,
            params={**(params or {}), "sha256": digest},
            meta=meta,
        )

    def _store_previews(self, path: Path, relative: str) -> dict[str, str]:
        """An upload's poster, filmstrip and waveform, as a job's result gets them."""
        with tempfile.TemporaryDirectory(dir=path.parent) as scratch:
            made = preview_pictures(path, Path(scratch))
        stored = {}
        for name, blob in made.items():
            stored[name] = relative_preview_path(relative, name)
            write_asset(self.config.data_dir, stored[name], blob)
        return stored

    def delete_asset(self, asset_id: str, owner: str, *, admin: bool = False) -> None:
        asset = self.asset(asset_id, owner, admin=admin)
        path = resolve_in(self.config.data_dir, asset.path)
        previews = (asset.meta or {}).get("previews") or {}
        self.catalog.assets.delete(asset.id)
        path.unlink(missing_ok=True)
        for relative in previews.values():
            resolve_in(self.config.data_dir, str(relative)).unlink(missing_ok=True)
