"""The progress and cancellation contract shared by every engine."""

from __future__ import annotations

from collections.abc import Callable

from engines.errors import GenerationCancelled

# Called with (step, total) after each generation step; step counts from 1.
ProgressFn = Callable[[int, int], None]
# Returns True when the caller wants the running generation stopped.
CancelCheck = Callable[[], bool]


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
        self.step += 1
        if self._on_progress is not None:
            self._on_progress(self.step, self.total)
        self.check_cancel()
