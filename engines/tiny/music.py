"""Tiny MusicGen checkpoints in the folder layout of facebook/musicgen-small and -melody.

The parts that decide the audio's shape keep their real values (EnCodec at 32 kHz,
50 frames a second, 4 codebooks of 2048 entries, 12 chroma bins over 235 frames), so
durations, sample rates and the melody path behave as with real weights. Every width
and depth is tiny, so a checkpoint is about 3 MB and generates a second of noise in
well under a second on CPU.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

SEED = 0
SAMPLE_RATE = 32_000
UPSAMPLING_RATIOS = [8, 5, 4, 4]  # product 640: 32000 / 640 = 50 frames a second
UPSAMPLING_RATIOS_PRODUCT = 640
CODEBOOK_SIZE = 2048  # 4 quantizers at 2.2 kbps; a smaller codebook changes that count
NUM_CODEBOOKS = 4
BANDWIDTH_KBPS = 2.2

# The generation_config.json of both hub repositories.
GENERATION_CONFIG = {
    "do_sample": True,
    "guidance_scale": 3.0,
    "max_length": 1500,
    "bos_token_id": CODEBOOK_SIZE,
    "decoder_start_token_id": CODEBOOK_SIZE,
    "pad_token_id": CODEBOOK_SIZE,
}

# The preprocessor_config.json of facebook/musicgen-small (EnCodec's feature extractor).
MUSIC_PREPROCESSOR_CONFIG = {
    "chunk_length_s": None,
    "feature_extractor_type": "EncodecFeatureExtractor",
    "feature_size": 1,
    "overlap": None,
    "padding_side": "left",
    "padding_value": 0.0,
    "processor_class": "MusicgenProcessor",
    "return_attention_mask": True,
    "sampling_rate": SAMPLE_RATE,
}

# MusicgenMelodyFeatureExtractor's values, written as JSON: the class needs torchaudio
# to construct, so it cannot save itself here.
MELODY_PREPROCESSOR_CONFIG = {
    "chunk_length": 30,
    "feature_extractor_type": "MusicgenMelodyFeatureExtractor",
    "feature_size": 12,
    "hop_length": 4096,
    "n_fft": 16384,
    "num_chroma": 12,
    "padding_side": "right",
    "padding_value": 0.0,
    "processor_class": "MusicgenMelodyProcessor",
    "return_attention_mask": False,
    "sampling_rate": SAMPLE_RATE,
    "stem_indices": [3, 2],
}

# A few words a music description uses, so tiny tokenization looks like real text.
_WORDS = (
    "a an the and of with in on to for by at is slow fast soft loud calm happy sad dark "
    "bright upbeat chill epic drum drums beat bass guitar piano synth violin strings "
    "flute choir vocals melody song music tune lofi rock jazz pop electronic ambient "
    "techno house orchestra cinematic bpm"
)
TOKENIZER_WORDS = tuple(_WORDS.split())
TOKENIZER_CHARACTERS = (
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.,;:!?'\"-()&/"
)


def build_tiny_music(folder: Path, frames_per_second: int = 50) -> None:
    """Write a tiny random-weight facebook/musicgen-small look-alike into ``folder``.

    ``frames_per_second`` below the real 50 makes a faster variant for long-track tests
    (generation costs one step per frame; the engine reads the rate from the config).
    """
    from transformers import MusicgenConfig, MusicgenDecoderConfig, MusicgenForConditionalGeneration

    config = MusicgenConfig(
        text_encoder=_text_encoder_config(),
        audio_encoder=_audio_encoder_config(frames_per_second),
        decoder=MusicgenDecoderConfig(**_decoder_sizes()),
    )
    _save(folder, MusicgenForConditionalGeneration, config, MUSIC_PREPROCESSOR_CONFIG)


def build_tiny_stereo(folder: Path) -> None:
    """Write a tiny random-weight facebook/musicgen-stereo-small look-alike into ``folder``.

    Stereo MusicGen interleaves left and right codebooks: 8 of them, 2 audio channels.
    """
    from transformers import MusicgenConfig, MusicgenDecoderConfig, MusicgenForConditionalGeneration

    sizes = {**_decoder_sizes(), "num_codebooks": 2 * NUM_CODEBOOKS, "audio_channels": 2}
    config = MusicgenConfig(
        text_encoder=_text_encoder_config(),
        audio_encoder=_audio_encoder_config(),
        decoder=MusicgenDecoderConfig(**sizes),
    )
    _save(folder, MusicgenForConditionalGeneration, config, MUSIC_PREPROCESSOR_CONFIG)


def build_tiny_melody(folder: Path, frames_per_second: int = 50) -> None:
    """Write a tiny random-weight facebook/musicgen-melody look-alike into ``folder``."""
    from transformers import (
        MusicgenMelodyConfig,
        MusicgenMelodyDecoderConfig,
        MusicgenMelodyForConditionalGeneration,
    )

    config = MusicgenMelodyConfig(
        text_encoder=_text_encoder_config(),
        audio_encoder=_audio_encoder_config(frames_per_second),
        decoder=MusicgenMelodyDecoderConfig(**_decoder_sizes()),
        num_chroma=12,
        chroma_length=235,  # 30 s of chroma frames, as in the real checkpoint
    )
    _save(folder, MusicgenMelodyForConditionalGeneration, config, MELODY_PREPROCESSOR_CONFIG)


def _save(folder: Path, model_class: Any, config: Any, preprocessor: dict[str, Any]) -> None:
    import torch
    from transformers import GenerationConfig

    folder.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(SEED)  # same weights on every build
    model = model_class(config)
    _fill_codebooks(model)
    # A model built from a config has no generation config; the hub repos ship one.
    model.generation_config = GenerationConfig(**GENERATION_CONFIG)
    model.save_pretrained(folder)
    build_t5_tokenizer().save_pretrained(folder)
    (folder / "preprocessor_config.json").write_text(json.dumps(preprocessor, indent=2) + "\n")


def _fill_codebooks(model: Any) -> None:
    """Give EnCodec's codebooks random entries: they start as zeros, which would make
    every code decode to the same audio and hide whether generation ran at all."""
    import torch

    with torch.no_grad():
        for layer in model.audio_encoder.quantizer.layers:
            codebook = layer.codebook
            codebook.embed.normal_()
            codebook.embed_avg.copy_(codebook.embed)
            codebook.cluster_size.fill_(1.0)


def build_t5_tokenizer() -> Any:
    """A T5 unigram tokenizer from an in-memory vocabulary: no sentencepiece file needed."""
    from transformers import T5Tokenizer

    vocab = [("<pad>", 0.0), ("</s>", 0.0), ("<unk>", 0.0), ("▁", -2.0)]
    vocab += [(f"▁{word}", -5.0) for word in TOKENIZER_WORDS]
    vocab += [(char, -8.0) for char in TOKENIZER_CHARACTERS]
    return T5Tokenizer(vocab=vocab, extra_ids=0, model_max_length=512)


def _vocab_size() -> int:
    return 4 + len(TOKENIZER_WORDS) + len(TOKENIZER_CHARACTERS)


def _text_encoder_config() -> Any:
    from transformers import T5Config

    return T5Config(
        vocab_size=_vocab_size(),
        d_model=16,
        d_kv=8,
        d_ff=32,
        num_layers=1,
        num_decoder_layers=1,
        num_heads=2,
        relative_attention_num_buckets=8,
        pad_token_id=0,
        eos_token_id=1,
    )


def _audio_encoder_config(frames_per_second: int = 50) -> Any:
    from transformers import EncodecConfig

    slower = SAMPLE_RATE // UPSAMPLING_RATIOS_PRODUCT // frames_per_second
    # A lower frame rate upsamples more in the first (coarsest) stage.
    ratios = [UPSAMPLING_RATIOS[0] * slower, *UPSAMPLING_RATIOS[1:]]

    return EncodecConfig(
        sampling_rate=SAMPLE_RATE,
        audio_channels=1,
        # Quantizers = bandwidth / (frame rate x 11 bits): keep 4 at any frame rate.
        target_bandwidths=[BANDWIDTH_KBPS * frames_per_second / 50],
        upsampling_ratios=ratios,
        codebook_size=CODEBOOK_SIZE,
        num_filters=4,
        hidden_size=16,
        codebook_dim=16,
        num_lstm_layers=1,
        use_causal_conv=False,  # as in facebook/encodec_32khz
        use_conv_shortcut=False,
        normalize=False,
        chunk_length_s=None,
        overlap=None,
    )


def _decoder_sizes() -> dict[str, Any]:
    return {
        "vocab_size": CODEBOOK_SIZE,
        "num_codebooks": NUM_CODEBOOKS,
        "hidden_size": 16,
        "num_hidden_layers": 2,
        "num_attention_heads": 2,
        "ffn_dim": 32,
        "max_position_embeddings": 2048,
    }
