"""The GPU check as a bench case: each family's default model makes one short clip or
track through our engine (the registry, as a worker runs it) and through the plain
pipeline call, on the same checkpoint, params and seed.

Per family: checkpoint build and load seconds, step time, TFLOP/s of a step and its share
of the card's bf16 peak, peak GPU memory, ours / plain. ``python -m bench --device cuda
--cases gpu_check`` (``make gpu-check``) writes bench/results/cuda-<date>.md/.json.
"""

from __future__ import annotations

import dataclasses
import itertools
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from bench import full_size
from bench.gpu.checkpoints import checkpoint_for
from bench.gpu.flops import DenoiserCalls
from bench.gpu.peaks import bf16_peak_tflops
from bench.gpu.plain import RECIPES, denoiser_of
from bench.measure import Clock, gib, markdown_table, peak_memory, release_memory

SEED = 1234
STEPS = 4  # the first step warms up; the other three are timed
# A short clip or track of each family's default model, at its own size (full-size runs).
WORK: dict[str, dict[str, Any]] = {
    "text-to-video-sd": {"num_frames": 16, "steps": STEPS},
    "wan": {"num_frames": 33, "steps": STEPS},
    "wan2.2": {"num_frames": 49, "steps": STEPS},  # at its native 1280x704
    "ltx": {"num_frames": 49, "steps": STEPS},  # at its 768x512
    "musicgen": {"duration": 4.0},
    "stable-audio": {"duration": 10.0, "steps": STEPS},
    "ace-step": {"duration": 30.0, "steps": STEPS},
}
TARGET_OVERHEAD = 1.02
PROMPTS = {"video": "A cat walks on the grass, realistic", "audio": "calm piano with soft drums"}


def default_entries() -> list[Any]:
    """The first catalog entry of each family: the model a family is checked on."""
    from engines.catalog import CATALOG

    firsts: dict[str, Any] = {}
    for entry in CATALOG.values():
        firsts.setdefault(entry.family.name, entry)
    return list(firsts.values())


def run(
    device: str = "cpu", quick: bool = False, repeats: int = 1, models: Path | None = None
) -> dict[str, Any]:
    root = models or full_size.DEFAULT_ROOT
    card = _card_name(device)
    families: dict[str, Any] = {}
    for entry in default_entries():
        started = time.perf_counter()
        try:
            families[entry.name] = _check(entry, device, quick, root)
        except Exception as exc:  # one family's failure must not lose the others' figures
            families[entry.name] = {"error": f"{type(exc).__name__}: {exc}"}
        families[entry.name]["family"] = entry.family.name
        families[entry.name]["seconds"] = time.perf_counter() - started
        release_memory()
    return {
        "quick": quick,
        "card": card,
        "bf16_peak_tflops": bf16_peak_tflops(card),
        "families": families,
        "targets": {"overhead_at_most": TARGET_OVERHEAD},
    }


def _card_name(device: str) -> str | None:
    if device != "cuda":
        return None
    import torch

    return str(torch.cuda.get_device_name())


def work_for(entry: Any, quick: bool) -> Any:
    """The params of the check: the family's smoke values (quick) or a short clip at the
    model's own size, always with a fixed seed."""
    from engines.params import specs

    values = dict(entry.family.smoke) if quick else dict(WORK.get(entry.family.name, {}))
    prompt = next(spec.name for spec in specs(entry.params_class()) if spec.kind == "prompt")
    return entry.params(**values, **{prompt: PROMPTS[entry.output]}, seed=SEED)


def _check(entry: Any, device: str, quick: bool, root: Path) -> dict[str, Any]:
    clock = Clock(device)
    started = clock.now()
    folder = checkpoint_for(entry, device, quick, root)
    built_s = clock.now() - started
    params = work_for(entry, quick)
    with tempfile.TemporaryDirectory(prefix="gpu-check-") as tmp:
        ours = _ours(entry, folder, params, device, clock, Path(tmp))
        release_memory()
        plain = _plain(entry, folder, params, device, clock, ours.pop("dtype"))
    flops = plain.pop("step_flops")
    peak = bf16_peak_tflops(_card_name(device))
    for way in (ours, plain):
        tflops = flops / way["step_s"] / 1e12 if flops and way["step_s"] else None
        way["tflops"] = tflops
        way["share_of_peak"] = tflops / peak if tflops and peak else None
    ratio = ours["step_s"] / plain["step_s"] if ours["step_s"] and plain["step_s"] else None
    return {
        "checkpoint": "tiny" if quick else "full-size random weights",
        "build_s": built_s,
        "params": {k: v for k, v in dataclasses.asdict(params).items() if v is not None},
        "step_tflop": flops / 1e12 if flops else None,
        "ours": ours,
        "plain": plain,
        "ours_over_plain_step": ratio,
    }


