"""The model picker: the form redraws for the chosen model, and reuse brings it back."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from engines.catalog import CATALOG
from jobs.service import JobService
from tests.fixtures.studio import USERS, log_in, open_app, rerun_until


def melody_uploaders(app: AppTest) -> list:
    """The page's uploaders but the "made with" drop zone every form page has."""
    return [u for u in app.get("file_uploader") if u.proto.id and "made_with" not in u.proto.id]


def test_the_picker_lists_video_models_and_the_form_follows_the_choice(studio_data: Path):
    app = log_in(open_app(), "ana", USERS["ana"])
    picker = app.selectbox(key="video_model")
    video_models = [e for e in CATALOG.values() if e.output == "video"]
    assert picker.options == [f"{e.name} ({e.licence})" for e in video_models]
    assert picker.options[0] == "modelscope-t2v-1.7b (CC-BY-NC-4.0)"  # the default first
    assert "ModelScope 1.7B" in app.caption[0].value and "CC-BY-NC-4.0" in app.caption[0].value
    assert app.slider(key="video_frames").max == 64 and app.slider(key="video_frames").value == 16

    picker.set_value("wan2.1-t2v-1.3b").run()
    assert not app.exception
    assert "Apache-2.0" in app.caption[0].value
    frames = app.select_slider(key="video_frames")
    assert frames.value == 81  # Wan's default, from its declared params
    assert frames.options[:4] == ["1", "5", "9", "13"]  # only 4k+1 frame counts
    assert (
        app.select_slider(key="video_height").value,
        app.select_slider(key="video_width").value,
    ) == (480, 832)
    assert "multiple of 16" in str(app.select_slider(key="video_height").help)

    app.selectbox(key="video_model").set_value("zeroscope-v2-576w").run()
    assert app.select_slider(key="video_width").value == 576  # zeroscope's own default
    assert app.slider(key="video_frames").value == 24


def test_only_enabled_models_are_offered(studio_data: Path, monkeypatch):
    monkeypatch.setenv("STUDIO_MODELS_ENABLED", "wan2.1-t2v-1.3b,musicgen-stereo-small")
    app = log_in(open_app(), "ana", USERS["ana"])
    assert [o.split()[0] for o in app.selectbox(key="video_model").options] == [
        "modelscope-t2v-1.7b",  # the default is always there
        "wan2.1-t2v-1.3b",
    ]
    app.switch_page("app_pages/music.py").run()
    assert [o.split()[0] for o in app.selectbox(key="music_model").options] == [
        "musicgen-small",
        "musicgen-stereo-small",
    ]
    assert melody_uploaders(app) == []  # no melody model: no melody upload


@pytest.mark.slow  # a Wan job
def test_reuse_of_a_wan_result_refills_a_wan_form(studio_data: Path, live_jobs):
    app = log_in(open_app(), "ana", USERS["ana"])
    app.selectbox(key="video_model").set_value("wan2.1-t2v-1.3b").run()
    app.text_area(key="video_prompt").input("a crane over a lake")
    app.select_slider(key="video_frames").set_value(5)
    app.select_slider(key="video_height").set_value(32)
    app.select_slider(key="video_width").set_value(48)
    app.slider(key="video_steps").set_value(1)
    app.checkbox(key="video_random_seed").uncheck().run()
    app.number_input(key="video_seed").set_value(99)
    app.button(key="video_generate").click().run()
    assert not app.exception and not app.error
    live_jobs.wait([app.session_state["video_job"]])

    app.switch_page("app_pages/library.py").run()
    assert "wan2.1-t2v-1.3b" in str([c.value for c in app.caption])  # the card names it
    (asset,) = JobService().assets("ana")
    app.button(key=f"lib-open-{asset.id}").click().run()
    app.button(key=f"dialog-reuse-{asset.id}").click().run()
    app = rerun_until(app, lambda a: bool(a.title) and a.title[0].value == "Text to video")
    assert app.selectbox(key="video_model").value == "wan2.1-t2v-1.3b"
    assert app.select_slider(key="video_frames").value == 5
    assert (
        app.select_slider(key="video_height").value,
        app.select_slider(key="video_width").value,
    ) == (32, 48)
    assert app.text_area(key="video_prompt").value == "a crane over a lake"
    assert app.number_input(key="video_seed").value == 99


