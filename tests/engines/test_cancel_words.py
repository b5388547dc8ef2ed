"""What a cancelled job says: where it stopped, in words a person reads on its card."""

from __future__ import annotations

from engines.errors import GenerationCancelled
from jobs.worker.outcomes import stopped


def test_a_cancel_during_steps_names_the_step() -> None:
    assert str(GenerationCancelled(3, 25)) == "Cancelled at step 3 of 25."


def test_a_cancel_before_any_step_does_not_say_step_0_of_0() -> None:
    # A job cancelled while its model loads (the watchdog's case) has counted no steps.
    assert str(GenerationCancelled(0, 0)) == "Cancelled before its first step."
    assert stopped("cancelled", 0, 0)["error"] == "Cancelled before its first step."
