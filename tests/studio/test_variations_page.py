"""Variations on the Text to video and Music pages: one click, N clips or tracks with
consecutive seeds side by side; keep one (the rest are deleted) and send it to Combine."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from streamlit.testing.v1 import AppTest

from engines.catalog import AUDIO
from engines.settings import Settings
from jobs.service import JobService
from tests.fixtures.studio import USERS, log_in, open_app, rerun_until


@pytest.mark.slow  # three clips
def test_three_variations_side_by_side_keep_one_and_send_it_to_combine(
    studio_data: Path, live_jobs
):
    app = log_in(open_app(), "ana", USERS["ana"])
    app.text_area(key="video_prompt").input("a lighthouse at dusk")
    app.slider(key="video_frames").set_value(2)
    app.slider(key="video_steps").set_value(1)
    app.checkbox(key="video_random_seed").uncheck().run()
    app.number_input(key="video_seed").set_value(10)
    app.select_slider(key="video_variations").set_value(3)
    app.button(key="video_generate").click().run()
    assert not app.exception and not app.error
    ids = app.session_state["video_group"]
    assert len(ids) == 3
    jobs = live_jobs.wait(ids)
    assert [j.params["seed"] for j in jobs] == [10, 11, 12]
    assert {j.params["prompt"] for j in jobs} == {"a lighthouse at dusk"}

    app = rerun_until(app, lambda a: len([b for b in a.button if b.label == "Keep this one"]) == 3)
    assert [c.value for c in app.caption if c.value.startswith("Seed ")] == [
        "Seed 10", "Seed 11", "Seed 12",
    ]  # fmt: skip
    app.button(key=f"video_keep_{ids[1]}").click().run()
    assert not app.exception
    kept = jobs[1].asset_id
    assert [a.id for a in live_jobs.api.assets("ana")] == [kept]  # the other two are deleted

    assert [b for b in app.button if b.label == "Keep this one"] == []  # the group ended
    app.button(key=f"job{ids[1][:8]}-combine-{kept}").click().run()  # its card in Your latest
    assert [t.value for t in app.title] == ["Combine"]
    assert app.selectbox(key="combine_video_choice").value.endswith(str(kept)[:6])


def melody_wav() -> bytes:
    rate = 32_000
    out = io.BytesIO()
    sf.write(out, 0.5 * np.sin(2 * np.pi * 262 * np.arange(rate) / rate), rate, format="WAV")
    return out.getvalue()


def music_page() -> AppTest:
    app = log_in(open_app(), "ana", USERS["ana"])
    app.switch_page("app_pages/music.py").run()
    return app


@pytest.mark.slow  # two melody tracks
def test_two_melody_tracks_side_by_side_send_one_to_combine_and_keep_it(
    studio_data: Path, live_jobs
):
    app = music_page()
    app.selectbox(key="music_model").set_value("musicgen-melody").run()
    app.text_area(key="music_description").input("a hummed tune on a harp")
    app.slider(key="music_duration").set_value(1.0)
    app.checkbox(key="music_random_seed").uncheck().run()
    app.number_input(key="music_seed").set_value(500)
    app.file_uploader(key="music_melody").set_value(("hum.wav", melody_wav(), "audio/wav"))
    app.select_slider(key="music_variations").set_value(2)
    app.button(key="music_generate").click().run()
    assert not app.exception and not app.error, [e.value for e in app.error]
    ids = app.session_state["music_group"]
    jobs = live_jobs.wait(ids)
    assert [j.status for j in jobs] == ["done", "done"], [j.error for j in jobs]
    assert [j.params["seed"] for j in jobs] == [500, 501]
    (melody,) = {j.params["melody_path"] for j in jobs}  # both follow the one melody
    (upload,) = live_jobs.api.assets("ana", source="uploaded")
    assert upload.id == melody  # a job names its input by asset id, never by a path
    assert all(j.source_ids == (upload.id,) for j in jobs)

    app = rerun_until(app, lambda a: len([b for b in a.button if b.label == "Keep this one"]) == 2)
    assert [c.value for c in app.caption if c.value.startswith("Seed ")] == ["Seed 500", "Seed 501"]
    assert len(app.get("audio")) >= 2  # a player under each seed
    refreshed = music_page()  # a refresh is a new session: the group comes from the catalog
    assert [b.key for b in refreshed.button if b.label == "Keep this one"] == [
        f"music_keep_{job_id}" for job_id in ids
    ]

    sends = [b.key for b in app.button if b.label == "Send to Combine"]
    assert len(sends) == 2 and all(str(key).startswith("music-variation") for key in sends)
    app.button(key=f"music-variation{ids[1][:8]}-combine-{jobs[1].asset_id}").click().run()
    assert [t.value for t in app.title] == ["Combine"]
    assert app.selectbox(key="combine_track_choice").value.endswith(str(jobs[1].asset_id)[:6])

    app.switch_page("app_pages/music.py").run()  # the group is still there
    app.button(key=f"music_keep_{ids[1]}").click().run()
    assert not app.exception
    left = {a.id for a in live_jobs.api.assets("ana")}
    assert left == {jobs[1].asset_id, upload.id}  # the other track is gone, the melody stays
    assert not [b for b in app.button if b.label == "Keep this one"]  # the group has ended
    assert not [b for b in music_page().button if b.label == "Keep this one"]  # refreshed too


@pytest.mark.parametrize("model", [e.name for e in Settings(tiny=True).enabled_models(AUDIO)])
def test_every_audio_model_queues_its_variations_with_consecutive_seeds(
    studio_data: Path, model: str
):
    app = music_page()
    app.selectbox(key="music_model").set_value(model).run()
    app.text_area(key="music_description").input("rain on a tin roof")
    app.checkbox(key="music_random_seed").uncheck().run()
    app.number_input(key="music_seed").set_value(9)
    app.select_slider(key="music_variations").set_value(3)
    app.button(key="music_generate").click().run()
    assert not app.exception and not app.error, [e.value for e in app.error]
    api = JobService()
    jobs = [api.get(job_id) for job_id in app.session_state["music_group"]]
    assert [(j.kind, j.params["model"], j.params["seed"]) for j in jobs if j] == [
        ("music", model, 9), ("music", model, 10), ("music", model, 11),
    ]  # fmt: skip

    app.button(key="music_generate").click().run()  # 3 more: only 1 of 4 places is free
    assert app.error and "ask for 1 or fewer" in app.error[0].value, app.error
    assert len(api.list("ana")) == 3  # all or none
    api.close()
