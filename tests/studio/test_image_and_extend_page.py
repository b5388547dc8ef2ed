"""The video page with a model that starts from a picture: a frame of one of your clips
becomes the first frame (an image asset of its own), the fit is shown before submit, and
"Extend" opens the extension's form, whose submit queues an extend job."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from jobs.service import JobService
from tests.fixtures.studio import USERS, log_in, open_app
from tests.image_factory import png_bytes
from tests.media_factory import make_clip

MODEL = "wan2.2-ti2v-5b"


def on_model(app: AppTest) -> AppTest:
    app.selectbox(key="video_model").set_value(MODEL).run()
    assert not app.exception, app.exception
    return app


def captions(app: AppTest) -> list[str]:
    return [c.value for c in app.caption]


def test_a_frame_of_a_clip_becomes_the_first_frame_and_the_fit_is_shown(
    studio_data: Path, tmp_path: Path
):
    api = JobService()
    path = make_clip(tmp_path / "dunes.mp4", seconds=1.0, fps=8, size=(80, 48))
    clip = api.import_file("ana", path.read_bytes(), ".mp4", params={"uploaded_as": "dunes.mp4"})
    app = on_model(log_in(open_app(), "ana", USERS["ana"]))
    app.radio(key="video_image_pick_which").set_value("last").run()
    app.button(key="video_image_pick_take").click().run()
    assert not app.exception and not app.error, [e.value for e in app.error]
    (frame,) = api.assets("ana", output_type="image")
    assert frame.params["uploaded_as"] == "Last frame of dunes.mp4"
    assert frame.params["frame_of"] == clip.id
    assert app.selectbox(key="video_image_pick").value == frame.id  # chosen as the input
    assert "First frame: cropped to 1280x704, centre." in captions(app)  # the model's defaults
    # A picture of the clip's own shape is only resized.
    api.import_file("ana", png_bytes((640, 352)), ".png", params={"uploaded_as": "wide.png"})
    wide = api.assets("ana", output_type="image")[0]
    app.run()  # the picker lists it now
    app.selectbox(key="video_image_pick").set_value(wide.id).run()
    assert "First frame: resized to 1280x704." in captions(app)
    app.text_area(key="video_prompt").input("dunes at dusk")
    app.button(key="video_generate").click().run()
    job = api.get(app.session_state["video_job"])
    assert job is not None and job.params["image"] == wide.id and job.params["model"] == MODEL
    api.close()


def test_extend_opens_its_form_and_queues_an_extend_job(studio_data: Path, tmp_path: Path):
    api = JobService()
    path = make_clip(tmp_path / "fox.mp4", seconds=1.0, fps=8, size=(64, 32))
    clip = api.import_file("ana", path.read_bytes(), ".mp4", params={"uploaded_as": "fox.mp4"})
    app = log_in(open_app(), "ana", USERS["ana"])
    assert not app.get("text_area") or all(t.key != "extend_prompt" for t in app.text_area)
    app.session_state["extend_from"] = clip.id  # what a card's "Extend" sets
    app.run()
    assert not app.exception
    assert "Extend a clip" in [h.value for h in app.subheader]
    picker = app.selectbox(key="extend_model")
    assert (
        MODEL in picker.options and "modelscope-t2v-1.7b" not in picker.options
    )  # only those that can
    picker.set_value(MODEL)
    app.text_area(key="extend_prompt").input("the fox runs on")
    app.slider(key="extend_seconds").set_value(1.5)
    app.button(key="extend_go").click().run()
    assert not app.exception and not app.error, [e.value for e in app.error]
    job = api.get(app.session_state["extend_job"])
    assert job is not None and job.kind == "extend"
    assert job.params["extend_from"] == clip.id and job.params["seconds"] == 1.5
    assert job.params["model"] == MODEL and job.source_ids == (clip.id,)
    api.close()
