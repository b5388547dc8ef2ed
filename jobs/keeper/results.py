"""What the keeper does with a worker's result: a finished job's file (which arrives
with its settings already embedded by the worker) is written into ``assets/<owner>/``
once, under a temporary name then renamed, and the job is marked done with its asset in
the same transaction; a failed, cancelled, overrun or handed-back job is finished or
queued again, each by compare-and-set, so a late or repeated result changes nothing.
"""

from __future__ import annotations

import logging
from typing import Any

from jobs.assets import relative_asset_path, relative_preview_path, write_asset
from jobs.catalog import Catalog
from jobs.catalog.records import QUEUED, Job
from jobs.config import JobsConfig
from jobs.keeper.overtime import Overtime
from jobs.kinds import job_kind
from jobs.queue import Broker
from jobs.titles import asset_title

log = logging.getLogger(__name__)


def stale_reason(job: Job, attempts: int) -> str:
    return (
        f"The worker running this job ({job.worker or 'unknown'}) stopped responding, "
        f"{attempts} time(s); it is not retried again. The machine may have crashed or run "
        "out of memory: try again, perhaps with smaller settings."
    )


class Results:
    """Applies workers' results to the catalog."""

    def __init__(
        self, config: JobsConfig, catalog: Catalog, broker: Broker, overtime: Overtime
    ) -> None:
        self.config = config
        self.catalog = catalog
        self.broker = broker
        self.overtime = overtime

    def apply(self, job: Job, result: dict[str, Any]) -> None:
        outcome = result.get("outcome")
        kind = job_kind(job.kind)
        if outcome == "done":
            self.store_output(job, result)
        elif outcome in ("failed", "cancelled"):
            self.catalog.transitions.finish(job.id, job.delivery, outcome, str(result.get("error")))
        elif outcome == "overtime":
            self.catalog.transitions.finish(
                job.id, job.delivery, "failed", self.overtime.message(job)
            )
        elif outcome in ("released", "superseded"):
            # The worker stopped (shutdown) or was given up on: run it again, uncharged.
            requeued = self.catalog.transitions.requeue(
                job.id,
                job.delivery,
                max_attempts=self.config.max_attempts,
                reason=stale_reason(job, job.attempts),
                count_attempt=False,
            )
            self.broker.forget(job.id, job.delivery, ())
            if requeued is not None and requeued.status == QUEUED:  # sent first by dispatch
                log.info("Job %s was handed back by its worker; queued again.", job.id)
            return
        else:
            log.error("Job %s sent an unknown outcome %r; failing it.", job.id, outcome)
            self.catalog.transitions.finish(
                job.id, job.delivery, "failed", "The worker sent a bad result."
            )
        self.broker.forget(job.id, job.delivery, kind.file_fields)
        log.info("Job %s %s.", job.id, outcome)

    def store_output(self, job: Job, result: dict[str, Any]) -> None:
        """Write the file, then mark the job done with its asset in one transaction."""
        relative = relative_asset_path(job.owner, job.output_id, str(result["suffix"]))
        path = write_asset(self.config.data_dir, relative, bytes(result["file"]))
        pictures = [path]
        meta = dict(result.get("meta") or {})
        meta["path"] = relative  # the worker's scratch path means nothing here
        meta["previews"] = {}
        for name, blob in (result.get("previews") or {}).items():
            preview = relative_preview_path(relative, str(name))
            pictures.append(write_asset(self.config.data_dir, preview, bytes(blob)))
            meta["previews"][name] = preview
        for key in ("engine_s", "worker", "started_at", "finished_at"):
            meta.setdefault(f"job_{key}", result.get(key))
        params = dict(job.params)
        if "seed" in params and meta.get("seed") is not None:
            params["seed"] = meta["seed"]  # "use these settings again" makes the same thing
        meta["job_kind"] = job.kind
        meta["input_names"] = self.input_names(job)
        kind = job_kind(job.kind)
        # The catalog name the job asked for; the folder or hub id the weights came from else.
        model = params.get("model") or meta.get("model")
        done = self.catalog.transitions.finish_done(
            job.id,
            job.delivery,
            path=relative,
            output_type=kind.output_type,  # never the engine's word ("melody" is a track)
            source=kind.source,
            model=str(model) if model else None,
            asset_params=params,
            meta=meta,
            engine_s=result.get("engine_s"),
            steps=(int(result["step"]), int(result["total"])) if "total" in result else None,
        )
        if not done:  # it moved on meanwhile (cancelled, say): keep no orphan file
            for file in pictures:
                file.unlink(missing_ok=True)

    def input_names(self, job: Job) -> dict[str, str]:
        """What a person calls each input file (an upload's own name, a result's prompt),
        so a card can say "melody: hum.wav" without a server path."""
        names = {}
        for field in job_kind(job.kind).file_fields:
            value = job.params.get(field)
            if not value:
                continue
            asset = self.catalog.assets.get(str(value))  # an asset id
            if asset is not None:  # its title: a combined clip's too ("Combined: x + y")
                names[field] = asset_title(asset)
        return names
