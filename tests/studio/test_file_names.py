from __future__ import annotations

from studio.ui.components.job_panel import format_seconds
from studio.web.files import download_name, slug


def test_download_names_say_what_the_file_is():
    params = {"prompt": "A Red Fox, running in SNOW!"}
    assert download_name("video", {"seed": 1234}, params, ".mp4") == (
        "video-1234-a-red-fox-running-in-snow.mp4"
    )
    assert download_name("music", {"seed": 7}, {"description": "lo-fi beat"}, ".wav") == (
        "music-7-lo-fi-beat.wav"
    )


def test_slugs_never_carry_path_tricks():
    assert slug("../../etc/passwd") == "etc-passwd"
    assert slug("一只猫") == "untitled"
    assert len(slug("word " * 50)) <= 40


def test_seconds_read_as_minutes_and_seconds():
    assert format_seconds(75.4) == "1:15"
    assert format_seconds(None) == "…"
