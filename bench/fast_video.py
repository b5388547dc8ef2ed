"""LTX-Video 2B and Wan 2.2 TI2V-5B on the CPU: our engine against the plain diffusers
pipeline call (a step, same work), and Fast mode (First Block Cache) against a normal
run (a whole clip, same seed), with the output's relative RMS change.

The checkpoints have the real transformer's width, heads, feed-forward and text width
with random weights, but only ``layers`` of its blocks (LTX has 28, Wan 2.2 30): the full
5B in fp32 is 20 GB, beyond this machine's RAM beside its other users. Every block costs
the same, so ours/plain is unchanged by the count; Fast's gain grows with it (a skipped
step still runs the first block: with L blocks it costs 1/L of a full one), so the fast
ratio here is a lower bound. Text encoder: one layer at the real width (4096), as
bench/wan.py; VAE: the tiny builders' (real compression, few channels), so a clip's
time is the transformer's. Random weights make the First Block Cache's decisions
differ from the real model's; the threshold was chosen here and is stated as such.
"""

from __future__ import annotations

import statistics
import tempfile
from collections.abc import Callable
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


def run_case(case: Case, device: str, quick: bool, repeats: int, models: Path | None) -> dict:
    import torch

    root = models or Path("data") / "bench-models"
    folder = root / f"{case.name}-{case.layers}-layers"
    if not (folder / MARKER).is_file():
        case.build(folder, case.layers)
        (folder / MARKER).write_text(f"random weights, {case.layers} of {case.real_layers}\n")
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
    """A normal clip, then one per threshold, same seed: clip time and RMS change."""
    from tests.mp4_probe import decode_frames

    thresholds = THRESHOLDS[:1] if quick else THRESHOLDS
    runs: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-data-") as data:
        registry = _registry(folder, device, Path(data))
        engine = registry.get(str(folder))
        clips: dict[str, np.ndarray] = {}
        for name, threshold in [("normal", None), *((f"{t:g}", t) for t in thresholds)]:
            if threshold is not None:
                engine.fast_threshold = threshold
            params = _params(case, folder, case.fast_steps, fast=threshold is not None)
            out = tmp / f"fast-{name}.mp4"
            started = clock.now()
            result = registry.generate(params, out)
            seconds = clock.now() - started
            clips[name] = decode_frames(out).astype(np.float64)
            runs[name] = {"clip_s": seconds, "denoise_s": result.timings.get("denoise")}
        registry.unload_all()
    normal = clips["normal"]
    for name, clip in clips.items():
        runs[name]["speedup"] = runs["normal"]["clip_s"] / runs[name]["clip_s"]
        runs[name]["relative_rms"] = float(
            np.sqrt(np.mean((clip - normal) ** 2)) / np.sqrt(np.mean(normal**2))
        )
    # The largest speed-up whose output stays within 5% RMS of the normal run's; a run
    # whose output is identical skipped no step, so its "speed-up" is the machine's noise.
    close = [n for n in runs if n != "normal" and 0 < runs[n]["relative_rms"] <= 0.05]
    chosen = max(close, key=lambda n: runs[n]["speedup"], default=None)
    return {"steps": case.fast_steps, "runs": runs, "chosen": chosen}


def markdown(report: dict[str, Any]) -> str:
    if "error" in report:
        return str(report["error"])
    size, fast = report["size"], report["fast"]
    ratio = report["ratios"]["ours_over_plain_step"]
    rows = [
        [name, f"{run['clip_s']:.1f} s", f"{run['speedup']:.2f}x", f"{run['relative_rms']:.4f}"]
        for name, run in fast["runs"].items()
    ]
    return "\n".join(
        [
            f"{report['case']}: transformer at full width, {report['layers']} of its "
            f"{report['real_layers']} blocks, random weights; {size['num_frames']} frames at "
            f"{size['width']}x{size['height']}, guidance {report['guidance']}, "
            f"{report['torch_threads']} torch threads.",
            "",
            f"Step ours / plain pipeline call ({report['plain_steps']} steps, "
            f"{report['repeats']} interleaved repeats): plain {report['step_s']['plain']:.2f} s, "
            f"ours {report['step_s']['ours']:.2f} s; ratio {format_summary(ratio, 'x', 3)} "
            f"(target at most {TARGET_OVERHEAD:.2f}x: "
            f"{'met' if report['targets']['overhead_met'] else 'NOT met'}).",
            "",
            f"Fast mode (First Block Cache) over a whole clip of {fast['steps']} steps, same "
            "seed; relative RMS of the decoded frames against the normal run:",
            "",
            markdown_table(["run (threshold)", "clip", "speed-up", "relative RMS"], rows),
            "",
            f"Chosen: {fast['chosen']} (the largest speed-up within 5% RMS, among runs that "
            "skipped a step: identical output means none was skipped); target at least "
            f"{TARGET_FAST}x: {'met' if report['targets']['fast_met'] else 'NOT met'}.",
        ]
    )
