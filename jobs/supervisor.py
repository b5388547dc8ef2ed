"""Run the job system beside the studio: the keeper, and workers restarted when they die.

    python -m jobs.supervisor                                  # keeper + one worker
    python -m jobs.supervisor -- streamlit run studio/server.py   # ... and the UI; Ctrl-C stops all
    python -m jobs.supervisor --workers 0                      # keeper only (GPUs elsewhere)
    python -m jobs.supervisor --workers 2 --no-keeper          # a GPU box with two GPUs

With several workers, each sees one GPU (CUDA_VISIBLE_DEVICES=<index>). A worker that
dies is started again after a pause that grows while it keeps dying young. (A worker
whose job ignores a cancel replaces its own process, ``jobs.worker.watchdog``.) A command
after ``--`` runs once; when it exits, everything stops.

Workers get an environment built from an allow-list (``engines.child_env.worker_env``):
no login secrets. Variables only the command needs (the web server's cookie key) come on
a pipe (``--command-env-fd``, as ``python -m studio`` passes them), so they are never in
this process's environment nor a worker's.

A worker that exits is seen at once (this loop polls every 0.2 s): its running job goes
back to the head of its owner's turn through the keeper (``Keeper.worker_lost``) rather
than waiting for its heartbeat to go stale.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from types import FrameType

from engines.child_env import worker_env
from jobs.config import JobsConfig
from jobs.keeper.loop import Keeper
from jobs.worker.process import worker_name

log = logging.getLogger(__name__)

MIN_RESTART_DELAY_S = 0.5
MAX_RESTART_DELAY_S = 30.0
HEALTHY_AFTER_S = 30.0  # a worker that lived this long restarts after the shortest pause
STOP_TIMEOUT_S = 15.0  # time for workers to hand back their running job before SIGKILL


def worker_command() -> list[str]:
    return [sys.executable, "-m", "jobs.worker"]


@dataclass
class _Child:
    index: int
    process: subprocess.Popen[bytes] | None = None
    started_at: float = 0.0
    restart_at: float = 0.0
    delay_s: float = MIN_RESTART_DELAY_S
    restarts: int = field(default=0)


class Supervisor:
    """Starts the keeper (a thread) and worker processes, and keeps the workers alive."""

    def __init__(
        self,
        config: JobsConfig | None = None,
        *,
        workers: int = 1,
        keeper: bool = True,
        command: Sequence[str] | None = None,
        env: dict[str, str] | None = None,
        command_env: dict[str, str] | None = None,
    ) -> None:
        self.config = config or JobsConfig.from_env()
        self.env = dict(os.environ if env is None else env)
        self.command = list(command) if command else None
        self.command_env = dict(command_env or {})  # for the command alone (its secrets)
        self.children = [_Child(index) for index in range(workers)]
        self.stopping = threading.Event()
        self._keeper_thread: threading.Thread | None = None
        self.keeper: Keeper | None = None
        if keeper:
            self.keeper = Keeper(self.config)
            self._keeper_thread = threading.Thread(
                target=self.keeper.run, args=(self.stopping,), name="keeper", daemon=True
            )
        self._app: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        if self._keeper_thread is not None:
            self._keeper_thread.start()
        for child in self.children:
            self._spawn(child)
        if self.command:
            log.info("Starting %s", " ".join(self.command))
            self._app = subprocess.Popen(self.command, env={**self.env, **self.command_env})

    def check(self) -> bool:
        """Restart dead workers; False once the command after ``--`` has exited."""
        now = time.monotonic()
        for child in self.children:
            process = child.process
            if process is not None and process.poll() is not None:
                lived = now - child.started_at
                if lived >= HEALTHY_AFTER_S:
                    child.delay_s = MIN_RESTART_DELAY_S
                child.restart_at = now + child.delay_s
                # Dying young again waits twice as long, so a broken setup does not spin.
                child.delay_s = min(child.delay_s * 2, MAX_RESTART_DELAY_S)
                child.process = None
                log.warning(
                    "Worker %d (pid %d) exited with %s after %.0f s; restarting in %.1f s.",
                    child.index,
                    process.pid,
                    process.returncode,
                    lived,
                    child.restart_at - now,
                )
                if self.keeper is not None and not self.stopping.is_set():
                    self.keeper.worker_lost(worker_name(process.pid))
            if child.process is None and now >= child.restart_at and not self.stopping.is_set():
                child.restarts += 1
                self._spawn(child)
        return self._app is None or self._app.poll() is None

    def run(self) -> int:
        self.start()
        try:
            while not self.stopping.is_set():
                if not self.check():
                    log.info("The command exited; stopping the workers.")
                    break
                self.stopping.wait(0.2)
        finally:
            log.info("Stopping the workers and the command.")
            self.stop()
        return self._app.returncode if self._app is not None and self._app.returncode else 0

    def stop(self) -> None:
        """SIGTERM every child (workers hand back their job), SIGKILL the slow ones."""
        self.stopping.set()
        processes = [child.process for child in self.children if child.process is not None]
        if self._app is not None and self._app.poll() is None:
            processes.append(self._app)
        for process in processes:
            if process.poll() is None:
                process.terminate()
        deadline = time.monotonic() + STOP_TIMEOUT_S
        for process in processes:
            try:
                process.wait(max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                log.warning("pid %d did not stop in time; killing it.", process.pid)
                process.kill()
                process.wait()
        if self._keeper_thread is not None and self._keeper_thread.is_alive():
            self._keeper_thread.join(timeout=5)

    def _spawn(self, child: _Child) -> None:
        env = worker_env(self.env)  # an allow-list: no login secrets in a worker
        if len(self.children) > 1 and "CUDA_VISIBLE_DEVICES" not in self.env:
            env["CUDA_VISIBLE_DEVICES"] = str(child.index)
        child.process = subprocess.Popen(worker_command(), env=env)
        child.started_at = time.monotonic()
        log.info("Started worker %d (pid %d).", child.index, child.process.pid)


def read_command_env(fd: int) -> dict[str, str]:
    """The command's own variables, read once from a pipe and closed (never in os.environ)."""
    with os.fdopen(fd, "rb") as pipe:
        values = json.loads(pipe.read() or b"{}")
    if not isinstance(values, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in values.items()
    ):
        raise SystemExit("--command-env-fd must carry a JSON object of strings.")
    return values


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m jobs.supervisor",
        description="Run the keeper and GPU workers (restarted when they die) beside the studio.",
    )
    parser.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")
    parser.add_argument(
        "--no-keeper", action="store_true", help="run workers only (the catalog is elsewhere)"
    )
    parser.add_argument(
        "--command-env-fd",
        type=int,
        help="read a JSON object of variables for the command alone from this file descriptor",
    )
    parser.add_argument("command", nargs=argparse.REMAINDER, help="-- a command to run beside")
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if args.workers < 0:
        parser.error("--workers must be 0 or more")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    command_env = read_command_env(args.command_env_fd) if args.command_env_fd else None
    supervisor = Supervisor(
        workers=args.workers, keeper=not args.no_keeper, command=command, command_env=command_env
    )

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        # Only set a flag: logging here could re-enter a write the signal interrupted.
        supervisor.stopping.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    return supervisor.run()


if __name__ == "__main__":
    raise SystemExit(main())
