"""Registry: cold and warm loads, and switching video -> music -> video with and without
parking, on the full-size checkpoints of ``bench.full_size``.

- cold load: the checkpoint's files are first dropped from the OS page cache (our files
  only, with ``posix_fadvise``), so the weights come from the disk;
- warm load: the same right after, from the page cache;
- switches: ``registry.get(kind)`` while the other model is resident, timed, with the
  process's peak RSS over the switch (and peak CUDA memory on a GPU) above the baseline
  of a process with no model loaded. Without parking the old model is freed before the
  new one loads, so the peak stays near the larger model, never both.

On CPU "parking" keeps the engine as it is (the device is the RAM): switching back costs
nothing but both models stay in RAM. On a GPU it is a copy between RAM and VRAM.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from bench import full_size
from bench.measure import (
    Clock,
    evict_from_page_cache,
    format_summary,
    gib,
    markdown_table,
    peak_memory,
    release_memory,
    rss_bytes,
    summarize,
    verdict,
)

TARGET_PARKED_SPEEDUP = 5.0  # switching back to a parked model vs a cold load
PARK_BUDGET_GB = 16.0  # enough for both models (about 5.2 GB with the CPU bf16 defaults)
KINDS = ("video", "music")


def run(
    device: str = "cpu", quick: bool = False, repeats: int = 2, models: Path | None = None
) -> dict[str, Any]:
    import diffusers  # noqa: F401  (imported before timing: loads measure loading only)
    import transformers  # noqa: F401

    root = models or full_size.DEFAULT_ROOT
    folders = {kind: full_size.ensure_checkpoint(kind, root) for kind in KINDS}
    clock = Clock(device)
    samples: dict[str, list[dict[str, Any]]] = {"loads": [], "plain": [], "parked": []}
    with tempfile.TemporaryDirectory(prefix="bench-registry-") as tmp:
        for _ in range(repeats):
            release_memory()
            baseline = rss_bytes() or 0
            samples["loads"].append(_loads(folders, device, clock, Path(tmp), baseline))
            samples["plain"].append(_switches(folders, device, clock, Path(tmp), 0.0, baseline))
            samples["parked"].append(
                _switches(folders, device, clock, Path(tmp), PARK_BUDGET_GB, baseline)
            )
    return _summarize(samples, repeats, quick)


def _registry(folders: dict[str, Path], device: str, tmp: Path, park_gb: float) -> Any:
    from engines.registry import EngineRegistry
    from engines.settings import Settings

    settings = Settings(
        data_dir=tmp,
        video_model=str(folders["video"]),
        music_model=str(folders["music"]),
        device=device,
        park_ram_gb=park_gb,
    )
    return EngineRegistry(settings)


def _loads(
    folders: dict[str, Path], device: str, clock: Clock, tmp: Path, baseline: int
) -> dict[str, Any]:
    """Each kind loaded from the disk (cold), then again from the page cache (warm)."""
    times: dict[str, Any] = {}
    for kind in KINDS:
        for temperature in ("cold", "warm"):
            if temperature == "cold":
                evict_from_page_cache(full_size.weight_files(folders[kind]))
            registry = _registry(folders, device, tmp, 0.0)
            with peak_memory(device) as peak:
                started = clock.now()
                registry.get(str(folders[kind]))  # a folder: its family is read from it
                times[f"{kind}_{temperature}_s"] = clock.now() - started
            times[f"{kind}_bytes"] = registry.status().resident_bytes
            # A load's own peak: fp32 files read and cast to bf16 pass through RAM.
            times[f"{kind}_load_peak_rss"] = (peak.rss or 0) - baseline
            registry.unload_all()
            del registry
            release_memory()
    return times


def _switches(
    folders: dict[str, Path], device: str, clock: Clock, tmp: Path, park_gb: float, baseline: int
) -> dict[str, Any]:
    """video (loaded, not timed) -> music -> video -> music, each switch timed."""
    registry = _registry(folders, device, tmp, park_gb)
    registry.get(str(folders["video"]))
    switches = []
    for kind in ("music", "video", "music"):
        before = (rss_bytes() or 0) - baseline  # the old model, still resident
        with peak_memory(device) as peak:
            started = clock.now()
            registry.get(str(folders[kind]))
            seconds = clock.now() - started
        status = registry.status()
        switches.append(
            {
                "to": kind,
                "seconds": seconds,
                "rss_before_above_baseline": before,
                "peak_rss_above_baseline": (peak.rss or 0) - baseline,
                "peak_cuda": peak.cuda,
                "resident": status.resident,
                "parked": sorted(status.parked),
            }
        )
    registry.unload_all()
    del registry
    release_memory()
    return {"switches": switches}


def _summarize(
    samples: dict[str, list[dict[str, Any]]], repeats: int, quick: bool
) -> dict[str, Any]:
    loads = {
        key: summarize([s[key] for s in samples["loads"]]).to_dict()
        for key in samples["loads"][0]
        if key.endswith("_s")
    }
    sizes = {kind: samples["loads"][-1][f"{kind}_bytes"] for kind in KINDS}
    load_peaks = {kind: max(s[f"{kind}_load_peak_rss"] for s in samples["loads"]) for kind in KINDS}
    modes: dict[str, Any] = {}
    for mode in ("plain", "parked"):
        legs = []
        for index, leg in enumerate(samples[mode][0]["switches"]):
            runs = [s["switches"][index] for s in samples[mode]]
            legs.append(
                {
                    "to": leg["to"],
                    "seconds": summarize([r["seconds"] for r in runs]).to_dict(),
                    "rss_before_above_baseline": max(r["rss_before_above_baseline"] for r in runs),
                    "peak_rss_above_baseline": max(r["peak_rss_above_baseline"] for r in runs),
                    "peak_cuda": max(r["peak_cuda"] or 0 for r in runs) or None,
                    "resident": leg["resident"],
                    "parked": leg["parked"],
                }
            )
        modes[mode] = legs
    back_parked = modes["parked"][1]["seconds"]["median"]
    speedup = loads["video_cold_s"]["median"] / back_parked
    warm_speedup = loads["video_warm_s"]["median"] / back_parked
    return {
        "loads": loads,
        "model_bytes": sizes,
        "load_peak_rss": load_peaks,
        "switches": modes,
        "parked_switch_back_speedup": speedup,
        "parked_switch_back_speedup_vs_warm": warm_speedup,
        "repeats": repeats,
        "quick": quick,
        "targets": {
            "parked_speedup_at_least": TARGET_PARKED_SPEEDUP,
            "parked_speedup_met": speedup >= TARGET_PARKED_SPEEDUP,
            "never_both_on_device_met": _never_both(modes["plain"], load_peaks, sizes),
        },
    }


def _never_both(
    legs: list[dict[str, Any]], load_peaks: dict[str, int], sizes: dict[str, int]
) -> bool:
    """No switch without parking peaked above both what was resident before it and what
    loading the new model alone peaks at: had the old model stayed while the new one
    loaded, the peak would be higher by the old one's size (half of it is the margin)."""
    for leg in legs:
        old = "video" if leg["to"] == "music" else "music"
        alone = max(leg["rss_before_above_baseline"], load_peaks[leg["to"]])
        if leg["peak_rss_above_baseline"] > alone + sizes[old] / 2:
            return False
    return True


