"""A tiny Wan 2.2 TI2V-5B checkpoint in Wan-AI/Wan2.2-TI2V-5B-Diffusers' layout.

Sizes follow diffusers' own tests (tests/pipelines/wan/test_wan_22_image_to_video.py,
the 5B config): the Wan 2.2 VAE (48 latent channels, 2x2 patchify then 8x: 16x in space,
4x in time) and a transformer with 2x2 patches; model_index.json says
``expand_timesteps`` as the real one does, which is what tells it from Wan 2.1.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

# The real repository's scheduler: UniPC over flow-matching sigmas, shift 5 for 720p.
REAL_SCHEDULER = {
    "prediction_type": "flow_prediction",
    "use_flow_sigmas": True,
    "flow_shift": 5.0,
    "num_train_timesteps": 1000,
}
TEXT_DIM = 32
Z_DIM = 48


def build_tiny_wan22(folder: Path) -> None:
    """Save a ~2 MB Wan 2.2 TI2V WanPipeline with random weights into ``folder``."""
    import torch
    from diffusers import (
        AutoencoderKLWan,
        UniPCMultistepScheduler,
        WanPipeline,
        WanTransformer3DModel,
    )
    from transformers import UMT5Config, UMT5EncoderModel

    from engines.tiny.music import build_t5_tokenizer

    tokenizer = build_t5_tokenizer()
    torch.manual_seed(0)
    vae = AutoencoderKLWan(
        # Two channels and no extra residual blocks: the decoder's last level runs at
        # 121x352x640 at the defaults (before the 2x2 unpatchify), so it must be light.
        base_dim=2,
        z_dim=Z_DIM,
        in_channels=12,
        out_channels=12,
        is_residual=True,
        patch_size=2,
        latents_mean=[0.0] * Z_DIM,
        latents_std=[1.0] * Z_DIM,
        dim_mult=[1, 1, 1, 1],
        num_res_blocks=0,
        scale_factor_spatial=16,
        scale_factor_temporal=4,
        temperal_downsample=[False, True, True],
    )
    torch.manual_seed(0)
    text_encoder = UMT5EncoderModel(
        UMT5Config(
            vocab_size=len(tokenizer),
            d_model=TEXT_DIM,
            d_kv=8,
            d_ff=37,
            num_layers=1,
            num_heads=4,
            relative_attention_num_buckets=8,
            pad_token_id=0,
            eos_token_id=1,
        )
    )
    torch.manual_seed(0)
    # 2x2 patches as the real model's: the pipeline's per-token timesteps (expand_timesteps)
    # assume them. One head of 6 (the least the rotary split takes), two layers.
    transformer = WanTransformer3DModel(
        patch_size=(1, 2, 2),
        num_attention_heads=1,
        attention_head_dim=6,
        in_channels=Z_DIM,
        out_channels=Z_DIM,
        text_dim=TEXT_DIM,
        freq_dim=256,
        ffn_dim=32,
        num_layers=2,  # Fast's cache hooks need blocks to skip (bench/README.md 2c)
        cross_attn_norm=True,
        qk_norm="rms_norm_across_heads",
        rope_max_seq_len=1024,  # the real model's: covers 1280 px / 16 / 2 = 40 patches
    )
    scheduler = UniPCMultistepScheduler(**REAL_SCHEDULER)
    pipe: Any = WanPipeline(
        tokenizer=tokenizer,
        text_encoder=text_encoder,
        vae=vae,
        scheduler=scheduler,
        transformer=transformer,
        expand_timesteps=True,
    )
    pipe.save_pretrained(str(folder))
