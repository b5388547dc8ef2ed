"""Full-size random-weight checkpoints, in the hub repositories' folder layout.

Real weights cannot be downloaded here, but the real architecture with random weights
costs exactly the same compute and memory. Each checkpoint is built once into
``data/bench-models/<kind>`` (about 7.4 GB for video, 2.4 GB for music) and loaded by
the engines through their normal ``from_pretrained`` path, by pointing
``Settings(video_model=..., music_model=...)`` at the folder.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from filelock import FileLock

DEFAULT_ROOT = Path("data") / "bench-models"
COMPLETE_MARKER = "FULL-SIZE-RANDOM-CHECKPOINT"

# ali-vilab/text-to-video-ms-1.7b unet/config.json: 1.41 B parameters.
MODELSCOPE_UNET: dict[str, Any] = {
    "act_fn": "silu",
    "attention_head_dim": 64,
    "block_out_channels": (320, 640, 1280, 1280),
    "cross_attention_dim": 1024,
    "down_block_types": (
        "CrossAttnDownBlock3D",
        "CrossAttnDownBlock3D",
        "CrossAttnDownBlock3D",
        "DownBlock3D",
    ),
    "downsample_padding": 1,
    "in_channels": 4,
    "layers_per_block": 2,
    "norm_eps": 1e-05,
    "norm_num_groups": 32,
    "out_channels": 4,
    "sample_size": 32,
    "up_block_types": (
        "UpBlock3D",
        "CrossAttnUpBlock3D",
        "CrossAttnUpBlock3D",
        "CrossAttnUpBlock3D",
    ),
}
# text_encoder/config.json: OpenCLIP ViT-H's text tower without its last layer (340 M).
MODELSCOPE_CLIP_TEXT: dict[str, Any] = {
    "hidden_size": 1024,
    "intermediate_size": 4096,
    "num_hidden_layers": 23,
    "num_attention_heads": 16,
    "projection_dim": 512,
    "hidden_act": "gelu",
    "vocab_size": 49408,
    "max_position_embeddings": 77,
}
# vae/config.json: the Stable Diffusion VAE (84 M, scale factor 8).
SD_VAE: dict[str, Any] = {
    "act_fn": "silu",
    "block_out_channels": (128, 256, 512, 512),
    "down_block_types": ("DownEncoderBlock2D",) * 4,
    "up_block_types": ("UpDecoderBlock2D",) * 4,
    "in_channels": 3,
    "out_channels": 3,
    "latent_channels": 4,
    "layers_per_block": 2,
    "norm_num_groups": 32,
    "sample_size": 256,
    "scaling_factor": 0.18215,
}
# facebook/musicgen-small: t5-base text encoder, 300 M decoder, EnCodec 32 kHz (587 M in all).
T5_BASE: dict[str, Any] = {
    "d_model": 768,
    "d_kv": 64,
    "d_ff": 3072,
    "num_layers": 12,
    "num_heads": 12,
    "vocab_size": 32128,
    "relative_attention_num_buckets": 32,
    "feed_forward_proj": "relu",
    "pad_token_id": 0,
    "eos_token_id": 1,
}
ENCODEC_32KHZ: dict[str, Any] = {
    "audio_channels": 1,
    "chunk_length_s": None,
    "codebook_dim": 128,
    "codebook_size": 2048,
    "compress": 2,
    "dilation_growth_rate": 2,
    "hidden_size": 128,
    "kernel_size": 7,
    "last_kernel_size": 7,
    "norm_type": "weight_norm",
    "normalize": False,
    "num_filters": 64,
    "num_lstm_layers": 2,
    "num_residual_layers": 1,
    "overlap": None,
    "pad_mode": "reflect",
    "residual_kernel_size": 3,
    "sampling_rate": 32000,
    "target_bandwidths": [2.2],
    "trim_right_ratio": 1.0,
    "upsampling_ratios": [8, 5, 4, 4],
    "use_causal_conv": False,
    "use_conv_shortcut": False,
}
MUSICGEN_SMALL_DECODER: dict[str, Any] = {
    "vocab_size": 2048,
    "num_codebooks": 4,
    "hidden_size": 1024,
    "num_hidden_layers": 24,
    "num_attention_heads": 16,
    "ffn_dim": 4096,
    "max_position_embeddings": 2048,
    "activation_function": "gelu",
    "audio_channels": 1,
}


def ensure_checkpoint(kind: str, root: Path = DEFAULT_ROOT, fp16_variant: bool = False) -> Path:
    """Build the full-size checkpoint of ``kind`` ("video" or "music") once; its folder.

    ``fp16_variant`` also writes the ``*.fp16.safetensors`` files the video engine asks
    for on CUDA, as the hub repository ships them.
    """
    builders: dict[str, Callable[[Path], None]] = {"video": build_video, "music": build_music}
    if kind not in builders:
        raise KeyError(f"No full-size checkpoint for {kind!r}; known: {', '.join(builders)}.")
    target = root / kind
    root.mkdir(parents=True, exist_ok=True)
    # A file lock lets one process build; the folder appears whole by rename.
    with FileLock(str(root / f".{kind}.lock")):
        if not (target / COMPLETE_MARKER).is_file():
            staging = Path(tempfile.mkdtemp(prefix=f".{kind}-", dir=root))
            try:
                builders[kind](staging)
                (staging / COMPLETE_MARKER).write_text(f"full-size random-weight {kind}\n")
                shutil.rmtree(target, ignore_errors=True)
                os.replace(staging, target)
            finally:
                shutil.rmtree(staging, ignore_errors=True)
        if kind == "video" and fp16_variant and not _has_fp16_variant(target):
            _add_fp16_variant(target)
    return target


def checkpoint_bytes(folder: Path) -> int:
    """Bytes of the weight files a load reads (the fp32 ones)."""
    return sum(p.stat().st_size for p in weight_files(folder))


def weight_files(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*.safetensors") if ".fp16." not in p.name]


def build_video(folder: Path) -> None:
    """ModelScope text-to-video 1.7B with random weights (fp32, about 7.4 GB on disk)."""
    import torch
    from diffusers import AutoencoderKL, DDIMScheduler, TextToVideoSDPipeline, UNet3DConditionModel
    from transformers import CLIPTextConfig, CLIPTextModel

    from engines.tiny.video import REAL_SCHEDULER_CONFIG, _build_tokenizer

    # A small byte-level BPE: prompts are padded to 77 tokens, so the compute is the real one.
    tokenizer = _build_tokenizer(folder)
    torch.manual_seed(0)
    text_config = CLIPTextConfig(
        **MODELSCOPE_CLIP_TEXT,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
    )
    pipe: Any = TextToVideoSDPipeline(
        vae=AutoencoderKL(**SD_VAE),
        text_encoder=CLIPTextModel(text_config),
        tokenizer=tokenizer,
        unet=UNet3DConditionModel(**MODELSCOPE_UNET),
        scheduler=DDIMScheduler(**REAL_SCHEDULER_CONFIG),
    )
    pipe.save_pretrained(str(folder))
    shutil.rmtree(folder / ".tokenizer-source")


def build_music(folder: Path) -> None:
    """facebook/musicgen-small with random weights (fp32, about 2.4 GB on disk)."""
    import torch
    from transformers import (
        EncodecConfig,
        GenerationConfig,
        MusicgenConfig,
        MusicgenDecoderConfig,
        MusicgenForConditionalGeneration,
        T5Config,
    )

    from engines.tiny.music import (
        GENERATION_CONFIG,
        MUSIC_PREPROCESSOR_CONFIG,
        _fill_codebooks,
        build_t5_tokenizer,
    )

    config = MusicgenConfig(
        text_encoder=T5Config(**T5_BASE),
        audio_encoder=EncodecConfig(**ENCODEC_32KHZ),
        decoder=MusicgenDecoderConfig(**MUSICGEN_SMALL_DECODER),
    )
    torch.manual_seed(0)
    model = MusicgenForConditionalGeneration(config)
    _fill_codebooks(model)  # zero codebooks would decode every code to the same sound
    model.generation_config = GenerationConfig(**GENERATION_CONFIG)
    model.save_pretrained(folder)
    build_t5_tokenizer().save_pretrained(folder)  # a tiny T5 vocabulary: ids stay in range
    (folder / "preprocessor_config.json").write_text(
        json.dumps(MUSIC_PREPROCESSOR_CONFIG, indent=2) + "\n"
    )


def parameter_counts(model: Any) -> int:
    return sum(p.numel() for p in model.parameters())


def _has_fp16_variant(folder: Path) -> bool:
    return any(folder.rglob("*.fp16.safetensors"))


def _add_fp16_variant(folder: Path) -> None:
    """Write fp16 copies of the weights only: configs stay fp32 (transformers 5 reads dtype)."""
    import torch
    from diffusers import TextToVideoSDPipeline

    pipe = TextToVideoSDPipeline.from_pretrained(str(folder), dtype=torch.float16)
    with tempfile.TemporaryDirectory(dir=folder) as side:
        pipe.save_pretrained(side, variant="fp16")
        for weights in Path(side).rglob("*.fp16.safetensors"):
            shutil.copy2(weights, folder / weights.relative_to(side))
