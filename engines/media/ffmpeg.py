"""Running the ffmpeg binary shipped in the imageio-ffmpeg wheel, safely.

Untrusted media is decoded in a child process with a time limit, reading local
files only, so a crafted container can neither hang a worker nor read other files.
"""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from functools import cache
from pathlib import Path

from engines.child_env import tool_env
from engines.errors import MediaError

DEFAULT_TIMEOUT_S = 60.0
# Inputs are plain local files only: no http, no data:, no pipes a file name could spell.
LOCAL_ONLY = "file"
# Demuxers a studio input may use. Left out on purpose: hls and concat (lists that open
# other files), image2 (file-name patterns), and every network or device input.
ALLOWED_DEMUXERS = "mov,mp4,matroska,webm,avi,wav,mp3,flac,ogg,aac,aiff"


@cache
def ffmpeg_exe() -> str:
    import imageio_ffmpeg

    return str(imageio_ffmpeg.get_ffmpeg_exe())


def run_ffmpeg(
    args: Sequence[str],
    *,
    timeout: float = DEFAULT_TIMEOUT_S,
    what: str = "the file",
) -> bytes:
    """Run ``ffmpeg <args>`` and return its stdout; raise MediaError with its reason."""
    command = [
        ffmpeg_exe(),
        "-hide_banner",
        "-nostdin",
        "-loglevel",
        "error",
        *args,
    ]
    try:
        # ffmpeg reads untrusted files: it gets no settings and no secrets (engines.child_env).
        done = subprocess.run(
            command, capture_output=True, timeout=timeout, check=False, env=tool_env()
        )
    except subprocess.TimeoutExpired:
        raise MediaError(
            f"Decoding {what} took longer than {timeout:g} s; it was stopped."
        ) from None
    if done.returncode != 0:
        raise MediaError(f"Could not decode {what}: {_reason(done.stderr, done.returncode)}")
    return done.stdout


def local_input(path: str | Path, *, loop: bool = False) -> list[str]:
    """``-i`` for one local file, with the whitelists ffmpeg applies to that input only.

    ffmpeg input options bind to the next ``-i``, so every input needs its own; and the
    ``file:`` prefix keeps a name like ``pipe:0`` or ``data:...`` a plain file name.
    """
    safety = ["-protocol_whitelist", LOCAL_ONLY, "-format_whitelist", ALLOWED_DEMUXERS]
    return [*(["-stream_loop", "-1"] if loop else []), *safety, "-i", f"file:{path}"]


def _reason(stderr: bytes, returncode: int) -> str:
    """ffmpeg's first error lines say what went wrong; its last line is generic."""
    lines = [line.strip() for line in stderr.decode(errors="replace").splitlines() if line.strip()]
    return "; ".join(dict.fromkeys(lines[:2])) if lines else f"ffmpeg exited with {returncode}"
