"""Real engines, watched: a registry whose engines report loads, overlaps, steps and
failures to a Tracker, so tests can assert what the worker did with the device.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

from engines.progress import RunContext
from engines.registry import EngineRegistry
from engines.settings import Settings


class Tracker:
    """What the engines under a TrackingRegistry did: loads, overlaps, steps, failures."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.loaded: set[int] = set()  # ids of engines holding weights now
        self.max_loaded = 0
        self.active = 0
        self.max_active = 0
        self.generated: list[tuple[str, dict[str, Any]]] = []  # (engine kind, params)
        self.batches: list[list[int]] = []  # the seeds of each generate_batch call
        self.step_times: list[tuple[int, float, int]] = []  # (generation, monotonic time, step)
        self.fail_next: list[BaseException] = []  # raised by the next generate calls
        # Added to every step: a job of known length, whatever else the machine is doing.
        self.step_delay_s = 0.0
        self.unload_all_calls = 0


class TrackingEngine:
    """A real engine, reporting to a Tracker; everything else is passed through."""

    def __init__(self, engine: Any, tracker: Tracker) -> None:
        self._engine = engine
        self._tracker = tracker
        self.kind = engine.kind
        self.model_id = engine.model_id

    def load(self, placement: Any) -> None:
        self._engine.load(placement)
        with self._tracker.lock:
            self._tracker.loaded.add(id(self))
            self._tracker.max_loaded = max(self._tracker.max_loaded, len(self._tracker.loaded))

    def unload(self) -> None:
        self._engine.unload()
        with self._tracker.lock:
            self._tracker.loaded.discard(id(self))

    def park(self) -> None:
        self._engine.park()

    def unpark(self) -> None:
        self._engine.unpark()

    def memory_bytes(self) -> int:
        return int(self._engine.memory_bytes())

    def generate(self, params: Any, out_path: Path, run: RunContext | None = None) -> Any:
        tracker = self._tracker
        with tracker.lock:
            tracker.active += 1
            tracker.max_active = max(tracker.max_active, tracker.active)
            tracker.generated.append((self.kind, dict(params.__dict__)))
            generation = len(tracker.generated) - 1
            failure = tracker.fail_next.pop(0) if tracker.fail_next else None

        run = run if run is not None else RunContext()
        on_progress = run.on_progress

        def progress(step: int, total: int) -> None:
            tracker.step_times.append((generation, time.monotonic(), step))
            time.sleep(tracker.step_delay_s)
            if on_progress is not None:
                on_progress(step, total)

        try:
            if failure is not None:
                raise failure
            return self._engine.generate(
                params, out_path, RunContext(progress, run.should_cancel, run.tag)
            )
        finally:
            with tracker.lock:
                tracker.active -= 1

    def generate_batch(
        self, params: Any, seeds: Any, out_paths: Any, run: RunContext | None = None
    ) -> Any:
        tracker = self._tracker
        with tracker.lock:
            tracker.batches.append(list(seeds))
        run = run if run is not None else RunContext()
        on_progress = run.on_progress

        def progress(step: int, total: int) -> None:
            time.sleep(tracker.step_delay_s)
            if on_progress is not None:
                on_progress(step, total)

        return self._engine.generate_batch(
            params, seeds, out_paths, RunContext(progress, run.should_cancel, run.tag)
        )


class TrackingRegistry(EngineRegistry):
    """The real EngineRegistry over the real engines, each wrapped in a TrackingEngine."""

    def __init__(self, settings: Settings) -> None:
        from engines.registry import make_engine

        self.tracker = Tracker()
        super().__init__(
            settings,
            engine_factory=lambda s, entry: TrackingEngine(make_engine(s, entry), self.tracker),  # type: ignore[arg-type, return-value]
        )

    def unload_all(self) -> None:
        self.tracker.unload_all_calls += 1
        super().unload_all()
