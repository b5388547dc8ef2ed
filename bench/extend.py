"""Extend: the cost of N seconds made by extending a clip against the same N seconds made
alone, by the same model, in one run (target: at most 1.1x).

"alone" is one clip of the N seconds' frames (plus the frame an extension shares) through
the registry, as a video job runs it; "extended" is ``engines.extend.extend_clip`` on a
clip of the same length: read the source's last frames, the same model's continuation
from its last frame (``generate_continuation``), and the join re-encoding source and new
seconds into one clip. Repeats interleave the two ways and alternate their order; the
ratio is taken pair by pair.

The model is Wan 2.2 TI2V-5B (its continuation makes the same frames as a clip alone; LTX
re-makes its 8k+1 context frames too), at its tiny random-weight
checkpoint (the full-size 5B transformer does not fit this machine beside the others),
at a small size: tiny models make the model's share of the work smaller than a real
model's, so the ratio here is an upper bound of what a real model pays. Full: 256x256,
2 s at 8 fps, 4 steps; ``--quick``: 128x128, 1 s.

    python -m bench --cases extend [--quick]
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

from bench.measure import format_summary, markdown_table, paired_ratios, summarize, verdict

MODEL = "wan2.2-ti2v-5b"  # its continuation is a clip of the same frames, from the last one
TARGET = 1.1  # extended / alone, at most
PROMPT = "a lighthouse on a cliff, waves below"
SEED = 7
FULL: dict[str, Any] = {"side": 256, "seconds": 2.0, "fps": 8, "steps": 4}
QUICK: dict[str, Any] = {"side": 128, "seconds": 1.0, "fps": 8, "steps": 4}


def run(
    device: str = "cpu", quick: bool = False, repeats: int = 3, models: Path | None = None
) -> dict[str, Any]:
    from engines.catalog import CATALOG
    from engines.extend import ExtendParams, continuation_params, extend_clip
    from engines.media.frames import clip_shape
    from engines.registry import EngineRegistry
    from engines.settings import Settings

    shape = QUICK if quick else FULL
    entry = CATALOG[MODEL]
    with tempfile.TemporaryDirectory(prefix="bench-extend-") as tmp:
        folder = Path(tmp)
        settings = Settings(data_dir=folder / "data", tiny=True, device=device)
        registry = EngineRegistry(settings)
        side, fps = shape["side"], shape["fps"]
        extend = ExtendParams(
            extend_from=str(folder / "source.mp4"),
            prompt=PROMPT,
            seconds=shape["seconds"],
            seed=SEED,
            steps=shape["steps"],
            model=entry.name,
        )
        # 1. The source, not timed: a clip of the model's own, N seconds long.
        source_params = entry.params(
            prompt=PROMPT, seed=SEED, steps=shape["steps"], width=side, height=side, fps=fps,
            num_frames=_frames_for(entry, extend, side, fps), model=entry.name,
        )  # fmt: skip
        registry.generate(source_params, folder / "source.mp4")
        # The clip an extension makes, made alone: the same frames, size and steps.
        alone = continuation_params(entry, extend, clip_shape(folder / "source.mp4"))
        ways = {
            "alone": lambda out: registry.generate(alone, out),
            "extended": lambda out: extend_clip(registry, extend, out),
        }
        samples: dict[str, list[float]] = {name: [] for name in ways}
        extended_result: dict[str, Any] = {}
        for attempt in range(repeats):
            order = list(ways) if attempt % 2 == 0 else list(reversed(ways))
            for name in order:
                started = time.perf_counter()
                made = ways[name](folder / f"{name}-{attempt}.mp4")
                samples[name].append(time.perf_counter() - started)
                if name == "extended":
                    extended_result = made.to_dict()
    ratio = paired_ratios(samples["extended"], samples["alone"])
    return {
        "model": entry.name,
        "checkpoint": "tiny random weights",
        "shape": {**shape, "frames_made": alone.num_frames},
        "alone_s": summarize(samples["alone"]).to_dict(),
        "extended_s": summarize(samples["extended"]).to_dict(),
        "ratio": ratio.to_dict(),
        "target": TARGET,
        "met": ratio.median <= TARGET,
        "extended_timings": extended_result.get("timings", {}),
        "frames": {
            "source": extended_result.get("source_frames"),
            "added": extended_result.get("added_frames"),
            "total": extended_result.get("frames"),
        },
    }


def _frames_for(entry: Any, extend: Any, side: int, fps: int) -> int:
    """The source's frames: what an extension of the same seconds makes (4k+1, 8k+1, ...)."""
    from engines.extend import continuation_params
    from engines.media.frames import ClipShape

    return int(
        continuation_params(entry, extend, ClipShape(side, side, fps, 0.0, False)).num_frames
    )


def markdown(report: dict[str, Any]) -> str:
    shape = report["shape"]
    rows = [
        ["made alone", format_summary(report["alone_s"], "s"), ""],
        [
            "extended (read + continuation + join)",
            format_summary(report["extended_s"], "s"),
            format_summary(report["ratio"], "x"),
        ],
    ]
    table = markdown_table(["way", "seconds", "extended / alone"], rows)
    return (
        f"{report['model']} ({report['checkpoint']}), {shape['side']}x{shape['side']}, "
        f"{shape['seconds']:g} s at {shape['fps']} fps ({shape['frames_made']} frames made), "
        f"{shape['steps']} steps. Target: at most {report['target']}x "
        f"({verdict(report['met'])}).\n\n{table}\n\n"
        f"Extension phases (last run): {report['extended_timings']}; frames: {report['frames']}."
    )
