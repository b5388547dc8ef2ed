"""A picture fitted to a model's sides: scaled to cover them, then cropped about its centre.

A first frame must have exactly the sides the clip has. Scaling to cover keeps the aspect
(nothing is stretched) and the crop takes what sticks out evenly from both edges; ``note``
says which was done, so the page can show it before a job is submitted.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from engines.media.images import validate_image_upload


@dataclass(frozen=True)
class Fitted:
    image: Image.Image  # RGB, exactly the asked width x height
    note: str  # "cropped to 768x512, centre", "resized to 768x512" or "kept at 768x512"


def fit_image(image: Image.Image, width: int, height: int) -> Fitted:
    """``image`` scaled to cover ``width`` x ``height`` and centre-cropped to exactly them."""
    if width <= 0 or height <= 0:
        raise ValueError(f"A picture is fitted to positive sides, not {width}x{height}.")
    picture = image.convert("RGB")
    w, h = picture.size
    if (w, h) == (width, height):
        return Fitted(picture, f"kept at {width}x{height}")
    scale = max(width / w, height / h)  # cover: both sides at least the target's
    scaled = (max(width, round(w * scale)), max(height, round(h * scale)))
    picture = picture.resize(scaled, Image.Resampling.LANCZOS)
    if scaled == (width, height):
        return Fitted(picture, f"resized to {width}x{height}")
    left, top = (scaled[0] - width) // 2, (scaled[1] - height) // 2
    picture = picture.crop((left, top, left + width, top + height))
    return Fitted(picture, f"cropped to {width}x{height}, centre")


def load_fitted(path: str | Path, width: int, height: int) -> Fitted:
    """The still image at ``path`` (refused with a MediaError unless it is a whole PNG,
    JPEG or WebP within the limits), fitted to ``width`` x ``height``."""
    validate_image_upload(path)
    with Image.open(path) as image:
        image.load()
        return fit_image(image, width, height)
