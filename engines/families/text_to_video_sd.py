"""Text to video through diffusers' TextToVideoSDPipeline: ModelScope 1.7B and zeroscope."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from engines.cost import VideoCost
from engines.device import Placement
from engines.families.base import ModelEngine
from engines.families.family import VIDEO, Family
from engines.families.results import VideoResult, write_clips
from engines.params import check, param
from engines.progress import RunContext
from engines.prompts import english_warning
from engines.seeds import resolve_seed
from engines.tiny.video import build_tiny_video

if TYPE_CHECKING:
    from engines.settings import Settings

MAX_FRAMES = 64
MAX_STEPS = 100
MIN_SIDE, MAX_SIDE = 64, 1024
# Below this much free VRAM the pipeline keeps idle components in CPU RAM.
OFFLOAD_BELOW_FREE_BYTES = 8 * 1024**3
# CPU flags of native bf16 matrix math; without them bf16 was measured slower than fp32.
NATIVE_BF16_CPU_FLAGS = ("avx512_bf16", "amx_bf16")


@dataclass(frozen=True)
class VideoParams:
    """ModelScope and zeroscope (TextToVideoSDPipeline); zeroscope's entry sets 576x320."""

    prompt: str = param(
        kind="prompt",
        help="What the clip shows, in English.",
        widget="text_area",
        label="Prompt (English)",
    )
    negative_prompt: str = param(
        "", kind="text", help="What to steer away from.", label="Negative prompt", widget="text"
    )
    seed: int | None = param(
        None,
        kind="seed",
        help="Omit for a random seed; the result records it.",
        widget="seed",
        optional=True,
    )
    num_frames: int = param(
        16,
        kind="int",
        minimum=1,
        maximum=MAX_FRAMES,
        widget="slider",
        label="Frames",
        help="Frames in the clip; the model was trained on 16.",
    )
    steps: int = param(
        25,
        kind="int",
        minimum=1,
        maximum=MAX_STEPS,
        widget="slider",
        label="Inference steps",
        help="Denoising steps: more is slower and finer (DPM-Solver++ needs about 25).",
    )
    guidance_scale: float = param(
        9.0,
        kind="float",
        minimum=1.0,
        maximum=30.0,
        step=0.5,
        widget="slider",
        label="Guidance",
        help="How closely to follow the prompt; 1 turns guidance off.",
    )
    height: int = param(
        256,
        kind="int",
        minimum=MIN_SIDE,
        maximum=MAX_SIDE,
        multiple_of=8,
        widget="select",
        label="Height (pixels)",
        help="A multiple of 8 (the VAE's scale factor).",
    )
    width: int = param(
        256,
        kind="int",
        minimum=MIN_SIDE,
        maximum=MAX_SIDE,
        multiple_of=8,
        widget="select",
        label="Width (pixels)",
        help="A multiple of 8 (the VAE's scale factor).",
    )
    fps: int = param(
        8,
        kind="int",
        minimum=1,
        maximum=60,
        widget="slider",
        label="Frames per second",
        help="Playback rate of the written MP4.",
    )
    model: str | None = param(
        None, kind="model", optional=True, help="Catalog name; None is the default model."
    )

    def __post_init__(self) -> None:
        check(self)


