"""The README's API example, run as a user runs it: a separate Python process talking
HTTP to a running studio with a live worker on tiny models."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.jobs.harness import InProcessStudio
from tests.studio.api_server import running_studio

README = Path(__file__).resolve().parents[2] / "README.md"
TINY = '{"prompt": "a red fox running through snow", "num_frames": 2, "steps": 2, "height": 64, "width": 64, "seed": 7}'  # noqa: E501


def readme_example() -> str:
    found = re.search(r"<!-- api-example -->\n```python\n(.*?)```", README.read_text(), re.S)
    assert found, "README.md lost its API example"
    return found.group(1)


@pytest.mark.slow  # the README's script in a process of its own, against a running studio
def test_the_readme_example_submits_waits_and_downloads(
    studio_data: Path, live_jobs: InProcessStudio, tmp_path: Path
):
    code = readme_example()
    assert code.count("PARAMS = {") == 1
    # The same code; only the clip's size shrinks, so a tiny model makes it in seconds.
    code = re.sub(r"^PARAMS = \{.*\}$", f"PARAMS = {TINY}", code, flags=re.M)
    with running_studio(studio_data) as studio:
        env = {**os.environ, "STUDIO_URL": studio.url, "STUDIO_TOKEN": studio.token("ana")}
        done = subprocess.run(
            [sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True,
            timeout=180,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        progress = r"^(queued: #1|Starting|Loading the model|Denoising: step \d of 2|Decoding)"
        assert re.search(progress, done.stdout, re.M), done.stdout  # progress, in words
        assert "step 0/0" not in done.stdout
        assert done.stdout.strip().endswith("saved fox.mp4")
        (asset,) = studio.api.assets("ana")
        saved = (tmp_path / "fox.mp4").read_bytes()
        assert saved == studio.api.asset_path(asset.id, "ana").read_bytes()
        assert asset.params["seed"] == 7
