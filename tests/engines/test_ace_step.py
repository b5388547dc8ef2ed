"""ACE-Step 1.5 on its tiny checkpoint: a 60 s song from lyrics, 48 kHz stereo."""

from __future__ import annotations

from pathlib import Path

import pytest
import soundfile

from engines.catalog import CATALOG
from engines.errors import ParamError
from engines.families.ace_step import AceStepParams
from engines.registry import EngineRegistry
from engines.settings import Settings

LYRICS = "[verse]\nsoft piano in the morning\n[chorus]\nhappy song tonight"


@pytest.mark.slow  # a 60 s song on CPU
def test_a_60_s_song_from_lyrics_is_48_khz_stereo_of_that_length(
    tiny_settings: Settings, tmp_path: Path
) -> None:
    entry = CATALOG["acestep-v1.5-turbo"]
    params = entry.params(
        description="upbeat pop, bright vocals", lyrics=LYRICS, duration=60.0, steps=2, seed=3,
        bpm=120, key="C major", time_signature="4",
    )  # fmt: skip
    out = tmp_path / "song.wav"

    result = EngineRegistry(tiny_settings).generate(params, out)

    info = soundfile.info(out)
    assert (info.samplerate, info.channels, info.frames) == (48_000, 2, 60 * 48_000)
    assert (result.sample_rate, result.channels, result.duration_s) == (48_000, 2, 60.0)
    assert result.params["lyrics"] == LYRICS and result.params["bpm"] == 120


def test_defaults_and_bounds() -> None:
    params = AceStepParams("pop")
    assert (params.steps, params.duration, params.language, params.bpm) == (8, 60.0, "en", None)
    for name, value in (("duration", 9.0), ("duration", 241.0), ("bpm", 10), ("language", "xx")):
        with pytest.raises(ParamError, match=f"`{name}`"):
            AceStepParams("pop", **{name: value})
