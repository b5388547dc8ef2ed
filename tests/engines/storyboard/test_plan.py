"""Cut planning: cuts on the beats of real click tracks, frames from snapped lengths,
and bad boards refused with a reason."""

from __future__ import annotations

import json

import pytest

from engines.errors import ParamError
from engines.storyboard.beats import Beats, detect_beats
from engines.storyboard.plan import Plan, ShotSpec, Transition, plan_board, soundtrack_seconds
from tests.engines.storyboard.clicks import beat_times, write_click_track


def four_k_plus_one(frames: int) -> int:
    """Wan's rule: the nearest 4k+1 (which may be below what was asked)."""
    return 4 * round((frames - 1) / 4) + 1


SHOTS = [
    ShotSpec(3.3, 24, four_k_plus_one),
    ShotSpec(5.0, 16, None),
    ShotSpec(4.2, 24, four_k_plus_one),
    ShotSpec(2.6, 24, None),
    ShotSpec(6.1, 16, four_k_plus_one),
    ShotSpec(3.0, 24, None),
]


@pytest.fixture(scope="module")
def click_tracks(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[list[float], Beats]]:
    folder = tmp_path_factory.mktemp("clicks")
    tracks = {"120bpm": [(120.0, 30.0)], "87bpm-then-104": [(87.0, 20.0), (104.0, 20.0)]}
    found = {}
    for name, sections in tracks.items():
        truth = beat_times(sections)
        seconds = sum(s for _, s in sections) + 0.5
        found[name] = (
            truth,
            detect_beats(write_click_track(folder / f"{name}.wav", truth, seconds)),
        )
    return found


@pytest.mark.parametrize("track", ["120bpm", "87bpm-then-104"])
@pytest.mark.parametrize("cuts", ["beats", "bars"])
@pytest.mark.parametrize(
    "transition", [Transition("cut", 0.0), Transition("crossfade", 0.5)], ids=["cut", "xfade"]
)
def test_every_cut_is_within_a_frame_of_a_beat(click_tracks, track, cuts, transition) -> None:
    truth, beats = click_tracks[track]
    grid = truth if cuts == "beats" else truth[::4]

    plan = plan_board(SHOTS, beats, cuts, transition)

    frame = 1 / plan.fps
    assert plan.cuts[0] == 0 and len(plan.cuts) == len(SHOTS)
    for cut in [*plan.cuts[1:], plan.seconds]:  # every cut, and the end
        assert min(abs(cut - t) for t in grid) <= frame, (cut, plan.to_dict())
    check_lengths_add_up(plan, transition.overlap_s)


def check_lengths_add_up(plan, overlap_s: float) -> None:
    for index, shot in enumerate(plan.shots):
        assert shot.start == plan.cuts[index]
        # Generated at or above the planned frames, and the planned frames cover its time.
        assert shot.generate_frames >= shot.frames
        assert shot.frames / shot.fps >= shot.seconds - 1e-6
        assert shot.out_frames == round(shot.seconds * plan.fps)
        following = (
            plan.cuts[index + 1] + overlap_s if index + 1 < len(plan.shots) else plan.seconds
        )
        assert shot.start + shot.seconds == pytest.approx(following, abs=1e-5)


def test_as_written_keeps_the_lengths_on_the_frame_grid() -> None:
    shots = [ShotSpec(2.0, 24), ShotSpec(3.5, 24), ShotSpec(1.25, 24)]
    plan = plan_board(shots, None, "as_written", Transition())
    assert plan.cuts == [0.0, 2.0, 5.5]
    assert plan.seconds == 6.75
    assert [s.frames for s in plan.shots] == [48, 84, 30]


def test_a_crossfade_overlaps_neighbours_by_its_length() -> None:
    shots = [ShotSpec(2.0, 24), ShotSpec(3.0, 24), ShotSpec(2.0, 24)]
    plan = plan_board(shots, None, "as_written", Transition("crossfade", 0.5))
    assert plan.cuts == [0.0, 1.5, 4.0]
    assert plan.seconds == 6.0  # 7 s of shots less two 0.5 s overlaps
    assert [s.seconds for s in plan.shots] == [2.0, 3.0, 2.0]
    check_lengths_add_up(plan, 0.5)


