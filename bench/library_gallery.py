"""The Library's gallery with 20 and with 300 assets (issue 11).

Each library is half clips, half tracks: 20 assets (10 clips, 10 tracks), then 300 (150
six-second 832x480 H.264 clips and 150 thirty-second tracks), as the issue measured
them. One clip and one track are made with ffmpeg, their pictures made once (as the
worker does), and every asset is its own copy of those files and pictures in the
catalog, so the page sees real files of the real sizes.

Each repeat opens each library in a child process of its own under AppTest (log in,
open the Library, rerun it 5 times, as a person paging and filtering would):

- first screen: the Library's first run, until the script has drawn page 1;
- settle: the median rerun after it (the page at rest, as every click redraws it);
- memory growth: the child's RSS after the reruns minus its RSS before the Library opened.

Targets: at 300 assets the page settles within 1.3x of the 20-asset time (pair by pair)
and the Streamlit process grows by at most 60 MB. (The pictures of a 30 s asset in under
0.5 s are measured by ``bench.previews``.)

    python -m bench.library_gallery [--quick]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.measure import paired_ratios, summarize

REPO = Path(__file__).resolve().parents[1]
SIZES = (20, 300)
WARM_RUNS = 5
TARGET_SETTLE_RATIO = 1.3
TARGET_GROWTH_MB = 60.0
KEY = "bench-library-gallery-key-" + "k" * 32
ADMIN, ADMIN_PASSWORD = "boss", "boss-password-1"
USER, PASSWORD = "bench", "bench-password-1"


def run(quick: bool = False) -> dict[str, Any]:
    repeats = 2 if quick else 4
    with tempfile.TemporaryDirectory(prefix="bench-gallery-") as tmp:
        root = Path(tmp)
        clip, track = _media(root / "media")
        data = {size: _prepare(root / f"data-{size}", size, clip, track) for size in SIZES}
        samples: dict[int, list[dict[str, float]]] = {size: [] for size in SIZES}
        for _ in range(repeats):
            for size in SIZES:
                samples[size].append(_measure(data[size]))
    small, large = SIZES
    settle = {size: [s["settle_s"] for s in runs] for size, runs in samples.items()}
    first = {size: [s["first_s"] for s in runs] for size, runs in samples.items()}
    growth = {size: [s["growth_mb"] for s in runs] for size, runs in samples.items()}
    ratio = paired_ratios(settle[large], settle[small])
    worst_growth = max(growth[large])
    return {
        "sizes": list(SIZES),
        "repeats": repeats,
        "first_screen_s": {str(n): summarize(v).to_dict() for n, v in first.items()},
        "settle_s": {str(n): summarize(v).to_dict() for n, v in settle.items()},
        "memory_growth_mb": {str(n): summarize(v).to_dict() for n, v in growth.items()},
        "settle_ratio_300_20": ratio.to_dict(),
        "first_ratio_300_20": paired_ratios(first[large], first[small]).to_dict(),
        "cards_on_first_page": {str(n): runs[0]["cards"] for n, runs in samples.items()},
        "targets_met": ratio.median <= TARGET_SETTLE_RATIO and worst_growth <= TARGET_GROWTH_MB,
    }


def _media(folder: Path) -> tuple[Path, Path]:
    """One six-second 832x480 clip and one thirty-second track."""
    from tests.media_factory import make_h264_clip, make_tone

    folder.mkdir(parents=True)
    clip = make_h264_clip(folder / "clip.mp4", seconds=6.0, size=(832, 480), fps=16)
    track = make_tone(folder / "track.wav", 330.0, 30.0)
    return clip, track


def _prepare(data: Path, size: int, clip: Path, track: Path) -> Path:
    """An admin, a user and ``size`` assets, half clips, half tracks, each with pictures."""
    from engines.media.previews import make_previews
    from jobs.assets import relative_asset_path, relative_preview_path, resolve_in
    from jobs.catalog import Catalog
    from jobs.catalog.records import new_id
    from studio.accounts.store import AccountStore

    data.mkdir(parents=True)
    accounts = AccountStore(data / "catalog.sqlite3")
    accounts.add(ADMIN, ADMIN_PASSWORD, role="admin")
    accounts.add(USER, PASSWORD)
    catalog = Catalog(data / "catalog.sqlite3")
    pictures = {}
    for media in (clip, track):
        made = make_previews(media, media.parent, media.stem)
        pictures[media] = {name: Path(path) for name, path in vars(made).items() if path}
    for n in range(size):
        media = clip if n % 2 == 0 else track
        asset_id = new_id()
        relative = relative_asset_path(USER, asset_id, media.suffix)
        target = resolve_in(data, relative)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(media, target)
        previews = {}
        for name, picture in pictures[media].items():
            previews[name] = relative_preview_path(relative, name)
            shutil.copyfile(picture, resolve_in(data, previews[name]))
        video = media is clip
        catalog.assets.add(
            USER,
            "video" if video else "audio",
            relative,
            source="generated",
            model="bench",
            asset_id=asset_id,
            params={"prompt": f"clip {n}"} if video else {"description": f"track {n}"},
            meta={
                "previews": previews,
                "duration_s": 6.0 if video else 30.0,
                "width": 832 if video else None,
                "seed": n,
            },
        )
    return data


def _measure(data: Path) -> dict[str, float]:
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "STUDIO_DATA_DIR": str(data),
        "STUDIO_COOKIE_KEY": KEY,
        "STUDIO_MODELS": "tiny",
        "STUDIO_ADMIN_USER": ADMIN,
        "STUDIO_ADMIN_PASSWORD": ADMIN_PASSWORD,
    }
    done = subprocess.run(
        [sys.executable, "-m", "bench.library_gallery", "--measure"],
        cwd=REPO,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def measure() -> dict[str, float]:
    """In the child: log in by cookie, then time the Library and watch the RSS."""
    from streamlit.testing.v1 import AppTest

    import studio.accounts.login_cookie
    from bench.library_page import _send_cookie
    from bench.measure import rss_bytes

    app = AppTest.from_file(str(REPO / "studio" / "ui" / "app.py"), default_timeout=120)
    app.run()
    _send_cookie(studio.accounts.login_cookie.issue_login_token(USER, KEY, 3600)[0])
    app.run()
    before = rss_bytes() or 0
    started = time.perf_counter()
    app.switch_page("app_pages/library.py").run()
    first = time.perf_counter() - started
    if app.exception or not app.title or app.title[0].value != "Library":
        raise RuntimeError(f"the Library did not open: {app.exception}")
    cards = sum(1 for b in app.button if str(b.key).startswith("lib-open-"))
    if cards == 0:
        raise RuntimeError("the Library drew no cards")
    warm = []
    for _ in range(WARM_RUNS):
        started = time.perf_counter()
        app.run()
        warm.append(time.perf_counter() - started)
    growth = ((rss_bytes() or 0) - before) / 2**20
    settle = sorted(warm)[len(warm) // 2]
    return {"first_s": first, "settle_s": settle, "growth_mb": growth, "cards": cards}


def markdown(report: dict[str, Any]) -> str:
    first, settle, growth = report["first_screen_s"], report["settle_s"], report["memory_growth_mb"]
    ratio, first_ratio = report["settle_ratio_300_20"], report["first_ratio_300_20"]

    def row(size: str) -> str:
        return (
            f"| {size} | {first[size]['median']:.2f} ± {first[size]['spread']:.2f} s "
            f"| {settle[size]['median']:.3f} ± {settle[size]['spread']:.3f} s "
            f"| {growth[size]['median']:.1f} (max {growth[size]['high']:.1f}) MB |"
        )

    return "\n".join(
        [
            "The Library's gallery under AppTest, 20 assets (10 clips, 10 tracks) and 300 "
            "(150 six-second 832x480 clips, 150 thirty-second tracks), "
            f"{report['repeats']} interleaved repeats, one child process each:",
            "",
            "| assets | first screen | settle (median rerun of 5) | process memory growth |",
            "|---|---:|---:|---:|",
            *(row(str(size)) for size in report["sizes"]),
            f"| 300 / 20, pair by pair | {first_ratio['median']:.2f} ± "
            f"{first_ratio['spread']:.2f} | {ratio['median']:.2f} ± {ratio['spread']:.2f} | |",
            "",
            f"Targets: settle at 300 within {TARGET_SETTLE_RATIO}x of 20, growth at most "
            f"{TARGET_GROWTH_MB:.0f} MB; met: {report['targets_met']}.",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.library_gallery")
    parser.add_argument("--quick", action="store_true", help="2 repeats instead of 4")
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.measure:
        print(json.dumps(measure()))
        return 0
    report = run(quick=args.quick)
    print(markdown(report))
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