class TextToVideoEngine(ModelEngine):
    """TextToVideoSDPipeline: ModelScope and zeroscope are presets of this one engine."""

    def _load(self, source: str, placement: Placement) -> Any:
        import torch
        from diffusers import DPMSolverMultistepScheduler, TextToVideoSDPipeline

        # The hub repository ships fp16 weights beside fp32: half the download on GPUs.
        variant = "fp16" if placement.device == "cuda" else None
        pipe = TextToVideoSDPipeline.from_pretrained(
            source, dtype=_component_dtypes(placement, self.settings), variant=variant
        )
        # The model card's scheduler: good clips in 25 steps instead of DDIM's 50.
        pipe.scheduler = DPMSolverMultistepScheduler.from_config(pipe.scheduler.config)
        pipe.set_progress_bar_config(disable=True)
        # Decoding 16 frames in one VAE batch is the memory peak; slice it frame by frame.
        pipe.vae.enable_slicing()
        self.memory_savers = ["vae_slicing"]
        if placement.device == "cuda" and torch.cuda.mem_get_info()[0] < OFFLOAD_BELOW_FREE_BYTES:
            pipe.enable_model_cpu_offload()
            self.memory_savers.append("model_cpu_offload")
        else:
            pipe.to(placement.device)
        return pipe

    def _parts(self) -> dict[str, Any]:
        pipe = self._model
        return {"unet": pipe.unet, "text_encoder": pipe.text_encoder, "vae": pipe.vae}

    def _generate(self, params: VideoParams, out_path: Path, run: RunContext) -> VideoResult:
        return self._generate_batch(params, [resolve_seed(params.seed)], [out_path], run)[0]

    def _generate_batch(
        self, params: VideoParams, seeds: list[int], out_paths: list[Path], run: RunContext
    ) -> list[VideoResult]:
        """Every seed in one pipeline call: a batch of prompt embeddings, one CPU generator
        per sample (diffusers draws each sample's latents from its own), one MP4 each."""
        import torch

        pipe, placement = self._loaded()
        reporter = run.reporter
        count = len(seeds)
        warnings = [w for w in [english_warning(params.prompt)] if w]

        # 1. Check the prompt against CLIP's context length.
        tokens, limit = self._count_tokens(params.prompt)
        if tokens > limit:
            warnings.append(
                f"The prompt has {tokens} tokens; the model reads the first {limit}, "
                "so the end was ignored."
            )
        with torch.inference_mode():
            # 2. Encode the prompt (and the negative prompt, for guidance), once per sample.
            with run.timed("encode"):
                prompt_embeds, negative_embeds = pipe.encode_prompt(
                    params.prompt,
                    placement.device,
                    count,
                    params.guidance_scale > 1.0,
                    params.negative_prompt or None,
                )
            # 3. Denoise, reporting each step; the callback raises to cancel.
            with run.timed("denoise"):
                latents = pipe(
                    prompt_embeds=prompt_embeds,
                    negative_prompt_embeds=negative_embeds,
                    num_frames=params.num_frames,
                    height=params.height,
                    width=params.width,
                    num_inference_steps=params.steps,
                    guidance_scale=params.guidance_scale,
                    # Latents drawn on the CPU: the same seed gives the same clip anywhere.
                    generator=[torch.Generator("cpu").manual_seed(seed) for seed in seeds],
                    output_type="latent",
                    callback=lambda _step, _timestep, _latents: reporter.advance(),
                    callback_steps=1,
                ).frames
            # 4. Decode latents to frames in [0, 1].
            with run.timed("decode"):
                video = pipe.decode_latents(latents.to(pipe.vae.dtype))
                clips = pipe.video_processor.postprocess_video(video, output_type="np")
        # 5. Write each MP4 under a temporary name, renamed into place when complete.
        return write_clips(
            self, params, placement, zip(seeds, out_paths, clips, strict=True), run,
            tokens=tokens, token_limit=limit, warnings=warnings,
        )  # fmt: skip

    def _count_tokens(self, prompt: str) -> tuple[int, int]:
        tokenizer = self._model.tokenizer
        ids = tokenizer(prompt, truncation=False, add_special_tokens=True).input_ids
        return len(ids), int(tokenizer.model_max_length)


def _component_dtypes(placement: Placement, settings: Settings) -> Any:
    """The placement's dtype, or on CPU bf16 for the UNet and text encoder where it pays.

    On CPUs with native bf16 (AVX512-BF16, AMX) the UNet step measured about 2x faster in
    bf16 than fp32 (bench/video.py); on AVX2-only CPUs it was slower, so "auto" keeps fp32
    there. The VAE stays fp32: it decodes once, and bf16 moved its pixels the most.
    """
    import torch

    if placement.device != "cpu":
        return placement.dtype
    wanted = settings.video_cpu_bf16
    if wanted == "on" or (wanted == "auto" and cpu_has_native_bf16()):
        return {"unet": torch.bfloat16, "text_encoder": torch.bfloat16, "default": torch.float32}
    return placement.dtype


@functools.cache
def cpu_has_native_bf16() -> bool:
    """True where /proc/cpuinfo lists a native bf16 instruction set (Linux only)."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("flags"):
                    return any(flag in line.split() for flag in NATIVE_BF16_CPU_FLAGS)
    except OSError:
        pass
    return False


FAMILY = Family(
    name="text-to-video-sd",
    output=VIDEO,
    params=VideoParams,
    engine=TextToVideoEngine,
    classes={"TextToVideoSDPipeline": ()},
    cost=VideoCost(),
    tiny=build_tiny_video,
    smoke={"num_frames": 4, "steps": 2, "height": 64, "width": 64, "fps": 4},
    batches=True,
)
