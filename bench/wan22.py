"""Wan 2.2 TI2V-5B: ours / plain WanPipeline a step, and Fast / normal a clip.

See bench/fast_video.py for what is measured and how the checkpoint differs from the real.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bench.fast_video import Case, markdown, run_case

__all__ = ["markdown", "run"]

# Wan-AI/Wan2.2-TI2V-5B-Diffusers transformer: dim 3072 (24 heads of 128), 30 blocks.
WAN22_TRANSFORMER = {
    "patch_size": (1, 2, 2),
    "num_attention_heads": 24,
    "attention_head_dim": 128,
    "in_channels": 48,
    "out_channels": 48,
    "text_dim": 4096,
    "freq_dim": 256,
    "ffn_dim": 14336,
    "cross_attn_norm": True,
    "qk_norm": "rms_norm_across_heads",
    "eps": 1e-6,
    "rope_max_seq_len": 1024,
}


def build(folder: Path, layers: int) -> None:
    import torch
    from diffusers import UniPCMultistepScheduler, WanPipeline, WanTransformer3DModel
    from transformers import UMT5Config, UMT5EncoderModel

    from engines.tiny.music import build_t5_tokenizer
    from engines.tiny.wan22 import REAL_SCHEDULER, build_tiny_wan22

    build_tiny_wan22(folder)  # its VAE (real compression), then the wide parts over it
    tiny: Any = WanPipeline.from_pretrained(str(folder))
    tokenizer = build_t5_tokenizer()
    torch.manual_seed(0)
    transformer = WanTransformer3DModel(**WAN22_TRANSFORMER, num_layers=layers)
    text_encoder = UMT5EncoderModel(
        UMT5Config(vocab_size=len(tokenizer), d_model=4096, d_kv=64, d_ff=1024, num_layers=1,
                   num_heads=64, pad_token_id=0, eos_token_id=1)
    )  # fmt: skip
    pipe: Any = WanPipeline(
        tokenizer=tokenizer, text_encoder=text_encoder, vae=tiny.vae,
        scheduler=UniPCMultistepScheduler(**REAL_SCHEDULER), transformer=transformer,
        expand_timesteps=True,
    )  # fmt: skip
    pipe.save_pretrained(str(folder))


CASE = Case(
    name="wan2.2-ti2v-5b",
    label="Wan 2.2 TI2V-5B",
    layers=6,
    real_layers=30,
    size={"num_frames": 9, "height": 128, "width": 128},
    guidance=5.0,
    plain_steps=2,
    fast_steps=10,
    build=build,
    pipeline="WanPipeline",
)


def run(device: str = "cpu", quick: bool = False, repeats: int = 2, models: Path | None = None):
    return run_case(CASE, device, quick, repeats, models)
