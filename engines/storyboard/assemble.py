"""Assembling a board's piece: its shots joined as planned, its soundtrack laid under them,
at -14 LUFS, one H.264 + AAC MP4 with a chapter per shot.

Two ffmpeg runs, only the second of them touching video:

1. **Measure** (audio only, a fraction of a second a minute): the soundtrack as it will
   play (looped or trimmed to the piece, faded out) through ``loudnorm`` to read its
   integrated loudness, range, true peak and threshold.
2. **Make** (one encode): each shot trimmed to its planned frames, brought to the piece's
   fps and size, joined by cuts (``concat``) or crossfades (``xfade`` at each planned
   cut); the same audio chain with ``loudnorm`` given the measured values
   (``linear=true``: one gain for the whole piece when the peaks allow it); the chapters
   from an FFMETADATA file; written to a temporary name and renamed into place.
"""

from __future__ import annotations

import dataclasses
import json
import re
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engines.errors import MediaError, ParamError
from engines.files import atomic_output
from engines.media.ffmpeg import local_input
from engines.media.info import MediaInfo
from engines.media.probe import probe_media_files
from engines.progress import RunContext
from engines.storyboard.ffmpeg_watch import run_watched
from engines.storyboard.plan import Plan, Transition
from engines.timing import timed

TARGET_LUFS = -14.0  # integrated loudness of the piece (streaming services' level)
TARGET_TP = -1.0  # true peak ceiling of the piece, dBTP
# What loudnorm aims at: half a dB under the ceiling, for the AAC encoder's overshoot.
LOUDNORM_TP = -1.5
# Peaky music (a click track, sparse drums) cannot reach -14 LUFS with one gain under the
# ceiling; a look-ahead limiter at this level (dBFS) shaves its peaks first.
LIMITER_DB = -3.0
LIMITER_TRIES = 2  # meterings with the limiter at most (each an audio-only pass)
TARGET_LRA = 20.0  # loose: a tighter range than the music's own would switch off linear mode
SAMPLE_RATE = 48000
AAC_BITRATE = "192k"  # stereo
FADE_OUT_S = 2.0  # the music sinks to silence over the piece's last seconds (at most a quarter)
H264_PRESET, H264_CRF = "veryfast", "18"  # as combine: visually lossless, quick on a CPU
MAX_TITLE_CHARS = 200
TIMEOUT_S = 1800.0  # a 5-minute board on 2 CPU cores, with room


@dataclass(frozen=True)
class AssembleResult:
    path: str
    seconds: float  # read back from the written file
    plan: dict[str, Any]
    loudness: dict[str, Any]  # what the first pass measured of the soundtrack as laid
    looped_soundtrack: bool
    timings: dict[str, float]
    kind: str = "storyboard"

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def assemble(
    shot_paths: Sequence[Path],
    soundtrack: Path | None,
    plan: Plan,
    titles: Sequence[str],
    transition: Transition,
    out_path: Path,
    run: RunContext | None = None,
) -> AssembleResult:
    """Write ``out_path``, the board's piece, from its shots' clips and its soundtrack."""
    run = run or RunContext()
    timings = run.timings
    started = time.perf_counter()
    # 1. Check the pieces against the plan, and probe them (in the sandboxed probe child).
    check_inputs(shot_paths, plan, titles, transition)
    with timed(timings, "probe"):
        infos = probe_media_files([*shot_paths, *([soundtrack] if soundtrack else [])])
    shots, track = infos[: len(shot_paths)], (infos[-1] if soundtrack else None)
    check_shots(shots, plan)
    width, height = frame_size(shots[0])
    looped = track is not None and track_seconds(track) < plan.seconds
    # 2. Measure the soundtrack as it will play.
    run.check_cancel()
    measured: dict[str, Any] = {}
    if track is not None:
        with timed(timings, "measure"):
            measured = measure_loudness(track.path, plan.seconds, looped, run)
    # 3. Make the piece in one encode, with its chapters.
    reporter = run.steps(plan.frames)

    def on_seconds(done: float) -> None:
        reporter.step = min(plan.frames, round(done * plan.fps))
        if run.on_progress is not None:
            run.on_progress(reporter.step, plan.frames)

    with (
        timed(timings, "encode"),
        tempfile.TemporaryDirectory(prefix="board-") as scratch,
        atomic_output(out_path) as tmp,
    ):
        chapters = write_chapters(Path(scratch) / "chapters.txt", plan, titles)
        comment = run.comment(Path(out_path), {"kind": "storyboard"})
        args = make_args(
            [s.path for s in shots], track, looped, measured, plan, (width, height), chapters
        )
        args += [*(("-metadata", f"comment={comment}") if comment else ()), f"file:{tmp}"]
        run_watched(
            args,
            timeout=TIMEOUT_S,
            what="the board's piece",
            on_seconds=on_seconds,
            check_cancel=run.check_cancel,
        )
    with timed(timings, "readback"):
        seconds = written_seconds(Path(out_path))
    timings["total"] = round(time.perf_counter() - started, 4)
    return AssembleResult(
        path=str(out_path),
        seconds=seconds,
        plan=plan.to_dict(),
        loudness=measured,
        looped_soundtrack=looped,
        timings=dict(timings),
    )


