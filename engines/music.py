"""Music from a text description (and optionally a melody) with MusicGen.

Runs transformers' MusicGen port: ``facebook/musicgen-small`` for text alone and
``facebook/musicgen-melody`` when a melody file is given. Heavy imports happen in
``load()`` and ``generate()``, never when this module is imported.
"""

from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from engines.device import Placement, module_bytes
from engines.errors import ParamError
from engines.files import atomic_output
from engines.loading import model_source, reporting_missing_weights, snapshot_revision
from engines.media.audio import decode_audio
from engines.melody import melody_chroma
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

MIN_DURATION_S = 1.0
MAX_DURATION_S = 30.0  # one generation window; longer needs continuation
MELODY_MAX_S = 30.0  # MusicGen-Melody was trained on 30 s of chroma
CODEBOOK_SIZE = 2048  # top-k beyond the codebook changes nothing
MIN_TEMPERATURE, MAX_TEMPERATURE = 0.1, 4.0
MIN_GUIDANCE, MAX_GUIDANCE = 1.0, 20.0  # 1 turns classifier-free guidance off


@dataclass(frozen=True)
class MusicParams:
    description: str  # what the music sounds like, in English
    duration: float = 10.0  # seconds of audio, 1 to 30
    top_k: int = 250  # sample among the k likeliest codes; 0 turns it off
    top_p: float = 0.0  # nucleus sampling threshold; 0 turns it off
    temperature: float = 1.0  # higher is more varied, lower more repetitive
    guidance_scale: float = 3.0  # how closely to follow the description; 1 is off
    seed: int | None = None  # None draws a random seed, recorded in the result
    melody_path: str | None = None  # an audio file whose melody to follow (first 30 s)

    def __post_init__(self) -> None:
        require_prompt("description", self.description)
        require_float_range("duration", self.duration, MIN_DURATION_S, MAX_DURATION_S)
        require_int_range("top_k", self.top_k, 0, CODEBOOK_SIZE)
        require_float_range("top_p", self.top_p, 0.0, 1.0)
        require_float_range("temperature", self.temperature, MIN_TEMPERATURE, MAX_TEMPERATURE)
        require_float_range("guidance_scale", self.guidance_scale, MIN_GUIDANCE, MAX_GUIDANCE)
        require_seed(self.seed)
        if self.melody_path is not None and (
            not isinstance(self.melody_path, str) or not self.melody_path.strip()
        ):
            raise ParamError(
                f"`melody_path` must be the path of an audio file or None, "
                f"but is {self.melody_path!r}."
            )


def music_kind(params: MusicParams) -> str:
    """The registry key of the engine that serves ``params``."""
    return "melody" if params.melody_path else "music"


