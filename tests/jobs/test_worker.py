"""Workers and the keeper in this process, real tiny engines, on both queue backends."""

from __future__ import annotations

import itertools
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import soundfile

from engines.errors import ModelUnavailableError, ParamError
from engines.media.probe import probe_media
from engines.media.settings_tag import STUDIO_VERSION, settings_in
from engines.registry import EngineRegistry
from jobs.catalog.records import CANCELLED, DONE, FAILED, RUNNING
from jobs.service import JobService
from jobs.worker.outcomes import OUT_OF_MEMORY_MESSAGE
from tests.fixtures.jobs import on_both_queues
from tests.jobs.harness import (
    InProcessStudio,
    partial_files,
    submit_one,
    submit_video,
    wait_until,
)
from tests.jobs.tracking_registry import TrackingRegistry


def tiny_video(prompt: str = "a red fox in the snow", **changes: object) -> dict[str, Any]:
    return {"prompt": prompt, "num_frames": 2, "steps": 2, "height": 64, "width": 64, **changes}


def upload_tone(api: JobService, owner: str) -> str:
    """An uploaded melody: a one-second tone stored as the owner's asset; its id."""
    rate = 32_000
    path = api.config.data_dir / "tone.wav"
    soundfile.write(path, 0.5 * np.sin(2 * np.pi * 440 * np.arange(rate) / rate), rate)
    return api.import_file(owner, path.read_bytes(), ".wav").id


def scratch_files(studio: InProcessStudio) -> list[Path]:
    return [p for p in studio.config.scratch_dir.rglob("*") if p.is_file()]


@on_both_queues
def test_jobs_run_one_at_a_time_with_one_model_and_land_in_the_owners_folder(
    studio: InProcessStudio, tiny_settings
):
    registry = TrackingRegistry(tiny_settings)
    studio.start_worker(registry)
    melody = upload_tone(studio.api, "alice")
    ids = [
        submit_video(studio.api, "alice", tiny_video(seed=None)),
        submit_one(
            studio.api, "alice", "musicgen-small", {"description": "calm piano", "duration": 1.0}
        ),
        submit_one(
            studio.api,
            "alice",
            "musicgen-melody",
            {"description": "a march", "duration": 1.0, "melody_path": melody},
        ),
        submit_video(studio.api, "alice", tiny_video("an owl at night", seed=3)),
    ]
    jobs = studio.wait(ids)

    assert [job.status for job in jobs] == [DONE] * 4, [job.error for job in jobs]
    assert [kind for kind, _ in registry.tracker.generated] == [
        "modelscope-t2v-1.7b",
        "musicgen-small",
        "musicgen-melody",
        "modelscope-t2v-1.7b",
    ]
    assert registry.tracker.max_active == 1  # one GPU job at a time
    assert registry.tracker.max_loaded == 1  # never two models on the device
    for job, suffix in zip(jobs, [".mp4", ".wav", ".wav", ".mp4"], strict=True):
        asset = studio.api.asset(job.asset_id or "", "alice")
        assert asset.path == f"assets/alice/{asset.id}{suffix}"
        assert studio.api.asset_path(asset.id, "alice").stat().st_size > 0
        assert (asset.job_id, asset.meta["path"], asset.meta["tiny"]) == (job.id, asset.path, True)
        assert job.attempts == 1 and job.engine_s is not None
        assert job.step == job.total > 0
    # The seed actually used is recorded, so "use these settings again" remakes the clip.
    first = studio.api.asset(jobs[0].asset_id or "", "alice")
    assert first.params["seed"] == first.meta["seed"] is not None
    # The melody travelled with the job and is recorded as the track's source.
    melody_asset = studio.api.asset(jobs[2].asset_id or "", "alice")
    assert melody_asset.source_ids == jobs[2].source_ids and len(melody_asset.source_ids) == 1
    assert partial_files(studio.config.data_dir) == []
    assert scratch_files(studio) == []


