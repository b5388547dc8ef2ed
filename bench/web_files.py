"""``/files`` against Starlette's own ``FileResponse``: throughput and the server's memory.

One uvicorn server process serves the web layer (``studio.web``: the guard, the
login route, ``/files``) and, beside it, a bare ``FileResponse`` of the same file at
``/static/bench-plain`` (a public path: no login, no catalog look-up). This process
logs in, then per repeat downloads the 50 MB file once each way, in turn, and takes
the throughput ratio pair by pair. Then 4 clients download it from ``/files`` at once
while the server's resident memory is sampled every 20 ms.

Targets: throughput ratio at least 0.9; the server's memory within 20 MB of its
resting size while the 4 downloads run.

    python -m bench.web_files [--quick]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from bench.measure import paired_ratios, summarize

REPO = Path(__file__).resolve().parents[1]
FILE_MB = 50
CLIENTS = 4
TARGET_RATIO = 0.9
TARGET_MEMORY_MB = 20.0
KEY = "bench-web-files-key-" + "k" * 32
USER, PASSWORD = "bench", "bench-password-1"
CHUNK = 1 << 20


def run(quick: bool = False) -> dict[str, Any]:
    import httpx

    repeats = 3 if quick else 7
    with tempfile.TemporaryDirectory(prefix="bench-web-files-") as tmp:
        data = Path(tmp) / "data"
        asset_id = _prepare(data)
        port = _free_port()
        server = _serve(data, port)
        try:
            base = f"http://127.0.0.1:{port}"
            _wait_up(base, server)
            cookies = _log_in(base)
            ours_url, plain_url = f"{base}/files/{asset_id}", f"{base}/static/bench-plain"
            ours: list[float] = []
            plain: list[float] = []
            with httpx.Client(cookies=cookies, timeout=120) as client:
                _download(client, ours_url)  # warm the page cache and the catalog
                for _ in range(repeats):
                    ours.append(_throughput(client, ours_url))
                    plain.append(_throughput(client, plain_url))
            memory = _memory_during_downloads(server.pid, cookies, ours_url)
        finally:
            server.terminate()
            server.wait(30)
    ratio = paired_ratios(ours, plain)
    report = {
        "file_mb": FILE_MB,
        "repeats": repeats,
        "files_mb_s": summarize(ours).to_dict(),
        "file_response_mb_s": summarize(plain).to_dict(),
        "throughput_ratio": ratio.to_dict(),
        "memory": memory,
    }
    report["targets_met"] = ratio.median >= TARGET_RATIO and memory["growth_mb"] <= TARGET_MEMORY_MB
    return report


def _prepare(data: Path) -> str:
    """A data dir with one account and one 50 MB file of theirs; returns the asset id."""
    os.environ["STUDIO_DATA_DIR"] = str(data)
    from jobs.service import JobService
    from studio.accounts.store import AccountStore

    AccountStore(data / "catalog.sqlite3").add(USER, PASSWORD)
    api = JobService()
    asset = api.import_file(USER, os.urandom(FILE_MB << 20), ".mp4")
    (data / "plain.mp4").hardlink_to(api.asset_path(asset.id, USER))
    api.close()
    return asset.id


def _serve(data: Path, port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "STUDIO_DATA_DIR": str(data), "STUDIO_COOKIE_KEY": KEY}
    env["PYTHONPATH"] = str(REPO)
    command = [sys.executable, "-m", "bench.web_files", "--serve", str(data), str(port)]
    return subprocess.Popen(command, env=env, cwd=REPO)


def serve(data: Path, port: int) -> None:
    """The server side: the web layer plus a bare FileResponse, under uvicorn."""
    import uvicorn
    from starlette.applications import Starlette
    from starlette.responses import FileResponse
    from starlette.routing import Route

    from jobs.service import JobService
    from studio.services import WebConfig
    from studio.web import web_middleware, web_routes

    config = WebConfig(data, KEY, lifetime_s=3600)

    async def plain(_request: Any) -> FileResponse:
        return FileResponse(data / "plain.mp4", media_type="video/mp4")

    routes = [*web_routes(config, JobService()), Route("/static/bench-plain", plain)]
    app = Starlette(routes=routes, middleware=web_middleware(config))
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


def _log_in(base: str) -> dict[str, str]:
    import httpx

    answer = httpx.post(
        f"{base}/auth/login",
        data={"username": USER, "password": PASSWORD},
        headers={"Origin": base},
    )
    if answer.status_code != 303:
        raise RuntimeError(f"login failed: {answer.status_code} {answer.text[:200]}")
    return dict(answer.cookies)


def _download(client: Any, url: str) -> int:
    size = 0
    with client.stream("GET", url) as answer:
        if answer.status_code != 200:
            raise RuntimeError(f"{url}: {answer.status_code}")
        for chunk in answer.iter_raw(CHUNK):
            size += len(chunk)
    if size != FILE_MB << 20:
        raise RuntimeError(f"{url}: {size} bytes, expected {FILE_MB << 20}")
    return size


def _throughput(client: Any, url: str) -> float:
    started = time.perf_counter()
    size = _download(client, url)
    return size / (1 << 20) / (time.perf_counter() - started)


def _memory_during_downloads(pid: int, cookies: dict[str, str], url: str) -> dict[str, Any]:
    import httpx

    resting = _rss_mb(pid)
    samples: list[float] = []
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            samples.append(_rss_mb(pid))
            time.sleep(0.02)

    def client() -> None:
        with httpx.Client(cookies=cookies, timeout=300) as one:
            _download(one, url)

    sampler = threading.Thread(target=sample)
    sampler.start()
    clients = [threading.Thread(target=client) for _ in range(CLIENTS)]
    started = time.perf_counter()
    for thread in clients:
        thread.start()
    for thread in clients:
        thread.join()
    seconds = time.perf_counter() - started
    done.set()
    sampler.join()
    peak = max(samples, default=resting)
    return {
        "clients": CLIENTS,
        "resting_mb": round(resting, 1),
        "peak_mb": round(peak, 1),
        "growth_mb": round(peak - resting, 1),
        "samples": len(samples),
        "seconds": round(seconds, 2),
    }


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_up(base: str, server: subprocess.Popen[bytes]) -> None:
    import httpx

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError("the bench server exited")
        try:
            httpx.get(f"{base}/auth/login", timeout=2)
            return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise RuntimeError("the bench server did not answer")


def markdown(report: dict[str, Any]) -> str:
    ours, plain = report["files_mb_s"], report["file_response_mb_s"]
    ratio, memory = report["throughput_ratio"], report["memory"]
    return "\n".join(
        [
            f"`/files` (login check, ownership, FileResponse) against a bare `FileResponse`, "
            f"one {report['file_mb']} MB file, {report['repeats']} interleaved repeats:",
            "",
            "| way | throughput (MB/s) |",
            "|---|---:|",
            f"| `/files/<id>` | {ours['median']:.0f} ± {ours['spread']:.0f} |",
            f"| `FileResponse` | {plain['median']:.0f} ± {plain['spread']:.0f} |",
            f"| ratio, pair by pair | {ratio['median']:.2f} ± {ratio['spread']:.2f} |",
            "",
            f"{memory['clients']} clients downloading it from `/files` at once "
            f"({memory['seconds']} s): server RSS {memory['resting_mb']} MB at rest, "
            f"{memory['peak_mb']} MB at most ({memory['growth_mb']:+} MB).",
            "",
            f"Targets: ratio at least {TARGET_RATIO}, memory within {TARGET_MEMORY_MB:.0f} MB; "
            f"met: {report['targets_met']}.",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.web_files")
    parser.add_argument("--quick", action="store_true", help="3 repeats instead of 7")
    parser.add_argument("--serve", nargs=2, metavar=("DATA", "PORT"), help=argparse.SUPPRESS)
    parser.add_argument("--json", action="store_true", help="print the raw report as JSON too")
    args = parser.parse_args(argv)
    if args.serve:
        serve(Path(args.serve[0]), int(args.serve[1]))
        return 0
    report = run(quick=args.quick)
    print(markdown(report))
    if args.json:
        print(json.dumps(report, indent=2))
    return 0 if report["targets_met"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
