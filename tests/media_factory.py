"""Small media files with known content, made with the bundled ffmpeg and numpy.

Clips come from ffmpeg's lavfi sources (test patterns and sine tones), tones from numpy,
so tests can assert exact frequencies and lengths. Every maker returns the path it wrote.
Also here: the bad uploads (truncated, disguised, oversized) that validation must refuse.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np
import soundfile as sf

from engines.media.ffmpeg import run_ffmpeg

SAMPLE_RATE = 32000  # what MusicGen writes


# ---------------------------------------------------------------------------------------
# Good media


def make_clip(
    path: Path,
    *,
    seconds: float = 2.0,
    fps: int = 8,
    size: tuple[int, int] = (64, 64),
    codec: str = "libx264",
    tone_hz: float | None = None,
    faststart: bool = True,
    pattern: str = "testsrc2",
) -> Path:
    """A test-pattern video; with ``tone_hz`` it has a sine tone of its own as AAC."""
    width, height = size
    args = ["-f", "lavfi", "-i", f"{pattern}=s={width}x{height}:r={fps}:d={seconds}"]
    if tone_hz is not None:
        args += ["-f", "lavfi", "-i", f"sine=f={tone_hz}:d={seconds}:sample_rate=48000"]
    args += ["-map", "0:v"] + (["-map", "1:a", "-c:a", "aac"] if tone_hz is not None else [])
    args += ["-c:v", codec, "-pix_fmt", "yuv420p"]
    args += ["-movflags", "+faststart"] if faststart else []
    run_ffmpeg([*args, "-y", str(path)], what="a test clip")
    return path


def make_h264_clip(path: Path, **options: object) -> Path:
    return make_clip(path, codec="libx264", **options)  # type: ignore[arg-type]


def make_mp4v_clip(path: Path, **options: object) -> Path:
    """MPEG-4 Part 2 ("mp4v"), what OpenCV writes and browsers do not play."""
    return make_clip(path, codec="mpeg4", **options)  # type: ignore[arg-type]


def make_noise_clip(path: Path, *, seconds: float, fps: int = 8, size: int = 256) -> Path:
    """Random colour noise in H.264: what tiny random models produce, and hard to encode."""
    noise = "geq=lum='random(1)*255':cb='random(2)*255':cr='random(3)*255'"
    source = f"nullsrc=s={size}x{size}:r={fps}:d={seconds},format=yuv420p,{noise}"
    encode = ["-c:v", "libx264", "-pix_fmt", "yuv420p", "-movflags", "+faststart"]
    run_ffmpeg(["-f", "lavfi", "-i", source, *encode, "-y", str(path)], timeout=300, what="noise")
    return path


def sine(hz: float, seconds: float, *, rate: int = SAMPLE_RATE, amplitude: float = 0.5):
    t = np.arange(round(seconds * rate)) / rate
    return (amplitude * np.sin(2 * np.pi * hz * t)).astype(np.float32)


def make_tone(
    path: Path,
    hz: float | list[float] = 440.0,
    seconds: float = 2.0,
    *,
    rate: int = SAMPLE_RATE,
    amplitude: float = 0.5,
    channels: int = 1,
) -> Path:
    """A WAV sine tone; a list of frequencies plays them one after another, each ``seconds``."""
    parts = [sine(f, seconds, rate=rate, amplitude=amplitude) for f in np.atleast_1d(hz)]
    samples = np.concatenate(parts)
    sf.write(path, np.repeat(samples[:, None], channels, axis=1), rate, subtype="PCM_16")
    return path


def make_encoded_tone(path: Path, hz: float = 440.0, seconds: float = 2.0) -> Path:
    """A sine tone encoded by ffmpeg into whatever the suffix says (.m4a, .mp3, .mp4)."""
    source = f"sine=f={hz}:d={seconds}:sample_rate=44100"
    index_first = ["-movflags", "+faststart"] if path.suffix in (".mp4", ".m4a") else []
    run_ffmpeg(["-f", "lavfi", "-i", source, *index_first, "-y", str(path)], what="a test tone")
    return path


# ---------------------------------------------------------------------------------------
# Bad uploads


def truncate(source: Path, path: Path, fraction: float = 0.5) -> Path:
    data = source.read_bytes()
    path.write_bytes(data[: int(len(data) * fraction)])
    return path


def make_hls_trick(path: Path, target: str = "/etc/passwd") -> Path:
    """An HLS playlist whose only segment is a local file, whatever ``path`` is called."""
    path.write_text(
        "#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXT-X-MEDIA-SEQUENCE:0\n"
        f"#EXTINF:10.0,\n{target}\n#EXT-X-ENDLIST\n"
    )
    return path


def make_concat_trick(path: Path, target: str = "/etc/passwd") -> Path:
    """An ffconcat list that asks ffmpeg to read a local file."""
    path.write_text(f"ffconcat version 1.0\nfile '{target}'\n")
    return path


def make_huge_resolution_clip(path: Path, width: int = 16000, height: int = 16000) -> Path:
    """A tiny H.264 MP4 whose headers declare ``width`` x ``height`` (a decompression bomb).

    A 64x64 baseline clip has its SPS rewritten with the huge size (and the sample entry's
    size fields patched); the frames stay tiny. 16000 is the largest ffmpeg accepts.
    """
    small = make_clip(path.with_suffix(".small.mp4"), seconds=0.5, faststart=False)
    run_ffmpeg(
        ["-i", str(small), "-c:v", "libx264", "-profile:v", "baseline", "-y", str(path)],
        what="a baseline clip",
    )
    small.unlink()
    data = bytearray(path.read_bytes())
    avcc = data.find(b"avcC") + 4  # version, profile, compat, level, size, count, then SPS
    (sps_len,) = struct.unpack_from(">H", data, avcc + 6)
    sps = bytes(data[avcc + 8 : avcc + 8 + sps_len])
    new = _sps_with_size(sps, width, height)
    if len(new) > sps_len:
        raise AssertionError("the rewritten SPS must not be longer than the original")
    data[avcc + 8 : avcc + 8 + sps_len] = new.ljust(sps_len, b"\0")
    entry = data.find(b"avc1")  # visual sample entry: 24 bytes, then width and height
    struct.pack_into(">HH", data, entry + 4 + 24, width, height)
    path.write_bytes(bytes(data))
    return path


# ---------------------------------------------------------------------------------------
# Reading results back


@dataclass(frozen=True)
class OutputFacts:
    codecs: tuple[str, ...]  # one per stream, in order
    duration_s: float  # the container's: what a player shows
    video_s: float
    audio_s: float
    pix_fmt: str
    frames: int  # video frames, counted by demuxing
    faststart: bool  # the index (moov) comes before the media data (mdat)


def read_facts(path: Path) -> OutputFacts:
    data = path.read_bytes()
    with av.open(str(path)) as container:
        video, audio = container.streams.video[0], container.streams.audio[0]
        frames = sum(1 for p in container.demux(video) if p.size)
        return OutputFacts(
            codecs=tuple(s.codec_context.name for s in container.streams),
            duration_s=(container.duration or 0) / 1_000_000,
            video_s=_stream_seconds(video),
            audio_s=_stream_seconds(audio),
            pix_fmt=video.codec_context.pix_fmt or "",
            frames=frames,
            faststart=0 <= data.find(b"moov") < data.find(b"mdat"),
        )


def _stream_seconds(stream: av.stream.Stream) -> float:
    if stream.duration is None or stream.time_base is None:
        raise AssertionError(f"stream {stream.index} does not say how long it is")
    return float(stream.duration * stream.time_base)


def video_packets(path: Path) -> list[bytes]:
    """The video stream's packets, in order: equal lists mean the stream was copied."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        return [bytes(p) for p in container.demux(stream) if p.size]


