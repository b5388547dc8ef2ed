"""The Library page with 20 items, before and after the web layer (issue 10).

Before, every run of the page read each file and handed its bytes to Streamlit's
``/media`` store (players and download buttons); after, players and downloads are
URLs of ``/files``. The same data dir (10 videos of 2 MB, 10 WAV tracks of 10 s) is
opened under AppTest by each tree: the studio as it was at ``BEFORE`` (exported with
``git archive``) and the working tree. Each repeat, in turn, runs one child process per
tree: log in, open the Library (cold), then rerun it 5 times (warm).

Target: after is no slower than before (cold and warm ratios after/before at most 1.0).
First imports (pandas, altair) are done before either tree's timing starts.

    python -m bench.library_page [--quick]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tarfile
import tempfile
import time
from io import BytesIO
from pathlib import Path
from typing import Any

from bench.measure import paired_ratios, summarize

REPO = Path(__file__).resolve().parents[1]
BEFORE = "2d2de17"  # the last commit before the studio's own web layer
ITEMS = 20
WARM_RUNS = 5
KEY = "bench-library-page-key-" + "k" * 32
ADMIN, ADMIN_PASSWORD = "boss", "boss-password-1"
USER, PASSWORD = "bench", "bench-password-1"


def run(quick: bool = False) -> dict[str, Any]:
    repeats = 2 if quick else 4
    with tempfile.TemporaryDirectory(prefix="bench-library-") as tmp:
        root = Path(tmp)
        before_tree = _export(BEFORE, root / "before")
        data = root / "data"
        _prepare(data)
        samples: dict[str, list[dict[str, Any]]] = {"before": [], "after": []}
        for _ in range(repeats):
            samples["before"].append(_measure(before_tree, data))
            samples["after"].append(_measure(REPO, data))
    warm = {way: [s["warm_median_s"] for s in runs] for way, runs in samples.items()}
    cold = {way: [s["cold_s"] for s in runs] for way, runs in samples.items()}
    ratio = paired_ratios(warm["after"], warm["before"])
    cold_ratio = paired_ratios(cold["after"], cold["before"])
    return {
        "items": ITEMS,
        "repeats": repeats,
        "before_commit": BEFORE,
        "warm_s": {way: summarize(values).to_dict() for way, values in warm.items()},
        "cold_s": {way: summarize(values).to_dict() for way, values in cold.items()},
        "warm_ratio_after_before": ratio.to_dict(),
        "cold_ratio_after_before": cold_ratio.to_dict(),
        "targets_met": ratio.median <= 1.0 and cold_ratio.median <= 1.0,
    }


def _export(commit: str, target: Path) -> Path:
    archive = subprocess.run(
        ["git", "archive", commit, "engines", "jobs", "studio", "assets"],
        cwd=REPO,
        check=True,
        capture_output=True,
    ).stdout
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(target, filter="data")
    return target


def _prepare(data: Path) -> None:
    """An admin, a user, and 20 of the user's files, as their library would hold them."""
    import numpy as np
    import soundfile as sf

    os.environ["STUDIO_DATA_DIR"] = str(data)
    from jobs.service import JobService
    from studio.accounts.store import AccountStore

    accounts = AccountStore(data / "catalog.sqlite3")
    accounts.add(ADMIN, ADMIN_PASSWORD, role="admin")
    accounts.add(USER, PASSWORD)
    api = JobService()
    rng = np.random.default_rng(0)
    for n in range(ITEMS // 2):
        api.import_file(USER, os.urandom(2 << 20), ".mp4", params={"prompt": f"v{n}"})
        wav = BytesIO()
        sf.write(wav, rng.uniform(-0.5, 0.5, 320_000).astype("float32"), 32_000, format="WAV")
        api.import_file(USER, wav.getvalue(), ".wav", params={"description": f"track {n}"})
    api.close()


def _measure(tree: Path, data: Path) -> dict[str, Any]:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(tree), str(REPO)]),
        "STUDIO_DATA_DIR": str(data),
        "STUDIO_COOKIE_KEY": KEY,
        "STUDIO_MODELS": "tiny",
        "STUDIO_ADMIN_USER": ADMIN,
        "STUDIO_ADMIN_PASSWORD": ADMIN_PASSWORD,
    }
    done = subprocess.run(
        [sys.executable, "-m", "bench.library_page", "--measure", str(tree)],
        cwd=tree,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def measure(tree: Path) -> dict[str, Any]:
    """In the child: log in the way this tree does, then time the Library page."""
    # First imports (the waveform chart's pandas and altair) happen at different steps in
    # the two trees; done here, they count against neither tree's first open.
    import altair  # noqa: F401
    import numpy  # noqa: F401
    import pandas  # noqa: F401
    import soundfile  # noqa: F401
    from streamlit.testing.v1 import AppTest

    if (tree / "studio" / "ui" / "app.py").is_file():  # after: the cookie the login route sets
        from studio.accounts.login_cookie import issue_login_token

        app = AppTest.from_file(str(tree / "studio" / "ui" / "app.py"), default_timeout=120)
        app.run()  # the first page, logged out, as before's form
        _send_cookie(issue_login_token(USER, KEY, 3600)[0])
        app.run()
        library = "app_pages/library.py"
    else:  # before: streamlit-authenticator's form in the page
        app = AppTest.from_file(str(tree / "studio" / "app.py"), default_timeout=120)
        app.run()
        app.text_input[0].input(USER)
        app.text_input[1].input(PASSWORD)
        app.button[0].click().run()
        library = "pages/library.py"
    started = time.perf_counter()
    app.switch_page(library).run()
    cold = time.perf_counter() - started
    if app.exception or not app.title or app.title[0].value != "Library":
        raise RuntimeError(f"the Library did not open: {app.exception}")
    warm = []
    for _ in range(WARM_RUNS):
        started = time.perf_counter()
        app.run()
        warm.append(time.perf_counter() - started)
    return {"cold_s": cold, "warm_median_s": sorted(warm)[len(warm) // 2]}


def _send_cookie(token: str) -> None:
    """What a browser's WebSocket handshake hands Streamlit: here, only the login cookie."""
    from types import SimpleNamespace

    import streamlit.runtime.context as context

    connection = SimpleNamespace(cookies={"studio_login": token}, headers=[], remote_ip=None)
    context._get_client_context = lambda: connection


def markdown(report: dict[str, Any]) -> str:
    warm, cold, ratio = report["warm_s"], report["cold_s"], report["warm_ratio_after_before"]
    cold_ratio = report["cold_ratio_after_before"]

    def row(way: str) -> str:
        return (
            f"| {way} | {cold[way]['median']:.2f} ± {cold[way]['spread']:.2f} s "
            f"| {warm[way]['median']:.2f} ± {warm[way]['spread']:.2f} s |"
        )

    return "\n".join(
        [
            f"The Library page with {report['items']} items (10 videos of 2 MB, 10 tracks of "
            f"10 s) under AppTest, before ({report['before_commit']}: bytes through /media) "
            f"and after (URLs of /files), {report['repeats']} interleaved repeats:",
            "",
            "| tree | open (cold) | rerun (warm median of 5) |",
            "|---|---:|---:|",
            row("before"),
            row("after"),
            f"| after / before, pair by pair | {cold_ratio['median']:.2f} ± "
            f"{cold_ratio['spread']:.2f} | {ratio['median']:.2f} ± {ratio['spread']:.2f} |",
            "",
            f"Target: after no slower than before; met: {report['targets_met']}.",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.library_page")
    parser.add_argument("--quick", action="store_true", help="2 repeats instead of 4")
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--json", action="store_true", help="print the raw report as JSON too")
    args = parser.parse_args(argv)
    if args.measure:
        print(json.dumps(measure(args.measure)))
        return 0
    report = run(quick=args.quick)
    print(markdown(report))
    if args.json:
        print(json.dumps(report, indent=2))
    return 0 if report["targets_met"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
