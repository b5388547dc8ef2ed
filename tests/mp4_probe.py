"""Reading generated MP4s back, for assertions on what a browser would receive."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np


@dataclass(frozen=True)
class VideoFacts:
    codec: str
    pix_fmt: str
    frames: int
    fps: float
    width: int
    height: int
    moov_before_mdat: bool  # faststart: playback can begin before the download ends


def probe_mp4(path: Path) -> VideoFacts:
    data = path.read_bytes()
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        frames = sum(1 for _ in container.decode(stream))
        return VideoFacts(
            codec=stream.codec_context.name,
            pix_fmt=stream.format.name,
            frames=frames,
            fps=float(stream.average_rate or 0),
            width=stream.width,
            height=stream.height,
            moov_before_mdat=0 <= data.find(b"moov") < data.find(b"mdat"),
        )


def decode_frames(path: Path) -> np.ndarray:
    with av.open(str(path)) as container:
        return np.stack([f.to_ndarray(format="rgb24") for f in container.decode(video=0)])
