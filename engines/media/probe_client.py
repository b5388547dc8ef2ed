"""The parent's side of probing: it asks the PyAV child (engines.media.probe_child) and
kills it when an answer is late.

Probes go to one long-lived helper child (importing PyAV costs about 0.1 s, as much as
muxing a 30 s clip); decode checks of uploads get a fresh child each.
"""

from __future__ import annotations

import atexit
import json
import os
import select
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from engines.child_env import tool_env
from engines.errors import MediaError

# Started with ``python -m`` from the project root, so no installed package is needed.
CHILD_MODULE = "engines.media.probe_child"
_PROJECT_ROOT = Path(__file__).resolve().parents[2]


def explain_open_error(kind: str, detail: str, label: str) -> str:
    if kind == "unknown_format":
        return (
            f"{label} is not a video or audio file that can be read: its content matches no "
            "known format, whatever its name says."
        )
    if kind == "damaged_mp4":
        return (
            f"{label} starts like an MP4 but cannot be read: it is cut off or damaged "
            "(its index is missing). Upload the complete file."
        )
    if kind == "refused_format":
        return (
            f"{label} uses a container that is not accepted here (playlists, file lists and "
            "image sequences are refused because they read other files). "
            "Upload MP4, MOV, MKV, WebM, WAV, MP3, FLAC, OGG or M4A."
        )
    if kind == "truncated":
        return f"{label} is cut off or damaged: {detail}. Upload the complete file."
    if kind == "no_decode":
        return f"{label} does not decode: {detail}. The file is damaged or uses an unknown codec."
    return f"{label} could not be read ({detail}); the file is damaged or not media."


def timeout_message(what: str, timeout: float) -> str:
    return (
        f"Reading {what} took longer than {timeout:g} s and was stopped; the file may be "
        "damaged or made to stall decoding."
    )


def run_child(mode: str, args: list[str], timeout: float, what: str) -> None:
    """Run ``python -m CHILD_MODULE MODE ARGS`` once; raise MediaError with its answer."""
    command = [sys.executable, "-m", CHILD_MODULE, mode, *args]
    try:
        done = subprocess.run(
            command,
            capture_output=True,
            timeout=timeout,
            cwd=_PROJECT_ROOT,
            check=False,
            env=tool_env(),  # it parses untrusted uploads: no settings, no secrets
        )
    except subprocess.TimeoutExpired:
        raise MediaError(timeout_message(what, timeout)) from None
    if done.returncode != 0:
        lines = done.stderr.decode(errors="replace").strip().splitlines()
        raise MediaError(f"Reading {what} failed: {lines[-1] if lines else done.returncode}.")
    for answer in json.loads(done.stdout):
        if "error" in answer:
            raise MediaError(explain_open_error(answer["error"], answer["detail"], what))


# PyAV in a child rather than ffmpeg's console text: exact per-stream lengths, and killable.
class ProbeHelper:
    """One long-lived child answering probe requests, one JSON line in, one line out.

    A request that misses its deadline, or a helper that dies, gets the helper killed;
    the next request starts a fresh one. A forked process starts its own helper.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._process: subprocess.Popen[bytes] | None = None
        self._owner_pid = 0

    def ask(self, request: list[str], timeout: float, what: str) -> list[dict[str, Any]]:
        with self._lock:
            deadline = time.monotonic() + timeout
            process = self._running()
            try:
                assert process.stdin is not None and process.stdout is not None
                process.stdin.write(json.dumps(request).encode() + b"\n")
                process.stdin.flush()
                line = read_line(process.stdout.fileno(), deadline)
            except TimeoutError:
                self.stop()
                raise MediaError(timeout_message(what, timeout)) from None
            except BrokenPipeError:
                line = b""
            if not line:
                self.stop()
                raise MediaError(f"Reading {what} failed: the probing process stopped.")
            answers: list[dict[str, Any]] = json.loads(line)
            return answers

    def stop(self) -> None:
        if self._process is not None and self._owner_pid == os.getpid():
            self._process.kill()
            self._process.wait()
        self._process = None

    def _running(self) -> subprocess.Popen[bytes]:
        process = self._process
        if process is None or process.poll() is not None or self._owner_pid != os.getpid():
            process = subprocess.Popen(
                [sys.executable, "-m", CHILD_MODULE, "serve"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,  # a full stderr pipe would stall the helper
                cwd=_PROJECT_ROOT,
                env=tool_env(),  # it parses untrusted uploads: no settings, no secrets
            )
            self._process, self._owner_pid = process, os.getpid()
        return process


def read_line(fd: int, deadline: float) -> bytes:
    """Bytes up to a newline from ``fd``; b"" at end of file; TimeoutError at the deadline."""
    chunks: list[bytes] = []
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0 or not select.select([fd], [], [], remaining)[0]:
            raise TimeoutError
        chunk = os.read(fd, 1 << 16)
        if not chunk:
            return b""
        chunks.append(chunk)
        if chunk.endswith(b"\n"):
            return b"".join(chunks)


PROBE_HELPER = ProbeHelper()
atexit.register(PROBE_HELPER.stop)
