"""Video knobs: which settings make the full-size UNet step and VAE decode faster here.

On the full-size ModelScope UNet3D and SD VAE (random weights), interleaved:

- UNet, one call with guidance (batch 2): fp32 (the baseline), bf16, and with
  ``--quick`` also fp32 with channels-last conv weights and fp32 on one thread;
- VAE decode: fp32 one frame at a time (our slicing), fp32 in one batch (the plain
  pipeline), bf16, and with ``--quick`` also fp32 channels-last.

Full: 16 frames at 256x256 (about half an hour on 2 cores); ``--quick``: 8 frames at
128x128, where every knob fits in a few minutes (the knobs that only run there lost
clearly at that size).

Each knob is reported as its time over the baseline's, paired per repeat, with how far its
output moved (relative RMS difference). VAE tiling is not measured: below 512 px the clip
fits in one tile, so it only adds overlap.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from bench import full_size
from bench.measure import Clock, format_summary, markdown_table, paired_ratios, summarize

FULL, QUICK = (16, 32), (8, 16)  # frames, latent side (pixels / 8)
MIN_REPEATS = 3  # this machine is shared: fewer samples say little


def run(
    device: str = "cpu", quick: bool = False, repeats: int = 3, models: Path | None = None
) -> dict[str, Any]:
    import torch

    folder = full_size.ensure_checkpoint("video", models or full_size.DEFAULT_ROOT)
    repeats = max(repeats, MIN_REPEATS)
    clock = Clock(device)
    frames, side = QUICK if quick else FULL
    torch.manual_seed(0)
    report = {
        "unet": _compare(_unet_knobs(folder, device, frames, side, quick), clock, repeats),
        "vae": _compare(_vae_knobs(folder, device, frames, side, quick), clock, repeats),
        "frames": frames,
        "side": side * 8,
        "repeats": repeats,
        "quick": quick,
        "device": device,
    }
    from bench.measure import release_memory

    release_memory()
    return report


Knob = Callable[[], Any]


def _unet_knobs(folder: Path, device: str, frames: int, side: int, quick: bool) -> dict[str, Knob]:
    import torch
    from diffusers import UNet3DConditionModel

    fp32 = UNet3DConditionModel.from_pretrained(str(folder / "unet")).to(device).eval()
    half_dtype = torch.bfloat16 if device == "cpu" or torch.cuda.is_bf16_supported() else None
    half = (
        UNet3DConditionModel.from_pretrained(str(folder / "unet"), dtype=half_dtype)
        .to(device)
        .eval()
    )
    latents = torch.randn(2, 4, frames, side, side, device=device)
    text = torch.randn(2, 77, 1024, device=device)

    def call(unet: Any, dtype: Any) -> Any:
        with torch.inference_mode():
            out = unet(latents.to(dtype), 981, encoder_hidden_states=text.to(dtype)).sample
        return out.float()

    knobs: dict[str, Knob] = {
        "fp32": lambda: call(fp32, torch.float32),
        "bf16": lambda: call(half, half_dtype),
    }
    if quick:
        knobs["fp32_channels_last"] = lambda: _with_channels_last(
            fp32, lambda: call(fp32, torch.float32)
        )
    if quick and device == "cpu":
        knobs["fp32_1_thread"] = lambda: _with_threads(1, lambda: call(fp32, torch.float32))
    return knobs


def _vae_knobs(folder: Path, device: str, frames: int, side: int, quick: bool) -> dict[str, Knob]:
    import torch
    from diffusers import AutoencoderKL

    fp32 = AutoencoderKL.from_pretrained(str(folder / "vae")).to(device).eval()
    half = AutoencoderKL.from_pretrained(str(folder / "vae"), dtype=torch.bfloat16)
    half = half.to(device).eval()
    latents = torch.randn(frames, 4, side, side, device=device)

    def decode(vae: Any, dtype: Any, sliced: bool) -> Any:
        with torch.inference_mode():
            z = latents.to(dtype)
            if sliced:
                return torch.cat([vae.decode(z[i : i + 1]).sample for i in range(len(z))]).float()
            return vae.decode(z).sample.float()

    knobs: dict[str, Knob] = {
        "fp32_sliced": lambda: decode(fp32, torch.float32, True),
        "fp32_batch": lambda: decode(fp32, torch.float32, False),
        "bf16_sliced": lambda: decode(half, torch.bfloat16, True),
    }
    if quick:
        knobs["fp32_channels_last_sliced"] = lambda: _with_channels_last(
            fp32, lambda: decode(fp32, torch.float32, True)
        )
    return knobs


def _with_channels_last(model: Any, call: Knob) -> Any:
    with _channels_last(model):
        return call()


@contextlib.contextmanager
def _channels_last(model: Any) -> Iterator[None]:
    """Conv2d weights in channels-last for the block, then back (the knob is in place)."""
    import torch

    convs = [m for m in model.modules() if isinstance(m, torch.nn.Conv2d)]
    for conv in convs:
        conv.weight.data = conv.weight.data.contiguous(memory_format=torch.channels_last)
    try:
        yield
    finally:
        for conv in convs:
            conv.weight.data = conv.weight.data.contiguous()


def _with_threads(threads: int, call: Knob) -> Any:
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        return call()
    finally:
        torch.set_num_threads(before)


def _compare(knobs: dict[str, Knob], clock: Clock, repeats: int) -> dict[str, Any]:
    """Interleave the knobs; the first one is the baseline."""
    times: dict[str, list[float]] = {name: [] for name in knobs}
    drift: dict[str, float] = {}
    baseline_name = next(iter(knobs))
    reference = None
    for _ in range(repeats):
        for name, knob in knobs.items():
            started = clock.now()
            out = knob()
            times[name].append(clock.now() - started)
            if reference is None:
                reference = out
            drift[name] = float((out - reference).pow(2).mean().sqrt() / reference.std())
    del knobs
    return {
        name: {
            "seconds": summarize(samples).to_dict(),
            "over_baseline": paired_ratios(samples, times[baseline_name]).to_dict(),
            "relative_rms_diff": drift[name],
        }
        for name, samples in times.items()
    }


def markdown(report: dict[str, Any]) -> str:
    rows = []
    for part in ("unet", "vae"):
        for name, knob in report[part].items():
            rows.append(
                [
                    f"{'UNet step' if part == 'unet' else 'VAE decode'}: {name}",
                    format_summary(knob["seconds"], "s"),
                    format_summary(knob["over_baseline"], "x", 2),
                    f"{knob['relative_rms_diff']:.1e}",
                ]
            )
    return "\n".join(
        [
            f"Full-size UNet and VAE at {report['frames']} frames of {report['side']}x"
            f"{report['side']}"
            + (" (`--quick`)" if report.get("quick") else "")
            + " (the UNet with guidance, batch 2); medians ± half the range "
            f"over {report['repeats']} interleaved repeats; time over the first row of each "
            f"part, paired per repeat.",
            "",
            markdown_table(["knob", "time", "over baseline", "output moved (rel. RMS)"], rows),
        ]
    )
