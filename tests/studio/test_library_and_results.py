"""What a person sees of their results: a track made from a melody is a track everywhere
(Combine's picker, the Library's Tracks filter, "use these settings again"), its melody
upload is stored once and never passes for a generated track; result cards say what
made them; the gallery pages through hundreds of files, finds an old one and deletes
several at once."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from streamlit.testing.v1 import AppTest

from jobs.service import JobService
from tests.fixtures.studio import USERS, log_in, open_app, rerun_until

HUM = "a hummed tune over soft strings"


def hum_wav() -> bytes:
    rate = 32_000
    out = io.BytesIO()
    sf.write(out, 0.5 * np.sin(2 * np.pi * 330 * np.arange(rate) / rate), rate, format="WAV")
    return out.getvalue()


def texts(app: AppTest) -> list[str]:
    return [t.value for t in app.text]


def card_titles(app: AppTest) -> list[str]:
    return [t for t in texts(app) if not t.startswith("Logged in as")]


def table_cells(app: AppTest) -> str:
    return str([t.value.to_dict() for t in app.dataframe])


def make_melody_tracks(app: AppTest, live_jobs, times: int) -> list[str]:  # type: ignore[no-untyped-def]
    app.switch_page("app_pages/music.py").run()
    app.selectbox(key="music_model").set_value("musicgen-melody").run()  # follows a melody
    app.text_area(key="music_description").input(HUM)
    app.slider(key="music_duration").set_value(1.0)
    app.checkbox(key="music_random_seed").uncheck().run()
    app.number_input(key="music_seed").set_value(4321)
    app.file_uploader(key="music_melody").set_value(("hum.wav", hum_wav(), "audio/wav"))
    jobs = []
    for _ in range(times):  # the same upload, generated from again and again
        app.button(key="music_generate").click().run()
        assert not app.error, [e.value for e in app.error]
        jobs.append(app.session_state["music_job"])
    live_jobs.wait(jobs)
    return jobs


@pytest.mark.slow  # a melody job and every page after it
def test_a_melody_track_is_a_track_everywhere_and_its_upload_is_stored_once(
    studio_data: Path, live_jobs
):
    app = log_in(open_app(), "ana", USERS["ana"])
    jobs = make_melody_tracks(app, live_jobs, times=2)
    api = JobService()
    assert [job.status for job in map(api.get, jobs)] == ["done", "done"]
    assert api.count_assets("ana", source="uploaded") == 1  # one melody, stored once
    made = api.assets("ana", source="generated")
    assert [(a.output_type, a.source) for a in made] == [("audio", "generated")] * 2
    assert all(a.meta["input_names"] == {"melody_path": "hum.wav"} for a in made)

    # The result card under the form: the prompt, the seed, the melody by its own name.
    app = rerun_until(app, lambda a: HUM in texts(a) and bool(a.dataframe))
    assert any("seed 4321" in c.value for c in app.caption)
    cells = table_cells(app)
    assert "4321" in cells and "hum.wav" in cells and "Time taken" in cells
    values = [v for table in app.dataframe for v in table.value["Value"]]
    assert not [v for v in values if v.startswith("/")], values  # no server path on a card

    # Combine's track picker: both tracks by their description, the upload as an upload.
    app.switch_page("app_pages/combine.py").run()
    options = app.selectbox(key="combine_track_choice").options
    assert sum(HUM in o and "(uploaded)" not in o for o in options) == 2
    assert sum("hum.wav (uploaded)" in o for o in options) == 1

    # The Library's Tracks filter shows them; "generated" leaves the upload out.
    app.switch_page("app_pages/library.py").run()
    app.button_group(key="lib_type").set_value("audio")
    app.selectbox(key="lib_source").set_value("generated").run()
    assert texts(app).count(HUM) == 2 and "hum.wav" not in texts(app)

    # Open one and use its settings again: the music form is filled, seed fixed.
    app.button(key=f"lib-open-{made[0].id}").click().run()
    app.button(key=f"dialog-reuse-{made[0].id}").click().run()
    assert [t.value for t in app.title] == ["Music"]
    assert app.text_area(key="music_description").value == HUM
    assert app.number_input(key="music_seed").value == 4321
    assert app.checkbox(key="music_random_seed").value is False
    # The melody comes along (an uploader cannot be refilled): picked from the library.
    picker = app.selectbox(key="music_melody_pick")
    assert picker.value == made[0].params["melody_path"]
    assert picker.options[picker.index or 0].startswith("hum.wav (uploaded)")
    app.button(key="music_generate").click().run()
    again = api.get(app.session_state["music_job"])
    assert again is not None and again.params["melody_path"] == made[0].params["melody_path"]
    assert api.count_assets("ana", source="uploaded") == 1
    api.close()


def test_a_rejected_melody_stops_the_submit_with_its_reason(studio_data: Path):
    app = log_in(open_app(), "ana", USERS["ana"])
    app.switch_page("app_pages/music.py").run()
    app.selectbox(key="music_model").set_value("musicgen-melody").run()
    app.text_area(key="music_description").input("calm piano")
    app.file_uploader(key="music_melody").set_value(("notes.txt", b"la la la", "text/plain"))
    app.button(key="music_generate").click().run()
    assert app.error and "notes.txt" in app.error[0].value
    assert "music_job" not in app.session_state
    assert JobService().list("ana") == []


def seed_library(count: int) -> list[str]:
    """``count`` uploads, oldest first; their bytes differ so each is its own file."""
    api = JobService()
    ids = []
    for n in range(count):
        data = b"RIFF" + n.to_bytes(4, "little") + b"WAVE"
        name = "the very first lighthouse.wav" if n == 0 else f"take {n}.wav"
        ids.append(api.import_file("ana", data, ".wav", params={"uploaded_as": name}).id)
    api.close()
    return ids


@pytest.mark.slow  # 300 files, page by page
def test_the_gallery_pages_through_300_files_finds_an_old_one_and_deletes_several(
    studio_data: Path,
):
    ids = seed_library(300)
    app = log_in(open_app(), "ana", USERS["ana"])
    app.switch_page("app_pages/library.py").run()
    assert "300 files · page 1 of 13" in [c.value for c in app.caption]
    seen: list[str] = []
    for page in range(1, 14):
        app.number_input(key="lib_page").set_value(page).run()
        seen += [
            b.key.removeprefix("lib-open-") for b in app.button if b.key.startswith("lib-open-")
        ]
    assert seen == ids[::-1]  # every file reachable, newest first, none twice

    app.text_input(key="lib_search").input("lighthouse").run()
    assert card_titles(app) == ["the very first lighthouse.wav"]
    app.text_input(key="lib_search").input("").run()
    app.selectbox(key="lib_sort").set_value("oldest").run()
    assert card_titles(app)[0] == "the very first lighthouse.wav"

    for asset_id in ids[:3]:
        app.checkbox(key=f"lib-pick-{asset_id}").check()
    app.run()
    assert "3 selected" in [c.value for c in app.caption]
    app.button(key="lib_delete_many").click().run()
    app.button(key="lib_yes_many").click().run()
    api = JobService()
    assert api.count_assets("ana") == 297
    assert {a.id for a in api.assets("ana", limit=300)}.isdisjoint(ids[:3])
    assert "297 files · page 1 of 13" in [c.value for c in app.caption]
    api.close()


def test_a_cancelled_card_names_its_job_and_says_why(studio_data: Path):
    app = log_in(open_app(), "ana", USERS["ana"])
    app.text_area(key="video_prompt").input("a lighthouse in a storm")
    app.button(key="video_generate").click().run()
    job_id = app.session_state["video_job"]
    JobService().cancel(job_id, "ana")  # no worker runs: it never starts
    app.run()
    (line,) = [t for t in texts(app) if job_id[:8] in t]
    assert line.startswith('Video job "a lighthouse in a storm"') and "cancelled" in line


def test_send_to_combine_from_a_card_picks_that_video(studio_data: Path, tmp_path: Path):
    from tests.media_factory import make_h264_clip

    api = JobService()
    for name, seconds in (("harbour.mp4", 1.0), ("meadow.mp4", 1.5)):  # two different files
        clip = make_h264_clip(tmp_path / name, seconds=seconds)
        chosen = api.import_file("ana", clip.read_bytes(), ".mp4", params={"uploaded_as": name})
    api.close()
    app = log_in(open_app(), "ana", USERS["ana"])
    app.switch_page("app_pages/combine.py").run()
    assert "meadow.mp4" in app.selectbox(key="combine_video_choice").value  # the newest
    app.switch_page("app_pages/library.py").run()
    assets = JobService().assets("ana")
    harbour = next(a for a in assets if a.params["uploaded_as"] == "harbour.mp4")
    assert harbour.id != chosen.id
    app.button(key=f"lib-open-{harbour.id}").click().run()
    app.button(key=f"dialog-combine-{harbour.id}").click().run()
    assert [t.value for t in app.title] == ["Combine"]
    assert "harbour.mp4 (uploaded)" in app.selectbox(key="combine_video_choice").value
