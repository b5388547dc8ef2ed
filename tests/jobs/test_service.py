"""JobService: the one submit path (model resolved once, params built and checked once,
files, the cost guard, limits), ownership, asset access, light imports."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path

import pytest

from engines.catalog import CATALOG
from engines.cost import CostTooHigh
from engines.errors import ParamError
from engines.families.text_to_video_sd import VideoParams
from jobs.catalog.records import CANCELLED, QUEUED
from jobs.config import JobsConfig
from jobs.owned_assets import NotFound
from jobs.service import JobService, NotAllowed
from tests.jobs.harness import REPO


def test_importing_the_api_loads_no_torch_diffusers_or_transformers():
    code = (
        "import sys, jobs.service, jobs.catalog\n"
        "from jobs.kinds import KINDS\n"
        "[kind.params_type() for kind in KINDS.values()]\n"
        "heavy = {'torch', 'diffusers', 'transformers'} & set(sys.modules)\n"
        "assert not heavy, heavy\n"
    )
    subprocess.run([sys.executable, "-c", code], cwd=REPO, check=True, timeout=120)


def test_bad_params_fail_at_submit_and_never_become_jobs(api: JobService):
    modelscope = "modelscope-t2v-1.7b"
    with pytest.raises(ParamError, match="`steps` must be between 1 and 100"):
        api.submit("alice", modelscope, {"prompt": "a fox", "steps": 0})
    with pytest.raises(ParamError, match="Unknown video parameter"):
        api.submit("alice", modelscope, {"prompt": "a fox", "colour": "red"})
    with pytest.raises(ParamError, match=r"Unknown model 'poem'.*modelscope-t2v-1\.7b"):
        api.submit("alice", "poem", {"prompt": "a fox"})
    with pytest.raises(ParamError, match="is empty"):
        api.submit("alice", "musicgen-small", {"description": "  "})
    with pytest.raises(ParamError, match="Name the model once"):
        api.submit("alice", modelscope, {"prompt": "a fox", "model": "wan2.1-t2v-1.3b"})
    with pytest.raises(ParamError, match="`params` must be an object"):
        api.submit("alice", modelscope, ["a fox"])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="not a valid user name"):
        api.submit("../bob", modelscope, {"prompt": "a fox"})
    assert api.list_all() == []
    assert api.broker.pending() == set()


def test_submit_stores_validated_params_and_leaves_sending_to_the_keeper(api: JobService):
    (job_id,) = api.submit(
        "alice", "modelscope-t2v-1.7b", {"prompt": "a fox", "steps": 3, "seed": 5}
    )
    job = api.get(job_id)
    assert job is not None
    assert (job.owner, job.kind, job.status, job.delivery) == ("alice", "video", QUEUED, 1)
    # The job names its model: a remote worker loads that one.
    expected = VideoParams(prompt="a fox", steps=3, seed=5, model="modelscope-t2v-1.7b")
    assert job.params == {**expected.__dict__}
    # The keeper sends it in fair order once a worker is free; until then it waits here.
    assert job.dispatched_at is None and api.broker.pending() == set()
    assert [j.id for j in api.list("alice")] == [job_id]
    assert api.list("bob") == []
    assert api.get(job_id, "bob") is None  # pages pass the user: others' jobs are not found
    assert api.get(job_id, "root", admin=True) is not None


def test_the_models_own_defaults_lie_under_the_values_given(api: JobService):
    (job_id,) = api.submit("alice", "zeroscope-v2-576w", {"prompt": "a boat", "steps": 4})
    params = api.get(job_id).params  # type: ignore[union-attr]
    assert (params["width"], params["height"], params["num_frames"]) == (576, 320, 24)
    assert (params["steps"], params["model"]) == (4, "zeroscope-v2-576w")


def test_a_model_the_studio_does_not_offer_is_refused(jobs_config: JobsConfig):
    offered = dataclasses.replace(jobs_config.settings, models_enabled=("musicgen-small",))
    api = JobService(jobs_config.with_changes(settings=offered))
    try:
        with pytest.raises(ParamError, match="Unknown model 'musicgen-large'"):
            api.submit("alice", "musicgen-large", {"description": "rain"})
        assert len(api.submit("alice", "musicgen-small", {"description": "rain"})) == 1
    finally:
        api.close()


def test_a_job_over_its_models_cost_limit_is_refused_until_an_admin_raises_it(api: JobService):
    huge = {"prompt": "a fox", "num_frames": 64, "width": 1024, "height": 1024, "steps": 100}
    with pytest.raises(CostTooHigh) as refused:
        api.submit("alice", "modelscope-t2v-1.7b", huge)
    message = str(refused.value)
    assert "64 frames at 1024x1024 x 100 steps" in message and "try at most" in message
    assert "An admin can raise" in message
    assert api.list("alice") == []
    with pytest.raises(CostTooHigh):  # each variation is one such job: refused alike
        api.submit("alice", "modelscope-t2v-1.7b", {**huge, "seed": 1}, variations=2)

    ratio = CATALOG["modelscope-t2v-1.7b"].max_cost
    needed = 64 * 1024 * 1024 * 100 / ratio
    assert api.set_limits(
        "alice", max_queued=None, daily_gpu_seconds=None, cost_allowance=needed + 1
    ).cost_allowance == pytest.approx(needed + 1)
    (job_id,) = api.submit("alice", "modelscope-t2v-1.7b", huge)
    assert api.get(job_id).params["num_frames"] == 64  # type: ignore[union-attr]
    with pytest.raises(CostTooHigh):  # another user's allowance is their own
        api.submit("bob", "modelscope-t2v-1.7b", huge)
    with pytest.raises(ParamError, match="cost allowance must be above 0"):
        api.set_limits("alice", max_queued=None, daily_gpu_seconds=None, cost_allowance=0)


def test_every_model_takes_its_own_defaults_past_the_checks_and_the_cost_guard(
    api: JobService,
):
    required = {"prompt": "a red fox", "description": "calm piano"}
    melody = api.import_file("alice", b"RIFF", ".wav")
    api.set_limits("alice", max_queued=100, daily_gpu_seconds=None)
    for entry in CATALOG.values():
        fields = {f.name for f in dataclasses.fields(entry.params_class())}
        values = {name: text for name, text in required.items() if name in fields}
        if "melody_path" in entry.inputs:
            values["melody_path"] = melody.id  # a melody model needs the user's file
        (job_id,) = api.submit("alice", entry.name, values)
        assert api.get(job_id).params["model"] == entry.name  # type: ignore[union-attr]


def test_combine_and_score_jobs_name_their_kind(api: JobService, tmp_path: Path):
    clip = api.import_file("alice", b"not really a clip", ".mp4")
    track = api.import_file("alice", b"RIFF", ".wav")
    options = {"offset_s": 1.0}
    (combine_id,) = api.submit(
        "alice", "combine", {"video_path": clip.id, "audio_path": track.id, "options": options}
    )
    combine = api.get(combine_id)
    assert combine is not None and combine.kind == "combine"
    assert set(combine.source_ids) == {clip.id, track.id}
    score = {"video_path": clip.id, "description": "calm piano", "duration": 4.0}
    (score_id,) = api.submit("alice", "score", score)
    assert api.get(score_id).kind == "score"  # type: ignore[union-attr]
    with pytest.raises(ParamError, match="combine jobs have no seed to vary"):
        api.submit(
            "alice", "combine", {"video_path": clip.id, "audio_path": track.id}, variations=2
        )
    with pytest.raises(CostTooHigh, match="300 s"):  # a score's music is checked as such
        api.submit("alice", "score", {**score, "duration": 300.0, "model": "musicgen-large"})


def test_only_the_owner_or_an_admin_may_cancel(api: JobService):
    (job_id,) = api.submit("alice", "modelscope-t2v-1.7b", {"prompt": "a fox"})
    with pytest.raises(NotAllowed):
        api.cancel(job_id, "bob")
    with pytest.raises(NotFound):
        api.cancel("0" * 32, "alice")
    assert api.cancel(job_id, "root", admin=True).status == CANCELLED


def test_assets_are_only_reachable_by_their_owner(api: JobService):
    asset = api.import_file("alice", b"RIFF....WAVE", ".wav")
    assert asset.path == f"assets/alice/{asset.id}.wav"
    assert api.read_asset(asset.id, "alice") == b"RIFF....WAVE"
    assert [a.id for a in api.assets("alice")] == [asset.id]
    assert api.assets("bob") == []
    with pytest.raises(NotFound):
        api.asset_path(asset.id, "bob")
    assert api.asset_path(asset.id, "root", admin=True).is_file()
    with pytest.raises(ValueError):
        api.import_file("alice", b"x", "/../../x")

    api.delete_asset(asset.id, "alice")
    assert api.assets("alice") == []
    assert not (api.config.data_dir / asset.path).exists()


def test_a_file_param_must_be_the_id_of_one_of_the_owners_assets_of_its_media(
    api: JobService, tmp_path: Path
):
    theirs = api.import_file("bob", b"RIFF", ".wav")
    my_clip = api.import_file("alice", b"\x00\x00\x00\x18ftypmp42", ".mp4")
    mine = api.import_file("alice", b"RIFF", ".wav")
    stray = tmp_path / "elsewhere.wav"
    stray.write_bytes(b"RIFF")
    refused = (
        theirs.id,  # another user's asset reads as unknown
        my_clip.id,  # a video where audio is declared
        str(api.config.data_dir / mine.path),  # a path, even to one of mine
        str(stray),
        "/etc/passwd",
        "0" * 32,
    )
    for value in refused:
        with pytest.raises(
            ParamError, match="`melody_path` must be the id of one of your audio files"
        ):
            api.submit("alice", "musicgen-melody", {"description": "x", "melody_path": value})
    assert api.list("alice") == []

    (job_id,) = api.submit("alice", "musicgen-melody", {"description": "x", "melody_path": mine.id})
    job = api.get(job_id)
    assert job is not None and job.source_ids == (mine.id,)
    assert job.params["melody_path"] == mine.id  # the id travels, never a path
