"""The one Huey task, ``run_job``, and the message it carries.

The message holds only plain values (ids, the kind, params as a JSON dict), so a
worker on any machine can rebuild the job from it. The submitting side registers the
task without a handler; a worker registers it with the function that runs jobs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from huey import Huey
from huey.api import TaskWrapper

TASK_NAME = "run_job"
MESSAGE_VERSION = 1


@dataclass(frozen=True)
class JobMessage:
    job_id: str
    delivery: int  # which delivery of the job this is; a re-queue sends the next one
    kind: str  # a key of jobs.kinds.KINDS
    params: dict[str, Any]  # JSON-able; rebuilt with the kind's params class
    input_fields: tuple[str, ...] = field(default=())  # params naming files sent beside it
    # Variations of this job run with it as one batch: (job id, delivery, params) each.
    siblings: tuple[tuple[str, int, dict[str, Any]], ...] = field(default=())
    sources: tuple[str, ...] = field(default=())  # the input assets' ids, for the file's tag

    def members(self) -> list[JobMessage]:
        """This job and its siblings, each as a message of its own, in batch order."""
        alone = JobMessage(
            self.job_id, self.delivery, self.kind, self.params, self.input_fields, (), self.sources
        )
        return [alone] + [JobMessage(j, d, self.kind, p) for j, d, p in self.siblings]

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": MESSAGE_VERSION,
            "job_id": self.job_id,
            "delivery": self.delivery,
            "kind": self.kind,
            "params": self.params,
            "input_fields": list(self.input_fields),
            "siblings": [{"job_id": j, "delivery": d, "params": p} for j, d, p in self.siblings],
            "sources": list(self.sources),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> JobMessage:
        if data.get("version") != MESSAGE_VERSION:
            raise ValueError(f"Job message version {data.get('version')!r} is not supported.")
        return cls(
            job_id=str(data["job_id"]),
            delivery=int(data["delivery"]),
            kind=str(data["kind"]),
            params=dict(data["params"]),
            input_fields=tuple(data.get("input_fields", ())),
            siblings=tuple(
                (str(s["job_id"]), int(s["delivery"]), dict(s["params"]))
                for s in data.get("siblings", ())
            ),
            sources=tuple(str(s) for s in data.get("sources", ())),
        )


JobHandler = Callable[[JobMessage], None]


def _not_a_worker(message: JobMessage) -> None:
    raise RuntimeError(
        f"Job {message.job_id} reached a process that only submits jobs; "
        "run jobs with `python -m jobs.worker`."
    )


def register_run_job(huey: Huey, handler: JobHandler | None = None) -> TaskWrapper:
    """Register ``run_job`` on ``huey``; every process registers it under the same name."""
    run = handler or _not_a_worker

    def run_job(message: dict[str, Any]) -> None:
        run(JobMessage.from_dict(message))

    return huey.task(name=TASK_NAME)(run_job)
