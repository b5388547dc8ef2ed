"""The music job: a track from a description, and a melody file when one is given."""

from __future__ import annotations

from jobs.kinds.job_kind import JobKind

KIND = JobKind(
    "music",
    "engines.music:MusicParams",
    ".wav",
    engine_for="engines.music:music_kind",  # "music", or "melody" with a melody file
    file_fields=("melody_path",),  # the melody travels with the job
)
