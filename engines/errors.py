"""The exceptions engines raise, each carrying a message meant for a person."""

from __future__ import annotations


class StudioError(Exception):
    """Base class: its message is safe and useful to show to the user as is."""


class ParamError(StudioError, ValueError):
    """A parameter is out of bounds or malformed; nothing was generated."""


class MediaError(StudioError):
    """An input file (a melody, an upload) could not be decoded or is out of limits."""


class ModelUnavailableError(StudioError):
    """Weights are neither cached nor reachable; the message says how to get them."""


class GenerationCancelled(StudioError):
    """The cancel check returned True; the engine stopped and wrote no file."""

    def __init__(self, step: int, total: int) -> None:
        # No steps counted yet (the model still loading): "step 0 of 0" would say nothing.
        where = f"at step {step} of {total}" if total else "before its first step"
        super().__init__(f"Cancelled {where}.")
        self.step = step
        self.total = total
