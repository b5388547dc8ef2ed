"""What every generated track must be, read back from the file: its model's own rate and
channels, the asked length within one codec frame, and the settings that made it inside.

The three tracks the music issue's "done when" names, with each model's codec frame
(MusicGen's EnCodec 50 a second, ACE-Step's latents 25 a second, Stable Audio's Oobleck
VAE 2048 samples):
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import soundfile

from engines.media.settings_tag import settings_in
from tests.required_tools import require_tool


@dataclass(frozen=True)
class Track:
    model: str
    seconds: float
    rate: int
    channels: int
    frame_s: float  # one codec frame: how far the length may be off


DONE_WHEN = {
    "long.wav": Track("musicgen-small", 180.0, 32_000, 1, 1 / 50),
    "song-with-lyrics.wav": Track("acestep-v1.5-turbo", 60.0, 48_000, 2, 1 / 25),
    "rain.wav": Track("stable-audio-open-1.0", 20.0, 44_100, 2, 2048 / 44_100),
}


def check_track(path: Path, track: Track) -> dict[str, Any]:
    """Assert ``path`` is ``track``, by soundfile and by ffprobe; the settings it carries."""
    info = soundfile.info(str(path))
    assert (info.samplerate, info.channels, info.subtype) == (track.rate, track.channels, "PCM_16")
    assert abs(info.frames / info.samplerate - track.seconds) <= track.frame_s, info.duration
    probed = json.loads(
        subprocess.run(
            [require_tool("ffprobe"), "-v", "error", "-of", "json", "-show_entries",
             "stream=sample_rate,channels:format=duration:format_tags", str(path)],
            capture_output=True, text=True, check=True, timeout=30,
        ).stdout
    )  # fmt: skip
    (stream,) = probed["streams"]
    assert (int(stream["sample_rate"]), stream["channels"]) == (track.rate, track.channels)
    assert abs(float(probed["format"]["duration"]) - track.seconds) <= track.frame_s
    settings = settings_in(probed["format"].get("tags", {}))
    assert settings is not None, f"{path.name} carries no settings tag"
    assert settings["model"] == track.model and settings["job_kind"] == "music"
    assert settings["params"]["duration"] == track.seconds
    assert isinstance(settings["seed"], int) and settings["params"]["seed"] == settings["seed"]
    return settings
