"""Long MusicGen tracks: what a second of audio costs past one 30 s window.

Full-size MusicGen-small with random weights (``bench.full_size``), through
``MusicEngine`` and the registry with its defaults, as a worker runs it: a 30 s track
(one window) and a 75 s one (30 s, then three windows each prompted with the last 12 s:
18 + 18 + 9 s new). Same seed, guidance 3, the long track first in each repeat.

Besides the wall time, it times what the overlap costs, by wrapping the loaded model's
parts: the EnCodec encode of each 12 s prompt, the decoder's one-pass read of the prompt
codes (a forward over hundreds of positions at once), the 12 s of prompt that EnCodec
decodes again with each window (generate() decodes the whole window), and each
window's median step (later windows attend over the prompt too).
Full: 75 s against 30 s; ``--quick``: 48 s (two windows) against 30 s.
"""

from __future__ import annotations

import itertools
import statistics
import tempfile
import time
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any

from bench import full_size
from bench.measure import Clock, format_summary, markdown_table, paired_ratios, summarize

DESCRIPTION = "slow ambient synth pads with a soft pulse"
SEED = 1234
GUIDANCE = 3.0
SHORT_S, LONG_S, QUICK_LONG_S = 30.0, 75.0, 48.0
FRAME_RATE = 50  # EnCodec 32 kHz frames a second


def run(
    device: str = "cpu", quick: bool = False, repeats: int = 1, models: Path | None = None
) -> dict[str, Any]:
    import torch

    from engines.families.musicgen import MusicParams
    from engines.families.musicgen_windows import plan_windows
    from engines.progress import RunContext
    from engines.registry import EngineRegistry
    from engines.settings import Settings

    folder = full_size.ensure_checkpoint("music", models or full_size.DEFAULT_ROOT)
    long_s = QUICK_LONG_S if quick else LONG_S
    clock = Clock(device)
    runs: dict[str, list[dict[str, Any]]] = {"long": [], "short": []}
    with tempfile.TemporaryDirectory(prefix="bench-long-music-") as tmp:
        settings = Settings(data_dir=Path(tmp), music_model=str(folder), device=device)
        registry = EngineRegistry(settings)
        engine: Any = registry.get(settings.music_model)
        probes = _Probes(engine._model, clock)
        for _ in range(repeats):
            for name, seconds in (("long", long_s), ("short", SHORT_S)):
                ticks: list[float] = []
                probes.reset()
                params = MusicParams(
                    DESCRIPTION, duration=seconds, guidance_scale=GUIDANCE, seed=SEED
                )
                started = clock.now()
                registry.generate(
                    params,
                    Path(tmp) / f"{name}.wav",
                    RunContext(lambda *_, ticks=ticks: ticks.append(clock.now())),
                )
                wall = clock.now() - started
                windows = plan_windows(seconds, FRAME_RATE)
                runs[name].append(_sample(seconds, wall, ticks, windows, probes))
    short, long = runs["short"], runs["long"]
    ratio = paired_ratios(
        [r["wall_per_audio_s"] for r in long], [r["wall_per_audio_s"] for r in short]
    )
    return {
        "short_s": SHORT_S,
        "long_s": long_s,
        "guidance": GUIDANCE,
        "repeats": repeats,
        "quick": quick,
        "torch_threads": torch.get_num_threads(),
        "runs": runs,
        "wall_per_audio_s": {
            "short": summarize([r["wall_per_audio_s"] for r in short]).to_dict(),
            "long": summarize([r["wall_per_audio_s"] for r in long]).to_dict(),
        },
        "long_over_short": ratio.to_dict(),
    }


class _Probes:
    """Times the loaded model's EnCodec encode/decode and the decoder's multi-position reads."""

    def __init__(self, model: Any, clock: Clock) -> None:
        self.clock = clock
        self.calls: dict[str, list[tuple[int, float]]] = {}
        encoder, decoder = model.audio_encoder, model.decoder
        encoder.encode = self._timed("encode", encoder.encode, lambda a, k: a[0].shape[-1])
        encoder.decode = self._timed("decode", encoder.decode, lambda a, k: a[0].shape[-1])
        decoder.forward = self._timed("decoder", decoder.forward, _positions)

    def reset(self) -> None:
        self.calls = {"encode": [], "decode": [], "decoder": []}

    def _timed(self, name: str, call: Callable[..., Any], size: Callable[..., int]) -> Any:
        @wraps(call)
        def timed(*args: Any, **kwargs: Any) -> Any:
            started = self.clock.now()
            out = call(*args, **kwargs)
            self.calls[name].append((int(size(args, kwargs)), self.clock.now() - started))
            return out

        return timed


