"""Wan 2.2 TI2V-5B: Fast (MagCache, its authors' ratios and setting) / normal over a
whole clip of 30 steps (its default is 50: MagCache's schedule, resampled, computes the
same half of the steps at 30 as at 50, 15 and 25); the step overhead is bench/wan22.py's.

See bench/fast_video.py for what is measured and how the checkpoint differs from the real.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from bench.fast_video import markdown, run_fast_case
from bench.wan22 import CASE as WAN22

__all__ = ["markdown", "run"]

# Four blocks and 30 steps keep both clips near 10 minutes on two busy cores. MagCache
# skips every block of a skipped pass but not the 512-token text projection (as costly
# as one block here), so more blocks raise the speed-up: at 2 it was 1.32x.
CASE = replace(WAN22, layers=4, fast_steps=30, thresholds=(None,), fast_cache="MagCache, E006K2R02")


def run(device: str = "cpu", quick: bool = False, repeats: int = 2, models: Path | None = None):
    return run_fast_case(CASE, device, quick, models)
