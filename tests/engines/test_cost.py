"""The declared cost: every model's defaults fit, a job over the limit is refused with a fix."""

from __future__ import annotations

import re

import pytest

from engines.catalog import CATALOG, get
from engines.cost import BUDGET_MINUTES, CostTooHigh, DiffusionAudioCost, SecondsCost, VideoCost
from engines.errors import ParamError


def _defaults(entry):
    text = "prompt" if entry.output == "video" else "description"
    return entry.params(**{text: "a calm lake"})


@pytest.mark.parametrize("name", list(CATALOG))
def test_every_model_accepts_its_own_defaults(name):
    entry = CATALOG[name]
    entry.check_cost(_defaults(entry))
    assert entry.max_cost > 0


def test_the_issue_s_job_is_refused_with_the_limit_and_what_fits():
    entry = get("modelscope-t2v-1.7b")
    params = entry.params(prompt="a boat", num_frames=64, width=1024, height=1024, steps=100)
    with pytest.raises(CostTooHigh) as caught:
        entry.check_cost(params)
    message = str(caught.value)
    assert isinstance(caught.value, ParamError)  # pages and the API show it as bad input
    assert message.startswith("64 frames at 1024x1024 x 100 steps is about 5.3x what this model")
    assert f"in {BUDGET_MINUTES} minutes on its GPU" in message
    frames, steps = map(int, re.search(r"at most (\d+) frames and (\d+) steps", message).groups())
    assert steps == entry.default_of("steps")
    # What it suggests fits, and one frame more would not.
    entry.check_cost(entry.params(prompt="a boat", num_frames=frames, width=1024, height=1024,
                                  steps=steps))  # fmt: skip
    with pytest.raises(CostTooHigh):
        entry.check_cost(entry.params(prompt="a boat", num_frames=frames + 1, width=1024,
                                      height=1024, steps=steps))  # fmt: skip


def test_a_suggestion_keeps_to_the_frames_the_family_accepts():
    entry = get("wan2.1-t2v-1.3b")
    params = entry.params(prompt="a boat", width=1280, height=1280, steps=100)
    with pytest.raises(CostTooHigh, match="at 1280x1280 try at most 21 frames and 50 steps"):
        entry.check_cost(params)
    assert (21 - 1) % 4 == 0  # Wan's frame counts are 4k+1


def test_the_allowance_raises_the_limit_and_the_message_says_so():
    entry = get("musicgen-large")
    params = entry.params(description="a lake", duration=300.0)
    with pytest.raises(
        CostTooHigh, match=r"^300 s is about 2\.0x .* 10 minutes .*try at most 150 s"
    ):
        entry.check_cost(params)
    entry.check_cost(params, allowance=2.0)
    with pytest.raises(CostTooHigh, match=r"about 1\.3x what this model does in 15 minutes"):
        entry.check_cost(params, allowance=1.5)
    with pytest.raises(ValueError, match="allowance must be positive"):
        entry.check_cost(params, allowance=0)


def test_diffusion_audio_counts_seconds_and_steps():
    entry = get("acestep-v1.5-turbo")
    long = entry.params(description="a song", duration=240.0, steps=100)
    with pytest.raises(
        CostTooHigh, match=r"^240 s x 100 steps is about .*at 8 steps try at most 240 s"
    ):
        entry.check_cost(long)
    entry.check_cost(entry.params(description="a song", duration=240.0, steps=8))
    assert DiffusionAudioCost().cost(long) == 240.0 * 100


def test_when_nothing_at_this_size_fits_it_says_to_go_smaller():
    params = get("wan2.1-t2v-1.3b").params(prompt="a boat", width=1280, height=1280)
    tiny_budget = 1280 * 1280 * 0.5  # not even one frame at one step
    assert "try a smaller size" in VideoCost().fit(params, tiny_budget, lambda name: 50)
    one_frame = VideoCost().fit(params, 1280 * 1280 * 10, lambda name: 50)
    assert one_frame == "at 1280x1280 try 1 frame and at most 10 steps"


def test_music_costs_its_seconds():
    params = get("musicgen-small").params(description="a lake", duration=12.5)
    assert SecondsCost().cost(params) == 12.5 and SecondsCost().describe(params) == "12.5 s"