def _positions(args: tuple[Any, ...], kwargs: dict[str, Any]) -> int:
    ids = kwargs.get("input_ids", args[0] if args else None)
    return int(ids.shape[-1]) if ids is not None else 1


def _sample(
    seconds: float, wall: float, ticks: list[float], windows: list[Any], probes: _Probes
) -> dict[str, Any]:
    delay = 3  # num_codebooks - 1
    per_window, first = [], 0
    intervals = [b - a for a, b in itertools.pairwise(ticks)]
    for window in windows:
        steps = window.new_frames + delay
        inside = intervals[first : first + steps - 1]  # between this window's own steps
        per_window.append(
            {
                "prompt_frames": window.prompt_frames,
                "new_frames": window.new_frames,
                "steps": steps,
                "median_step_s": statistics.median(inside) if inside else None,
            }
        )
        first += steps
    reads = [(n, s) for n, s in probes.calls["decoder"] if n > 1]  # a prompt read in one pass
    decodes = probes.calls["decode"]
    window_frames = [w.prompt_frames + w.new_frames for w in windows]
    # generate() decodes prompt + new audio: the prompt's share of each decode is redone work.
    redecoded = sum(
        s * w.prompt_frames / frames
        for (_, s), w, frames in zip(decodes, windows, window_frames, strict=False)
    )
    base_step = per_window[0]["median_step_s"] or 0.0
    longer_context = sum(
        ((w["median_step_s"] or base_step) - base_step) * w["steps"] for w in per_window[1:]
    )
    overlap = {
        "prompt_encode_s": sum(s for _, s in probes.calls["encode"]),
        "prompt_read_s": sum(s for _, s in reads),
        "prompt_read_positions": [n for n, _ in reads],
        "prompt_redecode_s": redecoded,
        "longer_context_s": longer_context,
    }
    overlap["total_s"] = sum(v for k, v in overlap.items() if k.endswith("_s"))
    return {
        "seconds_of_audio": seconds,
        "wall_s": wall,
        "wall_per_audio_s": wall / seconds,
        "steps": len(ticks),
        "steps_in_one_pass": round(seconds * FRAME_RATE) + delay,
        "windows": per_window,
        "decode_s": sum(s for _, s in decodes),
        "overlap": overlap,
        "measured_at": time.time(),
    }


def markdown(report: dict[str, Any]) -> str:
    rows = []
    for name in ("short", "long"):
        for r in report["runs"][name]:
            o = r["overlap"]
            medians = ", ".join(f"{w['median_step_s'] * 1000:.0f}" for w in r["windows"])
            rows.append(
                [
                    f"{r['seconds_of_audio']:g} s, {len(r['windows'])} window(s)",
                    f"{r['steps']} ({r['steps'] - r['steps_in_one_pass']:+d})",
                    f"{r['wall_s']:.0f} s",
                    f"{r['wall_per_audio_s']:.2f} s",
                    medians,
                    f"{o['prompt_encode_s']:.1f} + {o['prompt_read_s']:.1f} + "
                    f"{o['prompt_redecode_s']:.1f} + {o['longer_context_s']:.1f} "
                    f"= {o['total_s']:.1f} s",
                ]
            )
    headers = [
        "track",
        "decoder steps (vs one pass)",
        "wall",
        "wall per audio s",
        "median step per window (ms)",
        "overlap: encode + read + re-decode + longer context",
    ]
    return "\n".join(
        [
            f"{report['long_s']:g} s against {report['short_s']:g} s, guidance "
            f"{report['guidance']}, {report['torch_threads']} torch threads, "
            f"{report['repeats']} repeat(s).",
            "",
            markdown_table(headers, rows),
            "",
            "Cost per second of audio, long / short: "
            f"{format_summary(report['long_over_short'], 'x', 3)}.",
        ]
    )