@dataclass(frozen=True)
class MusicResult:
    path: str  # the WAV file written
    kind: str  # "music" or "melody"
    model: str  # hub id or folder the weights came from
    revision: str | None  # hub snapshot commit; None for local folders
    tiny: bool  # random-weight demo checkpoint: the audio is noise
    device: str
    dtype: str  # the device policy's dtype; what each part ran in is in `dtypes`
    seed: int  # the seed actually used, so the track can be made again
    params: dict[str, Any]
    sample_rate: int
    duration_s: float
    timings: dict[str, float] = field(default_factory=dict)  # phase -> seconds
    warnings: list[str] = field(default_factory=list)
    dtypes: dict[str, str] = field(default_factory=dict)  # decoder, text_encoder, audio_encoder

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class MusicEngine:
    """MusicGen on one device; ``melody=True`` loads the melody-conditioned model."""

    def __init__(self, settings: Settings, melody: bool) -> None:
        self.settings = settings
        self.kind = "melody" if melody else "music"
        self.model_id = settings.model_for(self.kind)
        self._model: Any = None
        self._tokenizer: Any = None
        self._placement: Placement | None = None
        self._dtype: Any = None  # the decoder's and text encoder's dtype
        self._revision: str | None = None
        self._chroma_options: dict[str, int] = {}

    # -- lifecycle --------------------------------------------------------------------

    def load(self, placement: Placement) -> None:
        import torch
        from transformers import (
            AutoTokenizer,
            MusicgenForConditionalGeneration,
            MusicgenMelodyForConditionalGeneration,
        )

        source = model_source(self.settings, self.kind)
        model_class: Any = (
            MusicgenMelodyForConditionalGeneration
            if self.kind == "melody"
            else MusicgenForConditionalGeneration
        )
        with reporting_missing_weights(source):
            # Loaded in fp32 and cast part by part below, so EnCodec keeps its full weights.
            model = model_class.from_pretrained(source, dtype=torch.float32)
            tokenizer = AutoTokenizer.from_pretrained(source)
            chroma_options = _chroma_options(source) if self.kind == "melody" else {}
        self._dtype = _compute_dtype(placement, self.settings)
        for name, part in model.named_children():
            if name != "audio_encoder":  # EnCodec is slower and no better in half
                part.to(self._dtype)
        self._model = model.to(placement.device).eval()
        self._tokenizer = tokenizer
        self._placement = placement
        self.model_id = source
        self._revision = snapshot_revision(source)
        self._chroma_options = chroma_options

    def unload(self) -> None:
        self._model = None
        self._tokenizer = None

    def park(self) -> None:
        if self._model is not None:
            self._model.to("cpu")

    def unpark(self) -> None:
        if self._model is not None and self._placement is not None:
            self._model.to(self._placement.device)

    def memory_bytes(self) -> int:
        return module_bytes(self._model)

    def part_dtypes(self) -> dict[str, str]:
        """The dtype of each part: the decoder and text encoder may differ from EnCodec."""
        if self._model is None:
            return {}
        model = self._model
        parts = {
            "decoder": model.decoder,
            "text_encoder": model.text_encoder,
            "audio_encoder": model.audio_encoder,
        }
        return {name: str(part.dtype).removeprefix("torch.") for name, part in parts.items()}

    # -- generation -------------------------------------------------------------------

    def generate(
        self,
        params: MusicParams,
        out_path: Path,
        *,
        on_progress: ProgressFn | None = None,
        should_cancel: CancelCheck | None = None,
    ) -> MusicResult:
        """Write ``params.duration`` seconds of 16-bit mono WAV to ``out_path``."""
        # 1. Check inputs and state; size the run in decoder steps.
        placement = self._check(params)
        sample_rate = int(self._model.config.audio_encoder.sampling_rate)
        max_new_tokens = self._steps_for(params.duration)
        reporter = StepReporter(max_new_tokens, on_progress, should_cancel)
        reporter.check_cancel()
        seed = resolve_seed(params.seed)
        warnings = [w for w in [english_warning(params.description)] if w]
        timings: dict[str, float] = {}

        # 2. Encode the description, and the melody's chroma.
        with timed(timings, "encode"):
            inputs = self._encode(params, placement, warnings)

        # 3. Generate codes; one progress report (and cancel check) per step.
        clock = _StepClock(reporter)
        started = time.perf_counter()
        audio = self._sample(inputs, params, seed, max_new_tokens, clock)
        finished = time.perf_counter()
        last_step = clock.last_step_at or finished
        timings["generate"] = round(last_step - started, 4)

        # 4. Decode: EnCodec ran inside generate() after the last step; then trim to length.
        with timed(timings, "decode"):
            samples = _to_pcm16(audio, round(params.duration * sample_rate))
        timings["decode"] = round(timings["decode"] + finished - last_step, 4)

        # 5. Write the WAV atomically: a failed or cancelled run leaves no file.
        with timed(timings, "write"):
            _write_wav(out_path, samples, sample_rate)

        return MusicResult(
            path=str(out_path),
            kind=self.kind,
            model=self.model_id,
            revision=self._revision,
            tiny=self.settings.tiny,
            device=placement.device,
            dtype=placement.dtype_name,
            dtypes=self.part_dtypes(),
            seed=seed,
            params=asdict(params),
            sample_rate=sample_rate,
            duration_s=round(len(samples) / sample_rate, 6),
            timings=timings,
            warnings=warnings,
        )

    def _steps_for(self, duration: float) -> int:
        """Decoder steps for ``duration`` seconds: one per EnCodec frame, plus the delay
        pattern's num_codebooks - 1 (30 s at 50 frames/s: 1503 steps)."""
        frame_rate = int(self._model.config.audio_encoder.frame_rate)
        frames = math.ceil(round(duration * frame_rate, 6))  # round: 2.3 * 50 is 114.99999...
        return frames + int(self._model.decoder.config.num_codebooks) - 1

    def _encode(self, params: MusicParams, placement: Placement, warnings: list[str]) -> Any:
        inputs = self._tokenizer([params.description], return_tensors="pt", padding=True)
        inputs = {name: tensor.to(placement.device) for name, tensor in inputs.items()}
        if params.melody_path is not None:
            chroma, trimmed = self._melody_features(params.melody_path)
            inputs["input_features"] = chroma.to(placement.device, self._dtype)
            if trimmed:
                warnings.append(
                    f"The melody is longer than {MELODY_MAX_S:g} s; "
                    f"only its first {MELODY_MAX_S:g} s were used."
                )
        return inputs

    def _sample(
        self, inputs: Any, params: MusicParams, seed: int, max_new_tokens: int, clock: _StepClock
    ) -> np.ndarray:
        """Sample codes and decode them with EnCodec; mono float32 samples."""
        import torch

        torch.manual_seed(seed)  # seeds CUDA too; generation holds the device lock
        with torch.inference_mode():
            audio = self._model.generate(
                **inputs,
                max_new_tokens=max_new_tokens,
                do_sample=True,
                top_k=params.top_k,
                top_p=params.top_p if params.top_p > 0 else 1.0,  # 0 means off, as in audiocraft
                temperature=params.temperature,
                guidance_scale=params.guidance_scale,
                stopping_criteria=_stopping_criteria(clock),
            )
        return audio[0, 0].float().cpu().numpy()

    def _check(self, params: MusicParams) -> Placement:
        if not isinstance(params, MusicParams):
            raise ParamError(f"The music engine takes MusicParams, not {type(params).__name__}.")
        if music_kind(params) != self.kind:
            given = "a melody file" if params.melody_path else "no melody file"
            raise ParamError(
                f"The {self.kind!r} engine cannot serve params with {given}; "
                f"use the engine music_kind(params) names: {music_kind(params)!r}."
            )
        if self._model is None or self._tokenizer is None or self._placement is None:
            raise RuntimeError(f"The {self.kind} engine is not loaded; call load() first.")
        return self._placement

    def _melody_features(self, melody_path: str) -> tuple[Any, bool]:
        """(1, frames, 12) one-hot chroma of the melody's first 30 s; True if it was longer."""
        import torch

        options = self._chroma_options
        sample_rate = options["sample_rate"]
        # Decode a little past the limit, only to learn whether the file is longer.
        wav = decode_audio(melody_path, sample_rate, max_seconds=MELODY_MAX_S + 0.5)
        limit = int(MELODY_MAX_S * sample_rate)
        chroma = melody_chroma(wav[:limit], max_seconds=MELODY_MAX_S, **options)
        return torch.from_numpy(chroma)[None], len(wav) > limit


