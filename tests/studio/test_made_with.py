"""A file dropped on the Text to video or Music page fills the form with the settings
inside it; a file without them gets a clear message."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from streamlit.testing.v1 import AppTest

from engines.families.musicgen import MusicParams
from engines.families.text_to_video_sd import VideoParams
from engines.media.settings_tag import embed_settings
from jobs.assets import settings_for_file
from studio.ui.text import as_markdown_text
from tests.fixtures.studio import USERS, log_in, open_app
from tests.media_factory import make_h264_clip, make_tone

VIDEO_PAGE = "app_pages/video.py"


def studio_file(path: Path, kind: str, params: object, seed: int) -> bytes:
    """A file tagged as the worker tags every result (jobs.assets.settings_for_file)."""
    data = {**dataclasses.asdict(params), "seed": seed}
    meta = {"model": data["model"], "revision": None, "seed": seed}
    embed_settings(path, settings_for_file(kind, data, meta, []))
    return path.read_bytes()


def video_page() -> AppTest:
    return log_in(open_app(), "ana", USERS["ana"])  # Text to video is the first page


def test_a_dropped_clip_fills_the_video_form(studio_data: Path, tmp_path: Path):
    params = VideoParams(
        prompt="a crane over a lake", negative_prompt="blurry", num_frames=5, steps=3,
        guidance_scale=7.5, model="modelscope-t2v-1.7b",
    )  # fmt: skip
    clip = studio_file(make_h264_clip(tmp_path / "crane.mp4"), "video", params, seed=4242)
    app = video_page()
    app.file_uploader(key="video_made_with").set_value(("crane.mp4", clip, "video/mp4")).run()
    assert not app.exception
    assert app.text_area(key="video_prompt").value == "a crane over a lake"
    assert app.text_input(key="video_negative").value == "blurry"
    assert (app.slider(key="video_frames").value, app.slider(key="video_steps").value) == (5, 3)
    assert app.slider(key="video_guidance").value == 7.5
    assert app.number_input(key="video_seed").value == 4242
    assert "seed 4242" in app.success[0].value
    app.text_area(key="video_prompt").input("a heron instead").run()
    assert app.text_area(key="video_prompt").value == "a heron instead"  # filled once, not again


def test_a_file_without_settings_gets_a_clear_message(studio_data: Path, tmp_path: Path):
    clip = make_h264_clip(tmp_path / "holiday.mp4").read_bytes()
    app = video_page()
    app.file_uploader(key="video_made_with").set_value(("holiday.mp4", clip, "video/mp4")).run()
    assert not app.exception
    assert "holiday.mp4 carries no settings from this studio" in app.warning[0].value
    assert not app.text_area(key="video_prompt").value  # the form is left as it was


def test_a_track_dropped_on_the_video_page_fills_the_music_form(studio_data: Path, tmp_path: Path):
    params = MusicParams(description="a slow cello", duration=4.5, model="musicgen-small")
    track = studio_file(make_tone(tmp_path / "cello.wav"), "music", params, seed=7)
    app = video_page()
    app.file_uploader(key="video_made_with").set_value(("cello.wav", track, "audio/wav")).run()
    assert not app.exception
    assert [t.value for t in app.title] == ["Music"]
    assert app.text_area(key="music_description").value == "a slow cello"
    assert app.slider(key="music_duration").value == 4.5
    assert "on the Music page" in app.success[0].value


def library_page() -> AppTest:
    app = video_page()
    app.switch_page("app_pages/library.py").run()
    assert [t.value for t in app.title] == ["Library"]
    return app


def test_a_clip_dropped_on_the_library_opens_text_to_video_filled(
    studio_data: Path, tmp_path: Path
):
    params = VideoParams(
        prompt="a kite over dunes", num_frames=6, steps=4, model="zeroscope-v2-576w"
    )
    clip = studio_file(make_h264_clip(tmp_path / "kite.mp4"), "video", params, seed=31)
    app = library_page()  # ana has no files yet: the drop zone is there all the same
    app.file_uploader(key="library_made_with").set_value(("kite.mp4", clip, "video/mp4")).run()
    assert not app.exception
    assert [t.value for t in app.title] == ["Text to video"]
    assert app.selectbox(key="video_model").value == "zeroscope-v2-576w"
    assert app.text_area(key="video_prompt").value == "a kite over dunes"
    assert (app.slider(key="video_frames").value, app.slider(key="video_steps").value) == (6, 4)
    assert app.number_input(key="video_seed").value == 31
    assert app.checkbox(key="video_random_seed").value is False
    (note,) = [s.value for s in app.success]
    assert "on the Text to video page" in note and "kite.mp4" in note and "seed 31" in note


def test_a_track_dropped_on_the_library_opens_music_filled(studio_data: Path, tmp_path: Path):
    params = MusicParams(description="a banjo at dawn", duration=3.5, model="musicgen-small")
    track = studio_file(make_tone(tmp_path / "banjo.wav"), "music", params, seed=88)
    app = library_page()
    app.file_uploader(key="library_made_with").set_value(("banjo.wav", track, "audio/wav")).run()
    assert not app.exception
    assert [t.value for t in app.title] == ["Music"]
    assert app.text_area(key="music_description").value == "a banjo at dawn"
    assert app.slider(key="music_duration").value == 3.5
    assert app.number_input(key="music_seed").value == 88
    assert "on the Music page" in app.success[0].value


def test_a_file_without_settings_dropped_on_the_library_stays_with_a_message(
    studio_data: Path, tmp_path: Path
):
    tone = make_tone(tmp_path / "field-recording.wav").read_bytes()
    app = library_page()
    upload = ("field-recording.wav", tone, "audio/wav")
    app.file_uploader(key="library_made_with").set_value(upload).run()
    assert not app.exception
    assert [t.value for t in app.title] == ["Library"]
    assert "field-recording.wav carries no settings from this studio" in app.warning[0].value
    assert "music_description" not in app.session_state  # no form was filled


def test_a_melody_track_names_its_melody_by_id_and_fills_the_picker_only_for_its_owner(
    studio_data: Path, tmp_path: Path
):
    from jobs.service import JobService

    api = JobService()
    hum = api.import_file("ana", make_tone(tmp_path / "hum.wav").read_bytes(), ".wav")
    bens = api.import_file("ben", make_tone(tmp_path / "b.wav", 330).read_bytes(), ".wav")
    for melody, picked in ((hum.id, hum.id), (bens.id, None)):
        params = MusicParams(description="a harp", model="musicgen-melody", melody_path=melody)
        track = studio_file(make_tone(tmp_path / "harp.wav"), "music", params, seed=5)
        assert str(tmp_path) not in track.decode("latin-1")  # the tag holds no server path
        app = library_page()
        app.file_uploader(key="library_made_with").set_value(("harp.wav", track, "audio/wav"))
        app.run()
        assert not app.exception
        assert app.selectbox(key="music_model").value == "musicgen-melody"
        # Ana's own melody comes back in the picker; Ben's id is not hers to use.
        assert app.selectbox(key="music_melody_pick").value == picked
    api.close()


def test_hostile_settings_fill_what_holds_and_name_the_rest_without_a_crash(
    studio_data: Path, tmp_path: Path
):
    clip = make_h264_clip(tmp_path / "odd.mp4")
    params = {
        "model": "modelscope-t2v-1.7b", "prompt": "a fox in snow", "steps": 10**30,
        "guidance_scale": "high", "num_frames": [5], "lora": "/etc/passwd",
    }  # fmt: skip
    settings = {"job_kind": "video", "model": "modelscope-t2v-1.7b", "params": params}
    embed_settings(clip, {**settings, "seed": 2**80})
    app = video_page()
    app.file_uploader(key="video_made_with").set_value(("odd.mp4", clip.read_bytes(), "video/mp4"))
    app.run()
    assert not app.exception
    assert app.text_area(key="video_prompt").value == "a fox in snow"  # what holds is filled
    (note,) = [w.value for w in app.warning if "Left out" in w.value]
    for named in ("`steps`", "`guidance_scale`", "`num_frames`", "lora", "`seed`"):
        assert as_markdown_text(named) in note, (named, note)
    app.button(key="video_generate").click().run()  # the form still works
    assert not app.exception
