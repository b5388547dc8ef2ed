"""Probing and validating media by content, never by name, with a time limit.

Probing runs PyAV in a child Python process: PyAV gives per-stream durations, codecs and
profiles that ffmpeg's console text does not, and a child can be killed when a crafted
file stalls the demuxer, without hanging the worker. The child opens local files only
(protocol whitelist), only with ordinary demuxers (no playlists or file lists, which
point at other files), and refuses to decode frames larger than the limits allow.

Probes go to one long-lived helper child (importing PyAV costs about 0.1 s, as much as
muxing a 30 s clip); decode checks of uploads get a fresh child each.
"""

from __future__ import annotations

import atexit
import json
import os
import select
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engines.errors import MediaError
from engines.ffmpeg import ALLOWED_DEMUXERS, LOCAL_ONLY

# Video codecs (and their settings) that every current browser plays inside an MP4.
BROWSER_VIDEO_CODECS = ("h264",)
BROWSER_PIX_FMTS = ("yuv420p", "yuvj420p")
BROWSER_H264_PROFILES = ("Baseline", "Constrained Baseline", "Main", "High")
_PROJECT_ROOT = Path(__file__).resolve().parents[1]
_SNIFF_BYTES = 4096
# A decode that ends this much short of the declared length means the file is cut off.
_TRUNCATION_TOLERANCE = 0.1
_VIDEO_FRAMES_TO_DECODE = 8  # enough to prove the codec works, cheap for any length


@dataclass(frozen=True)
class MediaLimits:
    """What an upload may be. Defaults suit a studio on one GPU machine."""

    max_bytes: int = 200 * 1024**2  # 200 MB
    max_video_s: float = 600.0  # 10 minutes
    max_audio_s: float = 600.0  # 10 minutes
    max_width: int = 4096
    max_height: int = 4096
    min_duration_s: float = 0.1  # shorter than this is not a clip or a track
    probe_timeout_s: float = 20.0  # reading the headers
    decode_timeout_s: float = 60.0  # decoding the audio and the first video frames

    @property
    def max_pixels(self) -> int:
        return self.max_width * self.max_height


DEFAULT_LIMITS = MediaLimits()


@dataclass(frozen=True)
class StreamInfo:
    index: int
    kind: str  # "video", "audio", "cover" (an album picture), "subtitle", "data", ...
    codec: str  # ffmpeg's decoder name: "h264", "mpeg4", "aac", "pcm_s16le", ...
    duration_s: float | None  # the stream's own length, when the container says it
    width: int = 0
    height: int = 0
    fps: float = 0.0
    pix_fmt: str = ""
    profile: str = ""  # "High", "Main", ... for H.264
    sample_rate: int = 0
    channels: int = 0


@dataclass(frozen=True)
class MediaInfo:
    path: str
    format_name: str  # the demuxer that read it, e.g. "mov,mp4,m4a,3gp,3g2,mj2"
    size_bytes: int
    container_duration_s: float | None
    streams: tuple[StreamInfo, ...] = field(default_factory=tuple)

    @property
    def video(self) -> StreamInfo | None:
        return next((s for s in self.streams if s.kind == "video"), None)

    @property
    def audio(self) -> StreamInfo | None:
        return next((s for s in self.streams if s.kind == "audio"), None)

    @property
    def has_video(self) -> bool:
        return self.video is not None

    @property
    def has_audio(self) -> bool:
        return self.audio is not None

    @property
    def codec(self) -> str:
        """The video codec for a video, the audio codec for a track."""
        main = self.video or self.audio
        return main.codec if main else ""

    @property
    def width(self) -> int:
        return self.video.width if self.video else 0

    @property
    def height(self) -> int:
        return self.video.height if self.video else 0

    @property
    def fps(self) -> float:
        return self.video.fps if self.video else 0.0

    @property
    def duration_s(self) -> float:
        """Length of the main stream (video, else audio); the container's as a fallback."""
        main = self.video or self.audio
        if main is not None and main.duration_s:
            return main.duration_s
        return self.container_duration_s or 0.0

    @property
    def audio_duration_s(self) -> float:
        if self.audio is not None and self.audio.duration_s:
            return self.audio.duration_s
        return self.container_duration_s or 0.0


# ---------------------------------------------------------------------------------------
# Public API


