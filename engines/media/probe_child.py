"""The probing child process: ``python -m engines.media.probe_child serve | check ...``.

PyAV is imported only here, never in the worker: the parent (engines.media.probe_client)
can kill this process when a crafted file stalls the demuxer. It opens local files only
(protocol whitelist), only with ordinary demuxers (no playlists or file lists, which point
at other files), and refuses to decode frames larger than the limits allow.

Modes:
    serve                          answer probe requests, one JSON line in, one line out
    check KIND MAX_PIXELS PATH     decode one upload (KIND: video or audio), print the answer
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from engines.media.ffmpeg import ALLOWED_DEMUXERS, LOCAL_ONLY

# A decode that ends this much short of the declared length means the file is cut off.
TRUNCATION_TOLERANCE = 0.1
VIDEO_FRAMES_TO_DECODE = 8  # enough to prove the codec works, cheap for any length


def open_local(path: str, max_pixels: int) -> Any:
    import av

    options = {
        "protocol_whitelist": LOCAL_ONLY,
        "format_whitelist": ALLOWED_DEMUXERS,
        # Decoders refuse bigger frames: a "16k x 16k" header allocates nothing.
        "max_pixels": str(max_pixels),
    }
    return av.open(f"file:{path}", options=options)


def probe_file(path: str, max_pixels: int) -> dict[str, Any]:
    import av

    try:
        container = open_local(path, max_pixels)
    except av.error.InvalidDataError as exc:
        # An MP4/MOV header without a readable index: an upload cut off before its end.
        with open(path, "rb") as f:
            kind = "damaged_mp4" if f.read(12)[4:8] == b"ftyp" else "unknown_format"
        return {"error": kind, "detail": str(exc)}
    except (av.error.ArgumentError, av.error.PermissionError) as exc:
        # ffmpeg answers EINVAL for a demuxer off the whitelist, EPERM for an unsafe list.
        return {"error": "refused_format", "detail": str(exc)}
    except av.error.FFmpegError as exc:
        return {"error": "unreadable", "detail": str(exc)}
    with container:
        streams = [describe_stream(s) for s in container.streams]
        duration = container.duration / 1_000_000 if container.duration else None
        return {
            "path": path,
            "format_name": container.format.name,
            "size_bytes": Path(path).stat().st_size,
            "container_duration_s": duration,
            "streams": streams,
            # The container's own tags (title, comment, ...): where a file keeps its settings.
            "tags": {str(k): str(v) for k, v in (container.metadata or {}).items()},
        }


def is_cover(stream: Any) -> bool:
    import av

    return bool(stream.disposition & av.stream.Disposition.attached_pic)


def describe_stream(stream: Any) -> dict[str, Any]:
    codec = stream.codec_context
    kind = stream.type
    if kind == "video" and is_cover(stream):
        kind = "cover"
    duration = float(stream.duration * stream.time_base) if stream.duration else None
    entry: dict[str, Any] = {
        "index": stream.index,
        "kind": kind,
        "codec": codec.name if codec is not None else "",
        "duration_s": duration,
    }
    if stream.type == "video":
        rate = stream.average_rate or stream.guessed_rate
        entry.update(
            width=codec.width,
            height=codec.height,
            fps=float(rate) if rate else 0.0,
            pix_fmt=codec.pix_fmt or "",
            profile=codec.profile or "",
        )
    elif stream.type == "audio":
        entry.update(sample_rate=codec.sample_rate, channels=codec.layout.nb_channels)
    return entry


def check_decodes(kind: str, path: str, max_pixels: int) -> dict[str, Any]:
    """Decode the sound whole and the first video frames; packets must reach the end."""
    import av

    with open_local(path, max_pixels) as container:
        pictures = [s for s in container.streams.video if not is_cover(s)]
        video = pictures[0] if pictures else None
        audio = container.streams.audio[0] if container.streams.audio else None
        wanted = [s for s in (video if kind == "video" else None, audio) if s is not None]
        ends = {s.index: 0.0 for s in wanted}
        decoded_frames, failure = 0, None
        try:
            for packet in container.demux(wanted):
                if packet.pts is None:
                    continue
                stream = packet.stream
                end = float((packet.pts + (packet.duration or 0)) * packet.time_base)
                ends[stream.index] = max(ends[stream.index], end)
                if stream.type == "audio" or decoded_frames < VIDEO_FRAMES_TO_DECODE:
                    frames = packet.decode()
                    if stream.type == "video":
                        decoded_frames += len(frames)
        except av.error.FFmpegError as exc:
            failure = str(exc)  # reported below, after the likelier cause: a cut-off file
        for stream in wanted:
            declared = float(stream.duration * stream.time_base) if stream.duration else None
            declared = declared or (container.duration or 0) / 1_000_000
            reached = ends[stream.index]
            if declared and reached < declared * (1 - TRUNCATION_TOLERANCE) - 0.1:
                return {
                    "error": "truncated",
                    "detail": f"its {stream.type} ends at {reached:.1f} s although the file "
                    f"declares {declared:.1f} s",
                }
        if failure is not None:
            return {"error": "no_decode", "detail": failure}
        if video is not None and kind == "video" and decoded_frames == 0:
            return {"error": "no_decode", "detail": "not a single video frame decodes"}
    return {"ok": True}


def serve() -> None:
    """Answer probe requests (``[max_pixels, path, ...]``) until stdin closes."""
    for line in sys.stdin:
        max_pixels, *paths = json.loads(line)
        answers = []
        for path in paths:
            try:
                answers.append(probe_file(path, int(max_pixels)))
            except Exception as exc:  # one odd file must not end the helper
                answers.append({"error": "unreadable", "detail": repr(exc)})
        sys.stdout.write(json.dumps(answers) + "\n")
        sys.stdout.flush()


def main(argv: list[str]) -> None:
    mode, *rest = argv
    if mode == "serve":
        serve()
    else:
        kind, max_pixels, path = rest
        print(json.dumps([check_decodes(kind, path, int(max_pixels))]))


if __name__ == "__main__":
    main(sys.argv[1:])
