"""Each process of a running studio holds only the secrets it needs: the cookie key is in
the web server's environment alone; the supervisor (the keeper is its thread), the worker,
the probe child that parses an upload, ffmpeg writing a job's MP4 and every other child
get neither it nor the admin password (engines/child_env.py builds their environments).
Nor a secret from ``~/.streamlit/secrets.toml``, which Streamlit copies into the web
server's ``os.environ`` at its start.

Read the way an attacker holding one of those processes would: /proc/<pid>/environ.
"""

from __future__ import annotations

import stat
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import psutil
import pytest

from engines.media.ffmpeg import ffmpeg_exe
from jobs.catalog.database import catalog_path
from jobs.catalog.records import DONE
from jobs.config import JobsConfig
from jobs.service import JobService
from studio.accounts.tokens import ApiTokens
from tests.fixtures.studio import ADMIN, ADMIN_PASSWORD
from tests.jobs.harness import Spawned, submit_video, wait_for_jobs
from tests.media_factory import make_tone
from tests.reliability.test_studio_restart import START_S, Studio

FILE_SECRET = "from-the-secrets-file-" + "s" * 32


def home_with_streamlit_secrets(home: Path) -> Path:
    """A home folder whose ~/.streamlit/secrets.toml holds a key Streamlit will export."""
    (home / ".streamlit").mkdir(parents=True)
    (home / ".streamlit" / "secrets.toml").write_text(f'cookie_key = "{FILE_SECRET}"\n')
    return home


CLIP = {"prompt": "a lantern in fog", "num_frames": 2, "steps": 2, "height": 64, "width": 64}


def environ_of(pid: int) -> bytes:
    """The environment a process was started with, as the kernel shows it."""
    return Path(f"/proc/{pid}/environ").read_bytes()


def recording_ffmpeg(folder: Path) -> Path:
    """An ffmpeg that first copies its own /proc/<pid>/environ to ``folder``, then runs as
    the real one (exec keeps the pid and the environment)."""
    script = folder / "ffmpeg"
    script.write_text(
        "#!/bin/sh\n"
        f'cat /proc/$$/environ > "{folder}/ffmpeg-$$.environ"\n'
        f'exec "{ffmpeg_exe()}" "$@"\n'
    )
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return script


@pytest.fixture
def api(jobs_config: JobsConfig) -> Iterator[JobService]:
    api = JobService(jobs_config)
    yield api
    api.close()


def test_only_the_web_server_holds_the_cookie_key_and_no_process_the_admin_password(
    jobs_config: JobsConfig, api: JobService, spawn: Callable[..., Spawned], tmp_path: Path
):
    ffmpeg_seen = tmp_path / "ffmpeg-environments"
    ffmpeg_seen.mkdir()
    studio = Studio(spawn, jobs_config)
    studio.env["IMAGEIO_FFMPEG_EXE"] = str(recording_ffmpeg(ffmpeg_seen))
    studio.env["HOME"] = str(home_with_streamlit_secrets(tmp_path / "home"))
    key, password = studio.env["STUDIO_COOKIE_KEY"].encode(), ADMIN_PASSWORD.encode()
    studio.start()
    assert studio.process is not None

    # An upload through the web server (as the admin it made at its start): its probe
    # child parses the file.
    token = ApiTokens(catalog_path(jobs_config.data_dir)).create(ADMIN, "script")
    tone = make_tone(tmp_path / "hum.wav", seconds=1.0).read_bytes()
    answer = httpx.post(
        f"http://127.0.0.1:{studio.port}/api/v1/uploads",
        data={"output_type": "audio"},
        files={"file": ("hum.wav", tone)},
        headers={"Authorization": f"Bearer {token}"},
        timeout=60,
    )
    assert answer.status_code == 201, answer.text
    # A job: the worker runs it and ffmpeg writes its MP4.
    (job,) = wait_for_jobs(api, [submit_video(api, "alice", CLIP)], START_S)
    assert job.status == DONE, job.error

    supervisor = psutil.Process(studio.process.pid)  # `python -m studio` became it
    children = supervisor.children(recursive=True)
    web = [p for p in children if "streamlit" in " ".join(p.cmdline())]
    workers = [p for p in children if "jobs.worker" in p.cmdline()]
    probes = [p for p in children if "engines.media.probe_child" in p.cmdline()]
    assert len(web) == 1 and len(workers) == 1, [p.cmdline() for p in children]
    assert any(p.ppid() == web[0].pid for p in probes), "no probe child of the web server"
    ffmpeg_environments = list(ffmpeg_seen.glob("ffmpeg-*.environ"))
    assert ffmpeg_environments, "the job ran no ffmpeg"

    assert key in environ_of(web[0].pid)  # where it is needed
    for process in [supervisor, *children]:
        if process.pid != web[0].pid:
            assert key not in environ_of(process.pid), process.cmdline()
        assert password not in environ_of(process.pid), process.cmdline()
        assert FILE_SECRET.encode() not in environ_of(process.pid), process.cmdline()
    for path in ffmpeg_environments:
        assert key not in path.read_bytes() and password not in path.read_bytes()
        assert FILE_SECRET.encode() not in path.read_bytes()
