"""Fast mode: diffusers' First Block Cache on a video transformer, for one job only; and
STUDIO_COMPILE's compiled blocks.

Each step runs the transformer's first block; when its output changed less than
``threshold`` (relative mean absolute change) since the last full step, the other
blocks are skipped and their last residual reused. MagCache needs ratios calibrated on
the real weights of each model, which no test here can run; First Block Cache needs
none. The hook is added for a fast job and removed after it, so its cached residuals
never reach the next job and a job without Fast runs the plain transformer.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from engines.params import param

# The default the bench measured per family (bench/fast_mode.py; docs in bench/README.md).
DEFAULT_THRESHOLD = 0.05


def fast_param() -> Any:
    """The declared "Fast" switch of a transformer family's params."""
    return param(
        False, kind="bool", widget="checkbox", label="Fast",
        help="Skip most of the transformer on steps where it would barely change the result "
        "(First Block Cache): much faster, slightly different from the same seed without it.",
    )  # fmt: skip


def compile_blocks(engine: Any, pipe: Any, device: str) -> bool:
    """With STUDIO_COMPILE=1 on CUDA, compile the transformer's repeated blocks (one graph
    reused by every block: diffusers' ``compile_repeated_blocks``); True when it did."""
    if not engine.settings.compile or device != "cuda":
        return False
    pipe.transformer.compile_repeated_blocks(fullgraph=True)
    engine.memory_savers.append("compiled_blocks")
    return True


@contextmanager
def first_block_cache(transformer: Any, on: bool, threshold: float) -> Iterator[None]:
    """``transformer`` with First Block Cache at ``threshold`` while the block runs, when
    ``on``; removed afterwards, even when the job fails or is cancelled."""
    if not on:
        yield
        return
    from diffusers import FirstBlockCacheConfig

    if transformer.is_cache_enabled:  # a job that died mid-way left it: start clean
        transformer.disable_cache()
    transformer.enable_cache(FirstBlockCacheConfig(threshold=threshold))
    try:
        yield
    finally:
        transformer.disable_cache()
