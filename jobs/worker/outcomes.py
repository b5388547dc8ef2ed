"""What a worker answers for a job that did not finish: failed, out of memory, cancelled,
stopped by the keeper, handed back. Written once; every run (one job or a batch) uses it.

Each answer is the result dict the keeper applies (``jobs.keeper.results``): an ``outcome``
("failed", or why it stopped: "cancelled", "released", "superseded", "overtime") and an
``error`` meant for the job's owner.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from engines.device import is_out_of_memory
from engines.errors import GenerationCancelled, StudioError

log = logging.getLogger(__name__)

OUT_OF_MEMORY_MESSAGE = (
    "The GPU ran out of memory for this job. Try fewer frames, a smaller size or a "
    "shorter duration, or try again when the studio is less busy."
)
RELEASED = "released"  # the worker is stopping: the job goes back to the queue, uncharged


def internal_error_message(job_id: str) -> str:
    return (
        f"Generation failed because of an internal error (job {job_id}). "
        "An administrator can find the details in the worker's log."
    )


def stopped(reason: str, step: int, total: int) -> dict[str, Any]:
    """A delivery stopped at ``step`` because of ``reason``: the keeper ends a cancelled job,
    runs a handed-back or given-up one again, and fails an overrun one with its limit."""
    return {
        "outcome": reason,
        "error": str(GenerationCancelled(step, total)),
        "step": step,
        "total": total,
    }


def failure(exc: BaseException, job_id: str, unload_all: Callable[[], None]) -> dict[str, Any]:
    """A job that raised: the engine's own message, the out-of-memory one (the device is
    emptied first), or an internal error naming the job (the traceback goes to the log)."""
    if isinstance(exc, StudioError):
        return {"outcome": "failed", "error": str(exc)}
    if is_out_of_memory(exc):
        log.warning("Job %s ran out of memory; unloading every model.", job_id)
        unload_all()
        return {"outcome": "failed", "error": OUT_OF_MEMORY_MESSAGE}
    log.error("Job %s failed.", job_id, exc_info=exc)
    return {"outcome": "failed", "error": internal_error_message(job_id)}
