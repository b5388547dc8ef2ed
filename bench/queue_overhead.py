"""The job system's own cost: time from submit to result, minus the engine's own time.

What ``make run`` starts runs for real: the supervisor process (keeper + one worker
process with the tiny video model); this process submits through ``jobs.service`` and
polls the catalog, as a page does. Per backend (embedded SQLite; Redis when
redis-server is on PATH or --redis-url is given):

1. one warm-up job (the worker loads the model), not counted;
2. 20 tiny jobs one after another: overhead = (catalog shows done) - (submit called)
   - (the worker's time inside the engine); median, p90 and max;
3. one longer job (100 steps), the catalog polled every 10 ms: the longest gap between
   progress updates seen there while it ran.

Targets: median overhead under 0.25 s; progress visible in the catalog at least every 0.5 s.

    python -m bench.queue_overhead [--quick] [--redis-url redis://host:6379/0]
"""

from __future__ import annotations

import argparse
import itertools
import json
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from engines.settings import Settings
from jobs.catalog.records import DONE, RUNNING
from jobs.config import JobsConfig
from jobs.service import JobService
from tests.jobs.harness import RedisServer, process_env

REPO = Path(__file__).resolve().parents[1]
TARGET_OVERHEAD_S = 0.25
TARGET_PROGRESS_GAP_S = 0.5
MODEL = "modelscope-t2v-1.7b"  # the tiny checkpoint of the default video model
TINY_JOB = {"prompt": "a bench mark", "num_frames": 1, "steps": 2, "height": 64, "width": 64}
PROGRESS_JOB = {"prompt": "a longer one", "num_frames": 4, "steps": 100, "height": 64, "width": 64}
POLL_S = 0.005  # how often this "page" looks at the catalog for the result
PROGRESS_POLL_S = 0.01


def run(quick: bool = False, redis_url: str | None = None) -> dict[str, Any]:
    jobs = 5 if quick else 20
    report: dict[str, Any] = {"jobs": jobs, "backends": {}}
    with tempfile.TemporaryDirectory(prefix="bench-queue-") as tmp:
        root = Path(tmp)
        tiny_models = _build_tiny_video(root / "tiny-models")
        report["backends"]["sqlite"] = _measure_backend(root / "sqlite", tiny_models, None, jobs)
        redis_server, redis_exe = None, shutil.which("redis-server")
        if redis_url is None and redis_exe is not None:
            redis_server = RedisServer(redis_exe, root / "redis")  # the tests' own harness
            redis_server.start()
            redis_url = redis_server.url
        try:
            if redis_url is not None:
                report["backends"]["redis"] = _measure_backend(
                    root / "redis-data", tiny_models, redis_url, jobs
                )
            else:
                report["backends"]["redis"] = {"error": "redis-server is not on PATH"}
        finally:
            if redis_server is not None:
                redis_server.stop()
    measured = [b for b in report["backends"].values() if "error" not in b]
    report["targets"] = {"overhead_s": TARGET_OVERHEAD_S, "progress_gap_s": TARGET_PROGRESS_GAP_S}
    report["targets_met"] = bool(measured) and all(
        b["overhead_s"]["median"] < TARGET_OVERHEAD_S
        and b["progress"]["max_gap_s"] <= TARGET_PROGRESS_GAP_S
        for b in measured
    )
    return report


def _measure_backend(
    data_dir: Path, tiny_models: Path, redis_url: str | None, jobs: int
) -> dict[str, Any]:
    data_dir.mkdir(parents=True)
    (data_dir / "tiny-models").symlink_to(tiny_models, target_is_directory=True)
    config = JobsConfig(
        settings=Settings(data_dir=data_dir, tiny=True, device="cpu"),
        redis_url=redis_url,
        queue_name=f"bench{uuid.uuid4().hex[:8]}",
    )
    supervisor = subprocess.Popen(
        [sys.executable, "-m", "jobs.supervisor", "--workers", "1"],
        env=process_env(config),
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=(data_dir / "supervisor.log").open("wb"),
    )
    api = JobService(config)
    try:
        # 1. Warm-up: starts the worker's engines.
        _run_job(api, TINY_JOB, timeout=300)
        # 2. Tiny jobs one after another.
        overheads, engine = [], []
        for _ in range(jobs):
            wall, job = _run_job(api, TINY_JOB)
            engine.append(job["engine_s"])
            overheads.append(wall - job["engine_s"])
        # 3. Progress visibility on a longer job.
        progress = _progress_gaps(api)
    finally:
        api.close()
        supervisor.send_signal(signal.SIGTERM)
        supervisor.wait(60)
    return {
        "overhead_s": _summary(overheads),
        "engine_s": _summary(engine),
        "progress": progress,
    }


