"""Pictures of a result, made once when it is stored: a poster frame and a filmstrip for
a video, a waveform for a track. Pages and the gallery show these small files instead of
decoding the media on every rerun.

Frames and samples come from the bundled ffmpeg (local files only, with a time limit);
Pillow draws and encodes the pictures.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from engines.errors import MediaError
from engines.files import atomic_output
from engines.media.ffmpeg import local_input, run_ffmpeg
from engines.media.images import IMAGE_SUFFIXES, write_image_poster
from engines.media.probe import probe_media

POSTER_MAX_SIDE = 512  # large enough for a gallery card at 2x, small enough to load at once
STRIP_FRAMES = 5
STRIP_FRAME_HEIGHT = 96
WAVEFORM_SIZE = (800, 120)
WAVEFORM_RATE = 8_000  # peaks need no more detail than this
WAVEFORM_COLOUR = (255, 75, 75)  # Streamlit's primary red
PEAK_ALPHA = 90  # the peaks pale behind the loudness, as audio editors draw them
SILENCE = 1e-4  # a peak below this (-80 dBFS) is drawn as silence, not scaled up
JPEG_QUALITY = 85
PREVIEW_TIMEOUT_S = 30.0


@dataclass(frozen=True)
class Previews:
    """Paths of the pictures made for one asset (absent ones are None)."""

    poster: Path | None = None
    filmstrip: Path | None = None
    waveform: Path | None = None

    def to_dict(self) -> dict[str, str]:
        return {name: path.name for name, path in vars(self).items() if path is not None}


def make_previews(media: Path, folder: Path, stem: str) -> Previews:
    """Poster and filmstrip for a video, waveform for a track (a video with sound gets all);
    an image's poster is a thumbnail of itself."""
    if media.suffix.lower() in IMAGE_SUFFIXES:
        return Previews(poster=write_image_poster(media, folder / f"{stem}.poster.jpg"))
    info = probe_media(media, timeout=PREVIEW_TIMEOUT_S)
    poster = filmstrip = waveform = None
    if info.video is not None:
        video = info.video
        poster, filmstrip = write_poster_and_filmstrip(
            media,
            folder / f"{stem}.poster.jpg",
            folder / f"{stem}.strip.jpg",
            size=(video.width, video.height),
            frame_count=max(round(info.duration_s * video.fps), 1) if video.fps else 1,
        )
    if info.audio is not None:
        waveform = write_waveform(media, folder / f"{stem}.wave.png")
    return Previews(poster=poster, filmstrip=filmstrip, waveform=waveform)


def write_poster_and_filmstrip(
    media: Path,
    poster_out: Path,
    strip_out: Path,
    *,
    size: tuple[int, int],
    frame_count: int,
    strip_frames: int = STRIP_FRAMES,
) -> tuple[Path, Path]:
    """The poster is the frame a third of the way in (past fade-ins), at most
    POSTER_MAX_SIDE; the filmstrip is ``strip_frames`` frames spread over the clip, side by
    side, each STRIP_FRAME_HEIGHT high. All come from one decoding pass."""
    from PIL import Image

    poster_index = frame_count // 3
    strip_indices = [min(int(frame_count * (i + 0.5) / strip_frames), frame_count - 1)
                     for i in range(strip_frames)]  # fmt: skip
    frames = _frames(media, [poster_index, *strip_indices], _fit(size, POSTER_MAX_SIDE))
    with atomic_output(poster_out) as tmp:
        Image.fromarray(frames[poster_index]).save(tmp, format="JPEG", quality=JPEG_QUALITY)
    strip_size = _fit(size, 4 * STRIP_FRAME_HEIGHT, STRIP_FRAME_HEIGHT)
    strip = [Image.fromarray(frames[i]).resize(strip_size, Image.Resampling.LANCZOS)
             for i in strip_indices]  # fmt: skip
    with atomic_output(strip_out) as tmp:
        Image.fromarray(np.concatenate([np.asarray(f) for f in strip], axis=1)).save(
            tmp, format="JPEG", quality=JPEG_QUALITY
        )
    return poster_out, strip_out


