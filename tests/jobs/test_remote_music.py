"""A remote worker (its own data dir, only the Redis URL) makes the music issue's three
"done when" tracks: a 3-minute MusicGen track, a 60 s ACE-Step song from lyrics and a
20 s Stable Audio ambience, each back in the studio's catalog with its model's rate and
channels, its length within one codec frame and its settings inside.

The worker's MusicGen is the tiny checkpoint at 10 codec frames a second instead of 50
(the engine reads the rate from its config): the same windows, a fifth of the decoder
steps. At 50 frames a second the tiny 3-minute track is 9030 sequential steps, about
4.5 minutes on the shared 2-core box (tests/engines/test_readme_music_commands.py runs
that one through the CLI); here it is 1830.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from engines.settings import Settings
from engines.tiny import COMPLETE_MARKER
from engines.tiny.music import build_tiny_music
from jobs.catalog.records import DONE
from tests.audio_checks import DONE_WHEN, check_track
from tests.jobs.harness import (
    InProcessStudio,
    RedisServer,
    Spawned,
    make_config,
    process_env,
    submit_one,
    worker_data_dir,
)

WAIT_S = 900.0  # three tracks, one after another, on a shared 2-core box
LYRICS = "[verse]\nRain on the window\nsoft and slow\n[chorus]\nSing it low\n"
# The README's commands for the three tracks, as the page or the API would send them.
PARAMS: dict[str, dict[str, Any]] = {
    "long.wav": {"description": "slow ambient synth", "duration": 180.0},
    "song-with-lyrics.wav": {
        "description": "upbeat pop, bright female vocals", "lyrics": LYRICS, "language": "en",
        "bpm": 120, "key": "C major", "duration": 60.0,
    },
    "rain.wav": {
        "description": "rain on a tin roof, distant thunder", "negative_prompt": "music",
        "duration": 20.0, "steps": 100,
    },
}  # fmt: skip


def fast_tiny_models(root: Path) -> Path:
    """Tiny checkpoints whose MusicGen makes 10 codec frames a second; the rest built on use."""
    folder = root / "musicgen-small"
    build_tiny_music(folder, frames_per_second=10)
    (folder / COMPLETE_MARKER).write_text("tiny random-weight musicgen-small, 10 frames/s\n")
    return root


def test_a_remote_worker_makes_each_done_when_track(
    tiny_settings: Settings,
    redis_server: RedisServer,
    spawn: Callable[..., Spawned],
    tmp_path: Path,
):
    config = make_config(tiny_settings, redis_server.url)
    studio = InProcessStudio(config)
    studio.start_keeper()
    try:
        models = fast_tiny_models(tmp_path / "fast-tiny-models")
        gpu_box = worker_data_dir(tmp_path / "gpu-box", models)
        worker = spawn(["-m", "jobs.worker"], process_env(config, data_dir=gpu_box))
        ids = {
            name: submit_one(studio.api, "alice", track.model, PARAMS[name])
            for name, track in DONE_WHEN.items()
        }
        jobs = dict(zip(ids, studio.wait(ids.values(), WAIT_S), strict=True))

        for name, job in jobs.items():
            assert job.status == DONE, (name, job.error, worker.log()[-2000:])
            assert job.worker and job.worker.endswith(f":{worker.pid}")
            path = studio.api.asset_path(job.asset_id or "", "alice")
            assert path.is_relative_to(config.data_dir)  # written by the studio, not the worker
            settings = check_track(path, DONE_WHEN[name])
            assert settings["params"]["description"] == PARAMS[name]["description"]
        song = studio.api.asset_path(jobs["song-with-lyrics.wav"].asset_id or "", "alice")
        assert check_track(song, DONE_WHEN["song-with-lyrics.wav"])["params"]["lyrics"] == LYRICS
    finally:
        studio.close()
