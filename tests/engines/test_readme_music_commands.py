"""The README's music commands, run as written on tiny checkpoints: a 3-minute MusicGen
track, a 60 s ACE-Step song from lyrics and a 20 s Stable Audio ambience, each with its
model's rate and channels, its length within one codec frame, and its settings inside.

The commands are read from README.md, so the README cannot drift from what works; only
the output and lyrics files are placed in the test's folder.
"""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import pytest

from tests.audio_checks import DONE_WHEN, check_track
from tests.cli_runner import ROOT, run_engines_cli

LYRICS = "[verse]\nRain on the window\nsoft and slow\n[chorus]\nSing it low\n"


def readme_music_commands() -> dict[str, list[str]]:
    """`python -m engines music ...` lines of README.md (continuations joined), by --out."""
    text = (ROOT / "README.md").read_text().replace("\\\n", " ")
    commands = {}
    for line in re.findall(r"^python -m engines music .*$", text, re.M):
        args = shlex.split(line, comments=True)[3:]
        commands[args[args.index("--out") + 1]] = args
    return commands


def test_the_readme_shows_each_done_when_track():
    assert set(DONE_WHEN) <= set(readme_music_commands())


@pytest.mark.slow  # a CLI process making a 3-minute track, a song, an ambience
@pytest.mark.parametrize("out_name", list(DONE_WHEN))
def test_a_readme_music_command_makes_its_track(
    out_name: str, tmp_path: Path, tiny_models_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OMP_NUM_THREADS", "1")  # tiny models gain nothing from threads
    track = DONE_WHEN[out_name]
    args = readme_music_commands()[out_name]
    out = tmp_path / out_name
    args[args.index("--out") + 1] = str(out)
    if "--lyrics" in args:  # the README names a file: give it one
        lyrics = tmp_path / args[args.index("--lyrics") + 1]
        lyrics.write_text(LYRICS)
        args[args.index("--lyrics") + 1] = str(lyrics)

    done = run_engines_cli(args, tmp_path / "data", tiny_models_dir, timeout=900)

    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert (result["model_name"], result["duration_s"]) == (track.model, track.seconds)
    settings = check_track(out, track)
    made_with = dict(result["params"])
    if made_with.get("melody_path"):  # a path on this machine: the tag keeps its name alone
        made_with["melody_path"] = Path(made_with["melody_path"]).name
    assert settings["params"] == {**made_with, "seed": result["seed"]}
    if "--lyrics" in args:
        assert settings["params"]["lyrics"] == LYRICS and settings["params"]["bpm"] == 120
