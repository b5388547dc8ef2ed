"""Music: our engine against plain ``model.generate``, on a full-size MusicGen-small.

MusicGen-small's architecture (decoder 1024 hidden, 24 layers, 16 heads, 4 codebooks;
t5-base; EnCodec 32 kHz) with random weights, built once by ``bench.full_size``. All
ways stay loaded and take turns, each repeat in the same order, same seed, guidance 3:

- ``plain_fp32``: the model card's ``from_pretrained`` + ``generate``, all in fp32;
- ``plain_half``: the same, with the decoder and T5 cast by hand to our dtype (bf16 on
  CPU) and EnCodec in fp32: the same work as ``ours``, to measure our overhead;
- ``ours``: ``MusicEngine`` through the registry with its defaults;
- ``ours_fp32`` (CPU only): ``STUDIO_MUSIC_CPU_BF16=0``, the same work as ``plain_fp32``.

Steps per second: one over the median time between two decoder steps (prefill, EnCodec
and file writing excluded; the median resists a neighbour's burst on shared cores, the
mean rate is kept too); audio seconds per wall second include everything.
Full: 5 s of audio (253 steps); ``--quick``: 2 s (103 steps).
"""

from __future__ import annotations

import math
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench import full_size
from bench.measure import (
    Clock,
    format_summary,
    gib,
    markdown_table,
    paired_ratios,
    release_memory,
    rss_bytes,
    summarize,
    verdict,
)

DESCRIPTION = "lo-fi hip hop beat with warm piano chords and vinyl crackle"
SEED = 4321
GUIDANCE = 3.0
FULL_SECONDS, QUICK_SECONDS = 5.0, 2.0
TARGET_CPU_SPEEDUP = 1.5  # ours over plain fp32 generate, on CPU
TARGET_OVERHEAD = 1.02
TARGET_GPU_STEPS_PER_S = 500.0  # 10x real time at 50 steps a second of audio
LOUDNESS_TOLERANCE_DB = 3.0  # random weights: the codes differ, the level should not


Way = Callable[[int, int], tuple[Any, list[float], float]]


def run(
    device: str = "cpu", quick: bool = False, repeats: int = 2, models: Path | None = None
) -> dict[str, Any]:
    import torch

    folder = full_size.ensure_checkpoint("music", models or full_size.DEFAULT_ROOT)
    seconds = QUICK_SECONDS if quick else FULL_SECONDS
    steps = math.ceil(seconds * 50) + 3  # 50 EnCodec frames a second + the delay pattern
    clock = Clock(device)
    with tempfile.TemporaryDirectory(prefix="bench-music-") as tmp:
        ways, memory = _load_ways(folder, device, clock, Path(tmp))
        results: dict[str, list[dict[str, Any]]] = {name: [] for name in ways}
        reference = None
        for _ in range(repeats):
            for name, way in ways.items():
                started = clock.now()
                audio, ticks, finished = way(steps, SEED)
                results[name].append(_sample(audio, ticks, started, finished, seconds))
                if reference is None:
                    reference = results[name][-1]  # plain fp32, the first repeat
        del ways
    release_memory()
    report = _summarize(results, reference, device)
    report.update(
        seconds_of_audio=seconds,
        steps=steps,
        guidance=GUIDANCE,
        repeats=repeats,
        quick=quick,
        torch_threads=torch.get_num_threads(),
        load=memory,
    )
    return report


def _load_ways(
    folder: Path, device: str, clock: Clock, tmp: Path
) -> tuple[dict[str, Way], dict[str, Any]]:
    """Load every way once; record each load's time and resident size."""
    import torch

    from engines.device import choose_placement

    half = torch.bfloat16 if device == "cpu" else choose_placement(device).dtype
    loaders: dict[str, Callable[[], Way]] = {
        "plain_fp32": lambda: _plain(folder, device, clock, None),
        "plain_half": lambda: _plain(folder, device, clock, half),
        "ours": lambda: _ours(folder, device, clock, tmp, bf16=True),
    }
    if device == "cpu":
        loaders["ours_fp32"] = lambda: _ours(folder, device, clock, tmp, bf16=False)
    ways: dict[str, Way] = {}
    memory: dict[str, Any] = {}
    for name, load in loaders.items():
        before, started = rss_bytes() or 0, clock.now()
        ways[name] = load()
        memory[name] = {"load_s": clock.now() - started, "rss_added": (rss_bytes() or 0) - before}
    return ways, memory