def _run_job(api: JobService, params: dict[str, Any], timeout: float = 60) -> tuple[float, Any]:
    started = time.perf_counter()
    (job_id,) = api.submit("bench", MODEL, params)
    deadline = started + timeout
    while True:
        job = api.get(job_id)
        assert job is not None
        if not job.active:
            wall = time.perf_counter() - started
            if job.status != DONE:
                raise RuntimeError(f"bench job {job.status}: {job.error}")
            return wall, {"engine_s": job.engine_s or 0.0}
        if time.perf_counter() > deadline:
            raise RuntimeError(f"bench job still {job.status} after {timeout} s")
        time.sleep(POLL_S)


def _progress_gaps(api: JobService) -> dict[str, Any]:
    (job_id,) = api.submit("bench", MODEL, PROGRESS_JOB)
    updates: list[float] = []  # when the catalog showed new progress, on this clock
    last: tuple[int, float | None] | None = None
    while True:
        job = api.get(job_id)
        assert job is not None
        now = time.perf_counter()
        if job.status == RUNNING and job.step > 0 and (job.step, job.progress_at) != last:
            last = (job.step, job.progress_at)
            updates.append(now)
        if not job.active:
            break
        time.sleep(PROGRESS_POLL_S)
    gaps = [b - a for a, b in itertools.pairwise(updates)]
    return {
        "steps": PROGRESS_JOB["steps"],
        "updates_seen": len(updates),
        "run_s": round(updates[-1] - updates[0], 3) if updates else None,
        "max_gap_s": round(max(gaps), 3) if gaps else None,
        "median_gap_s": round(statistics.median(gaps), 3) if gaps else None,
    }


def _summary(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {
        "median": round(statistics.median(ordered), 4),
        "p90": round(ordered[int(0.9 * (len(ordered) - 1))], 4),
        "max": round(ordered[-1], 4),
    }


def _build_tiny_video(folder: Path) -> Path:
    from engines.tiny import ensure_tiny_checkpoint

    ensure_tiny_checkpoint("modelscope-t2v-1.7b", folder)
    return folder


def markdown(report: dict[str, Any]) -> str:
    lines = [
        f"Queue overhead of a tiny job (submit -> done in the catalog, minus the engine's "
        f"own time), {report['jobs']} jobs one after another, after a warm-up job:",
        "",
        "| backend | overhead median | p90 | max | engine median | progress max gap |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, backend in report["backends"].items():
        if "error" in backend:
            lines.append(f"| {name} | {backend['error']} | | | | |")
            continue
        over, engine, progress = backend["overhead_s"], backend["engine_s"], backend["progress"]
        lines.append(
            f"| {name} | {over['median']:.3f} s | {over['p90']:.3f} s | {over['max']:.3f} s "
            f"| {engine['median']:.3f} s | {progress['max_gap_s']} s "
            f"({progress['updates_seen']} updates) |"
        )
    lines += [
        "",
        f"Targets: median overhead under {TARGET_OVERHEAD_S} s, progress at least every "
        f"{TARGET_PROGRESS_GAP_S} s; met: {report['targets_met']}.",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.queue_overhead")
    parser.add_argument("--quick", action="store_true", help="5 jobs instead of 20")
    parser.add_argument("--redis-url", help="measure against this Redis instead of a local one")
    parser.add_argument("--json", action="store_true", help="print the raw report as JSON too")
    args = parser.parse_args(argv)
    report = run(quick=args.quick, redis_url=args.redis_url)
    print(markdown(report))
    if args.json:
        print(json.dumps(report, indent=2))
    return 0 if report["targets_met"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
