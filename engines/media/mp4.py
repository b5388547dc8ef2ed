"""Writing generated frames as an MP4 that browsers play."""

from __future__ import annotations

import os

import numpy as np

COMMENT_TAG = "comment"  # settings_tag.TAG; MP4's ©cmt, what ffprobe shows
CRF = "18"  # visually lossless H.264; the clips are short, so size is no concern


def frames_to_uint8(frames: np.ndarray) -> np.ndarray:
    """(frames, H, W, 3) floats in [0, 1] -> contiguous uint8 RGB."""
    return np.ascontiguousarray((np.clip(frames, 0.0, 1.0) * 255.0).round().astype(np.uint8))


def write_mp4(
    frames: np.ndarray, path: str | os.PathLike[str], fps: int, comment: str | None = None
) -> None:
    """H.264, yuv420p, moov atom first (faststart), with the bundled ffmpeg; ``comment``
    (the settings tag) goes into its metadata in the same pass.

    diffusers' ``export_to_video`` can fall back to OpenCV's mp4v, which browsers
    do not play, and never sets faststart; so the frames go to ffmpeg directly.
    """
    import imageio_ffmpeg

    rgb = frames_to_uint8(frames)
    _, height, width, _ = rgb.shape
    writer = imageio_ffmpeg.write_frames(
        str(path),
        (width, height),
        fps=fps,
        codec="libx264",
        pix_fmt_in="rgb24",
        pix_fmt_out="yuv420p",
        quality=None,
        macro_block_size=2,  # sizes are multiples of 8 already; never let it rescale
        ffmpeg_log_level="error",
        output_params=[
            *("-crf", CRF, "-movflags", "+faststart"),
            *(("-metadata", f"{COMMENT_TAG}={comment}") if comment is not None else ()),
            *("-f", "mp4"),
        ],
    )
    writer.send(None)
    for frame in rgb:
        writer.send(frame)
    writer.close()
