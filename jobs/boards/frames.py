"""A shot's last frame as an image asset of its owner: what a "continue" shot starts from."""

from __future__ import annotations

import tempfile
from pathlib import Path

from engines.media.ffmpeg import local_input, run_ffmpeg
from jobs.assets import relative_asset_path, resolve_in, write_asset
from jobs.catalog import Catalog
from jobs.catalog.records import Asset, new_id


def last_frame_png(video: Path) -> bytes:
    """The clip's last frame, lossless (PNG): every frame decoded, the last one kept."""
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch) / "last.png"
        run_ffmpeg(
            [*local_input(video), "-map", "0:v:0", "-update", "1", "-c:v", "png", "-y", str(out)],
            what="the shot",
        )
        return out.read_bytes()


def last_frame_asset(catalog: Catalog, data_dir: Path, shot: Asset, note: str) -> Asset:
    """Store ``shot``'s last frame as a new image asset of its owner, made from the shot."""
    asset_id = new_id()
    relative = relative_asset_path(shot.owner, asset_id, ".png")
    write_asset(data_dir, relative, last_frame_png(resolve_in(data_dir, shot.path)))
    return catalog.assets.add(
        shot.owner,
        "image",
        relative,
        source="generated",
        asset_id=asset_id,
        params={"prompt": note},
        meta={"frame": "last"},
        source_ids=[shot.id],
    )
