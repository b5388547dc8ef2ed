"""The video job: a clip from a text prompt, made by the video model its params name."""

from __future__ import annotations

from jobs.kinds.job_kind import JobKind

# The params class is the named model's family's (engines/families/); `model` travels in
# the params, so a remote worker loads that model.
KIND = JobKind("video", "engines.families.text_to_video_sd:VideoParams", ".mp4", output="video")
