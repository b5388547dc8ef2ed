"""Frames of a clip as RGB pictures: the last few (what an extension continues from) or
one at a chosen moment (a still to start a new clip from), decoded by ffmpeg in a child
process with a time limit, reading the local file only.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from engines.errors import MediaError
from engines.media.ffmpeg import local_input, run_ffmpeg
from engines.media.info import MediaInfo
from engines.media.probe import probe_media

FRAMES_TIMEOUT_S = 120.0
WHERE = ("first", "last")  # or a time in seconds


@dataclass(frozen=True)
class ClipShape:
    width: int
    height: int
    fps: float
    duration_s: float
    has_audio: bool

    @classmethod
    def of(cls, info: MediaInfo, label: str) -> ClipShape:
        if not info.has_video or info.width <= 0 or info.height <= 0:
            raise MediaError(f"{label} has no picture: it is not a video clip.")
        return cls(info.width, info.height, info.fps or 0.0, info.duration_s, info.has_audio)


def clip_shape(path: str | Path) -> ClipShape:
    """Size, frame rate, length and whether it has sound, read by content."""
    return ClipShape.of(probe_media(path), Path(path).name)


def decode_frames(
    path: str | Path, shape: ClipShape, *, from_end_s: float | None = None
) -> np.ndarray:
    """Every frame (or those of the last ``from_end_s`` seconds) as uint8 (N, H, W, 3)."""
    seek = ["-sseof", f"-{from_end_s:.3f}"] if from_end_s is not None else []
    raw = run_ffmpeg(
        [
            *seek,
            *local_input(path),
            *("-map", "0:v:0", "-fps_mode", "passthrough"),
            *("-f", "rawvideo", "-pix_fmt", "rgb24", "-"),
        ],
        timeout=FRAMES_TIMEOUT_S,
        what=f"the frames of {Path(path).name}",
    )
    size = shape.width * shape.height * 3
    count = len(raw) // size
    if count == 0:
        raise MediaError(f"{Path(path).name} has no frame to read.")
    return np.frombuffer(raw[: count * size], dtype=np.uint8).reshape(
        count, shape.height, shape.width, 3
    )


def last_frames(path: str | Path, count: int, shape: ClipShape | None = None) -> np.ndarray:
    """The last ``count`` frames (fewer when the clip is shorter), oldest first."""
    shape = shape or clip_shape(path)
    seconds = count / shape.fps + 0.5 if shape.fps > 0 else None
    if seconds is not None and seconds >= shape.duration_s:
        seconds = None  # a short clip: read it all
    return decode_frames(path, shape, from_end_s=seconds)[-count:]


def frame_at(path: str | Path, where: str | float) -> np.ndarray:
    """One frame, uint8 (H, W, 3): ``"first"``, ``"last"`` or the one shown at a time (s)."""
    shape = clip_shape(path)
    name = Path(path).name
    if where == "last":
        return last_frames(path, 1, shape)[-1]
    if where == "first":
        seconds = 0.0
    elif isinstance(where, int | float) and not isinstance(where, bool):
        seconds = float(where)
    else:
        raise MediaError(f"A frame is {' or '.join(WHERE)} or a time in seconds, not {where!r}.")
    if not 0.0 <= seconds < max(shape.duration_s, 1e-3):
        raise MediaError(
            f"{name} is {shape.duration_s:.2f} s long; pick a time from 0 to "
            f"{max(shape.duration_s - 0.01, 0):.2f} s."
        )
    raw = run_ffmpeg(
        [
            *("-ss", f"{seconds:.3f}"),
            *local_input(path),
            *("-map", "0:v:0", "-frames:v", "1"),
            *("-f", "rawvideo", "-pix_fmt", "rgb24", "-"),
        ],
        timeout=FRAMES_TIMEOUT_S,
        what=f"a frame of {name}",
    )
    size = shape.width * shape.height * 3
    if len(raw) < size:
        raise MediaError(f"{name} has no frame at {seconds:.2f} s.")
    return np.frombuffer(raw[:size], dtype=np.uint8).reshape(shape.height, shape.width, 3)


def png_bytes(frame: np.ndarray) -> bytes:
    """A frame as PNG (lossless: the still is the frame as decoded)."""
    from PIL import Image

    out = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(frame)).save(out, format="PNG")
    return out.getvalue()
