"""A tiny Wan 2.1 text-to-video checkpoint in Wan-AI/Wan2.1-T2V-1.3B-Diffusers' layout.

Sizes follow diffusers' own tests (tests/pipelines/wan/test_wan.py); the tokenizer is a
T5 unigram one built from an in-memory vocabulary, as for the tiny MusicGen.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

# The real repository's scheduler: UniPC over flow-matching sigmas, shift 3 for 480p.
REAL_SCHEDULER = {
    "prediction_type": "flow_prediction",
    "use_flow_sigmas": True,
    "flow_shift": 3.0,
    "num_train_timesteps": 1000,
}
TEXT_DIM = 32


def build_tiny_wan(folder: Path) -> None:
    """Save a ~2 MB WanPipeline with random weights into ``folder``."""
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
        # The decoder's last block runs at the full 81x480x832: two channels and one residual
        # block a level (num_res_blocks=0) cut its decode from minutes to under one.
        base_dim=2,
        z_dim=16,
        dim_mult=[1, 1, 1, 1],
        num_res_blocks=0,
        temperal_downsample=[False, True, True],  # 4x in time, 8x in space: the real factors
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
    # One head of 6 (the least the rotary split into frames, rows and columns takes) and two
    # layers. 4x4 patches (the real model's are 2x2): the defaults (81 frames at 480x832) are
    # 8190 tokens of attention a pass, not 32760 (13 s a pass on one core, 100 passes); so
    # the tiny model takes sides that are multiples of 32, not 16.
    transformer = WanTransformer3DModel(
        patch_size=(1, 4, 4),
        num_attention_heads=1,
        attention_head_dim=6,
        in_channels=16,
        out_channels=16,
        text_dim=TEXT_DIM,
        freq_dim=256,
        ffn_dim=32,
        num_layers=2,  # Fast's cache hooks need blocks to skip (bench/README.md 2c)
        cross_attn_norm=True,
        qk_norm="rms_norm_across_heads",
        # The real model's 1024: rotary positions must cover the latent grid's longest side
        # (832 px / 8 / 4 = 26 patches at the default size; 32 failed with "internal error").
        rope_max_seq_len=1024,
    )
    scheduler = UniPCMultistepScheduler(**REAL_SCHEDULER)
    pipe: Any = WanPipeline(
        tokenizer=tokenizer,
        text_encoder=text_encoder,
        vae=vae,
        scheduler=scheduler,
        transformer=transformer,
    )
    pipe.save_pretrained(str(folder))
