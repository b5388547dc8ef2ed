"""Songs with lyrics with ACE-Step 1.5 through diffusers' AceStepPipeline.

A flow-matching DiT denoises Oobleck latents (25 a second) conditioned on the style
description (Qwen3 text encoder), the lyrics ([verse]/[chorus] tags, one line each)
and optional BPM, key and time signature; the VAE decodes 48 kHz stereo. Progress
and cancel ride ``callback_on_step_end``: a cancel sets the pipeline's ``_interrupt``,
and nothing is decoded or written.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from engines.cost import DiffusionAudioCost
from engines.device import Placement
from engines.errors import ParamError
from engines.families.base import ModelEngine, load_pipeline_with_fp32_vae
from engines.families.family import AUDIO, Family
from engines.families.results import MusicResult
from engines.media.wav import to_pcm16, write_wav
from engines.params import check, param
from engines.progress import RunContext
from engines.seeds import resolve_seed
from engines.tiny.ace_step import build_tiny_ace_step

MIN_DURATION_S, MAX_DURATION_S = 10.0, 240.0
MAX_STEPS = 100
LANGUAGES = ("en", "zh", "ja", "ko", "es", "fr", "de", "it", "pt", "ru")
TIME_SIGNATURES = ("", "2", "3", "4", "6")  # beats per bar, as the pipeline takes them


@dataclass(frozen=True)
class AceStepParams:
    description: str = param(
        kind="prompt",
        help="The style: genre, instruments, mood, voice.",
        widget="text_area",
        label="Style description",
    )
    lyrics: str = param(
        "", kind="text", widget="text_area", label="Lyrics",
        help="One line a line, with [verse], [chorus], [bridge] tags; empty for instrumental.",
    )  # fmt: skip
    language: str = param(
        "en", kind="choice", choices=LANGUAGES, widget="select", label="Vocal language",
        help="The language the lyrics are sung in.",
    )  # fmt: skip
    duration: float = param(
        60.0, kind="float", minimum=MIN_DURATION_S, maximum=MAX_DURATION_S, step=1.0,
        widget="slider", label="Duration (seconds)", help="Seconds of audio, 10 to 240.",
    )  # fmt: skip
    steps: int = param(
        8, kind="int", minimum=1, maximum=MAX_STEPS, widget="slider", label="Inference steps",
        help="Denoising steps; the turbo model is made for 8.",
    )  # fmt: skip
    guidance_scale: float = param(
        7.0, kind="float", minimum=1.0, maximum=20.0, step=0.5, widget="slider",
        label="Guidance", help="How closely to follow the description; 1 turns guidance off.",
    )  # fmt: skip
    seed: int | None = param(
        None, kind="seed", help="Omit for a random seed; the result records it.", widget="seed",
        optional=True,
    )  # fmt: skip
    bpm: int | None = param(
        None, kind="int", minimum=30, maximum=300, optional=True, widget="number", label="BPM",
        help="Tempo in beats a minute; empty lets the model choose.",
    )  # fmt: skip
    key: str = param(
        "", kind="text", widget="text", label="Key",
        help='Key and scale, e.g. "C major" or "F# minor"; empty lets the model choose.',
    )  # fmt: skip
    time_signature: str = param(
        "", kind="choice", choices=TIME_SIGNATURES, widget="select", label="Time signature",
        help="Beats a bar (4 is 4/4, 3 is 3/4); empty lets the model choose.",
    )  # fmt: skip
    model: str | None = param(
        None, kind="model", optional=True, help="Catalog name; None is the default model."
    )

    def __post_init__(self) -> None:
        check(self)
        if len(self.key) > 40:
            raise ParamError(f'`key` must be like "C major", but is {self.key[:40]!r}...')


class AceStepEngine(ModelEngine):
    """AceStepPipeline; the VAE in fp32, the rest in the device's dtype."""

    def _load(self, source: str, placement: Placement) -> Any:
        from diffusers import AceStepPipeline

        return load_pipeline_with_fp32_vae(AceStepPipeline, source, placement)

    def _parts(self) -> dict[str, Any]:
        pipe = self._model
        return {
            "transformer": pipe.transformer,
            "text_encoder": pipe.text_encoder,
            "condition_encoder": pipe.condition_encoder,
            "vae": pipe.vae,
        }

    def _generate(self, params: AceStepParams, out_path: Path, run: RunContext) -> MusicResult:
        import torch

        pipe, placement = self._loaded()
        reporter = run.reporter
        seed = resolve_seed(params.seed)
        sample_rate = int(pipe.vae.config.sampling_rate)

        def on_step_end(pipeline: Any, _step: int, _timestep: Any, kwargs: Any) -> Any:
            if reporter.count():
                pipeline._interrupt = True  # the loop stops before the next step
            return kwargs

        with torch.inference_mode(), run.timed("generate"):
            latents = pipe(
                prompt=params.description,
                lyrics=params.lyrics,
                vocal_language=params.language,
                audio_duration=params.duration,
                num_inference_steps=params.steps,
                guidance_scale=params.guidance_scale,
                bpm=params.bpm,
                keyscale=params.key or None,
                timesignature=params.time_signature or None,
                # Noise drawn on the CPU: the same seed gives the same song anywhere.
                generator=torch.Generator("cpu").manual_seed(seed),
                output_type="latent",
                callback_on_step_end=on_step_end,
            ).audios
        if getattr(pipe, "_interrupt", False):
            raise reporter.cancelled()
        length = round(params.duration * sample_rate)
        with torch.inference_mode(), run.timed("decode"):
            audio = pipe.vae.decode(latents.transpose(1, 2).to(pipe.vae.dtype)).sample[0]
            wav = np.ascontiguousarray(audio[:, :length].float().cpu().numpy())
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
            warnings=[],
        )


# Not batched: its pipeline is wired one seed a call.
FAMILY = Family(
    name="ace-step",
    output=AUDIO,
    params=AceStepParams,
    engine=AceStepEngine,
    classes={"AceStepPipeline": ()},
    cost=DiffusionAudioCost(),
    tiny=build_tiny_ace_step,
    smoke={"duration": 10.0, "steps": 2, "lyrics": "[verse]\nsoft piano"},
)
