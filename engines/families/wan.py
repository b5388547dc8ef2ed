"""Text to video with Wan 2.1 through diffusers' WanPipeline (AutoencoderKLWan, UMT5).

Wan's VAE packs 4 frames into one latent frame after the first, so clips have 4k+1
frames; its VAE (8x) and the transformer's 2x2 patches need sides that are multiples
of 16. Progress and cancel ride ``callback_on_step_end``; a cancel sets the pipeline's
``_interrupt`` so it skips the remaining steps, and nothing is decoded or written.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engines.cost import VideoCost
from engines.device import Placement
from engines.families.base import ModelEngine
from engines.families.family import VIDEO, Family
from engines.families.fast import MagSchedule, compile_blocks, fast_param, mag_cache
from engines.families.mag_ratios import WAN21_T2V_1_3B
from engines.families.results import VideoResult, opening_on, write_clips
from engines.params import check, param
from engines.progress import RunContext
from engines.prompts import english_warning
from engines.seeds import resolve_seed
from engines.tiny.wan import build_tiny_wan

MAX_FRAMES = 81  # the length Wan 2.1 was trained on (5 s at 16 fps)
MAX_STEPS = 100
MIN_SIDE, MAX_SIDE = 32, 1280
MAX_SEQUENCE_LENGTH = 512  # UMT5 tokens the pipeline reads
# The UMT5-XXL text encoder alone is about 11 GB in fp16: below this much free VRAM the
# pipeline keeps idle parts in CPU RAM (a 16 GB T4 needs it; a 24 GB card does not).
OFFLOAD_BELOW_FREE_BYTES = 22 * 1024**3
# MagCache's authors' setting for T2V-1.3B (their README's "E012K2R02", their script's
# defaults): the more conservative of the two they publish for it (K 4 skips more).
FAST_SCHEDULE = MagSchedule(WAN21_T2V_1_3B, threshold=0.12, max_skip_steps=2, retention_ratio=0.2)


@dataclass(frozen=True)
class WanParams:
    prompt: str = param(
        kind="prompt",
        help="What the clip shows, in English or Chinese.",
        widget="text_area",
        label="Prompt (English or Chinese)",
    )
    negative_prompt: str = param(
        "", kind="text", help="What to steer away from.", label="Negative prompt", widget="text"
    )
    seed: int | None = param(
        None, kind="seed", help="Omit for a random seed; the result records it.", widget="seed",
        optional=True,
    )  # fmt: skip
    num_frames: int = param(
        81, kind="int", minimum=1, maximum=MAX_FRAMES, four_k_plus_one=True, widget="select",
        label="Frames", help="4k+1 frames (5, 9, ..., 81): Wan's VAE packs 4 frames in one.",
    )  # fmt: skip
    steps: int = param(
        50, kind="int", minimum=1, maximum=MAX_STEPS, widget="slider", label="Inference steps",
        help="Denoising steps: more is slower and finer.",
    )  # fmt: skip
    guidance_scale: float = param(
        5.0, kind="float", minimum=1.0, maximum=20.0, step=0.5, widget="slider",
        label="Guidance", help="How closely to follow the prompt; 1 turns guidance off.",
    )  # fmt: skip
    height: int = param(
        480, kind="int", minimum=MIN_SIDE, maximum=MAX_SIDE, multiple_of=16, widget="select",
        label="Height (pixels)", help="A multiple of 16 (VAE 8x, then 2x2 patches).",
    )  # fmt: skip
    width: int = param(
        832, kind="int", minimum=MIN_SIDE, maximum=MAX_SIDE, multiple_of=16, widget="select",
        label="Width (pixels)", help="A multiple of 16 (VAE 8x, then 2x2 patches).",
    )  # fmt: skip
    fps: int = param(
        16, kind="int", minimum=1, maximum=60, widget="slider", label="Frames per second",
        help="Playback rate of the written MP4; Wan was trained at 16.",
    )  # fmt: skip
    fast: bool = fast_param()
    model: str | None = param(
        None, kind="model", optional=True, help="Catalog name; None is the default model."
    )

    def __post_init__(self) -> None:
        check(self)


class WanEngine(ModelEngine):
    """WanPipeline; the transformer and UMT5 in the device's dtype, the VAE in fp32."""

    offload_below_free_bytes = OFFLOAD_BELOW_FREE_BYTES
    fast_threshold: float | None = None  # MagCache's; None: the schedule's own (the bench sets it)

    def _load(self, source: str, placement: Placement) -> Any:
        import torch
        from diffusers import WanPipeline

        # Wan's own guidance: the VAE in fp32 (it decodes once; half precision smears it).
        dtype = {"default": placement.dtype, "vae": torch.float32}
        pipe = WanPipeline.from_pretrained(source, dtype=dtype)
        pipe.set_progress_bar_config(disable=True)
        self.memory_savers = []
        free = torch.cuda.mem_get_info()[0] if placement.device == "cuda" else None
        if free is not None and free < self.offload_below_free_bytes:
            pipe.enable_model_cpu_offload()
            self.memory_savers.append("model_cpu_offload")
        else:
            pipe.to(placement.device)
        compile_blocks(self, pipe, placement.device)
        return pipe

    def _parts(self) -> dict[str, Any]:
        pipe = self._model
        return {
            "transformer": pipe.transformer,
            "text_encoder": pipe.text_encoder,
            "vae": pipe.vae,
        }

    def _generate(self, params: WanParams, out_path: Path, run: RunContext) -> VideoResult:
        return self._generate_batch(params, [resolve_seed(params.seed)], [out_path], run)[0]

    def _generate_batch(
        self, params: WanParams, seeds: list[int], out_paths: list[Path], run: RunContext
    ) -> list[VideoResult]:
        """Every seed in one pipeline call: the prompt encoded once per sample
        (``num_videos_per_prompt``), one CPU generator per sample, one MP4 each."""
        import torch

        pipe, placement = self._loaded()
        reporter = run.reporter
        count = len(seeds)
        warning = english_warning(params.prompt) if self.entry.english_only else None
        warnings = [warning] if warning else []

        # 1. Check the prompt against the text encoder's window.
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

        with torch.inference_mode():
            # 2. Encode the prompt (and the negative prompt, for guidance), once per sample.
            with run.timed("encode"):
                prompt_embeds, negative_embeds = pipe.encode_prompt(
                    prompt=params.prompt,
                    negative_prompt=params.negative_prompt,
                    do_classifier_free_guidance=params.guidance_scale > 1.0,
                    num_videos_per_prompt=count,
                    max_sequence_length=MAX_SEQUENCE_LENGTH,
                    device=placement.device,
                )
            # 3. Denoise; latents come back undecoded, so a cancel costs no VAE pass.
            denoiser, extra = self._denoiser(params, warnings)
            schedule = self._fast_schedule(params)
            fast = mag_cache(
                denoiser.transformer, params.fast, schedule, params.steps, self.fast_threshold
            )
            with run.timed("denoise"), fast:
                latents = denoiser(
                    prompt_embeds=prompt_embeds,
                    negative_prompt_embeds=negative_embeds,
                    height=params.height,
                    width=params.width,
                    num_frames=params.num_frames,
                    num_inference_steps=params.steps,
                    guidance_scale=params.guidance_scale,
                    # Latents drawn on the CPU: the same seed gives the same clip anywhere.
                    generator=[torch.Generator("cpu").manual_seed(seed) for seed in seeds],
                    output_type="latent",
                    callback_on_step_end=on_step_end,
                    **extra,
                ).frames
            if denoiser.interrupt:
                raise reporter.cancelled()
            # 4. Decode latents to frames in [0, 1].
            with run.timed("decode"):
                clips = opening_on(_decode(pipe, latents), extra.get("image"))
        # 5. Write each MP4 under a temporary name, renamed into place when complete.
        return write_clips(
            self, params, placement, zip(seeds, out_paths, clips, strict=True), run,
            tokens=tokens, token_limit=MAX_SEQUENCE_LENGTH, warnings=warnings,
        )  # fmt: skip

    def _fast_schedule(self, params: Any) -> MagSchedule:
        """MagCache's calibrated schedule for a Fast job of ``params``."""
        return FAST_SCHEDULE

    def _denoiser(self, params: Any, warnings: list[str]) -> tuple[Any, dict[str, Any]]:
        """The pipeline that denoises ``params`` and what it takes beyond the shared call
        (Wan 2.2's image-to-video pipeline and its first frame)."""
        return self._model, {}


def _decode(pipe: Any, latents: Any) -> Any:
    """The pipeline's own decode step: un-normalise the latents, VAE, then to numpy."""
    import torch

    vae = pipe.vae
    latents = latents.to(vae.device, vae.dtype)
    shape = (1, vae.config.z_dim, 1, 1, 1)
    mean = torch.tensor(vae.config.latents_mean).view(shape).to(latents.device, latents.dtype)
    std = torch.tensor(vae.config.latents_std).view(shape).to(latents.device, latents.dtype)
    video = vae.decode(latents * std + mean, return_dict=False)[0]
    return pipe.video_processor.postprocess_video(video, output_type="np")  # one clip a sample


FAMILY = Family(
    name="wan",
    output=VIDEO,
    params=WanParams,
    engine=WanEngine,
    classes={"WanPipeline": ()},
    cost=VideoCost(),
    tiny=build_tiny_wan,
    # Sides a multiple of 32: the tiny checkpoint's 4x4 patches (engines/tiny/wan.py).
    smoke={"num_frames": 5, "steps": 2, "height": 32, "width": 64, "fps": 8},
    batches=True,
    recognises=lambda index: not index.get("expand_timesteps"),  # Wan 2.2's TI2V says it
)
