"""The watched ffmpeg run: progress as it goes, and a clean environment for the child."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from engines.errors import MediaError
from engines.storyboard.ffmpeg_watch import run_watched


def ffmpeg_children_environments() -> list[bytes]:
    """The environments of this process's ffmpeg children (not the probe helper's)."""
    pids = []
    for task in Path("/proc/self/task").iterdir():
        pids += (task / "children").read_text().split()
    found = []
    for pid in pids:
        try:
            if b"sine=d=20" in Path(f"/proc/{pid}/cmdline").read_bytes():
                found.append(Path(f"/proc/{pid}/environ").read_bytes())
        except FileNotFoundError:  # a child that ended meanwhile
            continue
    return found


def test_ffmpeg_gets_no_settings_or_secrets_and_reports_progress(monkeypatch) -> None:
    monkeypatch.setenv("STUDIO_COOKIE_KEY", "secret-cookie-key-for-the-test")
    monkeypatch.setenv("HF_TOKEN", "hf_secret_for_the_test")
    seen: list[bytes] = []
    progress: list[float] = []

    def look() -> None:
        seen.extend(ffmpeg_children_environments())

    run_watched(
        ["-f", "lavfi", "-i", "sine=d=20:sample_rate=48000", "-af", "loudnorm", "-f", "null", "-"],
        timeout=60,
        what="a test tone",
        on_seconds=progress.append,
        check_cancel=look,
    )
    assert seen, "the check ran while ffmpeg was running"
    assert all(b"secret" not in env and b"STUDIO_" not in env for env in seen)
    assert b"PATH=" in seen[0]
    assert progress[-1] == pytest.approx(20.0, abs=0.1)
    assert os.environ["STUDIO_COOKIE_KEY"]  # the parent keeps its own


def test_a_failing_run_says_why() -> None:
    with pytest.raises(MediaError, match=r"Could not make a test file: .*nothere"):
        run_watched(["-i", "file:/nothere.wav", "-f", "null", "-"], timeout=30, what="a test file")
