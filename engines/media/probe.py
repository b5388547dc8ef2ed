"""Probing media by content, never by name, with a time limit.

Probing runs PyAV in a child Python process (engines.media.probe_child): PyAV gives
per-stream durations, codecs and profiles that ffmpeg's console text does not, and a child
can be killed when a crafted file stalls the demuxer, without hanging the worker. The
child opens local files only (protocol whitelist), only with ordinary demuxers (no
playlists or file lists, which point at other files), and refuses to decode frames larger
than the limits allow.

Probes go to one long-lived helper child (engines.media.probe_client); decode checks of
uploads (engines.media.validation) get a fresh child each.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from engines.errors import MediaError
from engines.media.info import DEFAULT_LIMITS, MediaInfo, StreamInfo
from engines.media.probe_client import PROBE_HELPER, explain_open_error

_SNIFF_BYTES = 4096


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
    labels = [label_of(p, n) for p, n in zip(paths, names or [None] * len(paths), strict=True)]
    resolved = [require_local_file(p, label) for p, label in zip(paths, labels, strict=True)]
    for path, label in zip(resolved, labels, strict=True):
        _refuse_non_media_by_content(path, label)
    what = " and ".join(labels)
    answers = PROBE_HELPER.ask([str(max_pixels), *map(str, resolved)], timeout, what)
    return [_media_info(a, label) for a, label in zip(answers, labels, strict=True)]


def video_duration_s(path: str | Path, *, timeout: float = DEFAULT_LIMITS.probe_timeout_s) -> float:
    """Seconds of the video stream: what the combine page shows and lays a track under."""
    info = probe_media(path, timeout=timeout)
    if not info.has_video:
        raise MediaError(f"{label_of(path, None)} has no video stream.")
    return info.duration_s


def label_of(path: str | Path, name: str | None) -> str:
    """How messages name a file: the name the user gave it, else its own."""
    return f"'{name or Path(path).name}'"


def require_local_file(path: str | Path, label: str) -> Path:
    """The resolved path of a regular, non-empty local file; MediaError otherwise."""
    resolved = Path(path).resolve()
    if not resolved.exists():
        raise MediaError(f"{label} was not found (looked for {resolved}).")
    if not resolved.is_file():
        # Pipes and devices (/dev/zero, a FIFO) never end or never open: refuse them.
        raise MediaError(f"{label} is not a regular file; upload a media file.")
    if resolved.stat().st_size == 0:
        raise MediaError(f"{label} is empty (0 bytes); the upload may have failed. Try again.")
    return resolved


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
        tags=dict(answer.get("tags") or {}),
    )