# ---------------------------------------------------------------------------------------
# Checks: the pieces must be what the plan was made for


def check_inputs(
    shot_paths: Sequence[Path], plan: Plan, titles: Sequence[str], transition: Transition
) -> None:
    if len(shot_paths) != len(plan.shots) or len(titles) != len(plan.shots):
        raise ParamError(
            f"The plan has {len(plan.shots)} shots but {len(shot_paths)} clips and "
            f"{len(titles)} titles were given; give one clip and one title per planned shot."
        )
    if transition.kind != plan.transition.get(
        "kind"
    ) or transition.overlap_s != plan.transition.get("seconds"):
        raise ParamError(
            f"The plan was made for a {plan.transition.get('kind')} of "
            f"{plan.transition.get('seconds', 0):g} s, not a {transition.kind} of "
            f"{transition.overlap_s:g} s; plan the board again with this transition."
        )


def check_shots(shots: Sequence[MediaInfo], plan: Plan) -> None:
    for number, (info, shot) in enumerate(zip(shots, plan.shots, strict=True), start=1):
        if info.video is None:
            raise MediaError(f"Shot {number}'s file has no video; render the shot again.")
        length = info.video.duration_s or info.container_duration_s or 0.0
        # Half a frame of slack: container lengths are rounded.
        if length < (shot.frames - 0.5) / shot.fps:
            raise MediaError(
                f"Shot {number} lasts {length:.2f} s but the plan needs {shot.frames} frames "
                f"at {shot.fps} fps ({shot.frames / shot.fps:.2f} s); render it again with at "
                f"least {shot.generate_frames} frames."
            )


def frame_size(info: MediaInfo) -> tuple[int, int]:
    """The piece's size: the first shot's, cut to even sides for H.264 4:2:0."""
    return info.width // 2 * 2, info.height // 2 * 2


def track_seconds(info: MediaInfo) -> float:
    audio = info.audio
    if audio is None:
        raise MediaError("The soundtrack has no audio stream; choose a music track.")
    return audio.duration_s or info.container_duration_s or 0.0


# ---------------------------------------------------------------------------------------
# Audio: the soundtrack as laid, measured, then normalised with what was measured


def audio_chain(seconds: float, loudnorm: str, pre: Sequence[str] = ()) -> str:
    """The soundtrack (looped by its input if short) cut to the piece, faded out, normalised."""
    fade = min(FADE_OUT_S, seconds / 4)
    return ",".join(
        [
            f"atrim=end={seconds:.6f}",
            "asetpts=PTS-STARTPTS",
            f"aformat=sample_fmts=fltp:channel_layouts=stereo:sample_rates={SAMPLE_RATE}",
            f"afade=t=out:st={seconds - fade:.6f}:d={fade:.6f}",
            *pre,
            loudnorm,
            # loudnorm works at 192 kHz inside; back to the piece's rate for AAC, and to
            # exactly the piece's samples so the audio track ends with the video.
            f"aresample={SAMPLE_RATE}",
            "asetpts=N/SR/TB",  # loudnorm's frames carry stray timestamps; count samples instead
            f"atrim=end_sample={round(seconds * SAMPLE_RATE)}",
        ]
    )


