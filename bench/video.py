"""Video: our engine against the model card's diffusers recipe, on the full-size model.

ModelScope text-to-video 1.7B (UNet3D 1.41 B parameters, CLIP text 340 M, SD VAE) with
random weights, built once by ``bench.full_size``. Per repeat, interleaved, each way
loads, makes one clip of ``steps`` denoising steps with guidance (9.0) and unloads:

- ``plain``: ``DiffusionPipeline.from_pretrained`` + ``DPMSolverMultistepScheduler`` +
  ``pipe(prompt, ...)`` + ``export_to_video``, in the placement's dtype (fp32 on CPU);
- ``ours_fp32`` (CPU only): ``TextToVideoEngine`` through the registry with the bf16
  switch off, the same work as ``plain``: the engine's overhead;
- ``ours``: the engine with its defaults (on CPUs with native bf16: UNet in bf16).

A step is timed from the UNet's forward pre-hook to the progress callback (UNet with
guidance + scheduler). Full size: 16 frames at 256x256; ``--quick``: 8 frames at 128x128.
"""

from __future__ import annotations

import statistics
import tempfile
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
    peak_memory,
    release_memory,
    rss_bytes,
    summarize,
    verdict,
)

PROMPT = "An astronaut riding a horse on the moon, photorealistic"
SEED = 1234
GUIDANCE = 9.0
FULL = {"num_frames": 16, "height": 256, "width": 256}
QUICK = {"num_frames": 8, "height": 128, "width": 128}
STEPS = 2  # each repeat yields this many step samples per way
TARGET_OVERHEAD = 1.02  # ours at most 2% over the plain call on the same work
# Dense bf16/fp16 tensor-core peaks (TFLOP/s), by a substring of the device name.
GPU_PEAK_TFLOPS = {"H200": 989.0, "H100": 989.0, "A100": 312.0, "A10": 125.0, "L4": 121.0}
GPU_PEAK_TFLOPS |= {"T4": 65.0}
TARGET_GPU_PEAK_FRACTION = 0.35
TARGET_GPU_PEAK_BYTES = 14 * 10**9  # a T4 must hold 16 frames at 256x256


def run(
    device: str = "cpu", quick: bool = False, repeats: int = 2, models: Path | None = None
) -> dict[str, Any]:
    import diffusers.pipelines  # noqa: F401  (imported before timing: loads measure loading)
    import torch

    size = QUICK if quick else FULL
    folder = full_size.ensure_checkpoint(
        "video", models or full_size.DEFAULT_ROOT, fp16_variant=device == "cuda"
    )
    clock = Clock(device)
    ways: dict[str, Callable[[Path], dict[str, Any]]] = {
        "plain": lambda out: _plain(folder, device, size, clock, out),
        "ours": lambda out: _ours(folder, device, size, clock, out, "auto"),
    }
    if device == "cpu":
        ways["ours_fp32"] = lambda out: _ours(folder, device, size, clock, out, "off")
    samples: dict[str, list[dict[str, Any]]] = {name: [] for name in ways}
    reference: Any = None
    with tempfile.TemporaryDirectory(prefix="bench-video-") as tmp:
        for attempt in range(repeats):
            for name, way in ways.items():
                sample = way(Path(tmp) / f"{name}-{attempt}.mp4")
                video = sample.pop("video")
                if reference is None:
                    reference = video  # the plain recipe's first clip
                sample["mean_abs_diff_vs_plain"] = float((video - reference).abs().mean() / 2)
                samples[name].append(sample)
                release_memory()
    flops = unet_flops(size)
    report = _summarize(samples, flops, device)
    report.update(
        size=size,
        steps_per_clip=STEPS,
        guidance=GUIDANCE,
        repeats=repeats,
        quick=quick,
        unet_tflop_per_step=flops / 1e12,
        torch_threads=torch.get_num_threads(),
        checkpoint_gib=full_size.checkpoint_bytes(folder) / 1024**3,
    )
    return report


def _plain(
    folder: Path, device: str, size: dict[str, int], clock: Clock, out: Path
) -> dict[str, Any]:
    """The model card's recipe, as a user would write it."""
    import torch
    from diffusers import DiffusionPipeline, DPMSolverMultistepScheduler
    from diffusers.utils import export_to_video

    from engines.device import choose_placement

    dtype = choose_placement(device).dtype
    with peak_memory(device) as peak:
        started = clock.now()
        pipe = DiffusionPipeline.from_pretrained(
            str(folder), dtype=dtype, variant="fp16" if device == "cuda" else None
        )
        pipe.scheduler = DPMSolverMultistepScheduler.from_config(pipe.scheduler.config)
        pipe.set_progress_bar_config(disable=True)  # tqdm lines would litter the table
        pipe.to(device)
        loaded, resident = clock.now(), rss_bytes()
        probe = _Probe(pipe, clock)
        frames = pipe(
            PROMPT,
            num_inference_steps=STEPS,
            guidance_scale=GUIDANCE,
            generator=torch.Generator("cpu").manual_seed(SEED),
            callback=lambda _i, _t, _latents: probe.step_done(),
            callback_steps=1,
            **size,
        ).frames[0]
        export_to_video(frames, str(out), fps=8)
        finished = clock.now()
    dtypes = {name: _dtype(getattr(pipe, name)) for name in ("unet", "text_encoder", "vae")}
    del pipe, frames
    return probe.sample(started, loaded, finished, peak, dtypes) | {"rss_loaded": resident}


