"""Wan 2.1 T2V 1.3B: Fast (MagCache, its authors' ratios and setting) / normal over a
whole clip at the model's default 50 steps; the step overhead is bench/wan.py's.

See bench/fast_video.py for what is measured and how the checkpoint differs from the real.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bench.fast_video import Case, markdown, run_fast_case
from bench.wan import WAN_TRANSFORMER

__all__ = ["markdown", "run"]


def build(folder: Path, layers: int) -> None:
    """The real transformer's width with ``layers`` blocks, a one-layer UMT5 at the real
    width, and the tiny builder's VAE (real compression, few channels)."""
    import torch
    from diffusers import UniPCMultistepScheduler, WanPipeline, WanTransformer3DModel
    from transformers import UMT5Config, UMT5EncoderModel

    from engines.tiny.music import build_t5_tokenizer
    from engines.tiny.wan import REAL_SCHEDULER, build_tiny_wan

    build_tiny_wan(folder)
    tiny: Any = WanPipeline.from_pretrained(str(folder))
    tokenizer = build_t5_tokenizer()
    torch.manual_seed(0)
    transformer = WanTransformer3DModel(**{**WAN_TRANSFORMER, "num_layers": layers})
    text_encoder = UMT5EncoderModel(
        UMT5Config(vocab_size=len(tokenizer), d_model=4096, d_kv=64, d_ff=1024, num_layers=1,
                   num_heads=64, pad_token_id=0, eos_token_id=1)
    )  # fmt: skip
    pipe: Any = WanPipeline(
        tokenizer=tokenizer, text_encoder=text_encoder, vae=tiny.vae,
        scheduler=UniPCMultistepScheduler(**REAL_SCHEDULER), transformer=transformer,
    )  # fmt: skip
    pipe.save_pretrained(str(folder))


# Two blocks keep 2 x 50 guided steps near 10 minutes on two busy cores; MagCache skips
# every block of a skipped pass, so more blocks would only raise the speed-up.
CASE = Case(
    name="wan2.1-t2v-1.3b",
    label="Wan 2.1 T2V 1.3B",
    layers=2,
    real_layers=30,
    size={"num_frames": 9, "height": 128, "width": 128},
    guidance=5.0,
    plain_steps=2,
    fast_steps=50,
    build=build,
    pipeline="WanPipeline",
    thresholds=(None,),
    fast_cache="MagCache, E012K2R02",
)


def run(device: str = "cpu", quick: bool = False, repeats: int = 2, models: Path | None = None):
    return run_fast_case(CASE, device, quick, models)