def limiter_chain(gain_db: float) -> list[str]:
    """A gain, then a look-ahead limiter at LIMITER_DB (its delay compensated: beats stay put)."""
    limit = 10 ** (LIMITER_DB / 20)
    return [
        f"volume={gain_db:.2f}dB",
        f"alimiter=limit={limit:.4f}:attack=5:release=50:level=false:latency=true",
    ]


def loudnorm_filter(measured: dict[str, Any] | None) -> str:
    target = f"loudnorm=I={TARGET_LUFS:g}:TP={LOUDNORM_TP:g}:LRA={TARGET_LRA:g}"
    if measured is None:
        return f"{target}:print_format=json"
    return (
        f"{target}:measured_I={measured['input_i']}:measured_TP={measured['input_tp']}"
        f":measured_LRA={measured['input_lra']}:measured_thresh={measured['input_thresh']}"
        f":offset={measured['target_offset']}:linear=true:print_format=summary"
    )


def measure_loudness(path: str, seconds: float, looped: bool, run: RunContext) -> dict[str, Any]:
    """loudnorm's first pass over the soundtrack as it will play, with ``pre``: the filters
    that go before loudnorm. Peaky music (a generated track, sparse drums) cannot reach
    the target with one gain under the ceiling; then a gain and a limiter go first, found
    with ffmpeg's ebur128 meter (a tenth of loudnorm's cost), the gain corrected once by
    what the limiter took away. Returns loudnorm's figures plus ``pre``."""
    pre: list[str] = []
    gain = 0.0
    for tries in range(LIMITER_TRIES + 1):
        level, peak = meter(path, seconds, looped, pre, run)
        if peak + (TARGET_LUFS - level) <= LOUDNORM_TP or tries == LIMITER_TRIES:
            break
        gain += TARGET_LUFS - level
        pre = limiter_chain(gain)
    return {**measure_chain(path, seconds, looped, pre, run), "pre": pre}


def meter(
    path: str, seconds: float, looped: bool, pre: list[str], run: RunContext
) -> tuple[float, float]:
    """(integrated LUFS, true peak dBTP) of the soundtrack as laid, by ebur128."""
    log = run_audio_pass(path, seconds, looped, pre, "ebur128=peak=true", run)
    summary = log[log.rfind("Summary:") :]
    level = re.search(r"I:\s+(-?[\d.]+|-inf) LUFS", summary)
    peak = re.search(r"Peak:\s+(-?[\d.]+|-inf) dBFS", summary)
    if level is None or peak is None:
        raise MediaError("Could not measure the soundtrack's loudness; ffmpeg gave no figures.")
    if level.group(1) == "-inf":
        raise MediaError(
            "The soundtrack is silent where the piece plays it; choose or make a track with sound."
        )
    return float(level.group(1)), float(peak.group(1))


def run_audio_pass(
    path: str, seconds: float, looped: bool, pre: list[str], measurer: str, run: RunContext
) -> str:
    """The soundtrack as laid through ``measurer``, audio only; ffmpeg's log."""
    args = [
        *local_input(path, loop=looped),
        *("-map", "0:a:0", "-vn", "-af", audio_chain(seconds, measurer, pre)),
        *("-f", "null", "-"),
    ]
    return run_watched(
        args,
        timeout=TIMEOUT_S,
        what="the soundtrack's loudness",
        check_cancel=run.check_cancel,
        loglevel="info",
    )


def measure_chain(
    path: str, seconds: float, looped: bool, pre: list[str], run: RunContext
) -> dict[str, Any]:
    """loudnorm's first pass: its JSON figures of the soundtrack as laid after ``pre``."""
    log = run_audio_pass(path, seconds, looped, pre, loudnorm_filter(None), run)
    found = re.search(r"\{[^{}]*\"input_i\"[^{}]*\}", log)
    if found is None:
        raise MediaError("Could not measure the soundtrack's loudness; ffmpeg gave no figures.")
    measured: dict[str, Any] = json.loads(found.group(0))
    if measured.get("input_i") in ("-inf", "inf"):
        raise MediaError(
            "The soundtrack is silent where the piece plays it; choose or make a track with sound."
        )
    return measured


# ---------------------------------------------------------------------------------------
# Video: each shot to the piece's frames, fps and size, then joined


