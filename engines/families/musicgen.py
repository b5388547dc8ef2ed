"""Music from a text description (and optionally a melody) with MusicGen.

Runs transformers' MusicGen port; the catalog's musicgen-small, -medium, -large,
-melody (a melody file) and -stereo-small (two channels) are presets of this one
engine. Heavy imports happen in ``load()`` and ``generate()``, never at import.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from engines.cost import SecondsCost
from engines.device import Placement
from engines.families.base import ModelEngine
from engines.families.family import AUDIO, Family
from engines.families.musicgen_chroma import melody_chroma
from engines.families.musicgen_windows import WINDOW_S, Window, plan_windows
from engines.families.results import MusicResult
from engines.media.audio import decode_audio
from engines.media.wav import to_pcm16, write_wav
from engines.params import check, param
from engines.progress import RunContext, StepReporter
from engines.prompts import english_warning
from engines.seeds import resolve_seed
from engines.timing import timed
from engines.tiny.music import build_tiny_music

if TYPE_CHECKING:
    from engines.settings import Settings

MELODY = "melody_path"  # the file input a melody model (MusicGen-Melody) takes

MIN_DURATION_S = 1.0
MAX_DURATION_S = (
    300.0  # past one 30 s window, window by window (engines/families/musicgen_windows.py)
)
MELODY_MAX_S = WINDOW_S  # MusicGen-Melody was trained on 30 s of chroma
CODEBOOK_SIZE = 2048  # top-k beyond the codebook changes nothing
MIN_TEMPERATURE, MAX_TEMPERATURE = 0.1, 4.0
MIN_GUIDANCE, MAX_GUIDANCE = 1.0, 20.0  # 1 turns classifier-free guidance off


@dataclass(frozen=True)
class MusicParams:
    """Every MusicGen preset's params; a melody file needs a melody model."""

    description: str = param(
        kind="prompt",
        help="What the music sounds like, in English.",
        widget="text_area",
        label="Description (English)",
    )
    duration: float = param(
        10.0, kind="float", minimum=MIN_DURATION_S, maximum=MAX_DURATION_S, step=0.5,
        widget="slider", label="Duration (seconds)",
        help="Seconds of audio, 1 to 300; past 30, each 18 s more continues the last 12 s.",
    )  # fmt: skip
    top_k: int = param(
        250, kind="int", minimum=0, maximum=CODEBOOK_SIZE, widget="slider", label="Top-k",
        help="Sample among the k likeliest codes; 0 turns it off.",
    )  # fmt: skip
    top_p: float = param(
        0.0, kind="float", minimum=0.0, maximum=1.0, step=0.05, widget="slider",
        label="Top-p (0 is off)", help="Nucleus sampling threshold; 0 turns it off.",
    )  # fmt: skip
    temperature: float = param(
        1.0, kind="float", minimum=MIN_TEMPERATURE, maximum=MAX_TEMPERATURE, step=0.05,
        widget="slider", help="Higher is more varied, lower more repetitive.",
    )  # fmt: skip
    guidance_scale: float = param(
        3.0, kind="float", minimum=MIN_GUIDANCE, maximum=MAX_GUIDANCE, step=0.5,
        widget="slider", label="Guidance",
        help="How closely to follow the description; 1 turns guidance off.",
    )  # fmt: skip
    seed: int | None = param(
        None, kind="seed", help="Omit for a random seed; the result records it.", widget="seed",
        optional=True,
    )  # fmt: skip
    melody_path: str | None = param(
        None, kind="file", media="audio", optional=True, label="Melody",
        help="An audio file whose melody to follow, looped over a long track.",
    )  # fmt: skip
    model: str | None = param(
        None, kind="model", optional=True, help="Catalog name; None is the default model."
    )

    def __post_init__(self) -> None:
        check(self)


