"""Running the ffmpeg binary shipped in the imageio-ffmpeg wheel, safely.

Untrusted media is decoded in a child process with a time limit, reading local
files only, so a crafted container can neither hang a worker nor read other files.
"""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from functools import cache

from engines.errors import MediaError

DEFAULT_TIMEOUT_S = 60.0
# Only plain local files (and pipes we open ourselves): no http, no concat lists, no data:.
LOCAL_PROTOCOLS = "file,pipe"


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
        "-protocol_whitelist",
        LOCAL_PROTOCOLS,
        *args,
    ]
    try:
        done = subprocess.run(command, capture_output=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        raise MediaError(f"Decoding {what} took longer than {timeout:g} s; it was stopped.") from None
    if done.returncode != 0:
        reason = done.stderr.decode(errors="replace").strip().splitlines()
        detail = reason[-1] if reason else f"ffmpeg exited with {done.returncode}"
        raise MediaError(f"Could not decode {what}: {detail}")
    return done.stdout
