"""``python -m tests.jobs.stuck_worker``: ``python -m jobs.worker`` whose engine step never
returns for a prompt that says "never returns" (it blocks in a C call, ignoring cancels).

When the worker replaces its process, the fresh one is the real ``python -m jobs.worker``:
the next job runs normally, as after a real hang.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from engines.progress import RunContext
from engines.registry import EngineRegistry
from jobs.worker.__main__ import main

HANG = "never returns"
_real_generate = EngineRegistry.generate
_never_written, _ = os.pipe()


def generate(
    self: EngineRegistry, params: Any, out_path: Path, run: RunContext | None = None
) -> Any:
    if HANG in str(getattr(params, "prompt", "")) and run is not None and run.on_progress:
        run.on_progress(1, 10)  # shows as running at step 1
        os.read(_never_written, 1)  # blocks in C for good: no step callback, no cancel check
    return _real_generate(self, params, out_path, run)


if __name__ == "__main__":
    EngineRegistry.generate = generate  # type: ignore[method-assign]
    raise SystemExit(main([]))
