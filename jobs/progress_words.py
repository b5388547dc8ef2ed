"""A job's progress in words, for scripts over the API as for the page: "Loading the model"
while the weights load (no steps yet), then the phase with its steps."""

from __future__ import annotations

from typing import Any

WAITING = {"queued": "Waiting in the queue", "done": "Done", "failed": "Failed"}


def progress_words(job: Any) -> str:
    """ "Loading the model", "Denoising: step 3 of 25", "Waiting in the queue", "Done"..."""
    if job.status != "running":
        return WAITING.get(job.status, str(job.status).capitalize())
    phase = str(job.phase or "starting").capitalize()
    if not job.total:
        return phase
    return f"{phase}: step {job.step} of {job.total}"
