"""Child processes get environments built from one allow-list (engines/child_env.py):
the web server's secrets never reach a worker, ffmpeg or the probe child."""

from __future__ import annotations

import re
from pathlib import Path

from engines.child_env import WEB_SECRETS, tool_env, worker_env

ROOT = Path(__file__).resolve().parents[2]
PARENT = {
    "PATH": "/usr/bin",
    "HOME": "/home/studio",
    "LANG": "C.UTF-8",
    "LC_ALL": "C.UTF-8",
    "TMPDIR": "/tmp/studio",
    "PYTHONPATH": "/srv/studio",
    "STUDIO_DATA_DIR": "/var/lib/studio",
    "STUDIO_REDIS_URL": "redis://:pw@gpu-host:6379/0",
    "STUDIO_COOKIE_KEY": "k" * 48,
    "STUDIO_ADMIN_PASSWORD": "root-password",
    "STUDIO_ADMIN_USER": "root",
    "cookie_key": "k" * 48,  # what Streamlit copies from .streamlit/secrets.toml
    "HF_TOKEN": "hf_gated",
    "HF_HUB_OFFLINE": "1",
    "CUDA_VISIBLE_DEVICES": "1",
    "PYTORCH_CUDA_ALLOC_CONF": "expandable_segments:True",
    "OMP_NUM_THREADS": "4",
    "AWS_SECRET_ACCESS_KEY": "aws",
    "GITHUB_TOKEN": "gh",
    "SSH_AUTH_SOCK": "/tmp/ssh-agent",
}


def test_a_worker_gets_settings_and_engine_variables_and_no_secret():
    env = worker_env(PARENT)
    assert set(env) == {
        "PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "PYTHONPATH", "STUDIO_DATA_DIR",
        "STUDIO_REDIS_URL", "HF_TOKEN", "HF_HUB_OFFLINE", "CUDA_VISIBLE_DEVICES",
        "PYTORCH_CUDA_ALLOC_CONF", "OMP_NUM_THREADS",
    }  # fmt: skip
    assert env["STUDIO_DATA_DIR"] == PARENT["STUDIO_DATA_DIR"]


def test_ffmpeg_and_the_probe_child_get_the_basics_only():
    assert set(tool_env(PARENT)) == {"PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "PYTHONPATH"}


def test_every_secret_the_studio_reads_from_the_environment_is_kept_from_children():
    """A new STUDIO_* variable named like a secret must join WEB_SECRETS (or be renamed)."""
    read = set()
    for folder in ("studio", "jobs", "engines"):
        for path in (ROOT / folder).rglob("*.py"):
            read |= set(re.findall(r"\"(STUDIO_[A-Z0-9_]+)\"", path.read_text()))
    secret_like = {name for name in read if re.search(r"KEY|PASSWORD|SECRET|TOKEN", name)}
    assert secret_like, "the scan found none: it looks in the wrong place"
    assert secret_like <= WEB_SECRETS, secret_like - WEB_SECRETS