def _ours(
    folder: Path, device: str, size: dict[str, int], clock: Clock, out: Path, bf16: str
) -> dict[str, Any]:
    """TextToVideoEngine through the registry, as a worker runs it."""
    from engines.families.text_to_video_sd import VideoParams
    from engines.progress import RunContext
    from engines.registry import EngineRegistry
    from engines.settings import Settings

    with tempfile.TemporaryDirectory(prefix="bench-video-data-") as data:
        settings = Settings(
            data_dir=Path(data), video_model=str(folder), device=device, video_cpu_bf16=bf16
        )
        registry = EngineRegistry(settings)
        params = VideoParams(
            PROMPT,
            seed=SEED,
            steps=STEPS,
            guidance_scale=GUIDANCE,
            num_frames=size["num_frames"],
            height=size["height"],
            width=size["width"],
        )
        with peak_memory(device) as peak:
            started = clock.now()
            engine = registry.get(settings.video_model)
            loaded, resident = clock.now(), rss_bytes()
            probe = _Probe(engine._model, clock)
            del engine
            result = registry.generate(
                params, out, RunContext(lambda _step, _total: probe.step_done())
            )
            finished = clock.now()
        registry.unload_all()
    sample = probe.sample(started, loaded, finished, peak, result.dtypes)
    return sample | {"phases": result.timings, "rss_loaded": resident}


class _Probe:
    """Times each denoising step and the decode, and keeps the decoded clip for checks."""

    def __init__(self, pipe: Any, clock: Clock) -> None:
        self.clock = clock
        self.starts: list[float] = []
        self.ends: list[float] = []
        self.decode_s = 0.0
        self.video: Any = None
        pipe.unet.register_forward_pre_hook(lambda *_: self.starts.append(clock.now()))
        decode = pipe.decode_latents

        def timed_decode(latents: Any) -> Any:
            started = clock.now()
            self.video = decode(latents)
            self.decode_s = clock.now() - started
            return self.video

        pipe.decode_latents = timed_decode  # an instance attribute: this pipe only

    def step_done(self) -> None:
        self.ends.append(self.clock.now())

    def sample(
        self, started: float, loaded: float, finished: float, peak: Any, dtypes: dict[str, str]
    ) -> dict[str, Any]:
        video = self.video.float().cpu()
        return {
            "load_s": loaded - started,
            "clip_s": finished - loaded,  # encode, steps, decode and write
            "step_s": [end - start for start, end in zip(self.starts, self.ends, strict=True)],
            "decode_s": self.decode_s,
            "peak_rss": peak.rss,
            "peak_cuda": peak.cuda,
            "dtypes": dtypes,
            "finite": bool(video.isfinite().all()),
            "pixel_std": float(video.std() / 2),  # in [0, 1] pixel units
            "video": video,
        }