def probe_media(
    path: str | Path,
    *,
    timeout: float = DEFAULT_LIMITS.probe_timeout_s,
    max_pixels: int = DEFAULT_LIMITS.max_pixels,
    name: str | None = None,
) -> MediaInfo:
    """Streams, codecs, duration, size and rate of one local media file, read by content."""
    return probe_media_files([path], timeout=timeout, max_pixels=max_pixels, names=[name])[0]


def probe_media_files(
    paths: list[str | Path],
    *,
    timeout: float = DEFAULT_LIMITS.probe_timeout_s,
    max_pixels: int = DEFAULT_LIMITS.max_pixels,
    names: list[str | None] | None = None,
) -> list[MediaInfo]:
    """Probe several files in one request to the probe helper; MediaError names the bad one."""
    labels = [_label(p, n) for p, n in zip(paths, names or [None] * len(paths), strict=True)]
    resolved = [_require_local_file(p, label) for p, label in zip(paths, labels, strict=True)]
    for path, label in zip(resolved, labels, strict=True):
        _refuse_non_media_by_content(path, label)
    what = " and ".join(labels)
    answers = _PROBE_HELPER.ask([str(max_pixels), *map(str, resolved)], timeout, what)
    return [_media_info(a, label) for a, label in zip(answers, labels, strict=True)]


def video_duration_s(path: str | Path, *, timeout: float = DEFAULT_LIMITS.probe_timeout_s) -> float:
    """Seconds of the video stream: what the combine page shows and lays a track under."""
    info = probe_media(path, timeout=timeout)
    if not info.has_video:
        raise MediaError(f"{_label(path, None)} has no video stream.")
    return info.duration_s


def validate_video_upload(
    path: str | Path, limits: MediaLimits = DEFAULT_LIMITS, *, name: str | None = None
) -> MediaInfo:
    """Accept an uploaded video only if it is a real, whole video within the limits."""
    label = _label(path, name)
    # 1. Size first: it costs nothing and needs no decoding.
    _require_size(path, label, limits)
    # 2. Headers, read in a child with the whitelists and the pixel cap.
    info = probe_media(
        path, timeout=limits.probe_timeout_s, max_pixels=limits.max_pixels, name=name
    )
    # 3. Streams, resolution and length against the limits, before any decoding.
    check_video_limits(info, limits, name=name)
    # 4. Decode the first frames and the sound; the packets must reach the declared end.
    _run_child(
        "check", ["video", str(limits.max_pixels), info.path], limits.decode_timeout_s, label
    )
    return info


def validate_audio_upload(
    path: str | Path, limits: MediaLimits = DEFAULT_LIMITS, *, name: str | None = None
) -> MediaInfo:
    """Accept an uploaded track only if its audio decodes from start to end within the limits."""
    label = _label(path, name)
    _require_size(path, label, limits)
    info = probe_media(
        path, timeout=limits.probe_timeout_s, max_pixels=limits.max_pixels, name=name
    )
    check_audio_limits(info, limits, name=name)
    _run_child(
        "check", ["audio", str(limits.max_pixels), info.path], limits.decode_timeout_s, label
    )
    return info


def check_video_limits(info: MediaInfo, limits: MediaLimits, *, name: str | None = None) -> None:
    """Raise MediaError unless ``info`` has a video stream of allowed size and length."""
    label = _label(info.path, name)
    _require_size(info.path, label, limits)
    video = info.video
    if video is None:
        kinds = ", ".join(s.kind for s in info.streams) or "no streams at all"
        raise MediaError(
            f"{label} has no video stream (it contains {kinds}). Upload a video file, "
            "or use it as a music track instead."
        )
    if video.width <= 0 or video.height <= 0:
        raise MediaError(f"{label} does not say how large its picture is; it may be damaged.")
    if video.width > limits.max_width or video.height > limits.max_height:
        raise MediaError(
            f"{label} is {video.width}x{video.height} pixels; at most "
            f"{limits.max_width}x{limits.max_height} is accepted. Scale it down and try again."
        )
    _require_duration(info.duration_s, label, limits.min_duration_s, limits.max_video_s, "video")


def check_audio_limits(info: MediaInfo, limits: MediaLimits, *, name: str | None = None) -> None:
    """Raise MediaError unless ``info`` has an audio stream of allowed length."""
    label = _label(info.path, name)
    _require_size(info.path, label, limits)
    if info.audio is None:
        raise MediaError(
            f"{label} has no audio stream, so there is no music to use. "
            "Upload an audio file (WAV, MP3, FLAC, OGG, M4A) or a video with sound."
        )
    _require_duration(
        info.audio_duration_s, label, limits.min_duration_s, limits.max_audio_s, "track"
    )


