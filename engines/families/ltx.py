"""Text or image to video with LTX-Video 2B (0.9.5): LTXPipeline for text, and
LTXConditionPipeline over the same weights for a first frame or a clip to continue.

LTX's VAE packs 32x32 pixels and 8 frames into one latent (after the first), and the
transformer takes one latent a token: clips have 8k+1 frames and sides that are multiples
of 32. Its VAE decodes with a timestep (0.9.1 and later): ``decode_timestep`` and
``decode_noise_scale`` as diffusers' notes recommend. A first and a last picture are
keyframes (image conditions at the first and the last frame). A continuation is
conditioned on the last 8k+1 frames of the clip (a video condition at frame 0), which
keeps its motion; the frames before its last are generated again and dropped, so the
clip returned starts at the source's last frame. Progress and cancel ride
``callback_on_step_end`` as Wan's.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from engines.cost import VideoCost
from engines.device import Placement
from engines.families.base import ModelEngine, last_frame
from engines.families.family import VIDEO, Family
from engines.families.fast import compile_blocks, fast_param, taylor_seer
from engines.families.results import VideoResult, opening_on, write_clips
from engines.media.fit import fit_image, load_fitted
from engines.params import check, param
from engines.progress import RunContext
from engines.prompts import english_warning
from engines.seeds import resolve_seed
from engines.tiny.ltx import build_tiny_ltx

IMAGE, LAST_IMAGE = "image", "last_image"
FRAME_PACK = 8  # frames a latent holds after the first
MAX_FRAMES = 257  # LTX-Video's longest trained clip (about 10 s)
MAX_STEPS = 100
MIN_SIDE, MAX_SIDE = 64, 1280
MAX_SEQUENCE_LENGTH = 128  # T5 tokens LTXPipeline reads
# A continuation reads up to this many of the clip's last frames (8k+1): a second of motion.
CONTEXT_FRAMES = 25
# diffusers' notes for the timestep-aware VAE (0.9.1 and later) and its examples.
DECODE_TIMESTEP, DECODE_NOISE_SCALE, IMAGE_NOISE_SCALE = 0.05, 0.025, 0.025
# T5-XXL (~9.5 GB in bf16) and the 2B transformer (~4 GB): below this much free VRAM the
# pipeline keeps idle parts in CPU RAM and the VAE decodes in tiles (a 16 GB T4 needs it).
OFFLOAD_BELOW_FREE_BYTES = 20 * 1024**3
NEGATIVE = "worst quality, inconsistent motion, blurry, jittery, distorted"  # diffusers' docs


@dataclass(frozen=True)
class LTXParams:
    prompt: str = param(
        kind="prompt",
        help="What the clip shows, in English: long, detailed descriptions work best.",
        widget="text_area",
    )
    image: str | None = param(
        None, kind="file", media="image", optional=True, label="First frame",
        help="A picture the clip starts from, cropped to the clip's sides about its centre.",
    )  # fmt: skip
    last_image: str | None = param(
        None, kind="file", media="image", optional=True, label="Last frame",
        help="A picture the clip ends on (a keyframe), cropped as the first frame is.",
    )  # fmt: skip
    negative_prompt: str = param(
        NEGATIVE, kind="text", help="What to steer away from.", label="Negative prompt",
        widget="text",
    )  # fmt: skip
    seed: int | None = param(
        None, kind="seed", help="Omit for a random seed; the result records it.", widget="seed",
        optional=True,
    )  # fmt: skip
    num_frames: int = param(
        97, kind="int", minimum=9, maximum=MAX_FRAMES, k_plus_one=FRAME_PACK, widget="select",
        label="Frames", help="8k+1 frames (9, 17, ..., 257): the VAE packs 8 frames in one.",
    )  # fmt: skip
    steps: int = param(
        50, kind="int", minimum=1, maximum=MAX_STEPS, widget="slider", label="Inference steps",
        help="Denoising steps: more is slower and finer.",
    )  # fmt: skip
    guidance_scale: float = param(
        3.0, kind="float", minimum=1.0, maximum=20.0, step=0.5, widget="slider",
        label="Guidance", help="How closely to follow the prompt; 1 turns guidance off.",
    )  # fmt: skip
    height: int = param(
        512, kind="int", minimum=MIN_SIDE, maximum=MAX_SIDE, multiple_of=32, widget="select",
        label="Height (pixels)", help="A multiple of 32 (the VAE packs 32x32 pixels).",
    )  # fmt: skip
    width: int = param(
        768, kind="int", minimum=MIN_SIDE, maximum=MAX_SIDE, multiple_of=32, widget="select",
        label="Width (pixels)", help="A multiple of 32 (the VAE packs 32x32 pixels).",
    )  # fmt: skip
    fps: int = param(
        24, kind="int", minimum=1, maximum=60, widget="slider", label="Frames per second",
        help="Playback rate of the MP4; the model reads it too (its motion's timescale).",
    )  # fmt: skip
    fast: bool = fast_param()
    model: str | None = param(
        None, kind="model", optional=True, help="Catalog name; None is the default model."
    )

    def __post_init__(self) -> None:
        check(self)


class LTXEngine(ModelEngine):
    """LTXPipeline for text; LTXConditionPipeline (same modules) for pictures and clips."""

    _condition: Any = None
    # A Fast job computes one step in 3 (TaylorSeer): bench/results/cpu-2026-12-07-ltx-fast.md.
    fast_interval = 3

    def _load(self, source: str, placement: Placement) -> Any:
        import torch
        from diffusers import LTXConditionPipeline, LTXPipeline

        pipe = LTXPipeline.from_pretrained(source, dtype=placement.dtype)
        pipe.set_progress_bar_config(disable=True)
        self.memory_savers = []
        free = torch.cuda.mem_get_info()[0] if placement.device == "cuda" else None
        if free is not None and free < OFFLOAD_BELOW_FREE_BYTES:
            pipe.enable_model_cpu_offload()
            pipe.vae.enable_tiling()
            self.memory_savers += ["model_cpu_offload", "vae_tiling"]
        else:
            pipe.to(placement.device)
        compile_blocks(self, pipe, placement.device)
        self._condition = LTXConditionPipeline.from_pipe(pipe)
        self._condition.set_progress_bar_config(disable=True)
        return pipe

    def unload(self) -> None:
        self._condition = None
        super().unload()

    def _parts(self) -> dict[str, Any]:
        pipe = self._model
        return {"transformer": pipe.transformer, "text_encoder": pipe.text_encoder, "vae": pipe.vae}

    def _generate(self, params: LTXParams, out_path: Path, run: RunContext) -> VideoResult:
        from diffusers.pipelines.ltx.pipeline_ltx_condition import LTXVideoCondition

        conditions, first = [], None
        if params.image is not None:
            first = load_fitted(params.image, params.width, params.height).image
            conditions.append(LTXVideoCondition(image=first, frame_index=0))
        if params.last_image is not None:  # a keyframe at the clip's last frame
            last = load_fitted(params.last_image, params.width, params.height).image
            conditions.append(LTXVideoCondition(image=last, frame_index=params.num_frames - 1))
        return self._run(params, out_path, run, conditions, skip=0, opening=first)

    def generate_continuation(
        self, params: Any, frames: Any, out_path: Path, run: RunContext | None = None
    ) -> Any:
        """Conditioned on the clip's last 8k+1 frames (a video condition at frame 0): the
        frames before its last are made again and dropped, so the clip returned has
        ``params.num_frames`` frames and starts at the source's last."""
        from diffusers.pipelines.ltx.pipeline_ltx_condition import LTXVideoCondition

        run = run if run is not None else RunContext()
        self._check(params)
        last_frame(frames)  # checks the array
        count = min(len(frames), CONTEXT_FRAMES)
        count = (count - 1) // FRAME_PACK * FRAME_PACK + 1
        context = [
            fit_image(Image.fromarray(np.ascontiguousarray(f)), params.width, params.height).image
            for f in np.asarray(frames)[-count:]
        ]
        run.steps(self._steps(params))
        run.check_cancel()
        conditions = [LTXVideoCondition(video=context, frame_index=0)]
        return self._run(params, Path(out_path), run, conditions, skip=count - 1)

    def _run(
        self, params: LTXParams, out_path: Path, run: RunContext, conditions: list[Any],
        skip: int, opening: Any = None,
    ) -> VideoResult:  # fmt: skip
        """One clip of ``params.num_frames + skip`` frames, its first ``skip`` dropped,
        opening on the picture ``opening`` when it starts from one."""
        import torch

        pipe, placement = self._loaded()
        denoiser = self._condition if conditions else pipe
        seed = resolve_seed(params.seed)
        reporter = run.reporter
        warning = english_warning(params.prompt) if self.entry.english_only else None
        warnings = [warning] if warning else []
        tokens = len(pipe.tokenizer(params.prompt, add_special_tokens=True).input_ids)
        if tokens > MAX_SEQUENCE_LENGTH:
            warnings.append(
                f"The prompt has {tokens} tokens; the model reads the first "
                f"{MAX_SEQUENCE_LENGTH}, so the end was ignored."
            )

        def on_step_end(pipeline: Any, _step: int, _timestep: Any, kwargs: Any) -> Any:
            if reporter.count():
                pipeline._interrupt = True  # the loop skips every later step
            return kwargs

        extra = {"conditions": conditions, "image_cond_noise_scale": IMAGE_NOISE_SCALE}
        extra = extra if conditions else {}
        # Latents drawn on the CPU: the same seed gives the same clip anywhere.
        generator = torch.Generator("cpu").manual_seed(seed)
        with torch.inference_mode():
            with run.timed("encode"):
                embeds = pipe.encode_prompt(
                    prompt=params.prompt,
                    negative_prompt=params.negative_prompt,
                    do_classifier_free_guidance=params.guidance_scale > 1.0,
                    max_sequence_length=MAX_SEQUENCE_LENGTH,
                    device=placement.device,
                )
            fast = taylor_seer(pipe.transformer, params.fast, self.fast_interval)
            with run.timed("denoise"), fast:
                latents = denoiser(
                    prompt_embeds=embeds[0],
                    prompt_attention_mask=embeds[1],
                    negative_prompt_embeds=embeds[2],
                    negative_prompt_attention_mask=embeds[3],
                    height=params.height,
                    width=params.width,
                    num_frames=params.num_frames + skip,
                    frame_rate=params.fps,
                    num_inference_steps=params.steps,
                    guidance_scale=params.guidance_scale,
                    generator=generator,
                    output_type="latent",
                    callback_on_step_end=on_step_end,
                    max_sequence_length=MAX_SEQUENCE_LENGTH,
                    **extra,
                ).frames
            if denoiser.interrupt:
                raise reporter.cancelled()
            with run.timed("decode"):
                frames = params.num_frames + skip
                clip = _decode(pipe, latents, generator, frames, params.height, params.width)
        clip = opening_on([clip[0][skip:]], opening)[0]
        return write_clips(
            self, params, placement, [(seed, out_path, clip)], run,
            tokens=tokens, token_limit=MAX_SEQUENCE_LENGTH, warnings=warnings,
        )[0]  # fmt: skip


