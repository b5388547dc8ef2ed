"""A tiny ModelScope text-to-video checkpoint in the hub repository's folder layout."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

# The scheduler config of ali-vilab/text-to-video-ms-1.7b, so tiny and real load alike.
REAL_SCHEDULER_CONFIG = {
    "beta_end": 0.012,
    "beta_schedule": "scaled_linear",
    "beta_start": 0.00085,
    "clip_sample": False,
    "num_train_timesteps": 1000,
    "prediction_type": "epsilon",
    "set_alpha_to_one": False,
    "steps_offset": 1,
}
TOKENIZER_MAX_LENGTH = 77  # CLIP's context, as in the real checkpoint


def _bytes_to_unicode() -> dict[int, str]:
    """CLIP's byte-to-character table (byte-level BPE needs every byte representable)."""
    printable = list(range(ord("!"), ord("~") + 1))
    printable += list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    chars = printable[:]
    extra = 0
    for byte in range(256):
        if byte not in printable:
            printable.append(byte)
            chars.append(256 + extra)
            extra += 1
    return dict(zip(printable, map(chr, chars), strict=True))


def _write_clip_vocab(folder: Path) -> None:
    """A byte-level vocabulary with a few merges: real BPE, a few hundred tokens."""
    symbols = list(_bytes_to_unicode().values())
    merges = ["t h", "th e</w>", "a n", "i n", "o n</w>", "e r", "a t</w>", "c a"]
    vocab = symbols + [s + "</w>" for s in symbols]
    vocab += [a + b for a, b in (m.split() for m in merges)]
    vocab += ["<|startoftext|>", "<|endoftext|>"]
    (folder / "vocab.json").write_text(json.dumps({tok: i for i, tok in enumerate(vocab)}))
    (folder / "merges.txt").write_text("#version: 0.2\n" + "\n".join(merges) + "\n")


def _build_tokenizer(folder: Path) -> Any:
    from transformers import CLIPTokenizer

    source = folder / ".tokenizer-source"
    source.mkdir()
    _write_clip_vocab(source)
    # Built through from_pretrained: transformers 5 ignores vocab_file/merges_file kwargs.
    return CLIPTokenizer.from_pretrained(str(source), model_max_length=TOKENIZER_MAX_LENGTH)


def build_tiny_video(folder: Path) -> None:
    """Save a ~6 MB TextToVideoSDPipeline with random weights into ``folder``."""
    import shutil

    import torch
    from diffusers import AutoencoderKL, DDIMScheduler, TextToVideoSDPipeline, UNet3DConditionModel
    from transformers import CLIPTextConfig, CLIPTextModel

    tokenizer = _build_tokenizer(folder)
    torch.manual_seed(0)
    # Attention only at the lowest of three levels: the defaults (16 frames at 256x256 x 25
    # steps) run in about 10 s of one CPU core instead of a minute with diffusers' test sizes.
    # attention_head_dim 1: the full-resolution temporal transformer always has 8 heads, and
    # its width is 8 x this; at zeroscope's 24x40x72 latents that was half of each pass.
    unet = UNet3DConditionModel(
        block_out_channels=(8, 16, 32),
        layers_per_block=1,
        sample_size=8,
        in_channels=4,
        out_channels=4,
        down_block_types=("DownBlock3D", "DownBlock3D", "CrossAttnDownBlock3D"),
        up_block_types=("CrossAttnUpBlock3D", "UpBlock3D", "UpBlock3D"),
        cross_attention_dim=32,
        attention_head_dim=1,
        norm_num_groups=8,
    )
    torch.manual_seed(0)
    vae = AutoencoderKL(
        # Four blocks: the real VAE's scale factor of 8. Four channels: the decode of
        # zeroscope's 24 frames at 576x320 is 8.8M pixels through every last-level layer.
        block_out_channels=(4, 4, 4, 4),
        in_channels=3,
        out_channels=3,
        down_block_types=("DownEncoderBlock2D",) * 4,
        up_block_types=("UpDecoderBlock2D",) * 4,
        latent_channels=4,
        norm_num_groups=4,
        sample_size=64,
    )
    torch.manual_seed(0)
    text_encoder = CLIPTextModel(
        CLIPTextConfig(
            vocab_size=len(tokenizer),
            hidden_size=32,
            intermediate_size=37,
            num_hidden_layers=2,
            num_attention_heads=4,
            max_position_embeddings=TOKENIZER_MAX_LENGTH,
            bos_token_id=tokenizer.bos_token_id,
            eos_token_id=tokenizer.eos_token_id,
            pad_token_id=tokenizer.pad_token_id,
            projection_dim=32,
        )
    )
    scheduler = DDIMScheduler(**REAL_SCHEDULER_CONFIG)
    pipe: Any = TextToVideoSDPipeline(
        vae=vae, text_encoder=text_encoder, tokenizer=tokenizer, unet=unet, scheduler=scheduler
    )
    pipe.save_pretrained(str(folder))
    shutil.rmtree(folder / ".tokenizer-source")
    _add_fp16_variant(pipe, folder)


def _add_fp16_variant(pipe: Any, folder: Path) -> None:
    """The real repository also ships fp16 weights, which the engine asks for on CUDA.

    Only the weight files are copied: saving in place would rewrite each config.json
    with dtype float16, and transformers 5 loads a model in its config's dtype.
    """
    import shutil
    import tempfile

    import torch

    with tempfile.TemporaryDirectory(dir=folder) as side:
        pipe.to(torch.float16).save_pretrained(side, variant="fp16")
        for weights in Path(side).rglob("*.fp16.safetensors"):
            shutil.copy2(weights, folder / weights.relative_to(side))
