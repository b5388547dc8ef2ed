"""Plan a long MusicGen track as windows, as audiocraft's ``extend_stride`` does.

MusicGen sees 30 s at a time. A longer track is made window by window: the first
window generates up to 30 s; each later one is prompted with the last
``window - stride`` seconds of the audio so far and generates up to ``stride`` new
seconds, so prompt plus new audio never exceed the window. Counted in codec frames,
so the track's length is exact to one frame. Nothing here imports torch.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

WINDOW_S = 30.0  # what MusicGen was trained on
STRIDE_S = 18.0  # audiocraft's default extend_stride: 12 s of prompt, 18 s new


@dataclass(frozen=True)
class Window:
    start_frame: int  # where this window's new audio begins in the track
    prompt_frames: int  # frames of the track's tail it is prompted with (0 for the first)
    new_frames: int  # frames it generates

    @property
    def offset_frame(self) -> int:
        """Where the audio this window sees (prompt included) begins in the track."""
        return self.start_frame - self.prompt_frames


def frames_for(duration_s: float, frame_rate: int) -> int:
    # round first: 2.3 * 50 is 114.99999...
    return math.ceil(round(duration_s * frame_rate, 6))


def plan_windows(
    duration_s: float, frame_rate: int, window_s: float = WINDOW_S, stride_s: float = STRIDE_S
) -> list[Window]:
    """The windows that make ``duration_s`` seconds; one window up to ``window_s``."""
    total = frames_for(duration_s, frame_rate)
    window = round(window_s * frame_rate)
    stride = round(stride_s * frame_rate)
    prompt = window - stride
    windows = [Window(0, 0, min(total, window))]
    made = windows[0].new_frames
    while made < total:
        new = min(stride, total - made)
        windows.append(Window(made, prompt, new))
        made += new
    return windows
