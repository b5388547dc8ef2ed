"""A job's input files, by asset id: each declared file param (``param(kind="file")``) must
name one of the owner's assets of its declared media, never a path on the server.

The submit path checks this before a job exists; the keeper turns the ids back into the
files it sends along with the job (``input_paths``).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from engines.errors import ParamError
from engines.params import specs
from jobs.assets import resolve_in
from jobs.catalog import Catalog
from jobs.catalog.records import Asset
from jobs.kinds.job_kind import JobKind

YOUR_MEDIA = {"audio": "audio files", "video": "videos", "image": "images"}


def owned_inputs(
    catalog: Catalog, owner: str, kind_or_params_class: JobKind | type, data: Mapping[str, Any]
) -> list[Asset]:
    """The assets the params' file fields name; raises ParamError unless each is the id of
    one of ``owner``'s assets of the field's declared media."""
    cls = kind_or_params_class
    if isinstance(cls, JobKind):
        model = data.get("model")
        cls = cls.params_type(model if isinstance(model, str) else None)
    found = []
    for spec in specs(cls):
        value = data.get(spec.name)
        if spec.kind != "file" or value is None:
            continue
        asset = catalog.assets.get(value) if isinstance(value, str) else None
        if asset is None or asset.owner != owner or asset.output_type != spec.media:
            # Someone else's id reads as unknown: no hint that it exists.
            raise ParamError(
                f"`{spec.name}` must be the id of one of your {YOUR_MEDIA[spec.media]} "
                f"(upload it first), but is {value!r}."
            )
        found.append(asset)
    return found


def input_paths(
    catalog: Catalog, data_dir: Path, fields: tuple[str, ...], params: Mapping[str, Any]
) -> dict[str, Path]:
    """The files a job's file fields name by asset id; FileNotFoundError when one is gone."""
    paths = {}
    for name in fields:
        value = params.get(name)
        if value is None:
            continue
        asset = catalog.assets.get(str(value))
        path = resolve_in(data_dir, asset.path) if asset is not None else None
        if path is None or not path.is_file():
            raise FileNotFoundError(f"Input {name!r} (asset {value}) is gone.")
        paths[name] = path
    return paths
