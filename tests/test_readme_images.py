"""Every picture the README shows is in the repository, small, and taken by a browser
test: a renamed or dropped screenshot fails here, not on a reader's screen."""

from __future__ import annotations

from pathlib import Path

from tests.docs_screenshots import DOCS_SHOTS, ROOT, readme_images

MAX_BYTES = 250_000
BROWSER_TESTS = sorted((ROOT / "tests" / "studio").glob("test_browser*.py"))


def test_every_image_the_readme_shows_is_in_the_repository():
    images = readme_images()
    assert images, "the README shows no screenshots"
    for image in images:
        path = ROOT / image
        assert path.is_file(), f"README.md shows {image}, which is not in the repository"
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", f"{image} is not a PNG"
        assert path.stat().st_size <= MAX_BYTES, f"{image} is over {MAX_BYTES // 1000} KB"


def test_each_screenshot_is_shown_and_taken_by_a_browser_test():
    shown = {Path(image).name for image in readme_images()}
    kept = {path.name for path in (ROOT / DOCS_SHOTS).glob("*")}
    assert kept <= shown, (
        f"docs/screenshots/ keeps pictures the README no longer shows: {kept - shown}"
    )
    sources = "".join(path.read_text() for path in BROWSER_TESTS)
    for name in sorted(kept):
        assert f'"{name}"' in sources, f"no browser test takes {name}"
