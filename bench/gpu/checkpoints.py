"""The checkpoint each family's default model is checked on: full-size random weights
(built once, on the device being checked, in its dtype) or, with ``quick``, the tiny one.

Text encoders run once a clip, not once a step: where the real one is huge (UMT5-XXL,
Qwen3) the full-size checkpoint keeps its width but one layer, so the denoiser's
cross-attention does the real work and the build stays within minutes.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import Any

from filelock import FileLock

from bench import full_size, ltx, wan22
from bench.wan import build_wan_checkpoint

MARKER = full_size.COMPLETE_MARKER


def checkpoint_for(entry: Any, device: str, quick: bool, root: Path) -> Path:
    """The folder ``entry`` is checked on, built now if absent."""
    if quick:
        from engines.tiny import ensure_tiny_checkpoint

        return ensure_tiny_checkpoint(entry.tiny_name or entry.name, root / "tiny")
    builder = FULL_SIZE.get(entry.family.name)
    if builder is None:
        raise KeyError(
            f"No full-size checkpoint for family {entry.family.name!r}; add a builder to "
            f"bench/gpu/checkpoints.py FULL_SIZE (known: {', '.join(FULL_SIZE)})."
        )
    return _built_once(root / f"gpu-check-{entry.family.name}-{device}", builder, device)


def _built_once(target: Path, builder: Callable[[Path], None], device: str) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    # One process builds; the folder appears whole by rename.
    with FileLock(str(target) + ".lock"):
        if not (target / MARKER).is_file():
            staging = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
            try:
                with _building_on(device):
                    builder(staging)
                (staging / MARKER).write_text("full-size random weights for the GPU check\n")
                shutil.rmtree(target, ignore_errors=True)
                os.replace(staging, target)
            finally:
                shutil.rmtree(staging, ignore_errors=True)
    return target


@contextlib.contextmanager
def _building_on(device: str) -> Iterator[None]:
    """Random weights made on the device in its half dtype: seconds, not minutes, for 5B."""
    import torch

    previous = torch.get_default_dtype()
    half = device == "cuda"
    if half:
        torch.set_default_dtype(torch.bfloat16)
    try:
        with torch.device(device):
            torch.manual_seed(0)
            yield
    finally:
        torch.set_default_dtype(previous)


def build_stable_audio(folder: Path) -> None:
    """stabilityai/stable-audio-open-1.0: the diffusers classes' defaults are its config
    (DiT 24 layers x 1536, Oobleck VAE 44.1 kHz stereo); T5-base text encoder."""
    from diffusers import (
        AutoencoderOobleck,
        CosineDPMSolverMultistepScheduler,
        StableAudioDiTModel,
        StableAudioPipeline,
        StableAudioProjectionModel,
    )
    from transformers import T5Config, T5EncoderModel

    from engines.tiny.music import build_t5_tokenizer
    from engines.tiny.stable_audio import SCHEDULER

    tokenizer = build_t5_tokenizer()
    text = dict(full_size.T5_BASE, vocab_size=len(tokenizer))
    pipe: Any = StableAudioPipeline(
        vae=AutoencoderOobleck(),
        text_encoder=T5EncoderModel(T5Config(**text)),
        projection_model=StableAudioProjectionModel(
            text_encoder_dim=768, conditioning_dim=768, min_value=0, max_value=512
        ),
        tokenizer=tokenizer,
        transformer=StableAudioDiTModel(),
        scheduler=CosineDPMSolverMultistepScheduler(**SCHEDULER),
    )
    pipe.save_pretrained(str(folder))


def build_ace_step(folder: Path) -> None:
    """ACE-Step 1.5: the diffusers classes' defaults (DiT 24 layers x 2048, the non-XL
    turbo; the XL's exact config was not readable offline), its 48 kHz Oobleck VAE, and a
    one-layer Qwen3 text encoder at the real width (1024)."""
    from diffusers import AutoencoderOobleck, FlowMatchEulerDiscreteScheduler
    from diffusers.models.transformers.ace_step_transformer import AceStepTransformer1DModel
    from diffusers.pipelines.ace_step import AceStepConditionEncoder, AceStepPipeline
    from transformers import Qwen3Config, Qwen3Model

    from engines.tiny.ace_step import DOWNSAMPLING, SAMPLE_RATE, build_tiny_tokenizer

    tokenizer = build_tiny_tokenizer()
    text_encoder = Qwen3Model(
        Qwen3Config(
            hidden_size=1024,
            intermediate_size=3072,
            num_hidden_layers=1,
            num_attention_heads=16,
            num_key_value_heads=8,
            head_dim=128,
            vocab_size=len(tokenizer),
            max_position_embeddings=4096,
        )
    )
    pipe: Any = AceStepPipeline(
        vae=AutoencoderOobleck(downsampling_ratios=DOWNSAMPLING, sampling_rate=SAMPLE_RATE),
        text_encoder=text_encoder,
        tokenizer=tokenizer,
        transformer=AceStepTransformer1DModel(),
        condition_encoder=AceStepConditionEncoder(),
        scheduler=FlowMatchEulerDiscreteScheduler(num_train_timesteps=1000, shift=3.0),
    )
    pipe.save_pretrained(str(folder))


# Family name -> what builds its default model's full-size checkpoint into a folder.
FULL_SIZE: dict[str, Callable[[Path], None]] = {
    "text-to-video-sd": full_size.build_video,
    "wan": build_wan_checkpoint,
    # The real transformers (LTX 0.9.5's 28 blocks, Wan 2.2's 30), the VAEs the CPU benches
    # use (the real compression, not the real width: decode memory reads low).
    "wan2.2": partial(wan22.build, layers=30),
    "ltx": partial(ltx.build, layers=28),
    "musicgen": full_size.build_music,
    "stable-audio": build_stable_audio,
    "ace-step": build_ace_step,
}
