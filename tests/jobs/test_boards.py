"""Boards in the catalog and boards as users send them: saved per user, private, checked once."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from engines.errors import ParamError
from engines.settings import Settings
from jobs.boards.service import BoardService
from jobs.catalog import Catalog
from jobs.catalog.boards import DRAFT
from jobs.owned_assets import NotFound
from jobs.service import JobService
from tests.jobs.harness import MODELSCOPE, make_config

SHOT = {"prompt": "a red fox in snow", "model": MODELSCOPE, "seconds": 2, "seed": 7}


@pytest.fixture
def boards(tiny_settings: Settings) -> BoardService:
    return BoardService(JobService(make_config(tiny_settings, None)))


def board(**changes: object) -> dict[str, object]:
    return {"title": "Fox", "shots": [dict(SHOT), {**SHOT, "prompt": "a fox asleep"}], **changes}


def test_a_board_is_saved_with_its_defaults_and_survives_a_new_catalog(boards: BoardService):
    saved = boards.create("alice", board())
    again = Catalog(boards.catalog.path).boards.get(saved.id)  # as after a restart
    assert again is not None and again.status == DRAFT
    assert again.title == "Fox" and len(again.spec["shots"]) == 2
    assert again.spec["cuts"] == "as_written"  # no music: nothing to cut on
    assert again.spec["transition"] == {"kind": "cut", "seconds": 0.0}
    assert again.spec["shots"][0] == {**SHOT, "seconds": 2.0, "continue": False, "params": {}}


def test_boards_are_private_and_admins_see_all(boards: BoardService):
    mine = boards.create("alice", board())
    boards.create("bob", board(title="Bob's"))
    with pytest.raises(NotFound):
        boards.get(mine.id, "bob")
    with pytest.raises(NotFound):
        boards.rename(mine.id, "bob", "taken")
    with pytest.raises(NotFound):
        boards.delete(mine.id, "bob")
    assert [b.title for b in boards.list("alice")] == ["Fox"]
    assert {b.title for b in boards.list("carol", admin=True)} == {"Fox", "Bob's"}
    assert boards.get(mine.id, "carol", admin=True).owner == "alice"


def test_duplicate_rename_delete(boards: BoardService):
    first = boards.create("alice", board())
    copy = boards.duplicate(first.id, "alice")
    assert (copy.title, copy.spec, copy.status) == ("Fox (copy)", first.spec, DRAFT)
    renamed = boards.rename(copy.id, "alice", "  Fox, again ")
    assert renamed.title == "Fox, again"
    boards.delete(first.id, "alice")
    assert [b.id for b in boards.list("alice")] == [copy.id]
    with pytest.raises(NotFound):
        boards.get(first.id, "alice")


def test_a_change_loses_to_an_earlier_one(boards: BoardService):
    saved = boards.create("alice", board())
    store = boards.catalog.boards
    assert store.update(saved.id, saved.version, title="first") is not None
    assert store.update(saved.id, saved.version, title="second") is None  # stale version
    assert store.get(saved.id).title == "first"


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (board(shots=[]), "at least one shot"),
        (board(shots=[{**SHOT, "seconds": 0}]), "Shot 1: `seconds` must be above 0"),
        (board(shots=[SHOT, {**SHOT, "seconds": 600}]), "Shot 2: `seconds` must be above 0"),
        (board(shots=[{**SHOT, "model": "no-such-model"}]), "unknown video model 'no-such-model'"),
        (board(shots=[{**SHOT, "prompt": " "}]), "Shot 1: `prompt`"),
        (board(shots=[{**SHOT, "continue": True}]), "Shot 1 cannot continue"),
        (board(cuts="beats"), "need a soundtrack"),
        (board(cuts="sometimes"), "`cuts` must be one of beats, bars, as_written"),
        (board(transition={"kind": "wipe"}), "The transition is"),
        (board(soundtrack={"asset": "nope"}), "one of your audio files"),
        (board(soundtrack={"model": "no-such", "prompt": "x"}), "Unknown audio model"),
        (board(shots=[{**SHOT, "params": {"num_frames": 3}}]), "the board sets those"),
        (board(colour="red"), "Unknown board field(s): colour"),
        (board(shots=[{**SHOT, "params": {"steps": 0}}]), "Shot 1: `steps`"),
        (board(shots=[{**SHOT, "params": {"sharpness": 2}}]), "Shot 1: Unknown video parameter"),
    ],
)
def test_bad_boards_are_refused_with_what_would_work(
    boards: BoardService, body: dict[str, object], words: str
):
    with pytest.raises(ParamError) as refused:
        boards.create("alice", body)
    assert words in str(refused.value)
    assert boards.list("alice") == []


def test_another_users_track_is_no_soundtrack(boards: BoardService, tmp_path: Path):
    track = boards.catalog.assets.add("bob", "audio", "assets/bob/t.wav")
    with pytest.raises(ParamError, match="one of your audio files"):
        boards.create("alice", board(soundtrack={"asset": track.id}))
    mine = boards.catalog.assets.add("alice", "audio", "assets/alice/t.wav")
    made = boards.create("alice", board(soundtrack={"asset": mine.id}))
    assert made.spec["soundtrack"] == {"asset": mine.id} and made.spec["cuts"] == "beats"


def test_a_catalog_from_before_boards_gets_the_table(tmp_path: Path):
    path = tmp_path / "old.sqlite3"
    Catalog(path)
    with sqlite3.connect(path) as conn:
        conn.execute("drop table boards")
    Catalog(path).boards.add("alice", "Fox", {"shots": []})
    assert len(Catalog(path).boards.list("alice")) == 1


@pytest.mark.parametrize(("model", "seconds"), [("ltx-video-2b", 1), ("ltx-video-2b", 2.5),
                                                ("wan2.2-ti2v-5b", 1.5)])  # fmt: skip
def test_shots_of_every_frame_rule_are_saved(boards: BoardService, model: str, seconds: float):
    """The walk could save no LTX shot: 24 fps x 0.5 s steps never made an 8k+1 count."""
    shots = [{**SHOT, "model": model, "seconds": seconds}]
    shots.append({**SHOT, "model": model, "seconds": seconds, "continue": True})
    saved = boards.create("alice", board(shots=shots))
    assert saved.spec["shots"][0]["model"] == model
