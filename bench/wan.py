"""Wan 2.1: our engine against the plain diffusers WanPipeline call, same work, full-size
transformer.

The checkpoint has the real WanTransformer3DModel of Wan-AI/Wan2.1-T2V-1.3B-Diffusers
(1.42 B parameters, 30 layers) and the real AutoencoderKLWan, with random weights. The
text encoder is NOT the real UMT5-XXL (5.7 B parameters, about 23 GB in fp32: it does not
fit this machine's RAM beside everything else): a one-layer UMT5 with the real width
(4096), so the transformer's cross-attention does the real work. Per repeat, interleaved,
each way loads, makes one clip of ``STEPS`` steps with guidance (5.0) and unloads:

- ``plain``: ``WanPipeline.from_pretrained`` + ``pipe(prompt, ...)`` + ``export_to_video``;
- ``ours``: ``WanEngine`` through the registry (the folder is placed in its family by its
  model_index.json), as a worker runs it.

A step is timed from the transformer's first forward pre-hook of the step to the
``callback_on_step_end`` after it (both guidance passes and the scheduler).
Repeats alternate the order (plain, ours; ours, plain) and both ways copy the weights
out of their memory-mapped files before the first step. Full: 9 frames at 256x256;
``--quick``: 5 frames at 128x128.
"""

from __future__ import annotations

import statistics
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
    rss_bytes,
    summarize,
    verdict,
)

PROMPT = "A cat walks on the grass, realistic"
SEED = 1234
GUIDANCE = 5.0
FULL = {"num_frames": 9, "height": 256, "width": 256}
QUICK = {"num_frames": 5, "height": 128, "width": 128}
STEPS = 2
TARGET_OVERHEAD = 1.02
FPS = 16
# Wan-AI/Wan2.1-T2V-1.3B-Diffusers transformer/config.json.
WAN_TRANSFORMER = {
    "patch_size": (1, 2, 2),
    "num_attention_heads": 12,
    "attention_head_dim": 128,
    "in_channels": 16,
    "out_channels": 16,
    "text_dim": 4096,
    "freq_dim": 256,
    "ffn_dim": 8960,
    "num_layers": 30,
    "cross_attn_norm": True,
    "qk_norm": "rms_norm_across_heads",
    "eps": 1e-6,
    "rope_max_seq_len": 1024,
}
MARKER = "FULL-SIZE-RANDOM-CHECKPOINT"


def ensure_wan_checkpoint(root: Path) -> Path:
    """Build the full-size (small text encoder) Wan checkpoint once; its folder."""
    folder = root / "wan2.1-t2v-1.3b-small-text"
    if (folder / MARKER).is_file():
        return folder
    build_wan_checkpoint(folder)
    (folder / MARKER).write_text("random weights; small UMT5 text encoder\n")
    return folder


def build_wan_checkpoint(folder: Path) -> None:
    """Wan 2.1 1.3B's real transformer and VAE, a one-layer UMT5 at the real width."""
    import torch
    from diffusers import (
        AutoencoderKLWan,
        UniPCMultistepScheduler,
        WanPipeline,
        WanTransformer3DModel,
    )
    from transformers import UMT5Config, UMT5EncoderModel

    from engines.tiny.music import build_t5_tokenizer
    from engines.tiny.wan import REAL_SCHEDULER

    tokenizer = build_t5_tokenizer()
    torch.manual_seed(0)
    text_encoder = UMT5EncoderModel(
        UMT5Config(
            vocab_size=len(tokenizer),
            d_model=4096,
            d_kv=64,
            d_ff=1024,
            num_layers=1,
            num_heads=64,
            pad_token_id=0,
            eos_token_id=1,
        )
    )
    transformer = WanTransformer3DModel(**WAN_TRANSFORMER)
    vae = AutoencoderKLWan()  # the class defaults are the real VAE's (base_dim 96, z_dim 16)
    pipe: Any = WanPipeline(
        tokenizer=tokenizer,
        text_encoder=text_encoder,
        vae=vae,
        scheduler=UniPCMultistepScheduler(**REAL_SCHEDULER),
        transformer=transformer,
    )
    pipe.save_pretrained(str(folder))


