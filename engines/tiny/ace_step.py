"""A tiny ACE-Step 1.5 checkpoint in ACE-Step/acestep-v15-xl-turbo-diffusers' layout.

Component sizes follow diffusers' own tests (tests/pipelines/ace_step/); the parts that
decide the audio's shape keep their real values: 48 kHz stereo and the VAE's 1920x
downsampling (25 latent frames a second). The real tokenizer is Qwen3's; this one is a
word-level fast tokenizer built in memory from the tiny MusicGen's words, so nothing
is downloaded.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

SAMPLE_RATE = 48_000
DOWNSAMPLING = [2, 4, 4, 6, 10]  # product 1920: 25 latent frames a second
ACOUSTIC_DIM = 8  # the VAE's latent channels
HIDDEN = 32


def build_tiny_tokenizer() -> Any:
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    from engines.tiny.music import TOKENIZER_CHARACTERS, TOKENIZER_WORDS

    special = ["<|endoftext|>", "<unk>"]
    words = [*special, *TOKENIZER_WORDS, *TOKENIZER_CHARACTERS, "[verse]", "[chorus]"]
    vocab = {word: index for index, word in enumerate(dict.fromkeys(words))}
    tokenizer = Tokenizer(models.WordLevel(vocab=vocab, unk_token="<unk>"))
    tokenizer.pre_tokenizer = pre_tokenizers.Whitespace()
    return PreTrainedTokenizerFast(
        tokenizer_object=tokenizer,
        unk_token="<unk>",
        pad_token="<|endoftext|>",
        eos_token="<|endoftext|>",
        model_max_length=4096,
    )


def build_tiny_ace_step(folder: Path) -> None:
    """Save an AceStepPipeline of random weights into ``folder``."""
    import torch
    from diffusers import AutoencoderOobleck, FlowMatchEulerDiscreteScheduler
    from diffusers.models.transformers.ace_step_transformer import AceStepTransformer1DModel
    from diffusers.pipelines.ace_step import AceStepConditionEncoder, AceStepPipeline
    from transformers import Qwen3Config, Qwen3Model

    tokenizer = build_tiny_tokenizer()
    heads: dict[str, Any] = {"num_attention_heads": 4, "num_key_value_heads": 2, "head_dim": 8}
    torch.manual_seed(0)
    transformer = AceStepTransformer1DModel(
        hidden_size=HIDDEN,
        intermediate_size=64,
        num_hidden_layers=2,
        in_channels=3 * ACOUSTIC_DIM,
        audio_acoustic_hidden_dim=ACOUSTIC_DIM,
        patch_size=2,
        rope_theta=10000.0,
        sliding_window=16,
        **heads,
    )
    torch.manual_seed(0)
    text_encoder = Qwen3Model(
        Qwen3Config(
            hidden_size=HIDDEN,
            intermediate_size=64,
            num_hidden_layers=2,
            vocab_size=len(tokenizer),
            max_position_embeddings=4096,
            **heads,
        )
    )
    torch.manual_seed(0)
    condition_encoder = AceStepConditionEncoder(
        hidden_size=HIDDEN,
        intermediate_size=64,
        text_hidden_dim=HIDDEN,
        timbre_hidden_dim=ACOUSTIC_DIM,
        num_lyric_encoder_hidden_layers=2,
        num_timbre_encoder_hidden_layers=2,
        rope_theta=10000.0,
        sliding_window=16,
        **heads,
    )
    torch.manual_seed(0)
    vae = AutoencoderOobleck(
        encoder_hidden_size=4,
        downsampling_ratios=DOWNSAMPLING,
        decoder_channels=4,
        decoder_input_channels=ACOUSTIC_DIM,
        audio_channels=2,
        channel_multiples=[1, 1, 1, 1, 1],
        sampling_rate=SAMPLE_RATE,
    )
    pipe: Any = AceStepPipeline(
        vae=vae,
        text_encoder=text_encoder,
        tokenizer=tokenizer,
        transformer=transformer,
        condition_encoder=condition_encoder,
        scheduler=FlowMatchEulerDiscreteScheduler(num_train_timesteps=1000, shift=3.0),
    )
    pipe.save_pretrained(str(folder))
