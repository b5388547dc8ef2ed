"""A tiny Stable Audio Open checkpoint in stabilityai/stable-audio-open-1.0's layout.

Component sizes follow diffusers' own tests (tests/pipelines/stable_audio/), but the
parts that decide the audio's shape keep their real values: 44.1 kHz stereo, the VAE's
2048x downsampling and 1024 latent frames, so the window is the real 47.55 s. The
tokenizer is the in-memory T5 one of the tiny MusicGen.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

SAMPLE_RATE = 44_100
DOWNSAMPLING = [2, 4, 4, 8, 8]  # product 2048, as in the real Oobleck VAE
LATENT_FRAMES = 1024  # x 2048 / 44100 = 47.55 s
LATENT_CHANNELS = 4
TEXT_DIM = 16
CONDITIONING_DIM = 4
# The real repository's scheduler settings (v-prediction, exponential sigmas).
SCHEDULER = {
    "solver_order": 2,
    "prediction_type": "v_prediction",
    "sigma_data": 1.0,
    "sigma_schedule": "exponential",
    "sigma_min": 0.3,
    "sigma_max": 500.0,
}


def build_tiny_stable_audio(folder: Path) -> None:
    """Save a StableAudioPipeline of a few kB of random weights into ``folder``."""
    import torch
    from diffusers import (
        AutoencoderOobleck,
        CosineDPMSolverMultistepScheduler,
        StableAudioDiTModel,
        StableAudioPipeline,
        StableAudioProjectionModel,
    )
    from transformers import T5Config, T5EncoderModel

    from engines.tiny.music import build_t5_tokenizer

    tokenizer = build_t5_tokenizer()
    torch.manual_seed(0)
    transformer = StableAudioDiTModel(
        sample_size=LATENT_FRAMES,
        in_channels=LATENT_CHANNELS,
        num_layers=2,
        attention_head_dim=4,
        num_attention_heads=2,
        num_key_value_attention_heads=2,
        out_channels=LATENT_CHANNELS,
        cross_attention_dim=4,
        time_proj_dim=8,
        global_states_input_dim=2 * CONDITIONING_DIM,
        cross_attention_input_dim=CONDITIONING_DIM,
    )
    torch.manual_seed(0)
    vae = AutoencoderOobleck(
        encoder_hidden_size=4,
        downsampling_ratios=DOWNSAMPLING,
        decoder_channels=4,
        decoder_input_channels=LATENT_CHANNELS,
        audio_channels=2,
        channel_multiples=[1, 1, 1, 1, 1],
        sampling_rate=SAMPLE_RATE,
    )
    torch.manual_seed(0)
    text_encoder = T5EncoderModel(
        T5Config(
            vocab_size=len(tokenizer),
            d_model=TEXT_DIM,
            d_kv=8,
            d_ff=32,
            num_layers=1,
            num_heads=2,
            relative_attention_num_buckets=8,
            pad_token_id=0,
            eos_token_id=1,
        )
    )
    torch.manual_seed(0)
    projection_model = StableAudioProjectionModel(
        text_encoder_dim=TEXT_DIM, conditioning_dim=CONDITIONING_DIM, min_value=0, max_value=512
    )
    pipe: Any = StableAudioPipeline(
        vae=vae,
        text_encoder=text_encoder,
        projection_model=projection_model,
        tokenizer=tokenizer,
        transformer=transformer,
        scheduler=CosineDPMSolverMultistepScheduler(**SCHEDULER),
    )
    pipe.save_pretrained(str(folder))