class MusicEngine(ModelEngine):
    """MusicGen through transformers; small/medium/large/melody/stereo are its presets."""

    def __init__(self, settings: Settings, entry: Any) -> None:
        super().__init__(settings, entry)
        self._tokenizer: Any = None
        self._dtype: Any = None  # the decoder's and text encoder's dtype
        self._chroma_options: dict[str, int] = {}

    # -- what the base asks of a family --------------------------------------------------

    def _load(self, source: str, placement: Placement) -> Any:
        import torch
        from transformers import (
            AutoTokenizer,
            MusicgenForConditionalGeneration,
            MusicgenMelodyForConditionalGeneration,
        )

        model_class: Any = (
            MusicgenMelodyForConditionalGeneration
            if self._follows_melody()
            else MusicgenForConditionalGeneration
        )
        # Loaded in fp32 and cast part by part below, so EnCodec keeps its full weights.
        model = model_class.from_pretrained(source, dtype=torch.float32)
        self._tokenizer = AutoTokenizer.from_pretrained(source)
        self._chroma_options = _chroma_options(source) if self._follows_melody() else {}
        self._dtype = _compute_dtype(placement, self.settings)
        for name, part in model.named_children():
            if name != "audio_encoder":  # EnCodec is slower and no better in half
                part.to(self._dtype)
        return model.to(placement.device).eval()

    def unload(self) -> None:
        super().unload()
        self._tokenizer = None

    def _follows_melody(self) -> bool:
        """A melody model (its entry takes a melody file) also runs on text alone."""
        return MELODY in self.entry.inputs

    def _parts(self) -> dict[str, Any]:
        model = self._model
        return {
            "decoder": model.decoder,
            "text_encoder": model.text_encoder,
            "audio_encoder": model.audio_encoder,
        }

    # -- generation -------------------------------------------------------------------

    def _generate(self, params: MusicParams, out_path: Path, run: RunContext) -> MusicResult:
        """Write ``params.duration`` seconds of 16-bit WAV (mono, or stereo) to ``out_path``."""
        # 1. Plan the windows; the run's steps count every window's decoder steps.
        model, placement = self._loaded()
        sample_rate = int(model.config.audio_encoder.sampling_rate)
        windows = self._windows(params.duration)
        seed = resolve_seed(params.seed)
        warnings = [w for w in [english_warning(params.description)] if w]
        timings = run.timings

        # 2. Encode the description once, and decode the melody once.
        with timed(timings, "encode"):
            text = self._encode(params, placement)
            melody = self._melody(params, windows, warnings)

        # 3. Generate window by window; each later window continues the track's tail.
        import torch

        torch.manual_seed(seed)  # once: later windows continue the same random stream
        clock = _StepClock(run.reporter)
        timings["generate"] = timings["decode"] = 0.0
        track: np.ndarray | None = None  # (channels, samples), float32
        for window in windows:
            inputs = dict(text)
            if melody is not None:
                inputs["input_features"] = self._window_chroma(melody, window, placement)
            if window.prompt_frames:
                assert track is not None
                tail = track[:, -window.prompt_frames * self._hop() :]
                inputs["decoder_input_ids"] = self._prompt_codes(tail, placement)
            started = time.perf_counter()
            audio = self._sample(inputs, params, window.new_frames + self._delay(), clock)
            finished = time.perf_counter()
            last_step = clock.last_step_at or finished
            timings["generate"] += round(last_step - started, 4)
            timings["decode"] += round(finished - last_step, 4)  # EnCodec ran inside generate()
            # The window's audio starts with its prompt re-decoded; keep only what is new.
            new = audio[:, window.prompt_frames * self._hop() :]
            track = new if track is None else np.concatenate([track, new], axis=1)
        assert track is not None

        # 4. Trim to the asked length (counted with decoding).
        decoded = timings["decode"]
        with timed(timings, "decode"):
            samples = to_pcm16(track, round(params.duration * sample_rate))
        timings["decode"] += decoded

        # 5. Write the WAV atomically: a failed or cancelled run leaves no file.
        with timed(timings, "write"):
            write_wav(out_path, samples, sample_rate, run.comment(out_path, self.made(seed)))

        kind = "melody" if self._follows_melody() else "music"
        return MusicResult.written(
            self, params, placement, out_path, samples, sample_rate=sample_rate, seed=seed,
            timings=timings, warnings=warnings, kind=kind,
        )  # fmt: skip

    def _steps(self, params: MusicParams) -> int:
        return self._steps_for(params.duration)

    def _steps_for(self, duration: float) -> int:
        """Decoder steps for ``duration`` seconds over all its windows: one per EnCodec frame,
        plus the delay pattern's num_codebooks - 1 per window (30 s: 1503 steps)."""
        return sum(w.new_frames + self._delay() for w in self._windows(duration))

    def _windows(self, duration: float) -> list[Window]:
        return plan_windows(duration, int(self._model.config.audio_encoder.frame_rate))

    def _hop(self) -> int:
        """Samples per EnCodec frame (640 at 32 kHz and 50 frames a second)."""
        config = self._model.config.audio_encoder
        return int(config.sampling_rate) // int(config.frame_rate)

    def _delay(self) -> int:
        """The delay pattern's extra steps: num_codebooks - 1 of one channel."""
        decoder = self._model.decoder.config
        # Stereo interleaves left and right codebooks; the delay counts one channel's.
        per_channel = int(decoder.num_codebooks) // int(getattr(decoder, "audio_channels", 1))
        return per_channel - 1

    def _encode(self, params: MusicParams, placement: Placement) -> dict[str, Any]:
        inputs = self._tokenizer([params.description], return_tensors="pt", padding=True)
        return {name: tensor.to(placement.device) for name, tensor in inputs.items()}

    def _melody(
        self, params: MusicParams, windows: list[Window], warnings: list[str]
    ) -> np.ndarray | None:
        """The melody's samples at the chroma rate, up to the track's length (or 30 s)."""
        if params.melody_path is None:
            return None
        sample_rate = self._chroma_options["sample_rate"]
        limit_s = max(MELODY_MAX_S, params.duration)
        # Decode a little past the limit, only to learn whether the file is longer.
        wav = decode_audio(params.melody_path, sample_rate, max_seconds=limit_s + 0.5)
        limit = int(limit_s * sample_rate)
        if len(wav) > limit:
            warnings.append(
                f"The melody is longer than {limit_s:g} s; only its first {limit_s:g} s were used."
            )
        return wav[:limit]

    def _window_chroma(self, melody: np.ndarray, window: Window, placement: Placement) -> Any:
        """(1, frames, 12) chroma of the melody under ``window``, the melody looped as needed."""
        import torch

        options = self._chroma_options
        sample_rate = options["sample_rate"]
        if window.offset_frame == 0 and len(melody) <= WINDOW_S * sample_rate:
            part = melody  # one window: the model repeats a short melody itself
        else:
            frame_rate = int(self._model.config.audio_encoder.frame_rate)
            start = window.offset_frame * sample_rate // frame_rate
            positions = np.arange(start, start + int(WINDOW_S * sample_rate)) % len(melody)
            part = melody[positions]  # as audiocraft: the melody loops across windows
        chroma = melody_chroma(part, max_seconds=MELODY_MAX_S, **options)
        return torch.from_numpy(chroma)[None].to(placement.device, self._dtype)

    def _prompt_codes(self, tail: np.ndarray, placement: Placement) -> Any:
        """EnCodec codes of the track's tail as decoder_input_ids (codebooks, frames).

        What the processor's ``audio=`` feeds generate(); done here with the same
        ``audio_encoder.encode`` because the melody model's generate() has no audio
        prompt input. Stereo interleaves left and right codebooks, as transformers does.
        """
        import torch

        encoder = self._model.audio_encoder
        codes = []
        with torch.inference_mode():
            for channel in tail:
                wav = torch.from_numpy(np.ascontiguousarray(channel, dtype=np.float32))
                out = encoder.encode(wav[None, None].to(placement.device), return_dict=True)
                codes.append(out.audio_codes[0, 0])  # (codebooks, frames)
        if len(codes) == 1:
            return codes[0]
        stacked = torch.stack(codes, dim=1)  # (codebooks, 2, frames): l0, r0, l1, r1, ...
        return stacked.reshape(-1, stacked.shape[-1])

    def _sample(
        self, inputs: Any, params: MusicParams, max_new_tokens: int, clock: _StepClock
    ) -> np.ndarray:
        """Sample codes and decode them with EnCodec; float32 samples, (channels, samples)."""
        import torch

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
        return audio[0].float().cpu().numpy()


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


FAMILY = Family(
    name="musicgen",
    output=AUDIO,
    params=MusicParams,
    engine=MusicEngine,
    classes={
        "MusicgenForConditionalGeneration": (),
        "MusicgenMelodyForConditionalGeneration": (MELODY,),
    },
    cost=SecondsCost(),
    tiny=build_tiny_music,
    smoke={"duration": 1.0},
    # Not batched: MusicGen samples tokens from torch's one global RNG, so a batch would
    # give each seed other tokens than it gets alone.
)
