"""Sound effects and ambience with Stable Audio Open through diffusers' StableAudioPipeline.

A DiT denoises Oobleck latents conditioned on T5 text and the wanted length; the VAE
decodes 44.1 kHz stereo, always the model's whole window (47.55 s), cut to the length
asked. Progress and cancel ride the legacy ``callback``: raising from it stops the loop
before the next step, so a cancelled run decodes and writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from engines.cost import DiffusionAudioCost
from engines.device import Placement
from engines.families.base import ModelEngine, load_pipeline_with_fp32_vae
from engines.families.family import AUDIO, Family
from engines.families.results import MusicResult
from engines.media.wav import to_pcm16, write_wav
from engines.params import check, param
from engines.progress import RunContext
from engines.prompts import english_warning
from engines.seeds import resolve_seed
from engines.tiny.stable_audio import build_tiny_stable_audio

MAX_DURATION_S = 47.0  # the model's window is 47.55 s (1024 latents x 2048 samples)
MAX_STEPS = 200
DECODE_MARGIN_FRAMES = 8  # latent frames decoded past the end (0.37 s), then cut


@dataclass(frozen=True)
class StableAudioParams:
    description: str = param(
        kind="prompt",
        help="The sound, effect or ambience, in English.",
        widget="text_area",
        label="Description (English)",
    )
    negative_prompt: str = param(
        "Low quality.", kind="text", help="What to steer away from.", label="Negative prompt",
        widget="text",
    )  # fmt: skip
    duration: float = param(
        10.0, kind="float", minimum=1.0, maximum=MAX_DURATION_S, step=0.5, widget="slider",
        label="Duration (seconds)", help="Seconds of audio, 1 to 47.",
    )  # fmt: skip
    steps: int = param(
        100, kind="int", minimum=1, maximum=MAX_STEPS, widget="slider", label="Inference steps",
        help="Denoising steps: more is slower and cleaner.",
    )  # fmt: skip
    guidance_scale: float = param(
        7.0, kind="float", minimum=1.0, maximum=20.0, step=0.5, widget="slider",
        label="Guidance", help="How closely to follow the description; 1 turns guidance off.",
    )  # fmt: skip
    seed: int | None = param(
        None, kind="seed", help="Omit for a random seed; the result records it.", widget="seed",
        optional=True,
    )  # fmt: skip
    model: str | None = param(
        None, kind="model", optional=True, help="Catalog name; None is the default model."
    )

    def __post_init__(self) -> None:
        check(self)


def _decode(pipe: Any, latents: Any, length: int) -> np.ndarray:
    """(channels, samples) float32 of the first ``length`` samples.

    The pipeline decodes its whole 47.55 s window; the VAE is convolutional, so the
    latents covering the asked length plus a margin past its receptive field decode
    the same samples at a fraction of the cost (a 10 s sound: about a quarter).
    """
    hop = int(pipe.vae.hop_length)
    frames = min(latents.shape[-1], -(-length // hop) + DECODE_MARGIN_FRAMES)
    part = latents[..., :frames].to(pipe.vae.device, pipe.vae.dtype)
    audio = pipe.vae.decode(part).sample[0, :, :length]
    return np.ascontiguousarray(audio.float().cpu().numpy())


class _Cancelled(Exception):
    """Raised from the step callback to leave the denoising loop."""


class StableAudioEngine(ModelEngine):
    """StableAudioPipeline; the DiT and T5 in the device's dtype, the VAE in fp32."""

    def _load(self, source: str, placement: Placement) -> Any:
        from diffusers import StableAudioPipeline

        return load_pipeline_with_fp32_vae(StableAudioPipeline, source, placement)

    def _parts(self) -> dict[str, Any]:
        pipe = self._model
        return {
            "transformer": pipe.transformer,
            "text_encoder": pipe.text_encoder,
            "projection_model": pipe.projection_model,
            "vae": pipe.vae,
        }

    def _generate(self, params: StableAudioParams, out_path: Path, run: RunContext) -> MusicResult:
        import torch

        pipe, placement = self._loaded()
        reporter = run.reporter
        seed = resolve_seed(params.seed)
        warnings = [w for w in [english_warning(params.description)] if w]
        sample_rate = int(pipe.vae.config.sampling_rate)

        def on_step(_step: int, _timestep: Any, _latents: Any) -> None:
            if reporter.count():
                raise _Cancelled

        with torch.inference_mode(), run.timed("generate"):
            try:
                latents = pipe(
                    prompt=params.description,
                    negative_prompt=params.negative_prompt or None,
                    audio_end_in_s=params.duration,
                    num_inference_steps=params.steps,
                    guidance_scale=params.guidance_scale,
                    # Noise drawn on the CPU: the same seed gives the same sound anywhere.
                    generator=torch.Generator("cpu").manual_seed(seed),
                    callback=on_step,
                    callback_steps=1,
                    output_type="latent",  # decoded below, only as far as the length asked
                ).audios
            except _Cancelled:
                raise reporter.cancelled() from None
        length = round(params.duration * sample_rate)
        with torch.inference_mode(), run.timed("decode"):
            wav = _decode(pipe, latents, length)
            samples = to_pcm16(wav, length)
        with run.timed("write"):
            write_wav(out_path, samples, sample_rate, run.comment(out_path, self.made(seed)))

        return MusicResult.written(
            self,
            params,
            placement,
            out_path,
            samples,
            sample_rate=sample_rate,
            seed=seed,
            timings=run.timings,
            warnings=warnings,
        )


# Not batched: its pipeline is wired one seed a call.
FAMILY = Family(
    name="stable-audio",
    output=AUDIO,
    params=StableAudioParams,
    engine=StableAudioEngine,
    classes={"StableAudioPipeline": ()},
    cost=DiffusionAudioCost(),
    tiny=build_tiny_stable_audio,
    smoke={"duration": 1.0, "steps": 2},
)
