"""The progress and cancellation contract shared by every engine."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from engines.errors import GenerationCancelled

# Called with (step, total) after each generation step; step counts from 1.
ProgressFn = Callable[[int, int], None]
# Returns True when the caller wants the running generation stopped.
CancelCheck = Callable[[], bool]
# (the file's path, what made it: model, revision, seed) -> the settings comment it carries.
Tagger = Callable[[Path, Mapping[str, Any]], "str | None"]


class StepReporter:
    """Reports each finished step and raises GenerationCancelled when asked to stop."""

    def __init__(
        self,
        total: int,
        on_progress: ProgressFn | None = None,
        should_cancel: CancelCheck | None = None,
    ) -> None:
        self.total = total
        self.step = 0
        self._on_progress = on_progress
        self._should_cancel = should_cancel

    def check_cancel(self) -> None:
        if self._should_cancel is not None and self._should_cancel():
            raise GenerationCancelled(self.step, self.total)

    def advance(self) -> None:
        """Mark one step done, report it, then honour a pending cancel."""
        self.count()
        self.check_cancel()

    def count(self) -> bool:
        """Mark one step done and report it; True when a cancel is pending (no raise)."""
        self.step += 1
        if self._on_progress is not None:
            self._on_progress(self.step, self.total)
        return self._should_cancel is not None and bool(self._should_cancel())

    def cancelled(self) -> GenerationCancelled:
        return GenerationCancelled(self.step, self.total)


class RunContext:
    """One generation's progress, cancel and timings, handed to the engine as one object.

    The engine calls ``steps(total)`` once it knows its step count, then ``advance()``
    after each step; ``timed(phase)`` records a phase's seconds into ``timings``; its
    writer asks ``comment(out_path, made)`` for the settings comment to write with the file.
    """

    def __init__(
        self,
        on_progress: ProgressFn | None = None,
        should_cancel: CancelCheck | None = None,
        tag: Tagger | None = None,
    ) -> None:
        self.on_progress = on_progress
        self.should_cancel = should_cancel
        self.tag = tag
        self.timings: dict[str, float] = {}
        self.reporter = StepReporter(0, on_progress, should_cancel)

    def steps(self, total: int) -> StepReporter:
        self.reporter = StepReporter(total, self.on_progress, self.should_cancel)
        return self.reporter

    def check_cancel(self) -> None:
        self.reporter.check_cancel()

    def advance(self) -> None:
        self.reporter.advance()

    def cancel_requested(self) -> bool:
        return self.should_cancel is not None and bool(self.should_cancel())

    def comment(self, out_path: Path, made: Mapping[str, Any]) -> str | None:
        """The settings comment ``out_path`` is written with, in the same pass (no rewrite
        after); ``made`` is what only the run knows: the weights' ``model``, ``revision``
        and the ``seed`` used. None when nobody asked for one."""
        return self.tag(Path(out_path), made) if self.tag is not None else None

    def timed(self, phase: str) -> Any:
        from engines.timing import timed

        return timed(self.timings, phase)
