"""Fast mode: a diffusers cache hook on a video transformer, for one job only; and
STUDIO_COMPILE's compiled blocks.

MagCache (where its authors publish ratios calibrated on the real model: Wan 2.1 T2V
1.3B, Wan 2.2 TI2V-5B; engines/families/mag_ratios.py) skips whole steps, reusing the
last residual of all blocks, while the accumulated change the calibrated ratios predict
stays under ``threshold``: which steps it skips depends only on the ratios and the step
count, never on the loaded weights. TaylorSeer (its lite form: LTX-Video's Fast, which
has no published ratios; First Block Cache measured 1.18x at best there, bench/README.md
2c) runs every block on one step in ``interval`` and, on the steps between, runs none
and predicts the transformer's output from the last two it computed (first order): like
MagCache, which steps it skips is fixed in advance, never the weights' choice. The hook
is added for a fast job and removed after it, so its cached residuals never reach the
next job and a job without Fast runs the plain transformer.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from engines.params import param

# TaylorSeer's own default: the first steps set the picture's layout, always computed.
TAYLOR_WARMUP_STEPS = 3


@dataclass(frozen=True)
class MagSchedule:
    """MagCache's calibrated ratios with the settings their authors recommend for them."""

    ratios: tuple[float, ...]  # one per step of the calibration run
    threshold: float  # the accumulated error a skipped run of steps may reach
    max_skip_steps: int  # K: consecutive steps skipped at most
    retention_ratio: float  # the first fraction of steps always computed

    def config(self, steps: int, threshold: float | None = None) -> Any:
        """diffusers' MagCacheConfig for a run of ``steps`` (the ratios are resampled to
        it, nearest neighbour, as the authors do): its step counter must match the run's."""
        from diffusers import MagCacheConfig

        return MagCacheConfig(
            threshold=self.threshold if threshold is None else threshold,
            max_skip_steps=self.max_skip_steps,
            retention_ratio=self.retention_ratio,
            num_inference_steps=steps,
            mag_ratios=list(self.ratios),
        )


def fast_param() -> Any:
    """The declared "Fast" switch of a transformer family's params."""
    return param(
        False, kind="bool", widget="checkbox", label="Fast",
        help="Skip most of the transformer on steps where it would barely change the result "
        "(MagCache or TaylorSeer): much faster, slightly different from the same seed "
        "without it.",
    )  # fmt: skip


def compile_blocks(engine: Any, pipe: Any, device: str) -> bool:
    """With STUDIO_COMPILE=1 on CUDA, compile the transformer's repeated blocks (one graph
    reused by every block: diffusers' ``compile_repeated_blocks``); True when it did."""
    if not engine.settings.compile or device != "cuda":
        return False
    pipe.transformer.compile_repeated_blocks(fullgraph=True)
    engine.memory_savers.append("compiled_blocks")
    return True


def taylor_seer(transformer: Any, on: bool, interval: int) -> Any:
    """``transformer`` with TaylorSeer (lite) computing one step in ``interval`` after the
    first ``TAYLOR_WARMUP_STEPS`` while the block runs, when ``on``; removed afterwards."""
    if not on:
        return cache_hook(transformer, None)
    from diffusers import TaylorSeerCacheConfig

    config = TaylorSeerCacheConfig(
        cache_interval=interval,
        disable_cache_before_step=TAYLOR_WARMUP_STEPS,
        max_order=1,
        taylor_factors_dtype=transformer.dtype,  # bf16 factors would round an fp32 model's
        use_lite_mode=True,
    )
    return cache_hook(transformer, config)


def mag_cache(
    transformer: Any, on: bool, schedule: MagSchedule, steps: int, threshold: float | None = None
) -> Any:
    """``transformer`` with MagCache over a run of ``steps`` while the block runs, when
    ``on``; removed afterwards, even when the job fails or is cancelled."""
    return cache_hook(transformer, schedule.config(steps, threshold) if on else None)


@contextmanager
def cache_hook(transformer: Any, config: Any) -> Iterator[None]:
    """``transformer`` with the cache ``config`` (none: the plain transformer) while the
    block runs; the hook and its state are gone afterwards."""
    if config is None:
        yield
        return
    if transformer.is_cache_enabled:  # a job that died mid-way left it: start clean
        transformer.disable_cache()
    transformer.enable_cache(config)
    try:
        yield
    finally:
        transformer.disable_cache()
