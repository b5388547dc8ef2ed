"""A tiny LTX-Video checkpoint in Lightricks/LTX-Video-0.9.5's layout (an LTXPipeline).

Sizes follow diffusers' own tests (tests/pipelines/ltx/test_ltx_condition.py), but the VAE
keeps the real compression (4x4 patchify then three 2x levels: 32x in space, 8x in time)
and its timestep-conditioned decoder (0.9.1 and later), so the tiny model takes exactly
the sides (multiples of 32) and frame counts (8k+1) the real one does.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

TEXT_DIM = 32
LATENT_CHANNELS = 8  # the real model's 128: the transformer reads what the VAE packs


def build_tiny_ltx(folder: Path) -> None:
    """Save a ~1 MB LTXPipeline with random weights into ``folder``."""
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
    transformer = LTXVideoTransformer3DModel(
        in_channels=LATENT_CHANNELS,
        out_channels=LATENT_CHANNELS,
        patch_size=1,
        patch_size_t=1,
        num_attention_heads=4,
        attention_head_dim=8,
        cross_attention_dim=32,
        num_layers=2,  # Fast's cache hooks need blocks to skip (bench/README.md 2c)
        caption_channels=TEXT_DIM,
    )
    torch.manual_seed(0)
    vae = AutoencoderKLLTXVideo(
        in_channels=3,
        out_channels=3,
        latent_channels=LATENT_CHANNELS,
        block_out_channels=(8, 8, 8, 8),
        decoder_block_out_channels=(8, 8, 8, 8),
        layers_per_block=(1, 1, 1, 1, 1),
        decoder_layers_per_block=(1, 1, 1, 1, 1),
        spatio_temporal_scaling=(True, True, True, False),
        decoder_spatio_temporal_scaling=(True, True, True, False),
        decoder_inject_noise=(False, False, False, False, False),
        upsample_residual=(False, False, False, False),
        upsample_factor=(1, 1, 1, 1),
        timestep_conditioning=True,
        patch_size=4,
        patch_size_t=1,
        encoder_causal=True,
        decoder_causal=False,
    )
    torch.manual_seed(0)
    text_encoder = T5EncoderModel(
        T5Config(
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
    # 0.9.5's scheduler as converted (scripts/convert_ltx_to_diffusers.py): no dynamic shift.
    scheduler = FlowMatchEulerDiscreteScheduler(use_dynamic_shifting=False)
    pipe: Any = LTXPipeline(
        scheduler=scheduler,
        vae=vae,
        text_encoder=text_encoder,
        tokenizer=tokenizer,
        transformer=transformer,
    )
    pipe.save_pretrained(str(folder))