def test_the_music_form_follows_the_model_and_a_melody_model_asks_for_a_melody(
    studio_data: Path,
):
    app = log_in(open_app(), "ana", USERS["ana"])
    app.switch_page("app_pages/music.py").run()
    assert melody_uploaders(app) == []  # musicgen-small follows no melody
    assert app.slider(key="music_duration").value == 10.0
    assert "Seconds of audio" in str(app.slider(key="music_duration").help)
    app.selectbox(key="music_model").set_value("musicgen-melody").run()
    assert not app.exception
    assert len(melody_uploaders(app)) == 1
    assert "hummed or played melody" in app.caption[0].value
    (recorder,) = app.get("audio_input")  # or record the melody in the browser
    assert recorder.proto.sample_rate == CATALOG["musicgen-melody"].sample_rate  # its own rate
    assert app.slider(key="music_duration").max == 300.0  # long tracks, window by window


@pytest.mark.slow  # a Stable Audio job
def test_stable_audio_shows_its_own_form_and_submits_without_a_melody(studio_data: Path, live_jobs):
    app = log_in(open_app(), "ana", USERS["ana"])
    app.switch_page("app_pages/music.py").run()
    app.selectbox(key="music_model").set_value("stable-audio-open-1.0").run()
    assert not app.exception
    assert "Stability AI Community License" in app.caption[0].value
    assert app.slider(key="music_duration").max == 47.0
    assert melody_uploaders(app) == [] and app.get("audio_input") == []
    app.text_area(key="music_description").input("rain on a tin roof")
    app.slider(key="music_duration").set_value(2.0)
    app.slider(key="music_steps").set_value(2)
    app.button(key="music_generate").click().run()
    assert not app.exception and not app.error
    (job,) = live_jobs.wait([app.session_state["music_job"]])
    assert job.status == "done", job


def test_acestep_shows_a_lyrics_box_and_its_song_options(studio_data: Path):
    app = log_in(open_app(), "ana", USERS["ana"])
    app.switch_page("app_pages/music.py").run()
    assert [t for t in app.text_area if t.label == "Lyrics"] == []
    app.selectbox(key="music_model").set_value("acestep-v1.5-turbo").run()
    assert not app.exception
    (lyrics,) = [t for t in app.text_area if t.label == "Lyrics"]
    assert "[verse]" in str(lyrics.help)
    description = app.text_area(key="music_description")
    assert "surf rock" in description.placeholder and not lyrics.placeholder  # lyrics: no style
    assert app.slider(key="music_duration").value == 60.0
    assert app.slider(key="music_duration").max == 240.0
    assert app.slider(key="music_steps").value == 8
    assert melody_uploaders(app) == [] and app.get("audio_input") == []


def test_acestep_song_options_reach_the_job_and_an_empty_bpm_lets_the_model_choose(
    studio_data: Path,
):
    app = log_in(open_app(), "ana", USERS["ana"])
    app.switch_page("app_pages/music.py").run()
    assert [n for n in app.number_input if n.key == "music_bpm"] == []  # MusicGen takes none
    app.selectbox(key="music_model").set_value("acestep-v1.5-turbo").run()
    bpm = app.number_input(key="music_bpm")
    assert bpm.value is None and (bpm.min, bpm.max) == (30, 300)  # empty: the model chooses
    assert app.text_input(key="music_key").value == ""
    assert app.selectbox(key="music_time_signature").options[:2] == ["", "2"]
    app.text_area(key="music_description").input("slow waltz, warm cello")
    app.text_area(key="music_lyrics").input("[verse]\nOne two three")
    app.button(key="music_generate").click().run()
    assert not app.exception and not app.error
    assert JobService().get(app.session_state["music_job"]).params["bpm"] is None

    app.number_input(key="music_bpm").set_value(96)
    app.text_input(key="music_key").input("A minor")
    app.selectbox(key="music_time_signature").set_value("3")
    app.button(key="music_generate").click().run()
    assert not app.exception and not app.error
    params = JobService().get(app.session_state["music_job"]).params
    assert (params["bpm"], params["key"], params["time_signature"]) == (96, "A minor", "3")
    assert params["lyrics"] == "[verse]\nOne two three" and params["model"] == "acestep-v1.5-turbo"