def unet_flops(size: dict[str, int]) -> int:
    """FLOPs of one UNet call with guidance (batch 2), counted on the meta device."""
    import torch
    from diffusers import UNet3DConditionModel
    from torch.utils.flop_counter import FlopCounterMode

    with torch.device("meta"):
        unet: Any = UNet3DConditionModel(**full_size.MODELSCOPE_UNET)
        latents = torch.empty(2, 4, size["num_frames"], size["height"] // 8, size["width"] // 8)
        text = torch.empty(2, 77, int(full_size.MODELSCOPE_UNET["cross_attention_dim"]))
        with FlopCounterMode(display=False) as counter:
            unet(latents, torch.tensor(981), encoder_hidden_states=text)
    return int(counter.get_total_flops())


def _summarize(samples: dict[str, list[dict[str, Any]]], flops: int, device: str) -> dict[str, Any]:
    ways: dict[str, Any] = {}
    for name, runs in samples.items():
        steps = [s for run in runs for s in run["step_s"]]
        step = summarize(steps)
        ways[name] = {
            "step_s": step.to_dict(),
            "load_s": summarize([r["load_s"] for r in runs]).to_dict(),
            "clip_s": summarize([r["clip_s"] for r in runs]).to_dict(),
            "decode_s": summarize([r["decode_s"] for r in runs]).to_dict(),
            "peak_rss": max(r["peak_rss"] or 0 for r in runs) or None,
            "rss_loaded": max(r["rss_loaded"] or 0 for r in runs) or None,
            "peak_cuda": max(r["peak_cuda"] or 0 for r in runs) or None,
            "dtypes": runs[-1]["dtypes"],
            "phases": runs[-1].get("phases"),
            "finite": all(r["finite"] for r in runs),
            "pixel_std": runs[-1]["pixel_std"],
            "mean_abs_diff_vs_plain": max(r["mean_abs_diff_vs_plain"] for r in runs),
            "unet_tflops": flops / step.median / 1e12,
            # A 25-step clip: this run's clip time plus the steps it did not take.
            "projected_25_step_clip_s": summarize([r["clip_s"] for r in runs]).median
            + (25 - STEPS) * step.median,
            "runs": [{k: v for k, v in r.items() if k != "video"} for r in runs],
        }
    report: dict[str, Any] = {"ways": ways}

    def per_run_step(name: str) -> list[float]:
        return [statistics.median(run["step_s"]) for run in samples[name]]

    ratios = {"ours_over_plain_step": paired_ratios(per_run_step("ours"), per_run_step("plain"))}
    if "ours_fp32" in samples:
        ratios["ours_fp32_over_plain_step"] = paired_ratios(
            per_run_step("ours_fp32"), per_run_step("plain")
        )
    report["ratios"] = {name: ratio.to_dict() for name, ratio in ratios.items()}
    same_work = ratios.get("ours_fp32_over_plain_step", ratios["ours_over_plain_step"])
    report["targets"] = {
        "overhead_at_most": TARGET_OVERHEAD,
        "overhead_met": same_work.median <= TARGET_OVERHEAD,
    }
    if device == "cuda":
        report["targets"].update(_gpu_targets(ways["ours"]))
    return report


def _gpu_targets(ours: dict[str, Any]) -> dict[str, Any]:
    import torch

    name = torch.cuda.get_device_name()
    peak = next((v for k, v in GPU_PEAK_TFLOPS.items() if k in name), None)
    fraction = ours["unet_tflops"] / peak if peak else None
    return {
        "gpu_peak_tflops": peak,
        "gpu_peak_fraction": fraction,
        "gpu_peak_fraction_met": fraction is not None and fraction >= TARGET_GPU_PEAK_FRACTION,
        "gpu_memory_met": (ours["peak_cuda"] or 0) < TARGET_GPU_PEAK_BYTES,
    }


def _dtype(module: Any) -> str:
    return str(module.dtype).removeprefix("torch.")


def markdown(report: dict[str, Any]) -> str:
    size = report["size"]
    ways = report["ways"]
    labels = {
        "plain": "plain diffusers recipe (model card)",
        "ours_fp32": "ours, `STUDIO_VIDEO_CPU_BF16=0`",
        "ours": "ours, defaults",
    }
    rows = []
    for name, way in ways.items():
        rows.append(
            [
                f"{labels.get(name, name)} ({way['dtypes']['unet']} UNet)",
                format_summary(way["step_s"], "s"),
                f"{way['unet_tflops'] * 1000:.0f}",
                format_summary(way["decode_s"], "s", 1),
                format_summary(way["clip_s"], "s", 1),
                f"{way['projected_25_step_clip_s'] / 60:.1f} min",
                format_summary(way["load_s"], "s", 1),
                gib(way["rss_loaded"]),
                gib(way["peak_rss"]) + (f" / {gib(way['peak_cuda'])}" if way["peak_cuda"] else ""),
                f"{way['mean_abs_diff_vs_plain']:.4f}" + ("" if way["finite"] else " (NaN!)"),
            ]
        )
    headers = [
        "way",
        "step with guidance",
        "GFLOP/s",
        "VAE decode",
        f"clip ({report['steps_per_clip']} steps)",
        "25-step clip (projected)",
        "load",
        "RSS loaded",
        "peak RSS" + (" / CUDA" if any(w["peak_cuda"] for w in ways.values()) else ""),
        "mean abs pixel diff vs plain",
    ]
    ratios, targets = report["ratios"], report["targets"]
    same_work = ""
    if "ours_fp32_over_plain_step" in ratios:
        same_work = (
            f"; on the same work (ours fp32 / plain) "
            f"{format_summary(ratios['ours_fp32_over_plain_step'], 'x', 3)}"
        )
    lines = [
        f"{size['num_frames']} frames at {size['width']}x{size['height']}"
        + (" (`--quick`; the full case is 16 frames at 256x256)" if report["quick"] else "")
        + f", guidance {report['guidance']}, UNet {report['unet_tflop_per_step']:.2f} TFLOP "
        f"a step, {report['torch_threads']} torch threads; medians ± half the range over "
        f"{report['repeats']} interleaved repeats of {report['steps_per_clip']} steps.",
        "",
        markdown_table(headers, rows),
        "",
        f"Step time ours / plain, paired per repeat: "
        f"{format_summary(ratios['ours_over_plain_step'], 'x', 3)}{same_work}. "
        f"Overhead target (at most {TARGET_OVERHEAD:.2f}x on the same work): "
        f"{verdict(targets['overhead_met'])}.",
    ]
    if "gpu_peak_fraction" in targets:
        fraction = targets["gpu_peak_fraction"]
        lines.append(
            f"GPU: the UNet step reaches "
            f"{'n/a' if fraction is None else f'{fraction:.0%}'} of the "
            f"{targets['gpu_peak_tflops']} TFLOP/s bf16 peak (target "
            f"{TARGET_GPU_PEAK_FRACTION:.0%}: {verdict(targets['gpu_peak_fraction_met'])}); "
            f"peak CUDA memory under 14 GB: {verdict(targets['gpu_memory_met'])}."
        )
    return "\n".join(lines)