def write_waveform(media: Path, out: Path, size: tuple[int, int] = WAVEFORM_SIZE) -> Path:
    """Each column's loudness (RMS, solid) inside its peaks (pale), mirrored around the
    middle, on transparency; both scaled to the track's own peak. A loud track, whose peaks
    are near full scale in every column, still shows its shape, and a quiet one fills the
    picture as well as a loud one."""
    from PIL import Image, ImageDraw

    width, height = size
    peaks, loudness = waveform_levels(media, width)
    top = float(np.percentile(peaks, 99))  # not a lone click, nor resampling overshoot
    scale = 1.0 / top if top > SILENCE else 0.0  # silence stays a thin line
    image = Image.new("RGBA", size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    middle = (height - 1) / 2
    for x, (peak, level) in enumerate(zip(peaks, loudness, strict=True)):
        for value, alpha in ((peak, PEAK_ALPHA), (level, 255)):
            reach = max(min(float(value) * scale, 1.0) * middle, 0.5)
            draw.line([(x, middle - reach), (x, middle + reach)], fill=(*WAVEFORM_COLOUR, alpha))
    with atomic_output(out) as tmp:
        image.save(tmp, format="PNG", optimize=True)
    return out


def waveform_peaks(media: Path, columns: int) -> np.ndarray:
    """Peak level (0 to 1) of each of ``columns`` equal slices of the first audio stream."""
    return np.clip(waveform_levels(media, columns)[0], 0.0, 1.0)


def waveform_levels(media: Path, columns: int) -> tuple[np.ndarray, np.ndarray]:
    """Peak and RMS level of each of ``columns`` equal slices of the first audio stream,
    decoded once (unclipped: resampling may overshoot full scale a little)."""
    raw = run_ffmpeg(
        [
            *local_input(media),
            *("-map", "0:a:0", "-ac", "1", "-ar", str(WAVEFORM_RATE), "-f", "f32le", "-"),
        ],
        timeout=PREVIEW_TIMEOUT_S,
        what=f"the sound of {media.name}",
    )
    samples = np.abs(np.nan_to_num(np.frombuffer(raw, dtype="<f4")))
    if samples.size == 0:
        raise MediaError(f"{media.name} has no audio samples to draw.")
    starts = np.minimum(
        np.linspace(0, samples.size, columns + 1).astype(int)[:-1], samples.size - 1
    )
    peaks = np.maximum.reduceat(samples, starts)
    counts = np.diff(np.append(starts, samples.size)).clip(min=1)
    rms = np.sqrt(np.add.reduceat(samples.astype(np.float64) ** 2, starts) / counts)
    return peaks, rms


def _frames(media: Path, indices: list[int], size: tuple[int, int]) -> dict[int, np.ndarray]:
    """RGB frames by index, scaled to ``size``, decoded in one pass; a clip shorter than its
    container said repeats its last frame."""
    width, height = size
    wanted = sorted(set(indices))
    pick = "+".join(f"eq(n\\,{i})" for i in wanted)
    raw = run_ffmpeg(
        [
            *local_input(media),
            *("-map", "0:v:0", "-vf", f"select='{pick}',scale={width}:{height}"),
            *("-fps_mode", "passthrough", "-f", "rawvideo", "-pix_fmt", "rgb24", "-"),
        ],
        timeout=PREVIEW_TIMEOUT_S,
        what=f"frames of {media.name}",
    )
    decoded = np.frombuffer(raw, dtype=np.uint8)
    count = decoded.size // (width * height * 3)
    if count == 0:
        raise MediaError(f"{media.name} has no picture to show.")
    pictures = decoded[: count * width * height * 3].reshape(count, height, width, 3)
    return {index: pictures[min(n, count - 1)] for n, index in enumerate(wanted)}


def _fit(size: tuple[int, int], max_width: int, max_height: int | None = None) -> tuple[int, int]:
    """``size`` scaled down (never up) to fit the box, in even pixels as encoders want."""
    width, height = size
    scale = min(max_width / width, (max_height or max_width) / height, 1.0)
    return max(2, int(width * scale) // 2 * 2), max(2, int(height * scale) // 2 * 2)
