"""Combining on generated clips and tones: streams, lengths, fades, offset, original sound."""

from __future__ import annotations

import json
import math
from pathlib import Path
from types import SimpleNamespace

import pytest

from engines.combine import CombineParams, combine
from engines.errors import MediaError, ParamError
from tests.media_factory import (
    decode_audio,
    make_concat_trick,
    make_h264_clip,
    make_mp4v_clip,
    make_tone,
    read_facts,
    rms,
    tone_amplitude,
    video_packets,
)

CLIP_S, FPS = 3.0, 8
FRAME_S = 1 / FPS
TONE_RMS = 0.5 / math.sqrt(2)  # make_tone's amplitude 0.5


@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory) -> SimpleNamespace:
    folder = tmp_path_factory.mktemp("combine-media")
    return SimpleNamespace(
        clip=make_h264_clip(folder / "clip.mp4", seconds=CLIP_S, fps=FPS),
        clip_with_sound=make_h264_clip(folder / "sound.mp4", seconds=CLIP_S, tone_hz=1000),
        mp4v=make_mp4v_clip(folder / "mp4v.mp4", seconds=CLIP_S, fps=FPS),
        short_tone=make_tone(folder / "short.wav", 440, 1.25),  # shorter than the clip
        long_tone=make_tone(folder / "long.wav", 440, 4.0),  # longer than the clip
        two_tones=make_tone(folder / "two.wav", [440, 880], 1.5),  # 440 Hz, then 880 Hz
    )


def test_copies_a_browser_ready_video_and_encodes_only_the_audio(media, tmp_path: Path):
    out = tmp_path / "scored.mp4"
    result = combine(media.clip, media.long_tone, out, CombineParams())

    facts = read_facts(out)
    assert facts.codecs == ("h264", "aac")
    assert facts.faststart
    assert result.video_copied and result.reencode_reason is None
    assert video_packets(out) == video_packets(media.clip)  # byte for byte
    assert abs(facts.duration_s - CLIP_S) <= FRAME_S
    assert abs(facts.audio_s - CLIP_S) <= FRAME_S
    assert result.duration_s == pytest.approx(facts.duration_s, abs=1e-3)


def test_loop_repeats_a_short_track_to_the_video_length(media, tmp_path: Path):
    out = tmp_path / "loop.mp4"
    combine(media.clip, media.short_tone, out, CombineParams(fit="loop"))

    samples, rate = decode_audio(out)
    assert abs(read_facts(out).duration_s - CLIP_S) <= FRAME_S
    # The 1.25 s tone plays a second and a third time: music until the end.
    assert rms(samples, rate, 2.5, 2.95) == pytest.approx(TONE_RMS, rel=0.1)


def test_trim_plays_a_short_track_once_then_silence(media, tmp_path: Path):
    out = tmp_path / "trim.mp4"
    combine(media.clip, media.short_tone, out, CombineParams(fit="trim"))

    samples, rate = decode_audio(out)
    assert abs(read_facts(out).duration_s - CLIP_S) <= FRAME_S
    assert rms(samples, rate, 0.2, 1.0) == pytest.approx(TONE_RMS, rel=0.1)
    assert rms(samples, rate, 1.5, 2.9) < 0.01


def test_trim_cuts_a_long_track_at_the_video_length(media, tmp_path: Path):
    out = tmp_path / "cut.mp4"
    combine(media.clip, media.long_tone, out, CombineParams(fit="trim"))

    facts = read_facts(out)
    assert abs(facts.duration_s - CLIP_S) <= FRAME_S and abs(facts.audio_s - CLIP_S) <= FRAME_S


def test_loop_video_repeats_the_video_to_the_track_length(media, tmp_path: Path):
    out = tmp_path / "loop-video.mp4"
    result = combine(media.clip, media.long_tone, out, CombineParams(fit="loop-video"))

    facts = read_facts(out)
    assert abs(facts.duration_s - 4.0) <= FRAME_S and abs(facts.video_s - 4.0) <= FRAME_S
    assert facts.frames == 4 * FPS
    assert (facts.codecs, facts.pix_fmt) == (("h264", "aac"), "yuv420p")
    assert not result.video_copied and "looped" in (result.reencode_reason or "")


