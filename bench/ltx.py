"""LTX-Video 2B (0.9.5): ours / plain LTXPipeline a step, and Fast / normal a clip.

See bench/fast_video.py for what is measured and how the checkpoint differs from the real.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bench.fast_video import Case, markdown, run_case

__all__ = ["markdown", "run"]

# scripts/convert_ltx_to_diffusers.py in diffusers: the 0.9.5 transformer (28 blocks).
LTX_TRANSFORMER = {
    "in_channels": 128,
    "out_channels": 128,
    "patch_size": 1,
    "patch_size_t": 1,
    "num_attention_heads": 32,
    "attention_head_dim": 64,
    "cross_attention_dim": 2048,
    "activation_fn": "gelu-approximate",
    "qk_norm": "rms_norm_across_heads",
    "norm_elementwise_affine": False,
    "norm_eps": 1e-6,
    "caption_channels": 4096,
    "attention_bias": True,
    "attention_out_bias": True,
}


def build(folder: Path, layers: int) -> None:
    import torch
    from diffusers import (
        AutoencoderKLLTXVideo,
        FlowMatchEulerDiscreteScheduler,
        LTXPipeline,
        LTXVideoTransformer3DModel,
    )
    from transformers import T5Config, T5EncoderModel

    from engines.tiny.music import build_t5_tokenizer

    tokenizer = build_t5_tokenizer()
    torch.manual_seed(0)
    transformer = LTXVideoTransformer3DModel(**LTX_TRANSFORMER, num_layers=layers)
    vae = AutoencoderKLLTXVideo(
        latent_channels=128, block_out_channels=(8, 8, 8, 8),
        decoder_block_out_channels=(8, 8, 8, 8), layers_per_block=(1, 1, 1, 1, 1),
        decoder_layers_per_block=(1, 1, 1, 1, 1),
        spatio_temporal_scaling=(True, True, True, False),
        decoder_spatio_temporal_scaling=(True, True, True, False),
        decoder_inject_noise=(False,) * 5, upsample_residual=(False,) * 4,
        upsample_factor=(1, 1, 1, 1), timestep_conditioning=True, patch_size=4,
    )  # fmt: skip
    text_encoder = T5EncoderModel(
        T5Config(vocab_size=len(tokenizer), d_model=4096, d_kv=64, d_ff=1024, num_layers=1,
                 num_heads=64, pad_token_id=0, eos_token_id=1)
    )  # fmt: skip
    pipe: Any = LTXPipeline(
        scheduler=FlowMatchEulerDiscreteScheduler(use_dynamic_shifting=False), vae=vae,
        text_encoder=text_encoder, tokenizer=tokenizer, transformer=transformer,
    )  # fmt: skip
    pipe.save_pretrained(str(folder))


CASE = Case(
    name="ltx-video-2b",
    label="LTX-Video 2B",
    layers=8,
    real_layers=28,
    size={"num_frames": 17, "height": 128, "width": 192},
    guidance=3.0,
    plain_steps=2,
    fast_steps=10,
    build=build,
    pipeline="LTXPipeline",
    thresholds=(None,),  # TaylorSeer at the family's own interval; bench/ltx_fast.py tries more
    fast_cache="TaylorSeer lite",
    knob="fast_interval",
)


def run(device: str = "cpu", quick: bool = False, repeats: int = 2, models: Path | None = None):
    return run_case(CASE, device, quick, repeats, models)
