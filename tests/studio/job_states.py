"""Jobs in every state a person meets, made as the studio makes them: submitted through
the page API (or the HTTP API), then moved by the catalog's own transitions, with real
files for the finished ones. With no keeper or worker running, each state holds.

    states = JobStates(api, data_dir, media_dir)
    ids = states.make("ana", "running")   # the ids of the jobs that state needs
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from starlette.testclient import TestClient

from engines.catalog import AUDIO, CATALOG, DEFAULTS, VIDEO
from jobs.assets import (
    preview_pictures,
    relative_asset_path,
    relative_preview_path,
    write_asset,
)
from jobs.catalog.records import Job
from jobs.kinds import job_kind
from jobs.service import JobService
from studio.services import WebConfig
from tests.fixtures.studio import web_app
from tests.media_factory import make_h264_clip, make_tone

VIDEO_MODEL, MUSIC_MODEL = DEFAULTS[VIDEO], DEFAULTS[AUDIO]
FAILURE = "The model ran out of GPU memory: try fewer frames or a smaller size."
PROMPTS = {"video": "a lighthouse in a storm", "music": "slow ambient pads"}


@dataclass(frozen=True)
class State:
    """One state a person meets: which page's "Your latest" shows it, and in what words."""

    name: str
    page: str  # the page whose form made it: "video", "music" or "combine"
    shows: tuple[str, ...]  # text on that page, each a part of some element's text


STATES = {
    s.name: s
    for s in (
        State("queued", "video", ("Queued: ", "in the queue")),
        State("running", "video", ("step 3 of 8",)),
        State("cancelling", "video", ("Cancelling…",)),
        State("done", "video", ("Download",)),
        State("failed", "video", ("Video job failed", FAILURE)),
        State("cancelled", "video", ("Cancelled", "was cancelled")),
        State("variations-done", "video", ("Variations", "Seed 7", "Seed 9")),
        State("variations-part-done", "music", ("Variations", "Seed 7", "Running · step 2")),
        State("variations-mixed", "video", ("Seed 7", "Video job failed", "was cancelled")),
        State("restarted", "video", ("The worker stopped; restarting from the beginning",)),
        State("file-deleted", "music", ("its file has since been deleted",)),
        State("from-the-api", "video", ("Download",)),
        State("retired-model", "video", ("Download", "retired-t2v")),
        State("melody", "music", ("Download",)),
        State("combine", "combine", ("Your latest combines", "Download")),
        State("score", "combine", ("Your latest scores", "step 1 of 4")),
    )
}