def shot_chain(index: int, shot: Any, fps: int, size: tuple[int, int]) -> str:
    """[index:v] -> [v{index}]: its planned frames, at the piece's fps and size."""
    width, height = size
    filters = [
        f"trim=end_frame={shot.frames}",
        "setpts=PTS-STARTPTS",
        f"fps={fps}",
        f"trim=end_frame={shot.out_frames}",
        # Cover the piece's frame and cut the overflow, centred (as images are fitted).
        f"scale={width}:{height}:force_original_aspect_ratio=increase",
        f"crop={width}:{height}",
        "setsar=1",
        "format=yuv420p",
    ]
    return f"[{index}:v:0]{','.join(filters)}[v{index}]"


def join_chain(plan: Plan) -> str:
    """[v0][v1]... -> [vout]: concatenated, or crossfaded at each planned cut."""
    count = len(plan.shots)
    overlap_frames = round(plan.transition.get("seconds", 0.0) * plan.fps)
    if count == 1:
        return "[v0]null[vout]"
    if overlap_frames == 0:
        inputs = "".join(f"[v{i}]" for i in range(count))
        return f"{inputs}concat=n={count}:v=1:a=0[vout]"
    duration = overlap_frames / plan.fps
    chains, previous = [], "v0"
    for index in range(1, count):
        label = "vout" if index == count - 1 else f"x{index}"
        chains.append(
            f"[{previous}][v{index}]xfade=transition=fade:duration={duration:.6f}"
            f":offset={plan.cuts[index]:.6f}[{label}]"
        )
        previous = label
    return ";".join(chains)


# ---------------------------------------------------------------------------------------
# Chapters and the command line


def write_chapters(path: Path, plan: Plan, titles: Sequence[str]) -> Path:
    """An FFMETADATA file: one chapter per shot, from its cut to the next, titled by its prompt."""
    lines = [";FFMETADATA1"]
    ends = [*plan.cuts[1:], plan.seconds]
    for start, end, title in zip(plan.cuts, ends, titles, strict=True):
        lines += [
            "[CHAPTER]",
            "TIMEBASE=1/1000",
            f"START={round(start * 1000)}",
            f"END={round(end * 1000)}",
            f"title={metadata_text(title)}",
        ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def metadata_text(text: str) -> str:
    """A prompt as one FFMETADATA value: one line, its special characters escaped."""
    line = " ".join(str(text).split())[:MAX_TITLE_CHARS]
    return re.sub(r"([=;#\\])", r"\\\1", line)


def make_args(
    shot_paths: Sequence[str],
    track: MediaInfo | None,
    looped: bool,
    measured: dict[str, Any],
    plan: Plan,
    size: tuple[int, int],
    chapters: Path,
) -> list[str]:
    """The one encode: inputs, the filter graph, the output's codecs (no output name)."""
    inputs = [arg for path in shot_paths for arg in local_input(path)]
    graph = [shot_chain(i, shot, plan.fps, size) for i, shot in enumerate(plan.shots)]
    graph.append(join_chain(plan))
    count = len(shot_paths)
    if track is not None:
        inputs += local_input(track.path, loop=looped)
        chain = audio_chain(plan.seconds, loudnorm_filter(measured), measured["pre"])
        graph.append(f"[{count}:a:0]{chain}[aout]")
    else:  # no soundtrack: silence, so the piece is still H.264 + AAC
        graph.append(f"anullsrc=r={SAMPLE_RATE}:cl=stereo,atrim=end={plan.seconds:.6f}[aout]")
    metadata_input = count + (1 if track is not None else 0)
    return [
        *inputs,
        *("-f", "ffmetadata", "-protocol_whitelist", "file", "-i", f"file:{chapters}"),
        *("-filter_complex", ";".join(graph)),
        *("-map", "[vout]", "-map", "[aout]"),
        *("-c:v", "libx264", "-preset", H264_PRESET, "-crf", H264_CRF, "-pix_fmt", "yuv420p"),
        *("-c:a", "aac", "-b:a", AAC_BITRATE, "-ar", str(SAMPLE_RATE)),
        # Chapters (and nothing else) from our file: no source's metadata is passed on.
        *("-map_metadata", str(metadata_input), "-map_chapters", str(metadata_input)),
        *("-movflags", "+faststart", "-f", "mp4", "-y"),
    ]


def written_seconds(path: Path) -> float:
    import av  # our own output, just written: read in process

    with av.open(str(path)) as container:
        return round((container.duration or 0) / 1_000_000, 4)
