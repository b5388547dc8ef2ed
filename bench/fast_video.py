"""LTX-Video 2B and Wan 2.2 TI2V-5B on the CPU: our engine against the plain diffusers
pipeline call (a step, same work), and Fast mode (First Block Cache on LTX, MagCache on
Wan 2.1 and 2.2) against a normal run (a whole clip, same seed), with the output's
relative RMS change.

The checkpoints have the real transformer's width, heads, feed-forward and text width
with random weights, but only ``layers`` of its blocks (LTX has 28, Wan 2.2 30): the full
5B in fp32 is 20 GB, beyond this machine's RAM beside its other users. Every block costs
the same, so ours/plain is unchanged by the count; Fast's gain grows with it (a skipped
step still runs the first block: with L blocks it costs 1/L of a full one), so the fast
ratio here is a lower bound. Text encoder: one layer at the real width (4096), as
bench/wan.py; VAE: the tiny builders' (real compression, few channels), so a clip's
time is the transformer's. Random weights make the First Block Cache's decisions
differ from the real model's; its threshold was chosen here and is stated as such.
MagCache's decisions come from ratios calibrated on the real model (its authors'), so
the steps skipped here are the ones the real model skips; only the RMS change is the
random weights' (their decoded frames barely move, so the final latents' change is
reported too). With MagCache a skipped step runs no block at all, so fewer blocks here
make the fixed parts (embeddings, text projection, VAE) weigh more: again a lower bound.
"""

from __future__ import annotations

import statistics
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from bench.measure import Clock, format_summary, markdown_table, paired_ratios, release_memory

PROMPT = "A red kite over a green hill, wind in the grass, realistic"
SEED = 1234
TARGET_OVERHEAD = 1.02
TARGET_FAST = 1.5
THRESHOLDS = (0.05, 0.1)
MARKER = "FULL-WIDTH-RANDOM-CHECKPOINT"


@dataclass(frozen=True)
class Case:
    name: str  # the catalog entry it stands for
    label: str
    layers: int
    real_layers: int
    size: dict[str, int]  # num_frames, height, width
    guidance: float
    plain_steps: int
    fast_steps: int
    build: Callable[[Path, int], None]
    pipeline: str  # the plain diffusers class
    # Fast runs: a setting of the engine's ``knob`` each; None is the family's own
    # (MagCache: its authors' threshold; TaylorSeer: its interval).
    thresholds: tuple[float | None, ...] = THRESHOLDS
    fast_cache: str = "First Block Cache"
    knob: str = "fast_threshold"  # the engine attribute a fast run sets


def _checkpoint(case: Case, models: Path | None) -> Path:
    root = models or Path("data") / "bench-models"
    folder = root / f"{case.name}-{case.layers}-layers"
    if not (folder / MARKER).is_file():
        case.build(folder, case.layers)
        (folder / MARKER).write_text(f"random weights, {case.layers} of {case.real_layers}\n")
    return folder


def run_fast_case(case: Case, device: str, quick: bool, models: Path | None) -> dict:
    """Fast / normal only (a whole clip each), for the families whose step overhead is
    measured by their own case."""
    import torch

    folder = _checkpoint(case, models)
    with tempfile.TemporaryDirectory(prefix=f"bench-{case.name}-") as tmp:
        fast = _fast(case, folder, device, Clock(device), Path(tmp), quick)
    best = fast["chosen"]
    return {
        "case": case.name,
        "layers": case.layers,
        "real_layers": case.real_layers,
        "size": case.size,
        "guidance": case.guidance,
        "torch_threads": torch.get_num_threads(),
        "fast": fast,
        "targets": {
            "fast_at_least": TARGET_FAST,
            "fast_met": best is not None and fast["runs"][best]["speedup"] >= TARGET_FAST,
        },
    }


def run_case(case: Case, device: str, quick: bool, repeats: int, models: Path | None) -> dict:
    import torch

    folder = _checkpoint(case, models)
    clock = Clock(device)
    steps: dict[str, list[float]] = {"plain": [], "ours": []}
    per_run: dict[str, list[float]] = {"plain": [], "ours": []}
    with tempfile.TemporaryDirectory(prefix=f"bench-{case.name}-") as tmp:
        for attempt in range(repeats):
            order = ["plain", "ours"] if attempt % 2 == 0 else ["ours", "plain"]
            for way in order:
                out = Path(tmp) / f"{way}-{attempt}.mp4"
                measure = _plain if way == "plain" else _ours_steps
                times = measure(case, folder, device, clock, out)
                steps[way] += times
                per_run[way].append(statistics.median(times))
                release_memory()
        fast = _fast(case, folder, device, clock, Path(tmp), quick)
    ratio = paired_ratios(per_run["ours"], per_run["plain"])
    best = fast["chosen"]
    return {
        "case": case.name,
        "layers": case.layers,
        "real_layers": case.real_layers,
        "size": case.size,
        "guidance": case.guidance,
        "plain_steps": case.plain_steps,
        "repeats": repeats,
        "torch_threads": torch.get_num_threads(),
        "step_s": {way: statistics.median(v) for way, v in steps.items()},
        "ratios": {"ours_over_plain_step": ratio.to_dict()},
        "fast": fast,
        "targets": {
            "overhead_at_most": TARGET_OVERHEAD,
            "overhead_met": ratio.median <= TARGET_OVERHEAD,
            "fast_at_least": TARGET_FAST,
            "fast_met": best is not None and fast["runs"][best]["speedup"] >= TARGET_FAST,
        },
    }


