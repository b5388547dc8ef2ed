"""Where results go: one JSON per device and day (merged case by case), and its markdown."""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

RESULTS_DIR = Path(__file__).resolve().parent / "results"

Renderer = Callable[[dict[str, Any]], str]


def results_path(out_dir: Path, device: str, date: str, quick: bool) -> Path:
    """``<device>-<date>.json``; quick runs go beside it so they never replace a full run."""
    return out_dir / f"{device}-{date}{'-quick' if quick else ''}.json"


def load_results(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {"cases": {}}
    results: dict[str, Any] = json.loads(path.read_text())
    results.setdefault("cases", {})
    return results


def merge_case(
    results: dict[str, Any], case: str, report: dict[str, Any], run: Mapping[str, Any]
) -> dict[str, Any]:
    """The results with ``case`` replaced by this run's report; other cases are kept."""
    merged = {**results, "cases": dict(results.get("cases", {}))}
    merged["cases"][case] = {"run": dict(run), "report": report}
    return merged


def write_json(path: Path, data: dict[str, Any]) -> None:
    """Written to a temporary name and renamed: a crash never leaves half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(_finite(data), indent=1, sort_keys=False) + "\n")
    os.replace(tmp, path)


def render_document(results: dict[str, Any], renderers: Mapping[str, Renderer]) -> str:
    """The markdown of every case in ``results``, with the machine it ran on."""
    machine = results.get("machine", {})
    versions = ", ".join(f"{k} {v}" for k, v in machine.get("versions", {}).items() if v)
    lines = [
        f"# Benchmarks: {machine.get('device', '?')}, {results.get('date', '?')}",
        "",
        f"Machine: {machine.get('cpu', '?')} ({machine.get('cpu_capability', '?')}), "
        f"{machine.get('cores', '?')} cores, {machine.get('memory_gib', '?')} GiB"
        + (f", GPU {machine['gpu']['name']}" if machine.get("gpu") else "")
        + f"; commit {machine.get('git_commit', '?')}. Versions: {versions}.",
    ]
    for case, entry in results.get("cases", {}).items():
        run = entry.get("run", {})
        lines += ["", f"## {case}", ""]
        lines.append(
            f"Run {run.get('finished_at', '?')}, {run.get('seconds', 0):.0f} s, "
            f"quick: {run.get('quick')}, repeats: {run.get('repeats')}, "
            f"load average before/after: {_load(run.get('load_before'))} / "
            f"{_load(run.get('load_after'))}."
        )
        lines.append("")
        if "error" in entry["report"]:
            lines.append(f"Failed: {entry['report']['error']}")
        elif case in renderers:
            try:
                lines.append(renderers[case](entry["report"]))
            except (KeyError, TypeError, ValueError) as exc:  # written by an older bench
                lines.append(f"Not shown: this report lacks {exc} (older bench); rerun it.")
    return "\n".join(lines) + "\n"


def _load(value: Any) -> str:
    if not value:
        return "?"
    return " ".join(f"{v:.1f}" for v in value)


def _finite(value: Any) -> Any:
    """JSON has no NaN or Infinity: write them as null and as a string."""
    if isinstance(value, float) and not math.isfinite(value):
        return None if math.isnan(value) else ("inf" if value > 0 else "-inf")
    if isinstance(value, dict):
        return {str(k): _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value