def test_a_soundtrack_made_for_the_board_outlasts_it() -> None:
    shots = [ShotSpec(4.0, 24), ShotSpec(5.0, 16), ShotSpec(3.0, 24)]
    assert soundtrack_seconds(shots, Transition()) == 15.0  # 12 s and a margin for the end
    assert soundtrack_seconds(shots, Transition("crossfade", 1.0)) == 13.0
    with pytest.raises(ParamError, match="at least one shot"):
        soundtrack_seconds([], Transition())


def test_frames_follow_the_model_rule_at_or_above_the_plan() -> None:
    rule_8k1 = lambda n: 8 * round((n - 1) / 8) + 1  # noqa: E731 (LTX's rule, nearest)
    plan = plan_board([ShotSpec(2.0, 24, rule_8k1)], None, "as_written", Transition())
    assert plan.shots[0].frames == 48
    assert plan.shots[0].generate_frames == 49


def test_a_soundtrack_shorter_than_the_board_repeats_its_beats() -> None:
    beats = Beats(
        times=[0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5], downbeats=[0.5, 2.5], bpm=120, duration=4.0
    )
    plan = plan_board([ShotSpec(3.0, 24)] * 4, beats, "beats", Transition())
    looped = {round(t + k * 4.0, 6) for k in range(5) for t in beats.times}
    assert all(min(abs(c - t) for t in looped) <= 1 / 24 for c in plan.cuts[1:])


def test_no_beats_found_keeps_the_cuts_as_written_and_says_so() -> None:
    silent = Beats(times=[], downbeats=[], bpm=0.0, duration=30.0)
    plan = plan_board([ShotSpec(2.0, 24), ShotSpec(2.0, 24)], silent, "beats", Transition())
    assert plan.cuts == [0.0, 2.0]
    assert plan.cuts_mode == "as_written" and "No beats" in plan.note


def test_the_plan_is_json() -> None:
    plan = plan_board(SHOTS, None, "as_written", Transition("crossfade", 0.25))
    data = json.loads(json.dumps(plan.to_dict()))
    assert data["cuts"] == plan.cuts and data["seconds"] == plan.seconds
    assert data["shots"][1]["fps"] == 16 and data["transition"]["kind"] == "crossfade"
    assert Plan.from_dict(data) == plan  # kept in the catalog, read back after a restart


@pytest.mark.parametrize(
    ("shots", "cuts", "transition", "words"),
    [
        ([], "beats", Transition(), "at least one shot"),
        ([ShotSpec(0.0, 24)], "as_written", Transition(), "Shot 1 lasts 0 s"),
        ([ShotSpec(2, 24), ShotSpec(600.0, 24)], "as_written", Transition(), "Shot 2 lasts 600 s"),
        ([ShotSpec(float("nan"), 24)], "as_written", Transition(), "number of seconds"),
        ([ShotSpec(2.0, 0)], "as_written", Transition(), "frame rate"),
        ([ShotSpec(20.0, 24)] * 16, "as_written", Transition(), "at most 300 s"),
        ([ShotSpec(2.0, 24)], "downbeats", Transition(), "`cuts` must be one of"),
        ([ShotSpec(2.0, 24)], "beats", Transition(), "need the soundtrack's beats"),
        ([ShotSpec(2.0, 24)] * 2, "as_written", Transition("crossfade", 1.0), "too short"),
    ],
)
def test_bad_boards_are_refused_with_the_reason(shots, cuts, transition, words) -> None:
    with pytest.raises(ParamError, match=words):
        plan_board(shots, None, cuts, transition)


@pytest.mark.parametrize(
    ("kind", "seconds", "words"),
    [
        ("wipe", 0.5, "'cut' or 'crossfade'"),
        ("crossfade", 5.0, "0.1-2 s"),
        ("cut", 1.0, "no length"),
    ],
)
def test_bad_transitions_are_refused(kind, seconds, words) -> None:
    with pytest.raises(ParamError, match=words):
        Transition(kind, seconds)  # type: ignore[arg-type]