def run(
    device: str = "cpu", quick: bool = False, repeats: int = 2, models: Path | None = None
) -> dict[str, Any]:
    import diffusers.pipelines  # noqa: F401  (imported before timing)
    import torch

    size = QUICK if quick else FULL
    folder = ensure_wan_checkpoint(models or full_size.DEFAULT_ROOT)
    clock = Clock(device)
    ways = {
        "plain": lambda out: _plain(folder, device, size, clock, out),
        "ours": lambda out: _ours(folder, device, size, clock, out),
    }
    samples: dict[str, list[dict[str, Any]]] = {name: [] for name in ways}
    with tempfile.TemporaryDirectory(prefix="bench-wan-") as tmp:
        for attempt in range(repeats):
            order = list(ways) if attempt % 2 == 0 else list(reversed(ways))  # ABBA
            for name in order:
                samples[name].append(ways[name](Path(tmp) / f"{name}-{attempt}.mp4"))
                release_memory()
    report = _summarize(samples)
    report.update(
        size=size,
        steps_per_clip=STEPS,
        guidance=GUIDANCE,
        repeats=repeats,
        quick=quick,
        torch_threads=torch.get_num_threads(),
        checkpoint_gib=full_size.checkpoint_bytes(folder) / 1024**3,
        text_encoder="one-layer UMT5 at the real width (4096), not UMT5-XXL",
    )
    return report


def _materialize(pipe: Any) -> None:
    """Copy the weights out of the memory-mapped files into RAM, for both ways alike.

    safetensors loads lazily: a weight is read from the file (or the page cache) on first
    use, and under memory pressure its pages are dropped and read again, so step times
    would measure the neighbours' memory use, not the engine.
    """
    import torch

    with torch.no_grad():
        for part in (pipe.transformer, pipe.text_encoder, pipe.vae):
            for tensor in [*part.parameters(), *part.buffers()]:
                tensor.data = tensor.data.clone()


class _Probe:
    """Times each step: the first transformer call of a step to its step-end callback."""

    def __init__(self, pipe: Any, clock: Clock) -> None:
        self.clock = clock
        self.starts: list[float] = []
        self.ends: list[float] = []

        def pre_hook(*_: Any) -> None:
            if len(self.starts) == len(self.ends):  # the step's first (conditional) pass
                self.starts.append(clock.now())

        pipe.transformer.register_forward_pre_hook(pre_hook)

    def step_done(self) -> None:
        self.ends.append(self.clock.now())

    def steps(self) -> list[float]:
        return [end - start for start, end in zip(self.starts, self.ends, strict=True)]


def _plain(folder: Path, device: str, size: dict[str, int], clock: Clock, out: Path) -> Any:
    import torch
    from diffusers import WanPipeline
    from diffusers.utils import export_to_video

    with peak_memory(device) as peak:
        started = clock.now()
        pipe = WanPipeline.from_pretrained(str(folder), dtype=torch.float32)
        pipe.set_progress_bar_config(disable=True)
        pipe.to(device)
        loaded, resident = clock.now(), rss_bytes()
        _materialize(pipe)
        probe = _Probe(pipe, clock)

        def on_step_end(_pipe: Any, _i: int, _t: Any, kwargs: Any) -> Any:
            probe.step_done()
            return kwargs

        frames = pipe(
            PROMPT,
            negative_prompt="",
            num_inference_steps=STEPS,
            guidance_scale=GUIDANCE,
            generator=torch.Generator("cpu").manual_seed(SEED),
            callback_on_step_end=on_step_end,
            **size,
        ).frames[0]
        export_to_video(frames, str(out), fps=FPS)
        finished = clock.now()
    del pipe, frames
    return _sample(probe, started, loaded, finished, peak, resident)


