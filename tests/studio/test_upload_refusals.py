"""No input a user gave is dropped: Generate is refused, with the reason on the page, while a
file is still uploading, after the server refused one, or when the file is not what the
field takes (a video as a melody); each checked upload's bytes go back to Streamlit."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
from streamlit.proto.Common_pb2 import FileURLs
from streamlit.runtime.memory_uploaded_file_manager import MemoryUploadedFileManager
from streamlit.runtime.uploaded_file_manager import UploadedFile, UploadedFileRec
from streamlit.testing.v1 import AppTest

from jobs.service import JobService
from studio.ui.components import file_input
from studio.upload_ledger import UPLOADS, Refusal
from tests.fixtures.studio import USERS, log_in, open_app
from tests.media_factory import make_clip, make_tone
from tests.studio.markdown_text import shown_text

TAB = "tab-of-ana"


@pytest.fixture
def music_page(studio_data: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[AppTest]:
    """The Music page with the melody model chosen, its session known to the ledger as TAB."""
    monkeypatch.setattr(file_input, "session_id", lambda: TAB)
    app = log_in(open_app(), "ana", USERS["ana"]).switch_page("app_pages/music.py").run()
    app.selectbox(key="music_model").set_value("musicgen-melody").run()
    app.text_area(key="music_description").input("a harp at dusk")
    yield app
    UPLOADS.dismiss(TAB)


def generate(app: AppTest) -> list[str]:
    app.button(key="music_generate").click().run()
    assert not app.exception
    return [shown_text(e.value) for e in app.error]


def open_uploads(name: str) -> list[UploadedFile]:
    """Uploads of that name still holding their bytes anywhere in this process (names no
    other test uses: a test run shares the process with others)."""
    gc.collect()
    # type(), not isinstance(): a dead weakref proxy in the heap raises on __class__
    return [o for o in gc.get_objects() if issubclass(type(o), UploadedFile) and o.name == name
            and not o.closed and o.getbuffer().nbytes]  # fmt: skip


def jobs_of_ana() -> list:
    api = JobService()
    try:
        return api.list("ana")
    finally:
        api.close()


def test_generate_waits_for_a_melody_still_uploading(music_page: AppTest):
    UPLOADS.started(TAB, "f1", "long hum.wav")
    errors = generate(music_page)
    assert errors == [
        "'long hum.wav' is still uploading; press Generate again once it has arrived."
    ]
    assert jobs_of_ana() == []
    UPLOADS.finished(TAB, "f1", None)  # arrived: nothing stands in the way
    assert generate(music_page) == [] and len(jobs_of_ana()) == 1


def test_a_melody_the_server_refused_stops_generate_until_the_user_goes_on_without_it(
    music_page: AppTest,
):
    too_big = "'big.wav' is 201.0 MB, which is larger than this studio accepts (200 MB)."
    UPLOADS.finished(TAB, "f2", Refusal("big.wav", too_big))
    errors = generate(music_page)
    assert too_big in errors  # under the uploader, and again as Generate's refusal
    assert any(e.startswith(too_big) and "Go on without it" in e for e in errors)
    assert jobs_of_ana() == []
    next(b for b in music_page.button if b.label == "Go on without it").click().run()
    assert generate(music_page) == []
    (job,) = jobs_of_ana()
    assert job.params.get("melody_path") is None  # the user chose to go without it


def test_a_video_handed_in_as_a_melody_is_refused_in_words_and_nothing_queued(
    music_page: AppTest, tmp_path: Path
):
    clip = make_clip(tmp_path / "refused-dance.mp4", seconds=1.0, tone_hz=440.0).read_bytes()
    music_page.file_uploader(key="music_melody").set_value(("refused-dance.mp4", clip, "video/mp4"))
    errors = generate(music_page)
    assert errors and all(
        e.startswith("'refused-dance.mp4' is a video (h264, 64x64)") for e in errors
    )
    assert jobs_of_ana() == [] and open_uploads("refused-dance.mp4") == []  # its bytes handed back
    music_page.button(key="music_generate").click().run()  # still there on the next click
    assert music_page.error and jobs_of_ana() == []


def test_a_good_melody_is_stored_once_and_its_bytes_are_handed_back(
    music_page: AppTest, tmp_path: Path
):
    hum = make_tone(tmp_path / "kept-hum.wav", seconds=1.0).read_bytes()
    music_page.file_uploader(key="music_melody").set_value(("kept-hum.wav", hum, "audio/wav")).run()
    assert not music_page.error
    assert open_uploads("kept-hum.wav") == []  # the page's value and the session's copy: empty
    music_page.run()  # AppTest hands the same file in again each run: checked once, kept once
    assert generate(music_page) == []
    (job,) = jobs_of_ana()
    api = JobService()
    (asset,) = api.assets("ana")
    api.close()
    assert job.params["melody_path"] == asset.id and asset.params["uploaded_as"] == "kept-hum.wav"


def test_release_hands_an_uploads_bytes_back_to_streamlits_store(
    monkeypatch: pytest.MonkeyPatch,
):
    store = MemoryUploadedFileManager("/_stcore/upload_file")
    store.add_file(TAB, UploadedFileRec("f9", "big.wav", "audio/wav", b"x" * 1_000_000))
    (record,) = store.get_files(TAB, ["f9"])
    upload = UploadedFile(record, FileURLs())
    context = SimpleNamespace(session_id=TAB, uploaded_file_mgr=store)
    monkeypatch.setattr(file_input, "get_script_run_ctx", lambda: context)
    file_input.release(upload)
    # The record stays (the uploader's value on the next run names it), its bytes go.
    (kept,) = store.get_files(TAB, ["f9"])
    assert kept.name == "big.wav" and kept.data == b""
    assert upload.closed  # the widget's value holds the bytes no more either


def test_combine_refuses_a_video_as_its_track_in_words_and_takes_a_good_one_once(
    studio_data: Path, tmp_path: Path
):
    app = log_in(open_app(), "ana", USERS["ana"]).switch_page("app_pages/combine.py").run()
    app.selectbox(key="combine_track_choice").set_value("⬆ Upload a file…").run()
    clip = make_clip(tmp_path / "dance.mp4", seconds=1.0, tone_hz=440.0).read_bytes()
    app.file_uploader(key="combine_track_upload").set_value(("dance.mp4", clip, "video/mp4"))
    app.run()
    assert not app.exception
    assert [shown_text(e.value)[:33] for e in app.error] == ["'dance.mp4' is a video (h264, 64x"]
    assert app.button(key="combine_go").disabled
    hum = make_tone(tmp_path / "hum.wav", seconds=1.0).read_bytes()
    app.file_uploader(key="combine_track_upload").set_value(("hum.wav", hum, "audio/wav")).run()
    app.run()
    assert not app.exception and not app.error
    api = JobService()
    (track,) = api.assets("ana")
    api.close()
    assert track.params["uploaded_as"] == "hum.wav" and track.output_type == "audio"
