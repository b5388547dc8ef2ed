"""fit_image: a picture scaled to cover the model's sides, cropped about its centre, and
the note that says which (shown on the page before a job is submitted)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from engines.errors import MediaError
from engines.media.fit import fit_image, load_fitted


def _halves(width: int, height: int) -> Image.Image:
    """Left half red, right half blue: where the crop falls shows in the result."""
    pixels = np.zeros((height, width, 3), np.uint8)
    pixels[:, : width // 2] = (255, 0, 0)
    pixels[:, width // 2 :] = (0, 0, 255)
    return Image.fromarray(pixels)


def test_a_wider_picture_is_scaled_to_the_height_and_cropped_about_its_centre():
    fitted = fit_image(_halves(400, 100), 128, 64)
    assert fitted.image.size == (128, 64) and fitted.image.mode == "RGB"
    assert fitted.note == "cropped to 128x64, centre"
    pixels = np.asarray(fitted.image).astype(int)
    # 400x100 -> 256x64, then 64 columns off each side: red and blue still meet mid-frame.
    assert (pixels[:, :60, 0] > 200).all() and (pixels[:, 68:, 2] > 200).all()


def test_a_picture_of_the_same_aspect_is_only_resized_and_an_exact_one_kept():
    assert fit_image(_halves(256, 128), 128, 64).note == "resized to 128x64"
    kept = fit_image(_halves(128, 64).convert("RGBA"), 128, 64)
    assert kept.note == "kept at 128x64" and kept.image.mode == "RGB"


def test_a_smaller_taller_picture_is_scaled_up_to_cover():
    fitted = fit_image(_halves(30, 90), 64, 32)
    assert fitted.image.size == (64, 32) and fitted.note == "cropped to 64x32, centre"


def test_a_file_that_is_not_an_image_is_refused_with_what_works(tmp_path: Path):
    fake = tmp_path / "photo.png"
    fake.write_text("not a picture")
    with pytest.raises(MediaError, match="not a PNG, JPEG or WebP image"):
        load_fitted(fake, 64, 32)
