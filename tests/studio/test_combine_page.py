"""The combine page: lay a track under a video, and score a video, with a live worker."""

from __future__ import annotations

from pathlib import Path

import pytest

from jobs.service import JobService
from tests.fixtures.studio import USERS, log_in, open_app, rerun_until
from tests.media_factory import make_h264_clip, make_tone, read_facts


def _library_with_a_clip_and_a_tone(tmp_path: Path) -> None:
    """What two earlier uploads would have left in ana's library."""
    api = JobService()
    clip = make_h264_clip(tmp_path / "clip.mp4", seconds=2.0)
    tone = make_tone(tmp_path / "tone.wav", 440.0, 3.0)
    api.import_file("ana", clip.read_bytes(), ".mp4", params={"uploaded_as": "beach clip.mp4"})
    api.import_file("ana", tone.read_bytes(), ".wav", params={"uploaded_as": "hum.wav"})
    api.close()


def _finished(kind: str):  # type: ignore[no-untyped-def]
    def check(app) -> bool:  # type: ignore[no-untyped-def]
        job_id = app.session_state[f"{kind}_job"]
        job = JobService().get(job_id)
        return job is not None and not job.active and bool(app.get("link_button"))

    return check


@pytest.mark.slow  # a clip, a track, then the mix
def test_combine_a_library_video_with_a_library_track(studio_data: Path, live_jobs, tmp_path: Path):
    _library_with_a_clip_and_a_tone(tmp_path)
    app = log_in(open_app(), "ana", USERS["ana"])
    app.switch_page("app_pages/combine.py").run()
    assert "beach clip.mp4" in app.selectbox(key="combine_video_choice").value
    assert "hum.wav" in app.selectbox(key="combine_track_choice").value
    # The players read the files from /files, never through Streamlit's /media.
    assert [v.proto.url.split("/files/")[0] for v in app.get("video")] == ["http://localhost"]
    assert [a.proto.url.split("/files/")[0] for a in app.get("audio")] == ["http://localhost"]
    app.radio(key="cb_fit").set_value("trim")
    app.button(key="combine_go").click().run()
    assert not app.error, [e.value for e in app.error]

    app = rerun_until(app, _finished("combine"))
    job = JobService().get(app.session_state["combine_job"])
    assert job is not None and job.status == "done", job
    out = JobService().asset_path(job.asset_id, "ana")
    facts = read_facts(out)
    assert facts.codecs == ("h264", "aac") and facts.faststart
    assert abs(facts.duration_s - 2.0) <= 1 / 8 + 0.01  # the video's length, within a frame
    assert len(job.source_ids) == 2  # lineage: both inputs recorded
    assert [h.value for h in app.subheader][-1] == "Your latest combines"


@pytest.mark.slow  # a clip, then its score
def test_score_this_video_makes_music_as_long_as_the_clip(
    studio_data: Path, live_jobs, tmp_path: Path
):
    _library_with_a_clip_and_a_tone(tmp_path)
    app = log_in(open_app(), "ana", USERS["ana"])
    app.switch_page("app_pages/combine.py").run()
    # An uploaded clip has no prompt to start from, so the description is typed.
    description = next(t for t in app.text_area if t.label == "Music description")
    assert description.value == ""
    description.input("gentle waves and a ukulele").run()
    assert app.slider(key="score_fade_out").max == 1.0  # half the 2 s clip, as Combine's
    app.slider(key="score_fade_in").set_value(0.3)
    app.slider(key="score_fade_out").set_value(0.7).run()
    app.button(key="score_go").click().run()
    assert not app.error, [e.value for e in app.error]

    app = rerun_until(app, _finished("score"))
    job = JobService().get(app.session_state["score_job"])
    assert job is not None and job.status == "done", job
    assert job.params["duration"] == 2.0
    assert (job.params["fade_in_s"], job.params["fade_out_s"]) == (0.3, 0.7)
    assert [h.value for h in app.subheader][-1] == "Your latest scores"  # below the combines
    facts = read_facts(JobService().asset_path(job.asset_id, "ana"))
    assert facts.codecs == ("h264", "aac") and abs(facts.duration_s - 2.0) <= 1 / 8 + 0.01


def test_options_that_cannot_apply_are_bounded_or_disabled_before_queueing(
    studio_data: Path, tmp_path: Path
):
    _library_with_a_clip_and_a_tone(tmp_path)  # a silent 2 s clip and a 3 s tone
    app = log_in(open_app(), "ana", USERS["ana"])
    app.switch_page("app_pages/combine.py").run()
    sound = app.radio(key="cb_original")
    assert sound.options == ["Drop it"] and sound.disabled  # nothing to keep or mix
    assert any("no sound of its own" in c.value for c in app.caption)
    assert app.number_input(key="cb_offset").max == 2.5  # the 3 s track, minus a half second
    assert app.slider(key="cb_fade_out").max == 1.0  # half the 2 s result
    assert any("The track lasts 3.0 s; the result 2.0 s." in c.value for c in app.caption)

    # A clip with its own sound offers all three.
    clip = make_h264_clip(tmp_path / "loud.mp4", seconds=2.0, tone_hz=220.0)
    api = JobService()
    api.import_file("ana", clip.read_bytes(), ".mp4", params={"uploaded_as": "loud.mp4"})
    api.close()
    app.run()
    chosen = next(o for o in app.selectbox(key="combine_video_choice").options if "loud" in o)
    app.selectbox(key="combine_video_choice").set_value(chosen).run()
    sound = app.radio(key="cb_original")
    assert sound.options == ["Drop it", "Keep it", "Mix it under the music"]
    assert not sound.disabled


@pytest.mark.slow  # a clip, then Stable Audio's track, then the mix
def test_score_this_video_with_ambience_from_stable_audio(
    studio_data: Path, live_jobs, tmp_path: Path
):
    _library_with_a_clip_and_a_tone(tmp_path)
    app = log_in(open_app(), "ana", USERS["ana"])
    app.switch_page("app_pages/combine.py").run()
    assert "acestep-v1.5-turbo" in app.selectbox(key="score_model").options[-1]
    app.selectbox(key="score_model").set_value("stable-audio-open-1.0").run()
    description = next(t for t in app.text_area if t.label == "Music description")
    description.input("waves on a pebble beach").run()
    app.button(key="score_go").click().run()
    assert not app.error, [e.value for e in app.error]

    app = rerun_until(app, _finished("score"))
    job = JobService().get(app.session_state["score_job"])
    assert job is not None and job.status == "done", job
    assert job.params["model"] == "stable-audio-open-1.0"
    facts = read_facts(JobService().asset_path(job.asset_id, "ana"))
    assert facts.codecs == ("h264", "aac") and abs(facts.duration_s - 2.0) <= 1 / 8 + 0.01
