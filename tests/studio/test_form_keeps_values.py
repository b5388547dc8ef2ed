"""A model form keeps every value the user set when Generate is refused: the refusal says
what to change, and nothing else has to be typed again."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from tests.fixtures.studio import USERS, log_in, open_app
from tests.media_factory import make_clip


def values(app: AppTest, keys: dict[str, str]) -> dict[str, object]:
    return {key: getattr(app, kind)(key=key).value for key, kind in keys.items()}


def test_the_video_form_keeps_its_values_when_the_prompt_is_refused(studio_data: Path):
    app = log_in(open_app(), "ana", USERS["ana"])
    app.text_area(key="video_prompt").input("   ")  # only spaces: refused as empty
    app.text_input(key="video_negative").input("blurry, text")
    app.slider(key="video_frames").set_value(4)
    app.slider(key="video_steps").set_value(3)
    app.slider(key="video_guidance").set_value(6.5)
    app.checkbox(key="video_random_seed").uncheck().run()
    app.number_input(key="video_seed").set_value(77)
    keys = {
        "video_prompt": "text_area", "video_negative": "text_input", "video_frames": "slider",
        "video_steps": "slider", "video_guidance": "slider", "video_seed": "number_input",
    }  # fmt: skip
    before = values(app, keys)
    app.button(key="video_generate").click().run()
    assert not app.exception and "`prompt` is empty" in app.error[0].value
    assert values(app, keys) == before
    app.run()  # and on the next run too
    assert values(app, keys) == before and app.checkbox(key="video_random_seed").value is False


def test_the_music_form_keeps_its_values_when_its_melody_is_refused(
    studio_data: Path, tmp_path: Path
):
    app = log_in(open_app(), "ana", USERS["ana"]).switch_page("app_pages/music.py").run()
    app.selectbox(key="music_model").set_value("musicgen-melody").run()
    app.text_area(key="music_description").input("a harp at dusk")
    app.slider(key="music_duration").set_value(4.5)
    clip = make_clip(tmp_path / "dance.mp4", seconds=1.0, tone_hz=440.0).read_bytes()
    app.file_uploader(key="music_melody").set_value(("dance.mp4", clip, "video/mp4"))
    app.button(key="music_generate").click().run()
    assert not app.exception and app.error
    assert app.selectbox(key="music_model").value == "musicgen-melody"
    assert app.text_area(key="music_description").value == "a harp at dusk"
    assert app.slider(key="music_duration").value == 4.5
