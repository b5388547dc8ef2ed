"""Shared measuring helpers: medians with spread, peak memory, the machine, a clock."""

from __future__ import annotations

import contextlib
import gc
import os
import platform
import re
import statistics
import subprocess
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

LIBRARIES = ("torch", "diffusers", "transformers", "accelerate", "numpy", "safetensors")
GIB = 1024**3


@dataclass(frozen=True)
class Summary:
    """Median of repeated samples, with their range: spread is half of max - min."""

    median: float
    low: float
    high: float
    n: int

    @property
    def spread(self) -> float:
        return (self.high - self.low) / 2

    def to_dict(self) -> dict[str, float | int]:
        return {**asdict(self), "spread": self.spread}


def summarize(samples: Sequence[float]) -> Summary:
    if not samples:
        raise ValueError("summarize() needs at least one sample.")
    return Summary(statistics.median(samples), min(samples), max(samples), len(samples))


def paired_ratios(numerators: Sequence[float], denominators: Sequence[float]) -> Summary:
    """Per-pair ratios of samples taken side by side: a busy moment hits both of a pair."""
    if len(numerators) != len(denominators):
        raise ValueError(
            f"paired_ratios() needs pairs, but got {len(numerators)} and {len(denominators)}."
        )
    return summarize([a / b for a, b in zip(numerators, denominators, strict=True)])


def format_summary(
    summary: Summary | dict[str, Any] | None, unit: str = "", digits: int = 2
) -> str:
    """``12.34 ± 0.50 s (n=3)``; the ± is half the range of the samples."""
    if summary is None:
        return "n/a"
    s = (
        summary
        if isinstance(summary, Summary)
        else Summary(summary["median"], summary["low"], summary["high"], summary["n"])
    )
    suffix = f" {unit}" if unit else ""
    if s.n == 1:
        return f"{s.median:.{digits}f}{suffix} (n=1)"
    return f"{s.median:.{digits}f} ± {s.spread:.{digits}f}{suffix} (n={s.n})"


def verdict(met: bool | None) -> str:
    return "open" if met is None else ("met" if met else "not met")


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A GitHub markdown table; the first column left-aligned, the others right."""
    aligns = ["---"] + ["---:"] * (len(headers) - 1)
    lines = ["| " + " | ".join(headers) + " |", "| " + " | ".join(aligns) + " |"]
    for row in rows:
        if len(row) != len(headers):
            raise ValueError(f"A row has {len(row)} cells for {len(headers)} columns: {row!r}")
        lines.append("| " + " | ".join(str(cell) for cell in row) + " |")
    return "\n".join(lines)


# -- time -----------------------------------------------------------------------------


class Clock:
    """perf_counter that first waits for queued CUDA work, so GPU times are real."""

    def __init__(self, device: str = "cpu") -> None:
        self.device = device

    def now(self) -> float:
        if self.device == "cuda":
            import torch

            torch.cuda.synchronize()
        return time.perf_counter()


# -- memory ---------------------------------------------------------------------------


def _status_kib(field: str) -> int | None:
    try:
        text = Path("/proc/self/status").read_text()
    except OSError:
        return None
    match = re.search(rf"^{field}:\s+(\d+) kB", text, re.MULTILINE)
    return int(match.group(1)) if match else None


def rss_bytes() -> int | None:
    kib = _status_kib("VmRSS")
    return None if kib is None else kib * 1024


def reset_peak_rss() -> bool:
    """Reset the kernel's high-water mark of this process (Linux 4.0+); False if it can't."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


@dataclass
class PeakMemory:
    """Peak resident memory (and CUDA memory) over a block, in bytes."""

    rss: int | None = None
    rss_since_reset: bool = False  # False: the peak may predate the block
    cuda: int | None = None


@contextmanager
def peak_memory(device: str = "cpu") -> Iterator[PeakMemory]:
    peak = PeakMemory(rss_since_reset=reset_peak_rss())
    if device == "cuda":
        import torch

        torch.cuda.reset_peak_memory_stats()
    try:
        yield peak
    finally:
        kib = _status_kib("VmHWM")
        peak.rss = None if kib is None else kib * 1024
        if device == "cuda":
            import torch

            peak.cuda = int(torch.cuda.max_memory_allocated())


def release_memory() -> None:
    """Give freed model memory back to the OS, so the next measurement's peak starts low."""
    import ctypes

    gc.collect()
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def gib(value: int | float | None) -> str:
    return "n/a" if value is None else f"{value / GIB:.2f} GiB"


def evict_from_page_cache(paths: Sequence[Path]) -> None:
    """Drop these files' pages from the OS cache, so the next read comes from the disk.

    Only our own files: others' cached data stays (unlike writing to drop_caches).
    """
    for path in paths:
        fd = os.open(path, os.O_RDONLY)
        try:
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        finally:
            os.close(fd)


# -- the machine ----------------------------------------------------------------------


def machine_info(device: str) -> dict[str, Any]:
    """Where the numbers were taken: CPU, cores, memory, GPU, library versions, commit."""
    import torch

    info: dict[str, Any] = {
        "hostname": platform.node(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "cpu": _cpu_model(),
        "cpu_capability": torch.backends.cpu.get_cpu_capability(),
        "cores": len(os.sched_getaffinity(0)),
        "torch_threads": torch.get_num_threads(),
        "memory_gib": round(_meminfo_kib("MemTotal") / 1024**2, 1),
        "load_average": os.getloadavg(),
        "versions": {name: _version(name) for name in LIBRARIES},
        "git_commit": _git_commit(),
        "device": device,
    }
    if device == "cuda":
        props = torch.cuda.get_device_properties(0)
        info["gpu"] = {
            "name": props.name,
            "memory_gib": round(props.total_memory / GIB, 1),
            "capability": f"{props.major}.{props.minor}",
            "cuda": torch.version.cuda,
        }
    return info


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _meminfo_kib(field: str) -> int:
    match = re.search(rf"^{field}:\s+(\d+) kB", Path("/proc/meminfo").read_text(), re.MULTILINE)
    return int(match.group(1)) if match else 0


def _version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def _git_commit() -> str | None:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
            cwd=Path(__file__).resolve().parent,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None
