"""Image uploads are checked by content: a still PNG, JPEG or WebP within the limits."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from PIL import Image

from engines.errors import MediaError
from engines.media.images import validate_image_upload, write_image_poster
from tests.image_factory import BAD_IMAGES, png_bytes


def test_a_still_png_is_accepted_with_its_format_and_size(tmp_path: Path):
    path = tmp_path / "upload"
    path.write_bytes(png_bytes((64, 48)))
    info = validate_image_upload(path, name="kite.png")
    assert (info.format, info.width, info.height, info.suffix) == ("PNG", 64, 48, ".png")


@pytest.mark.parametrize("name", BAD_IMAGES)
def test_each_bad_image_is_refused_in_words_that_name_it(tmp_path: Path, name: str):
    data, says = BAD_IMAGES[name]
    path = tmp_path / "upload"
    path.write_bytes(data)
    with pytest.raises(MediaError, match=re.escape(says)) as refused:
        validate_image_upload(path, name=name)
    assert str(refused.value).startswith(f"'{name}' ")  # as the user named it


def test_the_pixel_and_size_limits_are_checked_before_decoding(tmp_path: Path):
    path = tmp_path / "upload"
    path.write_bytes(png_bytes((800, 600)))
    with pytest.raises(MediaError, match=r"800x600 pixels .* at most 0.1 megapixels"):
        validate_image_upload(path, name="wide.png", max_pixels=100_000)
    with pytest.raises(MediaError, match="an image may be at most"):
        validate_image_upload(path, name="wide.png", max_bytes=100)


def test_an_images_poster_is_a_small_jpeg_of_itself(tmp_path: Path):
    source = tmp_path / "big.png"
    source.write_bytes(png_bytes((1600, 900)))
    poster = write_image_poster(source, tmp_path / "p.poster.jpg")
    with Image.open(poster) as picture:
        assert picture.format == "JPEG" and picture.size == (512, 288)