def decode_audio(path: Path) -> tuple[np.ndarray, int]:
    """The first audio stream as mono float samples, and its sample rate."""
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        chunks = [frame.to_ndarray().mean(axis=0) for frame in container.decode(stream)]
        return np.concatenate(chunks), stream.codec_context.sample_rate


def rms(samples: np.ndarray, rate: int, start_s: float, end_s: float) -> float:
    window = samples[int(start_s * rate) : int(end_s * rate)]
    return float(np.sqrt(np.mean(window.astype(np.float64) ** 2)))


def tone_amplitude(samples: np.ndarray, rate: int, hz: float, start_s: float, end_s: float):
    """Amplitude of the ``hz`` sine in a window (a one-bin Fourier transform)."""
    window = samples[int(start_s * rate) : int(end_s * rate)].astype(np.float64)
    t = np.arange(len(window)) / rate
    return float(2 * abs(np.mean(window * np.exp(-2j * np.pi * hz * t))))


# ---------------------------------------------------------------------------------------
# A minimal H.264 SPS rewriter (baseline profile only), for the huge-resolution clip


class _BitReader:
    def __init__(self, data: bytes) -> None:
        self.data, self.pos = data, 0

    def u(self, n: int) -> int:
        value = 0
        for _ in range(n):
            bit = (self.data[self.pos >> 3] >> (7 - (self.pos & 7))) & 1
            value, self.pos = (value << 1) | bit, self.pos + 1
        return value

    def ue(self) -> int:
        zeros = 0
        while self.u(1) == 0:
            zeros += 1
        return (1 << zeros) - 1 + self.u(zeros)


