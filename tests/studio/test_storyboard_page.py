"""The Storyboard page's editor under AppTest: shots added, moved, duplicated, removed and
saved as a board; bad boards refused in words; boards listed, renamed, duplicated, deleted."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from jobs.boards.service import BoardService
from jobs.service import JobService
from tests.fixtures.studio import USERS, log_in, open_app

PAGE = "app_pages/storyboard.py"


def storyboard_page() -> AppTest:
    app = log_in(open_app(), "ana", USERS["ana"])
    return app.switch_page(PAGE).run()


def shot_ids(app: AppTest) -> list[str]:
    return list(app.session_state["sb_shots"])


def prompts(app: AppTest) -> list[str]:
    return [app.text_area(key=f"sb_{uid}_prompt").value for uid in shot_ids(app)]


def saved_boards() -> BoardService:
    return BoardService(JobService())


def test_shots_are_added_moved_duplicated_removed_and_saved(studio_data: Path):
    app = storyboard_page()
    assert [t.value for t in app.title] == ["Storyboard"]
    app.text_input(key="sb_title").input("Fox story")
    first = shot_ids(app)[0]
    app.text_area(key=f"sb_{first}_prompt").input("a fox wakes")
    app.button(key="sb_add").click().run()
    second = shot_ids(app)[1]
    app.text_area(key=f"sb_{second}_prompt").input("a fox runs")
    app.number_input(key=f"sb_{second}_seed").set_value(7)
    app.button(key=f"sb_up_{second}").click().run()
    assert prompts(app) == ["a fox runs", "a fox wakes"]
    app.button(key=f"sb_dupshot_{second}").click().run()
    assert prompts(app) == ["a fox runs", "a fox runs", "a fox wakes"]
    app.button(key=f"sb_rm_{second}").click().run()
    assert prompts(app) == ["a fox runs", "a fox wakes"]
    app.radio(key="sb_track_mode").set_value("none").run()
    app.button(key="sb_save").click().run()
    assert not app.error, [e.value for e in app.error]

    (board,) = saved_boards().list("ana")
    assert board.title == "Fox story" and board.status == "draft"
    assert [s["prompt"] for s in board.spec["shots"]] == ["a fox runs", "a fox wakes"]
    assert [s["seed"] for s in board.spec["shots"]] == [7, None]  # the seed moved with its shot
    assert board.spec["soundtrack"] is None and board.spec["cuts"] == "as_written"


def test_a_bad_board_is_refused_in_words_and_nothing_is_saved(studio_data: Path):
    app = storyboard_page()
    first = shot_ids(app)[0]
    app.text_area(key=f"sb_{first}_prompt").input("a fox")
    app.text_area(key="sb_track_prompt").input("")  # a soundtrack to make, but of nothing
    app.button(key="sb_render").click().run()
    assert any("prompt" in e.value for e in app.error), [e.value for e in app.error]
    assert saved_boards().list("ana") == []


def test_boards_are_listed_opened_renamed_duplicated_and_deleted(studio_data: Path):
    boards = saved_boards()
    shots = [{"prompt": "a fox", "seconds": 2}, {"prompt": "a hare", "seconds": 3}]
    mine = boards.create("ana", {"title": "Mine", "shots": shots})
    boards.create("ben", {"title": "Ben's", "shots": shots})
    app = storyboard_page()
    listed = [m.value for m in app.markdown if "·" in m.value]
    assert any("Mine" in text for text in listed) and not any("Ben" in t for t in listed)
    app.button(key=f"sb_open_{mine.id}").click().run()
    assert prompts(app) == ["a fox", "a hare"]
    assert app.session_state["sb_open"] == mine.id
    app.text_input(key=f"sb_name_{mine.id}").input("Renamed")
    app.button(key=f"sb_rename_{mine.id}").click().run()
    assert boards.get(mine.id, "ana").title == "Renamed"
    app.button(key=f"sb_dup_{mine.id}").click().run()
    copy_id = app.session_state["sb_open"]
    assert copy_id != mine.id and boards.get(copy_id, "ana").title == "Renamed (copy)"
    app.button(key=f"sb_del_{mine.id}").click().run()
    assert [b.id for b in boards.list("ana")] == [copy_id]
    assert not app.exception and not app.error


def test_renaming_the_open_board_survives_its_next_save(studio_data: Path):
    """The walk renamed the open board, pressed Save, and had the old title back."""
    app = storyboard_page()
    app.text_input(key="sb_title").input("Fox story")
    app.text_area(key=f"sb_{shot_ids(app)[0]}_prompt").input("a fox wakes")
    app.radio(key="sb_track_mode").set_value("none").run()
    app.button(key="sb_save").click().run()
    (board,) = saved_boards().list("ana")
    app.run()  # the list of boards is drawn above the editor: the next run shows it
    app.text_input(key=f"sb_name_{board.id}").input("Fox at dawn")
    app.button(key=f"sb_rename_{board.id}").click().run()
    assert app.text_input(key="sb_title").value == "Fox at dawn"
    app.button(key="sb_save").click().run()
    assert not app.error, [e.value for e in app.error]
    (board,) = saved_boards().list("ana")
    assert board.title == "Fox at dawn"


def test_a_refresh_reopens_the_board_in_the_address(studio_data: Path):
    """The walk refreshed mid-render and got an empty new board: the address keeps it."""
    app = storyboard_page()
    app.text_input(key="sb_title").input("Fox story")
    app.text_area(key=f"sb_{shot_ids(app)[0]}_prompt").input("a fox wakes")
    app.radio(key="sb_track_mode").set_value("none").run()
    app.button(key="sb_save").click().run()
    (board,) = saved_boards().list("ana")
    assert app.query_params["board"] == board.id

    fresh = log_in(open_app(), "ana", USERS["ana"])  # a new session: the refreshed tab
    fresh.query_params["board"] = board.id
    fresh.switch_page(PAGE).run()
    assert fresh.session_state["sb_open"] == board.id
    assert fresh.text_input(key="sb_title").value == "Fox story"

    other = log_in(open_app(), "ben", USERS["ben"])  # someone else's id: a new board
    other.query_params["board"] = board.id
    other.switch_page(PAGE).run()
    assert other.session_state["sb_open"] is None and not other.exception