@pytest.mark.slow  # twenty jobs
def test_twenty_jobs_from_twenty_threads_complete_once_one_at_a_time(
    studio: InProcessStudio, shared_registry: EngineRegistry
):
    for n in range(3):  # an admin lets each of them queue all of theirs at once
        studio.api.set_limits(f"user{n}", max_queued=20, daily_gpu_seconds=None)
    studio.start_worker(shared_registry)
    barrier = threading.Barrier(20)
    ids: list[str] = []
    lock = threading.Lock()

    def submit(n: int) -> None:
        barrier.wait()
        job_id = submit_video(
            studio.api, f"user{n % 3}", tiny_video(f"clip number {n}", num_frames=1)
        )
        with lock:
            ids.append(job_id)

    threads = [threading.Thread(target=submit, args=(n,)) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    jobs = sorted(studio.wait(ids), key=lambda job: job.seq)

    assert [job.status for job in jobs] == [DONE] * 20
    assert all(job.attempts == 1 for job in jobs)
    assets = [studio.api.asset(job.asset_id or "", job.owner) for job in jobs]
    assert len({asset.id for asset in assets}) == 20
    assert sum(len(studio.api.assets(f"user{n}")) for n in range(3)) == 20  # exactly once
    # One at a time, and each user's own jobs first in, first out (on the worker's clock);
    # between users the order is fair (tests/jobs/test_fairness.py).
    spans = sorted((a.meta["job_started_at"], a.meta["job_finished_at"]) for a in assets)
    for (_, previous_end), (start, _) in itertools.pairwise(spans):
        assert previous_end <= start
    for n in range(3):  # jobs and assets are in submit order
        pairs = zip(assets, jobs, strict=True)
        mine = [a.meta["job_started_at"] for a, j in pairs if j.owner == f"user{n}"]
        assert mine == sorted(mine)


@on_both_queues
def test_a_second_delivery_of_the_same_job_is_a_no_op(studio: InProcessStudio, tiny_settings):
    job_id = submit_video(studio.api, "alice", tiny_video())
    job = studio.api.get(job_id)
    assert job is not None
    studio.api.broker.send(job)  # the same delivery, enqueued twice (the keeper sends it too)
    studio.api.broker.send(job)
    assert len(studio.api.broker.huey.pending()) == 2

    registry = TrackingRegistry(tiny_settings)
    studio.start_worker(registry)
    (job,) = studio.wait([job_id])
    wait_until(lambda: studio.api.broker.huey.pending_count() == 0, what="both deliveries")
    time.sleep(0.3)  # let the second delivery reach the worker and be skipped

    assert job.status == DONE and job.attempts == 1
    assert len(registry.tracker.generated) == 1
    assert len(studio.api.assets("alice")) == 1


@on_both_queues
def test_cancelling_a_queued_job_means_it_never_runs(studio: InProcessStudio, tiny_settings):
    first = submit_video(studio.api, "alice", tiny_video("first"))
    doomed = submit_video(studio.api, "alice", tiny_video("second"))
    third = submit_video(studio.api, "bob", tiny_video("third"))
    cancelled = studio.api.cancel(doomed, "alice")
    # Cancelled at once; or, if the broker missed a beat, recorded for the keeper to push.
    assert cancelled.status == CANCELLED or cancelled.cancel_requested

    registry = TrackingRegistry(tiny_settings)
    studio.start_worker(registry)
    jobs = studio.wait([first, doomed, third])

    assert [job.status for job in jobs] == [DONE, CANCELLED, DONE]
    assert [params["prompt"] for _, params in registry.tracker.generated] == ["first", "third"]
    assert jobs[1].asset_id is None and jobs[1].step == 0
    assert len(studio.api.assets("alice")) == 1


@on_both_queues
def test_cancelling_a_running_job_stops_it_within_one_step(
    studio: InProcessStudio, tiny_settings, monkeypatch: pytest.MonkeyPatch
):
    import engines.device

    freed: list[str] = []
    real_free = engines.device.free_device_memory

    def free_device_memory(device: str) -> None:
        freed.append(device)
        real_free(device)

    monkeypatch.setattr(engines.device, "free_device_memory", free_device_memory)
    registry = TrackingRegistry(tiny_settings)
    studio.start_worker(registry)
    long_job = submit_video(studio.api, "alice", tiny_video("a long one", steps=100, num_frames=4))
    other = submit_video(studio.api, "bob", tiny_video("another user's clip"))

    def running_with_progress() -> bool:
        job = studio.api.get(long_job)
        return job is not None and job.status == RUNNING and job.step >= 2

    wait_until(running_with_progress, what="the long job's progress")
    studio.api.cancel(long_job, "alice")
    cancelled_at = time.monotonic()
    cancelled, finished = studio.wait([long_job, other])

    assert cancelled.status == CANCELLED
    assert cancelled.error is not None and cancelled.error.startswith("Cancelled at step")
    # At most the step already under way when the cancel arrived finished after it.
    late = [s for n, at, s in registry.tracker.step_times if n == 0 and at > cancelled_at]
    assert len(late) <= 1, late
    assert freed, "the cancelled job's working memory was not handed back"
    assert finished.status == DONE  # cancelling one job never touches another
    assert cancelled.asset_id is None and studio.api.assets("alice") == []
    assert partial_files(studio.config.data_dir) == []


@pytest.mark.slow  # four jobs, three of them failing
def test_a_failing_engine_fails_the_job_with_a_clear_message_and_no_file(
    studio: InProcessStudio, tiny_settings
):
    import torch

    registry = TrackingRegistry(tiny_settings)
    registry.tracker.fail_next = [
        torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB"),
        RuntimeError("shape mismatch deep inside the UNet"),
        ModelUnavailableError("Model 'x' is not available: looked in the folder x."),
    ]
    studio.start_worker(registry)
    ids = [submit_video(studio.api, "alice", tiny_video(f"clip {n}")) for n in range(4)]
    oom, crash, missing, fine = studio.wait(ids)

    assert (oom.status, oom.error) == (FAILED, OUT_OF_MEMORY_MESSAGE)
    assert registry.tracker.unload_all_calls == 1  # the device was emptied after the OOM
    assert crash.status == FAILED and crash.error is not None
    assert "internal error" in crash.error and crash.id in crash.error
    assert "shape mismatch" not in crash.error  # tracebacks go to the log, not to users
    assert missing.status == FAILED
    assert missing.error == "Model 'x' is not available: looked in the folder x."
    assert fine.status == DONE  # the next job succeeds
    assert [a.job_id for a in studio.api.assets("alice")] == [fine.id]
    assert partial_files(studio.config.data_dir) == []
    assert scratch_files(studio) == []


@pytest.mark.slow  # a 40-step job
def test_a_refreshed_page_finds_its_job_progress_and_result_again(
    studio: InProcessStudio, shared_registry: EngineRegistry
):
    studio.start_worker(shared_registry)
    first_page = JobService(studio.config)
    job_id = submit_video(first_page, "alice", tiny_video("a slow one", steps=40, num_frames=2))
    first_page.close()  # the browser tab is gone; the job is not

    second_page = JobService(studio.config)
    try:
        (found,) = second_page.list("alice")
        assert found.id == job_id

        def progressing() -> bool:
            job = second_page.get(job_id)
            return job is not None and (job.step > 0 or job.status == DONE)

        wait_until(progressing, what="progress")
        (job,) = studio.wait([job_id])
        assert job.status == DONE and job.total == 40
        assert second_page.read_asset(job.asset_id or "", "alice")[4:8] == b"ftyp"
    finally:
        second_page.close()


@pytest.mark.slow  # four jobs
def test_combine_and_score_jobs_record_their_source_assets(
    studio: InProcessStudio, shared_registry: EngineRegistry
):
    studio.start_worker(shared_registry)
    video_id, track_id = (
        submit_video(studio.api, "alice", tiny_video(fps=2)),
        submit_one(
            studio.api, "alice", "musicgen-small", {"description": "a drum loop", "duration": 1.0}
        ),
    )
    video, track = (
        studio.api.asset(j.asset_id or "", "alice") for j in studio.wait([video_id, track_id])
    )
    params = {"video_path": video.id, "audio_path": track.id, "options": {"fade_in_s": 0.2}}
    with pytest.raises(ParamError, match="`video_path` must be the id of one of your videos"):
        studio.api.submit("bob", "combine", params)  # not bob's files

    (job,) = studio.wait(studio.api.submit("alice", "combine", params))
    assert job.status == DONE, job.error
    combined = studio.api.asset(job.asset_id or "", "alice")
    assert (combined.output_type, combined.source) == (
        "video",
        "combined",
    ) and combined.path.endswith(".mp4")
    assert set(combined.source_ids) == {video.id, track.id}
    assert combined.params["options"]["fade_in_s"] == 0.2

    score = {"video_path": video.id, "description": "a soft hum", "duration": 1.0}
    (job,) = studio.wait(studio.api.submit("alice", "score", score))
    assert job.status == DONE, job.error
    scored = studio.api.asset(job.asset_id or "", "alice")
    assert (scored.source, scored.source_ids) == ("scored", (video.id,))
    assert scored.params["seed"] == scored.meta["seed"] is not None

    # Each file carries how it was made: the settings, the seed used, and its lineage.
    made_with = {
        asset.id: settings_in(probe_media(studio.config.data_dir / asset.path).tags)
        for asset in (video, track, combined, scored)
    }
    assert made_with[video.id] == {
        "studio_version": STUDIO_VERSION,
        "job_kind": "video",
        "model": video.params["model"],  # the catalog name
        "weights": video.meta["model"],  # where they came from
        "revision": video.meta["revision"],
        "seed": video.meta["seed"],
        "params": video.params,
        "sources": [],
    }
    assert made_with[track.id]["params"]["description"] == "a drum loop"
    assert made_with[combined.id]["sources"] == sorted([video.id, track.id])
    assert made_with[combined.id]["params"]["video_path"] == video.id  # no server paths inside
    assert made_with[combined.id]["params"]["options"]["fade_in_s"] == 0.2
    assert made_with[scored.id]["sources"] == [video.id]


@pytest.mark.slow  # waits for a worker's graceful stop
def test_a_stopping_worker_hands_its_job_back_uncharged(
    studio: InProcessStudio, shared_registry: EngineRegistry
):
    first = studio.start_worker(shared_registry, name="leaving:1")
    job_id = submit_video(studio.api, "alice", tiny_video("a long one", steps=100, num_frames=1))
    wait_until(
        lambda: (job := studio.api.get(job_id)) is not None and job.step >= 2,
        what="the job to run",
    )
    first.stop()  # what SIGTERM does: a restart, a deploy
    requeued = wait_until(
        lambda: (job := studio.api.get(job_id)) is not None and job.delivery == 2 and job,
        what="the job to be handed back",
    )
    assert requeued.attempts == 0
    studio.start_worker(shared_registry, name="arriving:2")
    (job,) = studio.wait([job_id])
    assert (job.status, job.attempts, job.worker) == (DONE, 1, "arriving:2")


@pytest.mark.slow  # waits for the workers' announcements
def test_an_admin_can_have_every_worker_unload_its_models(studio: InProcessStudio, tiny_settings):
    registry = TrackingRegistry(tiny_settings)
    studio.start_worker(registry, name="gpu:1")
    studio.wait([submit_video(studio.api, "alice", tiny_video())])
    assert registry.status().resident == "modelscope-t2v-1.7b"

    def admin_sees(resident: str | None) -> bool:
        worker = studio.api.status().workers.get("gpu:1") or {}
        return worker.get("jobs_done") == 1 and worker["registry"]["resident"] == resident

    wait_until(
        lambda: admin_sees("modelscope-t2v-1.7b"), what="the worker's model on the admin page"
    )
    studio.api.unload_models()
    wait_until(lambda: admin_sees(None), what="the worker to unload")
    assert registry.tracker.unload_all_calls == 1 and registry.tracker.loaded == set()
