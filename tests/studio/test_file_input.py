"""A declared file param draws its own widget: a params class with an image input gets an
image uploader and a library picker of the user's images, with no page code of its own."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from engines.catalog import CATALOG
from engines.families.text_to_video_sd import VideoParams
from engines.params import param
from jobs.service import JobService
from tests.fixtures.studio import USERS, log_in, open_app
from tests.image_factory import BAD_IMAGES, png_bytes
from tests.media_factory import make_tone
from tests.studio.markdown_text import shown_text


@dataclass(frozen=True)
class StartImageParams(VideoParams):
    """What the next image-to-video family declares: one more field, an image."""

    image: str | None = param(
        None, kind="file", media="image", optional=True, label="Start image",
        help="The picture the clip starts from.",
    )  # fmt: skip


@pytest.fixture
def image_to_video(monkeypatch: pytest.MonkeyPatch) -> None:
    """The default video model takes StartImageParams and its image (AppTest runs in this
    process, so the pages see this catalog)."""
    entry = CATALOG["modelscope-t2v-1.7b"]
    family = dataclasses.replace(entry.family, params=StartImageParams)
    taking = dataclasses.replace(entry, family=family, inputs=("image",))
    monkeypatch.setitem(CATALOG, entry.name, taking)


def page_uploaders(app: AppTest) -> list:
    return [u for u in app.get("file_uploader") if u.proto.id and "made_with" not in u.proto.id]


def generate(app: AppTest, name: str, data: bytes) -> AppTest:
    app.text_area(key="video_prompt").input("a kite over the dunes")
    app.file_uploader(key="video_image").set_value((name, data, "image/png"))
    return app.button(key="video_generate").click().run()


def test_a_declared_image_param_gets_an_image_uploader_and_picker(
    studio_data: Path, tmp_path: Path, image_to_video: None
):
    api = JobService()
    kite = api.import_file("ana", png_bytes((40, 30)), ".png", params={"uploaded_as": "kite.png"})
    api.import_file("ana", make_tone(tmp_path / "t.wav").read_bytes(), ".wav")  # not an image
    app = log_in(open_app(), "ana", USERS["ana"])  # Text to video
    assert not app.exception
    (uploader,) = page_uploaders(app)
    assert uploader.proto.label == "Start image: an image to upload"
    assert "PNG, JPEG or WebP" in uploader.proto.help
    assert app.get("audio_input") == []  # a recorder is for audio inputs only
    picker = app.selectbox(key="video_image_pick")
    assert picker.label == "Or pick an image from your library"
    assert picker.options == ["None", f"kite.png (uploaded) · {kite.id[:6]}"]

    # Picked from the library: the job names the image by its id.
    app.text_area(key="video_prompt").input("a kite over the dunes")
    picker.set_value(kite.id)
    app.button(key="video_generate").click().run()
    assert not app.error, [e.value for e in app.error]
    job = api.get(app.session_state["video_job"])
    assert job is not None and job.params["image"] == kite.id and job.source_ids == (kite.id,)
    api.close()


@pytest.mark.parametrize("name", BAD_IMAGES)
def test_a_bad_image_on_the_page_is_refused_with_its_reason(
    studio_data: Path, image_to_video: None, name: str
):
    data, says = BAD_IMAGES[name]
    app = generate(log_in(open_app(), "ana", USERS["ana"]), name, data)
    assert not app.exception
    said = shown_text(app.error[0].value)  # a file's name is shown as typed, not as markdown
    assert app.error and says in said and f"'{name}'" in said
    api = JobService()
    assert api.list("ana") == [] and api.assets("ana") == []  # nothing queued, nothing kept
    api.close()


def test_a_good_image_upload_becomes_the_jobs_input_by_id(studio_data: Path, image_to_video: None):
    app = generate(log_in(open_app(), "ana", USERS["ana"]), "dune.png", png_bytes((48, 32)))
    assert not app.exception and not app.error, [e.value for e in app.error]
    api = JobService()
    (image,) = api.assets("ana")
    job = api.get(app.session_state["video_job"])
    assert (image.output_type, image.params["uploaded_as"]) == ("image", "dune.png")
    assert job is not None and job.params["image"] == image.id
    api.close()


def test_an_uploaded_image_is_an_image_in_the_library(studio_data: Path):
    api = JobService()
    dune = api.import_file("ana", png_bytes((80, 60)), ".png", params={"uploaded_as": "dune.png"})
    api.import_file("ana", png_bytes((10, 10)), ".png")
    api.import_file("ana", b"RIFF....WAVE", ".wav")  # not an image: filtered out
    app = log_in(open_app(), "ana", USERS["ana"])
    app.switch_page("app_pages/library.py").run()
    app.button_group(key="lib_type").set_value("image").run()
    assert not app.exception
    app.button(key=f"lib-open-{dune.id}").click().run()
    assert not app.exception and not app.error
    urls = [image.proto.imgs[0].url for image in app.get("image")]
    assert sum(url.endswith("/poster") for url in urls) == 2  # each card: its thumbnail
    assert any(url.endswith(f"/files/{dune.id}") for url in urls)  # the dialog: the picture
    api.close()
