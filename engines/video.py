"""Text to video with the ModelScope 1.7B model through diffusers' TextToVideoSDPipeline."""

from __future__ import annotations

import dataclasses
import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engines.device import Placement, module_bytes
from engines.errors import ParamError
from engines.files import atomic_output
from engines.loading import model_source, reporting_missing_weights, snapshot_revision
from engines.media.mp4 import write_mp4
from engines.progress import CancelCheck, ProgressFn, StepReporter
from engines.prompts import english_warning
from engines.seeds import resolve_seed
from engines.settings import Settings
from engines.timing import timed
from engines.validation import (
    require_float_range,
    require_int_range,
    require_prompt,
    require_seed,
)

MAX_FRAMES = 64
MAX_STEPS = 100
MIN_SIDE, MAX_SIDE = 64, 1024
# Below this much free VRAM the pipeline keeps idle components in CPU RAM.
OFFLOAD_BELOW_FREE_BYTES = 8 * 1024**3
# CPU flags of native bf16 matrix math; without them bf16 was measured slower than fp32.
NATIVE_BF16_CPU_FLAGS = ("avx512_bf16", "amx_bf16")


@dataclass(frozen=True)
class VideoParams:
    prompt: str  # what the clip shows, in English
    negative_prompt: str = ""  # what to steer away from
    seed: int | None = None  # None draws a random seed; the result records the one used
    num_frames: int = 16  # the model was trained on 16-frame clips
    steps: int = 25  # denoising steps (DPM-Solver++ needs far fewer than DDIM's 50)
    guidance_scale: float = 9.0  # how closely to follow the prompt; 1 turns guidance off
    height: int = 256  # pixels, a multiple of 8 (the VAE's scale factor)
    width: int = 256
    fps: int = 8  # playback rate of the written MP4

    def __post_init__(self) -> None:
        require_prompt("prompt", self.prompt)
        require_prompt("negative_prompt", self.negative_prompt, allow_empty=True)
        require_seed(self.seed)
        require_int_range("num_frames", self.num_frames, 1, MAX_FRAMES)
        require_int_range("steps", self.steps, 1, MAX_STEPS)
        require_float_range("guidance_scale", self.guidance_scale, 1.0, 30.0)
        for side in ("height", "width"):
            value = getattr(self, side)
            require_int_range(side, value, MIN_SIDE, MAX_SIDE)
            if value % 8:
                raise ParamError(
                    f"`{side}` has to be a multiple of 8 but is {value}; "
                    f"try {value // 8 * 8} or {value // 8 * 8 + 8}."
                )
        require_int_range("fps", self.fps, 1, 60)


@dataclass(frozen=True)
class VideoResult:
    path: str
    seed: int  # the seed actually used
    params: dict[str, Any]  # every parameter as given
    model: str
    revision: str | None  # hub snapshot commit; None for a local folder
    tiny: bool  # random-weight demo model: the clip is noise
    device: str
    dtype: str  # the device policy's dtype; what each part ran in is in `dtypes`
    frames: int
    fps: int
    width: int
    height: int
    duration_s: float
    prompt_tokens: int  # CLIP tokens of the prompt, start and end markers included
    prompt_token_limit: int
    prompt_truncated: bool  # tokens past the limit were dropped by the encoder
    timings: dict[str, float]  # seconds per phase: encode, denoise, decode, write
    warnings: list[str] = field(default_factory=list)
    memory_savers: list[str] = field(default_factory=list)
    kind: str = "video"
    dtypes: dict[str, str] = field(default_factory=dict)  # unet, text_encoder, vae

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