def _ours(folder: Path, device: str, size: dict[str, int], clock: Clock, out: Path) -> Any:
    from engines.families.wan import WanParams
    from engines.progress import RunContext
    from engines.registry import EngineRegistry
    from engines.settings import Settings

    with tempfile.TemporaryDirectory(prefix="bench-wan-data-") as data:
        settings = Settings(data_dir=Path(data), video_model=str(folder), device=device)
        registry = EngineRegistry(settings)
        with peak_memory(device) as peak:
            started = clock.now()
            engine = registry.get(str(folder))
            loaded, resident = clock.now(), rss_bytes()
            _materialize(engine._model)
            probe = _Probe(engine._model, clock)
            del engine
            params = WanParams(
                PROMPT,
                seed=SEED,
                steps=STEPS,
                guidance_scale=GUIDANCE,
                fps=FPS,
                num_frames=size["num_frames"],
                height=size["height"],
                width=size["width"],
            )
            result = registry.generate(
                params, out, RunContext(lambda _step, _total: probe.step_done())
            )
            finished = clock.now()
        registry.unload_all()
    return _sample(probe, started, loaded, finished, peak, resident) | {"phases": result.timings}


def _sample(
    probe: _Probe, started: float, loaded: float, finished: float, peak: Any, resident: Any
) -> dict[str, Any]:
    return {
        "load_s": loaded - started,
        "clip_s": finished - loaded,
        "step_s": probe.steps(),
        "peak_rss": peak.rss,
        "peak_cuda": peak.cuda,
        "rss_loaded": resident,
    }


def _summarize(samples: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    ways: dict[str, Any] = {}
    for name, runs in samples.items():
        steps = [s for run in runs for s in run["step_s"]]
        ways[name] = {
            "step_s": summarize(steps).to_dict(),
            "load_s": summarize([r["load_s"] for r in runs]).to_dict(),
            "clip_s": summarize([r["clip_s"] for r in runs]).to_dict(),
            "peak_rss": max(r["peak_rss"] or 0 for r in runs) or None,
            "rss_loaded": max(r["rss_loaded"] or 0 for r in runs) or None,
            "peak_cuda": max(r["peak_cuda"] or 0 for r in runs) or None,
            "phases": runs[-1].get("phases"),
            "runs": runs,
        }

    def per_run(name: str) -> list[float]:
        return [statistics.median(run["step_s"]) for run in samples[name]]

    ratio = paired_ratios(per_run("ours"), per_run("plain"))
    return {
        "ways": ways,
        "ratios": {"ours_over_plain_step": ratio.to_dict()},
        "targets": {
            "overhead_at_most": TARGET_OVERHEAD,
            "overhead_met": ratio.median <= TARGET_OVERHEAD,
        },
    }


def markdown(report: dict[str, Any]) -> str:
    size, ways = report["size"], report["ways"]
    labels = {"plain": "plain `WanPipeline` call", "ours": "ours (`WanEngine` via the registry)"}
    rows = [
        [
            labels[name],
            format_summary(way["step_s"], "s"),
            format_summary(way["clip_s"], "s", 1),
            format_summary(way["load_s"], "s", 1),
            gib(way["rss_loaded"]),
            gib(way["peak_rss"]),
        ]
        for name, way in ways.items()
    ]
    headers = ["way", "step with guidance", f"clip ({report['steps_per_clip']} steps)", "load",
               "RSS loaded", "peak RSS"]  # fmt: skip
    ratio = report["ratios"]["ours_over_plain_step"]
    return "\n".join(
        [
            f"Wan 2.1 1.3B transformer (full size, random weights), {size['num_frames']} frames "
            f"at {size['width']}x{size['height']}, guidance {report['guidance']}, "
            f"{report['torch_threads']} torch threads; text encoder: {report['text_encoder']}; "
            f"medians ± half the range over {report['repeats']} interleaved repeats of "
            f"{report['steps_per_clip']} steps.",
            "",
            markdown_table(headers, rows),
            "",
            f"Step time ours / plain, paired per repeat: {format_summary(ratio, 'x', 3)}. "
            f"Overhead target (at most {TARGET_OVERHEAD:.2f}x): "
            f"{verdict(report['targets']['overhead_met'])}.",
        ]
    )