def is_browser_ready_video(video: StreamInfo) -> bool:
    """True when browsers play this video stream as is inside an MP4 (H.264, 8-bit 4:2:0)."""
    return (
        video.codec in BROWSER_VIDEO_CODECS
        and video.pix_fmt in BROWSER_PIX_FMTS
        and video.profile in BROWSER_H264_PROFILES
    )


# ---------------------------------------------------------------------------------------
# Checks in this process


def _label(path: str | Path, name: str | None) -> str:
    return f"'{name or Path(path).name}'"


def _require_local_file(path: str | Path, label: str) -> Path:
    resolved = Path(path).resolve()
    if not resolved.exists():
        raise MediaError(f"{label} was not found (looked for {resolved}).")
    if not resolved.is_file():
        # Pipes and devices (/dev/zero, a FIFO) never end or never open: refuse them.
        raise MediaError(f"{label} is not a regular file; upload a media file.")
    if resolved.stat().st_size == 0:
        raise MediaError(f"{label} is empty (0 bytes); the upload may have failed. Try again.")
    return resolved


def _require_size(path: str | Path, label: str, limits: MediaLimits) -> None:
    size = _require_local_file(path, label).stat().st_size
    if size > limits.max_bytes:
        raise MediaError(
            f"{label} is {size / 1024**2:.1f} MB; at most {limits.max_bytes / 1024**2:.0f} MB "
            "is accepted."
        )


def _require_duration(seconds: float, label: str, low: float, high: float, what: str) -> None:
    if seconds <= 0:
        raise MediaError(f"{label} does not say how long it is; it may be damaged.")
    if seconds < low:
        raise MediaError(f"{label} lasts {seconds:.2f} s; a {what} must last at least {low:g} s.")
    if seconds > high:
        raise MediaError(
            f"{label} lasts {_minutes(seconds)}; a {what} may last at most {_minutes(high)}. "
            "Cut it shorter and try again."
        )


def _minutes(seconds: float) -> str:
    return f"{int(seconds // 60)} min {seconds % 60:04.1f} s" if seconds >= 60 else f"{seconds:g} s"


def _refuse_non_media_by_content(path: Path, label: str) -> None:
    """Name what a file really is when it is plainly not media (a clearer message)."""
    with path.open("rb") as f:
        head = f.read(_SNIFF_BYTES)
    if head.startswith((b"\x7fELF", b"MZ", b"#!")):
        raise MediaError(
            f"{label} is a program (an executable), not audio or video, whatever its name "
            "says. Upload a media file."
        )
    if b"\0" in head:
        return
    try:
        text = head.decode("utf-8").lstrip("\ufeff \t\r\n")
    except UnicodeDecodeError:
        return
    if text.startswith("#EXTM3U") or text.startswith("ffconcat") or "\nfile " in f"\n{text}":
        raise MediaError(
            f"{label} is a playlist or file list (HLS .m3u8 / ffconcat), not a media file. "
            "Lists point at other files and are refused; upload the video or audio itself."
        )
    raise MediaError(
        f"{label} is a text file, not audio or video, whatever its name says. Upload a media file."
    )


def _media_info(answer: dict[str, Any], label: str) -> MediaInfo:
    if "error" in answer:
        raise MediaError(_explain_open_error(answer["error"], answer.get("detail", ""), label))
    streams = tuple(StreamInfo(**s) for s in answer["streams"])
    return MediaInfo(
        path=answer["path"],
        format_name=answer["format_name"],
        size_bytes=answer["size_bytes"],
        container_duration_s=answer["container_duration_s"],
        streams=streams,
    )


def _explain_open_error(kind: str, detail: str, label: str) -> str:
    if kind == "unknown_format":
        return (
            f"{label} is not a video or audio file that can be read: its content matches no "
            "known format, whatever its name says."
        )
    if kind == "damaged_mp4":
        return (
            f"{label} starts like an MP4 but cannot be read: it is cut off or damaged "
            "(its index is missing). Upload the complete file."
        )
    if kind == "refused_format":
        return (
            f"{label} uses a container that is not accepted here (playlists, file lists and "
            "image sequences are refused because they read other files). "
            "Upload MP4, MOV, MKV, WebM, WAV, MP3, FLAC, OGG or M4A."
        )
    if kind == "truncated":
        return f"{label} is cut off or damaged: {detail}. Upload the complete file."
    if kind == "no_decode":
        return f"{label} does not decode: {detail}. The file is damaged or uses an unknown codec."
    return f"{label} could not be read ({detail}); the file is damaged or not media."


