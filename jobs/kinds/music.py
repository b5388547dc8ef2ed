"""The music job: a track from a description, and a melody file when one is given."""

from __future__ import annotations

from jobs.kinds.job_kind import JobKind

KIND = JobKind(
    "music",
    "engines.families.musicgen:MusicParams",
    ".wav",
    output="audio",  # the model its params name; with none, the settings pick (a melody's)
)
