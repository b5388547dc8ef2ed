"""A running job says what it does: the worker's reporter carries a phase beside the step,
the catalog keeps it, and the job panel reads it out (and says when a job was restarted)."""

from __future__ import annotations

import threading
from dataclasses import replace
from typing import Any

import pytest

from engines.settings import Settings
from jobs.catalog import Catalog
from jobs.catalog.records import RUNNING, restart_note
from jobs.tasks import JobMessage
from jobs.worker.progress import LOADING, WRITING, ProgressReporter
from studio.ui.components.job_panel import progress_text
from tests.jobs.harness import InProcessStudio, submit_video, wait_until
from tests.jobs.tracking_registry import TrackingEngine, TrackingRegistry


class RecordingBroker:
    def __init__(self) -> None:
        self.states: list[dict[str, Any]] = []

    def put_state(self, job_id: str, state: dict[str, Any]) -> None:
        self.states.append(dict(state))


def test_the_reporter_tells_loading_denoising_decoding_and_writing():
    broker = RecordingBroker()
    reporter = ProgressReporter(broker, JobMessage("j1", 1, "video", {}), "w:1", 60.0)  # type: ignore[arg-type]
    reporter.start()
    phases = []
    for step in (None, 1, 3, 4, None):
        if step is None:
            reporter.phase(LOADING if not phases else WRITING)
        else:
            reporter.progress(step, 4)
        reporter._send()  # what its thread does every interval
        phases.append(broker.states[-1]["phase"])
    reporter.stop()
    assert phases == ["loading the model", "denoising", "denoising", "decoding", "writing"]


def test_the_catalog_keeps_the_phase_and_a_requeue_clears_it(tmp_path):
    catalog = Catalog(tmp_path / "catalog.sqlite3")
    job = catalog.jobs.add("ana", "video", {"prompt": "a fox"})
    catalog.transitions.mark_running(job.id, 1, "w:1")
    catalog.transitions.record_progress(job.id, 1, 0, 0, None, "loading the model")
    assert catalog.jobs.get(job.id).phase == "loading the model"  # type: ignore[union-attr]
    catalog.transitions.requeue(job.id, 1, max_attempts=2, reason="lost")
    again = catalog.jobs.get(job.id)
    assert again is not None and again.phase is None and again.attempts == 1


def test_the_panel_says_the_phase_and_a_restart_in_words(tmp_path):
    catalog = Catalog(tmp_path / "catalog.sqlite3")
    job = catalog.jobs.add("ana", "video", {"prompt": "a fox"})
    catalog.transitions.mark_running(job.id, 1, "w:1")
    running = catalog.jobs.get(job.id)
    assert running is not None and running.status == RUNNING
    loading = replace(running, phase="loading the model")
    assert progress_text(loading, 12) == "Loading the model… · elapsed 0:12"
    denoising = replace(running, phase="denoising", step=3, total=8, eta_s=20.0)
    assert progress_text(denoising, 5) == "Denoising · step 3 of 8 · elapsed 0:05 · about 0:20 left"
    assert restart_note(running, 2) is None  # its first try
    words = "The worker stopped; restarting from the beginning (attempt 2 of 2)"
    assert restart_note(replace(running, attempts=2), 2) == words
    waiting_again = replace(running, status="queued", attempts=1)
    assert restart_note(waiting_again, 2) == words
    assert restart_note(replace(waiting_again, status="done"), 2) is None  # over: no note


def test_a_cold_job_shows_loading_the_model_then_denoising(
    studio: InProcessStudio, tiny_settings: Settings, monkeypatch: pytest.MonkeyPatch
):
    gate = threading.Event()
    real_load = TrackingEngine.load

    def slow_load(self: TrackingEngine, placement: Any) -> None:
        gate.wait(60)  # the weights take their time: the panel must say why it waits
        real_load(self, placement)

    monkeypatch.setattr(TrackingEngine, "load", slow_load)
    studio.start_worker(TrackingRegistry(tiny_settings))
    values = {"prompt": "a heron", "num_frames": 1, "steps": 60, "height": 64, "width": 64}
    job_id = submit_video(studio.api, "ana", values)

    def phase_is(name: str) -> bool:
        job = studio.api.get(job_id)
        return job is not None and job.status == RUNNING and job.phase == name

    wait_until(lambda: phase_is("loading the model"), what="the load to show")
    gate.set()
    wait_until(lambda: phase_is("denoising"), what="the steps to show")
    studio.api.cancel(job_id, "ana")
    studio.wait([job_id])
