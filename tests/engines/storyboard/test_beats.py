"""Beats and bars of synthetic click tracks whose clicks are known to the sample."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from engines.errors import MediaError
from engines.media.ffmpeg import ffmpeg_exe
from engines.storyboard.beats import detect_beats
from engines.storyboard.plan import ShotSpec, Transition, plan_board
from tests.engines.storyboard.clicks import beat_times, write_click_track

STEADY = [(120.0, 30.0)]
CHANGING = [(87.0, 20.0), (104.0, 20.0)]  # 87 BPM, then faster


def nearest(times: list[float], t: float) -> float:
    return min(abs(t - x) for x in times)


@pytest.mark.parametrize("sections", [STEADY, CHANGING], ids=["120bpm", "87bpm-then-104"])
def test_beats_fall_on_the_clicks_and_bars_on_the_low_clicks(tmp_path: Path, sections) -> None:
    truth = beat_times(sections)
    track = write_click_track(tmp_path / "clicks.wav", truth, sum(s for _, s in sections) + 0.5)

    beats = detect_beats(track)

    # Nearly every click is found, each within 10 ms (a frame at 24 fps is 41.7 ms).
    assert len(beats.times) >= len(truth) - 2
    assert max(nearest(truth, t) for t in beats.times) < 0.010
    # Bars: every 4th click (the low, loud ones), none of the others.
    assert len(beats.downbeats) >= len(truth) // 4 - 1
    assert max(nearest(truth[::4], t) for t in beats.downbeats) < 0.010
    assert set(beats.downbeats) <= set(beats.times)
    assert beats.duration == pytest.approx(sum(s for _, s in sections) + 0.5, abs=0.001)


def test_the_tempo_is_the_clicks_tempo(tmp_path: Path) -> None:
    truth = beat_times(STEADY)
    beats = detect_beats(write_click_track(tmp_path / "clicks.wav", truth, 30.5))
    assert beats.bpm == pytest.approx(120.0, abs=1.5)


def test_a_compressed_soundtrack_is_read_through_ffmpeg(tmp_path: Path) -> None:
    truth = beat_times([(120.0, 12.0)])
    wav = write_click_track(tmp_path / "clicks.wav", truth, 12.5)
    m4a = tmp_path / "clicks.m4a"  # AAC in MP4: libsndfile cannot read it
    subprocess.run(
        [ffmpeg_exe(), "-loglevel", "error", "-i", str(wav), "-c:a", "aac", str(m4a)], check=True
    )
    beats = detect_beats(m4a)
    # AAC's encoder delay shifts the audio a little; the beats are still the clicks.
    assert len(beats.times) >= len(truth) - 2
    assert max(nearest(truth, t) for t in beats.times) < 0.030


def test_a_missing_or_garbage_soundtrack_is_refused_with_its_name(tmp_path: Path) -> None:
    with pytest.raises(MediaError, match=r"nothere\.wav does not exist"):
        detect_beats(tmp_path / "nothere.wav")
    junk = tmp_path / "junk.wav"
    junk.write_bytes(b"RIFF this is not audio at all" * 10)
    with pytest.raises(MediaError, match="soundtrack"):
        detect_beats(junk)


def test_silence_has_no_beats_and_the_plan_keeps_the_cuts_as_written(tmp_path: Path) -> None:
    silent = tmp_path / "silence.wav"
    sf.write(str(silent), np.zeros(44100 * 5, dtype=np.float32), 44100)
    beats = detect_beats(silent)
    assert beats.times == [] and beats.downbeats == []
    plan = plan_board([ShotSpec(2.0, 24), ShotSpec(2.0, 24)], beats, "beats", Transition())
    assert plan.cuts == [0.0, 2.0] and plan.cuts_mode == "as_written"