def test_loop_video_lasts_the_rest_of_the_track_after_the_offset(media, tmp_path: Path):
    out = tmp_path / "loop-video-offset.mp4"
    combine(media.clip, media.long_tone, out, CombineParams(fit="loop-video", offset_s=0.5))
    assert abs(read_facts(out).duration_s - 3.5) <= FRAME_S


def test_mp4v_video_is_re_encoded_to_h264(media, tmp_path: Path):
    out = tmp_path / "from-mp4v.mp4"
    result = combine(media.mp4v, media.long_tone, out, CombineParams())

    facts = read_facts(out)
    assert (facts.codecs, facts.pix_fmt) == (("h264", "aac"), "yuv420p")
    assert abs(facts.duration_s - CLIP_S) <= FRAME_S and facts.faststart
    assert not result.video_copied and "mpeg4" in (result.reencode_reason or "")


def test_fades_ramp_the_music_up_and_down(media, tmp_path: Path):
    out = tmp_path / "fades.mp4"
    combine(media.clip, media.long_tone, out, CombineParams(fade_in_s=1.0, fade_out_s=1.0))

    samples, rate = decode_audio(out)

    def level(center_s: float) -> float:  # RMS over 0.1 s around center_s
        return rms(samples, rate, center_s - 0.05, center_s + 0.05)

    assert level(1.5) == pytest.approx(TONE_RMS, rel=0.05)  # full level between the fades
    # Linear ramps: at 10%, 50% and 90% of each fade the level is 10%, 50%, 90% of full.
    for fraction in (0.1, 0.5, 0.9):
        expected = fraction * TONE_RMS
        assert level(fraction) == pytest.approx(expected, abs=0.02), "fade in"
        assert level(CLIP_S - fraction) == pytest.approx(expected, abs=0.02), "fade out"


def test_offset_starts_the_music_later_in_the_track(media, tmp_path: Path):
    plain, shifted = tmp_path / "plain.mp4", tmp_path / "shifted.mp4"
    combine(media.clip, media.two_tones, plain, CombineParams(fit="trim"))
    combine(media.clip, media.two_tones, shifted, CombineParams(fit="trim", offset_s=1.5))

    samples, rate = decode_audio(plain)
    assert tone_amplitude(samples, rate, 440, 0.2, 1.2) > 0.4
    samples, rate = decode_audio(shifted)
    assert tone_amplitude(samples, rate, 880, 0.2, 1.2) > 0.4
    assert tone_amplitude(samples, rate, 440, 0.2, 1.2) < 0.02


def test_looping_after_an_offset_wraps_to_the_start_of_the_track(media, tmp_path: Path):
    out = tmp_path / "wrap.mp4"
    combine(media.clip, media.two_tones, out, CombineParams(fit="loop", offset_s=1.5))

    samples, rate = decode_audio(out)
    assert tone_amplitude(samples, rate, 880, 0.2, 1.3) > 0.4  # the track from 1.5 s
    assert tone_amplitude(samples, rate, 440, 1.7, 2.9) > 0.4  # then from its start again


def test_volume_db_scales_the_music(media, tmp_path: Path):
    out = tmp_path / "quiet.mp4"
    combine(media.clip, media.long_tone, out, CombineParams(volume_db=-6.0))

    samples, rate = decode_audio(out)
    assert rms(samples, rate, 0.5, 2.5) == pytest.approx(TONE_RMS * 10 ** (-6 / 20), rel=0.05)


