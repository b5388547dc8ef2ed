"""``python -m engines video``: a file, one JSON line, and exit codes a script can trust."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from engines.media.probe import probe_media
from engines.media.settings_tag import settings_in
from tests.cli_runner import run_engines_cli
from tests.mp4_probe import probe_mp4


@pytest.mark.slow  # a CLI process that loads torch and a model
def test_video_command_writes_the_clip_and_prints_one_json_line(
    tmp_path: Path, tiny_models_dir: Path
):
    out = tmp_path / "clip.mp4"
    done = run_engines_cli(
        [
            "video",
            "--prompt",
            "a sailing boat",
            "--frames",
            "6",
            "--steps",
            "3",
            "--seed",
            "5",
            "--height",
            "64",
            "--width",
            "64",
            "--fps",
            "6",
            "--out",
            str(out),
        ],
        tmp_path / "data",
        tiny_models_dir,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
    assert len(lines) == 1
    result = json.loads(lines[0])
    assert result["seed"] == 5 and result["tiny"] is True and result["path"] == str(out)
    assert probe_mp4(out).frames == 6
    assert "Traceback" not in done.stderr
    # The clip remembers how it was made, as a worker's does: drop it on a page to refill.
    settings = settings_in(probe_media(out).tags)
    assert settings is not None and settings["job_kind"] == "video" and settings["seed"] == 5
    assert settings["params"]["prompt"] == "a sailing boat" and settings["params"]["steps"] == 3


def test_bad_input_exits_2_with_one_line_and_no_traceback(tmp_path: Path, tiny_models_dir: Path):
    out = tmp_path / "clip.mp4"
    done = run_engines_cli(
        ["video", "--prompt", "a boat", "--height", "250", "--out", str(out)],
        tmp_path / "data",
        tiny_models_dir,
    )
    assert done.returncode == 2
    assert done.stderr.strip() == (
        "error: `height` has to be a multiple of 8 but is 250; try 248 or 256."
    )
    assert done.stdout == "" and not out.exists()


def test_malformed_arguments_exit_2(tmp_path: Path, tiny_models_dir: Path):
    done = run_engines_cli(["video", "--frames", "many"], tmp_path / "data", tiny_models_dir)
    assert done.returncode == 2 and "Traceback" not in done.stderr
