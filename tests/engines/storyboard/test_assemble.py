"""Assembling real clips and a real soundtrack into the piece, checked with ffprobe,
ffmpeg's ebur128 and the decoded frames."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest

from engines.errors import GenerationCancelled, MediaError, ParamError
from engines.progress import RunContext
from engines.storyboard.assemble import assemble
from engines.storyboard.beats import detect_beats
from engines.storyboard.plan import Plan, ShotSpec, Transition, plan_board
from tests.engines.storyboard.clicks import beat_times, write_music_track
from tests.engines.storyboard.pieces import audio_of, colour_clip, ebur128, probe
from tests.media_factory import make_clip
from tests.mp4_probe import decode_frames, probe_mp4

TITLES = ["a lighthouse at dawn", "gulls = noise; #2 \\ here", "the sea\nat night"]


def clips_for(plan: Plan, folder: Path, sizes=None) -> list[Path]:
    """A test-pattern clip per shot with the frames its model would give (>= planned)."""
    return [
        make_clip(
            folder / f"shot{i}.mp4",
            seconds=shot.generate_frames / shot.fps,
            fps=shot.fps,
            size=(sizes or {}).get(i, (96, 64)),
        )
        for i, shot in enumerate(plan.shots)
    ]


@pytest.fixture(scope="module")
def music(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[float]]:
    truth = beat_times([(120.0, 14.0)])
    path = write_music_track(tmp_path_factory.mktemp("music") / "music.wav", truth, 14.5)
    return path, truth


def test_a_board_on_the_beat_becomes_one_h264_aac_piece(tmp_path: Path, music) -> None:
    track, truth = music
    specs = [ShotSpec(3.3, 24), ShotSpec(2.6, 16), ShotSpec(4.0, 24)]
    plan = plan_board(specs, detect_beats(track), "beats", Transition())
    # The 16 fps shot is also square: it is brought to the piece's fps and size.
    clips = clips_for(plan, tmp_path, sizes={1: (64, 64)})
    out = tmp_path / "piece.mp4"

    result = assemble(clips, track, plan, TITLES, Transition(), out)

    video = probe_mp4(out)
    facts = probe(out)
    codecs = {s["codec_type"]: s["codec_name"] for s in facts["streams"]}
    assert codecs["video"] == "h264" and codecs["audio"] == "aac"
    assert (video.width, video.height, video.pix_fmt) == (96, 64, "yuv420p")
    assert video.fps == plan.fps == 24 and video.frames == round(plan.seconds * 24)
    assert video.moov_before_mdat
    # Its length is the plan's, within one frame, and so is the audio's.
    assert abs(float(facts["format"]["duration"]) - plan.seconds) <= 1 / plan.fps
    audio = next(s for s in facts["streams"] if s["codec_type"] == "audio")
    assert abs(float(audio["duration"]) - plan.seconds) <= 1 / plan.fps
    assert result.seconds == pytest.approx(plan.seconds, abs=1 / plan.fps)
    # One chapter per shot, starting at its planned cut (on a beat), titled by its prompt.
    chapters = facts["chapters"]
    assert [round(float(c["start_time"]), 3) for c in chapters] == [round(c, 3) for c in plan.cuts]
    assert [c["tags"]["title"] for c in chapters] == [
        "a lighthouse at dawn",
        "gulls = noise; #2 \\ here",
        "the sea at night",
    ]
    assert all(min(abs(c - t) for t in truth) <= 1 / 24 for c in plan.cuts[1:])
    # -14 LUFS integrated, peaks under -1 dBTP, by ffmpeg's own meter.
    integrated, peak = ebur128(out)
    assert integrated == pytest.approx(-14.0, abs=1.0)
    assert peak <= -1.0
    assert not result.looped_soundtrack
    assert [p.name for p in tmp_path.iterdir() if ".partial" in p.name] == []


def test_a_crossfade_mixes_the_two_shots_for_its_length(tmp_path: Path, music) -> None:
    track, _ = music
    fade = Transition("crossfade", 1.0)
    plan = plan_board([ShotSpec(3.0, 24), ShotSpec(3.0, 24)], None, "as_written", fade)
    red = colour_clip(tmp_path / "red.mp4", "red", seconds=3.0, fps=24)
    blue = colour_clip(tmp_path / "blue.mp4", "blue", seconds=3.0, fps=24)
    out = tmp_path / "piece.mp4"

    assemble([red, blue], track, plan, ["red", "blue"], fade, out)

    frames = decode_frames(out).astype(float)
    assert plan.cuts == [0.0, 2.0] and plan.seconds == 5.0
    assert len(frames) == 120
    red_share = [f[..., 0].mean() / (f[..., 0].mean() + f[..., 2].mean()) for f in frames]
    assert all(share > 0.95 for share in red_share[:47])  # red until the cut at 2 s
    assert 0.35 < red_share[60] < 0.65  # half way through the second of crossfade
    assert all(share < 0.05 for share in red_share[73:])  # blue from 3 s
    # Strictly falling through the crossfade: it lasts the asked second, no less.
    middle = red_share[49:71]
    assert all(a > b for a, b in itertools.pairwise(middle))


def test_a_short_soundtrack_is_looped_under_the_whole_piece(tmp_path: Path) -> None:
    short = write_music_track(tmp_path / "short.wav", beat_times([(120.0, 3.0)]), 3.0)
    plan = plan_board([ShotSpec(4.0, 24), ShotSpec(4.0, 24)], None, "as_written", Transition())
    out = tmp_path / "piece.mp4"

    result = assemble(clips_for(plan, tmp_path), short, plan, ["one", "two"], Transition(), out)

    assert result.looped_soundtrack
    samples = audio_of(out)
    assert len(samples) == pytest.approx(8.0 * 48000, abs=48000 / 24)
    # Sound all the way: every half second after the track's own 3 s still has music.
    for start in np.arange(3.0, 6.0, 0.5):
        window = samples[int(start * 48000) : int((start + 0.5) * 48000)]
        assert np.sqrt(np.mean(window**2)) > 0.05, start
    assert ebur128(out)[0] == pytest.approx(-14.0, abs=1.0)


def test_progress_counts_frames_and_cancel_leaves_no_file(tmp_path: Path, music) -> None:
    track, _ = music
    plan = plan_board([ShotSpec(3.0, 24), ShotSpec(3.0, 24)], None, "as_written", Transition())
    clips = clips_for(plan, tmp_path)
    seen: list[tuple[int, int]] = []
    assemble(
        clips, track, plan, ["a", "b"], Transition(), tmp_path / "piece.mp4",
        RunContext(on_progress=lambda step, total: seen.append((step, total))),
    )  # fmt: skip
    assert seen and seen[-1] == (144, 144)
    assert [s for s, _ in seen] == sorted(s for s, _ in seen)

    with pytest.raises(GenerationCancelled):
        assemble(
            clips, track, plan, ["a", "b"], Transition(), tmp_path / "cancelled.mp4",
            RunContext(should_cancel=lambda: True),
        )  # fmt: skip
    assert not (tmp_path / "cancelled.mp4").exists()
    assert [p.name for p in tmp_path.iterdir() if ".partial" in p.name] == []


def test_without_a_soundtrack_the_piece_is_silent_but_still_aac(tmp_path: Path) -> None:
    plan = plan_board([ShotSpec(2.0, 24)], None, "as_written", Transition())
    out = tmp_path / "piece.mp4"
    assemble(clips_for(plan, tmp_path), None, plan, ["only"], Transition(), out)
    codecs = {s["codec_type"]: s["codec_name"] for s in probe(out)["streams"]}
    assert codecs["video"] == "h264" and codecs["audio"] == "aac"
    assert np.abs(audio_of(out)).max() == 0.0


def test_clips_that_do_not_fit_the_plan_are_refused(tmp_path: Path, music) -> None:
    track, _ = music
    plan = plan_board([ShotSpec(3.0, 24), ShotSpec(3.0, 24)], None, "as_written", Transition())
    clips = clips_for(plan, tmp_path)
    with pytest.raises(ParamError, match="2 shots but 1 clips"):
        assemble(clips[:1], track, plan, ["a"], Transition(), tmp_path / "x.mp4")
    with pytest.raises(ParamError, match="plan the board again with this transition"):
        assemble(clips, track, plan, ["a", "b"], Transition("crossfade", 0.5), tmp_path / "x.mp4")
    short = make_clip(tmp_path / "short.mp4", seconds=1.0, fps=24, size=(96, 64))
    with pytest.raises(MediaError, match=r"Shot 2 lasts 1\.00 s but the plan needs 72 frames"):
        assemble([clips[0], short], track, plan, ["a", "b"], Transition(), tmp_path / "x.mp4")
    assert not (tmp_path / "x.mp4").exists()