def _decode(pipe: Any, latents: Any, generator: Any, frames: int, height: int, width: int) -> Any:
    """The pipeline's own decode step: unpack (LTXPipeline returns its tokens), un-normalise,
    add the decode noise the timestep-aware VAE expects, decode at ``DECODE_TIMESTEP``."""
    import torch
    from diffusers.utils.torch_utils import randn_tensor

    vae = pipe.vae
    if latents.ndim == 3:  # (batch, tokens, channels): LTXPipeline's packed latents
        latents = pipe._unpack_latents(
            latents,
            (frames - 1) // pipe.vae_temporal_compression_ratio + 1,
            height // pipe.vae_spatial_compression_ratio,
            width // pipe.vae_spatial_compression_ratio,
            pipe.transformer_spatial_patch_size,
            pipe.transformer_temporal_patch_size,
        )
    latents = pipe._denormalize_latents(
        latents, vae.latents_mean, vae.latents_std, vae.config.scaling_factor
    ).to(vae.dtype)
    timestep = None
    if vae.config.timestep_conditioning:
        noise = randn_tensor(latents.shape, generator=generator, device=latents.device)
        noise = noise.to(latents.dtype)
        latents = (1 - DECODE_NOISE_SCALE) * latents + DECODE_NOISE_SCALE * noise
        timestep = torch.tensor([DECODE_TIMESTEP] * len(latents), device=latents.device)
        timestep = timestep.to(latents.dtype)
    video = vae.decode(latents, timestep, return_dict=False)[0]
    return pipe.video_processor.postprocess_video(video, output_type="np")


FAMILY = Family(
    name="ltx",
    output=VIDEO,
    params=LTXParams,
    engine=LTXEngine,
    # The 0.9.5 checkpoint is saved as an LTXPipeline; the others load the same layout.
    classes={name: (IMAGE, LAST_IMAGE) for name in ("LTXPipeline", "LTXConditionPipeline")},
    cost=VideoCost(),
    tiny=build_tiny_ltx,
    smoke={"num_frames": 9, "steps": 2, "height": 64, "width": 96, "fps": 8},
)
