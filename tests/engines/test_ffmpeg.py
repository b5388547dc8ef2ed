"""The sandboxed ffmpeg runner: every input is local-only, failures carry ffmpeg's reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from engines.errors import MediaError
from engines.media.ffmpeg import local_input, run_ffmpeg
from tests.media_factory import make_concat_trick, make_tone


def test_every_input_gets_its_own_whitelists(tmp_path: Path):
    args = [*local_input(tmp_path / "a.wav"), *local_input(tmp_path / "b.wav", loop=True)]
    assert args.count("-protocol_whitelist") == 2 and args.count("-format_whitelist") == 2
    assert args[args.index("-stream_loop") + 1] == "-1"
    assert [a for a in args if a.startswith("file:")] == [
        f"file:{tmp_path / 'a.wav'}",
        f"file:{tmp_path / 'b.wav'}",
    ]


def test_a_file_list_as_second_input_is_refused(tmp_path: Path):
    # A concat list disguised as media may not open other files, even as the second input.
    tone = make_tone(tmp_path / "tone.wav", 440.0, 1.0)
    trick = make_concat_trick(tmp_path / "innocent.mp4", target=str(tone))
    with pytest.raises(MediaError, match="Could not decode the pair"):
        run_ffmpeg(
            [*local_input(tone), *local_input(trick), "-map", "1:a", "-f", "null", "-"],
            what="the pair",
        )


def test_the_first_error_line_is_kept(tmp_path: Path):
    missing = tmp_path / "missing.wav"
    with pytest.raises(MediaError) as info:
        run_ffmpeg([*local_input(missing), "-f", "null", "-"], what="the melody")
    assert "No such file or directory" in str(info.value)
