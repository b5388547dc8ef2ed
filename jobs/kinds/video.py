"""The video job: a clip from a text prompt, made by the registry's video engine."""

from __future__ import annotations

from jobs.kinds.job_kind import JobKind

KIND = JobKind("video", "engines.video:VideoParams", ".mp4", engine="video")
