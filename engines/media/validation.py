"""Whether an upload is a whole video or track within the limits, and browser-ready.

Checks go from cheap to dear: size, then headers (a probe), then the limits, then a
decode to the declared end in a child process with a time limit.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from engines.errors import MediaError
from engines.media.info import DEFAULT_LIMITS, MediaInfo, MediaLimits, StreamInfo
from engines.media.probe import label_of, probe_media, require_local_file
from engines.media.probe_client import run_child

# Video codecs (and their settings) that every current browser plays inside an MP4.
BROWSER_VIDEO_CODECS = ("h264",)
BROWSER_PIX_FMTS = ("yuv420p", "yuvj420p")
BROWSER_H264_PROFILES = ("Baseline", "Constrained Baseline", "Main", "High")


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
    label = label_of(path, name)
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
    label = label_of(info.path, name)
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
    label = label_of(info.path, name)
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


def _require_size(path: str | Path, label: str, limits: MediaLimits) -> None:
    size = require_local_file(path, label).stat().st_size
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
