"""How an asset is named in a picker: its prompt (or upload name), how it came, a short id."""

from __future__ import annotations

from jobs.catalog.records import Asset, asked_text

# A generated result needs no word; the others say how they came.
SOURCE_WORDS = {"uploaded": "uploaded", "combined": "combined", "scored": "scored"}


def asset_label(asset: Asset) -> str:
    params = asset.params or {}
    text = asked_text(params) or params.get("uploaded_as")
    how = SOURCE_WORDS.get(asset.source)
    return f"{str(text or asset.output_type)[:60]}{f' ({how})' if how else ''} · {asset.id[:6]}"
