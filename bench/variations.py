"""Variations: a batch of 4 seeds in one pipeline call against 4 single runs of the same params.

Both ways run through the ``EngineRegistry`` as a worker does, with the model already
loaded (the four jobs of a group find it resident too): ``batch`` is
``registry.generate_batch(params, 4 seeds)`` (one call, the UNet sees a batch of 4, 8 with
guidance), ``singles`` is ``registry.generate`` once per seed. Interleaved, the order
swapped every repeat, ratios taken pair by pair. Two models: the tiny ModelScope
checkpoint (where per-call overhead dominates) and the full-size ModelScope architecture
(random weights, ``bench.full_size``) at a small size: 8 frames at 128x128, 2 steps.
Each batched clip is compared with its seed's single clip (mean abs pixel difference).
"""

from __future__ import annotations

import dataclasses
import tempfile
from pathlib import Path
from typing import Any

from bench import full_size
from bench.measure import (
    Clock,
    format_summary,
    gib,
    markdown_table,
    paired_ratios,
    peak_memory,
    release_memory,
    summarize,
)

PROMPT = "An astronaut riding a horse on the moon, photorealistic"
SEEDS = (1234, 1235, 1236, 1237)
GUIDANCE = 9.0
STEPS = 2
SIZES = {
    "tiny": {"num_frames": 8, "height": 64, "width": 64},
    "full": {"num_frames": 8, "height": 128, "width": 128},
}


def run(
    device: str = "cpu", quick: bool = False, repeats: int = 2, models: Path | None = None
) -> dict[str, Any]:
    import torch

    report: dict[str, Any] = {"models": {}, "seeds": list(SEEDS), "steps": STEPS}
    with tempfile.TemporaryDirectory(prefix="bench-variations-") as tmp:
        for name, size in SIZES.items():
            folder = None
            if name == "full":
                root = models or full_size.DEFAULT_ROOT
                folder = full_size.ensure_checkpoint("video", root, fp16_variant=device == "cuda")
            report["models"][name] = _model_case(Path(tmp) / name, folder, size, device, repeats)
            release_memory()
    report.update(repeats=repeats, quick=quick, torch_threads=torch.get_num_threads())
    return report


def _model_case(
    tmp: Path, folder: Path | None, size: dict[str, int], device: str, repeats: int
) -> dict[str, Any]:
    from engines.families.text_to_video_sd import VideoParams
    from engines.registry import EngineRegistry
    from engines.settings import Settings

    tmp.mkdir(parents=True)
    settings = Settings(data_dir=tmp, device=device, tiny=folder is None)
    if folder is not None:
        settings = dataclasses.replace(settings, video_model=str(folder))
    registry = EngineRegistry(settings)
    params = VideoParams(
        PROMPT,
        steps=STEPS,
        guidance_scale=GUIDANCE,
        num_frames=size["num_frames"],
        height=size["height"],
        width=size["width"],
    )
    registry.generate(dataclasses.replace(params, steps=1, seed=0), tmp / "warm-up.mp4")
    clock = Clock(device)
    samples: dict[str, list[dict[str, Any]]] = {"batch": [], "singles": []}
    diffs: list[float] = []
    for attempt in range(repeats):
        order = ("batch", "singles") if attempt % 2 == 0 else ("singles", "batch")
        outs: dict[str, list[Path]] = {}
        for way in order:
            outs[way] = [tmp / f"{way}-{attempt}-{seed}.mp4" for seed in SEEDS]
            samples[way].append(_one_way(registry, params, way, outs[way], clock, device))
            release_memory()
        diffs += [_mean_abs_diff(a, b) for a, b in zip(outs["batch"], outs["singles"], strict=True)]
    registry.unload_all()
    wall = {way: [s["wall_s"] for s in samples[way]] for way in samples}
    return {
        "size": size,
        "checkpoint": "tiny" if folder is None else str(folder),
        "ways": {
            way: {
                "wall_s": summarize(wall[way]).to_dict(),
                "per_clip_s": summarize([w / len(SEEDS) for w in wall[way]]).to_dict(),
                "denoise_s": summarize([s["denoise_s"] for s in samples[way]]).to_dict(),
                "peak_rss": max(s["peak_rss"] or 0 for s in samples[way]),
                "peak_cuda": max(s["peak_cuda"] or 0 for s in samples[way]),
                "pipeline_calls": samples[way][0]["pipeline_calls"],
            }
            for way in samples
        },
        "singles_over_batch": paired_ratios(wall["singles"], wall["batch"]).to_dict(),
        "max_mean_abs_pixel_diff": max(diffs),
    }


def _one_way(
    registry: Any, params: Any, way: str, outs: list[Path], clock: Clock, device: str
) -> dict[str, Any]:
    with peak_memory(device) as peak:
        started = clock.now()
        if way == "batch":
            results = registry.generate_batch(params, list(SEEDS), outs)
        else:
            results = [
                registry.generate(dataclasses.replace(params, seed=seed), out)
                for seed, out in zip(SEEDS, outs, strict=True)
            ]
        finished = clock.now()
    # Each result of a call of N clips carries that call's timings and batch=N.
    return {
        "wall_s": finished - started,
        "denoise_s": sum(r.timings["denoise"] / r.batch for r in results),
        "peak_rss": peak.rss,
        "peak_cuda": peak.cuda,
        "pipeline_calls": round(sum(1 / r.batch for r in results)),
    }


def _mean_abs_diff(a: Path, b: Path) -> float:
    import av
    import numpy as np

    def frames(path: Path) -> Any:
        with av.open(str(path)) as container:
            return np.stack([f.to_ndarray(format="rgb24") for f in container.decode(video=0)])

    return float(np.abs(frames(a).astype(np.float64) - frames(b).astype(np.float64)).mean())


def markdown(report: dict[str, Any]) -> str:
    rows = []
    for name, case in report["models"].items():
        size = case["size"]
        label = f"{name} ModelScope, {size['num_frames']}x{size['height']}x{size['width']}"
        for way, figures in case["ways"].items():
            rows.append(
                [
                    f"{label}: {way} ({figures['pipeline_calls']} pipeline call(s))",
                    format_summary(figures["wall_s"], "s", 2),
                    format_summary(figures["per_clip_s"], "s", 2),
                    format_summary(figures["denoise_s"], "s", 2),
                    gib(figures["peak_rss"])
                    + (f" / {gib(figures['peak_cuda'])}" if figures["peak_cuda"] else ""),
                    format_summary(case["singles_over_batch"], "x") if way == "batch" else "",
                    f"{case['max_mean_abs_pixel_diff']:.3f}" if way == "batch" else "",
                ]
            )
    headers = [
        f"{len(report['seeds'])} variations, {report['steps']} steps, guidance {GUIDANCE}",
        "wall (4 clips)",
        "per clip",
        "denoise",
        "peak RSS",
        "4 singles / batch (paired)",
        "max mean abs pixel diff, batch vs single",
    ]
    return (
        markdown_table(headers, rows)
        + "\n\nThe model is loaded before either way is timed (a worker keeps it resident); "
        "a ratio above 1 means the batch is faster. Measured on a CPU shared with three "
        "other engineers' test runs: trust the paired ratio more than the seconds."
    )
