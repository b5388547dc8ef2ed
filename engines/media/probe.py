"""Probing and validating media by content, never by name, with a time limit.

Probing runs PyAV in a child Python process (engines.media_probe_child): PyAV gives
per-stream durations, codecs and profiles that ffmpeg's console text does not, and a child
can be killed when a crafted file stalls the demuxer, without hanging the worker. The
child opens local files only (protocol whitelist), only with ordinary demuxers (no
playlists or file lists, which point at other files), and refuses to decode frames larger
than the limits allow.

Probes go to one long-lived helper child (engines.media_probe_client); decode checks of
uploads get a fresh child each. This module holds the public API and the checks that need
no child; the records and limits live in engines.media_info.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from engines.errors import MediaError
from engines.media_info import DEFAULT_LIMITS, MediaInfo, MediaLimits, StreamInfo
from engines.media_probe_client import PROBE_HELPER, explain_open_error, run_child

__all__ = [
    "BROWSER_H264_PROFILES",
    "BROWSER_PIX_FMTS",
    "BROWSER_VIDEO_CODECS",
    "DEFAULT_LIMITS",
    "MediaInfo",
    "MediaLimits",
    "StreamInfo",
    "check_audio_limits",
    "check_video_limits",
    "is_browser_ready_video",
    "probe_media",
    "probe_media_files",
    "validate_audio_upload",
    "validate_video_upload",
    "video_duration_s",
]

# Video codecs (and their settings) that every current browser plays inside an MP4.
BROWSER_VIDEO_CODECS = ("h264",)
BROWSER_PIX_FMTS = ("yuv420p", "yuvj420p")
BROWSER_H264_PROFILES = ("Baseline", "Constrained Baseline", "Main", "High")
_SNIFF_BYTES = 4096


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
    answers = PROBE_HELPER.ask([str(max_pixels), *map(str, resolved)], timeout, what)
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
    return _validate_upload("video", check_video_limits, path, limits, name)


def validate_audio_upload(
    path: str | Path, limits: MediaLimits = DEFAULT_LIMITS, *, name: str | None = None
) -> MediaInfo:
    """Accept an uploaded track only if its audio decodes from start to end within the limits."""
    return _validate_upload("audio", check_audio_limits, path, limits, name)


def _validate_upload(
    kind: str,
    check_limits: Callable[..., None],
    path: str | Path,
    limits: MediaLimits,
    name: str | None,
) -> MediaInfo:
    label = _label(path, name)
    # 1. Size first: it costs nothing and needs no decoding.
    _require_size(path, label, limits)
    # 2. Headers, read in a child with the whitelists and the pixel cap.
    info = probe_media(
        path, timeout=limits.probe_timeout_s, max_pixels=limits.max_pixels, name=name
    )
    # 3. Streams, resolution and length against the limits, before any decoding.
    check_limits(info, limits, name=name)
    # 4. Decode (a video's first frames and its sound; a track whole) to its declared end.
    run_child("check", [kind, str(limits.max_pixels), info.path], limits.decode_timeout_s, label)
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
        raise MediaError(explain_open_error(answer["error"], answer.get("detail", ""), label))
    streams = tuple(StreamInfo(**s) for s in answer["streams"])
    return MediaInfo(
        path=answer["path"],
        format_name=answer["format_name"],
        size_bytes=answer["size_bytes"],
        container_duration_s=answer["container_duration_s"],
        streams=streams,
    )