class _BitWriter:
    def __init__(self) -> None:
        self.bits: list[int] = []

    def u(self, n: int, value: int) -> None:
        self.bits += [(value >> (n - 1 - i)) & 1 for i in range(n)]

    def ue(self, value: int) -> None:
        value += 1
        self.u(value.bit_length() - 1, 0)
        self.u(value.bit_length(), value)

    def rbsp(self) -> bytes:
        self.u(1, 1)  # stop bit, then zeros to a byte boundary
        bits = self.bits + [0] * (-len(self.bits) % 8)
        return bytes(int("".join(map(str, bits[i : i + 8])), 2) for i in range(0, len(bits), 8))


def _sps_with_size(sps: bytes, width: int, height: int) -> bytes:
    reader, writer = _BitReader(_unescape(sps[1:])), _BitWriter()
    profile = reader.u(8)
    if profile != 66:
        raise AssertionError(f"expected a baseline SPS (profile 66), got {profile}")
    writer.u(8, profile)
    writer.u(16, reader.u(16))  # constraint flags and level
    writer.ue(reader.ue())  # seq_parameter_set_id
    writer.ue(reader.ue())  # log2_max_frame_num_minus4
    poc_type = reader.ue()
    writer.ue(poc_type)
    if poc_type == 0:
        writer.ue(reader.ue())  # log2_max_pic_order_cnt_lsb_minus4
    elif poc_type != 2:
        raise AssertionError(f"pic_order_cnt_type {poc_type} is not handled")
    writer.ue(reader.ue())  # max_num_ref_frames
    writer.u(1, reader.u(1))  # gaps_in_frame_num_value_allowed_flag
    writer.ue(width // 16 - 1)
    writer.ue(height // 16 - 1)
    # frame_mbs_only, direct_8x8_inference, no cropping, no VUI.
    for bit in (1, 1, 0, 0):
        writer.u(1, bit)
    return sps[:1] + _escape(writer.rbsp())


def _unescape(data: bytes) -> bytes:
    out, zeros = bytearray(), 0
    for byte in data:
        if zeros >= 2 and byte == 3:
            zeros = 0
            continue
        out.append(byte)
        zeros = zeros + 1 if byte == 0 else 0
    return bytes(out)


def _escape(data: bytes) -> bytes:
    out, zeros = bytearray(), 0
    for byte in data:
        if zeros >= 2 and byte <= 3:
            out.append(3)
            zeros = 0
        out.append(byte)
        zeros = zeros + 1 if byte == 0 else 0
    return bytes(out)