def _compute_dtype(placement: Placement, settings: Settings) -> Any:
    """The decoder's and T5's dtype: the placement's, but bf16 on CPU unless switched off.

    On CPU, bf16 measured 1.5-2x faster than fp32 for MusicGen-small, the audio checked
    sound (bench/music.py); STUDIO_MUSIC_CPU_BF16=0 keeps fp32.
    """
    import torch

    if placement.device == "cpu" and settings.music_cpu_bf16:
        return torch.bfloat16
    return placement.dtype


class _StepClock:
    """Advances the reporter once per generated step and remembers when the last one ended."""

    def __init__(self, reporter: StepReporter) -> None:
        self.reporter = reporter
        self.last_step_at: float | None = None

    def tick(self) -> None:
        self.reporter.advance()  # raises GenerationCancelled when asked to stop
        self.last_step_at = time.perf_counter()


def _stopping_criteria(clock: _StepClock) -> Any:
    """A StoppingCriteria that never stops generation itself; transformers calls it once a step.

    Raising from it (a cancel) unwinds out of ``generate()`` before the next step starts.
    """
    import torch
    from transformers import StoppingCriteria, StoppingCriteriaList

    class StepCriteria(StoppingCriteria):
        def __call__(self, input_ids: torch.Tensor, scores: Any, **kwargs: Any) -> torch.Tensor:
            clock.tick()
            return torch.zeros(input_ids.shape[0], dtype=torch.bool, device=input_ids.device)

    return StoppingCriteriaList([StepCriteria()])


def _to_pcm16(audio: np.ndarray, length: int) -> np.ndarray:
    """Trim to ``length`` samples and convert to int16, scaling down only if it would clip."""
    if not np.isfinite(audio).all():
        raise RuntimeError("The model produced invalid (NaN or infinite) audio samples.")
    audio = audio[:length]
    peak = float(np.abs(audio).max()) if audio.size else 0.0
    if peak > 1.0:
        audio = audio / peak
    return np.round(audio * 32767.0).astype(np.int16)


def _write_wav(out_path: Path, samples: np.ndarray, sample_rate: int) -> None:
    import soundfile

    with atomic_output(out_path) as tmp:
        soundfile.write(tmp, samples, sample_rate, subtype="PCM_16", format="WAV")


def _chroma_options(source: str) -> dict[str, int]:
    """Chroma settings from the checkpoint's preprocessor_config.json (no torchaudio needed)."""
    from transformers.feature_extraction_utils import FeatureExtractionMixin

    config, _ = FeatureExtractionMixin.get_feature_extractor_dict(source)
    return {
        "sample_rate": int(config.get("sampling_rate", 32_000)),
        "n_fft": int(config.get("n_fft", 16_384)),
        "hop_length": int(config.get("hop_length", 4096)),
        "num_chroma": int(config.get("num_chroma", 12)),
    }