def _plain(folder: Path, device: str, clock: Clock, half: Any) -> Way:
    """``from_pretrained`` + ``generate`` as on the model card (fp32), or with the
    decoder and T5 cast by hand to ``half``."""
    import torch
    from transformers import AutoProcessor, MusicgenForConditionalGeneration

    model: Any = MusicgenForConditionalGeneration.from_pretrained(str(folder))
    if half is not None:
        for name, part in model.named_children():
            if name != "audio_encoder":
                part.to(half)
    model.to(device)
    try:
        processor = AutoProcessor.from_pretrained(str(folder))
    except (OSError, ValueError):  # the tiny tokenizer has no processor config of its own
        from transformers import AutoTokenizer

        processor = AutoTokenizer.from_pretrained(str(folder))

    def generate(steps: int, seed: int) -> tuple[Any, list[float], float]:
        ticks = _Ticks(clock)
        inputs = processor(text=[DESCRIPTION], padding=True, return_tensors="pt").to(device)
        torch.manual_seed(seed)
        with torch.inference_mode():
            audio = model.generate(
                **inputs,
                do_sample=True,
                guidance_scale=GUIDANCE,
                max_new_tokens=steps,
                stopping_criteria=ticks.criteria(),
            )
        samples = audio[0, 0].float().cpu().numpy()
        return samples, ticks.times, clock.now()

    return generate


def _ours(folder: Path, device: str, clock: Clock, tmp: Path, bf16: bool) -> Way:
    """MusicEngine through the registry, as a worker runs it."""
    import soundfile

    from engines.families.musicgen import MusicParams
    from engines.progress import RunContext
    from engines.registry import EngineRegistry
    from engines.settings import Settings

    settings = Settings(data_dir=tmp, music_model=str(folder), device=device, music_cpu_bf16=bf16)
    registry = EngineRegistry(settings)
    registry.get(settings.music_model)

    def generate(steps: int, seed: int) -> tuple[Any, list[float], float]:
        times: list[float] = []
        out = tmp / f"ours-{bf16}-{seed}.wav"
        seconds = (steps - 3) / 50
        params = MusicParams(DESCRIPTION, duration=seconds, guidance_scale=GUIDANCE, seed=seed)
        registry.generate(params, out, RunContext(lambda *_: times.append(clock.now())))
        finished = clock.now()
        samples, _ = soundfile.read(out, dtype="float32")
        return samples, times, finished

    return generate


class _Ticks:
    """A StoppingCriteria that only notes when each step ended."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.times: list[float] = []

    def criteria(self) -> Any:
        import torch
        from transformers import StoppingCriteria, StoppingCriteriaList

        ticks = self

        class Tick(StoppingCriteria):
            def __call__(self, input_ids: torch.Tensor, scores: Any, **_: Any) -> torch.Tensor:
                ticks.times.append(ticks.clock.now())
                return torch.zeros(input_ids.shape[0], dtype=torch.bool, device=input_ids.device)

        return StoppingCriteriaList([Tick()])


def _sample(
    audio: Any, ticks: list[float], started: float, finished: float, seconds: float
) -> dict[str, Any]:
    import numpy as np

    finite = bool(np.isfinite(audio).all())
    rms = float(np.sqrt(np.mean(np.square(audio, dtype=np.float64)))) if finite else math.nan
    intervals = np.diff(ticks)
    return {
        # The median step: a neighbour's burst on the shared cores moves it least.
        "steps_per_s": float(1 / np.median(intervals)),
        "steps_per_s_mean": float(len(intervals) / intervals.sum()),
        "wall_s": finished - started,
        "audio_s_per_wall_s": seconds / (finished - started),
        "samples": len(audio),
        "finite": finite,
        "loudness_dbfs": 20 * math.log10(rms) if rms > 0 else -math.inf,
        "measured_at": time.time(),
    }


def _summarize(
    results: dict[str, list[dict[str, Any]]], reference: Any, device: str
) -> dict[str, Any]:
    ways: dict[str, Any] = {}
    for name, runs in results.items():
        ways[name] = {
            "steps_per_s": summarize([r["steps_per_s"] for r in runs]).to_dict(),
            "audio_s_per_wall_s": summarize([r["audio_s_per_wall_s"] for r in runs]).to_dict(),
            "wall_s": summarize([r["wall_s"] for r in runs]).to_dict(),
            "sound": _soundness(runs, reference),
            "runs": runs,
        }

    def rate(name: str) -> list[float]:
        return [r["steps_per_s"] for r in results[name]]

    ratios = {
        "ours_over_plain_fp32": paired_ratios(rate("ours"), rate("plain_fp32")),
        # Overhead: the plain call's speed over ours on the same work (above 1 = we are slower).
        "plain_half_over_ours": paired_ratios(rate("plain_half"), rate("ours")),
    }
    if "ours_fp32" in results:
        ratios["plain_fp32_over_ours_fp32"] = paired_ratios(rate("plain_fp32"), rate("ours_fp32"))
    overheads = [v.median for k, v in ratios.items() if k.startswith("plain_")]
    targets: dict[str, Any] = {
        "overhead_at_most": TARGET_OVERHEAD,
        "overhead_met": max(overheads) <= TARGET_OVERHEAD,
        "sound_met": all(w["sound"]["ok"] for w in ways.values()),
    }
    if device == "cpu":
        speedup = ratios["ours_over_plain_fp32"].median
        targets |= {"cpu_speedup_at_least": TARGET_CPU_SPEEDUP}
        targets |= {"cpu_speedup_met": speedup >= TARGET_CPU_SPEEDUP}
    else:
        rate_ours = ways["ours"]["steps_per_s"]["median"]
        targets |= {"gpu_steps_per_s_at_least": TARGET_GPU_STEPS_PER_S}
        targets |= {"gpu_steps_per_s_met": rate_ours >= TARGET_GPU_STEPS_PER_S}
    return {
        "ways": ways,
        "ratios": {k: v.to_dict() for k, v in ratios.items()},
        "targets": targets,
    }


def _soundness(runs: list[dict[str, Any]], reference: dict[str, Any]) -> dict[str, Any]:
    """No NaN, the reference's length, its loudness within a few dB."""
    loudness = statistics.median(r["loudness_dbfs"] for r in runs)
    delta = loudness - reference["loudness_dbfs"]
    same_length = all(r["samples"] == reference["samples"] for r in runs)
    finite = all(r["finite"] for r in runs)
    return {
        "finite": finite,
        "same_length": same_length,
        "loudness_dbfs": loudness,
        "loudness_delta_db": delta,
        "ok": finite and same_length and abs(delta) <= LOUDNESS_TOLERANCE_DB,
    }


