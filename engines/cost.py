"""What a job costs, declared by its family, and the guard a catalog entry's limit derives.

A family declares how its params add up to work (``VideoCost``: frames x width x height x
steps; ``DiffusionAudioCost``: seconds x steps; ``SecondsCost``: seconds, for MusicGen,
whose decoder runs a fixed number of steps a second). A catalog entry declares the most of
that work its target GPU does in ``BUDGET_MINUTES``; ``check_cost`` refuses a job over it
with a message that names the limit and what would fit. Nothing here imports torch.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from engines.errors import ParamError
from engines.params import spec_of

BUDGET_MINUTES = 10  # a job may hold the only worker this long at its user's allowance 1


class CostTooHigh(ParamError):
    """The job asks more of its model than its GPU does in the budget; nothing was queued."""


class Cost(Protocol):
    def cost(self, params: Any) -> float: ...

    def describe(self, params: Any) -> str: ...

    def fit(self, params: Any, budget: float, default: Callable[[str], Any]) -> str: ...


def check_cost(
    declared: Cost,
    params: Any,
    limit: float,
    default: Callable[[str], Any],
    allowance: float = 1.0,
) -> None:
    """Raise CostTooHigh when ``params`` cost more than ``limit`` x ``allowance``.

    ``default(name)`` is the model's default for a field: a suggestion cuts steps to it.
    """
    if allowance <= 0:
        raise ValueError(f"allowance must be positive, but is {allowance}.")
    budget = limit * allowance
    cost = declared.cost(params)
    if cost <= budget:
        return
    ratio = cost / budget
    about = f"{ratio:.1f}" if ratio < 10 else f"{ratio:.0f}"
    minutes = f"{BUDGET_MINUTES * allowance:g}"
    raise CostTooHigh(
        f"{declared.describe(params)} is about {about}x what this model does in "
        f"{minutes} minutes on its GPU; {declared.fit(params, budget, default)}."
    )


def _largest_allowed(params: Any, name: str, at_most: float) -> int:
    """The largest value field ``name`` accepts that is at most ``at_most`` (0 if none)."""
    allowed = [v for v in spec_of(type(params), name).allowed_values() if v <= at_most]
    return max(allowed, default=0)


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


@dataclass(frozen=True)
class VideoCost:
    """frames x width x height x steps: the denoiser's work grows with each."""

    frames: str = "num_frames"
    steps: str = "steps"

    def cost(self, params: Any) -> float:
        frames, steps = getattr(params, self.frames), getattr(params, self.steps)
        return float(frames * params.width * params.height * steps)

    def describe(self, params: Any) -> str:
        frames, steps = getattr(params, self.frames), getattr(params, self.steps)
        return f"{_plural(frames, 'frame')} at {params.width}x{params.height} x {steps} steps"

    def fit(self, params: Any, budget: float, default: Callable[[str], Any]) -> str:
        size = f"{params.width}x{params.height}"
        pixels = params.width * params.height
        steps = min(getattr(params, self.steps), default(self.steps))
        wanted = getattr(params, self.frames)
        frames = _largest_allowed(params, self.frames, min(wanted, budget / (pixels * steps)))
        if frames:
            return f"at {size} try at most {_plural(frames, 'frame')} and {steps} steps"
        fewest = min(spec_of(type(params), self.frames).allowed_values())
        steps = math.floor(budget / (pixels * fewest))
        if steps >= 1:
            return f"at {size} try {_plural(fewest, 'frame')} and at most {steps} steps"
        return f"{size} is too large for this model's GPU; try a smaller size"


@dataclass(frozen=True)
class DiffusionAudioCost:
    """seconds x steps: each denoising step runs over the whole track."""

    seconds: str = "duration"
    steps: str = "steps"

    def cost(self, params: Any) -> float:
        return float(getattr(params, self.seconds) * getattr(params, self.steps))

    def describe(self, params: Any) -> str:
        return f"{getattr(params, self.seconds):g} s x {getattr(params, self.steps)} steps"

    def fit(self, params: Any, budget: float, default: Callable[[str], Any]) -> str:
        steps = min(getattr(params, self.steps), default(self.steps))
        shortest = spec_of(type(params), self.seconds).minimum or 1.0
        seconds = math.floor(min(getattr(params, self.seconds), budget / steps))
        if seconds >= shortest:
            return f"at {steps} steps try at most {seconds} s"
        return f"at {shortest:g} s try at most {math.floor(budget / shortest)} steps"


@dataclass(frozen=True)
class SecondsCost:
    """seconds: an autoregressive decoder runs a fixed number of steps a second of audio."""

    seconds: str = "duration"

    def cost(self, params: Any) -> float:
        return float(getattr(params, self.seconds))

    def describe(self, params: Any) -> str:
        return f"{getattr(params, self.seconds):g} s"

    def fit(self, params: Any, budget: float, default: Callable[[str], Any]) -> str:
        return f"try at most {math.floor(budget)} s"
