"""What a probe tells about a media file, and the limits an upload must keep within."""

from __future__ import annotations

from dataclasses import dataclass, field


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
    tags: dict[str, str] = field(default_factory=dict)  # the container's metadata

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