@pytest.mark.parametrize(
    ("original", "level_db", "expected_1khz"),
    [("drop", -12.0, 0.0), ("keep", -12.0, 0.125), ("mix", -20.0, 0.0125)],
)
def test_the_videos_own_sound_is_dropped_kept_or_mixed(
    media, tmp_path: Path, original: str, level_db: float, expected_1khz: float
):
    out = tmp_path / f"{original}.mp4"
    params = CombineParams(original=original, original_level_db=level_db)  # type: ignore[arg-type]
    combine(media.clip_with_sound, media.long_tone, out, params)

    samples, rate = decode_audio(out)
    # The clip's own sound is ffmpeg's 1 kHz sine (amplitude 1/8); the music is 440 Hz.
    assert tone_amplitude(samples, rate, 1000, 0.5, 2.5) == pytest.approx(expected_1khz, abs=0.004)
    assert tone_amplitude(samples, rate, 440, 0.5, 2.5) == pytest.approx(0.5, rel=0.05)


def test_keeping_the_sound_of_a_silent_video_is_refused(media, tmp_path: Path):
    with pytest.raises(ParamError, match="the video has no sound of its own; choose original="):
        combine(media.clip, media.long_tone, tmp_path / "x.mp4", CombineParams(original="keep"))


@pytest.mark.parametrize(
    ("params", "message"),
    [
        (CombineParams(offset_s=5.0), "`offset_s` is 5 s but the track lasts only 4.00 s"),
        (CombineParams(fade_in_s=2.0, fade_out_s=1.5), "longer than the 3.00 s result"),
    ],
)
def test_options_that_do_not_fit_these_inputs_are_explained(
    media, tmp_path: Path, params: CombineParams, message: str
):
    out = tmp_path / "x.mp4"
    with pytest.raises(ParamError, match=message):
        combine(media.clip, media.long_tone, out, params)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"fit": "stretch"}, "`fit` must be one of loop, trim, loop-video but is 'stretch'"),
        ({"original": "mute"}, "`original` must be one of drop, keep, mix but is 'mute'"),
        ({"offset_s": -1.0}, "`offset_s` must be between 0 and 600, but is -1."),
        ({"volume_db": 40.0}, "`volume_db` must be between -60 and 12, but is 40."),
        ({"fade_in_s": math.nan}, "`fade_in_s` must be between 0 and 60, but is nan."),
        ({"fade_out_s": "2"}, "`fade_out_s` must be a number, but is '2'."),
        ({"original_level_db": True}, "`original_level_db` must be a number, but is True."),
    ],
)
def test_bad_params_are_refused_with_a_message_that_teaches(options: dict, message: str):
    with pytest.raises(ParamError) as info:
        CombineParams(**options)
    assert message in str(info.value)


def test_result_records_lineage_every_option_and_timings(media, tmp_path: Path):
    params = CombineParams(offset_s=0.25, volume_db=-3.0, fade_in_s=0.5, fit="trim")
    sources = {"video": {"asset_id": "v-1"}, "audio": {"asset_id": "a-7"}}
    result = combine(media.clip, media.long_tone, tmp_path / "r.mp4", params, sources=sources)

    record = json.loads(json.dumps(result.to_dict()))
    assert record["kind"] == "combine" and record["path"] == str(tmp_path / "r.mp4")
    assert record["params"] == params.to_dict() and record["sources"] == sources
    assert record["inputs"]["video"]["codec"] == "h264"
    assert record["inputs"]["audio"]["duration_s"] == pytest.approx(4.0)
    assert set(record["timings"]) == {"probe", "ffmpeg", "readback", "total"}
    default = combine(media.clip, media.long_tone, tmp_path / "d.mp4", params).sources
    assert default["video"]["path"] == str(media.clip)


def test_a_failed_combine_leaves_no_file(media, tmp_path: Path):
    with pytest.raises(MediaError, match="has no video stream"):
        combine(media.long_tone, media.long_tone, tmp_path / "x.mp4", CombineParams())
    assert list(tmp_path.iterdir()) == []


def test_a_track_that_is_a_file_list_is_refused(media, tmp_path: Path):
    trick = make_concat_trick(tmp_path / "track.wav", str(media.long_tone))
    with pytest.raises(MediaError, match="is a playlist or file list"):
        combine(media.clip, trick, tmp_path / "x.mp4", CombineParams())
    assert not (tmp_path / "x.mp4").exists()
