"""LTX-Video 2B: Fast (TaylorSeer, lite) / normal over a whole clip, at intervals 3 (the
family's own), 2 and 4 (one step in N computes every block; the steps between run none and
predict the transformer's output, first order). First Block Cache measured 1.18x at best
on this clip (bench/results/cpu-2026-12-07-ltx.md), short of 1.5x; the step overhead is
bench/ltx.py's.

See bench/fast_video.py for what is measured and how the checkpoint differs from the real.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from bench.fast_video import markdown, run_fast_case
from bench.ltx import CASE as LTX

__all__ = ["markdown", "run"]

# Its default 50 steps: the three always computed then one in N, so N sets the gain.
CASE = replace(
    LTX, fast_steps=50, thresholds=(None, 2, 4), fast_cache="TaylorSeer lite",
    knob="fast_interval",
)  # fmt: skip


def run(device: str = "cpu", quick: bool = False, repeats: int = 2, models: Path | None = None):
    return run_fast_case(CASE, device, quick, models)
