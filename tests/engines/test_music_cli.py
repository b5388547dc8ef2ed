"""``python -m engines music``: a WAV, one JSON line, and exit codes a script can trust."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import soundfile

from engines.cli import main
from tests.cli_runner import run_engines_cli


@pytest.fixture(autouse=True)
def _one_thread_per_process(monkeypatch: pytest.MonkeyPatch) -> None:
    # Tiny models gain nothing from threads; on a shared 2-core box they only add contention.
    monkeypatch.setenv("OMP_NUM_THREADS", "1")


@pytest.mark.slow  # a CLI process that loads torch and a model
def test_music_command_writes_the_track_and_prints_one_json_line(
    tmp_path: Path, tiny_models_dir: Path
) -> None:
    out = tmp_path / "track.wav"
    done = run_engines_cli(
        ["music", "--prompt", "calm piano", "--duration", "1", "--seed", "4", "--out", str(out)],
        tmp_path / "data",
        tiny_models_dir,
    )

    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
    assert len(lines) == 1
    result = json.loads(lines[0])
    assert (result["kind"], result["seed"], result["tiny"]) == ("music", 4, True)
    assert result["path"] == str(out) and result["sample_rate"] == 32000
    info = soundfile.info(out)
    assert (info.samplerate, info.channels, info.subtype) == (32000, 1, "PCM_16")
    assert abs(info.duration - 1.0) <= 0.020
    assert "Traceback" not in done.stderr


def test_bad_input_exits_2_with_one_line_and_no_file(tmp_path: Path, tiny_models_dir: Path) -> None:
    out = tmp_path / "track.wav"
    done = run_engines_cli(
        ["music", "--prompt", "calm piano", "--duration", "301", "--out", str(out)],
        tmp_path / "data",
        tiny_models_dir,
    )

    assert done.returncode == 2
    assert done.stderr.strip() == "error: `duration` must be between 1 and 300, but is 301."
    assert done.stdout == "" and not out.exists()


def test_undecodable_melody_exits_2_naming_the_file(
    tmp_path: Path, tiny_models_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    (data_dir / "tiny-models").symlink_to(tiny_models_dir, target_is_directory=True)
    for name, value in {
        "STUDIO_MODELS": "tiny",
        "STUDIO_DATA_DIR": str(data_dir),
        "STUDIO_DEVICE": "cpu",
        "HF_HUB_DISABLE_PROGRESS_BARS": "1",
        "DIFFUSERS_VERBOSITY": "error",
        "TRANSFORMERS_VERBOSITY": "error",
    }.items():
        monkeypatch.setenv(name, value)  # restored after the test, unlike main()'s defaults
    melody = tmp_path / "hum.wav"
    melody.write_bytes(b"not audio at all" * 100)
    out = tmp_path / "track.wav"

    code = main(
        ["music", "--prompt", "folk", "--duration", "1", "--melody", str(melody), "--out", str(out)]
    )

    stderr = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and not out.exists()
    assert stderr[-1].startswith("error: Could not decode the melody file hum.wav")


def test_malformed_arguments_exit_2() -> None:
    with pytest.raises(SystemExit) as info:
        main(["music", "--prompt", "x", "--duration", "long", "--out", "a.wav"])
    assert info.value.code == 2


@pytest.mark.slow  # a CLI process that loads torch and a model
def test_a_song_from_a_lyrics_file_is_48_khz_stereo(tmp_path: Path, tiny_models_dir: Path) -> None:
    lyrics = tmp_path / "song.txt"
    lyrics.write_text("[verse]\nsoft piano\n[chorus]\nhappy song\n")
    out = tmp_path / "song.wav"
    args = ["music", "--model", "acestep-v1.5-turbo", "--prompt", "pop", "--lyrics", str(lyrics)]
    args += ["--language", "en", "--bpm", "96", "--key", "A minor", "--duration", "10"]
    done = run_engines_cli(
        [*args, "--steps", "2", "--seed", "1", "--out", str(out)],
        tmp_path / "data",
        tiny_models_dir,
    )

    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["params"]["lyrics"] == lyrics.read_text() and result["params"]["bpm"] == 96
    info = soundfile.info(out)
    assert (info.samplerate, info.channels, info.frames) == (48_000, 2, 10 * 48_000)


def test_a_flag_the_model_does_not_take_exits_2_naming_the_model_that_does(
    tmp_path: Path, tiny_models_dir: Path
) -> None:
    out = tmp_path / "track.wav"
    done = run_engines_cli(
        ["music", "--prompt", "calm", "--lyrics", "la la", "--out", str(out)],
        tmp_path / "data",
        tiny_models_dir,
    )

    assert done.returncode == 2 and not out.exists()
    assert done.stderr.strip() == (
        "error: musicgen-small does not take --lyrics; "
        "leave it out or use --model acestep-v1.5-turbo."
    )
