"""``python -m engines combine``: a file, one JSON line, and exit codes a script can trust."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest

from engines.cli import main
from tests.cli_runner import run_engines_cli
from tests.media_factory import make_h264_clip, make_tone, read_facts


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("combine-cli")
    clip = make_h264_clip(folder / "clip.mp4", seconds=2.0, tone_hz=1000)
    return clip, make_tone(folder / "track.wav", 440, 3.0)


def test_combine_command_writes_the_mp4_and_prints_one_json_line(
    inputs: tuple[Path, Path], tmp_path: Path, tiny_models_dir: Path
):
    clip, track = inputs
    out = tmp_path / "scored.mp4"
    options = ["--offset", "0.5", "--volume-db", "-3", "--fade-in", "0.25", "--fade-out", "0.5"]
    options += ["--fit", "trim", "--original", "mix", "--original-level-db", "-18"]
    done = run_engines_cli(
        ["combine", "--video", str(clip), "--audio", str(track), "--out", str(out), *options],
        tmp_path / "data",
        tiny_models_dir,
    )

    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
    assert len(lines) == 1
    result = json.loads(lines[0])
    assert result["params"] == {
        "offset_s": 0.5,
        "volume_db": -3.0,
        "fade_in_s": 0.25,
        "fade_out_s": 0.5,
        "fit": "trim",
        "original": "mix",
        "original_level_db": -18.0,
    }
    assert result["path"] == str(out) and result["video_copied"] is True
    assert result["sources"]["video"]["path"] == str(clip)
    assert read_facts(out).codecs == ("h264", "aac")


def test_defaults_loop_the_track_and_drop_the_videos_sound(
    inputs: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    clip, track = inputs
    out = tmp_path / "plain.mp4"
    assert main(["combine", "--video", str(clip), "--audio", str(track), "--out", str(out)]) == 0
    result = json.loads(capsys.readouterr().out)
    assert (result["params"]["fit"], result["params"]["original"]) == ("loop", "drop")
    assert result["duration_s"] == pytest.approx(2.0, abs=0.125)


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--volume-db", "99"], "error: `volume_db` must be between -60 and 12, but is 99."),
        (["--offset", "7"], "error: `offset_s` is 7 s but the track lasts only 3.00 s"),
        (["--fade-in", "1.5", "--fade-out", "1"], "are longer than the 2.00 s result"),
    ],
)
def test_bad_options_exit_2_with_the_reason(
    inputs: tuple[Path, Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    extra: list[str],
    message: str,
):
    clip, track = inputs
    out = tmp_path / "x.mp4"
    argv = ["combine", "--video", str(clip), "--audio", str(track), "--out", str(out), *extra]
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert message in captured.err and captured.out == "" and not out.exists()


def test_a_bad_input_file_exits_2_with_its_message(
    inputs: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    clip, _ = inputs
    fake = Path(shutil.copy(Path(sys.executable).resolve(), tmp_path / "song.wav"))
    out = tmp_path / "x.mp4"
    assert main(["combine", "--video", str(clip), "--audio", str(fake), "--out", str(out)]) == 2
    assert "error: 'song.wav' is a program (an executable)" in capsys.readouterr().err


def test_an_unknown_fit_mode_is_refused_by_the_parser(inputs: tuple[Path, Path], tmp_path: Path):
    clip, track = inputs
    argv = ["combine", "--video", str(clip), "--audio", str(track), "--out", "x.mp4"]
    with pytest.raises(SystemExit) as info:
        main([*argv, "--fit", "stretch"])
    assert info.value.code == 2
