"""The plain library call each family's engine is measured against: the model card's
recipe (``from_pretrained``, ``.to(device)``, one call), with the same params and seed.

One recipe per family, keyed by its name; ``step`` is called once per step so both ways
are timed alike. The denoiser is the module whose calls are a step's work (FLOPs).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

OnStep = Callable[[], None]


@dataclass(frozen=True)
class Recipe:
    denoiser: str  # the attribute holding the per-step model
    load: Callable[[str, str, Any], Any]  # (folder, device, dtype) -> pipeline or model
    call: Callable[[Any, Any, OnStep], Any]  # (loaded, our params, on_step) -> output


def _diffusers_load(folder: str, device: str, dtype: Any) -> Any:
    """The card's recipe for the modern pipelines: the VAE in fp32, as they decode."""
    import torch

    return _pipeline(folder, device, {"default": dtype, "vae": torch.float32})


def _one_dtype_load(folder: str, device: str, dtype: Any) -> Any:
    """ModelScope's recipe: one dtype throughout (its pipeline does not cast for the VAE)."""
    return _pipeline(folder, device, dtype)


def _pipeline(folder: str, device: str, dtype: Any) -> Any:
    from diffusers import DiffusionPipeline

    pipe = DiffusionPipeline.from_pretrained(folder, dtype=dtype)
    pipe.set_progress_bar_config(disable=True)
    return pipe.to(device)


def _generator(seed: int) -> Any:
    import torch

    return torch.Generator("cpu").manual_seed(seed)


def _on_step_end(on_step: OnStep) -> Callable[..., Any]:
    def callback(_pipe: Any, _step: int, _timestep: Any, kwargs: Any) -> Any:
        on_step()
        return kwargs

    return callback


def _clip(p: Any) -> dict[str, Any]:
    """What every video pipeline's call takes of our params."""
    return {
        "prompt": p.prompt,
        "negative_prompt": p.negative_prompt or None,
        "num_frames": p.num_frames,
        "height": p.height,
        "width": p.width,
        "num_inference_steps": p.steps,
        "guidance_scale": p.guidance_scale,
        "generator": _generator(p.seed),
        "output_type": "np",
    }


def _video(pipe: Any, p: Any, on_step: OnStep) -> Any:
    """Wan 2.1/2.2 and LTX: the modern call with ``callback_on_step_end``."""
    return pipe(**_clip(p), callback_on_step_end=_on_step_end(on_step)).frames


def _text_to_video_sd(pipe: Any, p: Any, on_step: OnStep) -> Any:
    """ModelScope's (deprecated) pipeline still takes the old ``callback``."""
    return pipe(**_clip(p), callback=lambda *_: on_step(), callback_steps=1).frames


def _stable_audio(pipe: Any, p: Any, on_step: OnStep) -> Any:
    return pipe(
        prompt=p.description,
        negative_prompt=p.negative_prompt or None,
        audio_end_in_s=p.duration,
        num_inference_steps=p.steps,
        guidance_scale=p.guidance_scale,
        generator=_generator(p.seed),
        callback=lambda *_: on_step(),
        callback_steps=1,
    ).audios


def _ace_step(pipe: Any, p: Any, on_step: OnStep) -> Any:
    return pipe(
        prompt=p.description,
        lyrics=p.lyrics,
        vocal_language=p.language,
        audio_duration=p.duration,
        num_inference_steps=p.steps,
        guidance_scale=p.guidance_scale,
        generator=_generator(p.seed),
        callback_on_step_end=_on_step_end(on_step),
    ).audios


@dataclass
class _MusicGen:
    model: Any
    processor: Any
    device: str


def _musicgen_load(folder: str, device: str, dtype: Any) -> _MusicGen:
    from transformers import AutoProcessor, MusicgenForConditionalGeneration

    model: Any = MusicgenForConditionalGeneration.from_pretrained(folder, dtype=dtype)
    return _MusicGen(model.to(device), AutoProcessor.from_pretrained(folder), device)


def _musicgen(loaded: _MusicGen, p: Any, on_step: OnStep) -> Any:
    """The model card's ``generate``; a step is one decoder call (one token of frames)."""
    import torch

    torch.manual_seed(p.seed)
    rate = loaded.model.config.audio_encoder.frame_rate
    inputs = loaded.processor(text=[p.description], padding=True, return_tensors="pt")
    handle = loaded.model.decoder.register_forward_hook(lambda *_: on_step())
    try:
        return loaded.model.generate(
            **inputs.to(loaded.device),
            do_sample=True,
            top_k=p.top_k,
            guidance_scale=p.guidance_scale,
            max_new_tokens=int(p.duration * rate),
        )
    finally:
        handle.remove()


RECIPES: dict[str, Recipe] = {
    "text-to-video-sd": Recipe("unet", _one_dtype_load, _text_to_video_sd),
    "wan": Recipe("transformer", _diffusers_load, _video),
    "wan2.2": Recipe("transformer", _diffusers_load, _video),
    "ltx": Recipe("transformer", _diffusers_load, _video),
    "musicgen": Recipe("decoder", _musicgen_load, _musicgen),
    "stable-audio": Recipe("transformer", _diffusers_load, _stable_audio),
    "ace-step": Recipe("transformer", _diffusers_load, _ace_step),
}


def denoiser_of(loaded: Any, recipe: Recipe) -> Any:
    model = loaded.model if isinstance(loaded, _MusicGen) else loaded
    return getattr(model, recipe.denoiser)
