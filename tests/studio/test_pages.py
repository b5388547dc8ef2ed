"""The studio's pages under AppTest: login first, then pages, jobs and results."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.fixtures.studio import ADMIN, ADMIN_PASSWORD, USERS, log_in, open_app, rerun_until

PAGES = ["app_pages/video.py", "app_pages/music.py", "app_pages/combine.py", "app_pages/library.py"]


def titles(app: AppTest) -> list[str]:
    return [t.value for t in app.title]


def test_logged_out_only_a_way_to_the_login_form_renders(studio_data: Path):
    app = open_app()
    assert not app.exception
    assert titles(app) == ["Studio"]
    assert not app.text_input and not app.button  # the form is the login route's page
    assert [b.proto.url for b in app.get("link_button")] == ["/auth/login?next=%2F"]
    # Logged out, no page script is registered: every URL answers with this notice
    # (the browser test opens a deep link to the admin page and finds the login form).
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        app.switch_page("app_pages/admin.py")


def test_a_wrong_password_gives_no_session(studio_data: Path):
    app = log_in(open_app(), "ana", "not-her-password")
    assert titles(app) == ["Studio"]
    app = log_in(open_app(), "nobody", "whatever-password")
    assert titles(app) == ["Studio"]


def test_after_login_every_page_renders(studio_data: Path):
    app = log_in(open_app(), ADMIN, ADMIN_PASSWORD)
    assert titles(app) == ["Text to video"]
    for page, title in zip(
        [*PAGES, "app_pages/admin.py"],
        ["Text to video", "Music", "Combine", "Library", "Admin"],
        strict=True,
    ):
        app.switch_page(page).run()
        assert not app.exception, page
        assert titles(app) == [title]


def test_a_user_gets_no_admin_page(studio_data: Path):
    app = log_in(open_app(), "ana", USERS["ana"])
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        app.switch_page("app_pages/admin.py")
    app.switch_page("app_pages/library.py").run()
    assert titles(app) == ["Library"]


def test_the_sidebar_logs_out_with_a_post_to_the_logout_route(studio_data: Path):
    app = log_in(open_app(), "ana", USERS["ana"])
    (form,) = [h.proto.body for h in app.get("html")]
    assert form.startswith('<form method="post" action="/auth/logout"><button type="submit"')
    assert form.endswith(">Log out</button></form>")


@pytest.mark.slow  # a video job watched to its end
def test_a_video_job_shows_progress_then_player_and_download(studio_data: Path, live_jobs):
    app = log_in(open_app(), "ana", USERS["ana"])
    app.text_area(key="video_prompt").input("a red fox running in snow")
    app.slider(key="video_frames").set_value(4)
    app.slider(key="video_steps").set_value(2)
    app.checkbox(key="video_random_seed").uncheck().run()  # the seed field unlocks
    app.number_input(key="video_seed").set_value(1234)
    app.button(key="video_generate").click().run()
    assert not app.exception and not app.error
    assert app.get("progress") or app.get("link_button")

    app = rerun_until(app, lambda a: bool(a.get("link_button")))
    asset_id = live_jobs.api.get(app.session_state["video_job"], "ana").asset_id
    download = app.get("link_button")[0]
    assert download.proto.label == "Download"
    assert download.proto.url == f"/files/{asset_id}/download"
    # The player reads the same route: no user file goes through Streamlit's /media.
    assert [v.proto.url for v in app.get("video")] == [f"http://localhost/files/{asset_id}"]


@pytest.mark.slow  # a job, then two people's pages
def test_a_user_never_sees_another_users_work(studio_data: Path, live_jobs):
    ana = log_in(open_app(), "ana", USERS["ana"])
    ana.text_area(key="video_prompt").input("ana's secret lighthouse")
    ana.slider(key="video_frames").set_value(2)
    ana.slider(key="video_steps").set_value(1)
    ana.button(key="video_generate").click().run()
    job_id = ana.session_state["video_job"]
    live_jobs.wait([job_id])

    ben = log_in(open_app(), "ben", USERS["ben"])
    assert "lighthouse" not in shown_text(ben)
    ben.switch_page("app_pages/library.py").run()
    assert "Nothing here yet" in ben.info[0].value
    assert "lighthouse" not in shown_text(ben)


def shown_text(app: AppTest) -> str:
    return str([e.value for e in [*app.markdown, *app.text, *app.caption, *app.info]])


@pytest.mark.slow  # a job watched to its end
def test_user_text_is_shown_as_text_never_as_markdown(studio_data: Path, live_jobs):
    markup = "a fox ![t](http://192.0.2.1/x.png) [site](http://192.0.2.1/) :red[red] $x^2$"
    ana = log_in(open_app(), "ana", USERS["ana"])
    ana.text_area(key="video_prompt").input(markup)
    ana.slider(key="video_frames").set_value(2)
    ana.slider(key="video_steps").set_value(1)
    ana.button(key="video_generate").click().run()
    assert markup in [t.value for t in ana.text]  # the job panel, while it runs
    live_jobs.wait([ana.session_state["video_job"]])
    ana.switch_page("app_pages/library.py").run()
    assert markup in [t.value for t in ana.text]
    assert "192.0.2.1" not in str([m.value for m in ana.markdown])


def test_an_example_fills_the_form_and_fixes_its_seed(studio_data: Path):
    app = log_in(open_app(), "ana", USERS["ana"])
    app.button(key="video-example-Panda guitarist").click().run()
    assert "panda playing an acoustic guitar" in app.text_area(key="video_prompt").value
    assert app.checkbox(key="video_random_seed").value is False
    assert app.number_input(key="video_seed").value == 7
    app.switch_page("app_pages/music.py").run()
    app.button(key="music-example-Epic trailer").click().run()
    assert app.slider(key="music_duration").value == 15.0