class Media:
    """One short clip and one tone, with their preview pictures, made once and copied."""

    def __init__(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        clip = make_h264_clip(folder / "clip.mp4", seconds=1.0, size=(64, 64))
        tone = make_tone(folder / "tone.wav", seconds=1.0)
        self.files = {"video": clip.read_bytes(), "audio": tone.read_bytes()}
        self.previews = {
            "video": preview_pictures(clip, folder / "video-previews"),
            "audio": preview_pictures(tone, folder / "audio-previews"),
        }


class JobStates:
    def __init__(self, api: JobService, data_dir: Path, media: Media) -> None:
        self.api = api
        self.catalog = api.catalog
        self.data_dir = data_dir
        self.media = media

    def make(self, owner: str, state: str) -> list[str]:
        """Jobs of ``owner`` in ``state`` (a key of STATES); their ids, oldest first."""
        return getattr(self, "_" + state.replace("-", "_"))(owner)

    # -- the states ------------------------------------------------------------------

    def _queued(self, owner: str) -> list[str]:
        return [self.submit(owner, VIDEO_MODEL, self.video())]

    def _running(self, owner: str) -> list[str]:
        job_id = self.submit(owner, VIDEO_MODEL, self.video())
        self.run(job_id, step=3, total=8)
        return [job_id]

    def _cancelling(self, owner: str) -> list[str]:
        job_id = self._running(owner)[0]
        self.catalog.transitions.request_cancel(job_id)
        return [job_id]

    def _done(self, owner: str) -> list[str]:
        job_id = self.submit(owner, VIDEO_MODEL, self.video())
        self.finish(job_id)
        return [job_id]

    def _failed(self, owner: str) -> list[str]:
        job_id = self._running(owner)[0]
        self.catalog.transitions.finish(job_id, 1, "failed", FAILURE)
        return [job_id]

    def _cancelled(self, owner: str) -> list[str]:
        job_id = self._cancelling(owner)[0]
        self.catalog.transitions.finish(job_id, 1, "cancelled", "Cancelled.")
        return [job_id]

    def _variations_done(self, owner: str) -> list[str]:
        ids = self.api.submit(owner, VIDEO_MODEL, self.video(seed=7), 3)
        for job_id in ids:
            self.finish(job_id)
        return ids

    def _variations_part_done(self, owner: str) -> list[str]:
        ids = self.api.submit(owner, MUSIC_MODEL, self.music(seed=7), 3)
        self.finish(ids[0])
        self.run(ids[1], step=2, total=5)
        return ids  # the third still waits

    def _variations_mixed(self, owner: str) -> list[str]:
        """Four seeds: one done, one failed, one cancelled, one still running."""
        ids = self.api.submit(owner, VIDEO_MODEL, self.video(seed=7), 4)
        self.finish(ids[0])
        self.run(ids[1], step=1, total=2)
        self.catalog.transitions.finish(ids[1], 1, "failed", FAILURE)
        self.catalog.transitions.cancel_queued(ids[2], 1)
        self.run(ids[3], step=1, total=2)
        return ids

    def _restarted(self, owner: str) -> list[str]:
        """Its worker was lost while it ran: queued again for a second try."""
        job_id = self._running(owner)[0]
        again = self.catalog.transitions.requeue(
            job_id, 1, max_attempts=3, reason="Its worker stopped answering."
        )
        assert again is not None and again.status == "queued"
        return [job_id]

    def _file_deleted(self, owner: str) -> list[str]:
        """Done, and its track deleted since (from the Library, or "Keep this one")."""
        job_id = self._music_done(owner)
        self.api.delete_asset(str(self.job(job_id).asset_id), owner)
        return [job_id]

    def _from_the_api(self, owner: str) -> list[str]:
        config = WebConfig(self.data_dir, "", 3600)
        token = config.tokens.create(owner, "script")
        body = {"model": DEFAULTS[VIDEO], "params": {"prompt": "a fox from a script", "steps": 2}}
        with TestClient(web_app(config, self.api)) as client:
            answer = client.post(
                "/api/v1/jobs", json=body, headers={"Authorization": f"Bearer {token}"}
            )
        assert answer.status_code == 201, answer.text
        job_id = str(answer.json()["id"])
        self.finish(job_id)
        return [job_id]

    def _retired_model(self, owner: str) -> list[str]:
        """Done by a model the catalog has since dropped (or renamed)."""
        params = {**dataclasses.asdict(CATALOG[VIDEO_MODEL].params(**self.video())),
                  "model": "retired-t2v"}  # fmt: skip
        job_id = self.catalog.jobs.add(owner, "video", params).id
        self.finish(job_id)
        return [job_id]

    def _melody(self, owner: str) -> list[str]:
        """A track that followed an uploaded melody (reuse keeps the melody)."""
        hum = self.api.import_file(
            owner, self.media.files["audio"], ".wav", params={"uploaded_as": "hum.wav"}
        )
        entry = next(e for e in CATALOG.values() if "melody_path" in e.inputs)
        melody_path = hum.id  # a file input names one of the owner's files by its id
        values = {"description": "a hummed tune", "duration": 1.0, "melody_path": melody_path}
        job_id = self.submit(owner, entry.name, values)
        self.finish(job_id)
        return [job_id]

    def _combine(self, owner: str) -> list[str]:
        video, track = self._done(owner)[0], self._music_done(owner)
        values = {"video_path": self.file(video), "audio_path": self.file(track)}
        job_id = self.submit(owner, "combine", values)
        self.finish(job_id)
        return [video, track, job_id]

    def _score(self, owner: str) -> list[str]:
        video = self._done(owner)[0]
        values = {"video_path": self.file(video), "description": "tense strings", "duration": 1.0}
        job_id = self.submit(owner, "score", values)
        self.run(job_id, step=1, total=4)
        return [video, job_id]

    def _music_done(self, owner: str) -> str:
        job_id = self.submit(owner, MUSIC_MODEL, self.music())
        self.finish(job_id)
        return job_id

    # -- params and transitions ------------------------------------------------------

    @staticmethod
    def video(seed: int | None = None) -> dict[str, Any]:
        return {"prompt": PROMPTS["video"], "num_frames": 8, "steps": 2, "seed": seed}

    @staticmethod
    def music(seed: int | None = None) -> dict[str, Any]:
        return {"description": PROMPTS["music"], "duration": 1.0, "seed": seed}

    def submit(self, owner: str, model_or_kind: str, values: dict[str, Any]) -> str:
        """One job, as a page submits it."""
        (job_id,) = self.api.submit(owner, model_or_kind, values)
        return job_id

    def job(self, job_id: str) -> Job:
        job = self.catalog.jobs.get(job_id)
        assert job is not None
        return job

    def file(self, job_id: str) -> str:
        """The id of a done job's file, as the Combine page names it."""
        return str(self.job(job_id).asset_id)

    def run(self, job_id: str, *, step: int, total: int) -> None:
        """queued -> running on a worker, then a progress report."""
        job = self.job(job_id)
        assert self.catalog.transitions.mark_running(job_id, job.delivery, "worker-1:4242")
        assert self.catalog.transitions.record_progress(
            job_id, job.delivery, step, total, eta_s=12.0, phase="generating"
        )

    def finish(self, job_id: str) -> None:
        """Run the job, then store a real file and mark it done, as the keeper does."""
        self.run(job_id, step=1, total=2)
        job = self.job(job_id)
        output = job_kind(job.kind).output_type
        suffix = ".mp4" if output == "video" else ".wav"
        relative = relative_asset_path(job.owner, job.output_id, suffix)
        path = write_asset(self.data_dir, relative, self.media.files[output])
        previews = {}
        for name, blob in self.media.previews[output].items():
            previews[name] = relative_preview_path(relative, name)
            write_asset(self.data_dir, previews[name], blob)
        seed = job.params.get("seed")
        params = {**job.params, "seed": 1234 if seed is None else seed}
        meta = {"path": relative, "previews": previews, "seed": params["seed"], "tiny": True,
                "duration_s": 1.0, "job_kind": job.kind}  # fmt: skip
        if output == "video":
            meta.update(width=64, height=64, fps=8)
        assert path.is_file()
        assert self.catalog.transitions.finish_done(
            job_id, job.delivery, path=relative, output_type=output,
            source=job_kind(job.kind).source, model=params.get("model"),
            asset_params=params, meta=meta, engine_s=1.5, steps=(2, 2),
        )  # fmt: skip