def markdown(report: dict[str, Any]) -> str:
    labels = {
        "plain_fp32": "plain `generate`, fp32 (model card)",
        "plain_half": "plain `generate`, decoder + T5 cast by hand, EnCodec fp32",
        "ours": "ours, defaults",
        "ours_fp32": "ours, `STUDIO_MUSIC_CPU_BF16=0`",
    }
    rows = []
    for name, way in report["ways"].items():
        sound = way["sound"]
        load = report["load"][name]
        rows.append(
            [
                labels.get(name, name),
                format_summary(way["steps_per_s"]),
                format_summary(way["audio_s_per_wall_s"], digits=3),
                format_summary(way["wall_s"], "s", 1),
                f"{load['load_s']:.1f} s, {gib(load['rss_added'])}",
                f"{sound['loudness_dbfs']:.1f} dBFS ({sound['loudness_delta_db']:+.1f} dB)"
                + ("" if sound["ok"] else " NOT SOUND"),
            ]
        )
    headers = [
        "way",
        "steps/s",
        "audio s per wall s",
        "wall",
        "load, RSS added",
        "loudness (vs plain fp32)",
    ]
    ratios, targets = report["ratios"], report["targets"]
    overhead = "; ".join(
        f"{key.replace('_over_', ' / ')} {format_summary(value, 'x', 3)}"
        for key, value in ratios.items()
        if key.startswith("plain_")
    )
    lines = [
        f"{report['seconds_of_audio']:g} s of audio ({report['steps']} steps)"
        + (" (`--quick`; the full case is 5 s)" if report["quick"] else "")
        + f", guidance {report['guidance']}, {report['torch_threads']} torch threads; medians "
        f"± half the range over {report['repeats']} interleaved repeats.",
        "",
        markdown_table(headers, rows),
        "",
        f"Speed-up ours / plain fp32: {format_summary(ratios['ours_over_plain_fp32'], 'x', 3)}"
        + (
            f" (target at least {TARGET_CPU_SPEEDUP}x: {verdict(targets['cpu_speedup_met'])})"
            if "cpu_speedup_met" in targets
            else f"; GPU target {TARGET_GPU_STEPS_PER_S:g} steps/s: "
            f"{verdict(targets['gpu_steps_per_s_met'])}"
        )
        + f". Overhead, plain steps/s over ours on the same work: {overhead} (target at most "
        f"{TARGET_OVERHEAD}x: {verdict(targets['overhead_met'])}). Output sound (no NaN, same "
        f"length, loudness within {LOUDNESS_TOLERANCE_DB:g} dB): {verdict(targets['sound_met'])}.",
    ]
    return "\n".join(lines)
