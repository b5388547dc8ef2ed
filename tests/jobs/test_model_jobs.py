"""Jobs carry the model name: the API checks the params against that model's family, and
the worker loads the model the job names."""

from __future__ import annotations

import pytest
import soundfile

from engines.errors import ParamError
from jobs.catalog.records import DONE
from jobs.service import JobService
from tests.jobs.harness import InProcessStudio, submit_one
from tests.jobs.tracking_registry import TrackingRegistry
from tests.mp4_probe import probe_mp4


def test_a_job_for_wan_is_checked_against_wans_params(api: JobService):
    wan = {"prompt": "a crane", "num_frames": 16}
    with pytest.raises(ParamError, match=r"`num_frames` has to be 4k\+1.*try 17"):
        api.submit("alice", "wan2.1-t2v-1.3b", wan)
    (job_id,) = api.submit("alice", "wan2.1-t2v-1.3b", {**wan, "num_frames": 17})
    job = api.get(job_id)
    assert job is not None and job.params["model"] == "wan2.1-t2v-1.3b"
    assert job.params["height"] == 480 and job.params["fps"] == 16  # Wan's own defaults
    with pytest.raises(ParamError, match="Unknown model 'wan9'; this studio runs: modelscope"):
        api.submit("alice", "wan9", {"prompt": "a crane"})
    with pytest.raises(ParamError, match=r"Unknown music parameter.*prompt"):
        api.submit("alice", "musicgen-small", {"prompt": "a crane"})


@pytest.mark.slow  # a Wan clip and a stereo track
def test_the_worker_loads_the_model_each_job_names(studio: InProcessStudio, tiny_settings):
    registry = TrackingRegistry(tiny_settings)
    studio.start_worker(registry)
    wan = {"prompt": "a crane", "num_frames": 5, "steps": 2, "height": 32, "width": 32, "seed": 1}
    stereo = {"description": "calm piano", "duration": 1.0}
    ids = [
        submit_one(studio.api, "alice", "wan2.1-t2v-1.3b", wan),
        submit_one(studio.api, "alice", "musicgen-stereo-small", stereo),
    ]
    jobs = studio.wait(ids)

    assert [job.status for job in jobs] == [DONE, DONE], [job.error for job in jobs]
    assert [name for name, _ in registry.tracker.generated] == [
        "wan2.1-t2v-1.3b",
        "musicgen-stereo-small",
    ]
    video, track = (studio.api.asset(job.asset_id, "alice") for job in jobs)  # type: ignore[arg-type]
    assert (
        video.params["model"] == "wan2.1-t2v-1.3b" and video.meta["model_name"] == "wan2.1-t2v-1.3b"
    )
    facts = probe_mp4(studio.api.asset_path(video.id, "alice"))
    assert (facts.frames, facts.width, facts.height, facts.fps) == (5, 32, 32, 16.0)
    assert soundfile.info(studio.api.asset_path(track.id, "alice")).channels == 2