class _Probe:
    """Times each step: the transformer's first call of a step to its step-end callback."""

    def __init__(self, transformer: Any, clock: Clock) -> None:
        self.clock = clock
        self.starts: list[float] = []
        self.ends: list[float] = []

        def pre_hook(*_: Any) -> None:
            if len(self.starts) == len(self.ends):
                self.starts.append(clock.now())

        self.handle = transformer.register_forward_pre_hook(pre_hook)

    def step_done(self) -> None:
        self.ends.append(self.clock.now())

    def steps(self) -> list[float]:
        self.handle.remove()
        return [end - start for start, end in zip(self.starts, self.ends, strict=True)]


def _plain(case: Case, folder: Path, device: str, clock: Clock, out: Path) -> list[float]:
    import diffusers
    import torch
    from diffusers.utils import export_to_video

    pipe = getattr(diffusers, case.pipeline).from_pretrained(str(folder), dtype=torch.float32)
    pipe.set_progress_bar_config(disable=True)
    pipe.to(device)
    probe = _Probe(pipe.transformer, clock)

    def on_step_end(_pipe: Any, _i: int, _t: Any, kwargs: Any) -> Any:
        probe.step_done()
        return kwargs

    frames = pipe(
        PROMPT, negative_prompt="", num_inference_steps=case.plain_steps,
        guidance_scale=case.guidance, generator=torch.Generator("cpu").manual_seed(SEED),
        callback_on_step_end=on_step_end, **case.size,
    ).frames[0]  # fmt: skip
    export_to_video(frames, str(out), fps=24)
    del pipe
    return probe.steps()


def _registry(folder: Path, device: str, data: Path) -> Any:
    from engines.registry import EngineRegistry
    from engines.settings import Settings

    return EngineRegistry(Settings(data_dir=data, video_model=str(folder), device=device))


def _params(case: Case, folder: Path, steps: int, fast: bool) -> Any:
    from engines.catalog import resolve

    entry = resolve(str(folder), "video")
    return entry.params(
        prompt=PROMPT, negative_prompt="", seed=SEED, steps=steps, fps=24,
        guidance_scale=case.guidance, fast=fast, **case.size,
    )  # fmt: skip


def _ours_steps(case: Case, folder: Path, device: str, clock: Clock, out: Path) -> list[float]:
    from engines.progress import RunContext

    with tempfile.TemporaryDirectory(prefix="bench-data-") as data:
        registry = _registry(folder, device, Path(data))
        engine = registry.get(str(folder))
        probe = _Probe(engine._model.transformer, clock)
        del engine
        params = _params(case, folder, case.plain_steps, fast=False)
        registry.generate(params, out, RunContext(lambda _s, _t: probe.step_done()))
        registry.unload_all()
    return probe.steps()


def _fast(case: Case, folder: Path, device: str, clock: Clock, tmp: Path, quick: bool) -> dict:
    """A normal clip, then one per setting of the case's knob, same seed: clip time, RMS
    change (frames and the final latents) and how many passes ran the last block."""
    from tests.mp4_probe import decode_frames

    thresholds = case.thresholds[:1] if quick else case.thresholds
    runs: dict[str, dict[str, Any]] = {}
    latents: dict[str, np.ndarray] = {}
    with tempfile.TemporaryDirectory(prefix="bench-data-") as data, _keep_latents() as kept:
        registry = _registry(folder, device, Path(data))
        engine = registry.get(str(folder))
        computed = _count_block_runs(engine._model.transformer)
        clips: dict[str, np.ndarray] = {}
        named: list[tuple[str, float | None, bool]] = [("normal", None, False)]
        named += [("own" if t is None else f"{t:g}", t, True) for t in thresholds]
        for name, threshold, fast in named:
            own = getattr(type(engine), case.knob)
            setattr(engine, case.knob, threshold if threshold is not None else own)
            params = _params(case, folder, case.fast_steps, fast=fast)
            out = tmp / f"fast-{name}.mp4"
            computed[0] = 0
            kept.clear()
            started = clock.now()
            result = registry.generate(params, out)
            seconds = clock.now() - started
            clips[name] = decode_frames(out).astype(np.float64)
            if kept:
                latents[name] = kept[-1]
            runs[name] = {
                "clip_s": seconds,
                "denoise_s": result.timings.get("denoise"),
                "block_runs": computed[0],
            }
        registry.unload_all()
    for name, clip in clips.items():
        runs[name]["speedup"] = runs["normal"]["clip_s"] / runs[name]["clip_s"]
        runs[name]["relative_rms"] = _relative_rms(clip, clips["normal"])
        if name in latents and "normal" in latents:
            runs[name]["latent_relative_rms"] = _relative_rms(latents[name], latents["normal"])
    # The largest speed-up whose output stays within 5% RMS of the normal run's; a run
    # that ran the last block as often as the normal run skipped nothing, so its
    # "speed-up" is the machine's noise.
    full = runs["normal"]["block_runs"]

    def rms(n: str) -> float:
        return runs[n].get("latent_relative_rms", runs[n]["relative_rms"])

    close = [n for n in runs if n != "normal" and runs[n]["block_runs"] < full and rms(n) <= 0.05]
    chosen = max(close, key=lambda n: runs[n]["speedup"], default=None)
    return {
        "steps": case.fast_steps, "cache": case.fast_cache, "knob": case.knob, "runs": runs,
        "chosen": chosen,
    }  # fmt: skip


