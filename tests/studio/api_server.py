"""A running studio web server for API tests: our routes and middleware served by uvicorn
on a free loopback port, in a thread, over this test's data dir."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import uvicorn

from jobs.service import JobService
from studio.services import WebConfig
from tests.fixtures.studio import web_app, web_config
from tests.jobs.harness import free_port


@dataclass
class RunningStudio:
    url: str
    config: WebConfig
    api: JobService

    def token(self, username: str, name: str = "script") -> str:
        return self.config.tokens.create(username, name)


@contextmanager
def running_studio(data_dir: Path) -> Iterator[RunningStudio]:
    config, api = web_config(data_dir), JobService()
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(web_app(config, api), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, name="studio-web", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the studio's web server did not start")
        time.sleep(0.02)
    try:
        yield RunningStudio(f"http://127.0.0.1:{port}", config, api)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        api.close()
