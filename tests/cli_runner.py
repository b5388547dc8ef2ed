"""Running ``python -m engines`` as a user would, against the shared tiny checkpoints."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_engines_cli(
    args: list[str], data_dir: Path, tiny_models_dir: Path, timeout: float = 180
) -> subprocess.CompletedProcess[str]:
    data_dir.mkdir(parents=True, exist_ok=True)
    link = data_dir / "tiny-models"
    if not link.exists():
        link.symlink_to(tiny_models_dir, target_is_directory=True)
    env = {
        **os.environ,
        "STUDIO_MODELS": "tiny",
        "STUDIO_DATA_DIR": str(data_dir),
        "STUDIO_DEVICE": "cpu",
        "HF_HUB_OFFLINE": "1",
    }
    return subprocess.run(
        [sys.executable, "-m", "engines", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def run_studio_cli(
    args: list[str], stdin: str | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """``python -m studio ARGS`` as an admin runs it, in this test's environment (its data
    dir), with ``stdin`` typed in."""
    return subprocess.run(
        [sys.executable, "-m", "studio", *args],
        cwd=ROOT,
        env=dict(os.environ),
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
