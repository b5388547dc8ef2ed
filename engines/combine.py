"""Lay a music track under a video: one ffmpeg pass, the video copied whenever it can be.

A browser-ready H.264 video is copied packet for packet and only the audio is encoded,
so combining costs about as much as a bare ``ffmpeg -c:v copy -c:a aac`` mux. The video
is re-encoded only when it must change: when it is looped, or when browsers cannot play
it as is. The audio is built by a filter graph, one small function per concern below.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, get_args

from engines.errors import ParamError
from engines.files import atomic_output
from engines.media.ffmpeg import local_input, run_ffmpeg
from engines.media.info import DEFAULT_LIMITS, MediaInfo, MediaLimits
from engines.media.probe import probe_media_files
from engines.media.validation import check_audio_limits, check_video_limits, is_browser_ready_video
from engines.timing import timed
from engines.validation import require_float_range

FitMode = Literal["loop", "trim", "loop-video"]
OriginalSound = Literal["drop", "keep", "mix"]
FIT_MODES: tuple[str, ...] = get_args(FitMode)
ORIGINAL_SOUND_MODES: tuple[str, ...] = get_args(OriginalSound)

MAX_OFFSET_S = DEFAULT_LIMITS.max_audio_s
MIN_GAIN_DB, MAX_GAIN_DB = -60.0, 12.0
MAX_FADE_S = 60.0
DEFAULT_TIMEOUT_S = 900.0  # a 10-minute 4K upload that must be re-encoded, on 2 cores
# 96 kb/s per channel: transparent enough for music; ffmpeg's AAC encoder slows down
# sharply when asked for much more per channel (128k mono took 5x longer than 96k).
AAC_KBPS_PER_CHANNEL = 96
# Sample rates the AAC encoder and every browser handle; others are resampled to 48 kHz.
AAC_SAMPLE_RATES = (8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000)
H264_CRF = "18"  # visually lossless, as for generated clips (engines/media/mp4.py)


@dataclass(frozen=True)
class CombineParams:
    offset_s: float = 0.0  # where in the track the music starts, in seconds into the track
    volume_db: float = 0.0  # gain on the track; -6 dB is half the amplitude
    fade_in_s: float = 0.0  # the music rises from silence over this many seconds
    fade_out_s: float = 0.0  # and sinks to silence over the last this many seconds
    fit: FitMode = "loop"  # loop or trim the track to the video, or loop the video to it
    original: OriginalSound = "drop"  # the video's own sound: drop it, keep it, or mix it
    original_level_db: float = -12.0  # gain on the video's own sound when original="mix"

    def __post_init__(self) -> None:
        require_float_range("offset_s", self.offset_s, 0.0, MAX_OFFSET_S)
        require_float_range("volume_db", self.volume_db, MIN_GAIN_DB, MAX_GAIN_DB)
        require_float_range("fade_in_s", self.fade_in_s, 0.0, MAX_FADE_S)
        require_float_range("fade_out_s", self.fade_out_s, 0.0, MAX_FADE_S)
        require_float_range("original_level_db", self.original_level_db, MIN_GAIN_DB, MAX_GAIN_DB)
        if self.fit not in FIT_MODES:
            raise ParamError(
                f"`fit` must be one of {', '.join(FIT_MODES)} but is {self.fit!r}: 'loop' repeats "
                "the track to the video's length, 'trim' cuts it there (silence after a short "
                "track), 'loop-video' repeats the video to the track's length."
            )
        if self.original not in ORIGINAL_SOUND_MODES:
            raise ParamError(
                f"`original` must be one of {', '.join(ORIGINAL_SOUND_MODES)} but is "
                f"{self.original!r}: 'drop' silences the video's own sound, 'keep' plays it "
                "at its own level under the music, 'mix' plays it at `original_level_db`."
            )

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class CombineResult:
    path: str
    params: dict[str, Any]  # every option as given
    duration_s: float  # read back from the written file
    video_copied: bool  # True when the video packets are the source's, byte for byte
    reencode_reason: str | None  # why the video was re-encoded, when it was
    sources: dict[str, Any]  # lineage: the assets this was made from
    inputs: dict[str, Any]  # what probing found in each input
    timings: dict[str, float]  # seconds per phase: probe, ffmpeg, readback, total
    fades_s: tuple[float, float] = (0.0, 0.0)  # in and out as laid (fitted to a short result)
    kind: str = "combine"

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class CombinePlan:
    """What the inputs and the options decide, before any ffmpeg argument is written."""

    duration_s: float  # of the output
    loop_track: bool
    loop_video: bool
    reencode_reason: str | None  # None: the video stream is copied
    mix_original: bool
    original_gain_db: float
    sample_rate: int
    layout: str  # "mono" or "stereo"
    fade_in_s: float = 0.0  # the fades as laid: the options', or fitted to a short result
    fade_out_s: float = 0.0


def combine(
    video_path: str | Path,
    audio_path: str | Path,
    out_path: str | Path,
    params: CombineParams,
    *,
    sources: dict[str, Any] | None = None,
    limits: MediaLimits = DEFAULT_LIMITS,
    timeout: float = DEFAULT_TIMEOUT_S,
    fit_fades: bool = False,
) -> CombineResult:
    """Write ``out_path``: an MP4 (H.264 + AAC, faststart) of the video with the track under it.

    ``sources`` is the lineage to record (for example asset ids); by default the paths.
    ``fit_fades`` shortens fades that do not fit the result instead of refusing them (a
    score's music is made for a clip the person did not measure).
    """
    started = time.perf_counter()
    timings: dict[str, float] = {}
    # 1. Probe both inputs by content, in the sandboxed probe child, with a time limit.
    with timed(timings, "probe"):
        video, track = probe_media_files(
            [video_path, audio_path], timeout=limits.probe_timeout_s, max_pixels=limits.max_pixels
        )
    # 2. Check them against the limits, then decide what the options mean for these inputs.
    check_video_limits(video, limits)
    check_audio_limits(track, limits)
    plan = plan_combine(video, track, params, fit_fades=fit_fades)
    # 3. Run ffmpeg once into a temporary file, renamed into place only when it succeeded.
    with timed(timings, "ffmpeg"), atomic_output(out_path) as tmp:
        args = ffmpeg_args(video.path, track.path, str(tmp.resolve()), params, plan)
        run_ffmpeg(args, timeout=timeout, what=f"'{Path(video_path).name}' with its music")
    # 4. Read the length back from the file a browser will receive.
    with timed(timings, "readback"):
        duration = _written_duration_s(Path(out_path))
    timings["total"] = round(time.perf_counter() - started, 4)

    return CombineResult(
        path=str(out_path),
        params=params.to_dict(),
        duration_s=duration,
        video_copied=plan.reencode_reason is None,
        reencode_reason=plan.reencode_reason,
        sources=sources if sources is not None else _default_sources(video_path, audio_path),
        inputs={
            "video": _summary(video, video.duration_s),
            "audio": _summary(track, track.audio_duration_s),  # a video's sound can be the track
        },
        timings=timings,
        fades_s=(plan.fade_in_s, plan.fade_out_s),
    )


# ---------------------------------------------------------------------------------------
# Planning: what the options mean for these particular inputs


def plan_combine(
    video: MediaInfo, track: MediaInfo, params: CombineParams, *, fit_fades: bool = False
) -> CombinePlan:
    """Output length, looping, copy or re-encode, and audio format; ParamError if unfit
    (fades longer than the result are shortened instead when ``fit_fades``)."""
    assert video.video is not None and track.audio is not None  # checked by the limits
    video_s, track_s = video.duration_s, track.audio_duration_s
    # 1. The music plays from the offset, which must fall inside the track.
    if params.offset_s >= track_s:
        raise ParamError(
            f"`offset_s` is {params.offset_s:g} s but the track lasts only {track_s:.2f} s; "
            f"choose an offset below {track_s:.2f} s."
        )
    # 2. The output lasts as long as the video, or as the rest of the track when looping it.
    duration = track_s - params.offset_s if params.fit == "loop-video" else video_s
    fade_in, fade_out = params.fade_in_s, params.fade_out_s
    if fit_fades:
        fade_in, fade_out = fitted_fades(fade_in, fade_out, duration)
    elif fade_in + fade_out > duration:
        raise ParamError(
            f"The fades ({params.fade_in_s:g} s in + {params.fade_out_s:g} s out) are longer "
            f"than the {duration:.2f} s result; shorten them."
        )
    # 3. The video's own sound can only be kept or mixed when there is some.
    mix_original = params.original != "drop"
    if mix_original and not video.has_audio:
        raise ParamError(
            f"`original` is {params.original!r} but the video has no sound of its own; "
            "choose original='drop'."
        )
    # 4. Output audio: the track's rate when AAC and browsers take it; stereo unless all mono.
    rate = track.audio.sample_rate
    channels = [track.audio.channels] + (
        [video.audio.channels] if video.audio and mix_original else []
    )
    return CombinePlan(
        duration_s=duration,
        loop_track=params.fit == "loop",
        loop_video=params.fit == "loop-video",
        reencode_reason=reencode_reason(video, params.fit),
        mix_original=mix_original,
        original_gain_db=0.0 if params.original == "keep" else params.original_level_db,
        sample_rate=rate if rate in AAC_SAMPLE_RATES else 48000,
        layout="mono" if max(channels) == 1 else "stereo",
        fade_in_s=fade_in,
        fade_out_s=fade_out,
    )


def fitted_fades(fade_in_s: float, fade_out_s: float, duration_s: float) -> tuple[float, float]:
    """The fades shrunk in proportion so together they last at most half the result: a
    0.5 s clip asked for 1 s out fades over its last 0.25 s, and the music is still heard."""
    room = duration_s / 2
    total = fade_in_s + fade_out_s
    if total <= room:
        return fade_in_s, fade_out_s
    scale = room / total
    return round(fade_in_s * scale, 6), round(fade_out_s * scale, 6)


def reencode_reason(video: MediaInfo, fit: str) -> str | None:
    """Why the video must be re-encoded, or None when its stream can be copied as is."""
    stream = video.video
    assert stream is not None
    if fit == "loop-video":
        return "the video is looped to the track's length"
    if not is_browser_ready_video(stream):
        found = " ".join(x for x in (stream.codec, stream.profile, stream.pix_fmt) if x)
        return f"the video is {found}, which browsers do not all play; re-encoded to H.264"
    return None


# ---------------------------------------------------------------------------------------
# The filter graph: one function per concern, each returning ffmpeg filter strings


def offset_filters(offset_s: float) -> list[str]:
    # Drop the track's first offset_s seconds; asetpts restarts the music's clock at zero.
    return [f"atrim=start={offset_s:.6f}", "asetpts=PTS-STARTPTS"] if offset_s > 0 else []


def fit_filters(duration_s: float) -> list[str]:
    # Cut the (possibly looped) music at the output's length; pad a short track with silence.
    return [f"atrim=end={duration_s:.6f}", f"apad=whole_dur={duration_s:.6f}"]


def volume_filters(gain_db: float) -> list[str]:
    return [f"volume={gain_db:g}dB"] if gain_db != 0 else []


def fade_filters(fade_in_s: float, fade_out_s: float, duration_s: float) -> list[str]:
    filters = []
    if fade_in_s > 0:
        filters.append(f"afade=t=in:st=0:d={fade_in_s:.6f}")
    if fade_out_s > 0:
        filters.append(f"afade=t=out:st={duration_s - fade_out_s:.6f}:d={fade_out_s:.6f}")
    return filters


def format_filters(plan: CombinePlan) -> list[str]:
    # One sample format, rate and layout for both branches, so mixing needs no guessing.
    return [
        f"aformat=sample_fmts=fltp:sample_rates={plan.sample_rate}:channel_layouts={plan.layout}"
    ]


def music_chain(params: CombineParams, plan: CombinePlan, label: str) -> str:
    """[1:a] -> [label]: offset, fit to length, volume, fades, output format."""
    filters = [
        *offset_filters(params.offset_s),
        *fit_filters(plan.duration_s),
        *volume_filters(params.volume_db),
        *fade_filters(plan.fade_in_s, plan.fade_out_s, plan.duration_s),
        *format_filters(plan),
    ]
    return f"[1:a:0]{','.join(filters)}[{label}]"


def original_sound_chain(plan: CombinePlan) -> str:
    """[0:a] -> [original]: the video's own sound at its gain, as long as the output."""
    filters = [*fit_filters(plan.duration_s), *volume_filters(plan.original_gain_db)]
    return f"[0:a:0]{','.join([*filters, *format_filters(plan)])}[original]"


def mix_chain() -> str:
    # normalize=0: each input keeps the level asked for instead of being halved.
    return "[music][original]amix=inputs=2:duration=first:normalize=0[aout]"


def video_chain(plan: CombinePlan) -> str:
    """[0:v] -> [vout] when re-encoding: cut a looped video, even sides and 4:2:0 for H.264."""
    filters = [f"trim=end={plan.duration_s:.6f}"] if plan.loop_video else []
    filters += ["crop=trunc(iw/2)*2:trunc(ih/2)*2", "format=yuv420p"]
    return f"[0:v:0]{','.join(filters)}[vout]"


def filter_graph(params: CombineParams, plan: CombinePlan) -> str:
    """The whole graph: its audio comes out as [aout], a re-encoded video as [vout]."""
    if plan.mix_original:
        chains = [music_chain(params, plan, "music"), original_sound_chain(plan), mix_chain()]
    else:
        chains = [music_chain(params, plan, "aout")]
    if plan.reencode_reason is not None:
        chains.append(video_chain(plan))
    return ";".join(chains)


# ---------------------------------------------------------------------------------------
# The ffmpeg command line


def video_output_args(plan: CombinePlan) -> list[str]:
    if plan.reencode_reason is None:
        return ["-map", "0:v:0", "-c:v", "copy"]
    return ["-map", "[vout]", "-c:v", "libx264", "-preset", "veryfast", "-crf", H264_CRF]


def audio_output_args(plan: CombinePlan) -> list[str]:
    channels = 1 if plan.layout == "mono" else 2
    return ["-map", "[aout]", "-c:a", "aac", "-b:a", f"{AAC_KBPS_PER_CHANNEL * channels}k"]


def ffmpeg_args(
    video_path: str, track_path: str, out_path: str, params: CombineParams, plan: CombinePlan
) -> list[str]:
    return [
        *local_input(video_path, loop=plan.loop_video),
        *local_input(track_path, loop=plan.loop_track),
        "-filter_complex",
        filter_graph(params, plan),
        *video_output_args(plan),
        *audio_output_args(plan),
        # Source metadata (a phone's GPS position, say) is not passed on to the result.
        *["-map_metadata", "-1", "-map_chapters", "-1"],
        *["-movflags", "+faststart", "-f", "mp4", f"file:{out_path}"],
    ]


# ---------------------------------------------------------------------------------------
# Recording the result


def _written_duration_s(path: Path) -> float:
    import av  # our own output, just written: read in process, no sandbox needed

    with av.open(str(path)) as container:
        return round((container.duration or 0) / 1_000_000, 4)


def _summary(info: MediaInfo, duration_s: float) -> dict[str, Any]:
    main = info.video or info.audio
    return {
        "codec": info.codec,
        "duration_s": duration_s,
        "width": info.width,
        "height": info.height,
        "fps": info.fps,
        "has_audio": info.has_audio,
        "sample_rate": info.audio.sample_rate if info.audio else 0,
        "format": info.format_name,
        "stream_index": main.index if main else None,
    }


def _default_sources(video_path: str | Path, audio_path: str | Path) -> dict[str, Any]:
    return {"video": {"path": str(video_path)}, "audio": {"path": str(audio_path)}}
