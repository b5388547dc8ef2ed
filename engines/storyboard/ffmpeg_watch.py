"""ffmpeg runs that report progress and can be cancelled, for the long storyboard passes.

``engines.media.ffmpeg.run_ffmpeg`` waits for the end; an assembly of minutes of video
must show its progress and stop when asked. ffmpeg writes ``key=value`` progress
blocks to stdout (``-progress pipe:1``); each block ends with ``progress=...``.
"""

from __future__ import annotations

import subprocess
import tempfile
import time
from collections.abc import Callable, Sequence

from engines.child_env import tool_env  # ffmpeg reads untrusted uploads: the basics only
from engines.errors import MediaError
from engines.media.ffmpeg import ffmpeg_exe

ProgressSeconds = Callable[[float], None]  # seconds of output written so far
CancelCheck = Callable[[], None]  # raises (GenerationCancelled) when the run must stop


def run_watched(
    args: Sequence[str],
    *,
    timeout: float,
    what: str,
    on_seconds: ProgressSeconds | None = None,
    check_cancel: CancelCheck | None = None,
    loglevel: str = "error",
) -> str:
    """Run ``ffmpeg <args>``; return its log (stderr). MediaError on failure or timeout,
    or whatever ``check_cancel`` raises (GenerationCancelled), the process killed first."""
    command = [
        ffmpeg_exe(),
        *("-hide_banner", "-nostdin", "-nostats", "-loglevel", loglevel),
        *("-progress", "pipe:1", "-stats_period", "0.25"),
        *args,
    ]
    deadline = time.monotonic() + timeout
    # The log goes to a file: a pipe nobody reads while ffmpeg runs could fill and block it.
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=log, env=tool_env())
        try:
            _follow(process, deadline, what, on_seconds, check_cancel)
        finally:
            if process.poll() is None:
                process.kill()
            process.wait()
            assert process.stdout is not None
            process.stdout.close()
        log.seek(0)
        text = log.read().decode(errors="replace")
    if process.returncode != 0:
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        reason = "; ".join(dict.fromkeys(lines[-3:])) or f"ffmpeg exited with {process.returncode}"
        raise MediaError(f"Could not make {what}: {reason}")
    return text


def _follow(
    process: subprocess.Popen[bytes],
    deadline: float,
    what: str,
    on_seconds: ProgressSeconds | None,
    check_cancel: CancelCheck | None,
) -> None:
    assert process.stdout is not None
    for raw in process.stdout:
        key, _, value = raw.decode(errors="replace").strip().partition("=")
        if key == "out_time_us" and value.lstrip("-").isdigit() and on_seconds is not None:
            on_seconds(max(0, int(value)) / 1_000_000)
        if key == "progress":  # the end of one block: a moment to look at the clock and cancel
            if check_cancel is not None:
                check_cancel()  # a raise kills the process in run_watched's finally
            if time.monotonic() > deadline:
                process.kill()
                raise MediaError(f"Making {what} took too long; it was stopped.")
