"""Variations on the Text to video page: one click, N clips with consecutive seeds side
by side; keep one (the rest are deleted) and send it to Combine."""

from __future__ import annotations

from pathlib import Path

from tests.fixtures.studio import USERS, log_in, open_app, rerun_until


def test_three_variations_side_by_side_keep_one_and_send_it_to_combine(
    studio_data: Path, live_jobs
):
    app = log_in(open_app(), "ana", USERS["ana"])
    app.text_area(key="video_prompt").input("a lighthouse at dusk")
    app.slider(key="video_frames").set_value(2)
    app.slider(key="video_steps").set_value(1)
    app.checkbox(key="video_random_seed").uncheck().run()
    app.number_input(key="video_seed").set_value(10)
    app.select_slider(key="video_variations").set_value(3)
    app.button(key="video_generate").click().run()
    assert not app.exception and not app.error
    ids = app.session_state["video_group"]
    assert len(ids) == 3
    jobs = live_jobs.wait(ids)
    assert [j.params["seed"] for j in jobs] == [10, 11, 12]
    assert {j.params["prompt"] for j in jobs} == {"a lighthouse at dusk"}

    app = rerun_until(app, lambda a: len([b for b in a.button if b.label == "Keep this one"]) == 3)
    assert [c.value for c in app.caption if c.value.startswith("Seed ")] == [
        "Seed 10", "Seed 11", "Seed 12",
    ]  # fmt: skip
    app.button(key=f"video_keep_{ids[1]}").click().run()
    assert not app.exception
    kept = jobs[1].asset_id
    assert [a.id for a in live_jobs.api.assets("ana")] == [kept]  # the other two are deleted

    app.session_state["video_group"] = ids[1:2] + ids[1:2]  # the grid shows it with its choices
    app.run()
    app.button(key=f"video_combine_{ids[1]}").click().run()
    assert [t.value for t in app.title] == ["Combine"]
    assert app.selectbox(key="combine_video_choice").value.endswith(str(kept)[:6])
