"""What the pages say when something is refused or just done, as a new user meets it:
a refusal teaches in words, quotes what was typed as typed, and what was added shows."""

from __future__ import annotations

from pathlib import Path

from markdown_it import MarkdownIt
from streamlit.testing.v1 import AppTest

from studio.ui.text import WORD_JOINER
from tests.fixtures.studio import ADMIN, ADMIN_PASSWORD, USERS, log_in, open_app

MARKUP = "x ![t](http://192.0.2.1/x.png) [site](http://192.0.2.1/) :red[loud] $x^2$ **b**"


def rendered(markdown: str) -> str:
    """The HTML a CommonMark renderer makes of an element's markdown body."""
    return MarkdownIt("commonmark").render(markdown)


def test_generate_with_the_prompt_left_empty_asks_for_a_prompt(studio_data: Path):
    app = log_in(open_app(), "ana", USERS["ana"])
    app.button(key="video_generate").click().run()
    assert not app.exception
    (error,) = [e.value for e in app.error]
    assert "`prompt` is empty: describe what you want" in error  # not "is NoneType"


HUGE_CLIP = {"video_frames": 64, "video_width": 1024, "video_height": 1024, "video_steps": 100}


def test_a_clip_too_big_for_its_models_gpu_is_refused_until_an_admin_raises_the_allowance(
    studio_data: Path,
):
    from jobs.service import JobService

    app = log_in(open_app(), "ana", USERS["ana"])
    for key, value in HUGE_CLIP.items():  # as "use these settings again" fills the form
        app.session_state[key] = value
    app.text_area(key="video_prompt").input("a fox in the snow")
    app.button(key="video_generate").click().run()
    assert not app.exception
    (error,) = [e.value for e in app.error]
    assert "64 frames at 1024x1024 x 100 steps is about 5.3x" in error, error
    assert "try at most" in error and "An admin can raise" in error
    jobs = JobService()
    assert jobs.list("ana") == []

    admin = log_in(open_app(), ADMIN, ADMIN_PASSWORD).switch_page("app_pages/admin.py").run()
    admin.selectbox(key="admin_account").select("ana").run()
    admin.number_input(key="admin_cost_allowance_ana").set_value(6.0)
    next(b for b in admin.button if b.label == "Save limits").click().run()
    assert not admin.exception and not admin.error

    app.button(key="video_generate").click().run()
    assert not app.exception and not app.error
    (job,) = jobs.list("ana")
    assert (job.params["num_frames"], job.params["width"], job.params["steps"]) == (64, 1024, 100)
    jobs.close()


def test_a_refused_token_name_is_quoted_as_typed_and_renders_no_link_or_image(
    studio_data: Path,
):
    app = log_in(open_app(), "ana", USERS["ana"]).switch_page("app_pages/account.py").run()
    app.text_input(key="account_token_name").input(MARKUP)
    app.button[0].click().run()
    (error,) = [e.value for e in app.error]
    html = rendered(error).replace(WORD_JOINER, "")  # invisible: it breaks autolinks
    assert "<img" not in html and "<a " not in html and "<strong>" not in html, html
    assert "192.0.2.1/x.png" in html and ":red[loud]" in html and "$x^2$" in html


def test_a_refused_login_name_on_the_admin_page_renders_no_image(studio_data: Path):
    admin = log_in(open_app(), ADMIN, ADMIN_PASSWORD).switch_page("app_pages/admin.py").run()
    add_user(admin, MARKUP, "a-good-password-1")
    (error,) = [e.value for e in admin.error]
    assert "is not one" in error and "<img" not in rendered(error)


def add_user(admin: AppTest, login: str, password: str) -> None:
    admin.text_input(key="admin_new_username").input(login)
    admin.text_input(key="admin_new_password").input(password)
    next(b for b in admin.button if b.label == "Add user").click().run()


def test_a_user_the_admin_adds_is_listed_and_choosable_at_once(studio_data: Path):
    admin = log_in(open_app(), ADMIN, ADMIN_PASSWORD).switch_page("app_pages/admin.py").run()
    add_user(admin, "dora", "dora-password-1")
    assert not admin.exception and "Added dora." in [s.value for s in admin.success]
    assert "dora" in list(admin.dataframe[0].value["login"])  # this run, not the next one
    assert "dora" in admin.selectbox(key="admin_account").options


def test_a_dropped_file_whose_name_is_markup_gets_its_note_as_plain_text(
    studio_data: Path, tmp_path: Path
):
    from tests.media_factory import make_h264_clip

    clip = make_h264_clip(tmp_path / "holiday.mp4").read_bytes()
    name = "holiday ![t](http:\\\\192.0.2.1\\x.png).mp4"  # browsers read \ as / in http URLs
    app = log_in(open_app(), "ana", USERS["ana"])
    app.file_uploader(key="video_made_with").set_value((name, clip, "video/mp4")).run()
    (warning,) = [w.value for w in app.warning if "carries no settings" in w.value]
    html = rendered(warning)
    assert "<img" not in html and "carries no settings from this studio" in html, html


def test_score_this_video_on_a_combined_clip_starts_from_its_source_videos_prompt(
    studio_data: Path, tmp_path: Path
):
    from jobs.assets import relative_asset_path, write_asset
    from jobs.catalog import Catalog
    from jobs.catalog.records import new_id
    from tests.media_factory import make_h264_clip

    catalog = Catalog(studio_data / "catalog.sqlite3")
    clip = make_h264_clip(tmp_path / "clip.mp4").read_bytes()
    ids = []
    for source, params in (("generated", {"prompt": "a fox in the snow"}), ("combined", {})):
        asset_id = new_id()
        relative = relative_asset_path("ana", asset_id, ".mp4")
        write_asset(studio_data, relative, clip)
        catalog.assets.add("ana", "video", relative, source=source, asset_id=asset_id,
                           params=params, source_ids=ids[:1])  # fmt: skip
        ids.append(asset_id)
    app = log_in(open_app(), "ana", USERS["ana"]).switch_page("app_pages/combine.py").run()
    assert app.selectbox(key="combine_video_choice").value.endswith(ids[1][:6])  # the newest
    description = next(t for t in app.text_area if t.label == "Music description")
    assert description.value == "Soundtrack for: a fox in the snow"  # not empty: no refusal