class TextToVideoEngine:
    kind = "video"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.model_id = settings.model_for(self.kind)
        self.revision: str | None = None
        self.memory_savers: list[str] = []
        self._pipe: Any = None
        self._placement: Placement | None = None

    # -- lifecycle -------------------------------------------------------------------

    def load(self, placement: Placement) -> None:
        import torch
        from diffusers import DPMSolverMultistepScheduler, TextToVideoSDPipeline

        source = model_source(self.settings, self.kind)
        # The hub repository ships fp16 weights beside fp32: half the download on GPUs.
        variant = "fp16" if placement.device == "cuda" else None
        with reporting_missing_weights(source):
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
        self._pipe, self._placement = pipe, placement
        self.revision = snapshot_revision(source)

    def unload(self) -> None:
        self._pipe = None

    def park(self) -> None:
        if self._pipe is not None and not self._offloaded:
            self._pipe.to("cpu")

    def unpark(self) -> None:
        if self._pipe is not None and self._placement is not None and not self._offloaded:
            self._pipe.to(self._placement.device)

    @property
    def _offloaded(self) -> bool:
        # With model offload, accelerate's hooks already move components on demand.
        return "model_cpu_offload" in self.memory_savers

    def memory_bytes(self) -> int:
        pipe = self._pipe
        if pipe is None:
            return 0
        return module_bytes(pipe.unet, pipe.vae, pipe.text_encoder)

    def part_dtypes(self) -> dict[str, str]:
        """The dtype of each part: on CPU the UNet may run in bf16 and the VAE in fp32."""
        pipe = self._pipe
        if pipe is None:
            return {}
        parts = {"unet": pipe.unet, "text_encoder": pipe.text_encoder, "vae": pipe.vae}
        return {name: str(part.dtype).removeprefix("torch.") for name, part in parts.items()}

    # -- generation ------------------------------------------------------------------

    def generate(
        self,
        params: VideoParams,
        out_path: Path,
        *,
        on_progress: ProgressFn | None = None,
        should_cancel: CancelCheck | None = None,
    ) -> VideoResult:
        import torch

        pipe, placement = self._loaded()
        reporter = StepReporter(params.steps, on_progress, should_cancel)
        reporter.check_cancel()
        seed = resolve_seed(params.seed)
        timings: dict[str, float] = {}
        warnings = [w for w in [english_warning(params.prompt)] if w]

        # 1. Check the prompt against CLIP's context length.
        tokens, limit = self._count_tokens(params.prompt)
        if tokens > limit:
            warnings.append(
                f"The prompt has {tokens} tokens; the model reads the first {limit}, "
                "so the end was ignored."
            )
        with torch.inference_mode():
            # 2. Encode the prompt (and the negative prompt, for guidance).
            with timed(timings, "encode"):
                prompt_embeds, negative_embeds = pipe.encode_prompt(
                    params.prompt,
                    placement.device,
                    1,
                    params.guidance_scale > 1.0,
                    params.negative_prompt or None,
                )
            # 3. Denoise, reporting each step; the callback raises to cancel.
            with timed(timings, "denoise"):
                latents = pipe(
                    prompt_embeds=prompt_embeds,
                    negative_prompt_embeds=negative_embeds,
                    num_frames=params.num_frames,
                    height=params.height,
                    width=params.width,
                    num_inference_steps=params.steps,
                    guidance_scale=params.guidance_scale,
                    # Latents drawn on the CPU: the same seed gives the same clip anywhere.
                    generator=torch.Generator("cpu").manual_seed(seed),
                    output_type="latent",
                    callback=lambda _step, _timestep, _latents: reporter.advance(),
                    callback_steps=1,
                ).frames
            # 4. Decode latents to frames in [0, 1].
            with timed(timings, "decode"):
                video = pipe.decode_latents(latents.to(pipe.vae.dtype))
                frames = pipe.video_processor.postprocess_video(video, output_type="np")[0]
        # 5. Write the MP4 under a temporary name, renamed into place when complete.
        with timed(timings, "write"), atomic_output(out_path) as tmp:
            write_mp4(frames, tmp, params.fps)

        return VideoResult(
            path=str(out_path),
            seed=seed,
            params=dataclasses.asdict(params),
            model=self.model_id,
            revision=self.revision,
            tiny=self.settings.tiny,
            device=placement.device,
            dtype=placement.dtype_name,
            frames=len(frames),
            fps=params.fps,
            width=params.width,
            height=params.height,
            duration_s=round(len(frames) / params.fps, 4),
            prompt_tokens=tokens,
            prompt_token_limit=limit,
            prompt_truncated=tokens > limit,
            timings=timings,
            warnings=warnings,
            memory_savers=list(self.memory_savers),
            dtypes=self.part_dtypes(),
        )

    def _loaded(self) -> tuple[Any, Placement]:
        if self._pipe is None or self._placement is None:
            raise RuntimeError("The video engine is not loaded; get it from the EngineRegistry.")
        return self._pipe, self._placement

    def _count_tokens(self, prompt: str) -> tuple[int, int]:
        tokenizer = self._pipe.tokenizer
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
