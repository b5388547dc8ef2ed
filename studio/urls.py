"""Where the studio serves a file: the URLs the pages link to and the web layer answers.

Both sides import these (``studio.ui`` for links, ``studio.web.files`` for the routes),
so neither imports the other.
"""

from __future__ import annotations


def file_url(asset_id: str) -> str:
    return f"/files/{asset_id}"


def download_url(asset_id: str) -> str:
    return f"/files/{asset_id}/download"


def picture_url(asset_id: str, name: str) -> str:
    """One of an asset's pictures (``name`` is poster, filmstrip or waveform)."""
    return f"/files/{asset_id}/{name}"