def _step_seconds(times: list[float]) -> float | None:
    """The median time between step ends, the first step (warm-up) left out."""
    gaps = [b - a for a, b in itertools.pairwise(times)]
    return statistics.median(gaps) if gaps else None


def _ours(
    entry: Any, folder: Path, params: Any, device: str, clock: Clock, tmp: Path
) -> dict[str, Any]:
    from engines.progress import RunContext
    from engines.registry import EngineRegistry
    from engines.settings import Settings

    registry = EngineRegistry(Settings(data_dir=tmp / "data", device=device))
    here = dataclasses.replace(entry, source=str(folder))  # this checkpoint, its own entry
    times: list[float] = []
    out = tmp / ("ours.mp4" if entry.output == "video" else "ours.wav")
    with peak_memory(device) as peak:
        started = clock.now()
        with registry.use(here) as engine:
            loaded = clock.now()
            dtypes = engine.part_dtypes()
            progress = RunContext(lambda _step, _total: times.append(clock.now()))
            engine.generate(params, out, progress)
            finished = clock.now()
        registry.unload_all()
    if not out.is_file() or out.stat().st_size == 0:
        raise RuntimeError(f"{entry.name}: our engine wrote no file")
    return {
        "load_s": loaded - started,
        "run_s": finished - loaded,
        "steps": len(times),
        "step_s": _step_seconds(times),
        "peak_gpu_bytes": peak.cuda,
        "peak_rss_bytes": peak.rss,
        "dtype": _denoiser_dtype(entry, dtypes),
        "bytes_written": out.stat().st_size,
    }


def _denoiser_dtype(entry: Any, dtypes: dict[str, str]) -> str:
    recipe = RECIPES[entry.family.name]
    return dtypes.get(recipe.denoiser) or next(iter(dtypes.values()), "float32")


def _plain(
    entry: Any, folder: Path, params: Any, device: str, clock: Clock, dtype: str
) -> dict[str, Any]:
    import torch

    recipe = RECIPES[entry.family.name]
    times: list[float] = []
    with peak_memory(device) as peak:
        started = clock.now()
        loaded_model = recipe.load(str(folder), device, getattr(torch, dtype))
        loaded = clock.now()
        calls = DenoiserCalls(denoiser_of(loaded_model, recipe))
        with torch.inference_mode():
            recipe.call(loaded_model, params, lambda: times.append(clock.now()))
        finished = clock.now()
    step_flops = calls.step_flops(len(times))
    del calls, loaded_model
    release_memory()
    if device == "cuda":
        torch.cuda.empty_cache()
    return {
        "load_s": loaded - started,
        "run_s": finished - loaded,
        "steps": len(times),
        "step_s": _step_seconds(times),
        "peak_gpu_bytes": peak.cuda,
        "peak_rss_bytes": peak.rss,
        "step_flops": step_flops,
    }


def markdown(report: dict[str, Any]) -> str:
    peak = report.get("bf16_peak_tflops")
    rows = []
    for name, fam in report["families"].items():
        if "error" in fam:
            rows.append([name, fam["family"], f"failed: {fam['error']}", "", "", "", "", "", ""])
            continue
        ours, plain = fam["ours"], fam["plain"]
        rows.append(
            [
                name,
                fam["family"],
                _s(ours["step_s"], 3),
                _s(plain["step_s"], 3),
                _ratio(fam["ours_over_plain_step"]),
                _tflops(ours["tflops"], ours["share_of_peak"]),
                gib(ours["peak_gpu_bytes"] if ours["peak_gpu_bytes"] else ours["peak_rss_bytes"]),
                f"{_s(ours['load_s'], 1)} / {_s(plain['load_s'], 1)}",
                _s(fam["build_s"], 1),
            ]
        )
    headers = ["model", "family", "step ours", "step plain", "ours/plain", "TFLOP/s ours (of peak)",
               "peak memory ours", "load ours / plain", "checkpoint build"]  # fmt: skip
    card = report.get("card") or "CPU"
    kind = "tiny checkpoints" if report.get("quick") else "full-size random weights"
    return "\n".join(
        [
            f"Each family's default model on {card} ({kind}; bf16 peak "
            f"{'unknown' if peak is None else f'{peak:.0f} TFLOP/s'}): one short clip or track "
            f"through our engine and through the plain pipeline call; a step is timed between "
            f"step ends, the first (warm-up) left out; FLOPs counted by torch's FlopCounterMode "
            f"on the denoiser. Target ours/plain at most {TARGET_OVERHEAD:.2f}x.",
            "",
            markdown_table(headers, rows),
        ]
    )


def _s(value: float | None, digits: int) -> str:
    return "n/a" if value is None else f"{value:.{digits}f} s"


def _tflops(value: float | None, share: float | None) -> str:
    if value is None:
        return "n/a"
    return f"{value:.3g}" + ("" if share is None else f" ({share:.0%})")


def _ratio(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}x"
