"""A tqdm bar on stderr fed by an engine's (step, total) progress callback."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from tqdm import tqdm

from engines.progress import ProgressFn


@contextmanager
def progress_bar(description: str, unit: str = "step") -> Iterator[ProgressFn]:
    bar: tqdm | None = None

    def on_progress(step: int, total: int) -> None:
        nonlocal bar
        if bar is None:
            bar = tqdm(total=total, desc=description, unit=unit, file=None, leave=False)
        bar.update(step - bar.n)

    try:
        yield on_progress
    finally:
        if bar is not None:
            bar.close()
