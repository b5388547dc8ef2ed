"""How an asset is named in a picker: its prompt (or upload name) and a short id."""

from __future__ import annotations

from jobs.catalog.records import Asset


def asset_label(asset: Asset) -> str:
    params = asset.params or {}
    text = params.get("prompt") or params.get("description") or params.get("uploaded_as")
    return f"{str(text or asset.kind)[:60]} · {asset.id[:6]}"