def markdown(report: dict[str, Any]) -> str:
    loads, sizes, peaks = report["loads"], report["model_bytes"], report["load_peak_rss"]
    load_rows = [
        [
            kind,
            gib(sizes[kind]),
            gib(peaks[kind]),
            format_summary(loads[f"{kind}_cold_s"], "s", 1),
            format_summary(loads[f"{kind}_warm_s"], "s", 1),
        ]
        for kind in KINDS
    ]
    switch_rows = []
    for mode, legs in report["switches"].items():
        for leg in legs:
            peak = (
                f"{gib(leg['rss_before_above_baseline'])} -> {gib(leg['peak_rss_above_baseline'])}"
            )
            if leg["peak_cuda"]:
                peak += f" / CUDA {gib(leg['peak_cuda'])}"
            switch_rows.append(
                [
                    "parked (budget 16 GB)" if mode == "parked" else "no parking",
                    f"-> {leg['to']}",
                    format_summary(leg["seconds"], "s", 2),
                    peak,
                    f"{leg['resident']}; parked: {', '.join(leg['parked']) or 'none'}",
                ]
            )
    targets = report["targets"]
    return "\n".join(
        [
            f"Full-size checkpoints; medians ± half the range over {report['repeats']} repeats.",
            "",
            markdown_table(
                ["model", "resident size", "peak RSS of a load", "cold load", "warm load"],
                load_rows,
            ),
            "",
            markdown_table(
                ["mode", "switch", "time", "RSS before -> peak (above baseline)", "resident after"],
                switch_rows,
            ),
            "",
            f"Switching back to the parked video model is "
            f"{report['parked_switch_back_speedup']:.0f}x faster than its cold load and "
            f"{report['parked_switch_back_speedup_vs_warm']:.0f}x faster than a warm one "
            f"(target at least {TARGET_PARKED_SPEEDUP:g}x: "
            f"{verdict(targets['parked_speedup_met'])}). Without parking, no switch held both "
            f"models (none peaked above both its starting RSS and the new model's own load "
            f"peak): "
            f"{verdict(targets['never_both_on_device_met'])}. On CPU a parked model stays in "
            f"RAM, the device itself: switching back is free, and both models count in RSS.",
        ]
    )