def _relative_rms(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.sqrt(np.mean((a - b) ** 2)) / np.sqrt(np.mean(b**2)))


def _count_block_runs(transformer: Any) -> list[int]:
    """A counter of the passes that really ran the last block: a hook on its feed-forward,
    which a cache's skipped pass never reaches (the block's own call is replaced)."""
    counter = [0]
    blocks = getattr(transformer, "transformer_blocks", None) or transformer.blocks  # LTX, Wan
    feed_forward = getattr(blocks[-1], "ffn", None) or blocks[-1].ff  # Wan, LTX

    def count(*_: Any) -> None:
        counter[0] += 1

    feed_forward.register_forward_pre_hook(count)
    return counter


@contextmanager
def _keep_latents() -> Iterator[list[np.ndarray]]:
    """The final latents of each clip, taken where the engine decodes them (the random
    VAE's frames hardly move, so the latents show the change the cache made)."""
    from engines.families import ltx, wan

    kept: list[np.ndarray] = []
    modules: tuple[Any, ...] = (wan, ltx)
    decodes = [module._decode for module in modules]

    def keeping(decode: Any) -> Any:
        def kept_then_decoded(pipe: Any, latents: Any, *rest: Any) -> Any:
            kept.append(latents.float().cpu().numpy().astype(np.float64))
            return decode(pipe, latents, *rest)

        return kept_then_decoded

    for module, decode in zip(modules, decodes, strict=True):
        module._decode = keeping(decode)
    try:
        yield kept
    finally:
        for module, decode in zip(modules, decodes, strict=True):
            module._decode = decode


def markdown(report: dict[str, Any]) -> str:
    if "error" in report:
        return str(report["error"])
    size, fast = report["size"], report["fast"]
    knob = fast.get("knob", "fast_threshold").removeprefix("fast_")
    rows = [
        [
            name,
            f"{run['clip_s']:.1f} s",
            f"{run['speedup']:.2f}x",
            str(run.get("block_runs", "")),
            f"{run['relative_rms']:.4f}",
            f"{run['latent_relative_rms']:.4f}" if "latent_relative_rms" in run else "",
        ]
        for name, run in fast["runs"].items()
    ]
    lines = [
        f"{report['case']}: transformer at full width, {report['layers']} of its "
        f"{report['real_layers']} blocks, random weights; {size['num_frames']} frames at "
        f"{size['width']}x{size['height']}, guidance {report['guidance']}, "
        f"{report['torch_threads']} torch threads.",
        "",
    ]
    if "ratios" in report:
        ratio = report["ratios"]["ours_over_plain_step"]
        lines += [
            f"Step ours / plain pipeline call ({report['plain_steps']} steps, "
            f"{report['repeats']} interleaved repeats): plain {report['step_s']['plain']:.2f} s, "
            f"ours {report['step_s']['ours']:.2f} s; ratio {format_summary(ratio, 'x', 3)} "
            f"(target at most {TARGET_OVERHEAD:.2f}x: "
            f"{'met' if report['targets']['overhead_met'] else 'NOT met'}).",
            "",
        ]
    lines += [
        f"Fast mode ({fast.get('cache', 'First Block Cache')}) over a whole clip of "
        f"{fast['steps']} steps, same seed; block runs: passes (one per step and guidance "
        "branch) that ran the last block; relative RMS of the decoded frames and of the "
        f'final latents against the normal run ("own": the family\'s own {knob}):',
        "",
        markdown_table(
            [f"run ({knob})", "clip", "speed-up", "block runs", "RMS frames", "RMS latents"],
            rows,
        ),
        "",
        f"Chosen: {fast['chosen']} (the largest speed-up within 5% RMS, latents where "
        "measured, among runs that skipped a block run); target at least "
        f"{TARGET_FAST}x: {'met' if report['targets']['fast_met'] else 'NOT met'}.",
    ]
    return "\n".join(lines)
