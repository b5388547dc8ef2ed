"""The GPU worker: ``python -m jobs.worker``, one process per GPU, one job at a time.

It owns one EngineRegistry (so at most one model is on the device) and takes jobs
from the queue with Huey's own worker loop. It never opens the catalog: it claims a
delivery, reports progress and heartbeats, and sends the result and its file through
the queue backend, so the same command works on another machine with only Redis:

    STUDIO_REDIS_URL=redis://studio-host:6379/0 STUDIO_DATA_DIR=/var/lib/studio-worker \\
        python -m jobs.worker

SIGTERM or Ctrl-C stops it: a running job is handed back to the queue at its next step.
A job that does not stop within 10 s of a cancel (a step that never returns) is answered,
and the process replaces itself with a fresh one (``os.execve``: the same command and pid,
an allow-listed environment, ``engines.child_env``),
so neither the supervisor's workers nor a remote one stay stuck or disappear.

This module is the command line; the worker itself is ``jobs.worker.process.JobWorker``.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from types import FrameType

from engines.child_env import worker_env
from jobs.config import JobsConfig
from jobs.worker.process import JobWorker

log = logging.getLogger(__name__)


def build_config(args: argparse.Namespace) -> JobsConfig:
    config = JobsConfig.from_env()
    if args.data_dir:
        config = config.with_changes(settings=replace(config.settings, data_dir=args.data_dir))
    if args.redis_url:
        config = config.with_changes(redis_url=args.redis_url)
    return config


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m jobs.worker",
        description="Run studio jobs from the queue, one at a time, on this machine's GPU.",
    )
    parser.add_argument("--data-dir", type=Path, help="default: STUDIO_DATA_DIR or ./data")
    parser.add_argument("--redis-url", help="default: STUDIO_REDIS_URL (unset: embedded queue)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    command = [sys.executable, "-m", "jobs.worker", *(sys.argv[1:] if argv is None else argv)]
    worker = JobWorker(build_config(args), restart=lambda stopping: start_afresh(command, stopping))

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        # Only set a flag: logging here could re-enter a write the signal interrupted.
        if worker.stopping.is_set():
            raise SystemExit(1)  # a second signal: stop now
        worker.stop()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    worker.serve()
    return 0


def start_afresh(command: list[str], stopping: bool) -> None:
    """Replace this process with ``command`` (or end it while stopping): every thread, the
    stuck one too, and every open file and device handle goes with the old image."""
    if stopping:
        os._exit(0)
    os.closerange(3, os.sysconf("SC_OPEN_MAX"))  # a driver's handles not marked close-on-exec
    # The allow-list again: a worker started by hand with a secret in its shell drops it here.
    os.execve(command[0], command, worker_env())


if __name__ == "__main__":
    raise SystemExit(main())
