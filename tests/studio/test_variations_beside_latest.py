"""Finished variations are drawn once, in the grid: "Your latest" leaves them out, as two
identical autoplaying players on one page stop it with a duplicate element id
(tests/studio/test_pages_in_every_state.py shows it for a video group)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fixtures.studio import USERS, log_in, open_app, rerun_until


def keep_buttons(app) -> int:  # type: ignore[no-untyped-def]
    return len([b for b in app.button if b.label == "Keep this one"])


@pytest.mark.slow  # two tracks
def test_two_finished_tracks_show_once_in_the_grid_not_again_below(studio_data: Path, live_jobs):
    app = log_in(open_app(), "ana", USERS["ana"])
    app.switch_page("app_pages/music.py").run()
    app.text_area(key="music_description").input("two takes of lofi")
    app.slider(key="music_duration").set_value(1.0)
    app.select_slider(key="music_variations").set_value(2)
    app.button(key="music_generate").click().run()
    assert not app.exception and not app.error, [e.value for e in app.error]
    jobs = live_jobs.wait(app.session_state["music_group"])
    assert [j.status for j in jobs] == ["done", "done"], [j.error for j in jobs]

    app = rerun_until(app, lambda a: keep_buttons(a) == 2 or bool(a.exception))
    assert not app.exception, [e.value for e in app.exception]
    reuse = [b for b in app.button if b.label == "Use these settings again"]
    assert len(reuse) == 2  # each track once, in its grid column
    assert all(str(b.key).startswith("music-variation") for b in reuse)
    assert "Your latest" not in [s.value for s in app.subheader]  # nothing else was made
