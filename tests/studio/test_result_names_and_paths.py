"""A newcomer's results over the API (issue 19, item 10), with a live worker on tiny
models: a clip under a second can be scored, combined and scored results are named from
their sources, and no file tag nor API answer carries a server path."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from jobs.service import JobService
from studio.accounts.login_cookie import COOKIE_NAME
from studio.services import WebConfig
from tests.fixtures.studio import USERS, login_cookie, web_app, web_config
from tests.jobs.harness import InProcessStudio, wait_for_jobs
from tests.media_factory import make_tone, read_facts

PROMPT = "a lighthouse keeper waving at passing ships in a storm"
CLIP = {"prompt": PROMPT, "num_frames": 2, "steps": 2, "height": 64, "width": 64, "fps": 4}


def file_tag(path: Path) -> str:
    """The file's tags as ffprobe prints them: what anyone who downloads it can read."""
    found = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "format_tags", "-of", "json", str(path)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return found.stdout


def cookie(data_dir: Path) -> str:
    found = login_cookie(data_dir, "ana", USERS["ana"])
    assert found is not None
    return found


def no_server_path(text: str, data_dir: Path) -> None:
    for where in (str(data_dir), str(data_dir.resolve()), "/tmp/", "/root/", "/home/"):
        assert where not in text, f"{where!r} in {text[:2000]}"


@pytest.mark.slow  # four tiny jobs through a live worker
def test_results_are_named_from_their_sources_and_carry_no_server_path(
    studio_data: Path, live_jobs: InProcessStudio, tmp_path: Path
):
    config: WebConfig = web_config(studio_data)
    api = JobService()
    client = TestClient(web_app(config, api), follow_redirects=False)
    ana = {"Authorization": f"Bearer {config.tokens.create('ana', 'script')}"}

    def run(model: str, params: dict) -> dict:
        answer = client.post("/api/v1/jobs", json={"model": model, "params": params}, headers=ana)
        assert answer.status_code == 201, answer.text
        (job,) = wait_for_jobs(api, [answer.json()["id"]])
        assert job.status == "done", job.error
        listed = client.get("/api/v1/assets", headers=ana).json()
        return next(a for a in listed if a["id"] == job.asset_id) | {"job": job.id}

    tone = make_tone(tmp_path / "hum.wav", seconds=1.0).read_bytes()
    upload = client.post(
        "/api/v1/uploads", data={"output_type": "audio"}, files={"file": ("hum.wav", tone)},
        headers=ana,
    )  # fmt: skip
    assert upload.status_code == 201, upload.text
    video = run("modelscope-t2v-1.7b", CLIP)  # 2 frames at 4 fps: half a second
    track = run("musicgen-melody", {"description": "calm", "duration": 1.0,
                                    "melody_path": upload.json()["id"]})  # fmt: skip
    combined = run("combine", {"video_path": video["id"], "audio_path": track["id"]})
    # Fades three times the clip's length: a score fits them, it does not refuse the clip.
    scored = run("score", {"video_path": video["id"], "description": "a soft hum",
                           "duration": 1.0, "fade_in_s": 0.5, "fade_out_s": 1.0})  # fmt: skip

    assert scored["title"] == f"Scored: {PROMPT}"
    assert combined["title"] == f"Combined: {PROMPT} + calm"
    scored_asset = api.asset(scored["id"], "ana")
    facts = read_facts(api.asset_path(scored["id"], "ana"))
    assert facts.codecs == ("h264", "aac") and abs(facts.duration_s - 0.5) <= 0.13
    fade_in, fade_out = scored_asset.meta["combine"]["fades_s"]  # a quarter second in all
    assert (round(fade_in, 3), round(fade_out, 3)) == (0.083, 0.167)
    browser = TestClient(web_app(config, api), cookies={COOKIE_NAME: cookie(studio_data)})
    download = browser.get(f"/files/{scored['id']}/download")
    assert download.status_code == 200
    disposition = download.headers["content-disposition"]
    assert 'filename="scored-a-lighthouse-keeper-waving-at-passing.mp4"' in disposition
    named = browser.get(f"/files/{combined['id']}/download")
    assert "combined-a-lighthouse-keeper-with-calm.mp4" in named.headers["content-disposition"]

    # No server path anywhere a user or a script can read: the tags, the API's answers.
    for asset in (video, track, combined, scored):
        tag = file_tag(api.asset_path(asset["id"], "ana"))
        assert "studio_settings" in tag
        no_server_path(tag, studio_data)
        no_server_path(json.dumps(asset), studio_data)
        job = client.get(f"/api/v1/jobs/{asset['job']}", headers=ana).json()
        assert job["progress"] == "Done"
        no_server_path(json.dumps(job), studio_data)
    settings = json.loads(json.loads(file_tag(api.asset_path(video["id"], "ana")))["format"]
                          ["tags"]["comment"])["studio_settings"]  # fmt: skip
    assert settings["weights"] == "modelscope-t2v-1.7b"  # the tiny folder's name, no path
    listed = client.get("/api/v1/assets", headers=ana).text
    listed += client.get("/api/v1/jobs", headers=ana).text
    no_server_path(listed, studio_data)
    # What the catalog keeps of each run (the Library shows it) holds names alone too.
    for asset in (video, track, combined, scored):
        no_server_path(json.dumps(api.asset(asset["id"], "ana").meta), studio_data)
    api.close()


def test_the_api_says_loading_the_model_before_the_first_step(studio_data: Path):
    config = web_config(studio_data)
    api = JobService()
    client = TestClient(web_app(config, api), follow_redirects=False)
    ana = {"Authorization": f"Bearer {config.tokens.create('ana', 'script')}"}
    (job_id,) = api.submit("ana", "modelscope-t2v-1.7b", CLIP)
    assert client.get(f"/api/v1/jobs/{job_id}", headers=ana).json()["progress"] == (
        "Waiting in the queue"
    )
    delivery = api.catalog.jobs.get(job_id).delivery  # type: ignore[union-attr]
    api.catalog.transitions.mark_running(job_id, delivery, "w:1")  # as a worker does
    api.catalog.transitions.record_progress(job_id, delivery, 0, 0, None, "loading the model")
    answer = client.get(f"/api/v1/jobs/{job_id}", headers=ana).json()
    assert (answer["phase"], answer["progress"]) == ("loading the model", "Loading the model")
    api.catalog.transitions.record_progress(job_id, delivery, 3, 8, 2.0, "denoising")
    answer = client.get(f"/api/v1/jobs/{job_id}", headers=ana).json()
    assert answer["progress"] == "Denoising: step 3 of 8"
    api.close()


def test_an_asset_stored_with_paths_by_an_older_version_is_answered_by_names(
    studio_data: Path, tmp_path: Path
):
    config = web_config(studio_data)
    api = JobService()
    client = TestClient(web_app(config, api), follow_redirects=False)
    ana = {"Authorization": f"Bearer {config.tokens.create('ana', 'script')}"}
    tone = make_tone(tmp_path / "hum.wav", seconds=1.0).read_bytes()
    legacy = {"description": "calm", "melody_path": f"{studio_data}/assets/ana/hum.wav"}
    api.import_file("ana", tone, ".wav", params=legacy)
    (answer,) = client.get("/api/v1/assets", headers=ana).json()
    assert answer["params"]["melody_path"] == "hum.wav"  # its name alone
    no_server_path(json.dumps(answer), studio_data)
    api.close()
