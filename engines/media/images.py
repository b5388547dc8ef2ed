"""Whether an uploaded image is a whole still PNG, JPEG or WebP within the limits, checked
by its content with Pillow; and its poster (a thumbnail of itself).

Checks go from cheap to dear, as for video: size, then the header (format, frames and
pixel count, read without decoding, so a decompression bomb is refused before it
expands), then a full decode (a truncated file fails there).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from engines.errors import MediaError
from engines.files import atomic_output
from engines.media.probe import label_of, require_local_file

MAX_IMAGE_BYTES = 50 * 1024**2  # 50 MB: a 40-megapixel PNG fits
MAX_IMAGE_PIXELS = 40_000_000  # 40 megapixels, e.g. 8000x5000
SUFFIX_BY_FORMAT = {"PNG": ".png", "JPEG": ".jpg", "WEBP": ".webp"}
IMAGE_SUFFIXES = tuple(SUFFIX_BY_FORMAT.values())
# Read far enough to name them in a refusal; no other decoder is ever reached.
RECOGNISED = [*SUFFIX_BY_FORMAT, "GIF", "BMP", "TIFF"]
ACCEPTED = "PNG, JPEG or WebP"
POSTER_MAX_SIDE = 512
JPEG_QUALITY = 85


@dataclass(frozen=True)
class ImageInfo:
    format: str  # Pillow's name: "PNG", "JPEG", "WEBP"
    width: int
    height: int

    @property
    def suffix(self) -> str:
        return SUFFIX_BY_FORMAT[self.format]


def validate_image_upload(
    path: str | Path,
    *,
    name: str | None = None,
    max_bytes: int = MAX_IMAGE_BYTES,
    max_pixels: int = MAX_IMAGE_PIXELS,
) -> ImageInfo:
    """Accept an uploaded image only if it is a still PNG, JPEG or WebP within the limits
    that decodes whole; else MediaError says why."""
    label = label_of(path, name)
    # 1. Size: costs nothing.
    size = require_local_file(path, label).stat().st_size
    if size > max_bytes:
        raise MediaError(
            f"{label} is {size / 1024**2:.1f} MB; an image may be at most "
            f"{max_bytes / 1024**2:.0f} MB."
        )
    # 2. The header: what it is and how large, before a pixel is decoded.
    try:
        with Image.open(path, formats=RECOGNISED) as image:
            info = _checked_header(image, label, max_pixels)
            # 3. Decode it whole: a file cut short or damaged fails here.
            image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise MediaError(
            f"{label} claims to be far larger than any photo (hundreds of megapixels); an image "
            f"may have at most {max_pixels / 1e6:g} megapixels. Scale it down."
        ) from None
    except UnidentifiedImageError:
        raise MediaError(
            f"{label} is not a {ACCEPTED} image (its content is not one, whatever its name "
            "says). Upload a PNG, JPEG or WebP picture."
        ) from None
    except (OSError, SyntaxError, ValueError) as exc:  # Pillow's words for a damaged file
        raise MediaError(
            f"{label} is damaged or cut short ({exc}); save it again and upload the whole file."
        ) from None
    return info


def _checked_header(image: Image.Image, label: str, max_pixels: int) -> ImageInfo:
    fmt = str(image.format)
    if fmt not in SUFFIX_BY_FORMAT:
        raise MediaError(f"{label} is a {fmt} image; {ACCEPTED} is accepted.")
    frames = int(getattr(image, "n_frames", 1))
    if getattr(image, "is_animated", False) or frames > 1:
        raise MediaError(
            f"{label} is animated ({frames} frames); upload a still {ACCEPTED} image "
            "(export the frame you want)."
        )
    width, height = image.size
    if width <= 0 or height <= 0:
        raise MediaError(f"{label} does not say how large its picture is; it may be damaged.")
    if width * height > max_pixels:
        raise MediaError(
            f"{label} is {width}x{height} pixels ({width * height / 1e6:.0f} megapixels); "
            f"an image may have at most {max_pixels / 1e6:g} megapixels. Scale it down."
        )
    return ImageInfo(fmt, width, height)


def write_image_poster(image_path: Path, out: Path) -> Path:
    """A JPEG thumbnail of a (checked) image, at most POSTER_MAX_SIDE on its long side."""
    with Image.open(image_path) as image:
        image.thumbnail((POSTER_MAX_SIDE, POSTER_MAX_SIDE))
        picture = image.convert("RGB")
    with atomic_output(out) as tmp:
        picture.save(tmp, format="JPEG", quality=JPEG_QUALITY)
    return out
