"""The settings that made a file, carried inside it: a JSON ``comment`` tag in an MP4's
metadata, the ``ICMT`` entry of a WAV's LIST/INFO chunk. ffprobe, players and this studio
read both back, so a downloaded file remembers how it was made.

    embed_settings(Path("clip.mp4"), {"model": "modelscope-t2v-1.7b", "params": {...}})
    settings_in(probe_media("clip.mp4").tags)  # -> the same dict, or None
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from engines.errors import MediaError
from engines.files import atomic_output
from engines.media.ffmpeg import local_input, run_ffmpeg

STUDIO_VERSION = "0.1.0"  # pyproject.toml's; a test keeps them equal
TAG = "comment"  # the one tag both MP4 (©cmt) and WAV (ICMT) have, and ffprobe shows
MARK = "studio_settings"  # the JSON object's key, so a stranger's comment is never read
WAV_READ_DTYPES = {"PCM_16": "int16", "PCM_24": "int32", "PCM_32": "int32", "FLOAT": "float32"}
MAX_CHARS = 16_000  # a prompt and every param fit many times over; a tag is no place for more
MAX_READ_BYTES = 64 * 1024  # what a dropped file's tag may hold before it is refused unread


def settings_record(
    job_kind: str,
    params: Mapping[str, Any],
    meta: Mapping[str, Any],
    source_ids: Iterable[str] = (),
    file_fields: Iterable[str] = (),
) -> dict[str, Any]:
    """What a result's file carries inside it: enough to make it again, and its lineage.
    A file param is kept by its name alone (an asset id in a job, a file's name from the
    CLI), never a folder of the machine that made it."""
    named = set(file_fields)
    return {
        "studio_version": STUDIO_VERSION,
        "job_kind": job_kind,
        "model": params.get("model") or meta.get("model"),
        "weights": meta.get("model"),  # the hub id or folder they came from
        "revision": meta.get("revision"),
        "seed": meta.get("seed"),
        "params": {k: _file_name(v) if k in named else v for k, v in params.items()},
        "sources": sorted(source_ids),
    }


def _file_name(value: Any) -> Any:
    return Path(str(value)).name if value else value


def settings_comment(settings: Mapping[str, Any]) -> str:
    text = json.dumps({MARK: dict(settings)}, sort_keys=True, ensure_ascii=False)
    if len(text) > MAX_CHARS:
        raise MediaError(f"The settings are {len(text)} characters; at most {MAX_CHARS} fit.")
    return text


def embed_settings(path: Path, settings: Mapping[str, Any]) -> None:
    """Write ``settings`` into ``path`` in place (atomically); the picture and sound are
    copied as they are, never re-encoded."""
    comment = settings_comment(settings)
    if path.suffix == ".wav":
        _embed_in_wav(path, comment)
    elif path.suffix in (".mp4", ".m4a", ".mov"):
        _embed_in_mp4(path, comment)
    else:
        raise MediaError(f"Settings cannot be stored in a {path.suffix} file.")


def settings_in(tags: Mapping[str, str]) -> dict[str, Any] | None:
    """The settings a file carries, from its metadata tags; None when it has none of ours.

    A tag is untrusted: one over 64 KB is refused by its size before it is parsed, and
    one that is not JSON (garbled, nested past what the parser takes) reads as none.
    """
    text = next((value for key, value in tags.items() if key.lower() == TAG), None)
    if not text or not isinstance(text, str):
        return None
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > MAX_READ_BYTES:
        raise MediaError(
            f"The settings tag is {size / 1024:.0f} KB; at most {MAX_READ_BYTES // 1024} KB is "
            "read, and this studio writes far less. The file was not made here as it is."
        )
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):  # RecursionError: nesting thousands deep
        return None
    settings = data.get(MARK) if isinstance(data, dict) else None
    return settings if isinstance(settings, dict) else None


def _embed_in_mp4(path: Path, comment: str) -> None:
    with atomic_output(path) as tmp:
        run_ffmpeg(
            [
                *local_input(path),
                *("-map", "0", "-c", "copy", "-map_metadata", "0"),
                *("-metadata", f"{TAG}={comment}", "-movflags", "+faststart"),
                *("-f", "mp4", "-y", f"file:{tmp}"),
            ],
            what=path.name,
        )


def _embed_in_wav(path: Path, comment: str) -> None:
    import soundfile as sf

    with sf.SoundFile(str(path)) as source:
        # Integers stay integers: the copy is bit for bit, whatever the sample format.
        samples = source.read(dtype=WAV_READ_DTYPES.get(source.subtype, "float64"))
        rate, channels, subtype = source.samplerate, source.channels, source.subtype
    with (
        atomic_output(path) as tmp,
        sf.SoundFile(
            str(tmp), "w", samplerate=rate, channels=channels, subtype=subtype, format="WAV"
        ) as out,
    ):
        out.comment = comment
        out.software = "studio"
        out.write(samples)
