"""Copy the browser tests' screenshots that the README shows into docs/screenshots/.

`make screenshots` runs the browser tour (tests/studio/test_browser_tour.py), then this:
every image README.md references under docs/screenshots/ is taken from
test-output/screenshots/ (same name), made at most ``MAX_WIDTH`` wide and saved as a
palette PNG, so the repository stays small. The README is the one list of shots.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
DOCS_SHOTS = Path("docs") / "screenshots"
TAKEN = ROOT / "test-output" / "screenshots"
MAX_WIDTH = 1280  # two screens side by side still read at this width
IMAGE_LINK = re.compile(r"!\[.*?\]\(([^)\s]+)\)")  # the alt text may hold [brackets]


def readme_images(readme: Path = README) -> list[str]:
    """The paths of the images README.md shows, in order, relative to the repository."""
    return IMAGE_LINK.findall(readme.read_text())


def shrink(source: Path, target: Path) -> None:
    image = Image.open(source).convert("RGB")
    if image.width > MAX_WIDTH:
        height = round(image.height * MAX_WIDTH / image.width)
        image = image.resize((MAX_WIDTH, height), Image.Resampling.LANCZOS)
    target.parent.mkdir(parents=True, exist_ok=True)
    image.quantize(colors=256).save(target, optimize=True)


def main() -> int:
    shots = [Path(p) for p in readme_images() if Path(p).parent == DOCS_SHOTS]
    missing = [p.name for p in shots if not (TAKEN / p.name).is_file()]
    if missing:
        print(
            f"No screenshot taken for {', '.join(missing)} in {TAKEN}: run "
            "`python -m pytest tests/studio/test_browser_tour.py` first (make screenshots).",
            file=sys.stderr,
        )
        return 1
    for shot in shots:
        shrink(TAKEN / shot.name, ROOT / shot)
        print(f"{shot} ({(ROOT / shot).stat().st_size // 1024} KB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
