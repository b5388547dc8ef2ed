"""``python -m engines models`` and ``--model`` on video/music, as a script uses them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import soundfile

from engines.catalog import CATALOG
from tests.cli_runner import run_engines_cli
from tests.mp4_probe import probe_mp4


def test_models_lists_the_catalog_as_a_table_and_as_json(tmp_path: Path, tiny_models_dir: Path):
    table = run_engines_cli(["models"], tmp_path / "data", tiny_models_dir)
    assert table.returncode == 0, table.stderr
    lines = table.stdout.splitlines()
    assert lines[0].split() == ["name", "output", "family", "hub_id", "licence", "vram_gb", "local"]
    assert [line.split()[0] for line in lines[1:]] == list(CATALOG)
    wan = next(line for line in lines if line.startswith("wan2.1-t2v-1.3b"))
    assert "Wan-AI/Wan2.1-T2V-1.3B-Diffusers" in wan and "Apache-2.0" in wan

    listed = run_engines_cli(["models", "--json"], tmp_path / "data", tiny_models_dir)
    rows = json.loads(listed.stdout)
    assert [r["name"] for r in rows] == list(CATALOG)
    assert rows[0]["hub_id"] == "ali-vilab/text-to-video-ms-1.7b" and rows[0]["local"] is False


@pytest.mark.slow  # a CLI process that loads torch and a model
def test_video_with_wan_writes_its_clip(tmp_path: Path, tiny_models_dir: Path):
    out = tmp_path / "wan.mp4"
    args = ["video", "--model", "wan2.1-t2v-1.3b", "--prompt", "一只猫", "--frames", "5"]
    args += ["--steps", "2", "--height", "32", "--width", "32", "--seed", "2", "--out", str(out)]
    done = run_engines_cli(args, tmp_path / "data", tiny_models_dir)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["model_name"] == "wan2.1-t2v-1.3b" and result["fps"] == 16  # Wan's default
    assert result["warnings"] == []  # Wan reads Chinese: no English-only warning
    facts = probe_mp4(out)
    assert (facts.frames, facts.width, facts.height) == (5, 32, 32)


def test_a_value_the_model_cannot_take_exits_2_saying_what_would_work(
    tmp_path: Path, tiny_models_dir: Path
):
    out = tmp_path / "x.mp4"
    args = ["video", "--model", "wan2.1-t2v-1.3b", "--prompt", "a fox", "--frames", "16"]
    done = run_engines_cli([*args, "--out", str(out)], tmp_path / "data", tiny_models_dir)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "`num_frames` has to be 4k+1" in done.stderr and "try 17" in done.stderr
    assert not out.exists()


def test_an_unknown_model_exits_2_listing_the_valid_ones(tmp_path: Path, tiny_models_dir: Path):
    out = tmp_path / "x.wav"
    args = ["music", "--model", "musicgen-huge", "--prompt", "jazz", "--out", str(out)]
    done = run_engines_cli(args, tmp_path / "data", tiny_models_dir)
    assert done.returncode == 2
    assert "Unknown model 'musicgen-huge'" in done.stderr
    assert "musicgen-small" in done.stderr and "musicgen-stereo-small" in done.stderr


def test_a_melody_for_a_model_without_melody_exits_2(tmp_path: Path, tiny_models_dir: Path):
    melody = tmp_path / "tune.wav"
    soundfile.write(melody, [0.0] * 32000, 32000)
    args = ["music", "--model", "musicgen-small", "--prompt", "folk", "--melody", str(melody)]
    done = run_engines_cli(
        [*args, "--out", str(tmp_path / "x.wav")], tmp_path / "data", tiny_models_dir
    )
    assert done.returncode == 2 and "use musicgen-melody" in done.stderr


@pytest.mark.slow  # a CLI process that loads torch and a model
def test_music_with_the_stereo_model_writes_two_channels(tmp_path: Path, tiny_models_dir: Path):
    out = tmp_path / "stereo.wav"
    args = ["music", "--model", "musicgen-stereo-small", "--prompt", "calm piano"]
    args += ["--duration", "1", "--seed", "3", "--out", str(out)]
    done = run_engines_cli(args, tmp_path / "data", tiny_models_dir)
    assert done.returncode == 0, done.stderr
    info = soundfile.info(out)
    assert (info.channels, info.samplerate, info.subtype) == (2, 32000, "PCM_16")
    assert json.loads(done.stdout)["channels"] == 2