def _timeout_message(what: str, timeout: float) -> str:
    return (
        f"Reading {what} took longer than {timeout:g} s and was stopped; the file may be "
        "damaged or made to stall decoding."
    )


def _run_child(mode: str, args: list[str], timeout: float, what: str) -> None:
    """Run ``python -m engines.media MODE ARGS`` once; raise MediaError with its answer."""
    command = [sys.executable, "-m", "engines.media", mode, *args]
    try:
        done = subprocess.run(
            command, capture_output=True, timeout=timeout, cwd=_PROJECT_ROOT, check=False
        )
    except subprocess.TimeoutExpired:
        raise MediaError(_timeout_message(what, timeout)) from None
    if done.returncode != 0:
        lines = done.stderr.decode(errors="replace").strip().splitlines()
        raise MediaError(f"Reading {what} failed: {lines[-1] if lines else done.returncode}.")
    for answer in json.loads(done.stdout):
        if "error" in answer:
            raise MediaError(_explain_open_error(answer["error"], answer["detail"], what))


# PyAV in a child rather than ffmpeg's console text: exact per-stream lengths, and killable.
class _ProbeHelper:
    """One long-lived child answering probe requests, one JSON line in, one line out.

    A request that misses its deadline, or a helper that dies, gets the helper killed;
    the next request starts a fresh one. A forked process starts its own helper.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._process: subprocess.Popen[bytes] | None = None
        self._owner_pid = 0

    def ask(self, request: list[str], timeout: float, what: str) -> list[dict[str, Any]]:
        with self._lock:
            deadline = time.monotonic() + timeout
            process = self._running()
            try:
                assert process.stdin is not None and process.stdout is not None
                process.stdin.write(json.dumps(request).encode() + b"\n")
                process.stdin.flush()
                line = _read_line(process.stdout.fileno(), deadline)
            except TimeoutError:
                self.stop()
                raise MediaError(_timeout_message(what, timeout)) from None
            except BrokenPipeError:
                line = b""
            if not line:
                self.stop()
                raise MediaError(f"Reading {what} failed: the probing process stopped.")
            answers: list[dict[str, Any]] = json.loads(line)
            return answers

    def stop(self) -> None:
        if self._process is not None and self._owner_pid == os.getpid():
            self._process.kill()
            self._process.wait()
        self._process = None

    def _running(self) -> subprocess.Popen[bytes]:
        process = self._process
        if process is None or process.poll() is not None or self._owner_pid != os.getpid():
            process = subprocess.Popen(
                [sys.executable, "-m", "engines.media", "serve"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,  # a full stderr pipe would stall the helper
                cwd=_PROJECT_ROOT,
            )
            self._process, self._owner_pid = process, os.getpid()
        return process


def _read_line(fd: int, deadline: float) -> bytes:
    """Bytes up to a newline from ``fd``; b"" at end of file; TimeoutError at the deadline."""
    chunks: list[bytes] = []
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0 or not select.select([fd], [], [], remaining)[0]:
            raise TimeoutError
        chunk = os.read(fd, 1 << 16)
        if not chunk:
            return b""
        chunks.append(chunk)
        if chunk.endswith(b"\n"):
            return b"".join(chunks)


_PROBE_HELPER = _ProbeHelper()
atexit.register(_PROBE_HELPER.stop)


# ---------------------------------------------------------------------------------------
# The child process: PyAV is imported only here, never in the worker.


def _open_local(path: str, max_pixels: int) -> Any:
    import av

    options = {
        "protocol_whitelist": LOCAL_ONLY,
        "format_whitelist": ALLOWED_DEMUXERS,
        # Decoders refuse bigger frames: a "16k x 16k" header allocates nothing.
        "max_pixels": str(max_pixels),
    }
    return av.open(f"file:{path}", options=options)


def _child_probe(path: str, max_pixels: int) -> dict[str, Any]:
    import av

    try:
        container = _open_local(path, max_pixels)
    except av.error.InvalidDataError as exc:
        # An MP4/MOV header without a readable index: an upload cut off before its end.
        with open(path, "rb") as f:
            kind = "damaged_mp4" if f.read(12)[4:8] == b"ftyp" else "unknown_format"
        return {"error": kind, "detail": str(exc)}
    except (av.error.ArgumentError, av.error.PermissionError) as exc:
        # ffmpeg answers EINVAL for a demuxer off the whitelist, EPERM for an unsafe list.
        return {"error": "refused_format", "detail": str(exc)}
    except av.error.FFmpegError as exc:
        return {"error": "unreadable", "detail": str(exc)}
    with container:
        streams = [_child_stream(s) for s in container.streams]
        duration = container.duration / 1_000_000 if container.duration else None
        return {
            "path": path,
            "format_name": container.format.name,
            "size_bytes": Path(path).stat().st_size,
            "container_duration_s": duration,
            "streams": streams,
        }


def _is_cover(stream: Any) -> bool:
    import av

    return bool(stream.disposition & av.stream.Disposition.attached_pic)


def _child_stream(stream: Any) -> dict[str, Any]:
    codec = stream.codec_context
    kind = stream.type
    if kind == "video" and _is_cover(stream):
        kind = "cover"
    duration = float(stream.duration * stream.time_base) if stream.duration else None
    entry: dict[str, Any] = {
        "index": stream.index,
        "kind": kind,
        "codec": codec.name if codec is not None else "",
        "duration_s": duration,
    }
    if stream.type == "video":
        rate = stream.average_rate or stream.guessed_rate
        entry.update(
            width=codec.width,
            height=codec.height,
            fps=float(rate) if rate else 0.0,
            pix_fmt=codec.pix_fmt or "",
            profile=codec.profile or "",
        )
    elif stream.type == "audio":
        entry.update(sample_rate=codec.sample_rate, channels=codec.layout.nb_channels)
    return entry


def _child_check(kind: str, path: str, max_pixels: int) -> dict[str, Any]:
    """Decode the sound whole and the first video frames; packets must reach the end."""
    import av

    with _open_local(path, max_pixels) as container:
        pictures = [s for s in container.streams.video if not _is_cover(s)]
        video = pictures[0] if pictures else None
        audio = container.streams.audio[0] if container.streams.audio else None
        wanted = [s for s in (video if kind == "video" else None, audio) if s is not None]
        ends = {s.index: 0.0 for s in wanted}
        decoded_frames, failure = 0, None
        try:
            for packet in container.demux(wanted):
                if packet.pts is None:
                    continue
                stream = packet.stream
                end = float((packet.pts + (packet.duration or 0)) * packet.time_base)
                ends[stream.index] = max(ends[stream.index], end)
                if stream.type == "audio" or decoded_frames < _VIDEO_FRAMES_TO_DECODE:
                    frames = packet.decode()
                    if stream.type == "video":
                        decoded_frames += len(frames)
        except av.error.FFmpegError as exc:
            failure = str(exc)  # reported below, after the likelier cause: a cut-off file
        for stream in wanted:
            declared = float(stream.duration * stream.time_base) if stream.duration else None
            declared = declared or (container.duration or 0) / 1_000_000
            reached = ends[stream.index]
            if declared and reached < declared * (1 - _TRUNCATION_TOLERANCE) - 0.1:
                return {
                    "error": "truncated",
                    "detail": f"its {stream.type} ends at {reached:.1f} s although the file "
                    f"declares {declared:.1f} s",
                }
        if failure is not None:
            return {"error": "no_decode", "detail": failure}
        if video is not None and kind == "video" and decoded_frames == 0:
            return {"error": "no_decode", "detail": "not a single video frame decodes"}
    return {"ok": True}


def _child_serve() -> None:
    """Answer probe requests (``[max_pixels, path, ...]``) until stdin closes."""
    for line in sys.stdin:
        max_pixels, *paths = json.loads(line)
        answers = []
        for path in paths:
            try:
                answers.append(_child_probe(path, int(max_pixels)))
            except Exception as exc:  # one odd file must not end the helper
                answers.append({"error": "unreadable", "detail": repr(exc)})
        sys.stdout.write(json.dumps(answers) + "\n")
        sys.stdout.flush()


def _child_main(argv: list[str]) -> None:
    mode, *rest = argv
    if mode == "serve":
        _child_serve()
    else:
        kind, max_pixels, path = rest
        print(json.dumps([_child_check(kind, path, int(max_pixels))]))


if __name__ == "__main__":
    _child_main(sys.argv[1:])
