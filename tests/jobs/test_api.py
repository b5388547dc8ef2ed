"""The page-facing API: validation at submit, ownership, asset access, light imports."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from engines.errors import ParamError
from engines.families.musicgen import MusicParams
from engines.families.text_to_video_sd import VideoParams
from jobs.api import JobsAPI, NotAllowed, NotFound
from jobs.catalog.records import CANCELLED, QUEUED
from tests.fixtures.jobs import on_both_queues
from tests.jobs.harness import REPO


def test_importing_the_api_loads_no_torch_diffusers_or_transformers():
    code = (
        "import sys, jobs.api, jobs.catalog\n"
        "from jobs.kinds import KINDS\n"
        "[kind.params_type() for kind in KINDS.values()]\n"
        "heavy = {'torch', 'diffusers', 'transformers'} & set(sys.modules)\n"
        "assert not heavy, heavy\n"
    )
    subprocess.run([sys.executable, "-c", code], cwd=REPO, check=True, timeout=120)


def test_bad_params_fail_at_submit_and_never_become_jobs(api: JobsAPI):
    with pytest.raises(ParamError, match="`steps` must be between 1 and 100"):
        api.submit("alice", {"prompt": "a fox", "steps": 0}, kind="video")
    with pytest.raises(ParamError, match="Unknown video parameter"):
        api.submit("alice", {"prompt": "a fox", "colour": "red"}, kind="video")
    with pytest.raises(ParamError, match="Unknown job kind"):
        api.submit("alice", {"prompt": "a fox"}, kind="poem")
    with pytest.raises(ParamError, match="is empty"):
        api.submit("alice", {"description": "  "}, kind="music")
    with pytest.raises(ValueError, match="not a valid user name"):
        api.submit("../bob", VideoParams(prompt="a fox"))
    assert api.list_all() == []
    assert api.broker.pending() == set()


@on_both_queues
def test_submit_stores_validated_params_and_leaves_sending_to_the_keeper(api: JobsAPI):
    job_id = api.submit("alice", VideoParams(prompt="a fox", steps=3, seed=5))
    job = api.get(job_id)
    assert job is not None
    assert (job.owner, job.kind, job.status, job.delivery) == ("alice", "video", QUEUED, 1)
    # The job names its model (the default, none being given): a remote worker loads that.
    expected = VideoParams(prompt="a fox", steps=3, seed=5, model="modelscope-t2v-1.7b")
    assert job.params == {**expected.__dict__}
    # The keeper sends it in fair order once a worker is free; until then it waits here.
    assert job.dispatched_at is None and api.broker.pending() == set()
    assert [j.id for j in api.list("alice")] == [job_id]
    assert api.list("bob") == []
    assert api.get(job_id, "bob") is None  # pages pass the user: others' jobs are not found
    assert api.get(job_id, "root", admin=True) is not None


def test_only_the_owner_or_an_admin_may_cancel(api: JobsAPI):
    job_id = api.submit("alice", VideoParams(prompt="a fox"))
    with pytest.raises(NotAllowed):
        api.cancel(job_id, "bob")
    with pytest.raises(NotFound):
        api.cancel("0" * 32, "alice")
    assert api.cancel(job_id, "root", admin=True).status == CANCELLED


def test_assets_are_only_reachable_by_their_owner(api: JobsAPI):
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


def test_a_file_param_must_be_one_of_the_owners_assets(api: JobsAPI, tmp_path: Path):
    theirs = api.import_file("bob", b"RIFF", ".wav")
    stray = tmp_path / "elsewhere.wav"
    stray.write_bytes(b"RIFF")
    for path in (str(api.config.data_dir / theirs.path), str(stray), "/etc/passwd"):
        with pytest.raises(ParamError, match="must be one of your files"):
            api.submit("alice", MusicParams(description="calm piano", melody_path=path))
    assert api.list("alice") == []

    mine = api.import_file("alice", b"RIFF", ".wav")
    melody_path = str(api.config.data_dir / mine.path)
    job_id = api.submit("alice", MusicParams(description="calm piano", melody_path=melody_path))
    job = api.get(job_id)
    assert job is not None and job.source_ids == (mine.id,)
