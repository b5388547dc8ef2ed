from __future__ import annotations

from jobs.catalog.records import Asset
from jobs.titles import asset_title, cut_at_word, download_name, slug
from studio.ui.components.job_panel import format_seconds


def asset(source: str, params: dict, meta: dict, output_type: str = "video") -> Asset:
    return Asset("a1", "ana", output_type, source, None, "x", params, meta, None, (), 0.0)


def test_download_names_say_what_the_file_is():
    fox = asset("generated", {"prompt": "A Red Fox, running in SNOW!"}, {"seed": 1234})
    assert download_name(fox, ".mp4") == "video-1234-a-red-fox-running-in-snow.mp4"
    beat = asset("generated", {"description": "lo-fi beat"}, {"seed": 7}, "audio")
    assert download_name(beat, ".wav") == "music-7-lo-fi-beat.wav"
    upload = asset("uploaded", {"uploaded_as": "Beach Clip.MOV"}, {})
    assert download_name(upload, ".mp4") == "video-beach-clip.mp4"


def test_combined_and_scored_results_are_named_from_their_sources():
    names = {"video_path": "a lighthouse keeper waving at passing ships", "audio_path": "calm"}
    scored = asset("scored", {"description": "Soundtrack for: x"}, {"input_names": names})
    assert asset_title(scored) == "Scored: a lighthouse keeper waving at passing ships"
    assert download_name(scored, ".mp4") == "scored-a-lighthouse-keeper-waving-at-passing.mp4"
    combined = asset("combined", {"options": {}}, {"input_names": names})
    assert asset_title(combined) == "Combined: a lighthouse keeper waving at passing ships + calm"
    assert download_name(combined, ".mp4") == "combined-a-lighthouse-keeper-with-calm.mp4"
    unnamed = asset("combined", {}, {})  # made before names were recorded
    assert asset_title(unnamed) == "Combined: a video + a track"


def test_a_storyboard_piece_is_named_by_its_board():
    piece = asset("storyboard", {"board": {"title": "Fox at Dawn", "shots": []}}, {})
    assert asset_title(piece) == "Storyboard: Fox at Dawn"
    assert download_name(piece, ".mp4") == "storyboard-fox-at-dawn.mp4"
    assert asset_title(asset("storyboard", {}, {})) == "Storyboard: untitled board"


def test_names_are_cut_at_a_word():
    text = "a lighthouse keeper waving at passing ships in a storm"
    assert cut_at_word(text, 30) == "a lighthouse keeper waving at…"
    assert cut_at_word(text, 100) == text
    assert cut_at_word("supercalifragilistic", 8) == "superca…"  # one word: cut, nothing else fits
    assert slug(text, 20) == "a-lighthouse-keeper"  # not "a-lighthouse-keeper-"
    assert slug("x" * 50, 10) == "x" * 10


def test_slugs_never_carry_path_tricks():
    assert slug("../../etc/passwd") == "etc-passwd"
    assert slug("一只猫") == "untitled"
    assert len(slug("word " * 50)) <= 40


def test_seconds_read_as_minutes_and_seconds():
    assert format_seconds(75.4) == "1:15"
    assert format_seconds(None) == "…"
